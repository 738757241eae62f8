//! Members-only events by invitation: the addresses an organiser invites,
//! each with a personal registration link (stored as the SHA-256 of its
//! token), the emails sent to them (bounded per invitation and per event
//! in 24 hours), and the invitation codes an organiser generates (stored
//! hashed, labelled, revocable, their uses counted).

use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parvis_core::api::RegistrationStatus;

use crate::outbox::OutgoingEmail;

/// The outbox's name of an invitation email.
pub const INVITATION_NOTICE: &str = "invitation";

/// Composes the invitation email to an address, given the personal token
/// its link carries. Called inside the store's transaction.
pub type ComposeInvitation<'a> = &'a (dyn Fn(&str, &str) -> Result<OutgoingEmail> + Send + Sync);

/// An address to invite: its lower-cased key and its spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitee {
    /// Lower-cased address (one invitation per address and event).
    pub key: String,
    /// The address as the organiser wrote it.
    pub email: String,
}

/// What inviting a list did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invited {
    /// Invitations stored and emails queued to `new`; `already` were
    /// invited before and got nothing.
    Done {
        /// Addresses invited now.
        new: Vec<String>,
        /// Addresses invited before (nothing sent).
        already: Vec<String>,
    },
    /// The event's bound of invitation emails in 24 hours would be passed:
    /// nothing was stored; `left` emails may still be sent.
    DailyLimit {
        /// Emails the event may still send in the next 24 hours.
        left: u32,
    },
}

/// What resending an invitation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resent {
    /// A new link was emailed to this address (the earlier one stops
    /// working).
    Done(String),
    /// No such invitation for this event.
    Unknown,
    /// The address already registered: nothing sent.
    Registered(String),
    /// This invitation was sent its bound of times in 24 hours.
    TooMany(String),
    /// The event's daily bound of invitation emails is reached.
    DailyLimit,
}

/// An invitation as the organiser's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationRecord {
    /// Its id.
    pub id: i64,
    /// The address.
    pub email: String,
    /// When it was first sent.
    pub invited_at: DateTime<Utc>,
    /// Who invited (their address), when known.
    pub invited_by: Option<String>,
    /// When the last email left.
    pub last_sent_at: DateTime<Utc>,
    /// Emails sent.
    pub sent_count: i64,
    /// The address's registration to the event, if any (through the link,
    /// a code, or an organiser), and its status.
    pub registration: Option<(i64, RegistrationStatus)>,
    /// True when the registration came through the personal link.
    pub through_link: bool,
}

/// An invitation a link opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationLink {
    /// Its id.
    pub id: i64,
    /// Its event.
    pub event_id: i64,
    /// The invited address.
    pub email: String,
}

/// A generated invitation code, as listed (never the code itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationCodeRecord {
    /// Its id.
    pub id: i64,
    /// The organiser's label.
    pub label: String,
    /// When it was generated.
    pub created_at: DateTime<Utc>,
    /// Who generated it (their address), when known.
    pub created_by: Option<String>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// New registrations it let in.
    pub uses: i64,
}

/// Invitations and invitation codes.
#[async_trait]
pub trait InvitationStore: Send + Sync {
    /// Invites every address not invited to the event yet: one row each
    /// with the hash of a fresh token, its email (composed with the token)
    /// queued, in one transaction; nothing at all if the event's bound of
    /// `daily_limit` emails in 24 hours would be passed.
    async fn invite(
        &self,
        event_id: i64,
        account_id: i64,
        invitees: &[Invitee],
        daily_limit: u32,
        compose: ComposeInvitation<'_>,
        now: DateTime<Utc>,
    ) -> Result<Invited>;

    /// Emails invitation `id` of the event again with a fresh link (the
    /// earlier link stops working), at most `per_day` times in 24 hours.
    #[allow(clippy::too_many_arguments)]
    async fn resend_invitation(
        &self,
        event_id: i64,
        id: i64,
        per_day: u32,
        daily_limit: u32,
        compose: ComposeInvitation<'_>,
        now: DateTime<Utc>,
    ) -> Result<Resent>;

    /// The event's invitations, in the order they were made.
    async fn invitations(&self, event_id: i64) -> Result<Vec<InvitationRecord>>;

    /// Invitation emails the event sent since `since`.
    async fn invitation_emails_since(&self, event_id: i64, since: DateTime<Utc>) -> Result<u32>;

    /// The invitation a link's token opens.
    async fn invitation_by_token(&self, token_hash: &str) -> Result<Option<InvitationLink>>;

    /// Records that invitation `id` led to the registration of its address
    /// to its event.
    async fn link_invitation(&self, id: i64) -> Result<()>;

    /// Stores a generated code's hash under its label; its id.
    async fn create_invitation_code(
        &self,
        event_id: i64,
        label: &str,
        code_hash: &str,
        account_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<i64>;

    /// The event's generated codes, newest first.
    async fn invitation_codes(&self, event_id: i64) -> Result<Vec<InvitationCodeRecord>>;

    /// Revokes code `id` of the event; its label, or `None` when the event
    /// has no such code still valid.
    async fn revoke_invitation_code(
        &self,
        event_id: i64,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<String>>;

    /// The valid (not revoked) code of the event with this hash, if any.
    async fn valid_invitation_code(&self, event_id: i64, code_hash: &str) -> Result<Option<i64>>;

    /// Counts one registration let in by code `id`.
    async fn count_invitation_code_use(&self, id: i64) -> Result<()>;
}
