//! [`DeskStore`] on SQL: manual promotion (the seats taken as the
//! registration path takes them, or over capacity when asked), an event's
//! dead letters and their resending, messages to registrants within the
//! event's daily bound (`registrant_messages`, migration 0008).

use anyhow::{Context, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parvis_core::api::quota;
use parvis_core::desk::Audience;
use sqlx::Row;

use super::seats::quota_keys;
use super::{Dialect, SqlStore, Tx};
use crate::store::desk::{
    ComposeMessage, DeskStore, EventDeadLetter, MessageOutcome, MessageRecord, NewMessage, Promoted,
};
use crate::store::{
    Compose, EventRecord, NoticeKind, RegistrationRecord, parse_timestamp, timestamp,
};

/// The notice name of a message's emails in the outbox.
pub const MESSAGE_NOTICE: &str = "message";

/// The `AND …` condition of an audience on `registrations r`, and its one
/// bound value, if any.
fn audience_condition(audience: &Audience) -> (&'static str, Option<Bound>) {
    match audience {
        Audience::All => (" AND r.status <> 'cancelled'", None),
        Audience::Confirmed => (" AND r.status = 'confirmed'", None),
        Audience::Waiting => (" AND r.status = 'waitlisted'", None),
        // The queue key names every quota wanted, the workshops among them;
        // the chosen workshops are checked exactly on each row read.
        Audience::Workshop(id) => (
            " AND r.status <> 'cancelled' AND ('|' || r.queue_key || '|') LIKE ? ESCAPE '\\'",
            Some(Bound::Text(like_pattern(&quota::track(id)))),
        ),
        Audience::Day(day) => (
            " AND r.status <> 'cancelled' AND EXISTS (SELECT 1 FROM registration_sessions s WHERE s.registration_id = r.id AND s.idx = ?)",
            Some(Bound::Int(i64::try_from(*day).unwrap_or(i64::MAX))),
        ),
    }
}

enum Bound {
    Text(String),
    Int(i64),
}

/// `%|{key}|%` with LIKE's wildcards escaped.
fn like_pattern(key: &str) -> String {
    let mut pattern = String::from("%|");
    for c in key.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push_str("|%");
    pattern
}

impl SqlStore {
    /// The ids of the audience's registrations, in order of registration.
    async fn audience_ids<'e, E>(
        &self,
        executor: E,
        event_id: i64,
        audience: &Audience,
    ) -> Result<Vec<i64>>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let (condition, bound) = audience_condition(audience);
        let sql = self.q(&format!(
            "SELECT r.id, r.tracks_json FROM registrations r WHERE r.event_id = ?{condition} ORDER BY r.id"
        ));
        let mut query = sqlx::query(&sql).bind(event_id);
        query = match &bound {
            Some(Bound::Text(text)) => query.bind(text.as_str()),
            Some(Bound::Int(n)) => query.bind(*n),
            None => query,
        };
        let rows = query
            .fetch_all(executor)
            .await
            .context("failed to read a message's recipients")?;
        let mut ids = Vec::with_capacity(rows.len());
        for row in &rows {
            if let Audience::Workshop(id) = audience {
                let tracks: String = row.try_get("tracks_json")?;
                let tracks: Vec<String> =
                    serde_json::from_str(&tracks).context("stored workshops are not valid JSON")?;
                if !tracks.contains(id) {
                    continue;
                }
            }
            ids.push(row.try_get("id")?);
        }
        Ok(ids)
    }

    async fn promote_manually_once(
        &self,
        event: &EventRecord,
        registration_id: i64,
        exceed: bool,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<Promoted> {
        let now_text = timestamp(now);
        let mut tx = self
            .pool
            .begin()
            .await
            .context("failed to begin a promotion")?;
        // The quota rows first, in key order, as every transaction that
        // frees and takes seats does (PostgreSQL); then the registration,
        // whose update takes SQLite's write lock at once.
        self.lock_quotas(&mut tx, event.id).await?;
        let waiting: Option<i64> = sqlx::query_scalar(&self.q(
            "UPDATE registrations SET updated_at = ? WHERE id = ? AND event_id = ? AND status = 'waitlisted' RETURNING id",
        ))
        .bind(&now_text)
        .bind(registration_id)
        .bind(event.id)
        .fetch_optional(&mut *tx)
        .await
        .context("failed to lock a waiting registration")?;
        if waiting.is_none() {
            tx.rollback().await?;
            return Ok(Promoted::NotWaiting);
        }
        let record = self
            .load_registration_unranked(&mut tx, registration_id)
            .await?;
        let keys = quota_keys(&event.public, &record.tracks, &record.sessions);
        let mut exceeded = Vec::new();
        if !self.take_seats(&mut tx, event.id, &keys).await? {
            let full = self.full_quotas(&mut tx, event.id, &keys).await?;
            if !exceed {
                tx.rollback().await?;
                return Ok(Promoted::NoSeat { full });
            }
            // Over capacity, as the organiser asked: every quota counts the
            // seat, the full ones beyond their capacity (no one else gets
            // in until enough seats are freed).
            for key in &keys {
                sqlx::query(
                    &self.q("UPDATE quotas SET taken = taken + 1 WHERE event_id = ? AND key = ?"),
                )
                .bind(event.id)
                .bind(key)
                .execute(&mut *tx)
                .await
                .context("failed to take a seat over capacity")?;
            }
            exceeded = full;
        }
        let status = self
            .set_seated(&mut tx, event, registration_id, now)
            .await?;
        let record = RegistrationRecord { status, ..record };
        self.notify(
            &mut tx,
            event,
            &record,
            NoticeKind::Promoted,
            compose,
            &now_text,
        )
        .await?;
        tx.commit().await.context("failed to commit a promotion")?;
        Ok(Promoted::Done { exceeded })
    }

    /// Which of `keys` have no seat left.
    async fn full_quotas(
        &self,
        tx: &mut Tx<'_>,
        event_id: i64,
        keys: &[String],
    ) -> Result<Vec<String>> {
        let mut full = Vec::new();
        for key in keys {
            let left: Option<i64> = sqlx::query_scalar(
                &self.q("SELECT capacity - taken FROM quotas WHERE event_id = ? AND key = ?"),
            )
            .bind(event_id)
            .bind(key)
            .fetch_optional(&mut **tx)
            .await?;
            if left.is_some_and(|left| left <= 0) {
                full.push(key.clone());
            }
        }
        Ok(full)
    }

    async fn send_message_once(
        &self,
        event: &EventRecord,
        message: &NewMessage<'_>,
        compose: ComposeMessage<'_>,
        now: DateTime<Utc>,
    ) -> Result<MessageOutcome> {
        let now_text = timestamp(now);
        let mut tx = self
            .pool
            .begin()
            .await
            .context("failed to begin a message")?;
        // Messages to one event are counted one at a time: the event's row
        // is locked on PostgreSQL; on SQLite the first statement writes, so
        // the transaction holds the write lock from the start.
        if self.dialect == Dialect::Postgres {
            sqlx::query(&self.q("SELECT id FROM events WHERE id = ? FOR UPDATE"))
                .bind(event.id)
                .fetch_optional(&mut *tx)
                .await
                .context("failed to lock the event")?;
        }
        let id: i64 = sqlx::query_scalar(&self.q(
            "INSERT INTO registrant_messages (event_id, account_id, audience, subject, recipients, created_at)
             VALUES (?, ?, ?, ?, 0, ?) RETURNING id",
        ))
        .bind(event.id)
        .bind(message.account_id)
        .bind(message.audience.wire())
        .bind(message.subject)
        .bind(&now_text)
        .fetch_one(&mut *tx)
        .await
        .context("failed to record a message")?;
        let earlier: i64 = sqlx::query_scalar(&self.q(
            "SELECT COUNT(*) FROM registrant_messages WHERE event_id = ? AND created_at > ? AND id <> ?",
        ))
        .bind(event.id)
        .bind(timestamp(now - chrono::Duration::hours(24)))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if earlier >= i64::from(message.daily_limit) {
            tx.rollback().await?;
            return Ok(MessageOutcome::DailyLimit);
        }
        let ids = self
            .audience_ids(&mut *tx, event.id, message.audience)
            .await?;
        if ids.is_empty() {
            tx.rollback().await?;
            return Ok(MessageOutcome::NoRecipient);
        }
        for &registration_id in &ids {
            let record = self
                .load_registration_unranked(&mut tx, registration_id)
                .await?;
            let token = crate::token::generate()?;
            self.add_token(&mut tx, event, registration_id, &token.hash, &now_text)
                .await?;
            let email = compose(event, &record, &token.token)?;
            self.queue(&mut tx, registration_id, MESSAGE_NOTICE, &email, &now_text)
                .await?;
        }
        let count = u32::try_from(ids.len()).unwrap_or(u32::MAX);
        sqlx::query(&self.q("UPDATE registrant_messages SET recipients = ? WHERE id = ?"))
            .bind(i64::from(count))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await.context("failed to commit a message")?;
        Ok(MessageOutcome::Sent(count))
    }
}

