//! The feedback routes' contract: what the organisers' routes
//! (`/api/gestion/organisations/{org}/evenements/{slug}/avis…`) and the
//! participants' personal page (`/api/avis/{token}`) send and take, shared
//! by the endpoint and the app.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::results::{Comparison, Group, Summary};
use super::{FeedbackAnswer, Questionnaire};

/// Where a questionnaire stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionnaireStatus {
    /// Being prepared: nobody was asked yet.
    Draft,
    /// Sent: links accept answers (within `opens` and `closes`).
    Open,
    /// Closed by the organiser: responses are read-only.
    Closed,
}

impl QuestionnaireStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionnaireStatus::Draft => "draft",
            QuestionnaireStatus::Open => "open",
            QuestionnaireStatus::Closed => "closed",
        }
    }

    /// A stored name back; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "draft" => Some(QuestionnaireStatus::Draft),
            "open" => Some(QuestionnaireStatus::Open),
            "closed" => Some(QuestionnaireStatus::Closed),
            _ => None,
        }
    }

    /// The French name, for the back-office.
    pub fn label(self) -> &'static str {
        match self {
            QuestionnaireStatus::Draft => "En préparation",
            QuestionnaireStatus::Open => "Envoyé",
            QuestionnaireStatus::Closed => "Clos",
        }
    }
}

/// A questionnaire in the organisers' list (`GET …/avis`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionnaireLine {
    /// `a-chaud` or `a-froid`: its address under `…/avis/`; a stakeholder
    /// questionnaire's id under `…/avis-partenaires/`.
    pub avis: String,
    /// « Questionnaire à chaud »…
    pub label: String,
    pub status: QuestionnaireStatus,
    pub title: String,
    pub anonymous: bool,
    /// People asked.
    pub invited: usize,
    /// People who submitted.
    pub answered: usize,
}

/// What `POST …/avis` takes: a template, or a questionnaire of one's own.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewQuestionnaire {
    /// A template: `webinaire`, `journee`, `cycle`, `a-froid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modele: Option<String>,
    /// Or a questionnaire of one's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questionnaire: Option<Questionnaire>,
}

/// One questionnaire for the organisers (`GET`/`PUT …/avis/{avis}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionnaireView {
    pub avis: String,
    pub status: QuestionnaireStatus,
    pub questionnaire: Questionnaire,
    pub invited: usize,
    pub answered: usize,
    pub reminded: usize,
    /// Submitted out of asked, in percent.
    pub response_rate: Option<u32>,
    /// Questions that have answers: they can be reworded, not removed.
    pub answered_questions: Vec<String>,
    /// When the invitations go out by themselves (automatic sending, not
    /// sent yet), in RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_at: Option<String>,
    /// When they went out, in RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<String>,
    /// The event-wide link's path (`/avis/{token}`), once published: one
    /// answer per browser, marked « lien public » in results. Shown to the
    /// organisers only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_link: Option<String>,
    /// Responses given through the public link.
    #[serde(default)]
    pub public_answers: usize,
}

/// What sending or reminding did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentReport {
    /// Emails queued now.
    pub sent: usize,
    /// For a sending: true when the recipients were those marked present
    /// (attendance was taken), false for every confirmed registrant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attendees_only: Option<bool>,
    /// French summary, for the status message.
    pub message: String,
}

/// Someone asked who has not submitted (named mode only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotAnswered {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub reminded: bool,
}

/// Results in named mode, by group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breakdowns {
    pub structure_type: Vec<Group>,
    pub territory: Vec<Group>,
    pub workshop: Vec<Group>,
}

/// `GET …/avis/{avis}/resultats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsView {
    pub avis: String,
    pub status: QuestionnaireStatus,
    pub anonymous: bool,
    pub invited: usize,
    /// Submitted responses (the figures count these only).
    pub submitted: usize,
    /// Responses saved but not submitted yet.
    pub in_progress: usize,
    /// Submitted responses given through the public link (counted in
    /// `submitted`, not in the response rate).
    #[serde(default)]
    pub public_answers: usize,
    /// Invited people who submitted, in percent of those invited.
    pub response_rate: Option<u32>,
    pub summary: Summary,
    /// Named mode only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakdowns: Option<Breakdowns>,
    /// Named mode only (empty when anonymous).
    pub not_answered: Vec<NotAnswered>,
    /// Hot versus cold, when the event has both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Vec<Comparison>>,
}

/// What a personal link (or the public link) shows: `GET /api/avis/{token}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormView {
    /// The event's title and address; for a stakeholder questionnaire (not
    /// tied to an event), the organisation's name and an empty address.
    pub event_title: String,
    pub event_slug: String,
    /// The whole questionnaire (the app settles the conditions as the
    /// person answers, with the same `visible`).
    pub questionnaire: Questionnaire,
    /// The ids of the questions shown given the saved answers.
    pub visible: Vec<String>,
    /// The saved answers.
    pub answers: BTreeMap<String, FeedbackAnswer>,
    /// Whether they were submitted.
    pub submitted: bool,
    /// Whether answers may still be given or changed.
    pub editable: bool,
    /// Anonymous mode: this person already submitted with their other link
    /// (the first one or the reminder's).
    pub answered_elsewhere: bool,
    /// The event-wide public link: answers are kept per browser (header
    /// [`BROWSER_HEADER`]).
    #[serde(default)]
    pub public_link: bool,
    /// The sentence saying whether answers are anonymous.
    pub anonymity_notice: String,
}

/// What `PUT /api/avis/{token}` takes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormAnswers {
    pub answers: BTreeMap<String, FeedbackAnswer>,
    /// Submission (every required question shown must be answered); a
    /// save as one goes otherwise. A submitted response stays submitted:
    /// later saves are checked as submissions.
    #[serde(default)]
    pub submit: bool,
}

/// The header carrying a browser's own random key (32 hexadecimal
/// characters or more, kept in its localStorage) on `/api/avis/{token}`:
/// through the event-wide public link, it keys that browser's one response.
/// Personal links ignore it.
pub const BROWSER_HEADER: &str = "x-parvis-navigateur";
