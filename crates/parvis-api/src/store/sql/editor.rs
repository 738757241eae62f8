//! The event editor's writes (see [`crate::store::editor::EditorStore`]).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use parvis_core::api::{Availability, EventPublic, FieldErrors, Seats, quota};
use parvis_core::editor::EventStatus;
use parvis_core::gestion::EventLine;
use sqlx::Row;

use super::events::StoredEvent;
use super::registrations::parse_status;
use super::seats::wish;
use super::{SqlStore, Tx, decode_json};
use crate::store::editor::RegistrationCounts;
use crate::store::{
    Compose, EventRecord, NewEvent, NoticeKind, RegistrationRecord, Status, timestamp,
};

/// The quotas of an event's page: key and capacity.
pub(super) fn quotas_of(public: &EventPublic) -> Vec<(String, u32)> {
    let mut quotas: Vec<(String, u32)> = Vec::new();
    if let Some(capacity) = public.capacity {
        quotas.push((quota::EVENT.to_owned(), capacity));
    }
    for track in public.tracks() {
        if let Some(capacity) = track.capacity {
            quotas.push((quota::track(&track.id), capacity));
        }
    }
    if public.day_selection {
        for (idx, session) in public.sessions.iter().enumerate() {
            if let Some(capacity) = session.capacity {
                quotas.push((quota::session(idx), capacity));
            }
        }
    }
    quotas
}

/// The editor's field of a quota, for its messages.
fn quota_field(public: &EventPublic, key: &str) -> String {
    if key == quota::EVENT {
        return "capacity".to_owned();
    }
    for (i, session) in public.sessions.iter().enumerate() {
        if key == quota::session(i) {
            return format!("sessions.{i}.capacity");
        }
        for (j, item) in session.programme.iter().enumerate() {
            for (k, track) in item.tracks.iter().enumerate() {
                if key == quota::track(&track.id) {
                    return format!("sessions.{i}.programme.{j}.tracks.{k}.capacity");
                }
            }
        }
    }
    "capacity".to_owned()
}

/// Whether a confirmed registrant must hear of the new version: a date or
/// its hours, the format, the place or the connection link changed.
fn what_registrants_hold_changed(old: &EventRecord, new: &EventRecord) -> bool {
    let times = |event: &EventRecord| {
        event
            .public
            .sessions
            .iter()
            .map(|s| (s.starts_at, s.ends_at))
            .collect::<Vec<_>>()
    };
    times(old) != times(new)
        || old.public.format != new.public.format
        || old.public.venue != new.public.venue
        || old.connection_url != new.connection_url
}

/// An active registration's choices.
struct Holder {
    holds_seats: bool,
    tracks: Vec<String>,
    sessions: Vec<usize>,
}

