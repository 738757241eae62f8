-- PostgreSQL twin of migrations/sqlite: same tables, same text timestamps
-- (COLLATE "C" so they compare byte by byte, as in SQLite).
-- Events: columns for what is filtered and sorted, the public page as JSON.
CREATE TABLE events (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL,
    starts_at      TEXT COLLATE "C" NOT NULL, -- UTC, fixed width: sorts as text
    ends_at        TEXT COLLATE "C" NOT NULL,
    search_text    TEXT NOT NULL, -- normalised title and summary
    connection_url TEXT,          -- never in a public response
    data_json      TEXT NOT NULL,
    created_at     TEXT COLLATE "C" NOT NULL
);
CREATE INDEX events_ends_at ON events (ends_at);

-- One row per person, recognised by the lower-cased email.
CREATE TABLE people (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email_key    TEXT NOT NULL UNIQUE,
    email        TEXT NOT NULL,
    first_name   TEXT NOT NULL,
    last_name    TEXT NOT NULL,
    organisation TEXT NOT NULL,
    role         TEXT NOT NULL,
    territory    TEXT,
    created_at   TEXT COLLATE "C" NOT NULL
);

-- One registration per person and event; the personal token is stored hashed.
CREATE TABLE registrations (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id   BIGINT NOT NULL REFERENCES events (id),
    person_id  BIGINT NOT NULL REFERENCES people (id),
    status     TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    consent_at TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    UNIQUE (event_id, person_id)
);

-- Emails queued in the same transaction as what caused them. The body is
-- cleared once delivered, since it may carry personal links.
CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id      TEXT NOT NULL UNIQUE,
    registration_id BIGINT REFERENCES registrations (id),
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    ics             TEXT,
    console_note    TEXT NOT NULL DEFAULT '',
    created_at      TEXT COLLATE "C" NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT COLLATE "C" NOT NULL,
    claimed_until   TEXT COLLATE "C",         -- a runner is delivering it until then
    sent_at         TEXT COLLATE "C",
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;

CREATE TABLE publications (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug      TEXT NOT NULL UNIQUE,
    data_json TEXT NOT NULL
);
