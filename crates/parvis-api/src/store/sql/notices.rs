//! Emails about registrations: personal tokens, the calendar version each
//! email carries, a composed notice queued in the caller's transaction,
//! reminders, and « Retrouver mon inscription ».

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use parvis_core::ics::Method;
use sqlx::Row;

use super::{SqlStore, Tx};
use crate::outbox::OutgoingEmail;
use crate::store::{
    Compose, EventRecord, MAX_RESENDS_PER_DAY, Notice, NoticeKind, RESENT, RegistrationRecord,
    parse_timestamp, timestamp,
};

impl SqlStore {
    /// Adds a personal token to a registration and returns it.
    async fn new_token(
        &self,
        tx: &mut Tx<'_>,
        event: &EventRecord,
        registration_id: i64,
        now: &str,
    ) -> Result<String> {
        let token = crate::token::generate()?;
        self.add_token(tx, event, registration_id, &token.hash, now)
            .await?;
        Ok(token.token)
    }

    /// When the personal links of an event stop working.
    fn token_expiry(&self, event: &EventRecord) -> String {
        let ends_at = event
            .public
            .sessions
            .last()
            .map_or(event.public.registration.closes_at, |s| s.ends_at);
        timestamp(ends_at.with_timezone(&Utc) + self.token_retention)
    }

    pub(super) async fn add_token(
        &self,
        tx: &mut Tx<'_>,
        event: &EventRecord,
        registration_id: i64,
        hash: &str,
        now: &str,
    ) -> Result<()> {
        sqlx::query(&self.q("INSERT INTO registration_tokens (token_hash, registration_id, created_at, expires_at) VALUES (?, ?, ?, ?)"))
            .bind(hash)
            .bind(registration_id)
            .bind(now)
            .bind(self.token_expiry(event))
            .execute(&mut **tx)
            .await
            .context("failed to store a personal token")?;
        Ok(())
    }

    /// Queues the email a notice calls for, with a fresh personal token.
    pub(super) async fn notify(
        &self,
        tx: &mut Tx<'_>,
        event: &EventRecord,
        record: &RegistrationRecord,
        kind: NoticeKind,
        compose: Compose<'_>,
        now: &str,
    ) -> Result<()> {
        let token = self.new_token(tx, event, record.id, now).await?;
        let (sequence, sent_sessions) = self.next_calendar(tx, record.id).await?;
        let email = compose(
            event,
            &Notice {
                kind,
                registration: record,
                token: &token,
                sequence,
                sent_sessions,
            },
        )?;
        self.record_calendar(tx, record, &email).await?;
        self.queue(tx, record.id, kind.name(), &email, now).await
    }

    /// Raises the calendar version of a registration for an email about to
    /// be composed; returns the new `SEQUENCE` and the days the last
    /// calendar file left in the person's calendar (`None`: none sent yet).
    pub(super) async fn next_calendar(
        &self,
        tx: &mut Tx<'_>,
        registration_id: i64,
    ) -> Result<(u32, Option<Vec<usize>>)> {
        let row = sqlx::query(&self.q(
            "UPDATE registrations SET calendar_sequence = calendar_sequence + 1 WHERE id = ?
             RETURNING calendar_sequence, calendar_sessions",
        ))
        .bind(registration_id)
        .fetch_one(&mut **tx)
        .await
        .context("failed to raise the calendar sequence")?;
        let sequence: i64 = row.try_get("calendar_sequence")?;
        let sent: Option<String> = row.try_get("calendar_sessions")?;
        let sent = sent
            .map(|json| serde_json::from_str(&json))
            .transpose()
            .context("stored calendar_sessions is not valid JSON")?;
        Ok((u32::try_from(sequence).unwrap_or(u32::MAX), sent))
    }

    /// Records what the calendar file of a composed email leaves in the
    /// person's calendar: the chosen days after a published file, none after
    /// a cancellation; nothing changes when the email has no file.
    pub(super) async fn record_calendar(
        &self,
        tx: &mut Tx<'_>,
        record: &RegistrationRecord,
        email: &OutgoingEmail,
    ) -> Result<()> {
        let Some(ics) = &email.ics else {
            return Ok(());
        };
        let sessions: &[usize] = match Method::of(ics) {
            Some(Method::Cancel) => &[],
            _ => &record.sessions,
        };
        sqlx::query(&self.q("UPDATE registrations SET calendar_sessions = ? WHERE id = ?"))
            .bind(serde_json::to_string(sessions)?)
            .bind(record.id)
            .execute(&mut **tx)
            .await
            .context("failed to record the calendar sent")?;
        Ok(())
    }
}

