//! [`RegistrantStore`] on SQL: an event's registrants a page at a time, in
//! registration id order (`registrations_event (event_id, id)`, migration
//! 0005: no page sorts the event's rows) with their days, their waiting
//! ranks counted from page to page, and their counts by wish and status.

use std::collections::HashMap;

use anyhow::{Context, Result};
use async_trait::async_trait;
use parvis_core::api::{RegistrationStatus, quota};
use serde::Deserialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Dialect, SqlStore};
use crate::store::registrants::{
    Registrant, RegistrantFilter, RegistrantStore, WaitingRanks, WishCount,
};
use crate::store::{EventRecord, parse_timestamp};

fn status_of(text: &str) -> Result<RegistrationStatus> {
    RegistrationStatus::parse(text)
        .with_context(|| format!("unknown registration status in the database: {text:?}"))
}

/// `%|track:{id}|%`, the workshop's key inside `'|' || queue_key || '|'`,
/// with LIKE's wildcards escaped.
fn track_pattern(track: &str) -> String {
    let mut pattern = String::from("%|");
    for c in quota::track(track).chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push_str("|%");
    pattern
}

/// The `AND …` conditions of a filter on `registrations r`, and what they
/// bind, in order.
fn conditions(filter: &RegistrantFilter) -> (String, Vec<Bind>) {
    let mut sql = String::new();
    let mut binds = Vec::new();
    if let Some(status) = filter.status {
        sql.push_str(" AND r.status = ?");
        binds.push(Bind::Text(status.as_str().to_owned()));
    }
    if let Some(structure) = &filter.structure_type {
        sql.push_str(" AND r.structure_type = ?");
        binds.push(Bind::Text(structure.clone()));
    }
    if let Some(track) = &filter.track {
        // The queue key lists every quota wanted, the workshops among them.
        sql.push_str(" AND ('|' || r.queue_key || '|') LIKE ? ESCAPE '\\'");
        binds.push(Bind::Text(track_pattern(track)));
    }
    if let Some(session) = filter.session {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM registration_sessions s WHERE s.registration_id = r.id AND s.idx = ?)",
        );
        binds.push(Bind::Int(i64::try_from(session).unwrap_or(i64::MAX)));
    }
    (sql, binds)
}

enum Bind {
    Text(String),
    Int(i64),
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    binds: &'q [Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for bind in binds {
        query = match bind {
            Bind::Text(text) => query.bind(text.as_str()),
            Bind::Int(n) => query.bind(*n),
        };
    }
    query
}

/// One registrant of a page (see `registrant_page`): a row, or an element
/// of the page's JSON array in the order of [`PAGE_COLUMNS`].
#[derive(Deserialize)]
struct PageRow {
    id: i64,
    status: String,
    tracks_json: String,
    answers_json: String,
    structure_type: String,
    accessibility_needs: Option<String>,
    created_at: String,
    queue_key: String,
    days: Option<String>,
    first_name: String,
    last_name: String,
    email: String,
    organisation: String,
    role: String,
    territory: Option<String>,
    registered_by: Option<String>,
}

/// The columns of a page's rows, as the inner query names them.
const PAGE_COLUMNS: &str = "id, status, tracks_json, answers_json, structure_type,
     accessibility_needs, created_at, queue_key, days, first_name, last_name, email,
     organisation, role, territory, registered_by";

impl PageRow {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: row.try_get("id")?,
            status: row.try_get("status")?,
            tracks_json: row.try_get("tracks_json")?,
            answers_json: row.try_get("answers_json")?,
            structure_type: row.try_get("structure_type")?,
            accessibility_needs: row.try_get("accessibility_needs")?,
            created_at: row.try_get("created_at")?,
            queue_key: row.try_get("queue_key")?,
            days: row.try_get("days")?,
            first_name: row.try_get("first_name")?,
            last_name: row.try_get("last_name")?,
            email: row.try_get("email")?,
            organisation: row.try_get("organisation")?,
            role: row.try_get("role")?,
            territory: row.try_get("territory")?,
            registered_by: row.try_get("registered_by")?,
        })
    }

    /// The registrant, and the queue it waits in.
    fn registrant(self) -> Result<(Registrant, String)> {
        let mut sessions = self
            .days
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .filter(|day| !day.is_empty())
            .map(|day| day.parse::<usize>().context("a stored day is not a number"))
            .collect::<Result<Vec<_>>>()?;
        sessions.sort_unstable();
        let registrant = Registrant {
            id: self.id,
            status: status_of(&self.status)?,
            rank: None,
            first_name: self.first_name,
            last_name: self.last_name,
            email: self.email,
            organisation: self.organisation,
            role: self.role,
            structure_type: self.structure_type,
            territory: self.territory,
            tracks: serde_json::from_str(&self.tracks_json)
                .context("stored workshops are not valid JSON")?,
            sessions,
            answers: serde_json::from_str(&self.answers_json)
                .context("stored answers are not valid JSON")?,
            accessibility_needs: self.accessibility_needs,
            registered_at: parse_timestamp(&self.created_at)?,
            registered_by: self.registered_by,
        };
        Ok((registrant, self.queue_key))
    }
}

