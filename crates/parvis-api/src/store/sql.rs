//! The one SQL store, for SQLite (the embedded default) and PostgreSQL.
//!
//! Both databases go through sqlx's `Any` driver, so every query is written
//! once: statements use `?` placeholders, rewritten to `$1, $2...` for
//! PostgreSQL by [`Dialect::sql`]. Timestamps are fixed-width UTC text (see
//! [`super::timestamp`]), declared `COLLATE "C"` on PostgreSQL, so they
//! compare as strings the same way on both. The few real differences
//! (connection settings, `FOR UPDATE SKIP LOCKED`) are in [`Dialect`].
//!
//! SQLite runs in WAL mode with `synchronous = FULL`: every acknowledged
//! commit is on disk. Every write transaction starts with a write (the person
//! upsert), so it takes SQLite's write lock at once and never has to upgrade
//! a read lock, which is what makes concurrent SQLite transactions fail with
//! "database is locked".

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parvis_core::api::{EventPublic, Publication, When};
use parvis_core::registration::NewRegistration;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};

use super::{EventFilter, EventRecord, NewEvent, RegisterOutcome, Store, StoreStats, timestamp};
use crate::mail::{OutgoingEmail, QueuedEmail};

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite, one file.
    Sqlite,
    /// PostgreSQL, over the network.
    Postgres,
}

impl Dialect {
    /// Rewrites `?` placeholders for the database (no `?` appears in
    /// Parvis's SQL other than as a placeholder).
    pub fn sql(self, query: &str) -> String {
        match self {
            Dialect::Sqlite => query.to_owned(),
            Dialect::Postgres => {
                let mut out = String::with_capacity(query.len() + 8);
                let mut n = 0;
                for c in query.chars() {
                    if c == '?' {
                        n += 1;
                        out.push('$');
                        out.push_str(&n.to_string());
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        }
    }
}

/// A SQL database behind a connection pool.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    dialect: Dialect,
}

impl SqlStore {
    /// Opens (creating if needed) a SQLite file and runs its migrations.
    pub async fn open_sqlite(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| {
                format!("failed to create the data directory {}", dir.display())
            })?;
        }
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let store = Self::connect(&url, Dialect::Sqlite, 8).await?;
        // WAL persists in the file; set it once, outside any transaction.
        sqlx::query("PRAGMA journal_mode = WAL")
            .fetch_all(&store.pool)
            .await
            .context("failed to switch SQLite to WAL mode")?;
        sqlx::migrate!("migrations/sqlite")
            .run(&store.pool)
            .await
            .context("failed to run the SQLite migrations")?;
        Ok(store)
    }

    /// Connects to PostgreSQL (`postgres://...`) and runs its migrations.
    pub async fn open_postgres(url: &str) -> Result<Self> {
        let store = Self::connect(url, Dialect::Postgres, 10).await?;
        sqlx::migrate!("migrations/postgres")
            .run(&store.pool)
            .await
            .context("failed to run the PostgreSQL migrations")?;
        Ok(store)
    }

    /// Opens the store a `PARVIS_DATABASE_URL` names: `postgres://` or
    /// `postgresql://` for PostgreSQL, `sqlite://path` for a SQLite file.
    pub async fn open_url(url: &str) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::open_postgres(url).await
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            Self::open_sqlite(Path::new(path.split('?').next().unwrap_or(path))).await
        } else {
            bail!("PARVIS_DATABASE_URL must start with postgres://, postgresql:// or sqlite://")
        }
    }

    async fn connect(url: &str, dialect: Dialect, max: u32) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let mut options = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(10));
        if dialect == Dialect::Sqlite {
            options = options.after_connect(|connection, _| {
                Box::pin(async move {
                    connection
                        .execute(
                            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                        )
                        .await?;
                    Ok(())
                })
            });
        }
        let pool = options
            .connect(url)
            .await
            .with_context(|| format!("failed to connect to the {dialect:?} database"))?;
        Ok(Self { pool, dialect })
    }

    /// The database behind this store.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    fn q(&self, sql: &str) -> String {
        self.dialect.sql(sql)
    }
}

fn decode_json<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> Result<T> {
    let data: String = row.try_get(column)?;
    serde_json::from_str(&data).with_context(|| format!("stored {column} is not valid JSON"))
}

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
        },
    })
}

