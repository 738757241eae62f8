//! The registration form: its plain wire type and the checked domain type.
//!
//! [`RegistrationRequest`] is what the browser sends, plain strings and a
//! boolean. [`NewRegistration::try_from`] turns it into checked values or
//! collects *every* faulty field with a French message naming it, so the form
//! can show all problems at once, in the browser and from the endpoint alike.

use serde::{Deserialize, Serialize};

use crate::api::FieldErrors;
use crate::email::EmailAddress;
use crate::text::{ShortText, TextError};

/// Form field names, shared by the wire type, the error map and the form.
pub mod field {
    /// First name.
    pub const FIRST_NAME: &str = "first_name";
    /// Last name.
    pub const LAST_NAME: &str = "last_name";
    /// Email address.
    pub const EMAIL: &str = "email";
    /// Organisation or structure.
    pub const ORGANISATION: &str = "organisation";
    /// Role or function.
    pub const ROLE: &str = "role";
    /// Territory (commune, EPCI, neighbourhood).
    pub const TERRITORY: &str = "territory";
    /// Consent to the processing of personal data.
    pub const CONSENT: &str = "consent";
}

/// The French label of a form field, as shown next to its input.
pub fn field_label(name: &str) -> &'static str {
    match name {
        field::FIRST_NAME => "Prénom",
        field::LAST_NAME => "Nom",
        field::EMAIL => "Adresse e-mail",
        field::ORGANISATION => "Organisation / structure",
        field::ROLE => "Fonction",
        field::TERRITORY => "Territoire",
        field::CONSENT => "Consentement",
        _ => "Champ",
    }
}

/// Maximum lengths, in characters.
pub const NAME_MAX: usize = 100;
/// Maximum length of the organisation, role and territory fields.
pub const LONG_FIELD_MAX: usize = 200;

/// The registration form as sent over the wire. Every field defaults to empty
/// so a missing field is reported as missing rather than as malformed JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RegistrationRequest {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email address, where the confirmation and the personal links go.
    pub email: String,
    /// Organisation or structure (commune, association, State service...).
    pub organisation: String,
    /// Role or function in that organisation.
    pub role: String,
    /// Territory: commune, EPCI or priority neighbourhood (optional).
    pub territory: String,
    /// Consent to the processing of personal data for this event.
    pub consent: bool,
}

/// A registration whose every field is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRegistration {
    /// First name.
    pub first_name: ShortText,
    /// Last name.
    pub last_name: ShortText,
    /// Email address.
    pub email: EmailAddress,
    /// Organisation or structure.
    pub organisation: ShortText,
    /// Role or function.
    pub role: ShortText,
    /// Territory, when given.
    pub territory: Option<ShortText>,
}

fn text_message(label: &str, error: &TextError) -> String {
    match error {
        TextError::Missing => format!("Le champ « {label} » est obligatoire."),
        TextError::TooLong { max } => {
            format!("Le champ « {label} » ne peut pas dépasser {max} caractères.")
        }
        TextError::ControlCharacter => {
            format!("Le champ « {label} » contient des caractères invisibles non autorisés.")
        }
    }
}

fn required(errors: &mut FieldErrors, name: &str, value: &str, max: usize) -> Option<ShortText> {
    ShortText::parse(value, max)
        .map_err(|e| errors.add(name, text_message(field_label(name), &e)))
        .ok()
}

impl TryFrom<&RegistrationRequest> for NewRegistration {
    type Error = FieldErrors;

    fn try_from(request: &RegistrationRequest) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let first_name = required(
            &mut errors,
            field::FIRST_NAME,
            &request.first_name,
            NAME_MAX,
        );
        let last_name = required(&mut errors, field::LAST_NAME, &request.last_name, NAME_MAX);
        let email = EmailAddress::parse(&request.email)
            .map_err(|e| errors.add(field::EMAIL, e.to_string()))
            .ok();
        let organisation = required(
            &mut errors,
            field::ORGANISATION,
            &request.organisation,
            LONG_FIELD_MAX,
        );
        let role = required(&mut errors, field::ROLE, &request.role, LONG_FIELD_MAX);
        let territory = ShortText::parse_optional(&request.territory, LONG_FIELD_MAX)
            .map_err(|e| {
                errors.add(
                    field::TERRITORY,
                    text_message(field_label(field::TERRITORY), &e),
                )
            })
            .ok()
            .flatten();
        if !request.consent {
            errors.add(
                field::CONSENT,
                "Vous devez accepter le traitement de vos données personnelles pour vous inscrire."
                    .to_owned(),
            );
        }
        match (first_name, last_name, email, organisation, role) {
            (Some(first_name), Some(last_name), Some(email), Some(organisation), Some(role))
                if errors.is_empty() =>
            {
                Ok(NewRegistration {
                    first_name,
                    last_name,
                    email,
                    organisation,
                    role,
                    territory,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> RegistrationRequest {
        RegistrationRequest {
            first_name: "Camille".into(),
            last_name: "Martin".into(),
            email: "camille.martin@mairie-exemple.fr".into(),
            organisation: "Ville de Creil".into(),
            role: "Cheffe de projet politique de la ville".into(),
            territory: "".into(),
            consent: true,
        }
    }

    #[test]
    fn a_complete_form_is_accepted() {
        let registration = NewRegistration::try_from(&valid()).unwrap();
        assert_eq!(registration.first_name.as_str(), "Camille");
        assert_eq!(registration.territory, None);
    }

    #[test]
    fn an_empty_form_lists_every_required_field_by_name() {
        let errors = NewRegistration::try_from(&RegistrationRequest::default()).unwrap_err();
        let names: Vec<&str> = errors.0.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "consent",
                "email",
                "first_name",
                "last_name",
                "organisation",
                "role"
            ]
        );
        assert_eq!(
            errors.0["first_name"],
            ["Le champ « Prénom » est obligatoire."]
        );
        assert_eq!(errors.0["email"], ["L'adresse e-mail est obligatoire."]);
    }

    #[test]
    fn consent_is_required_even_when_everything_else_is_valid() {
        let errors = NewRegistration::try_from(&RegistrationRequest {
            consent: false,
            ..valid()
        })
        .unwrap_err();
        assert_eq!(errors.0.len(), 1);
        assert!(errors.0["consent"][0].contains("traitement de vos données"));
    }

    #[test]
    fn overlong_territory_is_refused_with_its_label() {
        let errors = NewRegistration::try_from(&RegistrationRequest {
            territory: "x".repeat(201),
            ..valid()
        })
        .unwrap_err();
        assert_eq!(
            errors.0["territory"],
            ["Le champ « Territoire » ne peut pas dépasser 200 caractères."]
        );
    }
}
