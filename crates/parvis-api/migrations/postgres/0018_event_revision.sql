-- PostgreSQL twin of migrations/sqlite/0018_event_revision.sql.
-- Each event's revision: raised by the database whenever something a
-- registration is checked against changes (the event's row, its seats'
-- capacities, its organisation's sender name, its linked publication and
-- that publication's files), never by seats being taken or given back.
-- The registration route checks a form against its event's definition
-- kept in memory, and the registration's first statement reads this
-- revision (`store::sql::person_upsert`): a definition that changed since
-- it was read is read again and the form checked anew. Every replica on
-- this database, a scheduled job or an administrator in psql is seen.
-- An UPDATE that changes nothing (the invitations' `UPDATE events SET slug
-- = slug`, a lock) raises nothing.
ALTER TABLE events ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION event_revision_next() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.revision = OLD.revision THEN
        NEW.revision := OLD.revision + 1;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER events_revision
    BEFORE UPDATE ON events
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION event_revision_next();

-- Raises the revision of the event named by the row's `event_id` (quotas,
-- publication_events), before and after the change.
CREATE FUNCTION event_revision_of_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE events SET revision = revision + 1 WHERE id = OLD.event_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE events SET revision = revision + 1 WHERE id = NEW.event_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER quotas_revision_rows
    AFTER INSERT OR DELETE ON quotas
    FOR EACH ROW EXECUTE FUNCTION event_revision_of_row();
-- Taking and giving back seats (`SET taken = …`) raises nothing.
CREATE TRIGGER quotas_revision_update
    AFTER UPDATE ON quotas
    FOR EACH ROW WHEN (OLD.event_id IS DISTINCT FROM NEW.event_id
        OR OLD.key IS DISTINCT FROM NEW.key
        OR OLD.capacity IS DISTINCT FROM NEW.capacity)
    EXECUTE FUNCTION event_revision_of_row();

CREATE TRIGGER publication_events_revision
    AFTER INSERT OR UPDATE OR DELETE ON publication_events
    FOR EACH ROW EXECUTE FUNCTION event_revision_of_row();

CREATE FUNCTION event_revision_of_organisation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE events SET revision = revision + 1 WHERE organisation_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER organisations_revision
    AFTER UPDATE ON organisations
    FOR EACH ROW WHEN (OLD.sender_name IS DISTINCT FROM NEW.sender_name)
    EXECUTE FUNCTION event_revision_of_organisation();

-- Raises the revision of the events linked to a publication that changed.
CREATE FUNCTION event_revision_of_publication() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE events SET revision = revision + 1
        WHERE id IN (SELECT event_id FROM publication_events WHERE publication_id = NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER publications_revision
    AFTER UPDATE ON publications
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION event_revision_of_publication();

-- Raises the revision of the events linked to a file's publication,
-- before and after the change.
CREATE FUNCTION event_revision_of_publication_file() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE events SET revision = revision + 1
            WHERE id IN (SELECT event_id FROM publication_events WHERE publication_id = OLD.publication_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE events SET revision = revision + 1
            WHERE id IN (SELECT event_id FROM publication_events WHERE publication_id = NEW.publication_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER publication_files_revision
    AFTER INSERT OR UPDATE OR DELETE ON publication_files
    FOR EACH ROW EXECUTE FUNCTION event_revision_of_publication_file();
