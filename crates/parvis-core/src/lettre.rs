//! The newsletter (« lettre d'information »), one per organisation: the
//! public sign-up (double opt-in), the pages of its emailed links, and the
//! organisers' side in the back-office (issues written, previewed and sent
//! through the outbox, subscribers exported, bounces).
//!
//! The endpoint is `crates/parvis-api/src/routes/lettre.rs`; the sign-up
//! form is the app's `parvis::lettre::Inscription`, the back-office page
//! `parvis::gestion::lettre`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::FieldErrors;
use crate::email::EmailAddress;
use crate::text::{ShortText, TextError};

/// Paths of the newsletter's API and pages.
pub mod paths {
    /// `POST` [`super::SignUp`]: always 202 with [`super::SIGNED_UP`].
    pub const SIGN_UP: &str = "/api/lettre";

    /// The page of the confirmation link (`GET`: a form; `POST`: confirms).
    pub fn confirm_page(token: &str) -> String {
        format!("/lettre/confirmer/{token}")
    }

    /// The page of the unsubscribe link in each issue's body (`GET`: a
    /// form; `POST`: unsubscribes).
    pub fn unsubscribe_page(token: &str) -> String {
        format!("/lettre/desinscription/{token}")
    }

    /// The `List-Unsubscribe` link: `POST` (RFC 8058, body
    /// `List-Unsubscribe=One-Click`) unsubscribes at once.
    pub fn one_click(token: &str) -> String {
        format!("/api/lettre/desinscription/{token}")
    }

    /// `GET` [`super::Overview`].
    pub fn overview(organisation: &str) -> String {
        format!("/api/gestion/organisations/{organisation}/lettre")
    }

    /// `POST` [`super::IssueRequest`]: [`super::IssuePreview`].
    pub fn preview(organisation: &str) -> String {
        format!("{}/apercu", overview(organisation))
    }

    /// `POST` [`super::IssueRequest`]: [`super::IssueCreated`] (201).
    pub fn issues(organisation: &str) -> String {
        format!("{}/numeros", overview(organisation))
    }

    /// `POST`: sends an issue to the confirmed subscribers
    /// ([`super::IssueSent`]); sending it again queues nothing more.
    pub fn send(organisation: &str, issue: i64) -> String {
        format!("{}/{issue}/envoyer", issues(organisation))
    }

    /// `GET`: the subscribers in CSV (`?dialecte=excel|standard`).
    pub fn export_csv(organisation: &str) -> String {
        format!("{}/abonnes.csv", overview(organisation))
    }

    /// `GET`: the newsletter emails given up on ([`super::BounceLine`]).
    pub fn bounces(organisation: &str) -> String {
        format!("{}/retours", overview(organisation))
    }

    /// The back-office page.
    pub fn page(organisation: &str) -> String {
        format!("/gestion/organisations/{organisation}/lettre")
    }
}

/// Field names, as errors name them.
pub mod field {
    /// The organisation's slug (sign-up).
    pub const ORGANISATION: &str = "organisation";
    /// The address (sign-up).
    pub const EMAIL: &str = "email";
    /// The consent box (sign-up).
    pub const CONSENT: &str = "consentement";
    /// An issue's subject.
    pub const SUBJECT: &str = "objet";
    /// An issue's text.
    pub const BODY: &str = "texte";
}

/// `POST` [`paths::SIGN_UP`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignUp {
    /// The organisation's slug.
    pub organisation: String,
    /// The address to subscribe.
    pub email: String,
    /// The consent box, ticked.
    #[serde(alias = "consent")]
    pub consentement: bool,
}

/// The answer to every sign-up, subscribed already or not (nothing tells
/// whether an address is on the list).
pub const SIGNED_UP: &str = "Merci ! Si cette adresse n'est pas déjà inscrite, un e-mail vient d'y être envoyé : ouvrez le lien qu'il contient pour confirmer votre inscription à la lettre d'information. Sans confirmation, vous ne recevrez rien.";

/// The consent sentence shown beside the box, and stored with the
/// subscription.
pub fn consent_sentence(organisation_name: &str) -> String {
    format!(
        "J'accepte de recevoir par e-mail la lettre d'information de {organisation_name}. Mon adresse ne sert qu'à cet envoi ; je peux me désinscrire à tout moment par le lien présent dans chaque lettre."
    )
}

/// Checks a sign-up: the address (the registration form's rules) and the
/// ticked consent, each refusal naming its field in French. The
/// organisation is looked up by the endpoint.
pub fn check_sign_up(request: &SignUp) -> Result<EmailAddress, FieldErrors> {
    let mut errors = FieldErrors::default();
    let email = match EmailAddress::parse(&request.email) {
        Ok(email) => Some(email),
        Err(problem) => {
            errors.add(field::EMAIL, problem.to_string());
            None
        }
    };
    if !request.consentement {
        errors.add(
            field::CONSENT,
            "Cochez la case pour accepter de recevoir la lettre d'information : sans votre accord, nous ne pouvons pas vous l'envoyer.".to_owned(),
        );
    }
    match email {
        Some(email) if errors.is_empty() => Ok(email),
        _ => Err(errors),
    }
}

/// Longest subject of an issue, in characters.
pub const SUBJECT_MAX: usize = 150;
/// Longest text of an issue, in characters.
pub const BODY_MAX: usize = 20_000;

/// `POST` [`paths::preview`] and [`paths::issues`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IssueRequest {
    /// Subject, one line.
    pub objet: String,
    /// Text, in the descriptions' Markdown (paragraphs, headings, lists,
    /// emphasis, links), sent as plain text.
    pub texte: String,
}

