//! Members-only events by invitation: the back-office's contract (invite a
//! pasted or imported list, the list with each invitation's status, resend,
//! generate and revoke invitation codes) and the public side's one call
//! (the address an invitation link was sent to).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Addresses one request may invite at most.
pub const INVITATIONS_PER_REQUEST: usize = 500;

/// Invitation emails (first sendings and resends) an event may send in 24
/// rolling hours: a network's whole membership in a day, not a mailing
/// service.
pub const INVITATION_EMAILS_PER_DAY: u32 = 1000;

/// Times one invitation may be sent in 24 rolling hours (the first sending
/// included).
pub const RESENDS_PER_DAY: u32 = 3;

/// The longest label of an invitation code.
pub const CODE_LABEL_MAX: usize = 80;

/// The invitation form's field names (for errors).
pub mod field {
    /// The pasted list (or the imported file's text).
    pub const ADDRESSES: &str = "adresses";
    /// A code's label.
    pub const LABEL: &str = "libelle";
}

/// `POST …/invitations`: addresses one per line or separated by commas or
/// semicolons, or the text of a CSV file whose header names a column
/// `email`, `e-mail`, `courriel` or `adresse`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InviteRequest {
    /// The list, as pasted or read from the file.
    pub adresses: String,
}

/// A line of the list that was not invited, and why (in French).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineProblem {
    /// Its line number, from 1.
    pub line: usize,
    /// What it held.
    pub text: String,
    /// Why it was left out.
    pub message: String,
}

/// What inviting a list did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteReport {
    /// One French sentence.
    pub message: String,
    /// Addresses invited now (each got its email).
    pub invited: Vec<String>,
    /// Addresses invited before, or twice in the list: nothing sent.
    pub already: Vec<String>,
    /// Lines left out.
    pub problems: Vec<LineProblem>,
}

/// An invitation in the organiser's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationLine {
    /// Its id (to resend).
    pub id: i64,
    /// The address.
    pub email: String,
    /// `invitee`, `inscrite`, `attente`, `en_attente_confirmation` or
    /// `annulee`.
    pub status: String,
    /// The status in French (« Invitée », « Inscrite »…).
    pub status_label: String,
    /// True when the registration came through the personal link.
    pub through_link: bool,
    /// When it was first sent.
    pub invited_at: DateTime<Utc>,
    /// Who invited.
    pub invited_by: Option<String>,
    /// When the last email left.
    pub last_sent_at: DateTime<Utc>,
    /// Emails sent.
    pub sent_count: i64,
}

/// A generated invitation code, as listed (the code itself is shown once,
/// when generated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeLine {
    /// Its id (to revoke).
    pub id: i64,
    /// The organiser's label.
    pub label: String,
    /// When it was generated.
    pub created_at: DateTime<Utc>,
    /// Who generated it.
    pub created_by: Option<String>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Registrations it let in.
    pub uses: i64,
}

/// `GET …/invitations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationList {
    /// True when the event is members-only (invitations are for those).
    pub members_only: bool,
    /// The invitations, in the order they were made.
    pub invitations: Vec<InvitationLine>,
    /// The generated codes, newest first.
    pub codes: Vec<CodeLine>,
    /// Invitation emails the event may still send in the next 24 hours.
    pub emails_left_today: u32,
}

/// `POST …/codes-invitation`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CodeRequest {
    /// What the code is for (« Réseau des délégués »…).
    pub libelle: String,
}

/// A code just generated: the only answer that holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeCreated {
    /// One French sentence.
    pub message: String,
    /// The code, shown this once.
    pub code: String,
    /// Its line in the list.
    pub line: CodeLine,
}

/// `POST /api/events/{slug}/invitation`: the token of an invitation link,
/// sent in the body (never in an address a log could keep).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InvitationOpen {
    /// The link's token.
    pub jeton: String,
}

/// The address an invitation link was sent to: the registration made with
/// it is for that address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    /// The invited address.
    pub email: String,
}

/// The back-office's path of an event's invitations.
pub fn invitations_path(organisation: &str, slug: &str) -> String {
    format!("/api/gestion/organisations/{organisation}/evenements/{slug}/invitations")
}

/// The back-office's path of an event's invitation codes.
pub fn codes_path(organisation: &str, slug: &str) -> String {
    format!("/api/gestion/organisations/{organisation}/evenements/{slug}/codes-invitation")
}
