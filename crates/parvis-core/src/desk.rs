//! The registrants desk of the back-office (`/api/gestion/…/inscrits/…`):
//! what organisers do to an event's registrants besides reading them —
//! promote someone from the waiting list, register someone on their
//! behalf (with [`crate::registration::RegistrationRequest`], checked by the
//! same rules as the public form), resend the emails that could not be
//! delivered, and write to a group of registrants.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::{FieldErrors, RegistrationStatus};
use crate::text::{ShortText, TextError};

/// Paths of the desk's API.
pub mod paths {
    fn event(organisation: &str, event: &str) -> String {
        format!("/api/gestion/organisations/{organisation}/evenements/{event}")
    }

    /// `POST` [`super::Promotion`]: moves a waiting registration to a seat.
    pub fn promote(organisation: &str, event_slug: &str, registration: i64) -> String {
        format!(
            "{}/inscrits/{registration}/promouvoir",
            event(organisation, event_slug)
        )
    }

    /// `POST` [`crate::api::paths`]'s registration form, on someone's
    /// behalf.
    pub fn on_behalf(organisation: &str, event_slug: &str) -> String {
        format!("{}/inscrits/ajouter", event(organisation, event_slug))
    }

    /// `POST`: cancels a registration (the organisation's cancellation).
    pub fn cancel(organisation: &str, event_slug: &str, registration: i64) -> String {
        format!(
            "{}/inscrits/{registration}/annuler",
            event(organisation, event_slug)
        )
    }

    /// `GET`: the emails to the event's registrants that could not be
    /// delivered ([`super::DeadLetterLine`]).
    pub fn dead_letters(organisation: &str, event_slug: &str) -> String {
        format!("{}/courriels-en-echec", event(organisation, event_slug))
    }

    /// `POST`: queues one of them again, with fresh attempts.
    pub fn resend(organisation: &str, event_slug: &str, letter: i64) -> String {
        format!(
            "{}/{letter}/renvoyer",
            dead_letters(organisation, event_slug)
        )
    }

    /// `GET`: the messages written to the registrants ([`super::MessageLog`]);
    /// `POST` [`super::MessageRequest`]: sends one.
    pub fn messages(organisation: &str, event_slug: &str) -> String {
        format!("{}/messages", event(organisation, event_slug))
    }

    /// `POST` [`super::MessageRequest`]: what would be sent, to how many.
    pub fn message_preview(organisation: &str, event_slug: &str) -> String {
        format!("{}/apercu", messages(organisation, event_slug))
    }
}

/// `POST` [`paths::promote`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Promotion {
    /// Take a seat even where none is free: the quota goes over its
    /// capacity (never without this explicit choice).
    pub depasser: bool,
}

/// An email to a registrant of the event that was given up on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetterLine {
    /// Its id in the outbox (to resend it).
    pub id: i64,
    /// The registration it is about.
    pub registration_id: i64,
    /// The registrant's name.
    pub name: String,
    /// The address it could not reach.
    pub recipient: String,
    /// Its subject.
    pub subject: String,
    /// Attempts made.
    pub attempts: i64,
    /// The last error the mail server gave.
    pub last_error: String,
    /// When it was given up on.
    pub dead_at: DateTime<Utc>,
}

/// Messages an organisation may write to one event's registrants in 24
/// hours (rolling): enough for a change of room and a reminder, not a
/// newsletter.
pub const MESSAGES_PER_DAY: u32 = 3;
/// Longest subject of a message, in characters.
pub const SUBJECT_MAX: usize = 150;
/// Longest body of a message, in characters.
pub const BODY_MAX: usize = 5000;

/// Field names of [`MessageRequest`], as errors name them.
pub mod field {
    /// Who receives it.
    pub const AUDIENCE: &str = "destinataires";
    /// Subject.
    pub const SUBJECT: &str = "objet";
    /// Body.
    pub const BODY: &str = "message";
}

