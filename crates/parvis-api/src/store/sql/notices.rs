//! Emails about registrations: personal tokens, the calendar version each
//! email carries, a composed notice queued in the caller's transaction,
//! reminders, and « Retrouver mon inscription ».

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use parvis_core::ics::Method;
use sqlx::Row;

use super::{SqlStore, Tx};
use crate::outbox::OutgoingEmail;
use crate::store::{
    Compose, EventRecord, MAX_RESENDS_PER_DAY, Notice, NoticeKind, RESENT, RegistrationRecord,
    parse_timestamp, timestamp,
};

/// A personal token's row ([`SqlStore::add_token`], [`SqlStore::store_notice`]):
/// its hash, the registration, when it was made and when it expires.
const TOKEN_INSERT: &str = "INSERT INTO registration_tokens (token_hash, registration_id, created_at, expires_at) VALUES (?, ?, ?, ?)";

/// What a registration's last calendar file left in the person's calendar
/// ([`SqlStore::record_calendar`], [`SqlStore::store_notice`]).
const CALENDAR_RECORD: &str = "UPDATE registrations SET calendar_sessions = ? WHERE id = ?";

impl SqlStore {
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

    pub(super) async fn add_token(
        &self,
        tx: &mut Tx<'_>,
        event: &EventRecord,
        registration_id: i64,
        hash: &str,
        now: &str,
    ) -> Result<()> {
        sqlx::query(&self.q(TOKEN_INSERT))
            .bind(hash)
            .bind(registration_id)
            .bind(now)
            .bind(self.token_expiry(event))
            .execute(&mut **tx)
            .await
            .context("failed to store a personal token")?;
        Ok(())
    }

    /// Queues the email a notice calls for, with a fresh personal token.
    pub(super) async fn notify(
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
    pub(super) async fn next_calendar(
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
    pub(super) async fn record_calendar(
        &self,
        tx: &mut Tx<'_>,
        record: &RegistrationRecord,
        email: &OutgoingEmail,
    ) -> Result<()> {
        let Some(sessions) = calendar_left(record, email)? else {
            return Ok(());
        };
        sqlx::query(&self.q(CALENDAR_RECORD))
            .bind(sessions)
            .bind(record.id)
            .execute(&mut **tx)
            .await
            .context("failed to record the calendar sent")?;
        Ok(())
    }

    /// A registration's new personal token (its hash), what its email's
    /// calendar file leaves in the person's calendar, and the email queued:
    /// [`Self::add_token`], [`Self::record_calendar`] and [`Self::queue`] in
    /// one round trip to the database on the registrations' hot path.
    /// PostgreSQL takes them as one statement (data-modifying `WITH`s);
    /// SQLite, which has no such statements, as statements separated by `;`
    /// in one query, which its driver runs in turn on its connection's
    /// thread, binding the arguments in order. `then` is appended to the
    /// query (a batch's registration releases its savepoint there, SQLite).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn store_notice(
        &self,
        tx: &mut Tx<'_>,
        event: &EventRecord,
        record: &RegistrationRecord,
        token_hash: &str,
        notice: &str,
        email: &OutgoingEmail,
        now: &str,
        then: &str,
    ) -> Result<()> {
        let calendar = calendar_left(record, email)?;
        let (with_token, with_calendar, before_email) = match self.dialect {
            super::Dialect::Postgres => ("WITH token AS (", "), calendar AS (", ") "),
            super::Dialect::Sqlite => ("", "; ", "; "),
        };
        let mut sql = format!("{with_token}{TOKEN_INSERT}");
        if calendar.is_some() {
            sql.push_str(with_calendar);
            sql.push_str(CALENDAR_RECORD);
        }
        sql.push_str(before_email);
        sql.push_str(super::outbox::OUTBOX_INSERT);
        sql.push_str(super::outbox::OUTBOX_ROW);
        sql.push_str(then);
        let sql = self.q(&sql);
        let mut query = sqlx::query(&sql)
            .bind(token_hash)
            .bind(record.id)
            .bind(now)
            .bind(self.token_expiry(event));
        if let Some(sessions) = calendar {
            query = query.bind(sessions).bind(record.id);
        }
        super::outbox::bind_outbox_row(query, Some(record.id), notice, email, now)
            .execute(&mut **tx)
            .await
            .context("failed to store the token, calendar and email of a registration")?;
        Ok(())
    }
}

/// The row of a new registration that took its seats
/// ([`SqlStore::insert_fresh`]), as `registrations` stores it.
pub(super) struct FreshRow<'a> {
    /// The identifier drawn for it with the person's upsert.
    pub id: i64,
    pub person_id: i64,
    pub status: &'a str,
    pub tracks_json: &'a str,
    pub answers_json: &'a str,
    pub structure_type: &'a str,
    pub accessibility_needs: Option<&'a str>,
    pub queue_key: &'a str,
    pub hold_until: Option<String>,
    pub registered_by: Option<i64>,
}

