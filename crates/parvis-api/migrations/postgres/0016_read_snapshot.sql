-- PostgreSQL twin of migrations/sqlite/0016_read_snapshot.sql.
-- The version of what the public event documents read (the agenda and the
-- event pages served from memory, see src/snapshot.rs), shared by every
-- replica on this database: each reads this one row before answering from
-- its snapshot, and rebuilds when it moved.
--
-- Triggers raise it in every transaction that changes what those documents
-- show: an event (row or status), its seats (`quotas`), a publication or
-- the link between publications and events. Whoever writes (any replica,
-- a scheduled job, an administrator in psql) is seen. A transaction raises
-- it once (a transaction-local setting remembers it did), and every trigger
-- is deferred to the commit: a transaction locks this row last, only while
-- it commits, so it cannot deadlock with the locks it took before (seats,
-- events). An UPDATE that changes nothing (the
-- invitations' `UPDATE events SET slug = slug`, used as a lock) raises
-- nothing, nor does a registration put on the waiting list.
CREATE TABLE read_versions (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO read_versions (id, version) VALUES (1, 0);

CREATE FUNCTION read_version_raise() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('parvis.read_version_raised', true) IS DISTINCT FROM 'on' THEN
        PERFORM set_config('parvis.read_version_raised', 'on', true);
        UPDATE read_versions SET version = version + 1 WHERE id = 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER events_read_version_rows
    AFTER INSERT OR DELETE ON events
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION read_version_raise();
CREATE CONSTRAINT TRIGGER events_read_version_update
    AFTER UPDATE ON events
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION read_version_raise();

CREATE CONSTRAINT TRIGGER quotas_read_version_rows
    AFTER INSERT OR DELETE ON quotas
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION read_version_raise();
CREATE CONSTRAINT TRIGGER quotas_read_version_update
    AFTER UPDATE ON quotas
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION read_version_raise();

CREATE CONSTRAINT TRIGGER publications_read_version_rows
    AFTER INSERT OR DELETE ON publications
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION read_version_raise();
CREATE CONSTRAINT TRIGGER publications_read_version_update
    AFTER UPDATE ON publications
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION read_version_raise();

CREATE CONSTRAINT TRIGGER publication_events_read_version
    AFTER INSERT OR UPDATE OR DELETE ON publication_events
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION read_version_raise();
