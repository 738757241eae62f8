//! The one SQL store, for SQLite (the embedded default) and PostgreSQL.
//!
//! Both databases go through sqlx's `Any` driver, so every query is written
//! once: statements use `?` placeholders, rewritten to `$1, $2...` for
//! PostgreSQL by [`Dialect::sql`]. Timestamps are fixed-width UTC text (see
//! [`super::timestamp`]), declared `COLLATE "C"` on PostgreSQL, so they
//! compare as strings the same way on both. The few real differences
//! (connection settings, `FOR UPDATE SKIP LOCKED`) are in [`Dialect`].
//!
//! SQLite runs in WAL mode with `synchronous = NORMAL` (SQLite's advice for
//! WAL): an acknowledged commit survives any crash of the process; with
//! `PARVIS_SQLITE_SYNC=full` it also survives a power loss. Every write transaction starts with a write (the person
//! upsert), so it takes SQLite's write lock at once and never has to upgrade
//! a read lock, which is what makes concurrent SQLite transactions fail with
//! "database is locked".
//!
//! The queries are grouped by aggregate, one module each adding inherent
//! methods to [`SqlStore`]: `events` (events with their sessions and quotas,
//! publications), `registrations` (storing, changing, cancelling, address
//! confirmation and holds, answers), `seats` (quotas taken and freed,
//! waiting queues, promotion), `notices` (personal tokens, calendar
//! versions, reminders, re-sent links), `outbox` (queueing, claims,
//! deliveries, dead letters) and `maintenance` (backfill, purge, counts);
//! `accounts` and `registrants` (an event's registrants a page at a time,
//! for the back-office) implement the store's supertraits directly.
//! The one `impl Store for SqlStore` here delegates to them.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parvis_core::api::EventPublic;
use parvis_core::questions::Answer;
use parvis_core::registration::CheckedRegistration;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};

use super::{
    AddressConfirmed, Changed, Compose, DeadLetter, EventFilter, EventRecord, NewEvent, Origin,
    Registered, RegistrationRecord, StoreStats,
};
use crate::outbox::QueuedEmail;

/// Runs a write transaction again (up to three times) when the database
/// says it lost a race; every attempt starts afresh.
macro_rules! retrying {
    ($body:expr) => {{
        let mut attempt = 0;
        loop {
            match $body.await {
                Err(error) if attempt < 3 && $crate::store::sql::is_retryable(&error) => {
                    attempt += 1;
                    tracing::debug!(attempt, error = format!("{error:#}"), "transaction retried");
                    tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
                }
                other => break other,
            }
        }
    }};
}

// The aggregates' queries, one module each, declared after `retrying!`
// (macros are in scope from their definition on).
mod accounts;
mod attendance;
mod batch;
mod desk;
mod editor;
mod events;
mod feedback;
mod feeds;
mod invitations;
mod lettre;
mod maintenance;
mod notices;
mod outbox;
mod publications;
mod registrants;
mod registrations;
mod seats;

pub use batch::{BatchStats, batch_stats, log_batch_stats};
pub use registrations::person_upsert;
mod snapshot;

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite, one file.
    Sqlite,
    /// PostgreSQL, over the network.
    Postgres,
}

impl Dialect {
    /// An aggregate of the rows it runs over into one JSON array of arrays
    /// (`columns` each), as text, in `order`, `[]` for none: one row
    /// through sqlx's Any driver, which copies each row column by column,
    /// names included, and hands it over from SQLite's connection thread.
    pub fn json_rows(self, columns: &str, order: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_group_array(json_array({columns}) ORDER BY {order})"),
            Dialect::Postgres => format!(
                "CAST(COALESCE(json_agg(json_build_array({columns}) ORDER BY {order}), '[]') AS TEXT)"
            ),
        }
    }

    /// The text of `key` at the top of the JSON object `json` (a text
    /// column), `NULL` when it is missing.
    pub fn json_text(self, json: &str, key: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({json}, '$.{key}')"),
            Dialect::Postgres => format!("(CAST({json} AS json) ->> '{key}')"),
        }
    }

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
    /// How long personal links keep working after their event ends.
    token_retention: chrono::Duration,
    /// Registrations and feedback saves share transactions (group commit,
    /// `batch.rs`): on SQLite only.
    batch_writes: bool,
    batcher: std::sync::Arc<batch::Batcher>,
    /// The download key, once read (see `download_key_sql`).
    download_key: std::sync::Arc<tokio::sync::OnceCell<Vec<u8>>>,
    /// The events registrations are checked against, as last read.
    definitions: std::sync::Arc<events::Definitions>,
}

