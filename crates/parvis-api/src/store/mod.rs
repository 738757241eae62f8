//! Storage: one trait, implemented once in [`sql::SqlStore`] for SQLite and
//! PostgreSQL.
//!
//! Handlers see only `Arc<dyn Store>`. Constraint violations become domain
//! outcomes inside the store (a second registration of the same person is
//! [`RegisterOutcome::existing`], a full event is [`Registered::Full`]).
//! Every email a write causes is composed through a [`Compose`] callback and
//! queued in the same transaction as the write.

pub mod accounts;
pub mod attendance;
pub mod desk;
pub mod editor;
pub mod feedback;
pub mod feeds;
pub mod invitations;
pub mod lettre;
pub mod publications;
pub mod registrants;
pub mod snapshot;
pub mod sql;

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parvis_core::api::{EventPublic, RegistrationStatus, When};
use parvis_core::editor::EventStatus;
use parvis_core::questions::Answer;
use parvis_core::registration::CheckedRegistration;
use serde::{Deserialize, Serialize};

use crate::outbox::{OutgoingEmail, QueuedEmail};

/// What is never public about an event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventPrivate {
    /// Lower-cased emails once allowed to register by typing them: no
    /// longer consulted (it let anyone test who is on it); members are
    /// invited with personal links (`invitations`, migration 0009). Kept so
    /// rows written before read back unchanged.
    #[serde(default)]
    pub roster: Vec<String>,
    /// SHA-256 (hex) of invitation codes stored with the event (the demo's;
    /// codes organisers generate are rows of `invitation_codes`).
    #[serde(default)]
    pub invitation_code_hashes: Vec<String>,
}

/// An event as stored: its public page plus what only registrants receive.
#[derive(Debug, Clone)]
pub struct EventRecord {
    /// Database identifier.
    pub id: i64,
    /// The public page (state and availability are computed on read).
    pub public: EventPublic,
    /// Connection link of an online event; never in a public response.
    pub connection_url: Option<String>,
    /// Roster and invitation codes; never in a public response.
    pub private: EventPrivate,
    /// The sender name its organisation chose for its emails, if any.
    pub sender_name: Option<String>,
    /// Draft, published or cancelled.
    pub status: EventStatus,
    /// The description as its organiser wrote it, in Markdown.
    pub description_markdown: String,
    /// The organisation it belongs to.
    pub organisation_id: Option<i64>,
    /// Its linked publication's page and, for its confirmed registrants,
    /// file (see [`publications::EventReport`]).
    pub linked_report: Option<publications::EventReport>,
    /// The definition's revision when it was read (`events.revision`,
    /// which the database raises whenever something a registration is
    /// checked against changes; seats taken do not count): a
    /// registration's write compares it, see [`Registered::Changed`].
    pub revision: i64,
}

/// An event to insert (the demo content, the organisers' editor).
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// The public page, its description rendered.
    pub public: EventPublic,
    /// The description as written, in Markdown.
    pub description_markdown: String,
    /// Draft or published.
    pub status: EventStatus,
    /// The organisation it belongs to.
    pub organisation_id: Option<i64>,
    /// Connection link of an online event.
    pub connection_url: Option<String>,
    /// Roster and invitation codes.
    pub private: EventPrivate,
}

/// Filters of the agenda.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Upcoming or past only.
    pub when: Option<When>,
    /// One kind only.
    pub kind: Option<parvis_core::api::EventKind>,
    /// Normalised words that must all appear in the title or summary.
    pub terms: Vec<String>,
    /// One organisation's events only (its slug).
    pub organisation: Option<String>,
}

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Has its seats.
    Confirmed,
    /// Waiting for a seat; `rank` 1 is next.
    Waitlisted {
        /// Place in the queue.
        rank: u32,
    },
    /// Cancelled by its owner, or not confirmed in time.
    Cancelled,
    /// Holds its seats until its owner confirms their address.
    Pending,
}

