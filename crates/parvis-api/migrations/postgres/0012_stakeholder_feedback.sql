-- Questionnaires not tied to an event (« questionnaire aux partenaires »):
-- an organisation asks a list of addresses (funders, speakers, partners)
-- for its yearly appreciations. Such a questionnaire has no event but an
-- organisation, and its invitations no registration but an address and a
-- name.
ALTER TABLE feedback_questionnaires ALTER COLUMN event_id DROP NOT NULL;
ALTER TABLE feedback_questionnaires ADD COLUMN organisation_id BIGINT REFERENCES organisations (id);
ALTER TABLE feedback_questionnaires DROP CONSTRAINT feedback_questionnaires_kind_check;
ALTER TABLE feedback_questionnaires ADD CONSTRAINT feedback_questionnaires_kind_check
    CHECK (kind IN ('hot', 'cold', 'stakeholder'));
ALTER TABLE feedback_questionnaires ADD CONSTRAINT feedback_questionnaires_owner_check
    CHECK ((kind = 'stakeholder') = (event_id IS NULL)
           AND (kind <> 'stakeholder' OR organisation_id IS NOT NULL));
CREATE INDEX feedback_questionnaires_organisation
    ON feedback_questionnaires (organisation_id);

ALTER TABLE feedback_invitations ALTER COLUMN registration_id DROP NOT NULL;
ALTER TABLE feedback_invitations ADD COLUMN email TEXT;
ALTER TABLE feedback_invitations ADD COLUMN first_name TEXT;
ALTER TABLE feedback_invitations ADD COLUMN last_name TEXT;
ALTER TABLE feedback_invitations ADD CONSTRAINT feedback_invitations_recipient_check
    CHECK ((registration_id IS NULL) = (email IS NOT NULL));
CREATE UNIQUE INDEX feedback_invitations_contact
    ON feedback_invitations (questionnaire_id, email) WHERE email IS NOT NULL;