/// A new registration's row, its identifier given (drawn beforehand, see
/// `PERSON_UPSERT`): `{}` is PostgreSQL's `OVERRIDING SYSTEM VALUE` (its
/// identifiers are `GENERATED ALWAYS`) or nothing.
const FRESH_INSERT: &str = "INSERT INTO registrations (id, event_id, person_id, status, tracks_json, answers_json, structure_type, accessibility_needs, consent_at, created_at, updated_at, queue_key, hold_until, registered_by, calendar_sequence, calendar_sessions)
     {}VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
     ON CONFLICT (event_id, person_id) DO NOTHING";

impl SqlStore {
    /// A new registration that took its seats, with its days, its personal
    /// token, what its calendar file leaves and its email queued, in one
    /// round trip: the registrations' hot path, whose email is composed
    /// before anything is written (composing needs no identifier).
    /// PostgreSQL takes it as one statement, each insert after the first
    /// guarded by the first's row (`WHERE EXISTS (SELECT 1 FROM reg)`), so
    /// a person registered at the same instant through another connection
    /// leaves nothing written and `false`; SQLite as statements separated
    /// by `;` in one query, its single writer ruling that out. `then` is
    /// appended (a batch's registration releases its savepoint there).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn insert_fresh(
        &self,
        tx: &mut Tx<'_>,
        event: &EventRecord,
        row: &FreshRow<'_>,
        record: &RegistrationRecord,
        token_hash: &str,
        email: &OutgoingEmail,
        now: &str,
        then: &str,
    ) -> Result<bool> {
        let postgres = self.dialect == super::Dialect::Postgres;
        let days = vec!["(?, ?)"; record.sessions.len()].join(", ");
        let mut inserts = Vec::new();
        if !record.sessions.is_empty() {
            inserts.push(format!(
                "INSERT INTO registration_sessions (registration_id, idx) VALUES {days}"
            ));
        }
        inserts.push(TOKEN_INSERT.to_owned());
        inserts.push(format!(
            "{}{}",
            super::outbox::OUTBOX_INSERT,
            super::outbox::OUTBOX_ROW
        ));
        let sql = if postgres {
            let guarded: Vec<String> = inserts
                .iter()
                .map(|insert| {
                    let (head, rows) = insert
                        .split_once("VALUES ")
                        .expect("each insert has its VALUES");
                    format!(
                        "{head}SELECT * FROM (VALUES {rows}) AS v WHERE EXISTS (SELECT 1 FROM reg)"
                    )
                })
                .collect();
            let (last, ctes) = guarded.split_last().expect("the email is always queued");
            let mut sql = format!(
                "WITH reg AS ({} RETURNING id)",
                FRESH_INSERT.replace("{}", "OVERRIDING SYSTEM VALUE ")
            );
            for (n, cte) in ctes.iter().enumerate() {
                sql.push_str(&format!(", written{n} AS ({cte})"));
            }
            sql.push_str(&format!(" {last} RETURNING registration_id"));
            sql
        } else {
            format!(
                "{} RETURNING id; {}{then}",
                FRESH_INSERT.replace("{}", ""),
                inserts.join("; ")
            )
        };
        let sql = self.q(&sql);
        let calendar = calendar_left(record, email)?;
        let mut query = sqlx::query(&sql)
            .bind(row.id)
            .bind(event.id)
            .bind(row.person_id)
            .bind(row.status)
            .bind(row.tracks_json)
            .bind(row.answers_json)
            .bind(row.structure_type)
            .bind(row.accessibility_needs)
            .bind(now)
            .bind(now)
            .bind(now)
            .bind(row.queue_key)
            .bind(row.hold_until.as_deref())
            .bind(row.registered_by)
            .bind(calendar);
        for &idx in &record.sessions {
            query = query.bind(row.id).bind(idx as i64);
        }
        query = query
            .bind(token_hash)
            .bind(row.id)
            .bind(now)
            .bind(self.token_expiry(event));
        let written = super::outbox::bind_outbox_row(
            query,
            Some(row.id),
            NoticeKind::Registered.name(),
            email,
            now,
        )
        .fetch_all(&mut **tx)
        .await
        .context("failed to store a registration with its token and email")?;
        Ok(!written.is_empty())
    }
}