#[async_trait]
impl Store for SqlStore {
    async fn is_empty(&self) -> Result<bool> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
            .fetch_one(&self.pool)
            .await
            .context("failed to count events")?;
        Ok(count == 0)
    }

    async fn insert_event(&self, event: &NewEvent) -> Result<Option<i64>> {
        let public = &event.public;
        let first = public
            .sessions
            .first()
            .context("an event needs a session")?;
        let last = public.sessions.last().context("an event needs a session")?;
        let search =
            parvis_core::search::normalise(&format!("{} {}", public.title, public.summary));
        // Replicas starting together may seed at the same time: the slug
        // decides, the second insert does nothing.
        let id = sqlx::query_scalar(&self.q(
            "INSERT INTO events (slug, kind, starts_at, ends_at, search_text, connection_url, data_json, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (slug) DO NOTHING RETURNING id",
        ))
        .bind(&public.slug)
        .bind(public.kind.as_str())
        .bind(timestamp(first.starts_at.with_timezone(&Utc)))
        .bind(timestamp(last.ends_at.with_timezone(&Utc)))
        .bind(search)
        .bind(&event.connection_url)
        .bind(serde_json::to_string(public)?)
        .bind(timestamp(Utc::now()))
        .fetch_optional(&self.pool)
        .await
        .with_context(|| format!("failed to insert event {}", public.slug))?;
        Ok(id)
    }

    async fn insert_publication(&self, publication: &Publication) -> Result<()> {
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

    async fn list_events(
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

    async fn event_by_slug(&self, slug: &str) -> Result<Option<EventRecord>> {
        let row =
            sqlx::query(&self.q("SELECT id, connection_url, data_json FROM events WHERE slug = ?"))
                .bind(slug)
                .fetch_optional(&self.pool)
                .await
                .context("failed to read event")?;
        row.map(|row| {
            Ok(EventRecord {
                id: row.try_get("id")?,
                public: decode_json(&row, "data_json")?,
                connection_url: row.try_get("connection_url")?,
            })
        })
        .transpose()
    }

    async fn list_publications(&self) -> Result<Vec<Publication>> {
        let rows = sqlx::query("SELECT data_json FROM publications ORDER BY id DESC")
            .fetch_all(&self.pool)
            .await
            .context("failed to list publications")?;
        rows.iter()
            .map(|row| decode_json(row, "data_json"))
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
        // The first statement writes, so on SQLite this transaction holds the
        // write lock from the start. An existing person is kept as first
        // entered: anyone may type someone else's address, so a later form
        // must not overwrite their name.
        let person_id: i64 = sqlx::query_scalar(&self.q(
            "INSERT INTO people (email_key, email, first_name, last_name, organisation, role, territory, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (email_key) DO UPDATE SET email_key = excluded.email_key
             RETURNING id",
        ))
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
        let created: Option<i64> = sqlx::query_scalar(&self.q(
            "INSERT INTO registrations (event_id, person_id, status, token_hash, consent_at, created_at, updated_at)
             VALUES (?, ?, 'confirmed', ?, ?, ?, ?)
             ON CONFLICT (event_id, person_id) DO NOTHING
             RETURNING id",
        ))
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
                    &self.q("UPDATE registrations SET token_hash = ?, updated_at = ?
                     WHERE event_id = ? AND person_id = ? RETURNING id"),
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
        sqlx::query(&self.q(
            "INSERT INTO outbox (message_id, registration_id, recipient, subject, body_text, ics, console_note, created_at, next_attempt_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ))
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

    async fn claim_due_emails(
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
                 WHERE sent_at IS NULL AND next_attempt_at <= ?
                   AND (claimed_until IS NULL OR claimed_until <= ?)
                 ORDER BY id LIMIT ?{lock})
             RETURNING id, message_id, recipient, subject, body_text, ics, console_note, attempts"
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
        claimed.sort_by_key(|email| email.id);
        Ok(claimed)
    }

    async fn mark_sent(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(&self.q(
            "UPDATE outbox SET sent_at = ?, claimed_until = NULL, last_error = NULL,
                    body_text = '', ics = NULL, console_note = ''
             WHERE id = ?",
        ))
        .bind(timestamp(now))
        .bind(id)
        .execute(&self.pool)
        .await
        .context("failed to mark an email as sent")?;
        Ok(())
    }

    async fn mark_failed(&self, id: i64, error: &str, retry_at: DateTime<Utc>) -> Result<()> {
        sqlx::query(&self.q(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, claimed_until = NULL
             WHERE id = ?",
        ))
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
        let found: Option<i64> = sqlx::query_scalar(&self.q(
            "SELECT r.id FROM registrations r JOIN events e ON e.id = r.event_id
             WHERE e.slug = ? AND r.token_hash = ?",
        ))
        .bind(slug)
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .context("failed to look up a token")?;
        Ok(found.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_only() {
        let sql = "SELECT 1 WHERE a = ? AND b = ?";
        assert_eq!(Dialect::Sqlite.sql(sql), sql);
        assert_eq!(
            Dialect::Postgres.sql(sql),
            "SELECT 1 WHERE a = $1 AND b = $2"
        );
    }
}
