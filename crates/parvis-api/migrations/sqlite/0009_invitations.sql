-- Members-only events by invitation: each invited address has a row with
-- the hash of its personal registration link (the link itself is only in
-- the emails sent); every email sent is a row of `invitation_sends`, which
-- bounds resends per invitation and invitations per event in 24 hours;
-- invitation codes an organiser generates are stored hashed, labelled and
-- revocable, with the registrations they let in counted.
CREATE TABLE invitations (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES events (id),
    email_key       TEXT NOT NULL, -- lower-cased address
    email           TEXT NOT NULL, -- as typed by the organiser
    token_hash      TEXT NOT NULL UNIQUE,
    invited_at      TEXT NOT NULL,
    invited_by      INTEGER REFERENCES accounts (id),
    last_sent_at    TEXT NOT NULL,
    sent_count      INTEGER NOT NULL DEFAULT 1,
    registration_id INTEGER REFERENCES registrations (id), -- registered through the link
    UNIQUE (event_id, email_key)
);

CREATE TABLE invitation_sends (
    invitation_id INTEGER NOT NULL REFERENCES invitations (id),
    event_id      INTEGER NOT NULL REFERENCES events (id),
    sent_at       TEXT NOT NULL
);
CREATE INDEX invitation_sends_event ON invitation_sends (event_id, sent_at);
CREATE INDEX invitation_sends_invitation ON invitation_sends (invitation_id, sent_at);

CREATE TABLE invitation_codes (
    id         INTEGER PRIMARY KEY,
    event_id   INTEGER NOT NULL REFERENCES events (id),
    label      TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES accounts (id),
    revoked_at TEXT,
    uses       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX invitation_codes_event ON invitation_codes (event_id, code_hash);
