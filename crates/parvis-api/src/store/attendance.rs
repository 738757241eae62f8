//! Attendance of an event's sessions: who is expected at a session (the
//! confirmed registrants, and on a cycle whose days are chosen, those who
//! chose that day), the marks set by hand or by an imported report, the
//! marks of a range of registrations (for the exports, a page at a time),
//! and the attendees of an event (for feedback invitations).

use std::collections::BTreeMap;

use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parvis_core::presence::Source;

/// A registrant expected at a session, with their mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// The registration's id.
    pub registration_id: i64,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Address, as typed.
    pub email: String,
    /// Organisation (may be empty).
    pub organisation: String,
    /// `Some(true)` present, `Some(false)` absent, `None` not marked.
    pub present: Option<bool>,
    /// How the mark was set.
    pub source: Option<Source>,
}

/// Someone marked present at one session at least.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    /// The registration's id.
    pub registration_id: i64,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Address, as typed.
    pub email: String,
    /// The sessions they attended (indexes, in order).
    pub sessions: Vec<usize>,
}

/// Who sets marks, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkedBy {
    /// By hand or by an import.
    pub source: Source,
    /// The organiser's account.
    pub account_id: i64,
    /// When.
    pub at: DateTime<Utc>,
}

/// Reading and writing attendance.
#[async_trait]
pub trait AttendanceStore: Send + Sync {
    /// The registrants expected at session `session` of an event, with
    /// their mark: every confirmed registration, or when registrants chose
    /// their days (`by_day`), those who chose this one. In id order.
    async fn expected_at(
        &self,
        event_id: i64,
        session: usize,
        by_day: bool,
    ) -> Result<Vec<Expected>>;

    /// Sets (`Some`) or takes away (`None`) the marks of registrations at
    /// one session, in one transaction. The caller checked that each is
    /// expected there.
    async fn set_attendance(
        &self,
        session: usize,
        marks: &[(i64, Option<bool>)],
        by: MarkedBy,
    ) -> Result<()>;

    /// The marks of an event's registrations whose id is above `after` and
    /// at most `up_to`, by registration then session: what an export page
    /// of those registrations needs.
    async fn attendance_between(
        &self,
        event_id: i64,
        after: i64,
        up_to: i64,
    ) -> Result<BTreeMap<i64, BTreeMap<usize, bool>>>;

    /// The registrants of an event marked present at one session at least,
    /// whatever their status since (the feedback invitations' recipients),
    /// in id order.
    async fn attendees(&self, event_id: i64) -> Result<Vec<Attendee>>;
}