/// An issue whose fields are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedIssue {
    /// Subject.
    pub subject: String,
    /// Text, trimmed, line ends as `\n`.
    pub body: String,
}

/// Checks an issue: a one-line subject and a text, each refusal naming its
/// field in French.
pub fn check_issue(request: &IssueRequest) -> Result<CheckedIssue, FieldErrors> {
    let mut errors = FieldErrors::default();
    let subject = match ShortText::parse_free(&request.objet, SUBJECT_MAX) {
        Ok(subject) => Some(subject.as_str().to_owned()),
        Err(TextError::Missing) => {
            errors.add(field::SUBJECT, "Indiquez l'objet de la lettre.".to_owned());
            None
        }
        Err(problem) => {
            errors.add(field::SUBJECT, problem.to_string());
            None
        }
    };
    let body = request.texte.replace("\r\n", "\n").trim().to_owned();
    if body.is_empty() {
        errors.add(field::BODY, "Écrivez le texte de la lettre.".to_owned());
    } else if body.chars().count() > BODY_MAX {
        errors.add(
            field::BODY,
            format!("Le texte ne peut pas dépasser {BODY_MAX} caractères."),
        );
    } else if body
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        errors.add(
            field::BODY,
            "Le texte contient des caractères invisibles non autorisés.".to_owned(),
        );
    }
    match subject {
        Some(subject) if errors.is_empty() => Ok(CheckedIssue { subject, body }),
        _ => Err(errors),
    }
}

/// The exact email an issue becomes (`POST` [`paths::preview`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuePreview {
    /// The sender's name.
    pub sender_name: String,
    /// The subject line.
    pub subject: String,
    /// The whole text, the unsubscribe footer included (its link a
    /// placeholder).
    pub text: String,
    /// Confirmed subscribers, who would receive it now.
    pub recipients: u64,
}

/// A stored issue (`POST` [`paths::issues`], 201).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueCreated {
    /// Its id, for [`paths::send`].
    pub id: i64,
    /// Confirmed subscribers now.
    pub recipients: u64,
}

/// What sending an issue did (`POST` [`paths::send`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueSent {
    /// Emails queued for this issue in all (the same number when sent
    /// again: nobody receives it twice).
    pub count: u64,
    /// French summary.
    pub message: String,
}

/// Subscribers by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriberCounts {
    /// Confirmed and not unsubscribed: they receive the issues.
    pub confirmed: u64,
    /// Signed up, address not confirmed yet.
    pub pending: u64,
    /// Unsubscribed.
    pub unsubscribed: u64,
}

/// One issue, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueLine {
    /// Its id.
    pub id: i64,
    /// Subject.
    pub subject: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When every email of it was queued; `None` until then.
    pub sent_at: Option<DateTime<Utc>>,
    /// Emails queued.
    pub recipients: u64,
    /// Emails given up on (bounces).
    pub bounces: u64,
}

/// `GET` [`paths::overview`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    /// The organisation's name.
    pub organisation: String,
    /// The consent sentence its sign-up form shows.
    pub consent: String,
    /// Subscribers by status.
    pub subscribers: SubscriberCounts,
    /// Issues, most recent first.
    pub issues: Vec<IssueLine>,
}

/// A newsletter email given up on (`GET` [`paths::bounces`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BounceLine {
    /// The address it could not reach.
    pub recipient: String,
    /// The issue's subject.
    pub subject: String,
    /// The issue's id.
    pub issue: i64,
    /// The last error the mail server gave.
    pub reason: String,
    /// When it was given up on.
    pub dead_at: DateTime<Utc>,
}

/// The French name of a subscriber's status, as the export writes it.
pub fn status_label(confirmed: bool, unsubscribed: bool) -> &'static str {
    if unsubscribed {
        "Désinscrit·e"
    } else if confirmed {
        "Inscrit·e"
    } else {
        "En attente de confirmation"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_up_names_its_faulty_fields_in_french() {
        let errors = check_sign_up(&SignUp {
            organisation: "demo".into(),
            email: "pas une adresse".into(),
            consentement: false,
        })
        .unwrap_err();
        assert!(errors.get(field::EMAIL)[0].contains("adresse e-mail"));
        assert!(errors.get(field::CONSENT)[0].contains("Cochez"));
        let ok = check_sign_up(&SignUp {
            organisation: "demo".into(),
            email: " Camille@Ville.FR ".into(),
            consentement: true,
        })
        .unwrap();
        assert_eq!(ok.key(), "camille@ville.fr");
    }

    #[test]
    fn consent_is_read_under_either_name() {
        let a: SignUp = serde_json::from_str(r#"{"email":"a@b.fr","consent":true}"#).unwrap();
        let b: SignUp = serde_json::from_str(r#"{"email":"a@b.fr","consentement":true}"#).unwrap();
        assert!(a.consentement && b.consentement);
    }

    #[test]
    fn an_issue_needs_a_subject_and_a_text() {
        let errors = check_issue(&IssueRequest::default()).unwrap_err();
        assert!(!errors.get(field::SUBJECT).is_empty());
        assert!(!errors.get(field::BODY).is_empty());
        let issue = check_issue(&IssueRequest {
            objet: " Lettre de mai ".into(),
            texte: "Bonjour\r\n\r\n**À lire**\n".into(),
        })
        .unwrap();
        assert_eq!(issue.subject, "Lettre de mai");
        assert_eq!(issue.body, "Bonjour\n\n**À lire**");
    }
}
