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

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parvis_core::api::{EventPublic, Publication, Seats, When, quota};
use parvis_core::registration::CheckedRegistration;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};

use super::{
    Changed, Compose, EventFilter, EventRecord, NewEvent, Notice, NoticeKind, RegisterOutcome,
    Registered, RegistrationRecord, Status, Store, StoreStats, timestamp,
};
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
            std::fs::create_dir_all(dir).with_context(|| {
                format!("failed to create the data directory {}", dir.display())
            })?;
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

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// The quota keys a registration takes, sorted so that concurrent
/// transactions lock quota rows in the same order (no deadlock).
/// Only limited quotas (those with a row, as the event's availability
/// lists them) are kept: an event without seat limits costs no statement.
fn quota_keys(event: &EventPublic, tracks: &[String], sessions: &[usize]) -> Vec<String> {
    let mut keys = vec![quota::EVENT.to_owned()];
    keys.extend(tracks.iter().map(|id| quota::track(id)));
    if event.day_selection {
        keys.extend(sessions.iter().map(|&i| quota::session(i)));
    }
    keys.retain(|key| event.availability.0.contains_key(key));
    keys.sort();
    keys
}

const REGISTRATION_COLUMNS: &str =
    "r.id, r.event_id, r.status, r.tracks_json, p.first_name, p.last_name, p.email";

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
        // workshops (a full workshop has its own waiting list).
        let rank: i64 = sqlx::query_scalar(&self.q("SELECT COUNT(*) FROM registrations w
             WHERE w.event_id = ? AND w.status = 'waitlisted' AND w.id <= ?
               AND w.tracks_json = (SELECT tracks_json FROM registrations WHERE id = ?)"))
        .bind(event_id)
        .bind(registration_id)
        .bind(registration_id)
        .fetch_one(&mut **tx)
        .await?;
        Ok(u32::try_from(rank).unwrap_or(u32::MAX))
    }

    async fn load_registration(&self, tx: &mut Tx<'_>, id: i64) -> Result<RegistrationRecord> {
        let row = sqlx::query(&self.q(&format!(
            "SELECT {REGISTRATION_COLUMNS} FROM registrations r JOIN people p ON p.id = r.person_id WHERE r.id = ?"
        )))
        .bind(id)
        .fetch_one(&mut **tx)
        .await
        .context("failed to read a registration")?;
        let mut record = record_from_row(&row)?;
        record.sessions = self.sessions_of(&mut **tx, id).await?;
        if let Status::Waitlisted { .. } = record.status {
            record.status = Status::Waitlisted {
                rank: self.rank(tx, record.event_id, id).await?,
            };
        }
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
    async fn new_token(&self, tx: &mut Tx<'_>, registration_id: i64, now: &str) -> Result<String> {
        let token = crate::token::generate()?;
        self.add_token(tx, registration_id, &token.hash, now)
            .await?;
        Ok(token.token)
    }

    async fn add_token(
        &self,
        tx: &mut Tx<'_>,
        registration_id: i64,
        hash: &str,
        now: &str,
    ) -> Result<()> {
        sqlx::query(&self.q("INSERT INTO registration_tokens (token_hash, registration_id, created_at) VALUES (?, ?, ?)"))
            .bind(hash)
            .bind(registration_id)
            .bind(now)
            .execute(&mut **tx)
            .await
            .context("failed to store a personal token")?;
        Ok(())
    }

    async fn queue(
        &self,
        tx: &mut Tx<'_>,
        registration_id: i64,
        email: &OutgoingEmail,
        now: &str,
    ) -> Result<()> {
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
        status: &str,
        now: &str,
    ) -> Result<()> {
        sqlx::query(&self.q("UPDATE registrations SET status = ?, updated_at = ? WHERE id = ?"))
            .bind(status)
            .bind(now)
            .bind(registration_id)
            .execute(&mut **tx)
            .await
            .context("failed to update a registration")?;
        Ok(())
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
        let token = self.new_token(tx, record.id, now).await?;
        let email = compose(
            event,
            &Notice {
                kind,
                registration: record,
                token: &token,
            },
        )?;
        self.queue(tx, record.id, &email, now).await
    }

    /// Locks an active registration for a change and returns its status;
    /// `None` when it is cancelled. Writing first takes SQLite's write lock
    /// at once; on PostgreSQL the row lock serialises concurrent changes.
    async fn lock_active(
        &self,
        tx: &mut Tx<'_>,
        registration_id: i64,
        now: &str,
    ) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(&self.q(
            "UPDATE registrations SET updated_at = ? WHERE id = ? AND status <> 'cancelled' RETURNING status",
        ))
        .bind(now)
        .bind(registration_id)
        .fetch_optional(&mut **tx)
        .await?)
    }

    /// Gives freed seats to whoever waits for them, in order of arrival.
    async fn promote(
        &self,
        tx: &mut Tx<'_>,
        event: &EventRecord,
        compose: Compose<'_>,
        now: &str,
    ) -> Result<()> {
        let waiting: Vec<i64> = sqlx::query_scalar(&self.q(
            "SELECT id FROM registrations WHERE event_id = ? AND status = 'waitlisted' ORDER BY id",
        ))
        .bind(event.id)
        .fetch_all(&mut **tx)
        .await?;
        for id in waiting {
            let record = self.load_registration(tx, id).await?;
            let keys = quota_keys(&event.public, &record.tracks, &record.sessions);
            if self.take_seats(tx, event.id, &keys).await? {
                self.set_status(tx, id, "confirmed", now).await?;
                let record = RegistrationRecord {
                    status: Status::Confirmed,
                    ..record
                };
                self.notify(tx, event, &record, NoticeKind::Promoted, compose, now)
                    .await?;
            }
        }
        Ok(())
    }
}

