-- Feedback sent by itself and through an event-wide link. A questionnaire
-- records when its invitations first went out (`sent_at`, by hand or by the
-- job runner when automatic) and when its automatic reminder did
-- (`reminded_at`), so that the runner does each once. `public_token_hash`
-- is the SHA-256 of its event-wide link's token, once published: answers
-- through it are keyed per browser and marked `source = 'public'`.
ALTER TABLE feedback_questionnaires ADD COLUMN sent_at TEXT;
ALTER TABLE feedback_questionnaires ADD COLUMN reminded_at TEXT;
ALTER TABLE feedback_questionnaires ADD COLUMN public_token_hash TEXT;
CREATE UNIQUE INDEX feedback_questionnaires_public_token
    ON feedback_questionnaires (public_token_hash);
UPDATE feedback_questionnaires SET sent_at = (
    SELECT MIN(i.sent_at) FROM feedback_invitations i
    WHERE i.questionnaire_id = feedback_questionnaires.id
);
ALTER TABLE feedback_responses ADD COLUMN source TEXT NOT NULL DEFAULT 'invitation'
    CHECK (source IN ('invitation', 'public'));
