-- Hardening: registration statuses checked by the database, waiting queues
-- by wish (workshops and chosen days), personal links that expire, outbox
-- dead letters and notice kinds, registrations counted per client.

-- SQLite cannot add a CHECK to a column: the table is rebuilt. Foreign keys
-- from other tables are checked at commit, when the ids exist again.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE registrations_new (
    id                  INTEGER PRIMARY KEY,
    event_id            INTEGER NOT NULL REFERENCES events (id),
    person_id           INTEGER NOT NULL REFERENCES people (id),
    status              TEXT NOT NULL
                        CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'pending')),
    tracks_json         TEXT NOT NULL,
    answers_json        TEXT NOT NULL,
    structure_type      TEXT NOT NULL,
    accessibility_needs TEXT,
    consent_at          TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    -- The quotas this registration needs, sorted and joined by '|': people
    -- waiting for the same thing form one queue. NULL only for rows older
    -- than this column, filled in when the store opens.
    queue_key           TEXT,
    -- A pending registration holds its seats until then (address
    -- confirmation), after which the job runner releases them.
    hold_until          TEXT,
    UNIQUE (event_id, person_id)
);
INSERT INTO registrations_new (id, event_id, person_id, status, tracks_json, answers_json,
        structure_type, accessibility_needs, consent_at, created_at, updated_at, queue_key)
    SELECT id, event_id, person_id, status, tracks_json, answers_json, structure_type,
           accessibility_needs, consent_at, created_at, updated_at, NULL
    FROM registrations;
DROP TABLE registrations;
ALTER TABLE registrations_new RENAME TO registrations;
CREATE INDEX registrations_queue ON registrations (event_id, status, queue_key, id);
CREATE INDEX registrations_queue_unknown ON registrations (id) WHERE queue_key IS NULL;
CREATE INDEX registrations_holds ON registrations (hold_until) WHERE status = 'pending';

-- The distinct queues of each event, so a cancellation looks at a handful of
-- queues instead of every waiting registration. Rows are never deleted: a
-- queue may fill again.
CREATE TABLE waitlist_queues (
    event_id  INTEGER NOT NULL REFERENCES events (id),
    queue_key TEXT NOT NULL,
    PRIMARY KEY (event_id, queue_key)
);

-- Personal links stop working after the event (plus the retention period).
ALTER TABLE registration_tokens ADD COLUMN expires_at TEXT;
CREATE INDEX registration_tokens_expiry ON registration_tokens (expires_at);

-- Why each email was sent (to bound re-sent confirmations), and emails
-- given up on after too many failed attempts or a permanent refusal.
ALTER TABLE outbox ADD COLUMN notice TEXT;
-- The sender's display name (the organisation) and the Reply-To (the
-- event's contact) of each email.
ALTER TABLE outbox ADD COLUMN sender_name TEXT;
ALTER TABLE outbox ADD COLUMN reply_to TEXT;
ALTER TABLE outbox ADD COLUMN dead_at TEXT;
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (attempts, id) WHERE sent_at IS NULL AND dead_at IS NULL;
CREATE INDEX outbox_registration ON outbox (registration_id, notice, created_at);

-- Registrations per client and event, for the hourly cap; only a hash of
-- the client's address, kept two hours.
CREATE TABLE registration_clients (
    event_id    INTEGER NOT NULL REFERENCES events (id),
    client_hash TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX registration_clients_count ON registration_clients (event_id, client_hash, created_at);
CREATE INDEX registration_clients_age ON registration_clients (created_at);
