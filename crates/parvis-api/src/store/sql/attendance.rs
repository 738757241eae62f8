//! [`AttendanceStore`] on SQL: the `attendance` table (migration 0007), one
//! row per registration and session once marked, keyed by both, so the
//! marks of a page of registrations are one range of the primary key.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use async_trait::async_trait;
use parvis_core::presence::Source;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::SqlStore;
use crate::store::attendance::{AttendanceStore, Attendee, Expected, MarkedBy};
use crate::store::timestamp;

fn index(session: usize) -> i64 {
    i64::try_from(session).unwrap_or(i64::MAX)
}

fn present_of(row: &AnyRow) -> Result<Option<bool>> {
    let present: Option<i64> = row.try_get("present")?;
    Ok(present.map(|p| p != 0))
}

fn source_of(row: &AnyRow) -> Result<Option<Source>> {
    let source: Option<String> = row.try_get("source")?;
    source
        .map(|text| {
            Source::parse(&text)
                .with_context(|| format!("unknown attendance source in the database: {text:?}"))
        })
        .transpose()
}

#[async_trait]
impl AttendanceStore for SqlStore {
    async fn expected_at(
        &self,
        event_id: i64,
        session: usize,
        by_day: bool,
    ) -> Result<Vec<Expected>> {
        let day = if by_day {
            " AND EXISTS (SELECT 1 FROM registration_sessions s
                          WHERE s.registration_id = r.id AND s.idx = ?)"
        } else {
            ""
        };
        let sql = self.q(&format!(
            "SELECT r.id, p.first_name, p.last_name, p.email, p.organisation, a.present, a.source
             FROM registrations r JOIN people p ON p.id = r.person_id
             LEFT JOIN attendance a ON a.registration_id = r.id AND a.session_idx = ?
             WHERE r.event_id = ? AND r.status = 'confirmed'{day}
             ORDER BY r.id"
        ));
        let mut query = sqlx::query(&sql).bind(index(session)).bind(event_id);
        if by_day {
            query = query.bind(index(session));
        }
        let rows = query
            .fetch_all(&self.pool)
            .await
            .context("failed to read a session's roll")?;
        rows.iter()
            .map(|row| {
                Ok(Expected {
                    registration_id: row.try_get("id")?,
                    first_name: row.try_get("first_name")?,
                    last_name: row.try_get("last_name")?,
                    email: row.try_get("email")?,
                    organisation: row.try_get("organisation")?,
                    present: present_of(row)?,
                    source: source_of(row)?,
                })
            })
            .collect()
    }

    async fn set_attendance(
        &self,
        session: usize,
        marks: &[(i64, Option<bool>)],
        by: MarkedBy,
    ) -> Result<()> {
        retrying!(self.set_attendance_once(session, marks, by))
    }

    async fn attendance_between(
        &self,
        event_id: i64,
        after: i64,
        up_to: i64,
    ) -> Result<BTreeMap<i64, BTreeMap<usize, bool>>> {
        let rows = sqlx::query(&self.q("SELECT a.registration_id, a.session_idx, a.present
             FROM attendance a JOIN registrations r ON r.id = a.registration_id
             WHERE a.registration_id > ? AND a.registration_id <= ? AND r.event_id = ?"))
        .bind(after)
        .bind(up_to)
        .bind(event_id)
        .fetch_all(&self.pool)
        .await
        .context("failed to read marks of attendance")?;
        let mut marks: BTreeMap<i64, BTreeMap<usize, bool>> = BTreeMap::new();
        for row in &rows {
            let session: i64 = row.try_get("session_idx")?;
            let present: i64 = row.try_get("present")?;
            marks
                .entry(row.try_get("registration_id")?)
                .or_default()
                .insert(usize::try_from(session)?, present != 0);
        }
        Ok(marks)
    }

    async fn attendees(&self, event_id: i64) -> Result<Vec<Attendee>> {
        let rows = sqlx::query(&self.q(
            "SELECT r.id, a.session_idx, p.first_name, p.last_name, p.email
             FROM attendance a
             JOIN registrations r ON r.id = a.registration_id
             JOIN people p ON p.id = r.person_id
             WHERE r.event_id = ? AND a.present = 1
             ORDER BY r.id, a.session_idx",
        ))
        .bind(event_id)
        .fetch_all(&self.pool)
        .await
        .context("failed to read an event's attendees")?;
        let mut attendees: Vec<Attendee> = Vec::new();
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            let session = usize::try_from(row.try_get::<i64, _>("session_idx")?)?;
            match attendees.last_mut() {
                Some(last) if last.registration_id == id => last.sessions.push(session),
                _ => attendees.push(Attendee {
                    registration_id: id,
                    first_name: row.try_get("first_name")?,
                    last_name: row.try_get("last_name")?,
                    email: row.try_get("email")?,
                    sessions: vec![session],
                }),
            }
        }
        Ok(attendees)
    }
}

impl SqlStore {
    async fn set_attendance_once(
        &self,
        session: usize,
        marks: &[(i64, Option<bool>)],
        by: MarkedBy,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let upsert = self.q(
            "INSERT INTO attendance (registration_id, session_idx, present, source, marked_at, marked_by)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (registration_id, session_idx) DO UPDATE SET
                 present = excluded.present, source = excluded.source,
                 marked_at = excluded.marked_at, marked_by = excluded.marked_by",
        );
        let delete = self.q("DELETE FROM attendance WHERE registration_id = ? AND session_idx = ?");
        let at = timestamp(by.at);
        for &(registration, present) in marks {
            match present {
                Some(present) => {
                    sqlx::query(&upsert)
                        .bind(registration)
                        .bind(index(session))
                        .bind(i64::from(present))
                        .bind(by.source.as_str())
                        .bind(at.as_str())
                        .bind(by.account_id)
                        .execute(&mut *tx)
                        .await
                        .context("failed to mark attendance")?;
                }
                None => {
                    sqlx::query(&delete)
                        .bind(registration)
                        .bind(index(session))
                        .execute(&mut *tx)
                        .await
                        .context("failed to take a mark of attendance away")?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