/// What the calendar file of a composed email leaves in the person's
/// calendar, as stored in `calendar_sessions`: the chosen days after a
/// published file, none after a cancellation; `None` when the email has no
/// file (nothing changes).
fn calendar_left(record: &RegistrationRecord, email: &OutgoingEmail) -> Result<Option<String>> {
    let Some(ics) = &email.ics else {
        return Ok(None);
    };
    let sessions: &[usize] = match Method::of(ics) {
        Some(Method::Cancel) => &[],
        _ => &record.sessions,
    };
    Ok(Some(serde_json::to_string(sessions)?))
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
        .bind(RESENT)
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
        self.queue(&mut tx, registration_id, RESENT, &email, &now)
            .await?;
        tx.commit().await?;
        Ok(true)
    }
}

impl SqlStore {
    pub(super) async fn resend_links_sql(
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
            let Some(event) = self.event_by_slug_sql(&slug).await? else {
                continue;
            };
            if retrying!(self.resend_once(&event, id, compose, now))? {
                queued += 1;
            }
        }
        Ok(queued)
    }

    pub(super) async fn queue_due_reminders_sql(
        &self,
        compose: Compose<'_>,
        now: DateTime<Utc>,
    ) -> Result<usize> {
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
                let event = self
                    .event_by_slug_sql(&slug)
                    .await?
                    .context("event vanished")?;
                events.insert(slug.clone(), event);
            }
            let event = &events[&slug];
            let starts_at = parse_timestamp(&row.try_get::<String, _>("starts_at")?)?;
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
        // Batches of distinct registrations (a registration with two days
        // due waits for the next batch, so each batch raises its calendar
        // sequence once), each one transaction of a few statements.
        let mut start = 0;
        while start < due.len() {
            let mut seen = std::collections::HashSet::new();
            let mut end = start;
            while end < due.len() && end - start < REMINDER_BATCH && seen.insert(due[end].0) {
                end += 1;
            }
            queued += self
                .queue_reminder_batch(&due[start..end], &events, compose, &now_text)
                .await?;
            start = end;
        }
        Ok(queued)
    }
}

/// Reminders queued in one transaction.
const REMINDER_BATCH: usize = 500;

/// Rows written by one multi-row `INSERT` (4 parameters each: far below
/// SQLite's and PostgreSQL's bounds).
const ROWS_PER_INSERT: usize = 1_000;

/// `?, ?, …` for `n` values.
fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

