//! [`FeedStore`] on SQL: a keyset page of `events` on (`starts_at`, `id`),
//! bounded by `LIMIT`.

use anyhow::{Context, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::SqlStore;
use super::events::public_of;
use crate::store::feeds::{FeedCursor, FeedEvent, FeedStore};
use crate::store::timestamp;

#[async_trait]
impl FeedStore for SqlStore {
    async fn feed_events(
        &self,
        organisation_id: Option<i64>,
        ends_after: DateTime<Utc>,
        after: Option<&FeedCursor>,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<FeedEvent>> {
        let mut sql = String::from(
            "SELECT id, starts_at, data_json, status FROM events
             WHERE status <> 'draft' AND ends_at > ?",
        );
        if organisation_id.is_some() {
            sql.push_str(" AND organisation_id = ?");
        }
        if after.is_some() {
            sql.push_str(" AND (starts_at > ? OR (starts_at = ? AND id > ?))");
        }
        sql.push_str(" ORDER BY starts_at, id LIMIT ?");
        let sql = self.q(&sql);
        let mut query = sqlx::query(&sql).bind(timestamp(ends_after));
        if let Some(organisation_id) = organisation_id {
            query = query.bind(organisation_id);
        }
        if let Some(after) = after {
            query = query
                .bind(after.starts_at.clone())
                .bind(after.starts_at.clone())
                .bind(after.id);
        }
        let rows = query
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .context("failed to read the feed's events")?;
        rows.iter()
            .map(|row| {
                Ok(FeedEvent {
                    cursor: FeedCursor {
                        starts_at: row.try_get("starts_at")?,
                        id: row.try_get("id")?,
                    },
                    public: public_of(row, now)?,
                })
            })
            .collect()
    }
}
