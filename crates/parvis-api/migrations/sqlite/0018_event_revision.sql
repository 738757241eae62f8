-- Each event's revision: raised by the database whenever something a
-- registration is checked against changes (the event's row, its seats'
-- capacities, its organisation's sender name, its linked publication and
-- that publication's files), never by seats being taken or given back.
-- The registration route checks a form against its event's definition
-- kept in memory, and the registration's first statement reads this
-- revision inside its own write (`store::sql::person_upsert`): a
-- definition that changed since it was read is read again and the form
-- checked anew, so no registration is ever accepted by a stale copy.
--
-- Triggers see every writer: the server, a scheduled job, someone with
-- the sqlite3 shell. An UPDATE of the event's row raises it whatever it
-- changes (the invitations' `UPDATE events SET slug = slug`, a lock, then
-- costs one more read of the event).
ALTER TABLE events ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER events_revision AFTER UPDATE ON events
WHEN NEW.revision = OLD.revision
BEGIN
    UPDATE events SET revision = OLD.revision + 1 WHERE id = NEW.id;
END;

CREATE TRIGGER quotas_revision_insert AFTER INSERT ON quotas
BEGIN
    UPDATE events SET revision = revision + 1 WHERE id = NEW.event_id;
END;
CREATE TRIGGER quotas_revision_delete AFTER DELETE ON quotas
BEGIN
    UPDATE events SET revision = revision + 1 WHERE id = OLD.event_id;
END;
-- `UPDATE OF`: taking and giving back seats (`SET taken = …`) raises nothing.
CREATE TRIGGER quotas_revision_update AFTER UPDATE OF event_id, key, capacity ON quotas
BEGIN
    UPDATE events SET revision = revision + 1 WHERE id IN (OLD.event_id, NEW.event_id);
END;

CREATE TRIGGER organisations_revision AFTER UPDATE OF sender_name ON organisations
WHEN NEW.sender_name IS NOT OLD.sender_name
BEGIN
    UPDATE events SET revision = revision + 1 WHERE organisation_id = NEW.id;
END;

CREATE TRIGGER publication_events_revision_insert AFTER INSERT ON publication_events
BEGIN
    UPDATE events SET revision = revision + 1 WHERE id = NEW.event_id;
END;
CREATE TRIGGER publication_events_revision_delete AFTER DELETE ON publication_events
BEGIN
    UPDATE events SET revision = revision + 1 WHERE id = OLD.event_id;
END;
CREATE TRIGGER publication_events_revision_update AFTER UPDATE ON publication_events
BEGIN
    UPDATE events SET revision = revision + 1 WHERE id IN (OLD.event_id, NEW.event_id);
END;

CREATE TRIGGER publications_revision AFTER UPDATE ON publications
BEGIN
    UPDATE events SET revision = revision + 1
        WHERE id IN (SELECT event_id FROM publication_events WHERE publication_id = NEW.id);
END;

CREATE TRIGGER publication_files_revision_insert AFTER INSERT ON publication_files
BEGIN
    UPDATE events SET revision = revision + 1
        WHERE id IN (SELECT event_id FROM publication_events WHERE publication_id = NEW.publication_id);
END;
CREATE TRIGGER publication_files_revision_delete AFTER DELETE ON publication_files
BEGIN
    UPDATE events SET revision = revision + 1
        WHERE id IN (SELECT event_id FROM publication_events WHERE publication_id = OLD.publication_id);
END;
CREATE TRIGGER publication_files_revision_update AFTER UPDATE ON publication_files
BEGIN
    UPDATE events SET revision = revision + 1
        WHERE id IN (SELECT event_id FROM publication_events
                     WHERE publication_id IN (OLD.publication_id, NEW.publication_id));
END;