impl SqlStore {
    /// Queues the reminders of `batch` (registration, day, nearest offset,
    /// every offset whose time has come, event slug; each registration
    /// once) in one transaction: what [`Self::notify`] does for one
    /// registration, a statement for all of them at each step, the emails
    /// composed one by one and queued by [`Self::queue_many`]. A reminder
    /// goes out when its nearest offset's row of `reminders_sent` is new:
    /// rows and emails commit together, so a run that stops half-way
    /// leaves whole batches done and the next run carries on from there,
    /// nobody reminded twice.
    async fn queue_reminder_batch(
        &self,
        batch: &[(i64, usize, u32, Vec<u32>, String)],
        events: &std::collections::HashMap<String, EventRecord>,
        compose: Compose<'_>,
        now: &str,
    ) -> Result<usize> {
        use std::collections::{HashMap, HashSet};
        let mut tx = self.pool.begin().await?;
        // Every offset's row at once; those inserted come back.
        let rows: Vec<(i64, i64, i64)> = batch
            .iter()
            .flat_map(|(id, idx, _, offsets, _)| {
                offsets
                    .iter()
                    .map(move |m| (*id, *idx as i64, i64::from(*m)))
            })
            .collect();
        let mut fresh: HashSet<(i64, i64, i64)> = HashSet::new();
        for part in rows.chunks(ROWS_PER_INSERT) {
            let values = vec!["(?, ?, ?, ?)"; part.len()].join(", ");
            let sql = self.q(&format!(
                "INSERT INTO reminders_sent (registration_id, session_idx, minutes_before, created_at)
                 VALUES {values} ON CONFLICT DO NOTHING
                 RETURNING registration_id, session_idx, minutes_before"
            ));
            let mut query = sqlx::query(&sql);
            for (id, idx, minutes) in part {
                query = query.bind(*id).bind(*idx).bind(*minutes).bind(now);
            }
            for row in query
                .fetch_all(&mut *tx)
                .await
                .context("failed to record reminders")?
            {
                fresh.insert((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?));
            }
        }
        let sending: Vec<_> = batch
            .iter()
            .filter(|(id, idx, nearest, _, _)| {
                fresh.contains(&(*id, *idx as i64, i64::from(*nearest)))
            })
            .collect();
        if sending.is_empty() {
            tx.commit().await?;
            return Ok(0);
        }
        let ids: Vec<i64> = sending.iter().map(|(id, ..)| *id).collect();
        let list = placeholders(ids.len());
        // The registrations, as `load_registration` reads them.
        let sql = self.q(&format!(
            "SELECT r.id, r.event_id, r.status, r.tracks_json, r.calendar_sequence,
                    p.first_name, p.last_name, p.email
             FROM registrations r JOIN people p ON p.id = r.person_id WHERE r.id IN ({list})"
        ));
        let mut query = sqlx::query(&sql);
        for id in &ids {
            query = query.bind(*id);
        }
        let mut records: HashMap<i64, RegistrationRecord> = HashMap::new();
        let mut waiting = Vec::new();
        for row in query
            .fetch_all(&mut *tx)
            .await
            .context("failed to read registrations to remind")?
        {
            let status: String = row.try_get("status")?;
            let status =
                parvis_core::api::RegistrationStatus::parse(&status).with_context(|| {
                    format!("unknown registration status in the database: {status:?}")
                })?;
            let id: i64 = row.try_get("id")?;
            if status == parvis_core::api::RegistrationStatus::Waitlisted {
                // Its rank costs a count: read as one registration.
                waiting.push(id);
                continue;
            }
            records.insert(
                id,
                RegistrationRecord {
                    id,
                    event_id: row.try_get("event_id")?,
                    status: status.into(),
                    first_name: row.try_get("first_name")?,
                    last_name: row.try_get("last_name")?,
                    email: row.try_get("email")?,
                    tracks: super::decode_json(&row, "tracks_json")?,
                    sessions: Vec::new(),
                    calendar_sequence: u32::try_from(row.try_get::<i64, _>("calendar_sequence")?)
                        .unwrap_or_default(),
                },
            );
        }
        let sql = self.q(&format!(
            "SELECT registration_id, idx FROM registration_sessions
             WHERE registration_id IN ({list}) ORDER BY registration_id, idx"
        ));
        let mut query = sqlx::query(&sql);
        for id in &ids {
            query = query.bind(*id);
        }
        for row in query
            .fetch_all(&mut *tx)
            .await
            .context("failed to read chosen days")?
        {
            let id: i64 = row.try_get(0)?;
            if let Some(record) = records.get_mut(&id) {
                let idx: i64 = row.try_get(1)?;
                record
                    .sessions
                    .push(usize::try_from(idx).unwrap_or_default());
            }
        }
        for id in waiting {
            let record = self.load_registration(&mut tx, id).await?;
            records.insert(id, record);
        }
        // A fresh personal token each.
        let mut tokens = Vec::with_capacity(sending.len());
        for part in sending.chunks(ROWS_PER_INSERT) {
            let values = vec!["(?, ?, ?, ?)"; part.len()].join(", ");
            let sql = self.q(&format!(
                "INSERT INTO registration_tokens (token_hash, registration_id, created_at, expires_at)
                 VALUES {values}"
            ));
            let mut generated = Vec::with_capacity(part.len());
            for (id, _, _, _, slug) in part {
                let token = crate::token::generate()?;
                generated.push((*id, token, self.token_expiry(&events[slug])));
            }
            let mut query = sqlx::query(&sql);
            for (id, token, expiry) in &generated {
                query = query.bind(&token.hash).bind(*id).bind(now).bind(expiry);
            }
            query
                .execute(&mut *tx)
                .await
                .context("failed to store personal tokens")?;
            tokens.extend(generated.into_iter().map(|(_, token, _)| token.token));
        }
        // Each calendar version raised once.
        let sql = self.q(&format!(
            "UPDATE registrations SET calendar_sequence = calendar_sequence + 1
             WHERE id IN ({list}) RETURNING id, calendar_sequence, calendar_sessions"
        ));
        let mut query = sqlx::query(&sql);
        for id in &ids {
            query = query.bind(*id);
        }
        let mut calendars: HashMap<i64, (u32, Option<Vec<usize>>)> = HashMap::new();
        for row in query
            .fetch_all(&mut *tx)
            .await
            .context("failed to raise the calendar sequence")?
        {
            let sequence: i64 = row.try_get("calendar_sequence")?;
            let sent: Option<String> = row.try_get("calendar_sessions")?;
            let sent = sent
                .map(|json| serde_json::from_str(&json))
                .transpose()
                .context("stored calendar_sessions is not valid JSON")?;
            calendars.insert(
                row.try_get("id")?,
                (u32::try_from(sequence).unwrap_or(u32::MAX), sent),
            );
        }
        // Compose and queue; what each calendar file leaves, grouped.
        let mut calendar_sessions: HashMap<String, Vec<i64>> = HashMap::new();
        let mut emails = Vec::with_capacity(sending.len());
        for ((id, idx, nearest, _, slug), token) in sending.iter().zip(&tokens) {
            let record = records
                .get(id)
                .context("a registration to remind vanished")?;
            let (sequence, sent_sessions) = calendars
                .remove(id)
                .context("a registration to remind vanished")?;
            let kind = NoticeKind::Reminder {
                session: *idx,
                minutes_before: *nearest,
            };
            let email = compose(
                &events[slug],
                &Notice {
                    kind,
                    registration: record,
                    token,
                    sequence,
                    sent_sessions,
                },
            )?;
            if let Some(ics) = &email.ics {
                let sessions: &[usize] = match Method::of(ics) {
                    Some(Method::Cancel) => &[],
                    _ => &record.sessions,
                };
                calendar_sessions
                    .entry(serde_json::to_string(sessions)?)
                    .or_default()
                    .push(*id);
            }
            emails.push((*id, kind.name(), email));
        }
        self.queue_many(&mut tx, &emails, now).await?;
        for (sessions, ids) in calendar_sessions {
            let sql = self.q(&format!(
                "UPDATE registrations SET calendar_sessions = ? WHERE id IN ({})",
                placeholders(ids.len())
            ));
            let mut query = sqlx::query(&sql).bind(sessions);
            for id in ids {
                query = query.bind(id);
            }
            query
                .execute(&mut *tx)
                .await
                .context("failed to record the calendar sent")?;
        }
        tx.commit().await?;
        Ok(sending.len())
    }
}

/// Emails written by one multi-row `INSERT INTO outbox` (13 parameters
/// each).
const EMAILS_PER_INSERT: usize = 200;

impl SqlStore {
    /// Queues many emails about registrations in the caller's transaction,
    /// a multi-row statement per [`EMAILS_PER_INSERT`]: the rows
    /// `outbox::queue` writes one at a time, column for column (keep the
    /// two lists alike).
    async fn queue_many(
        &self,
        tx: &mut Tx<'_>,
        emails: &[(i64, &str, OutgoingEmail)],
        now: &str,
    ) -> Result<()> {
        for part in emails.chunks(EMAILS_PER_INSERT) {
            let values = vec![super::outbox::OUTBOX_ROW; part.len()].join(", ");
            let sql = self.q(&format!("{}{values}", super::outbox::OUTBOX_INSERT));
            let mut query = sqlx::query(&sql);
            for (registration_id, notice, email) in part {
                query = super::outbox::bind_outbox_row(
                    query,
                    Some(*registration_id),
                    notice,
                    email,
                    now,
                );
            }
            query
                .execute(&mut **tx)
                .await
                .context("failed to queue emails")?;
        }
        Ok(())
    }
}