impl SqlStore {
    /// Opens (creating if needed) a SQLite file and runs its migrations.
    pub async fn open_sqlite(path: &Path) -> Result<Self> {
        Self::open_sqlite_with(path, false).await
    }

    /// Opens a SQLite file; `full_sync` makes every commit wait for the
    /// disk (`synchronous = FULL`), so acknowledged writes survive even a
    /// power loss. The default (`NORMAL`, SQLite's advice for WAL mode)
    /// survives any crash of the process, which the crash test proves, with
    /// faster commits (about 25 % more registrations per second on the
    /// bench machine).
    #[cfg(feature = "sqlite")]
    pub async fn open_sqlite_with(path: &Path, full_sync: bool) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            super::private_dir(dir).with_context(|| {
                format!("failed to create the data directory {}", dir.display())
            })?;
        }
        // The file is created readable by the server's user only; SQLite
        // gives its -wal and -shm files the same permissions.
        {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(path)
                .with_context(|| format!("failed to create {}", path.display()))?;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let store = Self::connect(&url, Dialect::Sqlite, 8, full_sync).await?;
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

    /// Built without SQLite (the Lambda function): refuses, naming the
    /// setting that chooses PostgreSQL.
    #[cfg(not(feature = "sqlite"))]
    pub async fn open_sqlite_with(path: &Path, _full_sync: bool) -> Result<Self> {
        bail!(
            "this build has no SQLite store, so it cannot open {}: set PARVIS_DATABASE_URL \
             to a postgres:// or postgresql:// address",
            path.display()
        )
    }

    /// Connects to PostgreSQL (`postgres://...`) and runs its migrations.
    pub async fn open_postgres(url: &str) -> Result<Self> {
        let store = Self::connect(url, Dialect::Postgres, 10, true).await?;
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

    async fn connect(url: &str, dialect: Dialect, max: u32, full_sync: bool) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let mut options = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(10));
        if dialect == Dialect::Sqlite {
            let pragmas = if full_sync {
                "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;"
            } else {
                "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;"
            };
            options = options.after_connect(move |connection, _| {
                Box::pin(async move {
                    connection.execute(pragmas).await?;
                    Ok(())
                })
            });
        }
        let pool = options
            .connect(url)
            .await
            .with_context(|| format!("failed to connect to the {dialect:?} database"))?;
        Ok(Self {
            pool,
            dialect,
            token_retention: chrono::Duration::days(90),
            // On PostgreSQL every statement is a round trip: one
            // connection working through a batch alone is slower than
            // concurrent transactions (measured in batch.rs's notes).
            batch_writes: dialect == Dialect::Sqlite,
            batcher: std::sync::Arc::default(),
            download_key: std::sync::Arc::default(),
            definitions: std::sync::Arc::default(),
        })
    }

    /// Personal links keep working this many days after their event ends.
    pub fn with_token_retention(mut self, days: u32) -> Self {
        self.token_retention = chrono::Duration::days(i64::from(days));
        self
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

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// Whether a database error is worth running the transaction again:
/// PostgreSQL serialization failures and deadlocks, SQLite's busy lock.
pub fn is_retryable(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<sqlx::Error>()
            .and_then(|error| error.as_database_error())
            .is_some_and(|db| {
                matches!(
                    db.code().as_deref(),
                    Some("40001" | "40P01" | "5" | "6" | "517" | "262")
                )
            })
    })
}

