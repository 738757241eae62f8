-- Events: columns for what is filtered and sorted, the public page as JSON,
-- and what is never public (connection link, roster, invitation codes).
CREATE TABLE events (
    id             INTEGER PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL,
    starts_at      TEXT NOT NULL, -- UTC, fixed width: sorts as text
    ends_at        TEXT NOT NULL,
    search_text    TEXT NOT NULL, -- normalised title and summary
    connection_url TEXT,          -- never in a public response
    private_json   TEXT NOT NULL, -- roster and invitation code hashes
    data_json      TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX events_ends_at ON events (ends_at);

-- Dated sessions, for reminders.
CREATE TABLE sessions (
    event_id  INTEGER NOT NULL REFERENCES events (id),
    idx       INTEGER NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at   TEXT NOT NULL,
    PRIMARY KEY (event_id, idx)
);
CREATE INDEX sessions_starts_at ON sessions (starts_at);

-- Seats: one row per limited quota (the event, a workshop, a day). A seat is
-- taken with `UPDATE ... SET taken = taken + 1 WHERE taken < capacity`, which
-- cannot overbook even under concurrency.
CREATE TABLE quotas (
    event_id INTEGER NOT NULL REFERENCES events (id),
    key      TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    taken    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, key)
);

-- One row per person, recognised by the lower-cased email.
CREATE TABLE people (
    id           INTEGER PRIMARY KEY,
    email_key    TEXT NOT NULL UNIQUE,
    email        TEXT NOT NULL,
    first_name   TEXT NOT NULL,
    last_name    TEXT NOT NULL,
    organisation TEXT NOT NULL,
    role         TEXT NOT NULL,
    territory    TEXT,
    created_at   TEXT NOT NULL
);

-- One registration per person and event: confirmed, waitlisted (ordered by
-- id) or cancelled.
CREATE TABLE registrations (
    id                  INTEGER PRIMARY KEY,
    event_id            INTEGER NOT NULL REFERENCES events (id),
    person_id           INTEGER NOT NULL REFERENCES people (id),
    status              TEXT NOT NULL,
    tracks_json         TEXT NOT NULL, -- chosen workshops
    answers_json        TEXT NOT NULL, -- answers to the organiser's questions
    structure_type      TEXT NOT NULL,
    accessibility_needs TEXT,
    consent_at          TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (event_id, person_id)
);
CREATE INDEX registrations_waiting ON registrations (event_id, status, id);

-- Chosen days of each registration.
CREATE TABLE registration_sessions (
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    idx             INTEGER NOT NULL,
    PRIMARY KEY (registration_id, idx)
);

-- Personal tokens, stored hashed; each email carries its own, all valid.
CREATE TABLE registration_tokens (
    token_hash      TEXT PRIMARY KEY,
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    created_at      TEXT NOT NULL
);

-- Reminders already queued: the primary key makes each one happen once,
-- however many runners overlap.
CREATE TABLE reminders_sent (
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    session_idx     INTEGER NOT NULL,
    minutes_before  INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (registration_id, session_idx, minutes_before)
);

-- Emails queued in the same transaction as what caused them. The body is
-- cleared once delivered, since it may carry personal links.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    message_id      TEXT NOT NULL UNIQUE,
    registration_id INTEGER REFERENCES registrations (id),
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    ics             TEXT,
    console_note    TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_until   TEXT,         -- a runner is delivering it until then
    sent_at         TEXT,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;

CREATE TABLE publications (
    id        INTEGER PRIMARY KEY,
    slug      TEXT NOT NULL UNIQUE,
    data_json TEXT NOT NULL
);
