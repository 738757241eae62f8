//! The outbox table: an email queued inside a write transaction, due emails
//! claimed with a lease, deliveries and failures recorded, dead letters.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Dialect, SqlStore, Tx};
use crate::outbox::{OutgoingEmail, QueuedEmail};
use crate::store::{DeadLetter, timestamp};

/// Ids per `UPDATE … WHERE id IN (…)` when marking deliveries: well under
/// SQLite's and PostgreSQL's limits on bound parameters.
const MARK_CHUNK: usize = 500;

fn queued_from_row(row: &AnyRow) -> Result<QueuedEmail> {
    Ok(QueuedEmail {
        id: row.try_get("id")?,
        attempts: row.try_get("attempts")?,
        email: OutgoingEmail {
            message_id: row.try_get("message_id")?,
            recipient: row.try_get("recipient")?,
            subject: row.try_get("subject")?,
            body_text: row.try_get("body_text")?,
            ics: row.try_get("ics")?,
            console_note: row.try_get("console_note")?,
            sender_name: row.try_get("sender_name")?,
            reply_to: row.try_get("reply_to")?,
            list_unsubscribe: row.try_get("list_unsubscribe")?,
        },
    })
}

/// The start of the statement that queues emails, followed by one
/// [`OUTBOX_ROW`] per email, each bound by [`bind_outbox_row`].
pub(super) const OUTBOX_INSERT: &str = "INSERT INTO outbox (message_id, registration_id, notice, recipient, subject, body_text, ics, console_note, sender_name, reply_to, list_unsubscribe, created_at, next_attempt_at) VALUES ";

/// The placeholders of one queued email.
pub(super) const OUTBOX_ROW: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/// Binds one queued email's values, in [`OUTBOX_INSERT`]'s column order.
pub(super) fn bind_outbox_row<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    registration_id: Option<i64>,
    notice: &'q str,
    email: &'q OutgoingEmail,
    now: &'q str,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    query
        .bind(&email.message_id)
        .bind(registration_id)
        .bind(notice)
        .bind(&email.recipient)
        .bind(&email.subject)
        .bind(&email.body_text)
        .bind(&email.ics)
        .bind(&email.console_note)
        .bind(&email.sender_name)
        .bind(&email.reply_to)
        .bind(&email.list_unsubscribe)
        .bind(now)
        .bind(now)
}

impl SqlStore {
    pub(super) async fn queue(
        &self,
        tx: &mut Tx<'_>,
        registration_id: impl Into<Option<i64>>,
        notice: &str,
        email: &OutgoingEmail,
        now: &str,
    ) -> Result<()> {
        let sql = self.q(&format!("{OUTBOX_INSERT}{OUTBOX_ROW}"));
        bind_outbox_row(
            sqlx::query(&sql),
            registration_id.into(),
            notice,
            email,
            now,
        )
        .execute(&mut **tx)
        .await
        .context("failed to queue an email")?;
        Ok(())
    }

    pub(super) async fn claim_due_emails_sql(
        &self,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<QueuedEmail>> {
        let now_text = timestamp(now);
        // PostgreSQL: concurrent runners skip each other's rows instead of
        // waiting. SQLite: the single writer makes the UPDATE atomic anyway.
        let lock = match self.dialect {
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
            Dialect::Sqlite => "",
        };
        let sql = self.q(&format!(
            "UPDATE outbox SET claimed_until = ?
             WHERE id IN (
                 SELECT id FROM outbox
                 WHERE sent_at IS NULL AND dead_at IS NULL AND next_attempt_at <= ?
                   AND (claimed_until IS NULL OR claimed_until <= ?)
                 ORDER BY attempts, id LIMIT ?{lock})
             RETURNING id, message_id, recipient, subject, body_text, ics, console_note, sender_name, reply_to, list_unsubscribe, attempts"
        ));
        let rows = sqlx::query(&sql)
            .bind(timestamp(now + lease))
            .bind(&now_text)
            .bind(&now_text)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .context("failed to claim emails from the outbox")?;
        let mut claimed: Vec<QueuedEmail> =
            rows.iter().map(queued_from_row).collect::<Result<_>>()?;
        // Fresh emails first, then retries: a confirmation never waits
        // behind an address that keeps failing.
        claimed.sort_by_key(|email| (email.attempts, email.id));
        Ok(claimed)
    }

    pub(super) async fn mark_sent_sql(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        self.mark_sent_many_sql(&[id], now).await
    }

    /// Records many deliveries in one statement per `MARK_CHUNK` ids (one
    /// commit instead of one per email: on SQLite each commit takes the
    /// single writer's lock from the registrations).
    pub(super) async fn mark_sent_many_sql(&self, ids: &[i64], now: DateTime<Utc>) -> Result<()> {
        let now = timestamp(now);
        for chunk in ids.chunks(MARK_CHUNK) {
            let placeholders = vec!["?"; chunk.len()].join(", ");
            let sql = self.q(&format!(
                "UPDATE outbox SET sent_at = ?, claimed_until = NULL, last_error = NULL,
                        body_text = '', ics = NULL, console_note = '', list_unsubscribe = NULL
                 WHERE id IN ({placeholders})"
            ));
            let mut query = sqlx::query(&sql).bind(&now);
            for id in chunk {
                query = query.bind(*id);
            }
            query
                .execute(&self.pool)
                .await
                .context("failed to mark emails as sent")?;
        }
        Ok(())
    }

    pub(super) async fn mark_failed_sql(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (next, dead) = match retry_at {
            Some(at) => (Some(timestamp(at)), None),
            None => (None, Some(timestamp(now))),
        };
        sqlx::query(&self.q(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?,
                    next_attempt_at = COALESCE(?, next_attempt_at), dead_at = ?, claimed_until = NULL
             WHERE id = ?",
        ))
        .bind(error)
        .bind(next)
        .bind(dead)
        .bind(id)
        .execute(&self.pool)
        .await
        .context("failed to record a failed delivery")?;
        Ok(())
    }

    pub(super) async fn dead_letters_sql(&self, limit: u32) -> Result<Vec<DeadLetter>> {
        let rows = sqlx::query(&self.q(
            "SELECT id, recipient, subject, attempts, last_error, dead_at FROM outbox
             WHERE dead_at IS NOT NULL ORDER BY dead_at DESC, id DESC LIMIT ?",
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .context("failed to list dead letters")?;
        rows.iter()
            .map(|row| {
                Ok(DeadLetter {
                    id: row.try_get("id")?,
                    recipient: row.try_get("recipient")?,
                    subject: row.try_get("subject")?,
                    attempts: row.try_get("attempts")?,
                    last_error: row
                        .try_get::<Option<String>, _>("last_error")?
                        .unwrap_or_default(),
                    dead_at: row.try_get("dead_at")?,
                })
            })
            .collect()
    }
}
