//! What the event editor writes: an event's new version (its sessions and
//! quotas kept in step with the registrations it already has), its status,
//! its cancellation (every registrant told), its deletion; and the list of
//! an organisation's events.

use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parvis_core::api::FieldErrors;
use parvis_core::editor::EventStatus;
use parvis_core::gestion::EventLine;

use super::{Compose, EventRecord, NewEvent};

/// The event editor's storage.
#[async_trait]
pub trait EditorStore: Send + Sync {
    /// Replaces the page, sessions and seats of `event` by `new` (its slug
    /// and status stay), then promotes whoever waits for seats the new
    /// version frees. When a date, the place or the connection link
    /// changed, every confirmed registrant is told, with a calendar file
    /// that updates the entries sent before; returns how many. Refused,
    /// with a French message naming the field, when the new version takes
    /// away what registrations hold: a workshop or day someone chose, or
    /// fewer seats than are taken.
    async fn update_event(
        &self,
        event: &EventRecord,
        new: &NewEvent,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<Result<usize, FieldErrors>>;

    /// Publishes or unpublishes (back to draft) an event.
    async fn set_event_status(
        &self,
        event_id: i64,
        status: EventStatus,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Cancels an event: its status becomes cancelled, and every active
    /// registration is cancelled with an email that says so and calls off
    /// its calendar entries. Returns how many registrants were told.
    async fn cancel_event(
        &self,
        event: &EventRecord,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<usize>;

    /// Deletes an event nobody ever registered to; `false` (and nothing
    /// deleted) when someone did.
    async fn delete_event(&self, event_id: i64) -> Result<bool>;

    /// An event's registrations: those not cancelled, and all.
    async fn registration_counts(&self, event_id: i64) -> Result<RegistrationCounts>;

    /// An organisation's events, soonest first, with their registrations'
    /// counts.
    async fn event_lines(&self, organisation_id: i64) -> Result<Vec<EventLine>>;
}

/// How many registrations an event has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegistrationCounts {
    /// Not cancelled.
    pub active: u32,
    /// Cancelled or not.
    pub all: u32,
}
