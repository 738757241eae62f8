//! The registration form's state, kept out of the views so it can be tested
//! without a browser.
//!
//! The same `parvis-core` validation runs here before sending and on the
//! endpoint after receiving; the endpoint's field errors replace the local
//! ones when it answers.

use parvis_core::api::{ApiError, FieldErrors};
use parvis_core::registration::{NewRegistration, RegistrationRequest, field, field_label};

/// Field order on the page, used for the error summary.
pub const FIELD_ORDER: [&str; 7] = [
    field::FIRST_NAME,
    field::LAST_NAME,
    field::EMAIL,
    field::ORGANISATION,
    field::ROLE,
    field::TERRITORY,
    field::CONSENT,
];

/// Checks the form before sending; `Err` holds every faulty field.
pub fn check(request: &RegistrationRequest) -> Result<(), FieldErrors> {
    NewRegistration::try_from(request).map(|_| ())
}

/// The lines of the error summary: « Prénom : Le champ ... », in page order.
pub fn summary_lines(errors: &FieldErrors) -> Vec<(String, String)> {
    FIELD_ORDER
        .iter()
        .flat_map(|name| {
            errors.get(name).iter().map(move |message| {
                (
                    (*name).to_owned(),
                    format!("{} : {message}", field_label(name)),
                )
            })
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

/// The DOM id of a field's input.
pub fn input_id(name: &str) -> String {
    format!("champ-{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_form_lists_its_errors_in_page_order() {
        let errors = check(&RegistrationRequest::default()).unwrap_err();
        let fields: Vec<String> = summary_lines(&errors).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "first_name",
                "last_name",
                "email",
                "organisation",
                "role",
                "consent"
            ]
        );
        assert_eq!(
            summary_lines(&errors)[0].1,
            "Prénom : Le champ « Prénom » est obligatoire."
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
}
