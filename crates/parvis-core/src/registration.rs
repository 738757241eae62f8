//! The registration form: its plain wire type and the checked domain type.
//!
//! [`RegistrationRequest`] is what the browser sends, plain strings and a
//! boolean. [`NewRegistration::try_from`] turns it into checked values or
//! collects *every* faulty field with a French message naming it, so the form
//! can show all problems at once, in the browser and from the endpoint alike.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::api::{EventPublic, FieldErrors};
use crate::email::EmailAddress;
use crate::questions::{Answer, check_answers};
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
    /// Kind of structure (collectivité, État...).
    pub const STRUCTURE_TYPE: &str = "structure_type";
    /// Accessibility needs.
    pub const ACCESSIBILITY: &str = "accessibility_needs";
    /// Chosen workshops.
    pub const TRACKS: &str = "tracks";
    /// Chosen days.
    pub const SESSIONS: &str = "sessions";
    /// Invitation code of a members-only event.
    pub const INVITATION_CODE: &str = "invitation_code";
}

/// Longest accessibility needs, in characters.
pub const ACCESSIBILITY_MAX: usize = 500;

/// The structure type of a resident, for whom organisation and function
/// are optional.
pub const RESIDENT: &str = "habitant";

/// Kinds of structures the audiences of the seeds come from: (wire value,
/// French label).
pub const STRUCTURE_TYPES: [(&str, &str); 7] = [
    ("collectivite", "Collectivité territoriale"),
    ("etat", "Service de l'État"),
    ("association", "Association"),
    ("bailleur", "Bailleur social"),
    ("caf", "CAF"),
    ("habitant", "Habitant·e"),
    ("autre", "Autre"),
];

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
        field::STRUCTURE_TYPE => "Type de structure",
        field::ACCESSIBILITY => "Besoins d'accessibilité",
        field::TRACKS => "Atelier",
        field::SESSIONS => "Journées",
        field::INVITATION_CODE => "Code d'invitation",
        crate::search::QUERY_FIELD => "Recherche",
        crate::presence::FILE_FIELD => "Fichier",
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
    /// Kind of structure, one of [`STRUCTURE_TYPES`].
    pub structure_type: String,
    /// Accessibility needs (optional).
    pub accessibility_needs: String,
    /// Chosen workshops: one id per block of parallel workshops.
    pub tracks: Vec<String>,
    /// Chosen days (session indexes), when the event lets people choose.
    pub sessions: Vec<usize>,
    /// Invitation code, for members-only events.
    pub invitation_code: String,
    /// The token of a personal invitation link, for members-only events:
    /// the registration is then for the invited address, whatever `email`
    /// says. Left out of the JSON when empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub invitation_token: String,
    /// Answers to the organiser's questions, by question id.
    pub answers: BTreeMap<String, Answer>,
    /// Left empty by people; filled by bots (the field is hidden).
    pub website: String,
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
    /// Organisation or structure; a resident may give none.
    pub organisation: Option<ShortText>,
    /// Role or function; a resident may give none.
    pub role: Option<ShortText>,
    /// Territory, when given.
    pub territory: Option<ShortText>,
    /// Kind of structure (wire value of [`STRUCTURE_TYPES`]).
    pub structure_type: String,
    /// Accessibility needs, when given.
    pub accessibility_needs: Option<ShortText>,
}

/// A registration checked against its event: the person plus their choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRegistration {
    /// The person.
    pub person: NewRegistration,
    /// Chosen workshops, one per block, in programme order.
    pub tracks: Vec<String>,
    /// Chosen days (every session unless the event lets people choose).
    pub sessions: Vec<usize>,
    /// Normalised answers to the organiser's questions.
    pub answers: BTreeMap<String, Answer>,
}

/// Checks workshop and day choices against the event; every problem is
/// reported, keyed `tracks` or `sessions`.
pub fn check_choices(
    event: &EventPublic,
    tracks: &[String],
    sessions: &[usize],
    errors: &mut FieldErrors,
) -> (Vec<String>, Vec<usize>) {
    let mut chosen_tracks = Vec::new();
    for block in event.choice_blocks() {
        let picked: Vec<&String> = tracks
            .iter()
            .filter(|id| block.tracks.iter().any(|t| &t.id == *id))
            .collect();
        match picked.as_slice() {
            [one] => chosen_tracks.push((*one).clone()),
            [] => errors.add(
                field::TRACKS,
                format!("Choisissez un atelier pour « {} ».", block.title),
            ),
            _ => errors.add(
                field::TRACKS,
                format!("Choisissez un seul atelier pour « {} ».", block.title),
            ),
        }
    }
    if tracks.iter().any(|id| !event.tracks().any(|t| &t.id == id)) {
        errors.add(
            field::TRACKS,
            "L'atelier choisi n'existe pas pour cet événement.".to_owned(),
        );
    }
    let chosen_sessions = if event.day_selection {
        let mut days: Vec<usize> = sessions.to_vec();
        days.sort_unstable();
        days.dedup();
        if days.is_empty() {
            errors.add(
                field::SESSIONS,
                "Choisissez au moins une journée.".to_owned(),
            );
        }
        if days.iter().any(|&d| d >= event.sessions.len()) {
            errors.add(
                field::SESSIONS,
                "La journée choisie n'existe pas pour cet événement.".to_owned(),
            );
        }
        days
    } else {
        (0..event.sessions.len()).collect()
    };
    (chosen_tracks, chosen_sessions)
}

