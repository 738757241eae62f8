//! Storage: one trait, implemented once in [`sql::SqlStore`] for SQLite and
//! PostgreSQL.
//!
//! Handlers see only `Arc<dyn Store>`. Constraint violations become domain
//! outcomes inside the store (a second registration of the same person is a
//! [`RegisterOutcome::AlreadyRegistered`], not a database error).

pub mod sql;

use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parvis_core::api::{EventKind, EventPublic, Publication, When};
use parvis_core::registration::NewRegistration;

use crate::mail::{OutgoingEmail, QueuedEmail};

/// An event as stored: its public page plus what only registrants receive.
#[derive(Debug, Clone)]
pub struct EventRecord {
    /// Database identifier.
    pub id: i64,
    /// The public page (its `registration_state` is computed on read).
    pub public: EventPublic,
    /// Connection link of an online event; never in a public response.
    pub connection_url: Option<String>,
}

/// An event to insert (seed or, later, the organisers' back office).
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// The public page.
    pub public: EventPublic,
    /// Connection link of an online event.
    pub connection_url: Option<String>,
}

/// Filters of the agenda.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Upcoming or past only.
    pub when: Option<When>,
    /// One kind only.
    pub kind: Option<EventKind>,
    /// Normalised words that must all appear in the title or summary.
    pub terms: Vec<String>,
}

/// What [`Store::register`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterOutcome {
    /// A new registration was stored.
    Created,
    /// The person was already registered to this event: nothing new was
    /// stored but the token was renewed and the confirmation queued again.
    AlreadyRegistered,
}

/// Everything the endpoint reads and writes.
#[async_trait]
pub trait Store: Send + Sync {
    /// True when no event exists yet (first start).
    async fn is_empty(&self) -> Result<bool>;

    /// Inserts an event; `None` when one with the same slug exists.
    async fn insert_event(&self, event: &NewEvent) -> Result<Option<i64>>;

    /// Inserts a publication.
    async fn insert_publication(&self, publication: &Publication) -> Result<()>;

    /// The agenda: upcoming events soonest first, then past events most
    /// recent first, as (summary-ready) public pages.
    async fn list_events(
        &self,
        filter: &EventFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<EventPublic>>;

    /// One event by its slug.
    async fn event_by_slug(&self, slug: &str) -> Result<Option<EventRecord>>;

    /// All publications, most recent first.
    async fn list_publications(&self) -> Result<Vec<Publication>>;

    /// Stores a registration (or recognises an existing one), records the
    /// token hash and queues the confirmation email, all in one transaction:
    /// a registration is never stored without its email durably queued.
    async fn register(
        &self,
        event_id: i64,
        registration: &NewRegistration,
        token_hash: &str,
        email: &OutgoingEmail,
        now: DateTime<Utc>,
    ) -> Result<RegisterOutcome>;

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

    /// Records a failed attempt and when to try again (releases the claim).
    async fn mark_failed(&self, id: i64, error: &str, retry_at: DateTime<Utc>) -> Result<()>;

    /// Counts of what is stored, for tests, the bench and monitoring.
    async fn stats(&self) -> Result<StoreStats>;

    /// Whether `token_hash` is the current token of someone's registration
    /// to the event `slug`.
    async fn token_matches(&self, slug: &str, token_hash: &str) -> Result<bool>;
}

/// Counts of stored rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// People (one per email address).
    pub people: i64,
    /// Registrations.
    pub registrations: i64,
    /// Emails queued, delivered or not.
    pub emails: i64,
    /// Emails not yet delivered.
    pub pending_emails: i64,
}

/// Opens the store the configuration names: `PARVIS_DATABASE_URL` when set,
/// otherwise the SQLite file in the data directory.
pub async fn open(config: &crate::Config) -> Result<std::sync::Arc<dyn Store>> {
    let store = match &config.database_url {
        Some(url) => sql::SqlStore::open_url(url).await?,
        None => sql::SqlStore::open_sqlite(&config.database_path()).await?,
    };
    Ok(std::sync::Arc::new(store))
}

/// Timestamps are stored as fixed-width UTC text, so they sort as strings.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Reads a stored timestamp back.
pub fn parse_timestamp(text: &str) -> Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(text)?.with_timezone(&Utc))
}
