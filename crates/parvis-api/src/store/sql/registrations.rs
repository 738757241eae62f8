//! Registrations: storing one (or recognising a replay), reading one by its
//! personal token, cancelling, changing choices, confirming an address and
//! releasing expired holds, the answers to the organiser's questions.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use parvis_core::api::RegistrationStatus;
use parvis_core::questions::Answer;
use parvis_core::registration::CheckedRegistration;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::notices::FreshRow;
use super::seats::{hold_until, queue_key, quota_keys, seated, wish};
use super::{Dialect, SqlStore, Tx, batch, decode_json};
use crate::store::{
    AddressConfirmed, Changed, Compose, EventRecord, MAX_RESENDS_PER_DAY, Notice, NoticeKind,
    Origin, RESENT, RegisterOutcome, Registered, RegistrationRecord, Status, timestamp,
};

const REGISTRATION_COLUMNS: &str = "r.id, r.event_id, r.status, r.tracks_json, r.calendar_sequence, p.first_name, p.last_name, p.email";

/// A registration's first statement: the person stored (an existing one
/// kept as first entered), with their earlier registration to the event,
/// if any, and an identifier drawn for a new registration
/// ([`super::notices::FreshRow`]; PostgreSQL's sequence, or the next one
/// under SQLite's write lock, which the registration's transaction holds
/// from its start). Arguments: the address's key, the address, first name,
/// last name, organisation, role, territory, the time, then the event
/// three times. It also returns the event's revision (`event_revision`,
/// `NULL` once the event is gone), read inside the registration's own
/// write, which the registration compares with the one its event was read
/// at ([`crate::store::Registered::Changed`]). Public for
/// `tests/plans.rs`, which checks its plan on PostgreSQL.
pub fn person_upsert(dialect: Dialect) -> String {
    let next_id = match dialect {
        Dialect::Sqlite => "(SELECT COALESCE(MAX(id), 0) + 1 FROM registrations)",
        Dialect::Postgres => "nextval('registrations_id_seq')",
    };
    dialect.sql(&format!(
        "INSERT INTO people (email_key, email, first_name, last_name, organisation, role, territory, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (email_key) DO UPDATE SET email_key = excluded.email_key
     RETURNING id, email, first_name, last_name,
         (SELECT r.id FROM registrations r WHERE r.event_id = ? AND r.person_id = people.id) AS previous_id,
         (SELECT r.status FROM registrations r WHERE r.event_id = ? AND r.person_id = people.id) AS previous_status,
         (SELECT e.revision FROM events e WHERE e.id = ?) AS event_revision,
         {next_id} AS next_id"
    ))
}

impl SqlStore {
    pub(super) async fn load_registration(
        &self,
        tx: &mut Tx<'_>,
        id: i64,
    ) -> Result<RegistrationRecord> {
        let mut record = self.load_registration_unranked(tx, id).await?;
        if let Status::Waitlisted { .. } = record.status {
            record.status = Status::Waitlisted {
                rank: self.rank(tx, record.event_id, id).await?,
            };
        }
        Ok(record)
    }

    /// A registration without its waiting-list rank (which costs a count).
    pub(super) async fn load_registration_unranked(
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

    pub(super) async fn sessions_of<'e, E>(
        &self,
        executor: E,
        registration_id: i64,
    ) -> Result<Vec<usize>>
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

    /// Locks an active registration for a change and returns its status;
    /// `None` when it is cancelled. Writing first takes SQLite's write lock
    /// at once; on PostgreSQL the row lock serialises concurrent changes.
    pub(super) async fn lock_active(
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
}

/// Begins a transaction that writes on `pool`: on SQLite with `BEGIN
/// IMMEDIATE`, so it takes the write lock at once and never has to upgrade
/// a read lock (which fails at once instead of waiting).
pub(super) async fn begin_write(pool: &sqlx::AnyPool, dialect: Dialect) -> Result<Tx<'static>> {
    match dialect {
        Dialect::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Dialect::Postgres => pool.begin().await,
    }
    .context("failed to begin a transaction")
}

