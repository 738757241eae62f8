//! Participant feedback: an event's questionnaires (one hot, one cold at
//! most), the people asked (each with the SHA-256 of a personal link, the
//! reminder's link once sent, and whether they submitted), and the
//! responses, saved as people go and submitted.
//!
//! Anonymity is decided by the questionnaire's `anonymous` flag, fixed once
//! anyone was asked. In anonymous mode a response row holds no registration
//! id, no copied registration field, and its day only; it is keyed by a
//! hash of the link's token distinct from the one the invitation keeps, so
//! nothing stored leads from a person to their answer: the invitation's
//! `answered` flag is the only link left (see ARCHITECTURE.md, « Feedback »).

use std::collections::BTreeMap;

use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parvis_core::feedback::{FeedbackAnswer, Questionnaire, QuestionnaireKind, Response};

use crate::outbox::OutgoingEmail;

/// The outbox's name of a feedback invitation or reminder.
pub const FEEDBACK_NOTICE: &str = "feedback";

pub use parvis_core::feedback::api::QuestionnaireStatus;

/// A stored questionnaire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionnaireRecord {
    /// Its id.
    pub id: i64,
    /// Its event; `None` for a stakeholder questionnaire.
    pub event_id: Option<i64>,
    /// A stakeholder questionnaire's organisation (`None` for an event's,
    /// which belongs to the event's organisation).
    pub organisation_id: Option<i64>,
    /// That organisation's name.
    pub organisation_name: Option<String>,
    /// Draft, open or closed.
    pub status: QuestionnaireStatus,
    /// The questionnaire, as `prepare` returned it.
    pub questionnaire: Questionnaire,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
    /// When its invitations first went out (by hand or by themselves).
    pub sent_at: Option<DateTime<Utc>>,
    /// When its automatic reminder went out.
    pub reminded_at: Option<DateTime<Utc>>,
    /// Its event-wide public link's token, once published.
    pub public_token: Option<String>,
}

/// Someone to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// Their registration to the event; `None` for an address of a
    /// stakeholder list.
    pub registration_id: Option<i64>,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Address.
    pub email: String,
}

/// Composes the email of a feedback link: the recipient, the personal
/// token, and whether it is the reminder. Called inside the store's
/// transaction.
pub type ComposeFeedback<'a> =
    &'a (dyn Fn(&Recipient, &str, bool) -> Result<OutgoingEmail> + Send + Sync);

/// Someone asked, as the organiser's list shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackInvitation {
    /// Who.
    pub recipient: Recipient,
    /// When the link was sent.
    pub sent_at: DateTime<Utc>,
    /// When the reminder was sent.
    pub reminded_at: Option<DateTime<Utc>>,
    /// Whether they submitted.
    pub answered: bool,
}

/// What a personal link, or the event-wide public link, opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackLink {
    /// The invitation's id; `None` for the public link.
    pub invitation_id: Option<i64>,
    /// The person's registration (never stored with an anonymous answer);
    /// `None` for the public link.
    pub registration_id: Option<i64>,
    /// Whether this invitation's person submitted (always false for the
    /// public link: each browser has its own response).
    pub answered: bool,
    /// The questionnaire.
    pub questionnaire: QuestionnaireRecord,
    /// The questionnaire's event, as the form names it (read with the
    /// link, in the same query); `None` for a stakeholder questionnaire,
    /// or when the event is gone.
    pub event: Option<LinkedEvent>,
}

/// The event a feedback link is about, as its form names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedEvent {
    /// Its address.
    pub slug: String,
    /// Its title.
    pub title: String,
}

/// What a link opens, with the key of its response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedLink {
    /// The link.
    pub link: FeedbackLink,
    /// The key its response is saved under ([`link_response_key`]);
    /// `None` through the public link without a browser key.
    pub key: Option<String>,
}

/// The key the response through `link` (opened with `token`) is saved
/// under: an anonymous questionnaire's responses are keyed by the link's
/// token, never by a person; a named one's by the registration, or by the
/// stakeholder list's address; the public link's by the browser's own key
/// (`None` without one).
pub fn link_response_key(
    link: &FeedbackLink,
    token: &str,
    browser: Option<&str>,
) -> Option<String> {
    let anonymous = link.questionnaire.questionnaire.anonymous;
    match (link.invitation_id, link.registration_id) {
        (Some(_), Some(registration_id)) => Some(response_key(anonymous, registration_id, token)),
        // An address of a stakeholder list.
        (Some(_), None) if anonymous => Some(response_key(true, 0, token)),
        (Some(invitation_id), None) => Some(format!("contact:{invitation_id}")),
        (None, _) => browser.map(|browser| public_response_key(token, browser)),
    }
}

/// A response as its author sees it again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SavedResponse {
    /// The answers, keyed by question id.
    pub answers: BTreeMap<String, FeedbackAnswer>,
    /// Whether it was submitted.
    pub submitted: bool,
}

