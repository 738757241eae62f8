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

use std::collections::BTreeMap;

use parvis_core::questions::Answer;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parvis_core::api::{EventPublic, Publication, RegistrationStatus, Seats, When, quota};
use parvis_core::ics::Method;
use parvis_core::registration::CheckedRegistration;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};

use super::{
    AddressConfirmed, Changed, Compose, DeadLetter, EventFilter, EventRecord, MAX_RESENDS_PER_DAY,
    NewEvent, Notice, NoticeKind, Origin, RegisterOutcome, Registered, RegistrationRecord, Status,
    Store, StoreStats, timestamp,
};
use crate::outbox::{OutgoingEmail, QueuedEmail};

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
    /// How long personal links keep working after their event ends.
    token_retention: chrono::Duration,
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
        })
    }

    /// Personal links keep working this many days after their event ends.
    pub fn with_token_retention(mut self, days: u32) -> Self {
        self.token_retention = chrono::Duration::days(i64::from(days));
        self
    }

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
            let event: EventPublic = decode_json(&row, "data_json")?;
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
            let event: EventPublic = decode_json(&row, "data_json")?;
            let text = parvis_core::search::event_text(&event);
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
            let ends_at = super::parse_timestamp(&event.try_get::<String, _>("ends_at")?)?;
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
            sender_name: row.try_get("sender_name")?,
            reply_to: row.try_get("reply_to")?,
        },
    })
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// Every quota a registration needs, limited or not, sorted: the event,
/// each chosen workshop and, when days are chosen, each chosen day.
fn wish(event: &EventPublic, tracks: &[String], sessions: &[usize]) -> Vec<String> {
    let mut keys = vec![quota::EVENT.to_owned()];
    keys.extend(tracks.iter().map(|id| quota::track(id)));
    if event.day_selection {
        keys.extend(sessions.iter().map(|&i| quota::session(i)));
    }
    keys.sort();
    keys.dedup();
    keys
}

/// The queue of a wish: people waiting for exactly the same quotas.
fn queue_key(wish: &[String]) -> String {
    wish.join("|")
}

/// The quota keys a registration takes, sorted so that concurrent
/// transactions lock quota rows in the same order (no deadlock).
/// Only limited quotas (those with a row, as the event's availability
/// lists them) are kept: an event without seat limits costs no statement.
fn quota_keys(event: &EventPublic, tracks: &[String], sessions: &[usize]) -> Vec<String> {
    let mut keys = wish(event, tracks, sessions);
    keys.retain(|key| event.availability.0.contains_key(key));
    keys
}

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

/// Runs a write transaction again (up to three times) when the database
/// says it lost a race; every attempt starts afresh.
macro_rules! retrying {
    ($body:expr) => {{
        let mut attempt = 0;
        loop {
            match $body.await {
                Err(error) if attempt < 3 && is_retryable(&error) => {
                    attempt += 1;
                    tracing::debug!(attempt, error = format!("{error:#}"), "transaction retried");
                    tokio::time::sleep(Duration::from_millis(5 * attempt)).await;
                }
                other => break other,
            }
        }
    }};
}

const REGISTRATION_COLUMNS: &str = "r.id, r.event_id, r.status, r.tracks_json, r.calendar_sequence, p.first_name, p.last_name, p.email";

impl SqlStore {
    /// Takes one seat in each quota, or none: `false` when one is full.
    async fn take_seats(&self, tx: &mut Tx<'_>, event_id: i64, keys: &[String]) -> Result<bool> {
        let mut taken: Vec<&String> = Vec::new();
        for key in keys {
            let done = sqlx::query(&self.q(
                "UPDATE quotas SET taken = taken + 1 WHERE event_id = ? AND key = ? AND taken < capacity",
            ))
            .bind(event_id)
            .bind(key)
            .execute(&mut **tx)
            .await
            .context("failed to take a seat")?
            .rows_affected();
            if done == 0 {
                let limited: Option<i64> = sqlx::query_scalar(
                    &self.q("SELECT capacity FROM quotas WHERE event_id = ? AND key = ?"),
                )
                .bind(event_id)
                .bind(key)
                .fetch_optional(&mut **tx)
                .await?;
                if limited.is_some() {
                    self.release_seats(
                        tx,
                        event_id,
                        &taken.into_iter().cloned().collect::<Vec<_>>(),
                    )
                    .await?;
                    return Ok(false);
                }
            } else {
                taken.push(key);
            }
        }
        Ok(true)
    }