impl SqlStore {
    /// Sends again the confirmation of one registration, unless it was sent
    /// again [`MAX_RESENDS_PER_DAY`] times in the last day; `true` if queued.
    async fn resend_once(
        &self,
        event: &EventRecord,
        registration_id: i64,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let day_ago = timestamp(now - chrono::Duration::days(1));
        let now = timestamp(now);
        let mut tx = self.pool.begin().await?;
        // Writing first takes SQLite's write lock: two look-ups at once
        // cannot both slip under the bound.
        if self
            .lock_active(&mut tx, registration_id, &now)
            .await?
            .is_none()
        {
            return Ok(false);
        }
        let resent: i64 = sqlx::query_scalar(&self.q(
            "SELECT COUNT(*) FROM outbox WHERE registration_id = ? AND notice = ? AND created_at > ?",
        ))
        .bind(registration_id)
        .bind(RESENT)
        .bind(&day_ago)
        .fetch_one(&mut *tx)
        .await?;
        if resent >= MAX_RESENDS_PER_DAY {
            tx.rollback().await?;
            return Ok(false);
        }
        let record = self.load_registration(&mut tx, registration_id).await?;
        let token = self
            .new_token(&mut tx, event, registration_id, &now)
            .await?;
        let (sequence, sent_sessions) = self.next_calendar(&mut tx, registration_id).await?;
        let email = compose(
            event,
            &Notice {
                kind: NoticeKind::Registered,
                registration: &record,
                token: &token,
                sequence,
                sent_sessions,
            },
        )?;
        self.record_calendar(&mut tx, &record, &email).await?;
        self.queue(&mut tx, registration_id, RESENT, &email, &now)
            .await?;
        tx.commit().await?;
        Ok(true)
    }
}

impl SqlStore {
    pub(super) async fn resend_links_sql(
        &self,
        email_key: &str,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let rows = sqlx::query(&self.q("SELECT r.id, e.slug FROM registrations r
             JOIN people p ON p.id = r.person_id
             JOIN events e ON e.id = r.event_id
             WHERE p.email_key = ? AND r.status <> 'cancelled' AND e.ends_at > ?
             ORDER BY e.starts_at"))
        .bind(email_key)
        .bind(timestamp(now))
        .fetch_all(&self.pool)
        .await
        .context("failed to find the registrations of an address")?;
        let mut queued = 0;
        for row in rows {
            let id: i64 = row.try_get("id")?;
            let slug: String = row.try_get("slug")?;
            let Some(event) = self.event_by_slug_sql(&slug).await? else {
                continue;
            };
            if retrying!(self.resend_once(&event, id, compose, now))? {
                queued += 1;
            }
        }
        Ok(queued)
    }

    pub(super) async fn queue_due_reminders_sql(
        &self,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        // Reminders go out at most a week ahead; sessions further away are
        // not even looked at.
        let horizon = timestamp(now + chrono::Duration::days(7));
        let now_text = timestamp(now);
        let rows = sqlx::query(
            &self.q("SELECT rs.registration_id, rs.idx, s.starts_at, e.slug
             FROM registration_sessions rs
             JOIN registrations r ON r.id = rs.registration_id
             JOIN sessions s ON s.event_id = r.event_id AND s.idx = rs.idx
             JOIN events e ON e.id = r.event_id
             WHERE r.status = 'confirmed' AND s.starts_at > ? AND s.starts_at <= ?
             ORDER BY rs.registration_id, rs.idx"),
        )
        .bind(&now_text)
        .bind(&horizon)
        .fetch_all(&self.pool)
        .await
        .context("failed to find due reminders")?;
        let mut events: std::collections::HashMap<String, EventRecord> =
            std::collections::HashMap::new();
        let mut queued = 0;
        let mut due: Vec<(i64, usize, u32, Vec<u32>, String)> = Vec::new();
        for row in &rows {
            let slug: String = row.try_get("slug")?;
            if !events.contains_key(&slug) {
                let event = self
                    .event_by_slug_sql(&slug)
                    .await?
                    .context("event vanished")?;
                events.insert(slug.clone(), event);
            }
            let event = &events[&slug];
            let starts_at = parse_timestamp(&row.try_get::<String, _>("starts_at")?)?;
            // Offsets whose time has come; the nearest one is sent, the
            // others are marked done so a late job never sends two at once.
            let mut offsets: Vec<u32> = event
                .public
                .reminders_minutes
                .iter()
                .copied()
                .filter(|m| starts_at - chrono::Duration::minutes(i64::from(*m)) <= now)
                .collect();
            offsets.sort_unstable();
            if let Some(&nearest) = offsets.first() {
                let idx: i64 = row.try_get("idx")?;
                due.push((
                    row.try_get("registration_id")?,
                    idx as usize,
                    nearest,
                    offsets,
                    slug,
                ));
            }
        }
        for chunk in due.chunks(200) {
            let mut tx = self.pool.begin().await?;
            for (registration_id, idx, nearest, offsets, slug) in chunk {
                let mut fresh = false;
                for minutes in offsets {
                    let inserted = sqlx::query(&self.q(
                        "INSERT INTO reminders_sent (registration_id, session_idx, minutes_before, created_at)
                         VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    ))
                    .bind(*registration_id)
                    .bind(*idx as i64)
                    .bind(i64::from(*minutes))
                    .bind(&now_text)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    fresh |= inserted == 1 && minutes == nearest;
                }
                if fresh {
                    let record = self.load_registration(&mut tx, *registration_id).await?;
                    let kind = NoticeKind::Reminder {
                        session: *idx,
                        minutes_before: *nearest,
                    };
                    self.notify(&mut tx, &events[slug], &record, kind, compose, &now_text)
                        .await?;
                    queued += 1;
                }
            }
            tx.commit().await?;
        }
        Ok(queued)
    }
}
