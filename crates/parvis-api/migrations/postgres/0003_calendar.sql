-- PostgreSQL twin of migrations/sqlite/0003_calendar.sql.

ALTER TABLE registrations ADD COLUMN calendar_sequence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE registrations ADD COLUMN calendar_sessions TEXT;

-- Confirmed registrations got their chosen days in a calendar file already.
UPDATE registrations r SET calendar_sessions = (
    SELECT '[' || string_agg(s.idx::text, ',' ORDER BY s.idx) || ']' FROM registration_sessions s
    WHERE s.registration_id = r.id)
WHERE r.status = 'confirmed';
