-- PostgreSQL twin of migrations/sqlite/0008_desk.sql.
-- The registrants desk: who made a registration on someone's behalf (an
-- organiser's account; NULL when the person registered themselves), and
-- the messages organisers write to an event's registrants (bounded per
-- event per day, counted here).
ALTER TABLE registrations ADD COLUMN registered_by BIGINT REFERENCES accounts (id);

CREATE TABLE registrant_messages (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id   BIGINT NOT NULL REFERENCES events (id),
    account_id BIGINT REFERENCES accounts (id),
    audience   TEXT NOT NULL,
    subject    TEXT NOT NULL,
    recipients BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX registrant_messages_event ON registrant_messages (event_id, created_at);

-- An event's dead letters: the outbox rows of its registrations that were
-- given up on.
CREATE INDEX outbox_dead ON outbox (registration_id) WHERE dead_at IS NOT NULL;