/// `POST` [`paths::messages`] and [`paths::message_preview`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MessageRequest {
    /// Who receives it, as [`Audience::wire`] writes it: `tous`,
    /// `confirmes`, `attente`, `atelier:{id}`, `journee:{index}`.
    pub destinataires: String,
    /// Subject, one line.
    pub objet: String,
    /// Plain text; each email adds a greeting and the person's link.
    pub message: String,
}

/// Who receives a message. Cancelled registrations never do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Every registration that is not cancelled (confirmed, waiting,
    /// holding a seat until their address is confirmed).
    All,
    /// Confirmed registrations.
    Confirmed,
    /// The waiting list.
    Waiting,
    /// Those (not cancelled) who chose this workshop.
    Workshop(String),
    /// Those (not cancelled) who come on this day (session index).
    Day(usize),
}

impl Audience {
    /// Reads the wire value; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "tous" => Some(Audience::All),
            "confirmes" => Some(Audience::Confirmed),
            "attente" => Some(Audience::Waiting),
            other => {
                if let Some(id) = other.strip_prefix("atelier:") {
                    (!id.is_empty()).then(|| Audience::Workshop(id.to_owned()))
                } else {
                    other
                        .strip_prefix("journee:")
                        .and_then(|day| day.parse().ok())
                        .map(Audience::Day)
                }
            }
        }
    }

    /// The wire value.
    pub fn wire(&self) -> String {
        match self {
            Audience::All => "tous".to_owned(),
            Audience::Confirmed => "confirmes".to_owned(),
            Audience::Waiting => "attente".to_owned(),
            Audience::Workshop(id) => format!("atelier:{id}"),
            Audience::Day(day) => format!("journee:{day}"),
        }
    }

    /// The one status it keeps, if it keeps one.
    pub fn status(&self) -> Option<RegistrationStatus> {
        match self {
            Audience::Confirmed => Some(RegistrationStatus::Confirmed),
            Audience::Waiting => Some(RegistrationStatus::Waitlisted),
            _ => None,
        }
    }
}

/// A message whose every field is checked against its event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedMessage {
    /// Who receives it.
    pub audience: Audience,
    /// Subject.
    pub subject: String,
    /// Body, trimmed, line ends as `\n`.
    pub body: String,
}

/// Checks a message: its audience against the event's workshops (`tracks`,
/// their ids) and number of days, its subject (one line; addresses are
/// allowed, as organisers write to their own registrants) and body; every
/// faulty field is named, in French.
pub fn check_message(
    request: &MessageRequest,
    tracks: &[String],
    days: usize,
) -> Result<CheckedMessage, FieldErrors> {
    let mut errors = FieldErrors::default();
    let audience = match Audience::parse(&request.destinataires) {
        Some(Audience::Workshop(id)) if !tracks.contains(&id) => {
            errors.add(
                field::AUDIENCE,
                "Cet atelier n'existe pas pour cet événement.".to_owned(),
            );
            None
        }
        Some(Audience::Day(day)) if day >= days => {
            errors.add(
                field::AUDIENCE,
                "Cette journée n'existe pas pour cet événement.".to_owned(),
            );
            None
        }
        Some(audience) => Some(audience),
        None => {
            errors.add(
                field::AUDIENCE,
                "Choisissez à qui écrire : toutes les personnes inscrites, les confirmées, la liste d'attente, un atelier ou une journée.".to_owned(),
            );
            None
        }
    };
    let subject = match ShortText::parse_free(&request.objet, SUBJECT_MAX) {
        Ok(subject) => Some(subject.as_str().to_owned()),
        Err(TextError::Missing) => {
            errors.add(field::SUBJECT, "Indiquez l'objet du message.".to_owned());
            None
        }
        Err(problem) => {
            errors.add(field::SUBJECT, problem.to_string());
            None
        }
    };
    let body = request.message.replace("\r\n", "\n").trim().to_owned();
    if body.is_empty() {
        errors.add(field::BODY, "Écrivez le message.".to_owned());
    } else if body.chars().count() > BODY_MAX {
        errors.add(
            field::BODY,
            format!("Le message ne peut pas dépasser {BODY_MAX} caractères."),
        );
    } else if body
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        errors.add(
            field::BODY,
            "Le message contient des caractères invisibles non autorisés.".to_owned(),
        );
    }
    match (audience, subject, errors.is_empty()) {
        (Some(audience), Some(subject), true) => Ok(CheckedMessage {
            audience,
            subject,
            body,
        }),
        _ => Err(errors),
    }
}

