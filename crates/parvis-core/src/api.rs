//! The HTTP contract between the app and the endpoint: paths, request and
//! response types, and the one error shape.
//!
//! Both sides import these types, so a renamed field breaks the build rather
//! than the journey. Dates travel as RFC 3339 with the event's local offset
//! (`2025-05-13T16:30:00+02:00`): the app can then write them the French way
//! without carrying a time-zone database in the wasm.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, Utc};

use crate::questions::Answer;
use serde::{Deserialize, Serialize};

/// Paths of the endpoint, relative to the site root.
pub mod paths {
    /// Liveness check.
    pub const HEALTH: &str = "/api/health";
    /// The agenda: `GET` lists event summaries.
    pub const EVENTS: &str = "/api/events";
    /// The organisations that publish events, for the agenda's filter.
    pub const ORGANISATIONS: &str = "/api/organisations";

    /// One event: `GET` gives its public page.
    pub fn event(slug: &str) -> String {
        format!("/api/events/{slug}")
    }

    /// The public calendar file of an event.
    pub fn event_calendar(slug: &str) -> String {
        format!("/api/events/{slug}/calendar.ics")
    }

    /// `POST` a registration to an event.
    pub fn registrations(slug: &str) -> String {
        format!("/api/events/{slug}/registrations")
    }

    /// A registration seen through its personal token: `GET` to view,
    /// `PATCH` to change workshops or days.
    pub fn registration(token: &str) -> String {
        format!("/api/registrations/{token}")
    }

    /// `POST` to cancel a registration.
    pub fn registration_cancel(token: &str) -> String {
        format!("/api/registrations/{token}/cancel")
    }

    /// `POST` to confirm the address of a registration holding its seats.
    pub fn registration_confirm(token: &str) -> String {
        format!("/api/registrations/{token}/confirm")
    }

    /// The registrant's own calendar file (with the connection link).
    pub fn registration_calendar(token: &str) -> String {
        format!("/api/registrations/{token}/calendar.ics")
    }

    /// `POST` an address: its personal links are emailed again, if any.
    pub const REGISTRATION_LOOKUP: &str = "/api/registrations/lookup";

    /// Percent-encodes a query value (UTF-8, unreserved characters kept).
    pub fn encode(value: &str) -> String {
        let mut out = String::with_capacity(value.len());
        for byte in value.bytes() {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(char::from(byte));
                }
                _ => {
                    const HEX: &[u8; 16] = b"0123456789ABCDEF";
                    out.push('%');
                    out.push(char::from(HEX[usize::from(byte >> 4)]));
                    out.push(char::from(HEX[usize::from(byte & 15)]));
                }
            }
        }
        out
    }
}

/// Field name -> French messages. Sorted, so output is stable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FieldErrors(pub BTreeMap<String, Vec<String>>);

impl FieldErrors {
    /// Records a message for a field.
    pub fn add(&mut self, field: &str, message: String) {
        self.0.entry(field.to_owned()).or_default().push(message);
    }

    /// Adds every message of `other`.
    pub fn merge(&mut self, other: FieldErrors) {
        for (field, messages) in other.0 {
            self.0.entry(field).or_default().extend(messages);
        }
    }

    /// True when no field has an error.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The messages of one field (empty when it has none).
    pub fn get(&self, field: &str) -> &[String] {
        self.0.get(field).map(Vec::as_slice).unwrap_or_default()
    }
}

/// The one JSON error shape of the endpoint: `{code, message, fields}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// A stable machine-readable code (`validation`, `not_found`...).
    pub code: String,
    /// A French sentence for the user.
    pub message: String,
    /// Per-field French messages (empty unless the error is about fields).
    #[serde(default)]
    pub fields: FieldErrors,
}

/// Kinds of events organised by resource centres.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// An online session, usually 1 to 2 hours.
    Webinaire,
    /// A study or regional day.
    Journee,
    /// A training cycle of several days.
    Cycle,
    /// A steering committee or members' meeting.
    Comite,
}

