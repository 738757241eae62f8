//! The SQLite store: the embedded default, one file under the data directory.
//!
//! WAL mode lets readers proceed while one writer commits. Every write
//! transaction starts with a write (the person upsert), so it takes the write
//! lock at once and never has to upgrade a read lock, which is what makes
//! concurrent SQLite transactions fail with "database is locked".
//! `synchronous = FULL` makes every acknowledged commit durable on disk.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parvis_core::api::{EventPublic, Publication, When};
use parvis_core::registration::NewRegistration;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Row, SqlitePool};

use super::{EventFilter, EventRecord, NewEvent, RegisterOutcome, Store, StoreStats, timestamp};
use crate::mail::{OutgoingEmail, QueuedEmail};

/// A SQLite database behind a connection pool.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and runs the migrations.
    pub async fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| {
                format!("failed to create the data directory {}", dir.display())
            })?;
        }
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .with_context(|| format!("failed to open the database {}", path.display()))?;
        sqlx::migrate!("migrations/sqlite")
            .run(&pool)
            .await
            .context("failed to run the SQLite migrations")?;
        Ok(Self { pool })
    }
}

fn event_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<EventRecord> {
    let data: String = row.try_get("data_json")?;
    Ok(EventRecord {
        id: row.try_get("id")?,
        public: serde_json::from_str(&data).context("stored event is not valid JSON")?,
        connection_url: row.try_get("connection_url")?,
    })
}

