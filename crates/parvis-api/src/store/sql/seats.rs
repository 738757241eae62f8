//! Seats and waiting lists: the quotas a registration needs, seats taken
//! and freed inside the caller's transaction, the queues of waiting
//! registrations, their ranks, and promotion when seats are freed.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use parvis_core::api::{EventPublic, RegistrationStatus, Seats, quota};
use sqlx::Row;

use super::{Dialect, SqlStore, Tx};
use crate::store::{
    Compose, EventRecord, NoticeKind, RegistrationRecord, Status, parse_timestamp, timestamp,
};

/// Every quota a registration needs, limited or not, sorted: the event,
/// each chosen workshop and, when days are chosen, each chosen day.
pub(super) fn wish(event: &EventPublic, tracks: &[String], sessions: &[usize]) -> Vec<String> {
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
pub(super) fn queue_key(wish: &[String]) -> String {
    wish.join("|")
}

/// The quota keys a registration takes, sorted so that concurrent
/// transactions lock quota rows in the same order (no deadlock).
/// Only limited quotas (those with a row, as the event's availability
/// lists them) are kept: an event without seat limits costs no statement.
pub(super) fn quota_keys(
    event: &EventPublic,
    tracks: &[String],
    sessions: &[usize],
) -> Vec<String> {
    let mut keys = wish(event, tracks, sessions);
    keys.retain(|key| event.availability.0.contains_key(key));
    keys
}

/// The status a registration that got its seats starts with: confirmed, or
/// pending its address when the event asks for address confirmation.
pub(super) fn seated(event: &EventRecord) -> RegistrationStatus {
    if event.public.address_confirmation {
        RegistrationStatus::Pending
    } else {
        RegistrationStatus::Confirmed
    }
}

/// Until when a registration of this status holds its seats unconfirmed.
pub(super) fn hold_until(status: RegistrationStatus, now: &DateTime<Utc>) -> Option<String> {
    (status == RegistrationStatus::Pending).then(|| {
        timestamp(*now + chrono::Duration::minutes(parvis_core::api::ADDRESS_CONFIRMATION_MINUTES))
    })
}

impl SqlStore {
    /// `event` with its seats as they are in the transaction: the waiting
    /// list's email names what is full and what is not, which a copy of
    /// the event read before (see [`SqlStore::event_for_registration_sql`])
    /// may not know.
    pub(super) async fn with_seats_now(
        &self,
        tx: &mut Tx<'_>,
        event: &EventRecord,
    ) -> Result<EventRecord> {
        let quotas: Vec<(String, i64, i64)> =
            sqlx::query_as(&self.q("SELECT key, capacity, taken FROM quotas WHERE event_id = ?"))
                .bind(event.id)
                .fetch_all(&mut **tx)
                .await
                .context("failed to read the seats")?;
        let mut event = event.clone();
        event.public.availability.0 = quotas
            .into_iter()
            .map(|(key, capacity, taken)| {
                let seats = Seats {
                    capacity: u32::try_from(capacity).unwrap_or_default(),
                    taken: u32::try_from(taken).unwrap_or_default(),
                };
                (key, seats)
            })
            .collect();
        Ok(event)
    }

    /// Takes one seat in each quota, or none: `false` when one is full.
    pub(super) async fn take_seats(
        &self,
        tx: &mut Tx<'_>,
        event_id: i64,
        keys: &[String],
    ) -> Result<bool> {
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

    pub(super) async fn release_seats(
        &self,
        tx: &mut Tx<'_>,
        event_id: i64,
        keys: &[String],
    ) -> Result<()> {
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

    pub(super) async fn rank(
        &self,
        tx: &mut Tx<'_>,
        event_id: i64,
        registration_id: i64,
    ) -> Result<u32> {
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
    pub(super) async fn add_queue(&self, tx: &mut Tx<'_>, event_id: i64, key: &str) -> Result<()> {
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
    pub(super) async fn lock_quotas(&self, tx: &mut Tx<'_>, event_id: i64) -> Result<()> {
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

    /// Gives a registration that just got its seats its status (confirmed,
    /// or pending its address for a while); returns it.
    pub(super) async fn set_seated(
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

    /// Gives freed seats to whoever waits for them, in order of arrival.
    ///
    /// The cost follows the seats freed, not the length of the waiting
    /// list: each round reads the event's few quotas and queues, picks the
    /// oldest registration among the queues whose every quota has room (one
    /// indexed look-up per queue), and promotes it; it stops as soon as no
    /// queue can be served. The caller holds the event's quota rows
    /// ([`Self::lock_quotas`]).
    pub(super) async fn promote(
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
                .set_seated(tx, event, id, parse_timestamp(now)?)
                .await?;
            let record = RegistrationRecord { status, ..record };
            self.notify(tx, event, &record, NoticeKind::Promoted, compose, now)
                .await?;
        }
    }
}
