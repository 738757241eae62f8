-- PostgreSQL twin of migrations/sqlite/0004_organisations.sql.
-- Organisations (resource centres, State services, networks), the people who
-- work for them (accounts, with a role in each organisation), password-less
-- sign-in (an emailed one-time link and a 6-digit code) and server-side
-- sessions. Events belong to an organisation; the audit log records who did
-- what in each.
CREATE TABLE organisations (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    sender_name   TEXT,
    contact_email TEXT,
    created_at    TEXT COLLATE "C" NOT NULL
);

CREATE TABLE accounts (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email_key  TEXT NOT NULL UNIQUE, -- lower-cased address
    email      TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE memberships (
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    account_id      BIGINT NOT NULL REFERENCES accounts (id),
    role            TEXT NOT NULL CHECK (role IN ('administrateur', 'organisateur')),
    created_at      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (organisation_id, account_id)
);
CREATE INDEX memberships_account ON memberships (account_id);

-- One row per sign-in email: the link and the code are stored hashed, work
-- once and expire; wrong codes are counted.
CREATE TABLE sign_in_requests (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id),
    link_hash   TEXT NOT NULL UNIQUE,
    code_hash   TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT COLLATE "C" NOT NULL,
    expires_at  TEXT COLLATE "C" NOT NULL,
    used_at     TEXT COLLATE "C"
);
CREATE INDEX sign_in_requests_account ON sign_in_requests (account_id, created_at);

-- Sessions live here, not in the cookie: they can be listed and revoked.
CREATE TABLE account_sessions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    csrf_token   TEXT NOT NULL,
    account_id   BIGINT NOT NULL REFERENCES accounts (id),
    user_agent   TEXT NOT NULL,
    created_at   TEXT COLLATE "C" NOT NULL,
    last_seen_at TEXT COLLATE "C" NOT NULL,
    expires_at   TEXT COLLATE "C" NOT NULL,
    revoked_at   TEXT COLLATE "C"
);
CREATE INDEX account_sessions_account ON account_sessions (account_id);

CREATE TABLE audit_log (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id BIGINT REFERENCES organisations (id),
    account_id      BIGINT REFERENCES accounts (id),
    action          TEXT NOT NULL,
    detail          TEXT NOT NULL,
    created_at      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX audit_log_organisation ON audit_log (organisation_id, id);

ALTER TABLE events ADD COLUMN organisation_id BIGINT REFERENCES organisations (id);
CREATE INDEX events_organisation ON events (organisation_id);