fn record_from_row(row: &AnyRow) -> Result<RegistrationRecord> {
    let status: String = row.try_get("status")?;
    Ok(RegistrationRecord {
        id: row.try_get("id")?,
        event_id: row.try_get("event_id")?,
        status: match status.as_str() {
            "confirmed" => Status::Confirmed,
            "waitlisted" => Status::Waitlisted { rank: 0 },
            _ => Status::Cancelled,
        },
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        email: row.try_get("email")?,
        tracks: decode_json(row, "tracks_json")?,
        sessions: Vec::new(),
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
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<Registered> {
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
        // must not overwrite their name.
        let person_id: i64 = sqlx::query_scalar(&self.q(
            "INSERT INTO people (email_key, email, first_name, last_name, organisation, role, territory, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (email_key) DO UPDATE SET email_key = excluded.email_key
             RETURNING id",
        ))
        .bind(person.email.key())
        .bind(person.email.as_str())
        .bind(person.first_name.as_str())
        .bind(person.last_name.as_str())
        .bind(person.organisation.as_str())
        .bind(person.role.as_str())
        .bind(person.territory.as_ref().map(|t| t.as_str()))
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .context("failed to store the person")?;
        let previous: Option<(i64, String)> = sqlx::query_as(
            &self.q("SELECT id, status FROM registrations WHERE event_id = ? AND person_id = ?"),
        )
        .bind(event.id)
        .bind(person_id)
        .fetch_optional(&mut *tx)
        .await
        .context("failed to look for an earlier registration")?;
        let (id, existing, fresh_status) = match previous {
            Some((id, status)) if status != "cancelled" => (id, true, None),
            previous => {
                // A new registration, or a cancelled one coming back: it
                // takes seats (or a place in the queue) like a new one.
                let keys = quota_keys(&event.public, &registration.tracks, &registration.sessions);
                let status = if self.take_seats(&mut tx, event.id, &keys).await? {
                    "confirmed"
                } else if event.public.waitlist {
                    "waitlisted"
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
                            "UPDATE registrations SET status = ?, tracks_json = ?, answers_json = ?, structure_type = ?, accessibility_needs = ?, consent_at = ?, updated_at = ?
                             WHERE id = ?",
                        ))
                        .bind(status)
                        .bind(&tracks)
                        .bind(&answers)
                        .bind(&person.structure_type)
                        .bind(accessibility)
                        .bind(&now)
                        .bind(&now)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                        self.set_sessions(&mut tx, id, &registration.sessions, true)
                            .await?;
                        (id, false, Some(status))
                    }
                    None => {
                        let created: Option<i64> = sqlx::query_scalar(&self.q(
                            "INSERT INTO registrations (event_id, person_id, status, tracks_json, answers_json, structure_type, accessibility_needs, consent_at, created_at, updated_at)
                             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                             ON CONFLICT (event_id, person_id) DO NOTHING
                             RETURNING id",
                        ))
                        .bind(event.id)
                        .bind(person_id)
                        .bind(status)
                        .bind(&tracks)
                        .bind(&answers)
                        .bind(&person.structure_type)
                        .bind(accessibility)
                        .bind(&now)
                        .bind(&now)
                        .bind(&now)
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
                                if status == "confirmed" {
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
        self.add_token(&mut tx, id, &crate::token::hash(token), &now)
            .await?;
        let record = if let Some(status) = fresh_status {
            // Everything is known: no need to read it back.
            let status = if status == "confirmed" {
                Status::Confirmed
            } else {
                Status::Waitlisted {
                    rank: self.rank(&mut tx, event.id, id).await?,
                }
            };
            RegistrationRecord {
                id,
                event_id: event.id,
                status,
                first_name: person.first_name.as_str().to_owned(),
                last_name: person.last_name.as_str().to_owned(),
                email: person.email.as_str().to_owned(),
                tracks: registration.tracks.clone(),
                sessions: registration.sessions.clone(),
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
            },
        )?;
        self.queue(&mut tx, id, &email, &now).await?;
        tx.commit()
            .await
            .context("failed to commit the registration")?;
        Ok(Registered::Done(RegisterOutcome {
            status: record.status,
            existing,
        }))
    }

    async fn slug_of(&self, event_id: i64) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar(&self.q("SELECT slug FROM events WHERE id = ?"))
                .bind(event_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn registration_by_token(&self, token_hash: &str) -> Result<Option<RegistrationRecord>> {
        let row = sqlx::query(&self.q(&format!(
            "SELECT {REGISTRATION_COLUMNS} FROM registration_tokens t
             JOIN registrations r ON r.id = t.registration_id
             JOIN people p ON p.id = r.person_id
             WHERE t.token_hash = ?"
        )))
        .bind(token_hash)
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
        let now = timestamp(now);
        let mut tx = self.pool.begin().await?;
        let Some(previous) = self.lock_active(&mut tx, registration_id, &now).await? else {
            return Ok(());
        };
        let record = self.load_registration(&mut tx, registration_id).await?;
        self.set_status(&mut tx, registration_id, "cancelled", &now)
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
        if previous == "confirmed" {
            let keys = quota_keys(&event.public, &record.tracks, &record.sessions);
            self.release_seats(&mut tx, event.id, &keys).await?;
            self.promote(&mut tx, event, compose, &now).await?;
        }
        tx.commit().await?;
        Ok(())
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
        let now = timestamp(now);
        let mut tx = self.pool.begin().await?;
        let Some(previous) = self.lock_active(&mut tx, registration_id, &now).await? else {
            return Ok(Changed::NotActive);
        };
        let record = self.load_registration(&mut tx, registration_id).await?;
        let new = quota_keys(&event.public, tracks, sessions);
        if previous == "confirmed" {
            let old = quota_keys(&event.public, &record.tracks, &record.sessions);
            self.release_seats(&mut tx, event.id, &old).await?;
            if !self.take_seats(&mut tx, event.id, &new).await? {
                tx.rollback().await?;
                return Ok(Changed::Full);
            }
        } else if self.take_seats(&mut tx, event.id, &new).await? {
            // Someone waiting who switches to a workshop or day with seats
            // left gets them at once.
            self.set_status(&mut tx, registration_id, "confirmed", &now)
                .await?;
        }
        sqlx::query(&self.q("UPDATE registrations SET tracks_json = ? WHERE id = ?"))
            .bind(serde_json::to_string(tracks)?)
            .bind(registration_id)
            .execute(&mut *tx)
            .await?;
        self.set_sessions(&mut tx, registration_id, sessions, true)
            .await?;
        let record = self.load_registration(&mut tx, registration_id).await?;
        self.notify(&mut tx, event, &record, NoticeKind::Changed, compose, &now)
            .await?;
        if previous == "confirmed" {
            self.promote(&mut tx, event, compose, &now).await?;
        }
        tx.commit().await?;
        Ok(Changed::Done)
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
                    (SELECT COUNT(*) FROM registrations WHERE status = 'confirmed') AS confirmed,
                    (SELECT COUNT(*) FROM registrations WHERE status = 'waitlisted') AS waitlisted,
                    (SELECT COUNT(*) FROM outbox) AS emails,
                    (SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL) AS pending",
        )
        .fetch_one(&self.pool)
        .await
        .context("failed to count stored rows")?;
        Ok(StoreStats {
            people: row.try_get("people")?,
            registrations: row.try_get("registrations")?,
            confirmed: row.try_get("confirmed")?,
            waitlisted: row.try_get("waitlisted")?,
            emails: row.try_get("emails")?,
            pending_emails: row.try_get("pending")?,
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