impl EventKind {
    /// All kinds, in the order the agenda filter lists them.
    pub const ALL: [EventKind; 4] = [
        EventKind::Webinaire,
        EventKind::Journee,
        EventKind::Cycle,
        EventKind::Comite,
    ];

    /// The wire name, also used in `?kind=`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Webinaire => "webinaire",
            EventKind::Journee => "journee",
            EventKind::Cycle => "cycle",
            EventKind::Comite => "comite",
        }
    }

    /// Parses the wire name.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }

    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Webinaire => "Webinaire",
            EventKind::Journee => "Journée d'étude",
            EventKind::Cycle => "Cycle de qualification",
            EventKind::Comite => "Comité de pilotage",
        }
    }
}

/// Where an event happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventFormat {
    /// Online only: participants get a connection link by email.
    EnLigne,
    /// In a venue.
    Presentiel,
    /// In a venue and online.
    Hybride,
}

impl EventFormat {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventFormat::EnLigne => "en_ligne",
            EventFormat::Presentiel => "presentiel",
            EventFormat::Hybride => "hybride",
        }
    }

    /// Parses the wire name.
    pub fn parse(value: &str) -> Option<Self> {
        [
            EventFormat::EnLigne,
            EventFormat::Presentiel,
            EventFormat::Hybride,
        ]
        .into_iter()
        .find(|format| format.as_str() == value)
    }

    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            EventFormat::EnLigne => "En ligne",
            EventFormat::Presentiel => "En présentiel",
            EventFormat::Hybride => "Hybride (sur place et en ligne)",
        }
    }
}

/// Whether the agenda lists upcoming or past events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// Events that have not ended yet, soonest first.
    Upcoming,
    /// Events that have ended, most recent first.
    Past,
}

/// Query string of `GET /api/events`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventQuery {
    /// Upcoming or past only; both when absent (upcoming first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<When>,
    /// One kind only (`webinaire`, `journee`, `cycle`, `comite`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Words to find in the title or summary, accents and case ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// One organisation's events only (its slug).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
}

/// An organisation in the agenda's filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationSummary {
    /// Its slug, the filter's value.
    pub slug: String,
    /// Its name.
    pub name: String,
}

/// Where registration stands for an event, at the time of the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationState {
    /// Registration has not opened yet.
    NotYetOpen,
    /// Registration is open.
    Open,
    /// Registration has closed (or the event is over).
    Closed,
}

/// When registration opens and closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationWindow {
    /// Opening instant; open from the start when absent.
    #[serde(default, with = "crate::timestamp::option")]
    pub opens_at: Option<DateTime<FixedOffset>>,
    /// Closing instant.
    #[serde(with = "crate::timestamp")]
    pub closes_at: DateTime<FixedOffset>,
}

impl RegistrationWindow {
    /// The state of registration at `now`.
    pub fn state_at(&self, now: DateTime<Utc>) -> RegistrationState {
        if self.opens_at.is_some_and(|opens| now < opens) {
            RegistrationState::NotYetOpen
        } else if now >= self.closes_at {
            RegistrationState::Closed
        } else {
            RegistrationState::Open
        }
    }
}

/// One dated session of an event (a webinar has one, a cycle several).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Title of the session ("Journée 1 : ..."), when it has its own.
    pub title: Option<String>,
    /// Start, in the event's local offset.
    #[serde(with = "crate::timestamp")]
    pub starts_at: DateTime<FixedOffset>,
    /// End, in the event's local offset.
    #[serde(with = "crate::timestamp")]
    pub ends_at: DateTime<FixedOffset>,
    /// True when only the date is known, not the hours.
    #[serde(default)]
    pub all_day: bool,
    /// What happens during the session, in order.
    #[serde(default)]
    pub programme: Vec<ProgrammeItem>,
    /// Seats on this day, when limited (cycles whose days can be chosen).
    #[serde(default)]
    pub capacity: Option<u32>,
}

/// A time slot of a session's programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeItem {
    /// Local start time, `HH:MM`.
    pub start: Option<String>,
    /// Local end time, `HH:MM`.
    pub end: Option<String>,
    /// Title of the slot.
    pub title: String,
    /// Details, one paragraph or bullet each.
    #[serde(default)]
    pub details: Vec<String>,
    /// Parallel workshops to choose from during this slot.
    #[serde(default)]
    pub tracks: Vec<Track>,
}