#[async_trait]
impl DeskStore for SqlStore {
    async fn promote_manually(
        &self,
        event: &EventRecord,
        registration_id: i64,
        exceed: bool,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<Promoted> {
        retrying!(self.promote_manually_once(event, registration_id, exceed, compose, now))
    }

    async fn event_dead_letters(&self, event_id: i64, limit: u32) -> Result<Vec<EventDeadLetter>> {
        let rows = sqlx::query(&self.q(
            "SELECT o.id, o.registration_id, o.recipient, o.subject, o.attempts, o.last_error, o.dead_at,
                    p.first_name, p.last_name
             FROM outbox o
             JOIN registrations r ON r.id = o.registration_id
             JOIN people p ON p.id = r.person_id
             WHERE r.event_id = ? AND o.dead_at IS NOT NULL
             ORDER BY o.dead_at DESC, o.id DESC LIMIT ?",
        ))
        .bind(event_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .context("failed to list an event's dead letters")?;
        rows.iter()
            .map(|row| {
                Ok(EventDeadLetter {
                    id: row.try_get("id")?,
                    registration_id: row.try_get("registration_id")?,
                    first_name: row.try_get("first_name")?,
                    last_name: row.try_get("last_name")?,
                    recipient: row.try_get("recipient")?,
                    subject: row.try_get("subject")?,
                    attempts: row.try_get("attempts")?,
                    last_error: row
                        .try_get::<Option<String>, _>("last_error")?
                        .unwrap_or_default(),
                    dead_at: parse_timestamp(&row.try_get::<String, _>("dead_at")?)?,
                })
            })
            .collect()
    }

    async fn resend_dead_letter(
        &self,
        event_id: i64,
        letter_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, String)>> {
        let row = sqlx::query(&self.q(
            "UPDATE outbox SET dead_at = NULL, attempts = 0, last_error = NULL, claimed_until = NULL, next_attempt_at = ?
             WHERE id = ? AND dead_at IS NOT NULL
               AND registration_id IN (SELECT id FROM registrations WHERE event_id = ?)
             RETURNING recipient, subject",
        ))
        .bind(timestamp(now))
        .bind(letter_id)
        .bind(event_id)
        .fetch_optional(&self.pool)
        .await
        .context("failed to queue a dead letter again")?;
        row.map(|row| Ok((row.try_get("recipient")?, row.try_get("subject")?)))
            .transpose()
    }

    async fn audience_count(&self, event_id: i64, audience: &Audience) -> Result<u32> {
        let ids = self.audience_ids(&self.pool, event_id, audience).await?;
        Ok(u32::try_from(ids.len()).unwrap_or(u32::MAX))
    }

    async fn messages_since(&self, event_id: i64, since: DateTime<Utc>) -> Result<u32> {
        let count: i64 =
            sqlx::query_scalar(&self.q(
                "SELECT COUNT(*) FROM registrant_messages WHERE event_id = ? AND created_at > ?",
            ))
            .bind(event_id)
            .bind(timestamp(since))
            .fetch_one(&self.pool)
            .await
            .context("failed to count an event's messages")?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    async fn message_log(&self, event_id: i64, limit: u32) -> Result<Vec<MessageRecord>> {
        let rows = sqlx::query(&self.q(
            "SELECT m.created_at, m.audience, m.subject, m.recipients, a.email
             FROM registrant_messages m LEFT JOIN accounts a ON a.id = m.account_id
             WHERE m.event_id = ? ORDER BY m.id DESC LIMIT ?",
        ))
        .bind(event_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .context("failed to read an event's messages")?;
        rows.iter()
            .map(|row| {
                let recipients: i64 = row.try_get("recipients")?;
                Ok(MessageRecord {
                    at: parse_timestamp(&row.try_get::<String, _>("created_at")?)?,
                    who: row.try_get("email")?,
                    audience: row.try_get("audience")?,
                    subject: row.try_get("subject")?,
                    recipients: u32::try_from(recipients).unwrap_or(u32::MAX),
                })
            })
            .collect()
    }

    async fn send_message(
        &self,
        event: &EventRecord,
        message: &NewMessage<'_>,
        compose: ComposeMessage<'_>,
        now: DateTime<Utc>,
    ) -> Result<MessageOutcome> {
        retrying!(self.send_message_once(event, message, compose, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workshop_pattern_escapes_like_wildcards() {
        assert_eq!(like_pattern("track:a_b%c"), "%|track:a\\_b\\%c|%");
    }
}