/// Checks a whole form for an event: person, choices and answers, reporting
/// every faulty field at once.
pub fn check_for_event(
    event: &EventPublic,
    request: &RegistrationRequest,
) -> Result<CheckedRegistration, FieldErrors> {
    let mut errors = match NewRegistration::try_from(request) {
        Ok(_) => FieldErrors::default(),
        Err(errors) => errors,
    };
    let (tracks, sessions) = check_choices(event, &request.tracks, &request.sessions, &mut errors);
    let answers = check_answers(&event.questions, &request.answers)
        .map_err(|e| {
            for (key, messages) in e.0 {
                for message in messages {
                    errors.add(&key, message);
                }
            }
        })
        .unwrap_or_default();
    if !errors.is_empty() {
        return Err(errors);
    }
    let person = NewRegistration::try_from(request)?;
    Ok(CheckedRegistration {
        person,
        tracks,
        sessions,
        answers,
    })
}

/// The French message of a text field's error, naming the field.
pub fn text_message(label: &str, error: &TextError) -> String {
    match error {
        TextError::Missing => format!("Le champ « {label} » est obligatoire."),
        TextError::TooLong { max } => {
            format!("Le champ « {label} » ne peut pas dépasser {max} caractères.")
        }
        TextError::ControlCharacter => {
            format!("Le champ « {label} » contient des caractères invisibles non autorisés.")
        }
        TextError::WebAddress => {
            format!("Le champ « {label} » ne peut pas contenir d'adresse web.")
        }
        TextError::EmailAddress => {
            format!("Le champ « {label} » ne peut pas contenir d'adresse e-mail.")
        }
    }
}

fn required(errors: &mut FieldErrors, name: &str, value: &str, max: usize) -> Option<ShortText> {
    ShortText::parse(value, max)
        .map_err(|e| errors.add(name, text_message(field_label(name), &e)))
        .ok()
}

