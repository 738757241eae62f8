-- Feedback sent by itself and through an event-wide link. A questionnaire
-- records when its invitations first went out (`sent_at`, by hand or by the
-- job runner when automatic) and when its automatic reminder did
-- (`reminded_at`), so that the runner does each once. `public_token` is
-- its event-wide link's token, once published (kept whole: it is meant to
-- be pasted in a webinar's chat, and the organisers see it again); answers
-- through it are keyed per browser, linked to nobody, and marked
-- `source = 'public'`; `feedback_public_clients` counts the new ones per
-- client (a hash of its address, kept two hours) for the hourly cap.
ALTER TABLE feedback_questionnaires ADD COLUMN sent_at TEXT COLLATE "C";
ALTER TABLE feedback_questionnaires ADD COLUMN reminded_at TEXT COLLATE "C";
ALTER TABLE feedback_questionnaires ADD COLUMN public_token TEXT;
CREATE UNIQUE INDEX feedback_questionnaires_public_token
    ON feedback_questionnaires (public_token);
UPDATE feedback_questionnaires SET sent_at = (
    SELECT MIN(i.sent_at) FROM feedback_invitations i
    WHERE i.questionnaire_id = feedback_questionnaires.id
);
ALTER TABLE feedback_responses ADD COLUMN source TEXT NOT NULL DEFAULT 'invitation'
    CHECK (source IN ('invitation', 'public'));

CREATE TABLE feedback_public_clients (
    questionnaire_id BIGINT NOT NULL REFERENCES feedback_questionnaires (id) ON DELETE CASCADE,
    client_hash      TEXT NOT NULL,
    created_at       TEXT COLLATE "C" NOT NULL
);
CREATE INDEX feedback_public_clients_count
    ON feedback_public_clients (questionnaire_id, client_hash, created_at);
CREATE INDEX feedback_public_clients_age ON feedback_public_clients (created_at);
