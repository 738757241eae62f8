-- PostgreSQL twin of migrations/sqlite/0002_hardening.sql.

ALTER TABLE registrations ADD CONSTRAINT registrations_status
    CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'pending'));
ALTER TABLE registrations ADD COLUMN queue_key TEXT COLLATE "C";
DROP INDEX registrations_waiting;
CREATE INDEX registrations_queue ON registrations (event_id, status, queue_key, id);
CREATE INDEX registrations_queue_unknown ON registrations (id) WHERE queue_key IS NULL;
ALTER TABLE registrations ADD COLUMN hold_until TEXT COLLATE "C";
CREATE INDEX registrations_holds ON registrations (hold_until) WHERE status = 'pending';

CREATE TABLE waitlist_queues (
    event_id  BIGINT NOT NULL REFERENCES events (id),
    queue_key TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (event_id, queue_key)
);

ALTER TABLE registration_tokens ADD COLUMN expires_at TEXT COLLATE "C";
CREATE INDEX registration_tokens_expiry ON registration_tokens (expires_at);

ALTER TABLE outbox ADD COLUMN notice TEXT;
-- The sender's display name (the organisation) and the Reply-To (the
-- event's contact) of each email.
ALTER TABLE outbox ADD COLUMN sender_name TEXT;
ALTER TABLE outbox ADD COLUMN reply_to TEXT;
ALTER TABLE outbox ADD COLUMN dead_at TEXT COLLATE "C";
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (attempts, id) WHERE sent_at IS NULL AND dead_at IS NULL;
CREATE INDEX outbox_registration ON outbox (registration_id, notice, created_at);

CREATE TABLE registration_clients (
    event_id    BIGINT NOT NULL REFERENCES events (id),
    client_hash TEXT NOT NULL,
    created_at  TEXT COLLATE "C" NOT NULL
);
CREATE INDEX registration_clients_count ON registration_clients (event_id, client_hash, created_at);
CREATE INDEX registration_clients_age ON registration_clients (created_at);