/// One of several parallel workshops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Track {
    /// Stable identifier, what a registration names when choosing it.
    #[serde(default)]
    pub id: String,
    /// Title of the workshop.
    pub title: String,
    /// Details, one paragraph or question each.
    #[serde(default)]
    pub details: Vec<String>,
    /// Seats in this workshop, when limited.
    #[serde(default)]
    pub capacity: Option<u32>,
}

/// A speaker or facilitator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Speaker {
    /// Full name.
    pub name: String,
    /// Role and organisation.
    pub role: Option<String>,
}

/// Who to ask about an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Full name.
    pub name: String,
    /// Email, when public.
    pub email: Option<String>,
    /// Phone, when public.
    pub phone: Option<String>,
}

/// A venue for in-person events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Venue {
    /// Name of the place and room.
    pub name: String,
    /// Postal address, one line each.
    pub address: Vec<String>,
    /// Town, for the agenda.
    pub city: String,
}

/// A study report attached to an event: its own address, or its linked
/// publication's page (`/publications/{slug}`), or for a confirmed
/// registrant that publication's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportLink {
    /// Title of the report.
    pub title: String,
    /// Download address (absolute path on the site or full URL).
    pub url: String,
}

/// An event as listed in the agenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSummary {
    /// Stable address of the event page.
    pub slug: String,
    /// Kind of event.
    pub kind: EventKind,
    /// Title.
    pub title: String,
    /// One or two sentences.
    pub summary: String,
    /// Online, in person or both.
    pub format: EventFormat,
    /// Start of the first session.
    #[serde(with = "crate::timestamp")]
    pub starts_at: DateTime<FixedOffset>,
    /// End of the last session.
    #[serde(with = "crate::timestamp")]
    pub ends_at: DateTime<FixedOffset>,
    /// True when the first session has no hours.
    pub all_day: bool,
    /// Number of dated sessions.
    pub session_count: u32,
    /// Town of the venue, for in-person events.
    pub city: Option<String>,
    /// Who organises it.
    pub organiser: String,
    /// Reserved to members (of a steering committee, a network).
    pub members_only: bool,
    /// Where registration stands now.
    pub registration_state: RegistrationState,
    /// True once the last session has ended (decided by the endpoint's
    /// clock, not the visitor's).
    pub is_past: bool,
    /// Called off by its organiser.
    #[serde(default)]
    pub cancelled: bool,
    /// The study report that goes with it, its own or a published
    /// publication linked to it: the agenda's card says « Rapport
    /// disponible » and links to it (the publication's page).
    #[serde(default)]
    pub report: Option<ReportLink>,
}

