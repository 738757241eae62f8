-- Attendance of each registration at each session (the session's index in
-- the event, from 0): present or absent, marked by hand in the back-office
-- ('manuel') or from a webinar's attendance report ('import'), by whom and
-- when. No row: not marked yet.
CREATE TABLE attendance (
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    session_idx     INTEGER NOT NULL,
    present         INTEGER NOT NULL CHECK (present IN (0, 1)),
    source          TEXT NOT NULL CHECK (source IN ('manuel', 'import')),
    marked_at       TEXT NOT NULL,
    marked_by       INTEGER REFERENCES accounts (id),
    PRIMARY KEY (registration_id, session_idx)
);
