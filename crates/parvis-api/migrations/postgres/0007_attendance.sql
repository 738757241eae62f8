-- PostgreSQL twin of migrations/sqlite/0007_attendance.sql.
-- Attendance of each registration at each session (the session's index in
-- the event, from 0): present or absent, marked by hand in the back-office
-- ('manuel') or from a webinar's attendance report ('import'), by whom and
-- when. No row: not marked yet.
CREATE TABLE attendance (
    registration_id BIGINT NOT NULL REFERENCES registrations (id),
    session_idx     BIGINT NOT NULL,
    present         BIGINT NOT NULL CHECK (present IN (0, 1)),
    source          TEXT NOT NULL CHECK (source IN ('manuel', 'import')),
    marked_at       TEXT COLLATE "C" NOT NULL,
    marked_by       BIGINT REFERENCES accounts (id),
    PRIMARY KEY (registration_id, session_idx)
);
