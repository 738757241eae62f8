//! What the public feeds read (`/api/flux/…`, `/api/agenda.ics`): the
//! agenda's public events a bounded page at a time, soonest first, so a
//! feed never scans the whole table.

use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parvis_core::api::EventPublic;

/// Where a page of [`FeedStore::feed_events`] ends: the last row's start
/// and id, the next page's lower bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedCursor {
    /// The row's `starts_at`, as stored (fixed-width UTC text).
    pub starts_at: String,
    /// The row's id.
    pub id: i64,
}

/// One event of a feed page.
#[derive(Debug, Clone)]
pub struct FeedEvent {
    /// Where this row stands in the order, for the next page.
    pub cursor: FeedCursor,
    /// Its public page (as the agenda and `/api/events/{slug}` show it).
    pub public: EventPublic,
}

/// Reading the feeds' events.
#[async_trait]
pub trait FeedStore: Send + Sync {
    /// Published and cancelled events (never drafts) that end after
    /// `ends_after`, of one organisation when `organisation_id` is given,
    /// ordered by start then id, after `after`, at most `limit` rows.
    /// Where registration stands is computed at `now`.
    async fn feed_events(
        &self,
        organisation_id: Option<i64>,
        ends_after: DateTime<Utc>,
        after: Option<&FeedCursor>,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<FeedEvent>>;
}