/// `POST` [`paths::message_preview`]: the email as its first recipient
/// will read it (their personal link stands as a placeholder), and to how
/// many it would go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePreview {
    /// Registrations it would go to.
    pub count: u32,
    /// The sender's name the emails show.
    pub sender_name: String,
    /// Subject.
    pub subject: String,
    /// The text of one email.
    pub body: String,
    /// Messages already sent to this event's registrants in the last 24
    /// hours.
    pub sent_today: u32,
    /// [`MESSAGES_PER_DAY`].
    pub daily_limit: u32,
}

/// One message written to an event's registrants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageLine {
    /// When.
    pub at: DateTime<Utc>,
    /// Who wrote it (their address), when known.
    pub who: Option<String>,
    /// To whom, as [`Audience::wire`] writes it.
    pub audience: String,
    /// Subject.
    pub subject: String,
    /// Emails queued.
    pub recipients: u32,
}

/// `GET` [`paths::messages`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageLog {
    /// Messages sent in the last 24 hours.
    pub sent_today: u32,
    /// [`MESSAGES_PER_DAY`].
    pub daily_limit: u32,
    /// The latest messages, most recent first.
    pub messages: Vec<MessageLine>,
}

/// `POST` [`paths::messages`]: what was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageSent {
    /// In French.
    pub message: String,
    /// Emails queued.
    pub count: u32,
}

/// `POST` [`paths::on_behalf`]: what was stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnBehalf {
    /// In French: confirmed or waiting (with the rank), already registered.
    pub message: String,
    /// Where the registration stands.
    pub status: RegistrationStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(audience: &str, subject: &str, body: &str) -> MessageRequest {
        MessageRequest {
            destinataires: audience.to_owned(),
            objet: subject.to_owned(),
            message: body.to_owned(),
        }
    }

    #[test]
    fn audiences_read_and_write_the_same_words() {
        for audience in [
            Audience::All,
            Audience::Confirmed,
            Audience::Waiting,
            Audience::Workshop("cartographie".to_owned()),
            Audience::Day(2),
        ] {
            assert_eq!(Audience::parse(&audience.wire()), Some(audience));
        }
        assert_eq!(Audience::parse("atelier:"), None);
        assert_eq!(Audience::parse("journee:deux"), None);
        assert_eq!(Audience::parse("annulees"), None);
    }

    #[test]
    fn a_message_is_checked_field_by_field_in_french() {
        let tracks = vec!["cartographie".to_owned()];
        let errors = check_message(&request("atelier:autre", " ", ""), &tracks, 2).unwrap_err();
        assert_eq!(
            errors.get(field::AUDIENCE),
            ["Cet atelier n'existe pas pour cet événement."]
        );
        assert_eq!(errors.get(field::SUBJECT), ["Indiquez l'objet du message."]);
        assert_eq!(errors.get(field::BODY), ["Écrivez le message."]);
        let errors = check_message(
            &request("journee:2", &"x".repeat(151), &"y".repeat(5001)),
            &tracks,
            2,
        )
        .unwrap_err();
        assert_eq!(errors.get(field::AUDIENCE).len(), 1);
        assert!(errors.get(field::SUBJECT)[0].contains("150"));
        assert!(errors.get(field::BODY)[0].contains("5000"));
        let checked = check_message(
            &request(
                "attente",
                " Changement de salle ",
                "Bonjour,\r\nLa salle change.\n",
            ),
            &tracks,
            2,
        )
        .unwrap();
        assert_eq!(checked.audience, Audience::Waiting);
        assert_eq!(checked.subject, "Changement de salle");
        assert_eq!(checked.body, "Bonjour,\nLa salle change.");
    }
}