/// The public page of an event. It never carries the connection link of an
/// online event: that goes only to each registrant's mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventPublic {
    /// Stable address of the event page.
    pub slug: String,
    /// Kind of event.
    pub kind: EventKind,
    /// Title.
    pub title: String,
    /// One or two sentences.
    pub summary: String,
    /// Full description: HTML rendered from the organiser's Markdown and
    /// sanitised by the endpoint (paragraphs, lists, emphasis, links).
    pub description_html: String,
    /// Online, in person or both.
    pub format: EventFormat,
    /// The venue, for in-person and hybrid events.
    pub venue: Option<Venue>,
    /// Who the event is for.
    pub audience: Option<String>,
    /// What participants will take away.
    pub objectives: Vec<String>,
    /// Who organises it.
    pub organiser: String,
    /// Speakers and facilitators.
    pub speakers: Vec<Speaker>,
    /// Who to ask.
    pub contact: Contact,
    /// Dated sessions, in order.
    pub sessions: Vec<Session>,
    /// Reserved to members.
    pub members_only: bool,
    /// Who may attend, in the organiser's words, for restricted events.
    pub access_note: Option<String>,
    /// When registration opens and closes.
    pub registration: RegistrationWindow,
    /// Where registration stands now.
    pub registration_state: RegistrationState,
    /// The study report, when the event has one.
    pub report: Option<ReportLink>,
    /// Seats for the whole event, when limited.
    #[serde(default)]
    pub capacity: Option<u32>,
    /// Whether a full event (or workshop, or day) takes people on a waiting
    /// list rather than refusing them.
    #[serde(default)]
    pub waitlist: bool,
    /// Whether a registrant must confirm their address by the emailed link
    /// before their seat is theirs: it is held for
    /// [`ADDRESS_CONFIRMATION_MINUTES`], then released to the waiting list.
    /// Off unless the organiser turns it on.
    #[serde(default)]
    pub address_confirmation: bool,
    /// Whether registrants choose their days (cycles); otherwise a
    /// registration covers every session.
    #[serde(default)]
    pub day_selection: bool,
    /// The organiser's own questions.
    #[serde(default)]
    pub questions: Vec<crate::questions::Question>,
    /// Reminders, in minutes before each session (default: 1 day and 1 hour).
    #[serde(default = "default_reminders")]
    pub reminders_minutes: Vec<u32>,
    /// Seats taken and left, computed when the page is read.
    #[serde(default)]
    pub availability: Availability,
    /// Called off by its organiser: registration is closed and every
    /// registrant was told.
    #[serde(default)]
    pub cancelled: bool,
}

/// Reminders 1 day and 1 hour before each session.
pub fn default_reminders() -> Vec<u32> {
    vec![24 * 60, 60]
}

/// Quota keys: the whole event, one workshop, one day.
pub mod quota {
    /// The whole event.
    pub const EVENT: &str = "event";

    /// One workshop.
    pub fn track(id: &str) -> String {
        format!("track:{id}")
    }

    /// One day (session index, from 0).
    pub fn session(index: usize) -> String {
        format!("session:{index}")
    }
}

/// Seats of one quota.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seats {
    /// Seats in all.
    pub capacity: u32,
    /// Seats taken by confirmed registrations.
    pub taken: u32,
}

impl Seats {
    /// Seats still free.
    pub fn left(&self) -> u32 {
        self.capacity.saturating_sub(self.taken)
    }
}

/// Seats per quota key ([`quota`]); a key absent means unlimited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Availability(pub BTreeMap<String, Seats>);

impl Availability {
    /// Whether the quota `key` exists and is full.
    pub fn is_full(&self, key: &str) -> bool {
        self.0.get(key).is_some_and(|seats| seats.left() == 0)
    }
}

impl EventPublic {
    /// The blocks of parallel workshops: one choice each.
    pub fn choice_blocks(&self) -> Vec<&ProgrammeItem> {
        self.sessions
            .iter()
            .flat_map(|session| session.programme.iter())
            .filter(|item| !item.tracks.is_empty())
            .collect()
    }

    /// Every workshop of the event.
    pub fn tracks(&self) -> impl Iterator<Item = &Track> {
        self.choice_blocks()
            .into_iter()
            .flat_map(|item| item.tracks.iter())
    }