/// The trait, method by method, on the inherent methods of the aggregates'
/// modules: `name_sql` for the trait's `name` (a distinct name, since a
/// call to a missing inherent method of the same name would call the trait
/// method itself, forever), `name_once` for one attempt of a transaction
/// that `retrying!` runs again.
#[async_trait]
impl super::editor::EditorStore for SqlStore {
    async fn update_event(
        &self,
        event: &EventRecord,
        new: &NewEvent,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<Result<usize, parvis_core::api::FieldErrors>> {
        retrying!(self.update_event_once(event, new, compose, now))
    }

    async fn set_event_status(
        &self,
        event_id: i64,
        status: parvis_core::editor::EventStatus,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.set_event_status_sql(event_id, status, now).await
    }

    async fn cancel_event(
        &self,
        event: &EventRecord,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        retrying!(self.cancel_event_once(event, compose, now))
    }

    async fn delete_event(&self, event_id: i64) -> Result<bool> {
        self.delete_event_sql(event_id).await
    }

    async fn registration_counts(
        &self,
        event_id: i64,
    ) -> Result<super::editor::RegistrationCounts> {
        self.registration_counts_sql(event_id).await
    }

    async fn event_lines(
        &self,
        organisation_id: i64,
    ) -> Result<Vec<parvis_core::gestion::EventLine>> {
        self.event_lines_sql(organisation_id).await
    }
}

#[async_trait]
impl super::Store for SqlStore {
    async fn is_empty(&self) -> Result<bool> {
        self.is_empty_sql().await
    }

    async fn insert_event(&self, event: &NewEvent) -> Result<Option<i64>> {
        self.insert_event_sql(event).await
    }

    async fn list_events(
        &self,
        filter: &EventFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<EventPublic>> {
        self.list_events_sql(filter, now).await
    }

    async fn event_by_slug(&self, slug: &str) -> Result<Option<EventRecord>> {
        self.event_by_slug_sql(slug).await
    }

    async fn event_for_registration(
        &self,
        slug: &str,
        fresh: bool,
    ) -> Result<Option<std::sync::Arc<EventRecord>>> {
        self.event_for_registration_sql(slug, fresh).await
    }

    async fn register(
        &self,
        event: &EventRecord,
        registration: &CheckedRegistration,
        token: &str,
        origin: &Origin,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<Registered> {
        self.register_sql(event, registration, token, origin, compose, now)
            .await
    }

    async fn slug_of(&self, event_id: i64) -> Result<Option<String>> {
        self.slug_of_sql(event_id).await
    }

    async fn registration_by_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<RegistrationRecord>> {
        self.registration_by_token_sql(token_hash, now).await
    }

    async fn cancel(
        &self,
        event: &EventRecord,
        registration_id: i64,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        retrying!(self.cancel_once(event, registration_id, compose, now))
    }

    async fn confirm_address(
        &self,
        event: &EventRecord,
        registration_id: i64,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<AddressConfirmed> {
        self.confirm_address_sql(event, registration_id, compose, now)
            .await
    }

    async fn release_expired_holds(
        &self,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        self.release_expired_holds_sql(compose, now).await
    }

    async fn change_choices(
        &self,
        event: &EventRecord,
        registration_id: i64,
        tracks: &[String],
        sessions: &[usize],
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<Changed> {
        retrying!(self.change_choices_once(event, registration_id, tracks, sessions, compose, now))
    }

    async fn resend_links(
        &self,
        email_key: &str,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        self.resend_links_sql(email_key, compose, now).await
    }

    async fn answers_of(
        &self,
        registration_id: i64,
    ) -> Result<(BTreeMap<String, Answer>, Option<String>)> {
        self.answers_of_sql(registration_id).await
    }

    async fn set_answers(
        &self,
        registration_id: i64,
        answers: &BTreeMap<String, Answer>,
        accessibility_needs: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        self.set_answers_sql(registration_id, answers, accessibility_needs, now)
            .await
    }

    async fn queue_due_reminders(&self, compose: Compose<'_>, now: DateTime<Utc>) -> Result<usize> {
        self.queue_due_reminders_sql(compose, now).await
    }

    async fn claim_due_emails(
        &self,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<QueuedEmail>> {
        self.claim_due_emails_sql(now, lease, limit).await
    }

    async fn mark_sent(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        self.mark_sent_sql(id, now).await
    }

    async fn mark_sent_many(&self, ids: &[i64], now: DateTime<Utc>) -> Result<()> {
        self.mark_sent_many_sql(ids, now).await
    }

    async fn mark_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.mark_failed_sql(id, error, retry_at, now).await
    }

    async fn dead_letters(&self, limit: u32) -> Result<Vec<DeadLetter>> {
        self.dead_letters_sql(limit).await
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64> {
        self.purge_expired_sql(now).await
    }

    async fn stats(&self) -> Result<StoreStats> {
        self.stats_sql().await
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
