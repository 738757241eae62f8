-- The version of what the public event documents read (the agenda and the
-- event pages served from memory, see src/snapshot.rs).
--
-- On PostgreSQL, several replicas share one database, and triggers raise
-- this version in every transaction that changes an event, its seats or
-- its linked publication; each replica reads it before answering from its
-- snapshot. A SQLite file is one process's: its snapshot learns of writes
-- from the process itself, so the table is here only for both schemas to
-- match, and nothing raises or reads it.
CREATE TABLE read_versions (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO read_versions (id, version) VALUES (1, 0);