#[async_trait]
impl RegistrantStore for SqlStore {
    async fn organisation_event(
        &self,
        organisation_id: i64,
        slug: &str,
    ) -> Result<Option<EventRecord>> {
        let owned: Option<i64> = sqlx::query_scalar(
            &self.q("SELECT id FROM events WHERE slug = ? AND organisation_id = ?"),
        )
        .bind(slug)
        .bind(organisation_id)
        .fetch_optional(&self.pool)
        .await
        .context("failed to look for an organisation's event")?;
        if owned.is_none() {
            return Ok(None);
        }
        self.event_by_slug_sql(slug).await
    }

    async fn registrant_page(
        &self,
        event_id: i64,
        filter: &RegistrantFilter,
        after: i64,
        limit: u32,
        ranks: &mut WaitingRanks,
    ) -> Result<Vec<Registrant>> {
        let (conditions, binds) = conditions(filter);
        // The days in the same statement, as a list (`0,2`): one look-up
        // of the primary key per row, rather than a second statement.
        let days = match self.dialect {
            Dialect::Sqlite => "group_concat(s.idx, ',')",
            Dialect::Postgres => "string_agg(CAST(s.idx AS TEXT), ',')",
        };
        let rows_sql = format!(
            "SELECT r.id, r.status, r.tracks_json, r.answers_json, r.structure_type,
                    r.accessibility_needs, r.created_at, COALESCE(r.queue_key, '') AS queue_key,
                    (SELECT {days} FROM registration_sessions s WHERE s.registration_id = r.id) AS days,
                    p.first_name, p.last_name, p.email, p.organisation, p.role, p.territory,
                    a.name AS registered_by
             FROM registrations r JOIN people p ON p.id = r.person_id
             LEFT JOIN accounts a ON a.id = r.registered_by
             WHERE r.event_id = ? AND r.id > ?{conditions}
             ORDER BY r.id LIMIT ?"
        );
        let rows: Vec<PageRow> = match self.dialect {
            // On SQLite the whole page comes as one JSON array of rows,
            // built by the database: one row through sqlx instead of a
            // thousand, each of which its Any driver would copy column by
            // column, names included, and hand over from the connection's
            // thread (most of an export's time: 100,000 registrants in
            // 0.5 s instead of 0.8–1.4). PostgreSQL builds such JSON more
            // slowly than it sends rows (1.0 s instead of 0.8): rows there.
            Dialect::Sqlite => {
                let sql = format!(
                    "SELECT {} AS page FROM ({rows_sql}) AS page_rows",
                    Dialect::Sqlite.json_rows(PAGE_COLUMNS, "id")
                );
                let query = sqlx::query(&sql).bind(event_id).bind(after);
                let json: String = bind_all(query, &binds)
                    .bind(i64::from(limit))
                    .fetch_one(&self.pool)
                    .await
                    .context("failed to read a page of registrants")?
                    .try_get("page")?;
                serde_json::from_str(&json).context("a page of registrants is not valid JSON")?
            }
            Dialect::Postgres => {
                let sql = self.q(&rows_sql);
                let query = sqlx::query(&sql).bind(event_id).bind(after);
                bind_all(query, &binds)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .context("failed to read a page of registrants")?
                    .iter()
                    .map(PageRow::from_row)
                    .collect::<Result<_>>()?
            }
        };
        let mut page = Vec::with_capacity(rows.len());
        let mut queues = Vec::with_capacity(rows.len());
        for row in rows {
            let (registrant, queue) = row.registrant()?;
            page.push(registrant);
            queues.push(queue);
        }
        if page.is_empty() {
            return Ok(page);
        }
        self.add_ranks(event_id, filter, after, &mut page, &queues, ranks)
            .await?;
        Ok(page)
    }

