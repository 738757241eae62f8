-- The registrants of an event a page at a time, in order of registration
-- (keyset pagination on the id, for the back-office's list and exports):
-- without this index each page sorted every registration of the event.
CREATE INDEX registrations_event ON registrations (event_id, id);