impl SqlStore {
    /// The event's active registrations with their choices: two statements,
    /// whatever their number.
    async fn holders(&self, tx: &mut Tx<'_>, event_id: i64) -> Result<Vec<Holder>> {
        let rows = sqlx::query(&self.q("SELECT id, status, tracks_json FROM registrations
             WHERE event_id = ? AND status <> 'cancelled' ORDER BY id"))
        .bind(event_id)
        .fetch_all(&mut **tx)
        .await
        .context("failed to read an event's registrations")?;
        let mut days: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        for row in sqlx::query(&self.q(
            "SELECT s.registration_id, s.idx FROM registration_sessions s
             JOIN registrations r ON r.id = s.registration_id
             WHERE r.event_id = ? AND r.status <> 'cancelled' ORDER BY s.registration_id, s.idx",
        ))
        .bind(event_id)
        .fetch_all(&mut **tx)
        .await
        .context("failed to read chosen days")?
        {
            let idx: i64 = row.try_get("idx")?;
            days.entry(row.try_get("registration_id")?)
                .or_default()
                .push(usize::try_from(idx).unwrap_or_default());
        }
        rows.iter()
            .map(|row| {
                let id: i64 = row.try_get("id")?;
                let status: String = row.try_get("status")?;
                Ok(Holder {
                    holds_seats: parse_status(&status)?.holds_seats(),
                    tracks: decode_json(row, "tracks_json")?,
                    sessions: days.remove(&id).unwrap_or_default(),
                })
            })
            .collect()
    }

    pub(super) async fn update_event_once(
        &self,
        event: &EventRecord,
        new: &NewEvent,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<Result<usize, FieldErrors>> {
        let now_text = timestamp(now);
        let mut tx = self.pool.begin().await?;
        // The event's row first: concurrent saves and registrations wait.
        self.lock_quotas(&mut tx, event.id).await?;
        sqlx::query(&self.q("UPDATE events SET updated_at = ? WHERE id = ?"))
            .bind(&now_text)
            .bind(event.id)
            .execute(&mut *tx)
            .await?;
        let public = &new.public;
        let holders = self.holders(&mut tx, event.id).await?;
        let mut errors = FieldErrors::default();
        let tracks: BTreeSet<&str> = public.tracks().map(|t| t.id.as_str()).collect();
        let chosen_tracks: BTreeSet<&str> = holders
            .iter()
            .flat_map(|h| h.tracks.iter().map(String::as_str))
            .collect();
        for gone in chosen_tracks.difference(&tracks) {
            let title = event
                .public
                .tracks()
                .find(|t| t.id == *gone)
                .map(|t| t.title.clone())
                .unwrap_or_else(|| (*gone).to_owned());
            errors.add(
                "sessions",
                format!("L'atelier « {title} » a des inscrit·es : il ne peut pas être retiré."),
            );
        }
        if public.day_selection
            && let Some(day) = holders
                .iter()
                .flat_map(|h| h.sessions.iter().copied())
                .find(|&day| day >= public.sessions.len())
        {
            errors.add(
                "sessions",
                format!(
                    "Des inscrit·es ont choisi la date n°{} : elle ne peut pas être retirée.",
                    day + 1
                ),
            );
        }
        if !event.public.day_selection && public.day_selection && !holders.is_empty() {
            errors.add(
                "day_selection",
                "Des personnes sont déjà inscrites à toutes les dates : le choix des dates ne peut plus être activé."
                    .to_owned(),
            );
        }
        if event.public.day_selection && !public.day_selection && !holders.is_empty() {
            errors.add(
                "day_selection",
                "Des inscrit·es ont choisi leurs dates : le choix des dates ne peut plus être retiré."
                    .to_owned(),
            );
        }
        // Seats taken under the new version, counted from the registrations
        // themselves: a quota that did not exist starts where it stands.
        let quotas = quotas_of(public);
        let mut taken: BTreeMap<String, u32> = BTreeMap::new();
        for holder in holders.iter().filter(|h| h.holds_seats) {
            for key in wish(public, &holder.tracks, &holder.sessions) {
                if quotas.iter().any(|(limited, _)| *limited == key) {
                    *taken.entry(key).or_default() += 1;
                }
            }
        }
        for (key, capacity) in &quotas {
            let held = taken.get(key).copied().unwrap_or_default();
            if *capacity < held {
                errors.add(
                    &quota_field(public, key),
                    format!("{held} places sont déjà prises : indiquez au moins {held}."),
                );
            }
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let first = public
            .sessions
            .first()
            .context("an event needs a session")?;
        let last = public.sessions.last().context("an event needs a session")?;
        sqlx::query(&self.q(
            "UPDATE events SET kind = ?, starts_at = ?, ends_at = ?, search_text = ?,
                    connection_url = ?, data_json = ? WHERE id = ?",
        ))
        .bind(public.kind.as_str())
        .bind(timestamp(first.starts_at.with_timezone(&Utc)))
        .bind(timestamp(last.ends_at.with_timezone(&Utc)))
        .bind(parvis_core::search::event_text(
            public,
            &new.description_markdown,
        ))
        .bind(&new.connection_url)
        .bind(StoredEvent::of(public, &new.description_markdown).to_json()?)
        .bind(event.id)
        .execute(&mut *tx)
        .await
        .context("failed to update an event")?;
        sqlx::query(&self.q("DELETE FROM sessions WHERE event_id = ?"))
            .bind(event.id)
            .execute(&mut *tx)
            .await?;
        for (idx, session) in public.sessions.iter().enumerate() {
            sqlx::query(
                &self.q(
                    "INSERT INTO sessions (event_id, idx, starts_at, ends_at) VALUES (?, ?, ?, ?)",
                ),
            )
            .bind(event.id)
            .bind(idx as i64)
            .bind(timestamp(session.starts_at.with_timezone(&Utc)))
            .bind(timestamp(session.ends_at.with_timezone(&Utc)))
            .execute(&mut *tx)
            .await?;
        }
        let existing: Vec<String> =
            sqlx::query_scalar(&self.q("SELECT key FROM quotas WHERE event_id = ?"))
                .bind(event.id)
                .fetch_all(&mut *tx)
                .await?;
        let kept: BTreeSet<&str> = quotas.iter().map(|(key, _)| key.as_str()).collect();
        for key in existing.iter().filter(|key| !kept.contains(key.as_str())) {
            sqlx::query(&self.q("DELETE FROM quotas WHERE event_id = ? AND key = ?"))
                .bind(event.id)
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        for (key, capacity) in &quotas {
            sqlx::query(&self.q(
                "INSERT INTO quotas (event_id, key, capacity, taken) VALUES (?, ?, ?, ?)
                 ON CONFLICT (event_id, key) DO UPDATE SET capacity = excluded.capacity,
                     taken = excluded.taken",
            ))
            .bind(event.id)
            .bind(key)
            .bind(i64::from(*capacity))
            .bind(i64::from(taken.get(key).copied().unwrap_or_default()))
            .execute(&mut *tx)
            .await?;
        }
        // More seats, or none limited any more: the waiting list moves up.
        let mut public = public.clone();
        public.availability = Availability(
            quotas
                .iter()
                .map(|(key, capacity)| {
                    let seats = Seats {
                        capacity: *capacity,
                        taken: taken.get(key).copied().unwrap_or_default(),
                    };
                    (key.clone(), seats)
                })
                .collect(),
        );
        let updated = EventRecord {
            public,
            connection_url: new.connection_url.clone(),
            description_markdown: new.description_markdown.clone(),
            ..event.clone()
        };
        self.promote(&mut tx, &updated, compose, &now_text).await?;
        let mut told = 0;
        if what_registrants_hold_changed(event, &updated) {
            let ids: Vec<i64> = sqlx::query_scalar(&self.q(
                "SELECT id FROM registrations WHERE event_id = ? AND status = 'confirmed' ORDER BY id",
            ))
            .bind(event.id)
            .fetch_all(&mut *tx)
            .await?;
            for id in ids {
                let record = self.load_registration_unranked(&mut tx, id).await?;
                self.notify(
                    &mut tx,
                    &updated,
                    &record,
                    NoticeKind::EventUpdated,
                    compose,
                    &now_text,
                )
                .await?;
                told += 1;
            }
        }
        tx.commit().await?;
        Ok(Ok(told))
    }

    pub(super) async fn set_event_status_sql(
        &self,
        event_id: i64,
        status: EventStatus,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(&self.q("UPDATE events SET status = ?, updated_at = ? WHERE id = ?"))
            .bind(status.as_str())
            .bind(timestamp(now))
            .bind(event_id)
            .execute(&self.pool)
            .await
            .context("failed to change an event's status")?;
        Ok(())
    }

    pub(super) async fn cancel_event_once(
        &self,
        event: &EventRecord,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let now_text = timestamp(now);
        let mut tx = self.pool.begin().await?;
        sqlx::query(&self.q("UPDATE events SET status = 'cancelled', updated_at = ? WHERE id = ?"))
            .bind(&now_text)
            .bind(event.id)
            .execute(&mut *tx)
            .await
            .context("failed to cancel an event")?;
        let ids: Vec<i64> = sqlx::query_scalar(&self.q(
            "UPDATE registrations SET status = 'cancelled', updated_at = ?
             WHERE event_id = ? AND status <> 'cancelled' RETURNING id",
        ))
        .bind(&now_text)
        .bind(event.id)
        .fetch_all(&mut *tx)
        .await
        .context("failed to cancel an event's registrations")?;
        sqlx::query(&self.q("UPDATE quotas SET taken = 0 WHERE event_id = ?"))
            .bind(event.id)
            .execute(&mut *tx)
            .await?;
        let cancelled = EventRecord {
            status: EventStatus::Cancelled,
            ..event.clone()
        };
        for id in &ids {
            let record = self.load_registration_unranked(&mut tx, *id).await?;
            let record = RegistrationRecord {
                status: Status::Cancelled,
                ..record
            };
            self.notify(
                &mut tx,
                &cancelled,
                &record,
                NoticeKind::EventCancelled,
                compose,
                &now_text,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ids.len())
    }

    pub(super) async fn delete_event_sql(&self, event_id: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let registered: i64 =
            sqlx::query_scalar(&self.q("SELECT COUNT(*) FROM registrations WHERE event_id = ?"))
                .bind(event_id)
                .fetch_one(&mut *tx)
                .await?;
        if registered > 0 {
            return Ok(false);
        }
        // What an event without registrations may still have: its
        // invitations (and their sends) and codes, the desk's messages, the
        // clients counted; feedback questionnaires go by ON DELETE CASCADE.
        for table in [
            "invitation_sends",
            "invitations",
            "invitation_codes",
            "registrant_messages",
            "sessions",
            "quotas",
            "waitlist_queues",
            "registration_clients",
        ] {
            sqlx::query(&self.q(&format!("DELETE FROM {table} WHERE event_id = ?")))
                .bind(event_id)
                .execute(&mut *tx)
                .await
                .with_context(|| format!("failed to delete an event's {table}"))?;
        }
        sqlx::query(&self.q("DELETE FROM events WHERE id = ?"))
            .bind(event_id)
            .execute(&mut *tx)
            .await
            .context("failed to delete an event")?;
        tx.commit().await?;
        Ok(true)
    }

    pub(super) async fn registration_counts_sql(
        &self,
        event_id: i64,
    ) -> Result<RegistrationCounts> {
        let row = sqlx::query(&self.q("SELECT COUNT(*) AS all_count,
                    COALESCE(SUM(CASE WHEN status <> 'cancelled' THEN 1 ELSE 0 END), 0) AS active
             FROM registrations WHERE event_id = ?"))
        .bind(event_id)
        .fetch_one(&self.pool)
        .await
        .context("failed to count an event's registrations")?;
        Ok(RegistrationCounts {
            active: u32::try_from(row.try_get::<i64, _>("active")?).unwrap_or_default(),
            all: u32::try_from(row.try_get::<i64, _>("all_count")?).unwrap_or_default(),
        })
    }

    pub(super) async fn event_lines_sql(&self, organisation_id: i64) -> Result<Vec<EventLine>> {
        let rows = sqlx::query(&self.q("SELECT e.slug, e.status, e.data_json,
                    (SELECT COUNT(*) FROM registrations r
                      WHERE r.event_id = e.id AND r.status = 'confirmed') AS confirmed,
                    (SELECT COUNT(*) FROM registrations r
                      WHERE r.event_id = e.id AND r.status = 'waitlisted') AS waitlisted
             FROM events e WHERE e.organisation_id = ?
             ORDER BY e.starts_at DESC, e.id DESC"))
        .bind(organisation_id)
        .fetch_all(&self.pool)
        .await
        .context("failed to list an organisation's events")?;
        rows.iter()
            .map(|row| {
                let public = super::events::public_of(row, Utc::now())?;
                let first = public
                    .sessions
                    .first()
                    .map(|s| s.starts_at)
                    .context("an event without a session")?;
                Ok(EventLine {
                    slug: row.try_get("slug")?,
                    title: public.title,
                    status: super::events::status_of(row)?,
                    starts_at: first,
                    confirmed: u32::try_from(row.try_get::<i64, _>("confirmed")?)
                        .unwrap_or_default(),
                    waitlisted: u32::try_from(row.try_get::<i64, _>("waitlisted")?)
                        .unwrap_or_default(),
                })
            })
            .collect()
    }
}