    async fn release_seats(&self, tx: &mut Tx<'_>, event_id: i64, keys: &[String]) -> Result<()> {
        for key in keys {
            sqlx::query(&self.q(
                "UPDATE quotas SET taken = taken - 1 WHERE event_id = ? AND key = ? AND taken > 0",
            ))
            .bind(event_id)
            .bind(key)
            .execute(&mut **tx)
            .await
            .context("failed to free a seat")?;
        }
        Ok(())
    }

    async fn rank(&self, tx: &mut Tx<'_>, event_id: i64, registration_id: i64) -> Result<u32> {
        // The rank within its own queue: people waiting for the same
        // workshops and days (each has its own waiting list), counted on the
        // queue index.
        let rank: i64 = sqlx::query_scalar(&self.q("SELECT COUNT(*) FROM registrations w
             WHERE w.event_id = ? AND w.status = 'waitlisted'
               AND w.queue_key = (SELECT queue_key FROM registrations WHERE id = ?)
               AND w.id <= ?"))
        .bind(event_id)
        .bind(registration_id)
        .bind(registration_id)
        .fetch_one(&mut **tx)
        .await?;
        Ok(u32::try_from(rank).unwrap_or(u32::MAX))
    }

    /// Records that someone waits in this queue of the event.
    async fn add_queue(&self, tx: &mut Tx<'_>, event_id: i64, key: &str) -> Result<()> {
        sqlx::query(&self.q(
            "INSERT INTO waitlist_queues (event_id, queue_key) VALUES (?, ?) ON CONFLICT DO NOTHING",
        ))
        .bind(event_id)
        .bind(key)
        .execute(&mut **tx)
        .await
        .context("failed to record a waiting queue")?;
        Ok(())
    }

    /// Locks every quota row of the event, in key order, before a
    /// transaction that frees and takes seats in several quotas (a
    /// cancellation with promotions, a change of choices): all its later
    /// updates touch rows it already holds, and every transaction locks in
    /// the same order, so none can deadlock. SQLite's single writer needs
    /// nothing.
    async fn lock_quotas(&self, tx: &mut Tx<'_>, event_id: i64) -> Result<()> {
        if self.dialect == Dialect::Postgres {
            sqlx::query(
                &self.q("SELECT key FROM quotas WHERE event_id = ? ORDER BY key FOR UPDATE"),
            )
            .bind(event_id)
            .fetch_all(&mut **tx)
            .await
            .context("failed to lock the seats")?;
        }
        Ok(())
    }

    async fn load_registration(&self, tx: &mut Tx<'_>, id: i64) -> Result<RegistrationRecord> {
        let mut record = self.load_registration_unranked(tx, id).await?;
        if let Status::Waitlisted { .. } = record.status {
            record.status = Status::Waitlisted {
                rank: self.rank(tx, record.event_id, id).await?,
            };
        }
        Ok(record)
    }

    /// A registration without its waiting-list rank (which costs a count).
    async fn load_registration_unranked(
        &self,
        tx: &mut Tx<'_>,
        id: i64,
    ) -> Result<RegistrationRecord> {
        let row = sqlx::query(&self.q(&format!(
            "SELECT {REGISTRATION_COLUMNS} FROM registrations r JOIN people p ON p.id = r.person_id WHERE r.id = ?"
        )))
        .bind(id)
        .fetch_one(&mut **tx)
        .await
        .context("failed to read a registration")?;
        let mut record = record_from_row(&row)?;
        record.sessions = self.sessions_of(&mut **tx, id).await?;
        Ok(record)
    }

    async fn sessions_of<'e, E>(&self, executor: E, registration_id: i64) -> Result<Vec<usize>>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let days: Vec<i64> = sqlx::query_scalar(
            &self.q("SELECT idx FROM registration_sessions WHERE registration_id = ? ORDER BY idx"),
        )
        .bind(registration_id)
        .fetch_all(executor)
        .await
        .context("failed to read chosen days")?;
        Ok(days
            .into_iter()
            .map(|d| usize::try_from(d).unwrap_or_default())
            .collect())
    }

