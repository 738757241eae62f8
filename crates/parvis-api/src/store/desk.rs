//! The registrants desk: what organisers do to an event's registrants
//! besides reading them — promote someone from the waiting list (past the
//! order, and past the capacity when they say so), resend an email given up
//! on, write to a group of registrants within a daily bound. Registering
//! someone on their behalf is [`super::Store::register`] with an
//! [`super::Origin`] naming the organiser.

use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parvis_core::desk::Audience;

use super::{Compose, EventRecord, RegistrationRecord};
use crate::outbox::OutgoingEmail;

/// Composes a message to one registrant: the event, the registration, and
/// a fresh personal token for the link every such email ends with. Called
/// inside the store's transaction.
pub type ComposeMessage<'a> =
    &'a (dyn Fn(&EventRecord, &RegistrationRecord, &str) -> Result<OutgoingEmail> + Send + Sync);

/// What a manual promotion did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Promoted {
    /// The registration has its seats (confirmed, or pending its address
    /// when the event asks for it), its email is queued; `exceeded` names
    /// the quotas that went over their capacity for it (empty when seats
    /// were free).
    Done {
        /// Quota keys now over capacity.
        exceeded: Vec<String>,
    },
    /// A quota it needs is full and going over was not asked: nothing
    /// changed.
    NoSeat {
        /// The full quotas' keys.
        full: Vec<String>,
    },
    /// The registration is not on this event's waiting list (any more).
    NotWaiting,
}

/// An email to one of an event's registrants that was given up on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDeadLetter {
    /// Outbox id.
    pub id: i64,
    /// The registration it is about.
    pub registration_id: i64,
    /// The registrant's first name.
    pub first_name: String,
    /// Their last name.
    pub last_name: String,
    /// The address.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// Attempts made.
    pub attempts: i64,
    /// The last error.
    pub last_error: String,
    /// When it was given up on.
    pub dead_at: DateTime<Utc>,
}

/// A message to registrants about to be sent.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// To whom.
    pub audience: &'a Audience,
    /// Its subject (for the record).
    pub subject: &'a str,
    /// The organiser who writes it.
    pub account_id: i64,
    /// Messages allowed to the event in 24 hours.
    pub daily_limit: u32,
}

/// What sending a message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageOutcome {
    /// Queued to this many registrants.
    Sent(u32),
    /// The event's bound of messages in 24 hours is reached: nothing sent.
    DailyLimit,
    /// Nobody matches the audience: nothing sent.
    NoRecipient,
}

/// A message written to an event's registrants, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    /// When.
    pub at: DateTime<Utc>,
    /// Who wrote it (their address), when known.
    pub who: Option<String>,
    /// To whom ([`Audience::wire`]).
    pub audience: String,
    /// Subject.
    pub subject: String,
    /// Emails queued.
    pub recipients: u32,
}

/// The desk's writes and reads.
#[async_trait]
pub trait DeskStore: Send + Sync {
    /// Gives a waiting registration of `event` its seats, whatever its rank:
    /// when a quota it needs is full, only with `exceed` (the quota then
    /// counts more seats taken than it has). It is told by email as an
    /// automatic promotion is, in the same transaction.
    async fn promote_manually(
        &self,
        event: &EventRecord,
        registration_id: i64,
        exceed: bool,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<Promoted>;

    /// The emails to the event's registrants given up on, most recent first.
    async fn event_dead_letters(&self, event_id: i64, limit: u32) -> Result<Vec<EventDeadLetter>>;

    /// Queues a dead letter of the event again, due now with fresh attempts;
    /// its recipient and subject, or `None` when it is no dead letter of this
    /// event.
    async fn resend_dead_letter(
        &self,
        event_id: i64,
        letter_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, String)>>;

    /// How many registrations a message to `audience` would reach.
    async fn audience_count(&self, event_id: i64, audience: &Audience) -> Result<u32>;

    /// Messages written to the event's registrants since `since`.
    async fn messages_since(&self, event_id: i64, since: DateTime<Utc>) -> Result<u32>;

    /// The latest messages written to the event's registrants.
    async fn message_log(&self, event_id: i64, limit: u32) -> Result<Vec<MessageRecord>>;

    /// Queues one email per registration of the audience (each with a fresh
    /// personal token) and records the message, in one transaction, unless
    /// the event's daily bound is reached.
    async fn send_message(
        &self,
        event: &EventRecord,
        message: &NewMessage<'_>,
        compose: ComposeMessage<'_>,
        now: DateTime<Utc>,
    ) -> Result<MessageOutcome>;
}
