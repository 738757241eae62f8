-- Calendar files that stay right (RFC 5545 / RFC 5546). Every email about a
-- registration raises its calendar_sequence, the SEQUENCE of the calendar
-- entries it carries, so a calendar always applies the latest file.
-- calendar_sessions is the JSON list of the session indices the last
-- calendar file left in the person's calendar (`[0,2]`; `[]` once a
-- cancellation removed them; NULL: no file sent yet): a day dropped later is
-- sent as cancelled, and a cancellation removes what was sent.
ALTER TABLE registrations ADD COLUMN calendar_sequence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE registrations ADD COLUMN calendar_sessions TEXT;

-- Confirmed registrations got their chosen days in a calendar file already.
UPDATE registrations SET calendar_sessions = (
    SELECT '[' || group_concat(s.idx, ',') || ']' FROM registration_sessions s
    WHERE s.registration_id = registrations.id)
WHERE status = 'confirmed';