    async fn count_registrants(&self, event_id: i64, filter: &RegistrantFilter) -> Result<u32> {
        let (conditions, binds) = conditions(filter);
        let sql = self.q(&format!(
            "SELECT COUNT(*) FROM registrations r WHERE r.event_id = ?{conditions}"
        ));
        let query = sqlx::query(&sql).bind(event_id);
        let row = bind_all(query, &binds)
            .fetch_one(&self.pool)
            .await
            .context("failed to count registrants")?;
        let count: i64 = row.try_get(0)?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    async fn wish_counts(&self, event_id: i64) -> Result<Vec<WishCount>> {
        let rows = sqlx::query(
            &self.q("SELECT queue_key, status, COUNT(*) AS n FROM registrations
             WHERE event_id = ? GROUP BY queue_key, status"),
        )
        .bind(event_id)
        .fetch_all(&self.pool)
        .await
        .context("failed to count registrations by wish")?;
        rows.iter()
            .map(|row| {
                let key: Option<String> = row.try_get("queue_key")?;
                let count: i64 = row.try_get("n")?;
                Ok(WishCount {
                    // A row older than queue keys (filled in when the store
                    // opens) counts for the event alone.
                    wish: key.map_or_else(
                        || vec![quota::EVENT.to_owned()],
                        |key| key.split('|').map(str::to_owned).collect(),
                    ),
                    status: status_of(&row.try_get::<String, _>("status")?)?,
                    count: u32::try_from(count).unwrap_or(u32::MAX),
                })
            })
            .collect()
    }
}

impl SqlStore {
    /// The waiting rank of each waitlisted registrant of a page: its place
    /// in its own queue (people waiting for the same quotas), counted as
    /// the registration path counts it, by carrying the queues' lengths
    /// from page to page (`ranks`).
    ///
    /// Every row of a queue passes the same status, workshop and day
    /// filters (the queue key names its quotas), so, read in order from
    /// where the count stands, a page shows every waiting registration
    /// that its own ranks depend on: it is counted from the page itself,
    /// with no statement. A page read from further on first counts what
    /// lies before (one grouped count); under a structure-type filter,
    /// which splits queues, the waiting ids up to the page's end are read
    /// (each once over a whole export).
    async fn add_ranks(
        &self,
        event_id: i64,
        filter: &RegistrantFilter,
        after: i64,
        page: &mut [Registrant],
        queues: &[String],
        ranks: &mut WaitingRanks,
    ) -> Result<()> {
        if ranks.counted_to > after {
            // Not the page after the last one counted: start afresh.
            *ranks = WaitingRanks::default();
        }
        let waits = |r: &Registrant| r.status == RegistrationStatus::Waitlisted;
        let last = page[page.len() - 1].id;
        if !page.iter().any(waits) {
            if filter.structure_type.is_none() && ranks.counted_to == after {
                ranks.counted_to = last;
            }
            return Ok(());
        }
        if filter.structure_type.is_some() {
            let rows = sqlx::query(&self.q(
                "SELECT id, COALESCE(queue_key, '') AS queue_key FROM registrations
                 WHERE event_id = ? AND status = 'waitlisted' AND id > ? AND id <= ? ORDER BY id",
            ))
            .bind(event_id)
            .bind(ranks.counted_to)
            .bind(last)
            .fetch_all(&self.pool)
            .await
            .context("failed to read waiting queues")?;
            let mut found: HashMap<i64, u32> = HashMap::new();
            for row in &rows {
                let length = ranks.lengths.entry(row.try_get("queue_key")?).or_default();
                *length += 1;
                found.insert(row.try_get("id")?, *length);
            }
            ranks.counted_to = last;
            for registrant in page.iter_mut().filter(|r| waits(r)) {
                registrant.rank = found.get(&registrant.id).copied();
            }
            return Ok(());
        }
        if ranks.counted_to < after {
            let rows = sqlx::query(&self.q(
                "SELECT COALESCE(queue_key, '') AS queue_key, COUNT(*) AS n FROM registrations
                 WHERE event_id = ? AND status = 'waitlisted' AND id > ? AND id <= ?
                 GROUP BY queue_key",
            ))
            .bind(event_id)
            .bind(ranks.counted_to)
            .bind(after)
            .fetch_all(&self.pool)
            .await
            .context("failed to count waiting queues")?;
            for row in &rows {
                let n: i64 = row.try_get("n")?;
                *ranks.lengths.entry(row.try_get("queue_key")?).or_default() +=
                    u32::try_from(n).unwrap_or(u32::MAX);
            }
            ranks.counted_to = after;
        }
        for (registrant, queue) in page.iter_mut().zip(queues) {
            if waits(registrant) {
                let length = ranks.lengths.entry(queue.clone()).or_default();
                *length += 1;
                registrant.rank = Some(*length);
            }
        }
        ranks.counted_to = last;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workshop_pattern_escapes_like_wildcards() {
        assert_eq!(track_pattern("atelier-1"), "%|track:atelier-1|%");
        assert_eq!(track_pattern("a_b%c"), "%|track:a\\_b\\%c|%");
    }
}
