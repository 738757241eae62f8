-- PostgreSQL twin of migrations/sqlite: same tables, same text timestamps
-- (COLLATE "C" so they compare byte by byte, as in SQLite).
-- Events: columns for what is filtered and sorted, the public page as JSON,
-- and what is never public (connection link, roster, invitation codes).
CREATE TABLE events (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL,
    starts_at      TEXT COLLATE "C" NOT NULL, -- UTC, fixed width: sorts as text
    ends_at        TEXT COLLATE "C" NOT NULL,
    search_text    TEXT NOT NULL, -- normalised title and summary
    connection_url TEXT,          -- never in a public response
    private_json   TEXT NOT NULL, -- roster and invitation code hashes
    data_json      TEXT NOT NULL,
    created_at     TEXT COLLATE "C" NOT NULL
);
CREATE INDEX events_ends_at ON events (ends_at);

-- Dated sessions, for reminders.
CREATE TABLE sessions (
    event_id  BIGINT NOT NULL REFERENCES events (id),
    idx       BIGINT NOT NULL,
    starts_at TEXT COLLATE "C" NOT NULL,
    ends_at   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (event_id, idx)
);
CREATE INDEX sessions_starts_at ON sessions (starts_at);

-- Seats: one row per limited quota (the event, a workshop, a day). A seat is
-- taken with `UPDATE ... SET taken = taken + 1 WHERE taken < capacity`, which
-- cannot overbook even under concurrency.
CREATE TABLE quotas (
    event_id BIGINT NOT NULL REFERENCES events (id),
    key      TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    taken    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, key)
);

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

-- One registration per person and event: confirmed, waitlisted (ordered by
-- id) or cancelled.
CREATE TABLE registrations (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id            BIGINT NOT NULL REFERENCES events (id),
    person_id           BIGINT NOT NULL REFERENCES people (id),
    status              TEXT NOT NULL,
    tracks_json         TEXT NOT NULL, -- chosen workshops
    answers_json        TEXT NOT NULL, -- answers to the organiser's questions
    structure_type      TEXT NOT NULL,
    accessibility_needs TEXT,
    consent_at          TEXT COLLATE "C" NOT NULL,
    created_at          TEXT COLLATE "C" NOT NULL,
    updated_at          TEXT COLLATE "C" NOT NULL,
    UNIQUE (event_id, person_id)
);
CREATE INDEX registrations_waiting ON registrations (event_id, status, id);

-- Chosen days of each registration.
CREATE TABLE registration_sessions (
    registration_id BIGINT NOT NULL REFERENCES registrations (id),
    idx             BIGINT NOT NULL,
    PRIMARY KEY (registration_id, idx)
);

-- Personal tokens, stored hashed; each email carries its own, all valid.
CREATE TABLE registration_tokens (
    token_hash      TEXT PRIMARY KEY,
    registration_id BIGINT NOT NULL REFERENCES registrations (id),
    created_at      TEXT COLLATE "C" NOT NULL
);

-- Reminders already queued: the primary key makes each one happen once,
-- however many runners overlap.
CREATE TABLE reminders_sent (
    registration_id BIGINT NOT NULL REFERENCES registrations (id),
    session_idx     BIGINT NOT NULL,
    minutes_before  BIGINT NOT NULL,
    created_at      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (registration_id, session_idx, minutes_before)
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