/// A stored status; a waiting one's rank is counted separately (0 until
/// then).
impl From<RegistrationStatus> for Status {
    fn from(status: RegistrationStatus) -> Self {
        match status {
            RegistrationStatus::Confirmed => Status::Confirmed,
            RegistrationStatus::Waitlisted => Status::Waitlisted { rank: 0 },
            RegistrationStatus::Cancelled => Status::Cancelled,
            RegistrationStatus::Pending => Status::Pending,
        }
    }
}

impl Status {
    /// The status without its rank.
    pub fn kind(self) -> RegistrationStatus {
        match self {
            Status::Confirmed => RegistrationStatus::Confirmed,
            Status::Waitlisted { .. } => RegistrationStatus::Waitlisted,
            Status::Cancelled => RegistrationStatus::Cancelled,
            Status::Pending => RegistrationStatus::Pending,
        }
    }
}

/// A registration with what emails about it need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationRecord {
    /// Database identifier.
    pub id: i64,
    /// The event.
    pub event_id: i64,
    /// Where it stands.
    pub status: Status,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email address.
    pub email: String,
    /// Chosen workshops.
    pub tracks: Vec<String>,
    /// Chosen days.
    pub sessions: Vec<usize>,
    /// The `SEQUENCE` of the calendar entries last sent about this
    /// registration (raised for every email about it; 0 before the first).
    pub calendar_sequence: u32,
}

/// Why an email is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// Registration confirmed (or waitlisted: see the record's status).
    Registered,
    /// A seat was freed: promoted from the waiting list.
    Promoted,
    /// Workshops or days changed.
    Changed,
    /// Cancelled.
    Cancelled,
    /// The whole event was cancelled by its organiser.
    EventCancelled,
    /// Its organiser changed a date, the place or the connection link.
    EventUpdated,
    /// The address was not confirmed in time: the seat went to others.
    HoldExpired,
    /// A session starts soon.
    Reminder {
        /// Which session.
        session: usize,
        /// How long before it.
        minutes_before: u32,
    },
}

impl NoticeKind {
    /// The name stored with the queued email.
    pub fn name(self) -> &'static str {
        match self {
            NoticeKind::Registered => "registered",
            NoticeKind::Promoted => "promoted",
            NoticeKind::Changed => "changed",
            NoticeKind::Cancelled => "cancelled",
            NoticeKind::EventCancelled => "event_cancelled",
            NoticeKind::EventUpdated => "event_updated",
            NoticeKind::HoldExpired => "expired",
            NoticeKind::Reminder { .. } => "reminder",
        }
    }
}

/// The stored name of a confirmation sent again on a replayed registration.
pub const RESENT: &str = "resent";

/// Everything needed to compose one email.
#[derive(Debug, Clone)]
pub struct Notice<'a> {
    /// Why.
    pub kind: NoticeKind,
    /// About which registration.
    pub registration: &'a RegistrationRecord,
    /// A fresh personal token for the "manage" link.
    pub token: &'a str,
    /// The `SEQUENCE` of the calendar entries this email carries: the
    /// store raises it for every email about the registration, in the
    /// transaction that queues it, so each file outranks the ones before.
    pub sequence: u32,
    /// The days the last calendar file sent left in the person's calendar
    /// (`None`: no file was ever sent, as to someone only ever waiting).
    /// A change calls off those no longer chosen; a cancellation removes
    /// them all.
    pub sent_sessions: Option<Vec<usize>>,
}

/// Composes an email; called inside store transactions.
pub type Compose<'a> =
    &'a (dyn Fn(&EventRecord, &Notice<'_>) -> Result<OutgoingEmail> + Send + Sync);

/// What [`Store::register`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registered {
    /// Stored (or recognised), email queued.
    Done(RegisterOutcome),
    /// No seat and no waiting list: nothing was stored.
    Full,
    /// This client made too many registrations to this event in the last
    /// hour: nothing was stored.
    TooManyFromClient,
    /// The event's definition changed since it was read (its
    /// [`EventRecord::revision`]): nothing was stored; the form must be
    /// checked again against the event as it is now.
    Changed,
}

/// Who asks for a registration, for the per-client cap.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// A hash of the client's address (never the address itself).
    pub client_hash: String,
    /// New registrations this client may make to one event in an hour
    /// (0: no cap).
    pub hourly_cap: u32,
    /// The organiser's account that registers someone on their behalf
    /// (`registrations.registered_by`); `None` when people register
    /// themselves.
    pub registered_by: Option<i64>,
}