#[async_trait]
impl Store for SqliteStore {
    async fn is_empty(&self) -> Result<bool> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
            .fetch_one(&self.pool)
            .await
            .context("failed to count events")?;
        Ok(count == 0)
    }

    async fn insert_event(&self, event: &NewEvent) -> Result<i64> {
        let public = &event.public;
        let first = public
            .sessions
            .first()
            .context("an event needs a session")?;
        let last = public.sessions.last().context("an event needs a session")?;
        let search =
            parvis_core::search::normalise(&format!("{} {}", public.title, public.summary));
        let id = sqlx::query_scalar(
            "INSERT INTO events (slug, kind, starts_at, ends_at, search_text, connection_url, data_json, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&public.slug)
        .bind(public.kind.as_str())
        .bind(timestamp(first.starts_at.with_timezone(&Utc)))
        .bind(timestamp(last.ends_at.with_timezone(&Utc)))
        .bind(search)
        .bind(&event.connection_url)
        .bind(serde_json::to_string(public)?)
        .bind(timestamp(Utc::now()))
        .fetch_one(&self.pool)
        .await
        .with_context(|| format!("failed to insert event {}", public.slug))?;
        Ok(id)
    }

    async fn insert_publication(&self, publication: &Publication) -> Result<()> {
        sqlx::query("INSERT INTO publications (slug, data_json) VALUES (?, ?)")
            .bind(&publication.slug)
            .bind(serde_json::to_string(publication)?)
            .execute(&self.pool)
            .await
            .with_context(|| format!("failed to insert publication {}", publication.slug))?;
        Ok(())
    }

    async fn list_events(
        &self,
        filter: &EventFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<EventPublic>> {
        let now_text = timestamp(now);
        let mut query = QueryBuilder::new("SELECT data_json, ends_at > ");
        query
            .push_bind(&now_text)
            .push(" AS upcoming FROM events WHERE 1 = 1");
        match filter.when {
            Some(When::Upcoming) => {
                query.push(" AND ends_at > ").push_bind(&now_text);
            }
            Some(When::Past) => {
                query.push(" AND ends_at <= ").push_bind(&now_text);
            }
            None => {}
        }
        if let Some(kind) = filter.kind {
            query.push(" AND kind = ").push_bind(kind.as_str());
        }
        for term in &filter.terms {
            // Terms are normalised to letters, digits and spaces: no LIKE
            // wildcard can slip through.
            query
                .push(" AND search_text LIKE ")
                .push_bind(format!("%{term}%"));
        }
        query.push(
            " ORDER BY upcoming DESC, CASE WHEN upcoming THEN starts_at END ASC, starts_at DESC",
        );
        let rows = query
            .build()
            .fetch_all(&self.pool)
            .await
            .context("failed to list events")?;
        rows.iter()
            .map(|row| {
                let data: String = row.try_get("data_json")?;
                serde_json::from_str(&data).context("stored event is not valid JSON")
            })
            .collect()
    }

    async fn event_by_slug(&self, slug: &str) -> Result<Option<EventRecord>> {
        let row = sqlx::query("SELECT id, connection_url, data_json FROM events WHERE slug = ?")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await
            .context("failed to read event")?;
        row.as_ref().map(event_from_row).transpose()
    }

    async fn list_publications(&self) -> Result<Vec<Publication>> {
        let rows = sqlx::query("SELECT data_json FROM publications ORDER BY id DESC")
            .fetch_all(&self.pool)
            .await
            .context("failed to list publications")?;
        rows.iter()
            .map(|row| {
                let data: String = row.try_get("data_json")?;
                serde_json::from_str(&data).context("stored publication is not valid JSON")
            })
            .collect()
    }

    async fn register(
        &self,
        event_id: i64,
        registration: &NewRegistration,
        token_hash: &str,
        email: &OutgoingEmail,
        now: DateTime<Utc>,
    ) -> Result<RegisterOutcome> {
        let now = timestamp(now);
        let mut tx = self
            .pool
            .begin()
            .await
            .context("failed to begin registration")?;
        // The first statement writes, so this transaction holds the write
        // lock from the start. An existing person is kept as first entered:
        // anyone may type someone else's address, so a later form must not
        // overwrite their name.
        let person_id: i64 = sqlx::query_scalar(
            "INSERT INTO people (email_key, email, first_name, last_name, organisation, role, territory, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (email_key) DO UPDATE SET email_key = excluded.email_key
             RETURNING id",
        )
        .bind(registration.email.key())
        .bind(registration.email.as_str())
        .bind(registration.first_name.as_str())
        .bind(registration.last_name.as_str())
        .bind(registration.organisation.as_str())
        .bind(registration.role.as_str())
        .bind(registration.territory.as_ref().map(|t| t.as_str()))
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .context("failed to store the person")?;
        let created: Option<i64> = sqlx::query_scalar(
            "INSERT INTO registrations (event_id, person_id, status, token_hash, consent_at, created_at, updated_at)
             VALUES (?, ?, 'confirmed', ?, ?, ?, ?)
             ON CONFLICT (event_id, person_id) DO NOTHING
             RETURNING id",
        )
        .bind(event_id)
        .bind(person_id)
        .bind(token_hash)
        .bind(&now)
        .bind(&now)
        .bind(&now)
        .fetch_optional(&mut *tx)
        .await
        .context("failed to store the registration")?;
        let (registration_id, outcome) = match created {
            Some(id) => (id, RegisterOutcome::Created),
            None => {
                let id: i64 = sqlx::query_scalar(
                    "UPDATE registrations SET token_hash = ?, updated_at = ?
                     WHERE event_id = ? AND person_id = ? RETURNING id",
                )
                .bind(token_hash)
                .bind(&now)
                .bind(event_id)
                .bind(person_id)
                .fetch_one(&mut *tx)
                .await
                .context("failed to renew the registration token")?;
                (id, RegisterOutcome::AlreadyRegistered)
            }
        };
        sqlx::query(
            "INSERT INTO outbox (message_id, registration_id, recipient, subject, body_text, ics, console_note, created_at, next_attempt_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&email.message_id)
        .bind(registration_id)
        .bind(&email.recipient)
        .bind(&email.subject)
        .bind(&email.body_text)
        .bind(&email.ics)
        .bind(&email.console_note)
        .bind(&now)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .context("failed to queue the confirmation email")?;
        tx.commit()
            .await
            .context("failed to commit the registration")?;
        Ok(outcome)
    }

    async fn due_emails(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<QueuedEmail>> {
        let rows = sqlx::query(
            "SELECT id, message_id, recipient, subject, body_text, ics, console_note, attempts
             FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= ?
             ORDER BY id LIMIT ?",
        )
        .bind(timestamp(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .context("failed to read the outbox")?;
        rows.iter()
            .map(|row| {
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
                    },
                })
            })
            .collect()
    }

    async fn mark_sent(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL,
                    body_text = '', ics = NULL, console_note = ''
             WHERE id = ?",
        )
        .bind(timestamp(now))
        .bind(id)
        .execute(&self.pool)
        .await
        .context("failed to mark an email as sent")?;
        Ok(())
    }

    async fn mark_failed(&self, id: i64, error: &str, retry_at: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
        )
        .bind(error)
        .bind(timestamp(retry_at))
        .bind(id)
        .execute(&self.pool)
        .await
        .context("failed to record a failed delivery")?;
        Ok(())
    }

    async fn stats(&self) -> Result<StoreStats> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM people) AS people,
                    (SELECT COUNT(*) FROM registrations) AS registrations,
                    (SELECT COUNT(*) FROM outbox) AS emails,
                    (SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL) AS pending",
        )
        .fetch_one(&self.pool)
        .await
        .context("failed to count stored rows")?;
        Ok(StoreStats {
            people: row.try_get("people")?,
            registrations: row.try_get("registrations")?,
            emails: row.try_get("emails")?,
            pending_emails: row.try_get("pending")?,
        })
    }

    async fn token_matches(&self, slug: &str, token_hash: &str) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT r.id FROM registrations r JOIN events e ON e.id = r.event_id
             WHERE e.slug = ? AND r.token_hash = ?",
        )
        .bind(slug)
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .context("failed to look up a token")?;
        Ok(found.is_some())
    }
}