/// What a save asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submission {
    /// A submission: the answers were checked as one.
    Submit,
    /// A draft, whose answers were checked as one; `complete` when they
    /// would also pass as a submission (which a response submitted before
    /// must stay).
    Draft {
        /// Whether the answers would pass as a submission.
        complete: bool,
    },
}

/// What saving a response did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// Stored (committed); `submitted`: whether the response stands
    /// submitted (a submitted response stays so).
    Done {
        /// Whether it stands submitted.
        submitted: bool,
    },
    /// The response was submitted before, and these answers, saved as a
    /// draft, leave a required question blank: a submitted response stays
    /// complete, so nothing was stored.
    Incomplete,
    /// Anonymous mode: this person already submitted through their other
    /// link (the first one or the reminder's); nothing stored.
    AnsweredElsewhere,
    /// Public link: this client started too many responses in the last
    /// hour; nothing stored.
    TooManyFromClient,
}

/// Feedback questionnaires, invitations and responses.
#[async_trait]
pub trait FeedbackStore: Send + Sync {
    /// Stores a draft questionnaire for an event; `None` when the event
    /// already has one of the same kind.
    async fn create_questionnaire(
        &self,
        event_id: i64,
        questionnaire: &Questionnaire,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>>;

    /// Stores a draft stakeholder questionnaire (not tied to an event) for
    /// an organisation.
    async fn create_stakeholder_questionnaire(
        &self,
        organisation_id: i64,
        questionnaire: &Questionnaire,
        now: DateTime<Utc>,
    ) -> Result<i64>;

    /// An organisation's stakeholder questionnaires, newest first.
    async fn stakeholder_questionnaires(
        &self,
        organisation_id: i64,
    ) -> Result<Vec<QuestionnaireRecord>>;

    /// An event's questionnaires, hot first.
    async fn questionnaires(&self, event_id: i64) -> Result<Vec<QuestionnaireRecord>>;

    /// One of an event's questionnaires.
    async fn questionnaire(&self, event_id: i64, id: i64) -> Result<Option<QuestionnaireRecord>>;

    /// Replaces a questionnaire's content (the caller checked what the
    /// responses hold).
    async fn replace_questionnaire(
        &self,
        id: i64,
        questionnaire: &Questionnaire,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Sets a questionnaire's status.
    async fn set_questionnaire_status(
        &self,
        id: i64,
        status: QuestionnaireStatus,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Asks every recipient not asked yet: one row each with the hash of a
    /// fresh token and its email queued, in one transaction that also opens
    /// a draft questionnaire. Returns the addresses asked now.
    async fn invite_feedback(
        &self,
        id: i64,
        recipients: &[Recipient],
        compose: ComposeFeedback<'_>,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>>;

    /// Sends the one reminder to everyone asked who has not submitted and
    /// was not reminded yet, with a second link (the first keeps working),
    /// in one transaction that also records the questionnaire's
    /// `reminded_at` (the automatic reminder then never goes). Returns the
    /// addresses reminded.
    async fn remind_feedback(
        &self,
        id: i64,
        compose: ComposeFeedback<'_>,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>>;

    /// Everyone asked, in the order they were asked.
    async fn feedback_invitations(&self, id: i64) -> Result<Vec<FeedbackInvitation>>;

    /// Those asked who have not submitted, in the order they were asked.
    async fn feedback_waiting(&self, id: i64) -> Result<Vec<FeedbackInvitation>>;

    /// What a link opens (`token` as sent: a personal link's, or an
    /// event-wide public link's) with its questionnaire and event, and the
    /// key its response is saved under ([`link_response_key`]; `browser`
    /// is the browser's own key, which the public link needs).
    async fn open_feedback(&self, token: &str, browser: Option<&str>)
    -> Result<Option<OpenedLink>>;

    /// The response saved under `key`, if any.
    async fn feedback_response(
        &self,
        questionnaire_id: i64,
        key: &str,
    ) -> Result<Option<SavedResponse>>;

    /// Publishes (`Some`) or withdraws (`None`) a questionnaire's public
    /// link; a new token makes the previous link stop working.
    async fn set_public_feedback(
        &self,
        id: i64,
        token: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Questionnaires the job runner may have to send or remind: not
    /// closed, and not both sent and reminded yet.
    async fn pending_feedback(&self) -> Result<Vec<QuestionnaireRecord>>;

    /// Saves a response under `key` (answers checked by the caller as
    /// `submission` says), in one transaction: a submitted response stays
    /// submitted (and complete: [`Saved::Incomplete`] otherwise), and a
    /// submission sets the invitation's `answered`. In named mode the
    /// registration's id, structure type, territory and first workshop are
    /// stored with it; in anonymous mode, and through the public link
    /// (marked as such), none of them, and the day only.
    ///
    /// Through the public link, `client` is the hash of the client's
    /// address and the most new responses it may start per hour (0: no
    /// cap); a new response over the cap is not stored.
    async fn save_feedback(
        &self,
        link: &FeedbackLink,
        key: &str,
        answers: &BTreeMap<String, FeedbackAnswer>,
        submission: Submission,
        client: Option<(&str, u32)>,
        now: DateTime<Utc>,
    ) -> Result<Saved>;

    /// Every response to a questionnaire (submitted or not), in no
    /// meaningful order.
    async fn feedback_responses(&self, questionnaire_id: i64) -> Result<Vec<Response>>;
}

/// The stored name of a questionnaire's kind; `None` for stakeholders
/// (never tied to an event).
pub fn kind_name(kind: QuestionnaireKind) -> Option<&'static str> {
    match kind {
        QuestionnaireKind::Hot => Some("hot"),
        QuestionnaireKind::Cold => Some("cold"),
        QuestionnaireKind::Stakeholder => None,
    }
}

/// The key a response is stored under: `inscription:{id}` in named mode
/// (both links of a person reach the same response); in anonymous mode the
/// SHA-256 of `avis-reponse:` and the link's token, which differs from the
/// invitation's hash of the token alone, so only the token's holder can
/// tell which response is theirs.
pub fn response_key(anonymous: bool, registration_id: i64, token: &str) -> String {
    if anonymous {
        crate::token::hash(&format!("avis-reponse:{token}"))
    } else {
        format!("inscription:{registration_id}")
    }
}

/// The key of a browser's response through the public link: the SHA-256
/// of the link's token and the browser's own random key, so nothing stored
/// names the browser.
pub fn public_response_key(token: &str, browser: &str) -> String {
    crate::token::hash(&format!("avis-public:{token}:{browser}"))
}

// ---- Exports: the responses a page at a time ----

/// Who gave a named response, as the exports show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Respondent {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Address.
    pub email: String,
}

/// One response as the exports read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedResponse {
    /// Its `response_key`: the order of the pages and the next page's
    /// cursor. In anonymous mode a hash, so the order says nothing of who
    /// answered when.
    pub key: String,
    /// The answers, keyed by question id.
    pub answers: BTreeMap<String, FeedbackAnswer>,
    /// Submitted (rather than saved on the way).
    pub submitted: bool,
    /// When it was last saved: the day only (midnight UTC) in anonymous
    /// mode and through the public link.
    pub updated_at: DateTime<Utc>,
    /// Given through the event-wide public link.
    pub public: bool,
    /// Who gave it: named mode, personal link only.
    pub respondent: Option<Respondent>,
    /// Their type of structure, in named mode.
    pub structure_type: Option<String>,
    /// Their territory, in named mode.
    pub territory: Option<String>,
    /// Their (first) workshop's id, in named mode.
    pub workshop: Option<String>,
}

/// Responses as [`FeedbackExportStore::feedback_answers`] reads them: a few
/// hundred at a time, as one JSON array that the database wrote, so that a
/// chunk costs one row to read and another task (another core) decodes it
/// ([`Self::decode`]) while the next chunk is read. Each element is
/// `[[submitted, structure_type, territory, workshop, source], answers]`,
/// `answers` being the stored JSON as it is.
#[derive(Debug)]
pub struct UndecodedResponses(pub String);

/// One element of [`UndecodedResponses`].
type ResponseLine = (
    (i64, Option<String>, Option<String>, Option<String>, String),
    BTreeMap<String, FeedbackAnswer>,
);

impl UndecodedResponses {
    /// The responses, in the order they were read.
    pub fn decode(&self) -> Result<Vec<Response>> {
        use anyhow::Context as _;
        let lines: Vec<ResponseLine> =
            serde_json::from_str(&self.0).context("unreadable feedback answers in the database")?;
        Ok(lines
            .into_iter()
            .map(
                |((submitted, structure_type, territory, workshop, source), answers)| Response {
                    answers,
                    submitted: submitted != 0,
                    structure_type,
                    territory,
                    workshop,
                    public: source == "public",
                },
            )
            .collect())
    }
}

/// The responses to a questionnaire, read a page at a time for its
/// exports (a supertrait of [`crate::store::Store`]).
#[async_trait]
pub trait FeedbackExportStore: Send + Sync {
    /// The people of a stakeholder list, by invitation id.
    async fn feedback_contacts(&self, questionnaire_id: i64) -> Result<Vec<(i64, Respondent)>>;

    /// At most `limit` responses (submitted or not) whose key comes after
    /// `after` (from the first when `None`), in the order of their keys;
    /// a page shorter than `limit` is the last.
    async fn feedback_response_page(
        &self,
        questionnaire_id: i64,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ExportedResponse>>;

    /// Every response (submitted or not) without the person, in the order
    /// of their keys, a chunk at a time within one read transaction: what
    /// the results and the editor need. Never collected: the caller counts
    /// each chunk and drops it, so memory stays flat whatever the number of
    /// responses.
    fn feedback_answers(
        &self,
        questionnaire_id: i64,
    ) -> futures_util::stream::BoxStream<'_, Result<UndecodedResponses>>;

    /// How many people a questionnaire asked, and how many of them
    /// submitted, without reading who they are.
    async fn feedback_invitation_counts(&self, questionnaire_id: i64) -> Result<(usize, usize)>;
}
