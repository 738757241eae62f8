//! The registrants of an event as organisers read them: pages in order of
//! registration (keyset pagination on the registration id, so an export
//! reads any number of them a page at a time), their counts by wish and
//! status, and the events an organisation owns.

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parvis_core::api::RegistrationStatus;
use parvis_core::questions::Answer;

use super::EventRecord;

/// What the database filters (exact values, indexed or cheap); the search
/// words and the territory, compared without accents, are matched by the
/// caller on each page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrantFilter {
    /// One status.
    pub status: Option<RegistrationStatus>,
    /// Those who chose this workshop (its id).
    pub track: Option<String>,
    /// Those who come on this day (session index).
    pub session: Option<usize>,
    /// One kind of structure (wire value).
    pub structure_type: Option<String>,
}

/// One registration with its person, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registrant {
    /// The registration's id (the page key).
    pub id: i64,
    /// Where it stands.
    pub status: RegistrationStatus,
    /// Place in its waiting queue (1 = next), when waitlisted.
    pub rank: Option<u32>,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Address.
    pub email: String,
    /// Organisation (may be empty for a resident).
    pub organisation: String,
    /// Function (may be empty for a resident).
    pub role: String,
    /// Kind of structure (wire value).
    pub structure_type: String,
    /// Territory, when given.
    pub territory: Option<String>,
    /// Chosen workshops (ids).
    pub tracks: Vec<String>,
    /// Days (session indexes), in order.
    pub sessions: Vec<usize>,
    /// Answers to the organiser's questions.
    pub answers: BTreeMap<String, Answer>,
    /// Accessibility needs, when given.
    pub accessibility_needs: Option<String>,
    /// When they registered.
    pub registered_at: DateTime<Utc>,
    /// The name of the organiser who registered them on their behalf
    /// (`registrations.registered_by`); none when they did it themselves.
    pub registered_by: Option<String>,
}

/// The lengths of an event's waiting queues as counted so far, carried
/// from page to page so that reading pages in order counts each waiting
/// registration once: a fresh one (`default`) has counted nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WaitingRanks {
    /// Every waiting registration up to this id is counted.
    pub counted_to: i64,
    /// Waiting registrations counted, by queue key.
    pub lengths: HashMap<String, u32>,
}

/// How many registrations of one status want exactly these quotas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WishCount {
    /// The quota keys wanted (`event`, `track:…`, `session:…`), sorted.
    pub wish: Vec<String>,
    /// Their status.
    pub status: RegistrationStatus,
    /// How many.
    pub count: u32,
}

/// Reading an event's registrants.
#[async_trait]
pub trait RegistrantStore: Send + Sync {
    /// The event `slug` if it is the organisation's: `None` for an unknown
    /// event and for another organisation's alike.
    async fn organisation_event(
        &self,
        organisation_id: i64,
        slug: &str,
    ) -> Result<Option<EventRecord>>;

    /// Up to `limit` registrants of an event matching `filter` whose id is
    /// above `after`, in id order, with their waiting rank and days.
    /// `ranks` carries the queues counted by the previous pages (a fresh
    /// one for a first page, or one read alone).
    async fn registrant_page(
        &self,
        event_id: i64,
        filter: &RegistrantFilter,
        after: i64,
        limit: u32,
        ranks: &mut WaitingRanks,
    ) -> Result<Vec<Registrant>>;

    /// How many registrants of an event match `filter`.
    async fn count_registrants(&self, event_id: i64, filter: &RegistrantFilter) -> Result<u32>;

    /// The registrations of an event by wish and status.
    async fn wish_counts(&self, event_id: i64) -> Result<Vec<WishCount>>;
}
