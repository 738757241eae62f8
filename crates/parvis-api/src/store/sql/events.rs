//! Events: an event inserted with its sessions and quotas, the agenda
//! (with each event's linked publication), one event with its seats and
//! its linked publication (`publications.rs`).
//!
//! An event's page is stored as [`StoredEvent`], never as the API's
//! [`EventPublic`]: what is computed on read is not stored, and the
//! contract can change without the rows changing.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::{DateTime, FixedOffset, Utc};
use parvis_core::api::{
    Availability, Contact, EventFormat, EventKind, EventPublic, ProgrammeItem, RegistrationState,
    RegistrationWindow, ReportLink, Seats, Session, Speaker, Track, Venue, When,
};
use parvis_core::editor::EventStatus;
use parvis_core::questions::Question;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{SqlStore, decode_json};
use crate::store::{EventFilter, EventRecord, NewEvent, timestamp};

/// An event as `events.data_json` holds it: the public page's own fields,
/// named as in the rows already written, without what is computed when it
/// is read (`registration_state`, `availability`).
///
/// [`StoredEvent::of`] and [`StoredEvent::into_public`] are the only bridges
/// to the API's [`EventPublic`], and both name every field: the contract may
/// rename or add fields without a stored row changing, and a field added to
/// the contract is a compile error here until it is stored or computed. The
/// nested parts have storage twins too; the event's kind and format, and the
/// organiser's questions, are stored in their own wire form (the same
/// names as `events.kind` and the agenda's `?kind=`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct StoredEvent {
    slug: String,
    kind: EventKind,
    title: String,
    summary: String,
    /// The description of rows written before descriptions were Markdown:
    /// plain paragraphs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    description: Vec<String>,
    /// The organiser's Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description_markdown: Option<String>,
    /// The Markdown rendered and sanitised when it was saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description_html: Option<String>,
    format: EventFormat,
    venue: Option<StoredVenue>,
    audience: Option<String>,
    objectives: Vec<String>,
    organiser: String,
    speakers: Vec<StoredSpeaker>,
    contact: StoredContact,
    sessions: Vec<StoredSession>,
    members_only: bool,
    access_note: Option<String>,
    registration: StoredRegistrationWindow,
    report: Option<StoredReportLink>,
    #[serde(default)]
    capacity: Option<u32>,
    #[serde(default)]
    waitlist: bool,
    #[serde(default)]
    address_confirmation: bool,
    #[serde(default)]
    day_selection: bool,
    #[serde(default)]
    questions: Vec<Question>,
    #[serde(default = "parvis_core::api::default_reminders")]
    reminders_minutes: Vec<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct StoredRegistrationWindow {
    #[serde(default, with = "parvis_core::timestamp::option")]
    opens_at: Option<DateTime<FixedOffset>>,
    #[serde(with = "parvis_core::timestamp")]
    closes_at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredSession {
    title: Option<String>,
    #[serde(with = "parvis_core::timestamp")]
    starts_at: DateTime<FixedOffset>,
    #[serde(with = "parvis_core::timestamp")]
    ends_at: DateTime<FixedOffset>,
    #[serde(default)]
    all_day: bool,
    #[serde(default)]
    programme: Vec<StoredProgrammeItem>,
    #[serde(default)]
    capacity: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredProgrammeItem {
    start: Option<String>,
    end: Option<String>,
    title: String,
    #[serde(default)]
    details: Vec<String>,
    #[serde(default)]
    tracks: Vec<StoredTrack>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredTrack {
    #[serde(default)]
    id: String,
    title: String,
    #[serde(default)]
    details: Vec<String>,
    #[serde(default)]
    capacity: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredSpeaker {
    name: String,
    role: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredContact {
    name: String,
    email: Option<String>,
    phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredVenue {
    name: String,
    address: Vec<String>,
    city: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredReportLink {
    title: String,
    url: String,
}

impl StoredEvent {
    /// What is stored of a public page and its description's Markdown.
    pub(super) fn of(public: &EventPublic, description_markdown: &str) -> Self {
        let EventPublic {
            slug,
            kind,
            title,
            summary,
            description_html,
            format,
            venue,
            audience,
            objectives,
            organiser,
            speakers,
            contact,
            sessions,
            members_only,
            access_note,
            registration,
            // Computed when the page is read.
            registration_state: _,
            report,
            capacity,
            waitlist,
            address_confirmation,
            day_selection,
            questions,
            reminders_minutes,
            // Computed from the quotas when the page is read.
            availability: _,
            // Stored as the event's status (`events.status`).
            cancelled: _,
        } = public;
        Self {
            slug: slug.clone(),
            kind: *kind,
            title: title.clone(),
            summary: summary.clone(),
            description: Vec::new(),
            description_markdown: Some(description_markdown.to_owned()),
            description_html: Some(description_html.clone()),
            format: *format,
            venue: venue.as_ref().map(StoredVenue::from),
            audience: audience.clone(),
            objectives: objectives.clone(),
            organiser: organiser.clone(),
            speakers: speakers.iter().map(StoredSpeaker::from).collect(),
            contact: StoredContact::from(contact),
            sessions: sessions.iter().map(StoredSession::from).collect(),
            members_only: *members_only,
            access_note: access_note.clone(),
            registration: StoredRegistrationWindow::from(registration),
            report: report.as_ref().map(StoredReportLink::from),
            capacity: *capacity,
            waitlist: *waitlist,
            address_confirmation: *address_confirmation,
            day_selection: *day_selection,
            questions: questions.clone(),
            reminders_minutes: reminders_minutes.clone(),
        }
    }

    /// The description's Markdown (old rows: their paragraphs, one per
    /// block).
    pub(super) fn markdown(&self) -> String {
        match &self.description_markdown {
            Some(markdown) => markdown.clone(),
            None => self.description.join("\n\n"),
        }
    }

    /// The public page, with where registration stands at `now`; its
    /// availability is empty until the quotas are read.
    pub(super) fn into_public(self, status: EventStatus, now: DateTime<Utc>) -> EventPublic {
        let Self {
            slug,
            kind,
            title,
            summary,
            description,
            description_markdown: _,
            description_html,
            format,
            venue,
            audience,
            objectives,
            organiser,
            speakers,
            contact,
            sessions,
            members_only,
            access_note,
            registration,
            report,
            capacity,
            waitlist,
            address_confirmation,
            day_selection,
            questions,
            reminders_minutes,
        } = self;
        let registration = RegistrationWindow::from(registration);
        let cancelled = status == EventStatus::Cancelled;
        EventPublic {
            slug,
            kind,
            title,
            summary,
            description_html: description_html
                .unwrap_or_else(|| crate::markdown::paragraphs(&description)),
            format,
            venue: venue.map(Venue::from),
            audience,
            objectives,
            organiser,
            speakers: speakers.into_iter().map(Speaker::from).collect(),
            contact: Contact::from(contact),
            sessions: sessions.into_iter().map(Session::from).collect(),
            members_only,
            access_note,
            registration_state: if cancelled {
                RegistrationState::Closed
            } else {
                registration.state_at(now)
            },
            registration,
            report: report.map(ReportLink::from),
            capacity,
            waitlist,
            address_confirmation,
            day_selection,
            questions,
            reminders_minutes,
            availability: Availability::default(),
            cancelled,
        }
    }

    /// The text of `events.data_json`.
    pub(super) fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).context("an event could not be written as JSON")
    }
}

/// Reads the public page stored in a row's `data_json` and `status`, as at
/// `now`.
pub(super) fn public_of(row: &AnyRow, now: DateTime<Utc>) -> Result<EventPublic> {
    Ok(decode_json::<StoredEvent>(row, "data_json")?.into_public(status_of(row)?, now))
}

/// The status of a row's `status` column.
pub(super) fn status_of(row: &AnyRow) -> Result<EventStatus> {
    let status: String = row.try_get("status")?;
    EventStatus::parse(&status).with_context(|| format!("unknown event status {status:?}"))
}

impl From<&RegistrationWindow> for StoredRegistrationWindow {
    fn from(window: &RegistrationWindow) -> Self {
        let RegistrationWindow {
            opens_at,
            closes_at,
        } = *window;
        Self {
            opens_at,
            closes_at,
        }
    }
}

impl From<StoredRegistrationWindow> for RegistrationWindow {
    fn from(window: StoredRegistrationWindow) -> Self {
        let StoredRegistrationWindow {
            opens_at,
            closes_at,
        } = window;
        Self {
            opens_at,
            closes_at,
        }
    }
}

impl From<&Session> for StoredSession {
    fn from(session: &Session) -> Self {
        let Session {
            title,
            starts_at,
            ends_at,
            all_day,
            programme,
            capacity,
        } = session;
        Self {
            title: title.clone(),
            starts_at: *starts_at,
            ends_at: *ends_at,
            all_day: *all_day,
            programme: programme.iter().map(StoredProgrammeItem::from).collect(),
            capacity: *capacity,
        }
    }
}

impl From<StoredSession> for Session {
    fn from(session: StoredSession) -> Self {
        let StoredSession {
            title,
            starts_at,
            ends_at,
            all_day,
            programme,
            capacity,
        } = session;
        Self {
            title,
            starts_at,
            ends_at,
            all_day,
            programme: programme.into_iter().map(ProgrammeItem::from).collect(),
            capacity,
        }
    }
}

impl From<&ProgrammeItem> for StoredProgrammeItem {
    fn from(item: &ProgrammeItem) -> Self {
        let ProgrammeItem {
            start,
            end,
            title,
            details,
            tracks,
        } = item;
        Self {
            start: start.clone(),
            end: end.clone(),
            title: title.clone(),
            details: details.clone(),
            tracks: tracks.iter().map(StoredTrack::from).collect(),
        }
    }
}

impl From<StoredProgrammeItem> for ProgrammeItem {
    fn from(item: StoredProgrammeItem) -> Self {
        let StoredProgrammeItem {
            start,
            end,
            title,
            details,
            tracks,
        } = item;
        Self {
            start,
            end,
            title,
            details,
            tracks: tracks.into_iter().map(Track::from).collect(),
        }
    }
}

impl From<&Track> for StoredTrack {
    fn from(track: &Track) -> Self {
        let Track {
            id,
            title,
            details,
            capacity,
        } = track;
        Self {
            id: id.clone(),
            title: title.clone(),
            details: details.clone(),
            capacity: *capacity,
        }
    }
}

impl From<StoredTrack> for Track {
    fn from(track: StoredTrack) -> Self {
        let StoredTrack {
            id,
            title,
            details,
            capacity,
        } = track;
        Self {
            id,
            title,
            details,
            capacity,
        }
    }
}

impl From<&Speaker> for StoredSpeaker {
    fn from(speaker: &Speaker) -> Self {
        let Speaker { name, role } = speaker;
        Self {
            name: name.clone(),
            role: role.clone(),
        }
    }
}

impl From<StoredSpeaker> for Speaker {
    fn from(speaker: StoredSpeaker) -> Self {
        let StoredSpeaker { name, role } = speaker;
        Self { name, role }
    }
}

impl From<&Contact> for StoredContact {
    fn from(contact: &Contact) -> Self {
        let Contact { name, email, phone } = contact;
        Self {
            name: name.clone(),
            email: email.clone(),
            phone: phone.clone(),
        }
    }
}

impl From<StoredContact> for Contact {
    fn from(contact: StoredContact) -> Self {
        let StoredContact { name, email, phone } = contact;
        Self { name, email, phone }
    }
}

impl From<&Venue> for StoredVenue {
    fn from(venue: &Venue) -> Self {
        let Venue {
            name,
            address,
            city,
        } = venue;
        Self {
            name: name.clone(),
            address: address.clone(),
            city: city.clone(),
        }
    }
}

impl From<StoredVenue> for Venue {
    fn from(venue: StoredVenue) -> Self {
        let StoredVenue {
            name,
            address,
            city,
        } = venue;
        Self {
            name,
            address,
            city,
        }
    }
}

impl From<&ReportLink> for StoredReportLink {
    fn from(report: &ReportLink) -> Self {
        let ReportLink { title, url } = report;
        Self {
            title: title.clone(),
            url: url.clone(),
        }
    }
}

impl From<StoredReportLink> for ReportLink {
    fn from(report: StoredReportLink) -> Self {
        let StoredReportLink { title, url } = report;
        Self { title, url }
    }
}

impl SqlStore {
    pub(super) async fn is_empty_sql(&self) -> Result<bool> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
            .fetch_one(&self.pool)
            .await
            .context("failed to count events")?;
        Ok(count == 0)
    }

    pub(super) async fn insert_event_sql(&self, event: &NewEvent) -> Result<Option<i64>> {
        let public = &event.public;
        let first = public
            .sessions
            .first()
            .context("an event needs a session")?;
        let last = public.sessions.last().context("an event needs a session")?;
        let search = parvis_core::search::event_text(public, &event.description_markdown);
        let now = timestamp(Utc::now());
        let mut tx = self.pool.begin().await?;
        // Replicas starting together may seed at the same time: the slug
        // decides, the second insert does nothing.
        let id: Option<i64> = sqlx::query_scalar(&self.q(
            "INSERT INTO events (slug, kind, starts_at, ends_at, search_text, connection_url, private_json, data_json, created_at, status, organisation_id, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (slug) DO NOTHING RETURNING id",
        ))
        .bind(&public.slug)
        .bind(public.kind.as_str())
        .bind(timestamp(first.starts_at.with_timezone(&Utc)))
        .bind(timestamp(last.ends_at.with_timezone(&Utc)))
        .bind(search)
        .bind(&event.connection_url)
        .bind(serde_json::to_string(&event.private)?)
        .bind(StoredEvent::of(public, &event.description_markdown).to_json()?)
        .bind(&now)
        .bind(event.status.as_str())
        .bind(event.organisation_id)
        .bind(&now)
        .fetch_optional(&mut *tx)
        .await
        .with_context(|| format!("failed to insert event {}", public.slug))?;
        let Some(id) = id else {
            return Ok(None);
        };
        for (idx, session) in public.sessions.iter().enumerate() {
            sqlx::query(
                &self.q(
                    "INSERT INTO sessions (event_id, idx, starts_at, ends_at) VALUES (?, ?, ?, ?)",
                ),
            )
            .bind(id)
            .bind(idx as i64)
            .bind(timestamp(session.starts_at.with_timezone(&Utc)))
            .bind(timestamp(session.ends_at.with_timezone(&Utc)))
            .execute(&mut *tx)
            .await?;
        }
        let quotas = super::editor::quotas_of(public);
        for (key, capacity) in quotas {
            sqlx::query(
                &self.q("INSERT INTO quotas (event_id, key, capacity, taken) VALUES (?, ?, ?, 0)"),
            )
            .bind(id)
            .bind(key)
            .bind(i64::from(capacity))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(id))
    }

    pub(super) async fn list_events_sql(
        &self,
        filter: &EventFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<EventPublic>> {
        let now_text = timestamp(now);
        // An event without a report of its own links to its publication's.
        let mut sql = format!(
            "SELECT data_json, status, {} FROM events WHERE status <> 'draft'",
            Self::linked_report_columns()
        );
        let mut binds: Vec<String> = Vec::new();
        match filter.when {
            Some(When::Upcoming) => {
                sql.push_str(" AND ends_at > ?");
                binds.push(now_text.clone());
            }
            Some(When::Past) => {
                sql.push_str(" AND ends_at <= ?");
                binds.push(now_text.clone());
            }
            None => {}
        }
        if let Some(kind) = filter.kind {
            sql.push_str(" AND kind = ?");
            binds.push(kind.as_str().to_owned());
        }
        if let Some(organisation) = &filter.organisation {
            sql.push_str(" AND organisation_id = (SELECT id FROM organisations WHERE slug = ?)");
            binds.push(organisation.clone());
        }
        for term in &filter.terms {
            // Terms are normalised to letters, digits and spaces: no LIKE
            // wildcard can slip through.
            sql.push_str(" AND search_text LIKE ?");
            binds.push(format!("%{term}%"));
        }
        // Upcoming first, soonest first; then past, most recent first.
        sql.push_str(
            " ORDER BY CASE WHEN ends_at > ? THEN 0 ELSE 1 END,
                       CASE WHEN ends_at > ? THEN starts_at END ASC,
                       starts_at DESC",
        );
        binds.push(now_text.clone());
        binds.push(now_text);
        let sql = self.q(&sql);
        let mut query = sqlx::query(&sql);
        for value in binds {
            query = query.bind(value);
        }
        let rows = query
            .fetch_all(&self.pool)
            .await
            .context("failed to list events")?;
        rows.iter()
            .map(|row| {
                let mut public = public_of(row, now)?;
                if public.report.is_none() {
                    public.report = Self::linked_report_of(row)?;
                }
                Ok(public)
            })
            .collect()
    }

    /// An event with its seats and its linked publication, in one query:
    /// every registration reads its event first, so on SQLite that is one
    /// hand-over to the connection's thread instead of three, and one
    /// round trip instead of three on PostgreSQL.
    pub(super) async fn event_by_slug_sql(&self, slug: &str) -> Result<Option<EventRecord>> {
        let quotas = format!(
            "(SELECT {} FROM quotas q WHERE q.event_id = e.id)",
            self.dialect
                .json_rows("q.key, q.capacity, q.taken", "q.key")
        );
        let sql = self.q(&format!(
            "SELECT e.id, e.connection_url, e.private_json, e.data_json, e.status,
                    e.organisation_id, e.revision, o.sender_name, {quotas} AS quotas_json, {}
                    FROM events e LEFT JOIN organisations o ON o.id = e.organisation_id
                    {}
                    WHERE e.slug = ?",
            Self::EVENT_REPORT_COLUMNS,
            Self::event_report_joins(),
        ));
        let row = sqlx::query(&sql)
            .bind(slug)
            .fetch_optional(&self.pool)
            .await
            .context("failed to read event")?;
        let Some(row) = row else {
            return Ok(None);
        };
        let id: i64 = row.try_get("id")?;
        let stored: StoredEvent = decode_json(&row, "data_json")?;
        let description_markdown = stored.markdown();
        let status = status_of(&row)?;
        let mut public = stored.into_public(status, Utc::now());
        let quotas: Vec<(String, i64, i64)> = decode_json(&row, "quotas_json")?;
        for (key, capacity, taken) in quotas {
            let seats = Seats {
                capacity: u32::try_from(capacity).unwrap_or_default(),
                taken: u32::try_from(taken).unwrap_or_default(),
            };
            public.availability.0.insert(key, seats);
        }
        let ends_at = public
            .sessions
            .last()
            .map_or(public.registration.closes_at, |s| s.ends_at);
        let linked_report = self
            .event_report_of(&row, ends_at.with_timezone(&Utc))
            .await?;
        Ok(Some(EventRecord {
            id,
            public,
            connection_url: row.try_get("connection_url")?,
            private: decode_json(&row, "private_json")?,
            sender_name: row.try_get("sender_name")?,
            status,
            description_markdown,
            organisation_id: row.try_get("organisation_id")?,
            linked_report,
            revision: row.try_get("revision")?,
        }))
    }

    pub(super) async fn slug_of_sql(&self, event_id: i64) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar(&self.q("SELECT slug FROM events WHERE id = ?"))
                .bind(event_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}

/// Most events kept in [`Definitions`] (far more than take registrations
/// at once): past it, the copies are dropped and read again as
/// registrations need them.
const DEFINITIONS_KEPT: usize = 64;

/// The events registrations were last checked against, by slug, as read
/// (see [`SqlStore::event_for_registration_sql`]). A copy may be stale: each
/// registration's write compares its revision with the database's, and a
/// changed one is forgotten.
#[derive(Debug, Default)]
pub(super) struct Definitions(std::sync::Mutex<HashMap<String, Arc<EventRecord>>>);

impl Definitions {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<EventRecord>>> {
        // A panic while the lock was held left nothing half-written: a map
        // operation either happened or did not.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, slug: &str) -> Option<Arc<EventRecord>> {
        self.entries().get(slug).cloned()
    }

    fn keep(&self, event: Arc<EventRecord>) {
        let mut entries = self.entries();
        if entries.len() >= DEFINITIONS_KEPT {
            entries.clear();
        }
        entries.insert(event.public.slug.clone(), event);
    }

    /// Forgets the copy of `slug`, whatever it is (the event is gone).
    fn forget_slug(&self, slug: &str) {
        self.entries().remove(slug);
    }

    /// Forgets the copy of `slug` if it is still the one of `revision`.
    pub(super) fn forget(&self, slug: &str, revision: i64) {
        let mut entries = self.entries();
        if entries.get(slug).is_some_and(|e| e.revision == revision) {
            entries.remove(slug);
        }
    }
}

impl SqlStore {
    /// An event as [`Self::event_by_slug_sql`] reads it, for checking a
    /// registration: unless `fresh`, the copy kept from an earlier read
    /// while registration stands where it stood then (it opens and closes
    /// with time), read again otherwise. Its seats are as they were then;
    /// the registration's write takes seats in the database, and checks the
    /// copy's revision.
    pub(super) async fn event_for_registration_sql(
        &self,
        slug: &str,
        fresh: bool,
    ) -> Result<Option<Arc<EventRecord>>> {
        if let Some(event) = self.definitions.get(slug).filter(|_| !fresh) {
            let public = &event.public;
            let now = if public.cancelled {
                RegistrationState::Closed
            } else {
                public.registration.state_at(Utc::now())
            };
            if now == public.registration_state {
                return Ok(Some(event));
            }
        }
        let Some(event) = self.event_by_slug_sql(slug).await? else {
            self.definitions.forget_slug(slug);
            return Ok(None);
        };
        let event = Arc::new(event);
        self.definitions.keep(Arc::clone(&event));
        Ok(Some(event))
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    /// The `data_json` of the seven demo events exactly as the store wrote
    /// them before [`StoredEvent`], when it serialised [`EventPublic`] whole
    /// (computed fields included): `seed::demo_events` for 2025-09-01 at
    /// 08:00 UTC, inserted in that order into a fresh SQLite store (schema
    /// 0003) and read back from the table.
    const WRITTEN_BEFORE: &str = include_str!("testdata/seed_events_0003.json");

    fn rows_before() -> Vec<String> {
        serde_json::from_str(WRITTEN_BEFORE).expect("the fixture is a JSON array of strings")
    }

    fn demo_events() -> Vec<NewEvent> {
        let today = NaiveDate::from_ymd_opt(2025, 9, 1).expect("a date");
        let now = DateTime::parse_from_rfc3339("2025-09-01T08:00:00Z")
            .expect("a timestamp")
            .with_timezone(&Utc);
        crate::seed::demo_events(today, now)
    }

    /// A row of the fixture without the two computed fields it carried.
    fn without_computed(row: &str) -> String {
        let state = r#","registration_state":""#;
        let start = row.find(state).expect("the row has a registration state");
        let end = start
            + state.len()
            + row[start + state.len()..]
                .find('"')
                .expect("the state is a string")
            + 1;
        let row = format!("{}{}", &row[..start], &row[end..]);
        assert_eq!(row.matches(r#","availability":{}"#).count(), 1);
        row.replace(r#","availability":{}"#, "")
    }

    async fn store() -> (tempfile::TempDir, SqlStore) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = SqlStore::open_sqlite(&dir.path().join("parvis.db"))
            .await
            .expect("a fresh store");
        (dir, store)
    }

    #[tokio::test]
    async fn events_written_before_the_storage_type_read_back_unchanged() {
        let (_dir, store) = store().await;
        let events = demo_events();
        let rows = rows_before();
        assert_eq!(rows.len(), events.len());
        for (row, event) in rows.iter().zip(&events) {
            let public = &event.public;
            let first = public.sessions.first().expect("a session");
            let last = public.sessions.last().expect("a session");
            sqlx::query(&store.q(
                "INSERT INTO events (slug, kind, starts_at, ends_at, search_text, connection_url, private_json, data_json, created_at)
                 VALUES (?, ?, ?, ?, '', NULL, '{}', ?, ?)",
            ))
            .bind(&public.slug)
            .bind(public.kind.as_str())
            .bind(timestamp(first.starts_at.with_timezone(&Utc)))
            .bind(timestamp(last.ends_at.with_timezone(&Utc)))
            .bind(row)
            .bind(timestamp(Utc::now()))
            .execute(&store.pool)
            .await
            .expect("an old row");
        }
        // What was inserted, with the computed fields as a read computes
        // them: the state at the time of reading, no seats without quotas,
        // and the old rows' paragraphs as the description's HTML.
        let now = Utc::now();
        let mut expected: Vec<EventPublic> = events
            .into_iter()
            .zip(&rows)
            .map(|(event, row)| {
                let mut public = event.public;
                public.registration_state = public.registration.state_at(now);
                public.availability = Availability::default();
                public.description_html = crate::markdown::paragraphs(&old_paragraphs(row));
                // The webinars' report address of then: their study is now a
                // publication reserved to registrants (the rows keep theirs).
                public.report = serde_json::from_value(
                    serde_json::from_str::<serde_json::Value>(row).expect("JSON")["report"].clone(),
                )
                .expect("a report or null");
                public
            })
            .collect();
        for public in &expected {
            let read = store
                .event_by_slug_sql(&public.slug)
                .await
                .expect("a readable row")
                .expect("the event");
            assert_eq!(&read.public, public);
        }
        let mut listed = store
            .list_events_sql(&EventFilter::default(), now)
            .await
            .expect("the agenda");
        listed.sort_by(|a, b| a.slug.cmp(&b.slug));
        expected.sort_by(|a, b| a.slug.cmp(&b.slug));
        assert_eq!(listed, expected);
    }

    fn old_paragraphs(row: &str) -> Vec<String> {
        let value: serde_json::Value = serde_json::from_str(row).expect("JSON");
        serde_json::from_value(value["description"].clone()).expect("paragraphs")
    }

    #[tokio::test]
    async fn the_stored_json_is_the_storage_type_alone() {
        // The rows written before, less the computed fields, with the
        // description as Markdown and its HTML instead of paragraphs: what
        // is stored comes from StoredEvent's own field names, so a renamed
        // or added field of EventPublic changes no row (it cannot compile
        // until StoredEvent::of and into_public map it).
        let events = demo_events();
        let rows = rows_before();
        for (row, event) in rows.iter().zip(&events) {
            let json = StoredEvent::of(&event.public, &event.description_markdown)
                .to_json()
                .expect("JSON");
            for computed in ["registration_state", "availability", "cancelled"] {
                assert!(!json.contains(computed), "{computed} is computed on read");
            }
            let mut written: serde_json::Value = serde_json::from_str(&json).expect("JSON");
            let mut before: serde_json::Value =
                serde_json::from_str(&without_computed(row)).expect("JSON");
            let paragraphs = old_paragraphs(row);
            assert_eq!(
                written["description_markdown"],
                paragraphs.join("\n\n"),
                "{}: the data file keeps the paragraphs",
                event.public.slug
            );
            let object = written.as_object_mut().expect("an object");
            object.remove("description_markdown");
            object.remove("description_html");
            before
                .as_object_mut()
                .expect("an object")
                .remove("description");
            // The webinars no longer carry their study's address: it is a
            // publication reserved to registrants now.
            if event.public.slug.starts_with("webinaire-ceq-2030-ctg") {
                assert!(before["report"].is_object());
                before["report"] = serde_json::Value::Null;
            }
            assert_eq!(written, before, "{}", event.public.slug);
        }
        // And that is what an insert writes.
        let (_dir, store) = store().await;
        for event in &events {
            store.insert_event_sql(event).await.expect("an insert");
        }
        let written: Vec<String> = sqlx::query_scalar("SELECT data_json FROM events ORDER BY id")
            .fetch_all(&store.pool)
            .await
            .expect("the rows");
        let expected: Vec<String> = events
            .iter()
            .map(|event| {
                StoredEvent::of(&event.public, &event.description_markdown)
                    .to_json()
                    .expect("JSON")
            })
            .collect();
        assert_eq!(written, expected);
    }
}
