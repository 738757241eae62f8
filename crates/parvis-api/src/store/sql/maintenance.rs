//! Upkeep: what rows older than the schema lack, filled in at start; what
//! has expired, forgotten by the job runner; counts of stored rows.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use parvis_core::api::RegistrationStatus;
use sqlx::Row;

use super::events::StoredEvent;
use super::seats::{queue_key, wish};
use super::{SqlStore, decode_json};
use crate::store::{StoreStats, parse_timestamp, timestamp};
use parvis_core::editor::EventStatus;

impl SqlStore {
    /// Fills in what rows older than the current schema lack: the queue of
    /// waiting registrations, the expiry of personal links. Cheap when there
    /// is nothing to do (partial indexes); safe to run on every start and
    /// from several replicas at once.
    pub async fn backfill(&self) -> Result<()> {
        let rows = sqlx::query(&self.q(
            "SELECT r.id, r.event_id, r.status, r.tracks_json, e.data_json FROM registrations r
             JOIN events e ON e.id = r.event_id WHERE r.queue_key IS NULL",
        ))
        .fetch_all(&self.pool)
        .await
        .context("failed to look for registrations without a queue")?;
        for row in rows {
            let id: i64 = row.try_get("id")?;
            let event_id: i64 = row.try_get("event_id")?;
            // The wish depends on the programme only, not on the status.
            let event = decode_json::<StoredEvent>(&row, "data_json")?
                .into_public(EventStatus::Published, Utc::now());
            let tracks: Vec<String> = decode_json(&row, "tracks_json")?;
            let sessions = self.sessions_of(&self.pool, id).await?;
            let key = queue_key(&wish(&event, &tracks, &sessions));
            let mut tx = self.pool.begin().await?;
            sqlx::query(&self.q("UPDATE registrations SET queue_key = ? WHERE id = ?"))
                .bind(&key)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if row.try_get::<String, _>("status")? == RegistrationStatus::Waitlisted.as_str() {
                self.add_queue(&mut tx, event_id, &key).await?;
            }
            tx.commit().await?;
        }
        // The search text follows what a search looks into: every event is
        // read at each start (a few hundred rows at most), and written only
        // where its text is out of date.
        for row in sqlx::query("SELECT id, search_text, data_json FROM events")
            .fetch_all(&self.pool)
            .await
            .context("failed to read the events' search text")?
        {
            let stored: StoredEvent = decode_json(&row, "data_json")?;
            let markdown = stored.markdown();
            let event = stored.into_public(EventStatus::Published, Utc::now());
            let text = parvis_core::search::event_text(&event, &markdown);
            if row.try_get::<String, _>("search_text")? != text {
                sqlx::query(&self.q("UPDATE events SET search_text = ? WHERE id = ?"))
                    .bind(&text)
                    .bind(row.try_get::<i64, _>("id")?)
                    .execute(&self.pool)
                    .await?;
            }
        }
        let events = sqlx::query(
            "SELECT id, ends_at FROM events WHERE id IN
             (SELECT r.event_id FROM registration_tokens t JOIN registrations r ON r.id = t.registration_id
              WHERE t.expires_at IS NULL)",
        )
        .fetch_all(&self.pool)
        .await
        .context("failed to look for personal links without expiry")?;
        for event in events {
            let ends_at = parse_timestamp(&event.try_get::<String, _>("ends_at")?)?;
            sqlx::query(&self.q(
                "UPDATE registration_tokens SET expires_at = ? WHERE expires_at IS NULL
                 AND registration_id IN (SELECT id FROM registrations WHERE event_id = ?)",
            ))
            .bind(timestamp(ends_at + self.token_retention))
            .bind(event.try_get::<i64, _>("id")?)
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    pub(super) async fn purge_expired_sql(&self, now: DateTime<Utc>) -> Result<u64> {
        let tokens = sqlx::query(&self.q("DELETE FROM registration_tokens WHERE expires_at <= ?"))
            .bind(timestamp(now))
            .execute(&self.pool)
            .await
            .context("failed to forget expired personal links")?
            .rows_affected();
        let clients =
            sqlx::query(&self.q("DELETE FROM registration_clients WHERE created_at <= ?"))
                .bind(timestamp(now - chrono::Duration::hours(2)))
                .execute(&self.pool)
                .await
                .context("failed to forget old per-client counts")?
                .rows_affected()
                + sqlx::query(&self.q("DELETE FROM feedback_public_clients WHERE created_at <= ?"))
                    .bind(timestamp(now - chrono::Duration::hours(2)))
                    .execute(&self.pool)
                    .await
                    .context("failed to forget old per-client feedback counts")?
                    .rows_affected();
        // Invitations of events over for longer than the retention period:
        // their links, and the addresses of people who never registered.
        let over = timestamp(now - self.token_retention);
        let mut invitations = 0;
        for table in ["invitation_sends", "invitations"] {
            invitations += sqlx::query(&self.q(&format!(
                "DELETE FROM {table} WHERE event_id IN (SELECT id FROM events WHERE ends_at <= ?)"
            )))
            .bind(&over)
            .execute(&self.pool)
            .await
            .with_context(|| format!("failed to forget old {table}"))?
            .rows_affected();
        }
        // Newsletter sign-ups never confirmed, once their last link has
        // expired (confirmed and unsubscribed addresses stay: the latter so
        // that nobody writes to them again).
        let stale =
            timestamp(now - chrono::Duration::days(crate::store::lettre::CONFIRMATION_DAYS));
        let confirmations =
            sqlx::query(&self.q("DELETE FROM newsletter_confirmations WHERE created_at <= ?"))
                .bind(&stale)
                .execute(&self.pool)
                .await
                .context("failed to forget expired newsletter confirmations")?
                .rows_affected();
        let sign_ups = sqlx::query(&self.q(
            "DELETE FROM newsletter_subscribers WHERE confirmed_at IS NULL AND created_at <= ? \
             AND id NOT IN (SELECT subscriber_id FROM newsletter_confirmations)",
        ))
        .bind(&stale)
        .execute(&self.pool)
        .await
        .context("failed to forget unconfirmed newsletter sign-ups")?
        .rows_affected();
        Ok(tokens + clients + invitations + confirmations + sign_ups)
    }

    pub(super) async fn stats_sql(&self) -> Result<StoreStats> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM people) AS people,
                    (SELECT COUNT(*) FROM registrations) AS registrations,
                    (SELECT COUNT(*) FROM registrations WHERE status = 'confirmed') AS confirmed,
                    (SELECT COUNT(*) FROM registrations WHERE status = 'waitlisted') AS waitlisted,
                    (SELECT COUNT(*) FROM registrations WHERE status = 'pending') AS pending_registrations,
                    (SELECT COUNT(*) FROM outbox) AS emails,
                    (SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL) AS pending,
                    (SELECT COUNT(*) FROM outbox WHERE dead_at IS NOT NULL) AS dead",
        )
        .fetch_one(&self.pool)
        .await
        .context("failed to count stored rows")?;
        Ok(StoreStats {
            people: row.try_get("people")?,
            registrations: row.try_get("registrations")?,
            confirmed: row.try_get("confirmed")?,
            waitlisted: row.try_get("waitlisted")?,
            pending: row.try_get("pending_registrations")?,
            emails: row.try_get("emails")?,
            pending_emails: row.try_get("pending")?,
            dead_emails: row.try_get("dead")?,
        })
    }
}