    /// What is full, in French, for a registration wanting these workshops
    /// and days, and where seats are left instead: the full workshop or day
    /// is named, never « l'événement » when only a workshop is full.
    /// `None` when nothing they want is full.
    pub fn full_notice(&self, tracks: &[String], sessions: &[usize]) -> Option<FullNotice> {
        let seats_left = |key: &str| self.availability.0.get(key).map(Seats::left);
        let places = |key: &str| match seats_left(key) {
            Some(1) => "1 place".to_owned(),
            Some(n) => format!("{n} places"),
            None => "des places".to_owned(),
        };
        if self.availability.is_full(quota::EVENT) {
            return Some(FullNotice {
                what: "L'événement est complet".to_owned(),
                elsewhere: Vec::new(),
            });
        }
        for block in self.choice_blocks() {
            let Some(full) = block.tracks.iter().find(|t| {
                tracks.contains(&t.id) && self.availability.is_full(&quota::track(&t.id))
            }) else {
                continue;
            };
            let elsewhere = block
                .tracks
                .iter()
                .filter(|t| t.id != full.id && seats_left(&quota::track(&t.id)) != Some(0))
                .map(|t| {
                    format!(
                        "l'atelier « {} » ({})",
                        t.title,
                        places(&quota::track(&t.id))
                    )
                })
                .collect();
            return Some(FullNotice {
                what: format!("L'atelier « {} » est complet", full.title),
                elsewhere,
            });
        }
        if self.day_selection
            && let Some(&day) = sessions
                .iter()
                .find(|&&i| self.availability.is_full(&quota::session(i)))
        {
            let label = |i: usize| {
                self.sessions.get(i).map_or_else(String::new, |s| {
                    crate::dates::long_date(s.starts_at.date_naive())
                })
            };
            let elsewhere = (0..self.sessions.len())
                .filter(|i| !sessions.contains(i) && seats_left(&quota::session(*i)) != Some(0))
                .map(|i| {
                    format!(
                        "la journée du {} ({})",
                        label(i),
                        places(&quota::session(i))
                    )
                })
                .collect();
            return Some(FullNotice {
                what: format!("La journée du {} est complète", label(day)),
                elsewhere,
            });
        }
        None
    }
}

/// What is full for a registration, and where seats are left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullNotice {
    /// « L'atelier « … » est complet », without a final full stop.
    pub what: String,
    /// Choices with seats left, each as « l'atelier « … » (8 places) ».
    pub elsewhere: Vec<String>,
}

impl FullNotice {
    /// « Il reste des places dans … » for the choices with seats, or
    /// nothing.
    pub fn elsewhere_sentence(&self) -> String {
        if self.elsewhere.is_empty() {
            String::new()
        } else {
            format!("Il reste des places pour {}.", self.elsewhere.join(" ; "))
        }
    }
}

/// How long a seat is held for a registrant who must confirm their address.
pub const ADDRESS_CONFIRMATION_MINUTES: i64 = 30;

/// Where a registration stands: the one list of statuses, shared by the
/// contract, the store (backed by a `CHECK` constraint) and the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationStatus {
    /// Has its seats.
    Confirmed,
    /// Waiting for a seat.
    Waitlisted,
    /// Cancelled by its owner, or not confirmed in time.
    Cancelled,
    /// Holds its seats until its owner confirms their address by the
    /// emailed link (events with address confirmation).
    Pending,
}

impl RegistrationStatus {
    /// Every status.
    pub const ALL: [RegistrationStatus; 4] = [
        RegistrationStatus::Confirmed,
        RegistrationStatus::Waitlisted,
        RegistrationStatus::Cancelled,
        RegistrationStatus::Pending,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Confirmed => "confirmed",
            RegistrationStatus::Waitlisted => "waitlisted",
            RegistrationStatus::Cancelled => "cancelled",
            RegistrationStatus::Pending => "pending",
        }
    }

    /// The status of a stored or wire name; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == name)
    }

    /// Whether a registration of this status holds seats (confirmed, or
    /// pending its address).
    pub fn holds_seats(self) -> bool {
        matches!(
            self,
            RegistrationStatus::Confirmed | RegistrationStatus::Pending
        )
    }
}

/// A registration as its owner sees it through the personal link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationView {
    /// The event.
    pub event: EventPublic,
    /// Where it stands.
    pub status: RegistrationStatus,
    /// Place on the waiting list (1 = next), when waitlisted.
    pub rank: Option<u32>,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email address.
    pub email: String,
    /// Chosen workshops (ids).
    pub tracks: Vec<String>,
    /// Chosen days (session indexes).
    pub sessions: Vec<usize>,
    /// Whether workshops or days may still be changed.
    pub can_change: bool,
    /// Whether it may still be cancelled.
    pub can_cancel: bool,
    /// The connection link of an online or hybrid event, for a confirmed
    /// registrant only: the page is reached through the emailed link, so it
    /// has the trust of the mailbox.
    #[serde(default)]
    pub connection_url: Option<String>,
    /// Accessibility needs, as given.
    #[serde(default)]
    pub accessibility_needs: String,
    /// Answers to the organiser's questions, by question id.
    #[serde(default)]
    pub answers: BTreeMap<String, Answer>,
    /// Whether answers and needs may still be edited (registration open,
    /// not cancelled).
    #[serde(default)]
    pub can_edit_answers: bool,
}

