-- PostgreSQL twin of migrations/sqlite/0010_feedback.sql.
-- Participant feedback. A questionnaire belongs to an event (one hot, one
-- cold at most); `data_json` holds the prepared questionnaire in its
-- storage shape (store/sql/feedback.rs). Each person asked has a row of
-- `feedback_invitations` with the SHA-256 of their personal link (and of
-- the reminder's, once sent) and whether they submitted: in anonymous mode
-- that flag is the only link left between a person and their answer.
-- A response is keyed by `response_key`: `inscription:{id}` in named mode,
-- the SHA-256 of a distinct derivation of the link's token in anonymous
-- mode (which nothing stored can be matched to without the token);
-- `registration_id` and the copied registration fields are NULL in
-- anonymous mode, where `updated_at` keeps the day only. Deleting an event
-- (only ever possible without registrations, so without invitations or
-- responses) takes its questionnaires with it.
CREATE TABLE feedback_questionnaires (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('hot', 'cold')),
    status      TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    data_json   TEXT NOT NULL,
    created_at  TEXT COLLATE "C" NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL,
    UNIQUE (event_id, kind)
);

CREATE TABLE feedback_invitations (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    questionnaire_id    BIGINT NOT NULL REFERENCES feedback_questionnaires (id),
    registration_id     BIGINT NOT NULL REFERENCES registrations (id),
    token_hash          TEXT NOT NULL UNIQUE,
    reminder_token_hash TEXT UNIQUE,
    sent_at             TEXT COLLATE "C" NOT NULL,
    reminded_at         TEXT COLLATE "C",
    answered            BIGINT NOT NULL DEFAULT 0 CHECK (answered IN (0, 1)),
    UNIQUE (questionnaire_id, registration_id)
);

CREATE TABLE feedback_responses (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    questionnaire_id BIGINT NOT NULL REFERENCES feedback_questionnaires (id),
    response_key     TEXT NOT NULL,
    registration_id  BIGINT REFERENCES registrations (id),
    answers_json     TEXT NOT NULL,
    submitted        BIGINT NOT NULL CHECK (submitted IN (0, 1)),
    updated_at       TEXT COLLATE "C" NOT NULL,
    structure_type   TEXT,
    territory        TEXT,
    workshop         TEXT,
    UNIQUE (questionnaire_id, response_key)
);
