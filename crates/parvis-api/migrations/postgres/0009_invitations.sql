-- PostgreSQL twin of migrations/sqlite/0009_invitations.sql.
-- Members-only events by invitation: each invited address has a row with
-- the hash of its personal registration link (the link itself is only in
-- the emails sent); every email sent is a row of `invitation_sends`, which
-- bounds resends per invitation and invitations per event in 24 hours;
-- invitation codes an organiser generates are stored hashed, labelled and
-- revocable, with the registrations they let in counted.
CREATE TABLE invitations (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        BIGINT NOT NULL REFERENCES events (id),
    email_key       TEXT NOT NULL,
    email           TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    invited_at      TEXT COLLATE "C" NOT NULL,
    invited_by      BIGINT REFERENCES accounts (id),
    last_sent_at    TEXT COLLATE "C" NOT NULL,
    sent_count      BIGINT NOT NULL DEFAULT 1,
    registration_id BIGINT REFERENCES registrations (id),
    UNIQUE (event_id, email_key)
);

CREATE TABLE invitation_sends (
    invitation_id BIGINT NOT NULL REFERENCES invitations (id),
    event_id      BIGINT NOT NULL REFERENCES events (id),
    sent_at       TEXT COLLATE "C" NOT NULL
);
CREATE INDEX invitation_sends_event ON invitation_sends (event_id, sent_at);
CREATE INDEX invitation_sends_invitation ON invitation_sends (invitation_id, sent_at);

CREATE TABLE invitation_codes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id   BIGINT NOT NULL REFERENCES events (id),
    label      TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    created_by BIGINT REFERENCES accounts (id),
    revoked_at TEXT COLLATE "C",
    uses       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX invitation_codes_event ON invitation_codes (event_id, code_hash);