/// A change of workshops or days through the personal link.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChoiceChange {
    /// Chosen workshops (ids), one per block.
    pub tracks: Vec<String>,
    /// Chosen days (session indexes), for events with day selection.
    pub sessions: Vec<usize>,
    /// New answers to the organiser's questions, when they are edited.
    pub answers: Option<BTreeMap<String, Answer>>,
    /// New accessibility needs, when they are edited.
    pub accessibility_needs: Option<String>,
}

/// `POST` [`paths::REGISTRATION_LOOKUP`]: « Retrouver mon inscription ».
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LookupRequest {
    /// The address registrations were made with.
    pub email: String,
    /// Left empty by people; bots fill it.
    pub website: String,
}

/// The answer to a look-up, the same whether or not the address is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupAccepted {
    /// A French sentence saying what happens.
    pub message: String,
}

/// Links adding one session to an online calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarLinks {
    /// The session, as dates write it (« jeudi 3 décembre 2026, 9 h 30 – 12 h »).
    pub label: String,
    /// Google Agenda.
    pub google: String,
    /// Outlook (Microsoft 365).
    pub outlook: String,
}

/// The answer to an accepted registration. It deliberately holds no token
/// and no connection link: anyone can type someone else's address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationAccepted {
    /// Confirmed, waitlisted, or pending address confirmation.
    pub status: RegistrationStatus,
    /// A French sentence for the confirmation page.
    pub message: String,
    /// Place on the waiting list (1 = next), when waitlisted.
    #[serde(default)]
    pub rank: Option<u32>,
    /// Where the email went, masked (« c…@ville.fr »): enough to notice a
    /// typo, not enough to learn an address.
    #[serde(default)]
    pub sent_to: String,
    /// The event's title.
    #[serde(default)]
    pub event_title: String,
    /// The chosen sessions, as dates write them.
    #[serde(default)]
    pub dates: Vec<String>,
    /// Calendar links of the chosen sessions, once a seat is held.
    #[serde(default)]
    pub calendar: Vec<CalendarLinks>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_unknown_names_are_refused() {
        for status in RegistrationStatus::ALL {
            assert_eq!(RegistrationStatus::parse(status.as_str()), Some(status));
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{}\"", status.as_str())
            );
        }
        assert_eq!(RegistrationStatus::parse("annulé"), None);
        assert!(serde_json::from_str::<RegistrationStatus>("\"unknown\"").is_err());
    }

    #[test]
    fn the_error_shape_is_code_message_fields() {
        let mut fields = FieldErrors::default();
        fields.add("email", "L'adresse e-mail est obligatoire.".into());
        let error = ApiError {
            code: "validation".into(),
            message: "Le formulaire contient des erreurs.".into(),
            fields,
        };
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "code": "validation",
                "message": "Le formulaire contient des erreurs.",
                "fields": {"email": ["L'adresse e-mail est obligatoire."]}
            })
        );
    }

    #[test]
    fn registration_window_states() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap();
        let window = RegistrationWindow {
            opens_at: Some(at("2025-04-01T09:00:00+02:00")),
            closes_at: at("2025-05-13T16:30:00+02:00"),
        };
        let utc = |s: &str| at(s).with_timezone(&Utc);
        assert_eq!(
            window.state_at(utc("2025-03-31T12:00:00+02:00")),
            RegistrationState::NotYetOpen
        );
        assert_eq!(
            window.state_at(utc("2025-04-01T09:00:00+02:00")),
            RegistrationState::Open
        );
        assert_eq!(
            window.state_at(utc("2025-05-13T16:29:59+02:00")),
            RegistrationState::Open
        );
        assert_eq!(
            window.state_at(utc("2025-05-13T16:30:00+02:00")),
            RegistrationState::Closed
        );
    }

    #[test]
    fn kinds_round_trip_through_their_wire_names() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(EventKind::parse("concert"), None);
    }
}
