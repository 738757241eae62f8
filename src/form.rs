//! The registration form's state, kept out of the views so it can be tested
//! without a browser.
//!
//! The form is checked by `parvis-core` on the endpoint, which answers with
//! every faulty field at once, in French; the app shows them next to their
//! fields and in a summary, in page order. (Running the same check in the
//! browser first would save one round trip at the cost of 14 KB of brotli
//! on every first visit.)

use parvis_core::api::{ApiError, EventPublic, FieldErrors};
use parvis_core::registration::{field, field_label};

/// Person fields in page order, before the event's own fields.
const PERSON_FIELDS: [&str; 8] = [
    field::FIRST_NAME,
    field::LAST_NAME,
    field::EMAIL,
    field::STRUCTURE_TYPE,
    field::ORGANISATION,
    field::ROLE,
    field::TERRITORY,
    field::ACCESSIBILITY,
];

/// Every field of an event's form, in page order, with its label.
pub fn field_order(event: &EventPublic) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = PERSON_FIELDS
        .iter()
        .map(|name| ((*name).to_owned(), field_label(name).to_owned()))
        .collect();
    if event.members_only {
        fields.insert(
            0,
            (
                field::INVITATION_CODE.to_owned(),
                field_label(field::INVITATION_CODE).to_owned(),
            ),
        );
    }
    if !event.choice_blocks().is_empty() {
        fields.push((
            field::TRACKS.to_owned(),
            field_label(field::TRACKS).to_owned(),
        ));
    }
    if event.day_selection {
        fields.push((
            field::SESSIONS.to_owned(),
            field_label(field::SESSIONS).to_owned(),
        ));
    }
    for question in &event.questions {
        fields.push((
            parvis_core::questions::field_key(question),
            question.label.clone(),
        ));
    }
    fields.push((
        field::CONSENT.to_owned(),
        field_label(field::CONSENT).to_owned(),
    ));
    fields
}

/// The lines of the error summary, in page order: (field, « Label : message »).
pub fn summary_lines(event: &EventPublic, errors: &FieldErrors) -> Vec<(String, String)> {
    field_order(event)
        .into_iter()
        .flat_map(|(name, label)| {
            errors
                .get(&name)
                .iter()
                .map(|message| (name.clone(), format!("{label} : {message}")))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// What to show after the endpoint refused a form: its field errors, and a
/// general message when the refusal is not about fields.
pub fn from_api_error(error: &ApiError) -> (FieldErrors, Option<String>) {
    if error.fields.is_empty() {
        (FieldErrors::default(), Some(error.message.clone()))
    } else {
        (error.fields.clone(), None)
    }
}

/// The DOM id of a field's input (or of the fieldset of a group).
pub fn input_id(name: &str) -> String {
    format!("champ-{}", name.replace('.', "-"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use parvis_core::registration::{RegistrationRequest, check_for_event};

    fn webinar() -> EventPublic {
        serde_json::from_str(include_str!("../tests/fixtures/event.json")).unwrap()
    }

    #[test]
    fn an_empty_form_lists_its_errors_in_page_order() {
        let event = webinar();
        let errors = check_for_event(&event, &RegistrationRequest::default()).unwrap_err();
        let fields: Vec<String> = summary_lines(&event, &errors)
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(
            fields,
            [
                "first_name",
                "last_name",
                "email",
                "structure_type",
                "organisation",
                "role",
                "answers.dejeuner",
                "consent"
            ]
        );
        assert_eq!(
            summary_lines(&event, &errors)[0].1,
            "Prénom : Le champ « Prénom » est obligatoire."
        );
        assert_eq!(
            summary_lines(&event, &errors)[6].1,
            "Déjeunerez-vous sur place ? : La question « Déjeunerez-vous sur place ? » demande une réponse."
        );
    }

    #[test]
    fn a_conflict_is_a_general_message() {
        let (fields, message) = from_api_error(&ApiError {
            code: "registration_closed".into(),
            message: "Les inscriptions à cet événement sont closes.".into(),
            fields: FieldErrors::default(),
        });
        assert!(fields.is_empty());
        assert_eq!(
            message.as_deref(),
            Some("Les inscriptions à cet événement sont closes.")
        );
    }

    #[test]
    fn ids_have_no_dots() {
        assert_eq!(
            input_id("answers.portage-epci"),
            "champ-answers-portage-epci"
        );
    }
}