/// An optional text, required when `required` (then `Some` once valid).
fn optional_unless(
    errors: &mut FieldErrors,
    name: &str,
    value: &str,
    required: bool,
) -> Option<Option<ShortText>> {
    if required {
        return self::required(errors, name, value, LONG_FIELD_MAX).map(Some);
    }
    ShortText::parse_optional(value, LONG_FIELD_MAX)
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
        // A resident comes for themself: no organisation or function to give.
        let resident = request.structure_type == RESIDENT;
        let organisation = optional_unless(
            &mut errors,
            field::ORGANISATION,
            &request.organisation,
            !resident,
        );
        let role = optional_unless(&mut errors, field::ROLE, &request.role, !resident);
        let territory = ShortText::parse_optional(&request.territory, LONG_FIELD_MAX)
            .map_err(|e| {
                errors.add(
                    field::TERRITORY,
                    text_message(field_label(field::TERRITORY), &e),
                )
            })
            .ok()
            .flatten();
        if !STRUCTURE_TYPES
            .iter()
            .any(|(value, _)| *value == request.structure_type)
        {
            errors.add(
                field::STRUCTURE_TYPE,
                "Choisissez le type de votre structure dans la liste.".to_owned(),
            );
        }
        // Free text: an address there (a contact, a page about a disability)
        // is legitimate, and it is never written into an email.
        let accessibility_needs =
            ShortText::parse_free_optional(&request.accessibility_needs, ACCESSIBILITY_MAX)
                .map_err(|e| {
                    errors.add(
                        field::ACCESSIBILITY,
                        text_message(field_label(field::ACCESSIBILITY), &e),
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
                    structure_type: request.structure_type.clone(),
                    accessibility_needs,
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
            structure_type: "collectivite".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_form_is_accepted() {
        let registration = NewRegistration::try_from(&valid()).unwrap();
        assert_eq!(registration.first_name.as_str(), "Camille");
        assert_eq!(registration.territory, None);
    }

    #[test]
    fn a_resident_needs_no_organisation_or_function_but_others_do() {
        let resident = RegistrationRequest {
            organisation: String::new(),
            role: "  ".into(),
            structure_type: RESIDENT.into(),
            ..valid()
        };
        let registration = NewRegistration::try_from(&resident).unwrap();
        assert_eq!((registration.organisation, registration.role), (None, None));
        let with_association = RegistrationRequest {
            organisation: "Conseil citoyen Rouher".into(),
            ..resident.clone()
        };
        let registration = NewRegistration::try_from(&with_association).unwrap();
        assert_eq!(
            registration.organisation.map(|o| o.as_str().to_owned()),
            Some("Conseil citoyen Rouher".to_owned())
        );
        let errors = NewRegistration::try_from(&RegistrationRequest {
            structure_type: "association".into(),
            ..resident
        })
        .unwrap_err();
        assert!(errors.get(field::ORGANISATION)[0].contains("Organisation / structure"));
        assert!(errors.get(field::ROLE)[0].contains("Fonction"));
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
                "role",
                "structure_type"
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

    #[test]
    fn names_and_short_fields_refuse_addresses_but_accessibility_needs_keep_them() {
        let errors = NewRegistration::try_from(&RegistrationRequest {
            first_name: "Gagnez sur spam.com".into(),
            last_name: "jean@exemple.fr".into(),
            organisation: "https://exemple.fr".into(),
            role: "www.exemple".into(),
            territory: "bit.ly/x".into(),
            ..valid()
        })
        .unwrap_err();
        assert_eq!(
            errors.get(field::FIRST_NAME),
            ["Le champ « Prénom » ne peut pas contenir d'adresse web."]
        );
        assert_eq!(
            errors.get(field::LAST_NAME),
            ["Le champ « Nom » ne peut pas contenir d'adresse e-mail."]
        );
        for name in [field::ORGANISATION, field::ROLE, field::TERRITORY] {
            assert!(errors.get(name)[0].contains("adresse web"), "{name}");
        }
        assert_eq!(errors.0.len(), 5);
        let accepted = NewRegistration::try_from(&RegistrationRequest {
            first_name: "Jean-Pierre".into(),
            last_name: "O'Neil".into(),
            organisation: "Centre de ressources Pôle Ressources Ville et Développement Social"
                .into(),
            territory: "St. Ouen, Saint-Étienne".into(),
            accessibility_needs: "Interprète LSF, voir https://exemple.fr/lsf".into(),
            ..valid()
        })
        .unwrap();
        assert_eq!(
            accepted.accessibility_needs.unwrap().as_str(),
            "Interprète LSF, voir https://exemple.fr/lsf"
        );
    }

    fn committee() -> EventPublic {
        use crate::api::*;
        let at = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap();
        let track = |id: &str| Track {
            id: id.into(),
            title: format!("Atelier {id}"),
            details: vec![],
            capacity: Some(8),
        };
        let day = |d: &str| Session {
            title: None,
            starts_at: at(&format!("{d}T10:00:00+02:00")),
            ends_at: at(&format!("{d}T16:00:00+02:00")),
            all_day: false,
            programme: vec![],
            capacity: None,
        };
        let mut first = day("2026-12-01");
        first.programme.push(ProgrammeItem {
            start: None,
            end: None,
            title: "Sous-groupes".into(),
            details: vec![],
            tracks: vec![track("observation"), track("habitants")],
        });
        EventPublic {
            slug: "comite".into(),
            kind: EventKind::Comite,
            title: "Comité".into(),
            summary: String::new(),
            description_html: String::new(),
            format: EventFormat::Presentiel,
            venue: None,
            audience: None,
            objectives: vec![],
            organiser: "ODAS".into(),
            speakers: vec![],
            contact: Contact {
                name: "Maud Gallay".into(),
                email: None,
                phone: None,
            },
            sessions: vec![first, day("2026-12-02")],
            members_only: true,
            access_note: None,
            registration: RegistrationWindow {
                opens_at: None,
                closes_at: at("2026-12-01T10:00:00+02:00"),
            },
            registration_state: RegistrationState::Open,
            report: None,
            capacity: None,
            waitlist: true,
            address_confirmation: false,
            day_selection: true,
            questions: vec![],
            reminders_minutes: default_reminders(),
            availability: Availability::default(),
            cancelled: false,
        }
    }

    #[test]
    fn choices_are_checked_against_the_event() {
        let event = committee();
        let errors = check_for_event(&event, &valid()).unwrap_err();
        assert_eq!(
            errors.get(field::TRACKS),
            ["Choisissez un atelier pour « Sous-groupes »."]
        );
        assert_eq!(
            errors.get(field::SESSIONS),
            ["Choisissez au moins une journée."]
        );
        let both = RegistrationRequest {
            tracks: vec!["observation".into(), "habitants".into()],
            sessions: vec![5],
            ..valid()
        };
        let errors = check_for_event(&event, &both).unwrap_err();
        assert!(errors.get(field::TRACKS)[0].contains("un seul atelier"));
        assert!(errors.get(field::SESSIONS)[0].contains("n'existe pas"));
        let good = RegistrationRequest {
            tracks: vec!["habitants".into()],
            sessions: vec![1, 0, 1],
            ..valid()
        };
        let checked = check_for_event(&event, &good).unwrap();
        assert_eq!(checked.tracks, ["habitants"]);
        assert_eq!(checked.sessions, [0, 1]);
    }

    #[test]
    fn without_day_selection_a_registration_covers_every_day() {
        let event = EventPublic {
            day_selection: false,
            ..committee()
        };
        let good = RegistrationRequest {
            tracks: vec!["observation".into()],
            ..valid()
        };
        assert_eq!(check_for_event(&event, &good).unwrap().sessions, [0, 1]);
    }
}
