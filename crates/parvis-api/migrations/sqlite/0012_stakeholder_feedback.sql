-- Questionnaires not tied to an event (« questionnaire aux partenaires »):
-- an organisation asks a list of addresses (funders, speakers, partners)
-- for its yearly appreciations. Such a questionnaire has no event but an
-- organisation, and its invitations no registration but an address and a
-- name.
--
-- SQLite cannot drop a NOT NULL constraint, so the feedback tables are
-- rebuilt. Migrations run in a transaction with foreign keys on, where
-- renaming a table rewrites the references to it: so every table of the
-- chain is renamed aside first (their references follow), the new ones are
-- created under the final names, filled parents first, and the old ones
-- dropped children first, which leaves no reference dangling at any
-- statement. Ids are copied unchanged.
ALTER TABLE feedback_questionnaires RENAME TO feedback_questionnaires_0011;
ALTER TABLE feedback_invitations RENAME TO feedback_invitations_0011;
ALTER TABLE feedback_responses RENAME TO feedback_responses_0011;
ALTER TABLE feedback_public_clients RENAME TO feedback_public_clients_0011;

CREATE TABLE feedback_questionnaires (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id          INTEGER REFERENCES events (id) ON DELETE CASCADE,
    organisation_id   INTEGER REFERENCES organisations (id),
    kind              TEXT NOT NULL CHECK (kind IN ('hot', 'cold', 'stakeholder')),
    status            TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    data_json         TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    sent_at           TEXT,
    reminded_at       TEXT,
    public_token      TEXT,
    UNIQUE (event_id, kind),
    CHECK ((kind = 'stakeholder') = (event_id IS NULL)),
    CHECK (kind <> 'stakeholder' OR organisation_id IS NOT NULL)
);

CREATE TABLE feedback_invitations (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    questionnaire_id    INTEGER NOT NULL REFERENCES feedback_questionnaires (id),
    registration_id     INTEGER REFERENCES registrations (id),
    email               TEXT,
    first_name          TEXT,
    last_name           TEXT,
    token_hash          TEXT NOT NULL UNIQUE,
    reminder_token_hash TEXT UNIQUE,
    sent_at             TEXT NOT NULL,
    reminded_at         TEXT,
    answered            INTEGER NOT NULL DEFAULT 0 CHECK (answered IN (0, 1)),
    UNIQUE (questionnaire_id, registration_id),
    CHECK ((registration_id IS NULL) = (email IS NOT NULL))
);

CREATE TABLE feedback_responses (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    questionnaire_id INTEGER NOT NULL REFERENCES feedback_questionnaires (id),
    response_key     TEXT NOT NULL,
    registration_id  INTEGER REFERENCES registrations (id),
    answers_json     TEXT NOT NULL,
    submitted        INTEGER NOT NULL CHECK (submitted IN (0, 1)),
    updated_at       TEXT NOT NULL,
    structure_type   TEXT,
    territory        TEXT,
    workshop         TEXT,
    source           TEXT NOT NULL DEFAULT 'invitation' CHECK (source IN ('invitation', 'public')),
    UNIQUE (questionnaire_id, response_key)
);

CREATE TABLE feedback_public_clients (
    questionnaire_id INTEGER NOT NULL REFERENCES feedback_questionnaires (id) ON DELETE CASCADE,
    client_hash      TEXT NOT NULL,
    created_at       TEXT NOT NULL
);

INSERT INTO feedback_questionnaires
    (id, event_id, organisation_id, kind, status, data_json, created_at, updated_at,
     sent_at, reminded_at, public_token)
SELECT id, event_id, NULL, kind, status, data_json, created_at, updated_at,
       sent_at, reminded_at, public_token
FROM feedback_questionnaires_0011;
INSERT INTO feedback_invitations
    (id, questionnaire_id, registration_id, token_hash, reminder_token_hash, sent_at,
     reminded_at, answered)
SELECT id, questionnaire_id, registration_id, token_hash, reminder_token_hash, sent_at,
       reminded_at, answered
FROM feedback_invitations_0011;
INSERT INTO feedback_responses
    (id, questionnaire_id, response_key, registration_id, answers_json, submitted,
     updated_at, structure_type, territory, workshop, source)
SELECT id, questionnaire_id, response_key, registration_id, answers_json, submitted,
       updated_at, structure_type, territory, workshop, source
FROM feedback_responses_0011;
INSERT INTO feedback_public_clients (questionnaire_id, client_hash, created_at)
SELECT questionnaire_id, client_hash, created_at FROM feedback_public_clients_0011;

DROP TABLE feedback_public_clients_0011;
DROP TABLE feedback_responses_0011;
DROP TABLE feedback_invitations_0011;
DROP TABLE feedback_questionnaires_0011;

CREATE UNIQUE INDEX feedback_questionnaires_public_token
    ON feedback_questionnaires (public_token);
CREATE INDEX feedback_questionnaires_organisation
    ON feedback_questionnaires (organisation_id);
CREATE UNIQUE INDEX feedback_invitations_contact
    ON feedback_invitations (questionnaire_id, email) WHERE email IS NOT NULL;
CREATE INDEX feedback_public_clients_count
    ON feedback_public_clients (questionnaire_id, client_hash, created_at);
CREATE INDEX feedback_public_clients_age ON feedback_public_clients (created_at);