/// A stored registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegisterOutcome {
    /// Confirmed or waitlisted.
    pub status: Status,
    /// True when the person was already registered: nothing new was stored
    /// but a token was added and the confirmation queued again (at most
    /// [`MAX_RESENDS_PER_DAY`] times a day).
    pub existing: bool,
}

/// Confirmations re-sent for one registration in a day, at most; further
/// replays get the same answer and send nothing.
pub const MAX_RESENDS_PER_DAY: i64 = 3;

/// What confirming an address did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressConfirmed {
    /// Confirmed now; the full confirmation email is queued.
    Done,
    /// Nothing to confirm (already confirmed, waiting or cancelled).
    NotPending,
    /// Too late: the hold expired and the seat went to others.
    Expired,
}

/// What a change of choices did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// Done, email queued.
    Done,
    /// A chosen workshop or day is full: nothing changed.
    Full,
    /// Cancelled registrations cannot change.
    NotActive,
}

/// Everything the endpoint reads and writes.
#[async_trait]
pub trait Store:
    accounts::AccountStore
    + attendance::AttendanceStore
    + registrants::RegistrantStore
    + desk::DeskStore
    + editor::EditorStore
    + invitations::InvitationStore
    + feedback::FeedbackStore
    + feedback::FeedbackExportStore
    + lettre::NewsletterStore
    + publications::PublicationStore
    + feeds::FeedStore
    + snapshot::ReadVersionStore
    + Send
    + Sync
{
    /// True when no event exists yet (first start).
    async fn is_empty(&self) -> Result<bool>;

    /// Inserts an event with its sessions and quotas; `None` when one with
    /// the same slug exists.
    async fn insert_event(&self, event: &NewEvent) -> Result<Option<i64>>;

    /// The agenda: upcoming events soonest first, then past events most
    /// recent first, as (summary-ready) public pages.
    async fn list_events(
        &self,
        filter: &EventFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<EventPublic>>;

    /// One event by its slug, whatever its status, with its availability
    /// and where registration stands now (closed once cancelled).
    async fn event_by_slug(&self, slug: &str) -> Result<Option<EventRecord>>;

    /// One event as [`Store::event_by_slug`] reads it, to check a
    /// registration against: unless `fresh`, possibly a copy kept from an
    /// earlier read (with the seats of then), which [`Store::register`]
    /// checks is still the event's definition; `fresh` reads it from the
    /// database and keeps that copy (after a [`Registered::Changed`], or
    /// to confirm a refusal made on a copy).
    async fn event_for_registration(
        &self,
        slug: &str,
        fresh: bool,
    ) -> Result<Option<Arc<EventRecord>>>;

    /// Stores a registration (or recognises an existing one): takes its
    /// seats or puts it on the waiting list, records `token_hash`, and
    /// queues the email `compose` writes, all in one transaction.
    #[allow(clippy::too_many_arguments)]
    async fn register(
        &self,
        event: &EventRecord,
        registration: &CheckedRegistration,
        token: &str,
        origin: &Origin,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<Registered>;

    /// The slug of an event by its identifier.
    async fn slug_of(&self, event_id: i64) -> Result<Option<String>>;

    /// The registration a personal token opens at `now`, if any (tokens
    /// expire after their event plus the retention period).
    async fn registration_by_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<RegistrationRecord>>;

    /// Cancels a registration, frees its seats and promotes whoever is
    /// waiting for them; emails queued in the same transaction.
    async fn cancel(
        &self,
        event: &EventRecord,
        registration_id: i64,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Confirms the address of a pending registration whose hold has not
    /// expired: its seats become its own, and the full confirmation (link,
    /// calendar file) is queued.
    async fn confirm_address(
        &self,
        event: &EventRecord,
        registration_id: i64,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<AddressConfirmed>;

    /// Releases the seats of pending registrations whose hold has expired,
    /// promotes whoever waits for them, and tells each registrant; returns
    /// how many were released.
    async fn release_expired_holds(
        &self,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<usize>;

    /// Changes the workshops and days of an active registration.
    async fn change_choices(
        &self,
        event: &EventRecord,
        registration_id: i64,
        tracks: &[String],
        sessions: &[usize],
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<Changed>;

    /// « Retrouver mon inscription »: emails again the confirmation, with a
    /// fresh personal link, of every active registration of the address
    /// `email_key` to an event not yet over, within the daily bound of
    /// re-sends of each. Returns how many were queued.
    async fn resend_links(
        &self,
        email_key: &str,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<usize>;

    /// The answers to the organiser's questions and the accessibility needs
    /// of a registration.
    async fn answers_of(
        &self,
        registration_id: i64,
    ) -> Result<(BTreeMap<String, Answer>, Option<String>)>;

    /// Replaces the answers and accessibility needs of an active
    /// registration; `false` when it is cancelled.
    async fn set_answers(
        &self,
        registration_id: i64,
        answers: &BTreeMap<String, Answer>,
        accessibility_needs: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// Queues the reminders due at `now` (each once, however many runners
    /// overlap); returns how many were queued.
    async fn queue_due_reminders(&self, compose: Compose<'_>, now: DateTime<Utc>) -> Result<usize>;

    /// Claims up to `limit` emails due at `now`, oldest first, for `lease`:
    /// no other runner gets them until the lease expires (a runner that
    /// crashed mid-delivery leaves them to the next one).
    async fn claim_due_emails(
        &self,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<QueuedEmail>>;

    /// Records a delivery and forgets the body (it may hold personal links).
    async fn mark_sent(&self, id: i64, now: DateTime<Utc>) -> Result<()>;

    /// Records the delivery of every email of `ids` at once (the worker's
    /// batches), forgetting their bodies.
    async fn mark_sent_many(&self, ids: &[i64], now: DateTime<Utc>) -> Result<()>;

    /// Records a failed attempt and when to try again (releases the claim);
    /// with `retry_at` `None`, the email is given up on: a dead letter.
    async fn mark_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Emails given up on, most recent first.
    async fn dead_letters(&self, limit: u32) -> Result<Vec<DeadLetter>>;

    /// Forgets what has expired: personal links past their retention, and
    /// per-client registration counts older than two hours. Returns the rows
    /// deleted.
    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64>;

    /// Counts of what is stored, for tests, the bench and monitoring.
    async fn stats(&self) -> Result<StoreStats>;
}

/// Counts of stored rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// People (one per email address).
    pub people: i64,
    /// Registrations, whatever their status.
    pub registrations: i64,
    /// Confirmed registrations.
    pub confirmed: i64,
    /// Waitlisted registrations.
    pub waitlisted: i64,
    /// Registrations holding seats until their address is confirmed.
    pub pending: i64,
    /// Emails queued, delivered or not.
    pub emails: i64,
    /// Emails not yet delivered (and not given up on).
    pub pending_emails: i64,
    /// Emails given up on (dead letters).
    pub dead_emails: i64,
}

/// An email given up on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Outbox identifier.
    pub id: i64,
    /// Recipient.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// Attempts made.
    pub attempts: i64,
    /// The last error.
    pub last_error: String,
    /// When it was given up on.
    pub dead_at: String,
}

/// Opens the store the configuration names: `PARVIS_DATABASE_URL` when set,
/// otherwise the SQLite file in the data directory.
pub async fn open(config: &crate::Config) -> Result<std::sync::Arc<dyn Store>> {
    let store = match &config.database_url {
        Some(url) => sql::SqlStore::open_url(url).await?,
        None => {
            sql::SqlStore::open_sqlite_with(&config.database_path(), config.sqlite_full_sync)
                .await?
        }
    };
    let store = store.with_token_retention(config.token_retention_days);
    store.backfill().await?;
    Ok(std::sync::Arc::new(store))
}

/// Creates a directory (and its parents) readable by the server's user only.
pub fn private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// Timestamps are stored as fixed-width UTC text, so they sort as strings.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Reads a stored timestamp back.
pub fn parse_timestamp(text: &str) -> Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(text)?.with_timezone(&Utc))
}