    async fn set_sessions(
        &self,
        tx: &mut Tx<'_>,
        registration_id: i64,
        sessions: &[usize],
        replace: bool,
    ) -> Result<()> {
        if replace {
            sqlx::query(&self.q("DELETE FROM registration_sessions WHERE registration_id = ?"))
                .bind(registration_id)
                .execute(&mut **tx)
                .await?;
        }
        if sessions.is_empty() {
            return Ok(());
        }
        // One statement for all the days.
        let values = vec!["(?, ?)"; sessions.len()].join(", ");
        let sql = self.q(&format!(
            "INSERT INTO registration_sessions (registration_id, idx) VALUES {values}"
        ));
        let mut query = sqlx::query(&sql);
        for &idx in sessions {
            query = query.bind(registration_id).bind(idx as i64);
        }
        query
            .execute(&mut **tx)
            .await
            .context("failed to store the chosen days")?;
        Ok(())
    }

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

    async fn add_token(
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

    async fn queue(
        &self,
        tx: &mut Tx<'_>,
        registration_id: i64,
        notice: &str,
        email: &OutgoingEmail,
        now: &str,
    ) -> Result<()> {
        sqlx::query(&self.q(
            "INSERT INTO outbox (message_id, registration_id, notice, recipient, subject, body_text, ics, console_note, sender_name, reply_to, created_at, next_attempt_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ))
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
        .bind(now)
        .bind(now)
        .execute(&mut **tx)
        .await
        .context("failed to queue an email")?;
        Ok(())
    }

    async fn set_status(
        &self,
        tx: &mut Tx<'_>,
        registration_id: i64,
        status: RegistrationStatus,
        now: &str,
    ) -> Result<()> {
        sqlx::query(&self.q("UPDATE registrations SET status = ?, updated_at = ? WHERE id = ?"))
            .bind(status.as_str())
            .bind(now)
            .bind(registration_id)
            .execute(&mut **tx)
            .await
            .context("failed to update a registration")?;
        Ok(())
    }

    /// Gives a registration that just got its seats its status (confirmed,
    /// or pending its address for a while); returns it.
    async fn set_seated(
        &self,
        tx: &mut Tx<'_>,
        event: &EventRecord,
        registration_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Status> {
        let status = seated(event);
        sqlx::query(
            &self.q(
                "UPDATE registrations SET status = ?, hold_until = ?, updated_at = ? WHERE id = ?",
            ),
        )
        .bind(status.as_str())
        .bind(hold_until(status, &now))
        .bind(timestamp(now))
        .bind(registration_id)
        .execute(&mut **tx)
        .await
        .context("failed to seat a registration")?;
        Ok(status.into())
    }

    /// Queues the email a notice calls for, with a fresh personal token.
    async fn notify(
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
    async fn next_calendar(
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
    async fn record_calendar(
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

    /// Locks an active registration for a change and returns its status;
    /// `None` when it is cancelled. Writing first takes SQLite's write lock
    /// at once; on PostgreSQL the row lock serialises concurrent changes.
    async fn lock_active(
        &self,
        tx: &mut Tx<'_>,
        registration_id: i64,
        now: &str,
    ) -> Result<Option<RegistrationStatus>> {
        let status: Option<String> = sqlx::query_scalar(&self.q(
            "UPDATE registrations SET updated_at = ? WHERE id = ? AND status <> 'cancelled' RETURNING status",
        ))
        .bind(now)
        .bind(registration_id)
        .fetch_optional(&mut **tx)
        .await?;
        status.as_deref().map(parse_status).transpose()
    }

    /// Gives freed seats to whoever waits for them, in order of arrival.
    ///
    /// The cost follows the seats freed, not the length of the waiting
    /// list: each round reads the event's few quotas and queues, picks the
    /// oldest registration among the queues whose every quota has room (one
    /// indexed look-up per queue), and promotes it; it stops as soon as no
    /// queue can be served. The caller holds the event's quota rows
    /// ([`Self::lock_quotas`]).
    async fn promote(
        &self,
        tx: &mut Tx<'_>,
        event: &EventRecord,
        compose: Compose<'_>,
        now: &str,
    ) -> Result<()> {
        let queues: Vec<String> = sqlx::query_scalar(
            &self.q("SELECT queue_key FROM waitlist_queues WHERE event_id = ? ORDER BY queue_key"),
        )
        .bind(event.id)
        .fetch_all(&mut **tx)
        .await?;
        if queues.is_empty() {
            return Ok(());
        }
        loop {
            let room: std::collections::HashMap<String, i64> = sqlx::query(
                &self.q("SELECT key, capacity - taken AS room FROM quotas WHERE event_id = ?"),
            )
            .bind(event.id)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|row| Ok((row.try_get("key")?, row.try_get("room")?)))
            .collect::<Result<_>>()?;
            let mut next: Option<i64> = None;
            for queue in &queues {
                let open = queue
                    .split('|')
                    .all(|key| room.get(key).is_none_or(|&left| left > 0));
                if !open {
                    continue;
                }
                let first: Option<i64> = sqlx::query_scalar(&self.q("SELECT id FROM registrations
                     WHERE event_id = ? AND status = 'waitlisted' AND queue_key = ?
                     ORDER BY id LIMIT 1"))
                .bind(event.id)
                .bind(queue)
                .fetch_optional(&mut **tx)
                .await?;
                next = match (next, first) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            let Some(id) = next else {
                return Ok(());
            };
            let record = self.load_registration_unranked(tx, id).await?;
            let keys = quota_keys(&event.public, &record.tracks, &record.sessions);
            if !self.take_seats(tx, event.id, &keys).await? {
                // The quotas said there was room; only an event whose seats
                // were edited meanwhile gets here. Nobody else can be served.
                return Ok(());
            }
            let status = self
                .set_seated(tx, event, id, super::parse_timestamp(now)?)
                .await?;
            let record = RegistrationRecord { status, ..record };
            self.notify(tx, event, &record, NoticeKind::Promoted, compose, now)
                .await?;
        }
    }
}

impl SqlStore {
    #[allow(clippy::too_many_arguments)]
    async fn register_once(
        &self,
        event: &EventRecord,
        registration: &CheckedRegistration,
        token: &str,
        origin: &Origin,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<Registered> {
        let day_ago = timestamp(now - chrono::Duration::days(1));
        let hour_ago = timestamp(now - chrono::Duration::hours(1));
        let now_at = now;
        let now = timestamp(now);
        let person = &registration.person;
        let mut tx = self
            .pool
            .begin()
            .await
            .context("failed to begin registration")?;
        // The first statement writes, so on SQLite this transaction holds the
        // write lock from the start. An existing person is kept as first
        // entered: anyone may type someone else's address, so a later form
        // must not rename them, and every email greets them by the name
        // stored, never by the one just typed.
        let stored = sqlx::query(&self.q(
            "INSERT INTO people (email_key, email, first_name, last_name, organisation, role, territory, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (email_key) DO UPDATE SET email_key = excluded.email_key
             RETURNING id, email, first_name, last_name",
        ))
        .bind(person.email.key())
        .bind(person.email.as_str())
        .bind(person.first_name.as_str())
        .bind(person.last_name.as_str())
        .bind(person.organisation.as_ref().map_or("", parvis_core::text::ShortText::as_str))
        .bind(person.role.as_ref().map_or("", parvis_core::text::ShortText::as_str))
        .bind(person.territory.as_ref().map(|t| t.as_str()))
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .context("failed to store the person")?;
        let person_id: i64 = stored.try_get("id")?;
        let previous: Option<(i64, String)> = sqlx::query_as(
            &self.q("SELECT id, status FROM registrations WHERE event_id = ? AND person_id = ?"),
        )
        .bind(event.id)
        .bind(person_id)
        .fetch_optional(&mut *tx)
        .await
        .context("failed to look for an earlier registration")?;
        let previous = previous
            .map(|(id, status)| Ok::<_, anyhow::Error>((id, parse_status(&status)?)))
            .transpose()?;
        let (id, existing, fresh_status) = match previous {
            Some((id, status)) if status != RegistrationStatus::Cancelled => (id, true, None),
            previous => {
                // A new registration, or a cancelled one coming back: it
                // takes seats (or a place in the queue) like a new one, and
                // counts against the client's hourly cap for this event.
                if origin.hourly_cap > 0 {
                    let recent: i64 =
                        sqlx::query_scalar(&self.q("SELECT COUNT(*) FROM registration_clients
                         WHERE event_id = ? AND client_hash = ? AND created_at > ?"))
                        .bind(event.id)
                        .bind(&origin.client_hash)
                        .bind(&hour_ago)
                        .fetch_one(&mut *tx)
                        .await?;
                    if recent >= i64::from(origin.hourly_cap) {
                        tx.rollback().await?;
                        return Ok(Registered::TooManyFromClient);
                    }
                    sqlx::query(&self.q(
                        "INSERT INTO registration_clients (event_id, client_hash, created_at) VALUES (?, ?, ?)",
                    ))
                    .bind(event.id)
                    .bind(&origin.client_hash)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
                }
                let keys = quota_keys(&event.public, &registration.tracks, &registration.sessions);
                let queue = queue_key(&wish(
                    &event.public,
                    &registration.tracks,
                    &registration.sessions,
                ));
                let status = if self.take_seats(&mut tx, event.id, &keys).await? {
                    seated(event)
                } else if event.public.waitlist {
                    self.add_queue(&mut tx, event.id, &queue).await?;
                    RegistrationStatus::Waitlisted
                } else {
                    tx.rollback().await?;
                    return Ok(Registered::Full);
                };
                let tracks = serde_json::to_string(&registration.tracks)?;
                let answers = serde_json::to_string(&registration.answers)?;
                let accessibility = person.accessibility_needs.as_ref().map(|a| a.as_str());
                match previous {
                    Some((id, _)) => {
                        sqlx::query(&self.q(
                            "UPDATE registrations SET status = ?, tracks_json = ?, answers_json = ?, structure_type = ?, accessibility_needs = ?, consent_at = ?, updated_at = ?, queue_key = ?, hold_until = ?
                             WHERE id = ?",
                        ))
                        .bind(status.as_str())
                        .bind(&tracks)
                        .bind(&answers)
                        .bind(&person.structure_type)
                        .bind(accessibility)
                        .bind(&now)
                        .bind(&now)
                        .bind(&queue)
                        .bind(hold_until(status, &now_at))
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                        self.set_sessions(&mut tx, id, &registration.sessions, true)
                            .await?;
                        (id, false, Some(status))
                    }
                    None => {
                        let created: Option<i64> = sqlx::query_scalar(&self.q(
                            "INSERT INTO registrations (event_id, person_id, status, tracks_json, answers_json, structure_type, accessibility_needs, consent_at, created_at, updated_at, queue_key, hold_until)
                             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                             ON CONFLICT (event_id, person_id) DO NOTHING
                             RETURNING id",
                        ))
                        .bind(event.id)
                        .bind(person_id)
                        .bind(status.as_str())
                        .bind(&tracks)
                        .bind(&answers)
                        .bind(&person.structure_type)
                        .bind(accessibility)
                        .bind(&now)
                        .bind(&now)
                        .bind(&now)
                        .bind(&queue)
                        .bind(hold_until(status, &now_at))
                        .fetch_optional(&mut *tx)
                        .await
                        .context("failed to store the registration")?;
                        match created {
                            Some(id) => {
                                self.set_sessions(&mut tx, id, &registration.sessions, false)
                                    .await?;
                                (id, false, Some(status))
                            }
                            None => {
                                // The same person registered at the same
                                // instant through another connection
                                // (PostgreSQL): theirs stands, these seats
                                // go back.
                                if status != RegistrationStatus::Waitlisted {
                                    self.release_seats(&mut tx, event.id, &keys).await?;
                                }
                                let id: i64 = sqlx::query_scalar(&self.q(
                                    "SELECT id FROM registrations WHERE event_id = ? AND person_id = ?",
                                ))
                                .bind(event.id)
                                .bind(person_id)
                                .fetch_one(&mut *tx)
                                .await?;
                                (id, true, None)
                            }
                        }
                    }
                }
            }
        };
        if existing {
            // A replay: the confirmation goes again, a few times a day at
            // most, so nobody can flood a mailbox by replaying a form.
            let resent: i64 = sqlx::query_scalar(&self.q(
                "SELECT COUNT(*) FROM outbox WHERE registration_id = ? AND notice = ? AND created_at > ?",
            ))
            .bind(id)
            .bind(super::RESENT)
            .bind(&day_ago)
            .fetch_one(&mut *tx)
            .await?;
            if resent >= MAX_RESENDS_PER_DAY {
                let record = self.load_registration(&mut tx, id).await?;
                tx.commit().await?;
                tracing::info!(
                    registration = id,
                    "confirmation not sent again: daily bound reached"
                );
                return Ok(Registered::Done(RegisterOutcome {
                    status: record.status,
                    existing,
                }));
            }
        }
        self.add_token(&mut tx, event, id, &crate::token::hash(token), &now)
            .await?;
        let (sequence, sent_sessions) = self.next_calendar(&mut tx, id).await?;
        let record = if let Some(status) = fresh_status {
            // Everything is known: no need to read it back.
            let status = match status {
                RegistrationStatus::Waitlisted => Status::Waitlisted {
                    rank: self.rank(&mut tx, event.id, id).await?,
                },
                seated => seated.into(),
            };
            RegistrationRecord {
                id,
                event_id: event.id,
                status,
                first_name: stored.try_get("first_name")?,
                last_name: stored.try_get("last_name")?,
                email: stored.try_get("email")?,
                tracks: registration.tracks.clone(),
                sessions: registration.sessions.clone(),
                calendar_sequence: sequence,
            }
        } else {
            self.load_registration(&mut tx, id).await?
        };
        let email = compose(
            event,
            &Notice {
                kind: NoticeKind::Registered,
                registration: &record,
                token,
                sequence,
                sent_sessions,
            },
        )?;
        self.record_calendar(&mut tx, &record, &email).await?;
        let notice = if existing {
            super::RESENT
        } else {
            NoticeKind::Registered.name()
        };
        self.queue(&mut tx, id, notice, &email, &now).await?;
        tx.commit()
            .await
            .context("failed to commit the registration")?;
        Ok(Registered::Done(RegisterOutcome {
            status: record.status,
            existing,
        }))
    }

    /// Ends the hold of a pending registration: confirmed while the hold
    /// runs, cancelled once it has expired; `false` when it was not pending
    /// on that side of its deadline (confirmed, released or expired
    /// meanwhile).
    async fn end_hold(
        &self,
        tx: &mut Tx<'_>,
        registration_id: i64,
        to: RegistrationStatus,
        now: &str,
    ) -> Result<bool> {
        let deadline = if to == RegistrationStatus::Confirmed {
            "hold_until > ?"
        } else {
            "hold_until <= ?"
        };
        let ended: Option<i64> = sqlx::query_scalar(&self.q(&format!(
            "UPDATE registrations SET status = ?, hold_until = NULL, updated_at = ?
             WHERE id = ? AND status = 'pending' AND {deadline} RETURNING id"
        )))
        .bind(to.as_str())
        .bind(now)
        .bind(registration_id)
        .bind(now)
        .fetch_optional(&mut **tx)
        .await
        .context("failed to end a hold")?;
        Ok(ended.is_some())
    }

    async fn release_hold_once(
        &self,
        event: &EventRecord,
        registration_id: i64,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let now = timestamp(now);
        let mut tx = self.pool.begin().await?;
        let released = self
            .end_hold(
                &mut tx,
                registration_id,
                RegistrationStatus::Cancelled,
                &now,
            )
            .await?;
        if !released {
            // Confirmed (or released by another runner) meanwhile.
            tx.rollback().await?;
            return Ok(false);
        }
        self.lock_quotas(&mut tx, event.id).await?;
        let record = self
            .load_registration_unranked(&mut tx, registration_id)
            .await?;
        let keys = quota_keys(&event.public, &record.tracks, &record.sessions);
        self.release_seats(&mut tx, event.id, &keys).await?;
        self.notify(
            &mut tx,
            event,
            &record,
            NoticeKind::HoldExpired,
            compose,
            &now,
        )
        .await?;
        self.promote(&mut tx, event, compose, &now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn cancel_once(
        &self,
        event: &EventRecord,
        registration_id: i64,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let now = timestamp(now);
        let mut tx = self.pool.begin().await?;
        let Some(previous) = self.lock_active(&mut tx, registration_id, &now).await? else {
            return Ok(());
        };
        let held = previous.holds_seats();
        if held {
            self.lock_quotas(&mut tx, event.id).await?;
        }
        let record = self.load_registration(&mut tx, registration_id).await?;
        self.set_status(
            &mut tx,
            registration_id,
            RegistrationStatus::Cancelled,
            &now,
        )
        .await?;
        let record = RegistrationRecord {
            status: Status::Cancelled,
            ..record
        };
        self.notify(
            &mut tx,
            event,
            &record,
            NoticeKind::Cancelled,
            compose,
            &now,
        )
        .await?;
        if held {
            let keys = quota_keys(&event.public, &record.tracks, &record.sessions);
            self.release_seats(&mut tx, event.id, &keys).await?;
            self.promote(&mut tx, event, compose, &now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn change_choices_once(
        &self,
        event: &EventRecord,
        registration_id: i64,
        tracks: &[String],
        sessions: &[usize],
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<Changed> {
        let now_at = now;
        let now = timestamp(now);
        let mut tx = self.pool.begin().await?;
        let Some(previous) = self.lock_active(&mut tx, registration_id, &now).await? else {
            return Ok(Changed::NotActive);
        };
        // Old and new seats are freed and taken in one pass over rows locked
        // in key order: two people swapping workshops cannot deadlock.
        self.lock_quotas(&mut tx, event.id).await?;
        let record = self
            .load_registration_unranked(&mut tx, registration_id)
            .await?;
        let new = quota_keys(&event.public, tracks, sessions);
        let queue = queue_key(&wish(&event.public, tracks, sessions));
        if previous.holds_seats() {
            let old = quota_keys(&event.public, &record.tracks, &record.sessions);
            let freed: Vec<String> = old.iter().filter(|k| !new.contains(k)).cloned().collect();
            let wanted: Vec<String> = new.iter().filter(|k| !old.contains(k)).cloned().collect();
            self.release_seats(&mut tx, event.id, &freed).await?;
            if !self.take_seats(&mut tx, event.id, &wanted).await? {
                tx.rollback().await?;
                return Ok(Changed::Full);
            }
        } else if self.take_seats(&mut tx, event.id, &new).await? {
            // Someone waiting who switches to a workshop or day with seats
            // left gets them at once.
            self.set_seated(&mut tx, event, registration_id, now_at)
                .await?;
        } else {
            self.add_queue(&mut tx, event.id, &queue).await?;
        }
        sqlx::query(
            &self.q("UPDATE registrations SET tracks_json = ?, queue_key = ? WHERE id = ?"),
        )
        .bind(serde_json::to_string(tracks)?)
        .bind(&queue)
        .bind(registration_id)
        .execute(&mut *tx)
        .await?;
        self.set_sessions(&mut tx, registration_id, sessions, true)
            .await?;
        let record = self.load_registration(&mut tx, registration_id).await?;
        self.notify(&mut tx, event, &record, NoticeKind::Changed, compose, &now)
            .await?;
        if previous.holds_seats() {
            self.promote(&mut tx, event, compose, &now).await?;
        }
        tx.commit().await?;
        Ok(Changed::Done)
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
        .bind(super::RESENT)
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
        self.queue(&mut tx, registration_id, super::RESENT, &email, &now)
            .await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// The status a registration that got its seats starts with: confirmed, or
/// pending its address when the event asks for address confirmation.
fn seated(event: &EventRecord) -> RegistrationStatus {
    if event.public.address_confirmation {
        RegistrationStatus::Pending
    } else {
        RegistrationStatus::Confirmed
    }
}

/// Until when a registration of this status holds its seats unconfirmed.
fn hold_until(status: RegistrationStatus, now: &DateTime<Utc>) -> Option<String> {
    (status == RegistrationStatus::Pending).then(|| {
        timestamp(*now + chrono::Duration::minutes(parvis_core::api::ADDRESS_CONFIRMATION_MINUTES))
    })
}

fn parse_status(name: &str) -> Result<RegistrationStatus> {
    RegistrationStatus::parse(name)
        .with_context(|| format!("unknown registration status in the database: {name:?}"))
}

fn record_from_row(row: &AnyRow) -> Result<RegistrationRecord> {
    let status: String = row.try_get("status")?;
    Ok(RegistrationRecord {
        id: row.try_get("id")?,
        event_id: row.try_get("event_id")?,
        status: parse_status(&status)?.into(),
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        email: row.try_get("email")?,
        tracks: decode_json(row, "tracks_json")?,
        sessions: Vec::new(),
        calendar_sequence: u32::try_from(row.try_get::<i64, _>("calendar_sequence")?)
            .unwrap_or_default(),
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
        event: &EventRecord,
        registration: &CheckedRegistration,
        token: &str,
        origin: &Origin,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<Registered> {
        retrying!(self.register_once(event, registration, token, origin, compose, now))
    }

    async fn slug_of(&self, event_id: i64) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar(&self.q("SELECT slug FROM events WHERE id = ?"))
                .bind(event_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn registration_by_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<RegistrationRecord>> {
        let row = sqlx::query(&self.q(&format!(
            "SELECT {REGISTRATION_COLUMNS} FROM registration_tokens t
             JOIN registrations r ON r.id = t.registration_id
             JOIN people p ON p.id = r.person_id
             WHERE t.token_hash = ? AND (t.expires_at IS NULL OR t.expires_at > ?)"
        )))
        .bind(token_hash)
        .bind(timestamp(now))
        .fetch_optional(&self.pool)
        .await
        .context("failed to look up a token")?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut record = record_from_row(&row)?;
        record.sessions = self.sessions_of(&self.pool, record.id).await?;
        if let Status::Waitlisted { .. } = record.status {
            let mut tx = self.pool.begin().await?;
            record.status = Status::Waitlisted {
                rank: self.rank(&mut tx, record.event_id, record.id).await?,
            };
            tx.commit().await?;
        }
        Ok(Some(record))
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
        let now_text = timestamp(now);
        let mut tx = self.pool.begin().await?;
        let confirmed = self
            .end_hold(
                &mut tx,
                registration_id,
                RegistrationStatus::Confirmed,
                &now_text,
            )
            .await?;
        if !confirmed {
            let status: Option<String> =
                sqlx::query_scalar(&self.q("SELECT status FROM registrations WHERE id = ?"))
                    .bind(registration_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            tx.rollback().await?;
            return Ok(match status.as_deref().map(parse_status).transpose()? {
                Some(RegistrationStatus::Pending) => AddressConfirmed::Expired,
                _ => AddressConfirmed::NotPending,
            });
        }
        let record = self
            .load_registration_unranked(&mut tx, registration_id)
            .await?;
        self.notify(
            &mut tx,
            event,
            &record,
            NoticeKind::Registered,
            compose,
            &now_text,
        )
        .await?;
        tx.commit().await?;
        Ok(AddressConfirmed::Done)
    }

    async fn release_expired_holds(
        &self,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let now_text = timestamp(now);
        let expired = sqlx::query(&self.q(
            "SELECT r.id, e.slug FROM registrations r JOIN events e ON e.id = r.event_id
             WHERE r.status = 'pending' AND r.hold_until <= ? ORDER BY r.hold_until LIMIT 500",
        ))
        .bind(&now_text)
        .fetch_all(&self.pool)
        .await
        .context("failed to look for expired holds")?;
        let mut released = 0;
        for row in expired {
            let slug: String = row.try_get("slug")?;
            let Some(event) = self.event_by_slug(&slug).await? else {
                continue;
            };
            let id: i64 = row.try_get("id")?;
            released += usize::from(retrying!(self.release_hold_once(&event, id, compose, now))?);
        }
        Ok(released)
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
            let Some(event) = self.event_by_slug(&slug).await? else {
                continue;
            };
            if retrying!(self.resend_once(&event, id, compose, now))? {
                queued += 1;
            }
        }
        Ok(queued)
    }

    async fn answers_of(
        &self,
        registration_id: i64,
    ) -> Result<(BTreeMap<String, Answer>, Option<String>)> {
        let row = sqlx::query(
            &self.q("SELECT answers_json, accessibility_needs FROM registrations WHERE id = ?"),
        )
        .bind(registration_id)
        .fetch_one(&self.pool)
        .await
        .context("failed to read the answers of a registration")?;
        let answers: String = row.try_get("answers_json")?;
        Ok((
            serde_json::from_str(&answers).context("stored answers are not valid JSON")?,
            row.try_get("accessibility_needs")?,
        ))
    }

    async fn set_answers(
        &self,
        registration_id: i64,
        answers: &BTreeMap<String, Answer>,
        accessibility_needs: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let changed = sqlx::query(&self.q(
            "UPDATE registrations SET answers_json = ?, accessibility_needs = ?, updated_at = ?
             WHERE id = ? AND status <> 'cancelled'",
        ))
        .bind(serde_json::to_string(answers)?)
        .bind(accessibility_needs)
        .bind(timestamp(now))
        .bind(registration_id)
        .execute(&self.pool)
        .await
        .context("failed to store the answers of a registration")?;
        Ok(changed.rows_affected() == 1)
    }

    async fn queue_due_reminders(&self, compose: Compose<'_>, now: DateTime<Utc>) -> Result<usize> {
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
                let event = self.event_by_slug(&slug).await?.context("event vanished")?;
                events.insert(slug.clone(), event);
            }
            let event = &events[&slug];
            let starts_at = super::parse_timestamp(&row.try_get::<String, _>("starts_at")?)?;
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
                 WHERE sent_at IS NULL AND dead_at IS NULL AND next_attempt_at <= ?
                   AND (claimed_until IS NULL OR claimed_until <= ?)
                 ORDER BY attempts, id LIMIT ?{lock})
             RETURNING id, message_id, recipient, subject, body_text, ics, console_note, sender_name, reply_to, attempts"
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

    async fn mark_failed(
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

    async fn dead_letters(&self, limit: u32) -> Result<Vec<DeadLetter>> {
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

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64> {
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
                .rows_affected();
        Ok(tokens + clients)
    }

    async fn stats(&self) -> Result<StoreStats> {
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
