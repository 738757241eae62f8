//! Events and publications: an event inserted with its sessions and
//! quotas, the agenda, one event with its seats, publications.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use parvis_core::api::{EventPublic, Publication, Seats, When, quota};
use sqlx::Row;

use super::{SqlStore, decode_json};
use crate::store::{EventFilter, EventRecord, NewEvent, timestamp};

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
        let search = parvis_core::search::event_text(public);
        let now = timestamp(Utc::now());
        let mut tx = self.pool.begin().await?;
        // Replicas starting together may seed at the same time: the slug
        // decides, the second insert does nothing.
        let id: Option<i64> = sqlx::query_scalar(&self.q(
            "INSERT INTO events (slug, kind, starts_at, ends_at, search_text, connection_url, private_json, data_json, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (slug) DO NOTHING RETURNING id",
        ))
        .bind(&public.slug)
        .bind(public.kind.as_str())
        .bind(timestamp(first.starts_at.with_timezone(&Utc)))
        .bind(timestamp(last.ends_at.with_timezone(&Utc)))
        .bind(search)
        .bind(&event.connection_url)
        .bind(serde_json::to_string(&event.private)?)
        .bind(serde_json::to_string(public)?)
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

    pub(super) async fn insert_publication_sql(&self, publication: &Publication) -> Result<()> {
        sqlx::query(&self.q(
            "INSERT INTO publications (slug, data_json) VALUES (?, ?) ON CONFLICT (slug) DO NOTHING",
        ))
        .bind(&publication.slug)
        .bind(serde_json::to_string(publication)?)
        .execute(&self.pool)
        .await
        .with_context(|| format!("failed to insert publication {}", publication.slug))?;
        Ok(())
    }

    pub(super) async fn list_events_sql(
        &self,
        filter: &EventFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<EventPublic>> {
        let now_text = timestamp(now);
        let mut sql = String::from("SELECT data_json FROM events WHERE 1 = 1");
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
            .map(|row| decode_json(row, "data_json"))
            .collect()
    }

    pub(super) async fn event_by_slug_sql(&self, slug: &str) -> Result<Option<EventRecord>> {
        let row = sqlx::query(
            &self
                .q("SELECT id, connection_url, private_json, data_json FROM events WHERE slug = ?"),
        )
        .bind(slug)
        .fetch_optional(&self.pool)
        .await
        .context("failed to read event")?;
        let Some(row) = row else {
            return Ok(None);
        };
        let id: i64 = row.try_get("id")?;
        let mut public: EventPublic = decode_json(&row, "data_json")?;
        let quotas =
            sqlx::query(&self.q("SELECT key, capacity, taken FROM quotas WHERE event_id = ?"))
                .bind(id)
                .fetch_all(&self.pool)
                .await
                .context("failed to read seats")?;
        for quota in quotas {
            let seats = Seats {
                capacity: u32::try_from(quota.try_get::<i64, _>("capacity")?).unwrap_or_default(),
                taken: u32::try_from(quota.try_get::<i64, _>("taken")?).unwrap_or_default(),
            };
            public.availability.0.insert(quota.try_get("key")?, seats);
        }
        Ok(Some(EventRecord {
            id,
            public,
            connection_url: row.try_get("connection_url")?,
            private: decode_json(&row, "private_json")?,
        }))
    }

    pub(super) async fn list_publications_sql(&self) -> Result<Vec<Publication>> {
        let rows = sqlx::query("SELECT data_json FROM publications ORDER BY id DESC")
            .fetch_all(&self.pool)
            .await
            .context("failed to list publications")?;
        rows.iter()
            .map(|row| decode_json(row, "data_json"))
            .collect()
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