impl SqlStore {
    /// Begins a transaction that writes: on SQLite with `BEGIN IMMEDIATE`,
    /// so it takes the write lock at once and never has to upgrade a read
    /// lock (which fails at once instead of waiting).
    pub(super) async fn begin_write(&self) -> Result<Tx<'static>> {
        begin_write(&self.pool, self.dialect).await
    }

    /// Stores a registration (see [`crate::store::Store::register`]): in
    /// the open batch of registrations (group commit, see `batch.rs`), or
    /// in a transaction of its own where batches are off; run again
    /// (three times at most) when the database lost a race or the batch
    /// was given up.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn register_sql(
        &self,
        event: &EventRecord,
        registration: &CheckedRegistration,
        token: &str,
        origin: &Origin,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<Registered> {
        let outcome = batch::retried(|| async move {
            if self.batch_writes {
                self.register_batched(event, registration, token, origin, compose, now)
                    .await
            } else {
                self.register_alone(event, registration, token, origin, compose, now)
                    .await
            }
        })
        .await;
        if let Ok(Registered::Changed) = outcome {
            self.definitions.forget(&event.public.slug, event.revision);
        }
        outcome
    }

    /// One registration in the open batch: its work in a savepoint of the
    /// batch's transaction (rolled back alone when it is refused or fails),
    /// its answer once the batch has committed.
    #[allow(clippy::too_many_arguments)]
    async fn register_batched(
        &self,
        event: &EventRecord,
        registration: &CheckedRegistration,
        token: &str,
        origin: &Origin,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<Registered> {
        let mut member = self.batcher.join(&self.pool, self.dialect).await?;
        // An error on the savepoint itself returns early and drops the
        // member, which gives the whole batch up (its members run again).
        let outcome = {
            let tx = member.tx();
            let mut savepoint = Savepoint::default();
            let outcome = self
                .register_in(
                    tx,
                    Some(&mut savepoint),
                    event,
                    registration,
                    token,
                    origin,
                    compose,
                    now,
                )
                .await;
            let keep = matches!(outcome, Ok(Registered::Done(_)));
            savepoint
                .close(tx, keep)
                .await
                .context("failed to close a registration's savepoint")?;
            outcome
        };
        // Refusals wait too: the seats that made an event full are
        // committed before anyone is told it is.
        member.answer(outcome).await
    }

    /// One registration in a transaction of its own.
    #[allow(clippy::too_many_arguments)]
    async fn register_alone(
        &self,
        event: &EventRecord,
        registration: &CheckedRegistration,
        token: &str,
        origin: &Origin,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<Registered> {
        let mut tx = self.begin_write().await?;
        let outcome = self
            .register_in(
                &mut tx,
                None,
                event,
                registration,
                token,
                origin,
                compose,
                now,
            )
            .await?;
        if let Registered::Done(_) = outcome {
            tx.commit()
                .await
                .context("failed to commit the registration")?;
        } else {
            tx.rollback().await?;
        }
        Ok(outcome)
    }

    /// A registration's work, in the caller's transaction, which the
    /// caller commits when it is [`Registered::Done`] and rolls back
    /// otherwise (a refusal) or on an error; or, with `savepoint`, in a
    /// savepoint of it that its first statement opens and its last
    /// releases, which the caller then closes ([`Savepoint::close`]).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn register_in(
        &self,
        tx: &mut Tx<'_>,
        mut savepoint: Option<&mut Savepoint>,
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
        // An existing person is kept as first
        // entered: anyone may type someone else's address, so a later form
        // must not rename them, and every email greets them by the name
        // stored, never by the one just typed.
        // Their earlier registration to this event, if any, comes back with
        // them: one statement, one round trip fewer on PostgreSQL.
        // In a batch (SQLite), the same query opens the registration's
        // savepoint: one hand-over to the connection's thread fewer.
        let opening = if savepoint.is_some() {
            Savepoint::OPEN
        } else {
            ""
        };
        let upsert = format!("{opening}{}", person_upsert(self.dialect));
        if let Some(savepoint) = savepoint.as_deref_mut() {
            // Counted open before the query: a failure after its first
            // statement leaves it open, and rolling back to it then works.
            savepoint.opened = true;
        }
        let stored = sqlx::query(&upsert)
            .bind(person.email.key())
            .bind(person.email.as_str())
            .bind(person.first_name.as_str())
            .bind(person.last_name.as_str())
            .bind(
                person
                    .organisation
                    .as_ref()
                    .map_or("", parvis_core::text::ShortText::as_str),
            )
            .bind(
                person
                    .role
                    .as_ref()
                    .map_or("", parvis_core::text::ShortText::as_str),
            )
            .bind(person.territory.as_ref().map(|t| t.as_str()))
            .bind(&now)
            .bind(event.id)
            .bind(event.id)
            .bind(event.id)
            // Every row of every statement (sqlx's "fetch one" through its
            // Any driver reads only the first result, the savepoint's).
            .fetch_all(&mut **tx)
            .await
            .context("failed to store the person")?
            .into_iter()
            .next()
            .context("the stored person's row is missing")?;
        // The event was read from memory or before this write began: what
        // the form was checked against must still be what it is.
        let revision: Option<i64> = stored.try_get("event_revision")?;
        if revision != Some(event.revision) {
            return Ok(Registered::Changed);
        }
        let person_id: i64 = stored.try_get("id")?;
        let previous: Option<i64> = stored.try_get("previous_id")?;
        let previous_status: Option<String> = stored.try_get("previous_status")?;
        let previous = match (previous, previous_status) {
            (Some(id), Some(status)) => Some((id, parse_status(&status)?)),
            _ => None,
        };
        // `inserted`: a new row, whose calendar version is already 1 with
        // no calendar sent (what the first email's raise would read).
        let (id, existing, fresh_status, inserted) = match previous {
            Some((id, status)) if status != RegistrationStatus::Cancelled => {
                (id, true, None, false)
            }
            previous => {
                // A new registration, or a cancelled one coming back: it
                // takes seats (or a place in the queue) like a new one, and
                // counts against the client's hourly cap for this event.
                if origin.hourly_cap > 0 {
                    // One client's registrations to one event are counted
                    // one at a time: under PostgreSQL's READ COMMITTED two
                    // could otherwise both count below the cap. SQLite's
                    // single writer needs nothing.
                    if self.dialect == Dialect::Postgres {
                        sqlx::query(
                            "SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtextextended($1, $2))) AS locked",
                        )
                        .bind(&origin.client_hash)
                        .bind(event.id)
                        .execute(&mut **tx)
                        .await
                        .context("failed to lock the client's count")?;
                    }
                    let recent: i64 =
                        sqlx::query_scalar(&self.q("SELECT COUNT(*) FROM registration_clients
                         WHERE event_id = ? AND client_hash = ? AND created_at > ?"))
                        .bind(event.id)
                        .bind(&origin.client_hash)
                        .bind(&hour_ago)
                        .fetch_one(&mut **tx)
                        .await?;
                    if recent >= i64::from(origin.hourly_cap) {
                        return Ok(Registered::TooManyFromClient);
                    }
                    sqlx::query(&self.q(
                        "INSERT INTO registration_clients (event_id, client_hash, created_at) VALUES (?, ?, ?)",
                    ))
                    .bind(event.id)
                    .bind(&origin.client_hash)
                    .bind(&now)
                    .execute(&mut **tx)
                    .await?;
                }
                let keys = quota_keys(&event.public, &registration.tracks, &registration.sessions);
                let queue = queue_key(&wish(
                    &event.public,
                    &registration.tracks,
                    &registration.sessions,
                ));
                let status = if self.take_seats(tx, event.id, &keys).await? {
                    seated(event)
                } else if event.public.waitlist {
                    self.add_queue(tx, event.id, &queue).await?;
                    RegistrationStatus::Waitlisted
                } else {
                    return Ok(Registered::Full);
                };
                let tracks = serde_json::to_string(&registration.tracks)?;
                let answers = serde_json::to_string(&registration.answers)?;
                let accessibility = person.accessibility_needs.as_ref().map(|a| a.as_str());
                match previous {
                    Some((id, _)) => {
                        sqlx::query(&self.q(
                            "UPDATE registrations SET status = ?, tracks_json = ?, answers_json = ?, structure_type = ?, accessibility_needs = ?, consent_at = ?, updated_at = ?, queue_key = ?, hold_until = ?, registered_by = ?
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
                        .bind(origin.registered_by)
                        .bind(id)
                        .execute(&mut **tx)
                        .await?;
                        self.set_sessions(tx, id, &registration.sessions, true)
                            .await?;
                        (id, false, Some(status), false)
                    }
                    None => {
                        let created: Option<i64> = if status == RegistrationStatus::Waitlisted {
                            // Its rank is read once it is stored, for its
                            // email: the longer way.
                            sqlx::query_scalar(&self.q(
                                "INSERT INTO registrations (event_id, person_id, status, tracks_json, answers_json, structure_type, accessibility_needs, consent_at, created_at, updated_at, queue_key, hold_until, registered_by, calendar_sequence)
                                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
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
                            .bind(origin.registered_by)
                            .fetch_optional(&mut **tx)
                            .await
                            .context("failed to store the registration")?
                        } else {
                            // The common case in one round trip after the
                            // person's: everything about the registration is
                            // known, so its email is composed first and written
                            // with it.
                            let record = RegistrationRecord {
                                id: stored.try_get("next_id")?,
                                event_id: event.id,
                                status: status.into(),
                                first_name: stored.try_get("first_name")?,
                                last_name: stored.try_get("last_name")?,
                                email: stored.try_get("email")?,
                                tracks: registration.tracks.clone(),
                                sessions: registration.sessions.clone(),
                                calendar_sequence: 1,
                            };
                            let email = compose(
                                event,
                                &Notice {
                                    kind: NoticeKind::Registered,
                                    registration: &record,
                                    token,
                                    sequence: 1,
                                    sent_sessions: None,
                                },
                            )?;
                            let row = FreshRow {
                                id: record.id,
                                person_id,
                                status: status.as_str(),
                                tracks_json: &tracks,
                                answers_json: &answers,
                                structure_type: &person.structure_type,
                                accessibility_needs: accessibility,
                                queue_key: &queue,
                                hold_until: hold_until(status, &now_at),
                                registered_by: origin.registered_by,
                            };
                            let closing = if savepoint.is_some() {
                                Savepoint::RELEASE
                            } else {
                                ""
                            };
                            let hash = crate::token::hash(token);
                            if self
                                .insert_fresh(
                                    tx, event, &row, &record, &hash, &email, &now, closing,
                                )
                                .await?
                            {
                                if let Some(savepoint) = savepoint {
                                    savepoint.released = true;
                                }
                                return Ok(Registered::Done(RegisterOutcome {
                                    status: record.status,
                                    existing: false,
                                }));
                            }
                            None
                        };
                        match created {
                            Some(id) => {
                                self.set_sessions(tx, id, &registration.sessions, false)
                                    .await?;
                                (id, false, Some(status), true)
                            }
                            None => {
                                // The same person registered at the same
                                // instant through another connection
                                // (PostgreSQL): nothing of this one was
                                // written, theirs stands, these seats go
                                // back.
                                if status != RegistrationStatus::Waitlisted {
                                    self.release_seats(tx, event.id, &keys).await?;
                                }
                                let id: i64 = sqlx::query_scalar(&self.q(
                                    "SELECT id FROM registrations WHERE event_id = ? AND person_id = ?",
                                ))
                                .bind(event.id)
                                .bind(person_id)
                                .fetch_one(&mut **tx)
                                .await?;
                                (id, true, None, false)
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
            .bind(RESENT)
            .bind(&day_ago)
            .fetch_one(&mut **tx)
            .await?;
            if resent >= MAX_RESENDS_PER_DAY {
                let record = self.load_registration(tx, id).await?;
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
        let (sequence, sent_sessions) = if inserted {
            (1, None)
        } else {
            self.next_calendar(tx, id).await?
        };
        let record = if let Some(status) = fresh_status {
            // Everything is known: no need to read it back.
            let status = match status {
                RegistrationStatus::Waitlisted => Status::Waitlisted {
                    rank: self.rank(tx, event.id, id).await?,
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
            self.load_registration(tx, id).await?
        };
        let seats_now;
        let event = if let Status::Waitlisted { .. } = record.status {
            seats_now = self.with_seats_now(tx, event).await?;
            &seats_now
        } else {
            event
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
        let notice = if existing {
            RESENT
        } else {
            NoticeKind::Registered.name()
        };
        let hash = crate::token::hash(token);
        // In a batch, the same query releases the registration's savepoint.
        let closing = if savepoint.is_some() {
            Savepoint::RELEASE
        } else {
            ""
        };
        self.store_notice(tx, event, &record, &hash, notice, &email, &now, closing)
            .await?;
        if let Some(savepoint) = savepoint {
            savepoint.released = true;
        }
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
        let mut tx = self.begin_write().await?;
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

    pub(super) async fn cancel_once(
        &self,
        event: &EventRecord,
        registration_id: i64,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let now = timestamp(now);
        let mut tx = self.begin_write().await?;
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
    pub(super) async fn change_choices_once(
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
        let mut tx = self.begin_write().await?;
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
    pub(super) async fn registration_by_token_sql(
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

    pub(super) async fn confirm_address_sql(
        &self,
        event: &EventRecord,
        registration_id: i64,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<AddressConfirmed> {
        let now_text = timestamp(now);
        let mut tx = self.begin_write().await?;
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

    pub(super) async fn release_expired_holds_sql(
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
            let Some(event) = self.event_by_slug_sql(&slug).await? else {
                continue;
            };
            let id: i64 = row.try_get("id")?;
            released += usize::from(retrying!(self.release_hold_once(&event, id, compose, now))?);
        }
        Ok(released)
    }

    pub(super) async fn answers_of_sql(
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

    pub(super) async fn set_answers_sql(
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
}

/// A registration's savepoint in a batch's transaction (SQLite): opened by
/// the registration's first statement and released by its last, in the
/// same queries (each query is a hand-over to the connection's thread),
/// rather than by statements of their own as `Transaction::begin` does.
#[derive(Debug, Default)]
pub(super) struct Savepoint {
    /// The opening statement was sent.
    opened: bool,
    /// The releasing statement ran.
    released: bool,
}

impl Savepoint {
    /// Prefixed to the registration's first query.
    const OPEN: &'static str = "SAVEPOINT registration; ";
    /// Appended to its last (SQLite runs a query's statements in turn).
    const RELEASE: &'static str = "; RELEASE registration";

    /// Ends the savepoint: its work kept (released, if its last query did
    /// not) or rolled back.
    async fn close(self, tx: &mut Tx<'_>, keep: bool) -> Result<()> {
        let sql = match (self.opened, self.released, keep) {
            (false, ..) | (true, true, true) => return Ok(()),
            (true, false, true) => "RELEASE registration",
            (true, true, false) => {
                // Released already: nothing of it can be undone apart from
                // the batch, which is given up.
                anyhow::bail!("a registration released its savepoint and then failed")
            }
            (true, false, false) => "ROLLBACK TO registration; RELEASE registration",
        };
        sqlx::query(sql).execute(&mut **tx).await?;
        Ok(())
    }
}

pub(super) fn parse_status(name: &str) -> Result<RegistrationStatus> {
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
