//! [`PublicationStore`] on SQL (migration 0013): `publications` with their
//! normalised search text, `publication_themes` (the theme filter and its
//! counts, exact), `publication_events`, `publication_files`,
//! `publication_downloads` (a count per month, upserted) and the one row of
//! `publication_settings` (the signing key; the catalogue's version, raised
//! by every write, and its facets computed once for that version).
//!
//! The catalogue is one statement: an inner query picks the page's ids with
//! `COUNT(*) OVER ()` (the count of every match, computed before `LIMIT`)
//! from the index `(published, published_on DESC, id DESC)`, and the outer
//! one reads those rows with their organisation and first file.

use anyhow::{Context, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parvis_core::api::ReportLink;
use parvis_core::publications::{
    Access, CheckedPublication, Facet, Facets, MonthlyDownloads, PublicationCard, PublicationFile,
    PublicationKind, Publisher, paths,
};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{SqlStore, Tx};
use crate::store::publications::{
    CatalogueFilter, CataloguePage, EventReport, FileRecord, LinkedEventRecord, NewFile,
    PublicationRecord, PublicationStore, access_of, signed_path,
};
use crate::store::timestamp;

/// The linked publication an event shows (a report rather than a
/// programme, then the newest), as the tail of a subquery over
/// `publication_events pe JOIN publications p` for the event `{event}`.
fn linked(event: &str) -> String {
    format!(
        "FROM publication_events pe JOIN publications p ON p.id = pe.publication_id
         WHERE pe.event_id = {event} AND p.published = 1
         ORDER BY CASE WHEN p.kind = 'programme' THEN 1 ELSE 0 END, p.published_on DESC, p.id DESC
         LIMIT 1"
    )
}

/// The first file of the publication `p`, as a join condition.
const FIRST_FILE: &str = "f.id = (SELECT f2.id FROM publication_files f2
     WHERE f2.publication_id = p.id ORDER BY f2.position, f2.id LIMIT 1)";

/// What a search looks into: title, summary, authors and themes,
/// normalised as the agenda's.
fn search_text(fields: &CheckedPublication) -> String {
    let mut parts: Vec<&str> = vec![&fields.title, &fields.authors];
    parts.extend(fields.summary.iter().map(String::as_str));
    parts.extend(fields.themes.iter().map(String::as_str));
    parvis_core::search::normalise(&parts.join(" "))
}

fn kind_of(text: &str) -> Result<PublicationKind> {
    PublicationKind::parse(text).with_context(|| format!("unknown publication kind {text:?}"))
}

fn json_list(row: &AnyRow, column: &str) -> Result<Vec<String>> {
    super::decode_json(row, column)
}

fn count_of(row: &AnyRow, column: &str) -> Result<u64> {
    Ok(u64::try_from(row.try_get::<i64, _>(column)?).unwrap_or_default())
}

fn file_of(row: &AnyRow) -> Result<FileRecord> {
    Ok(FileRecord {
        id: row.try_get("id")?,
        label: row.try_get("label")?,
        name: row.try_get("name")?,
        size: count_of(row, "size")?,
        sha256: row.try_get("sha256")?,
        accessible: row.try_get::<i64, _>("accessible")? != 0,
        storage_key: row.try_get("storage_key")?,
    })
}

fn hex_decode(text: &str) -> Result<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .context("the stored download key is not hexadecimal")
        })
        .collect()
}

impl SqlStore {
    /// Raises the catalogue's version: its facets are computed again.
    async fn bump_catalogue(&self, tx: &mut Tx<'_>) -> Result<()> {
        sqlx::query(
            "UPDATE publication_settings SET catalogue_version = catalogue_version + 1 WHERE id = 1",
        )
        .execute(&mut **tx)
        .await
        .context("failed to raise the catalogue's version")?;
        Ok(())
    }

    /// Replaces a publication's themes and linked events (the
    /// organisation's only, in the order given).
    async fn replace_links(
        &self,
        tx: &mut Tx<'_>,
        id: i64,
        organisation_id: i64,
        fields: &CheckedPublication,
    ) -> Result<()> {
        for table in ["publication_themes", "publication_events"] {
            sqlx::query(&self.q(&format!("DELETE FROM {table} WHERE publication_id = ?")))
                .bind(id)
                .execute(&mut **tx)
                .await
                .with_context(|| format!("failed to clear a publication's {table}"))?;
        }
        for theme in &fields.themes {
            sqlx::query(&self.q(
                "INSERT INTO publication_themes (publication_id, theme) VALUES (?, ?)
                 ON CONFLICT DO NOTHING",
            ))
            .bind(id)
            .bind(theme)
            .execute(&mut **tx)
            .await
            .context("failed to store a publication's theme")?;
        }
        for (position, slug) in fields.events.iter().enumerate() {
            sqlx::query(&self.q(
                "INSERT INTO publication_events (publication_id, event_id, position)
                 SELECT ?, id, ? FROM events WHERE slug = ? AND organisation_id = ?
                 ON CONFLICT DO NOTHING",
            ))
            .bind(id)
            .bind(position as i64)
            .bind(slug)
            .bind(organisation_id)
            .execute(&mut **tx)
            .await
            .context("failed to link a publication to an event")?;
        }
        Ok(())
    }

    /// A publication with its links and files, by a condition on `p`.
    async fn record_where(
        &self,
        condition: &str,
        value: &str,
    ) -> Result<Option<PublicationRecord>> {
        let row = sqlx::query(&self.q(&format!(
            "SELECT p.*, o.slug AS organisation_slug, o.name AS organisation_name
             FROM publications p JOIN organisations o ON o.id = p.organisation_id
             WHERE {condition}"
        )))
        .bind(value)
        .fetch_optional(&self.pool)
        .await
        .context("failed to read a publication")?;
        match row {
            Some(row) => Ok(Some(self.record_of(&row).await?)),
            None => Ok(None),
        }
    }

    async fn record_of(&self, row: &AnyRow) -> Result<PublicationRecord> {
        let id: i64 = row.try_get("id")?;
        let now = Utc::now();
        let events = sqlx::query(&self.q(
            "SELECT e.slug, e.status, e.data_json FROM publication_events pe
             JOIN events e ON e.id = pe.event_id
             WHERE pe.publication_id = ? ORDER BY pe.position",
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .context("failed to read a publication's events")?
        .iter()
        .map(|row| {
            let public = super::events::public_of(row, now)?;
            let status = super::events::status_of(row)?;
            Ok(LinkedEventRecord {
                slug: row.try_get("slug")?,
                title: public.title,
                public: status != parvis_core::editor::EventStatus::Draft,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let files =
            sqlx::query(&self.q(
                "SELECT * FROM publication_files WHERE publication_id = ? ORDER BY position, id",
            ))
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .context("failed to read a publication's files")?
            .iter()
            .map(file_of)
            .collect::<Result<Vec<_>>>()?;
        Ok(PublicationRecord {
            id,
            organisation_id: row.try_get("organisation_id")?,
            organisation: Publisher {
                slug: row.try_get("organisation_slug")?,
                name: row.try_get("organisation_name")?,
            },
            slug: row.try_get("slug")?,
            fields: CheckedPublication {
                title: row.try_get("title")?,
                kind: kind_of(&row.try_get::<String, _>("kind")?)?,
                authors: row.try_get("authors")?,
                published_on: row.try_get("published_on")?,
                period: row.try_get("period")?,
                summary: json_list(row, "summary_json")?,
                themes: json_list(row, "themes_json")?,
                territories: json_list(row, "territories_json")?,
                events: events.iter().map(|e| e.slug.clone()).collect(),
                accessible_url: row.try_get("accessible_url")?,
                access: access_of(&row.try_get::<String, _>("access")?)?,
                published: row.try_get::<i64, _>("published")? != 0,
            },
            events,
            files,
        })
    }

    async fn compute_facets(&self) -> Result<Facets> {
        let mut facets = Facets::default();
        let rows = sqlx::query(
            "SELECT kind, COUNT(*) AS n FROM publications WHERE published = 1 GROUP BY kind",
        )
        .fetch_all(&self.pool)
        .await
        .context("failed to count the catalogue's kinds")?;
        let mut kinds = Vec::new();
        for row in &rows {
            kinds.push((
                kind_of(&row.try_get::<String, _>("kind")?)?,
                count_of(row, "n")?,
            ));
        }
        kinds.sort();
        facets.kinds = kinds
            .into_iter()
            .map(|(kind, count)| Facet {
                value: kind.as_str().to_owned(),
                label: kind.label().to_owned(),
                count,
            })
            .collect();
        let rows = sqlx::query(
            "SELECT t.theme, COUNT(*) AS n FROM publication_themes t
             JOIN publications p ON p.id = t.publication_id
             WHERE p.published = 1 GROUP BY t.theme",
        )
        .fetch_all(&self.pool)
        .await
        .context("failed to count the catalogue's themes")?;
        for row in &rows {
            let theme: String = row.try_get("theme")?;
            facets.themes.push(Facet {
                value: theme.clone(),
                label: theme,
                count: count_of(row, "n")?,
            });
        }
        // Alphabetical the French way: accents and case aside.
        facets.themes.sort_by_cached_key(|facet| {
            (
                parvis_core::search::normalise(&facet.label),
                facet.label.clone(),
            )
        });
        let rows = sqlx::query(
            "SELECT SUBSTR(published_on, 1, 4) AS year, COUNT(*) AS n FROM publications
             WHERE published = 1 GROUP BY SUBSTR(published_on, 1, 4)
             ORDER BY SUBSTR(published_on, 1, 4) DESC",
        )
        .fetch_all(&self.pool)
        .await
        .context("failed to count the catalogue's years")?;
        for row in &rows {
            let year: String = row.try_get("year")?;
            facets.years.push(Facet {
                value: year.clone(),
                label: year,
                count: count_of(row, "n")?,
            });
        }
        let rows = sqlx::query(
            "SELECT o.slug, o.name, COUNT(*) AS n FROM publications p
             JOIN organisations o ON o.id = p.organisation_id
             WHERE p.published = 1 GROUP BY o.slug, o.name",
        )
        .fetch_all(&self.pool)
        .await
        .context("failed to count the catalogue's organisations")?;
        for row in &rows {
            facets.organisations.push(Facet {
                value: row.try_get("slug")?,
                label: row.try_get("name")?,
                count: count_of(row, "n")?,
            });
        }
        facets.organisations.sort_by_cached_key(|facet| {
            (
                parvis_core::search::normalise(&facet.label),
                facet.value.clone(),
            )
        });
        Ok(facets)
    }

    /// The columns of an event's linked publication and its first file,
    /// in a query on `events e` with [`Self::event_report_joins`].
    pub(super) const EVENT_REPORT_COLUMNS: &str = "p.slug AS report_slug, p.title AS report_title,
         p.access AS report_access, f.id AS report_file_id";

    /// The joins that bring [`Self::EVENT_REPORT_COLUMNS`] in.
    pub(super) fn event_report_joins() -> String {
        format!(
            "LEFT JOIN publications p ON p.id = (SELECT p.id {})
             LEFT JOIN publication_files f ON {FIRST_FILE}",
            linked("e.id")
        )
    }

    /// What an event's linked publication gives it (see [`EventReport`]),
    /// from [`Self::EVENT_REPORT_COLUMNS`]: a reserved file's link is
    /// signed to expire with the event's personal links, `ends_at` plus the
    /// retention period.
    pub(super) async fn event_report_of(
        &self,
        row: &AnyRow,
        ends_at: DateTime<Utc>,
    ) -> Result<Option<EventReport>> {
        let slug: Option<String> = row.try_get("report_slug")?;
        let Some(slug) = slug else {
            return Ok(None);
        };
        let title: String = row.try_get("report_title")?;
        let file_id: Option<String> = row.try_get("report_file_id")?;
        let file = match (
            file_id,
            access_of(&row.try_get::<String, _>("report_access")?)?,
        ) {
            (None, _) => None,
            (Some(id), Access::Public) => Some(paths::file(&slug, &id)),
            (Some(id), Access::Inscrits) => {
                let key = self.download_key_sql().await?;
                Some(signed_path(
                    &key,
                    &slug,
                    &id,
                    ends_at + self.token_retention,
                ))
            }
        };
        Ok(Some(EventReport {
            page: ReportLink {
                title: title.clone(),
                url: paths::page(&slug),
            },
            file: file.map(|url| ReportLink { title, url }),
        }))
    }

    /// The agenda's columns naming each event's linked publication.
    pub(super) fn linked_report_columns() -> String {
        let tail = linked("events.id");
        format!("(SELECT p.slug {tail}) AS report_slug, (SELECT p.title {tail}) AS report_title")
    }

    /// The report an agenda row links to, from [`Self::linked_report_columns`].
    pub(super) fn linked_report_of(row: &AnyRow) -> Result<Option<ReportLink>> {
        let slug: Option<String> = row.try_get("report_slug")?;
        let title: Option<String> = row.try_get("report_title")?;
        Ok(slug.zip(title).map(|(slug, title)| ReportLink {
            title,
            url: paths::page(&slug),
        }))
    }

    /// The key that signs reserved files' links: written once, by the
    /// first replica to need it, and never changed, so each store reads it
    /// once.
    pub(super) async fn download_key_sql(&self) -> Result<Vec<u8>> {
        self.download_key
            .get_or_try_init(|| self.read_download_key())
            .await
            .cloned()
    }

    async fn read_download_key(&self) -> Result<Vec<u8>> {
        let read = || async {
            sqlx::query_scalar::<_, Option<String>>(
                "SELECT download_key FROM publication_settings WHERE id = 1",
            )
            .fetch_one(&self.pool)
            .await
            .context("failed to read the download key")
        };
        if let Some(key) = read().await? {
            return hex_decode(&key);
        }
        // Replicas asking at once: the first key written is everyone's.
        sqlx::query(&self.q(
            "UPDATE publication_settings SET download_key = ? WHERE id = 1 AND download_key IS NULL",
        ))
        .bind(crate::token::random_hex(32)?)
        .execute(&self.pool)
        .await
        .context("failed to store the download key")?;
        hex_decode(&read().await?.context("the download key was just stored")?)
    }
}

#[async_trait]
impl PublicationStore for SqlStore {
    async fn catalogue_page(
        &self,
        filter: &CatalogueFilter,
        offset: u64,
        limit: u32,
    ) -> Result<CataloguePage> {
        let mut conditions = String::from("published = 1");
        let mut binds: Vec<String> = Vec::new();
        for term in &filter.terms {
            // Terms are normalised to letters, digits and spaces: no LIKE
            // wildcard can slip through.
            conditions.push_str(" AND search_text LIKE ?");
            binds.push(format!("%{term}%"));
        }
        if let Some(kind) = filter.kind {
            conditions.push_str(" AND kind = ?");
            binds.push(kind.as_str().to_owned());
        }
        if let Some(year) = filter.year {
            conditions.push_str(" AND published_on >= ? AND published_on < ?");
            binds.push(format!("{year:04}-01-01"));
            binds.push(format!("{:04}-01-01", year + 1));
        }
        if let Some(theme) = &filter.theme {
            conditions.push_str(
                " AND id IN (SELECT publication_id FROM publication_themes WHERE theme = ?)",
            );
            binds.push(theme.clone());
        }
        if let Some(organisation) = &filter.organisation {
            conditions
                .push_str(" AND organisation_id = (SELECT id FROM organisations WHERE slug = ?)");
            binds.push(organisation.clone());
        }
        let sql = self.q(&format!(
            "SELECT p.slug, p.title, p.kind, p.authors, p.published_on, p.summary_json,
                    p.themes_json, p.access, o.name AS organisation_name, h.total,
                    f.id AS file_id, f.label AS file_label, f.name AS file_name,
                    f.size AS file_size, f.accessible AS file_accessible
             FROM (SELECT id, published_on, COUNT(*) OVER () AS total FROM publications
                   WHERE {conditions}
                   ORDER BY published_on DESC, id DESC LIMIT ? OFFSET ?) h
             JOIN publications p ON p.id = h.id
             JOIN organisations o ON o.id = p.organisation_id
             LEFT JOIN publication_files f ON {FIRST_FILE}
             ORDER BY h.published_on DESC, h.id DESC"
        ));
        let mut query = sqlx::query(&sql);
        for value in &binds {
            query = query.bind(value);
        }
        let rows = query
            .bind(i64::from(limit))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .context("failed to read the catalogue")?;
        let Some(first) = rows.first() else {
            // Past the last page: the count alone.
            let sql = self.q(&format!(
                "SELECT COUNT(*) FROM publications WHERE {conditions}"
            ));
            let mut query = sqlx::query_scalar::<_, i64>(&sql);
            for value in &binds {
                query = query.bind(value);
            }
            let total = query
                .fetch_one(&self.pool)
                .await
                .context("failed to count the catalogue")?;
            return Ok(CataloguePage {
                items: Vec::new(),
                total: u64::try_from(total).unwrap_or_default(),
            });
        };
        let total = count_of(first, "total")?;
        let items = rows
            .iter()
            .map(|row| {
                let summary = json_list(row, "summary_json")?;
                let file_id: Option<String> = row.try_get("file_id")?;
                let file = match file_id {
                    Some(id) => Some(PublicationFile {
                        id,
                        label: row.try_get("file_label")?,
                        name: row.try_get("file_name")?,
                        size: count_of(row, "file_size")?,
                        accessible: row.try_get::<i64, _>("file_accessible")? != 0,
                    }),
                    None => None,
                };
                Ok(PublicationCard {
                    slug: row.try_get("slug")?,
                    title: row.try_get("title")?,
                    kind: kind_of(&row.try_get::<String, _>("kind")?)?,
                    authors: row.try_get("authors")?,
                    organisation: row.try_get("organisation_name")?,
                    published_on: row.try_get("published_on")?,
                    summary: summary.into_iter().next().unwrap_or_default(),
                    themes: json_list(row, "themes_json")?,
                    access: access_of(&row.try_get::<String, _>("access")?)?,
                    file,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(CataloguePage { items, total })
    }

    async fn catalogue_facets(&self) -> Result<Facets> {
        let row = sqlx::query(
            "SELECT catalogue_version, facets_json, facets_version FROM publication_settings WHERE id = 1",
        )
        .fetch_one(&self.pool)
        .await
        .context("failed to read the catalogue's version")?;
        let version: i64 = row.try_get("catalogue_version")?;
        let cached: Option<String> = row.try_get("facets_json")?;
        let cached_version: Option<i64> = row.try_get("facets_version")?;
        // A cache: what cannot be read back is computed again.
        if cached_version == Some(version)
            && let Some(facets) = cached.and_then(|json| serde_json::from_str(&json).ok())
        {
            return Ok(facets);
        }
        let facets = self.compute_facets().await?;
        // Kept only if no write came in between (it raised the version).
        sqlx::query(&self.q(
            "UPDATE publication_settings SET facets_json = ?, facets_version = ?
             WHERE id = 1 AND catalogue_version = ?",
        ))
        .bind(serde_json::to_string(&facets)?)
        .bind(version)
        .bind(version)
        .execute(&self.pool)
        .await
        .context("failed to keep the catalogue's facets")?;
        Ok(facets)
    }

    async fn publication(&self, slug: &str) -> Result<Option<PublicationRecord>> {
        self.record_where("p.slug = ?", slug).await
    }

    async fn organisation_publications(
        &self,
        organisation_id: i64,
    ) -> Result<Vec<PublicationRecord>> {
        let rows = sqlx::query(&self.q(
            "SELECT p.*, o.slug AS organisation_slug, o.name AS organisation_name
             FROM publications p JOIN organisations o ON o.id = p.organisation_id
             WHERE p.organisation_id = ? ORDER BY p.published_on DESC, p.id DESC",
        ))
        .bind(organisation_id)
        .fetch_all(&self.pool)
        .await
        .context("failed to list an organisation's publications")?;
        let mut records = Vec::with_capacity(rows.len());
        for row in &rows {
            records.push(self.record_of(row).await?);
        }
        Ok(records)
    }

    async fn create_publication(
        &self,
        organisation_id: i64,
        slug: &str,
        fields: &CheckedPublication,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let now = timestamp(now);
        let mut tx = self.pool.begin().await?;
        let id: Option<i64> = sqlx::query_scalar(&self.q(
            "INSERT INTO publications (organisation_id, slug, title, kind, authors, published_on,
                 period, summary_json, themes_json, territories_json, accessible_url, access,
                 published, search_text, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (slug) DO NOTHING RETURNING id",
        ))
        .bind(organisation_id)
        .bind(slug)
        .bind(&fields.title)
        .bind(fields.kind.as_str())
        .bind(&fields.authors)
        .bind(&fields.published_on)
        .bind(&fields.period)
        .bind(serde_json::to_string(&fields.summary)?)
        .bind(serde_json::to_string(&fields.themes)?)
        .bind(serde_json::to_string(&fields.territories)?)
        .bind(&fields.accessible_url)
        .bind(fields.access.as_str())
        .bind(i64::from(fields.published))
        .bind(search_text(fields))
        .bind(&now)
        .bind(&now)
        .fetch_optional(&mut *tx)
        .await
        .with_context(|| format!("failed to insert publication {slug}"))?;
        let Some(id) = id else {
            return Ok(None);
        };
        self.replace_links(&mut tx, id, organisation_id, fields)
            .await?;
        self.bump_catalogue(&mut tx).await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    async fn update_publication(
        &self,
        id: i64,
        organisation_id: i64,
        fields: &CheckedPublication,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(&self.q(
            "UPDATE publications SET title = ?, kind = ?, authors = ?, published_on = ?,
                 period = ?, summary_json = ?, themes_json = ?, territories_json = ?,
                 accessible_url = ?, access = ?, published = ?, search_text = ?, updated_at = ?
             WHERE id = ?",
        ))
        .bind(&fields.title)
        .bind(fields.kind.as_str())
        .bind(&fields.authors)
        .bind(&fields.published_on)
        .bind(&fields.period)
        .bind(serde_json::to_string(&fields.summary)?)
        .bind(serde_json::to_string(&fields.themes)?)
        .bind(serde_json::to_string(&fields.territories)?)
        .bind(&fields.accessible_url)
        .bind(fields.access.as_str())
        .bind(i64::from(fields.published))
        .bind(search_text(fields))
        .bind(timestamp(now))
        .bind(id)
        .execute(&mut *tx)
        .await
        .context("failed to update a publication")?;
        self.replace_links(&mut tx, id, organisation_id, fields)
            .await?;
        self.bump_catalogue(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_publication(&self, id: i64) -> Result<Vec<String>> {
        let mut tx = self.pool.begin().await?;
        let keys: Vec<String> = sqlx::query_scalar(
            &self.q("SELECT storage_key FROM publication_files WHERE publication_id = ?"),
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        for table in [
            "publication_files",
            "publication_events",
            "publication_themes",
            "publication_downloads",
        ] {
            sqlx::query(&self.q(&format!("DELETE FROM {table} WHERE publication_id = ?")))
                .bind(id)
                .execute(&mut *tx)
                .await
                .with_context(|| format!("failed to delete a publication's {table}"))?;
        }
        sqlx::query(&self.q("DELETE FROM publications WHERE id = ?"))
            .bind(id)
            .execute(&mut *tx)
            .await
            .context("failed to delete a publication")?;
        self.bump_catalogue(&mut tx).await?;
        tx.commit().await?;
        Ok(keys)
    }

    async fn add_publication_file(
        &self,
        publication_id: i64,
        file: &NewFile,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(&self.q(
            "INSERT INTO publication_files (id, publication_id, label, name, size, sha256,
                 accessible, position, storage_key, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?,
                 (SELECT COALESCE(MAX(position), -1) + 1 FROM publication_files WHERE publication_id = ?),
                 ?, ?)",
        ))
        .bind(&file.id)
        .bind(publication_id)
        .bind(&file.label)
        .bind(&file.name)
        .bind(i64::try_from(file.size).unwrap_or(i64::MAX))
        .bind(&file.sha256)
        .bind(i64::from(file.accessible))
        .bind(publication_id)
        .bind(&file.storage_key)
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await
        .context("failed to store a publication's file")?;
        // The catalogue's cards show the first file.
        self.bump_catalogue(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_publication_file(
        &self,
        publication_id: i64,
        file_id: &str,
    ) -> Result<Option<String>> {
        let mut tx = self.pool.begin().await?;
        let key: Option<String> = sqlx::query_scalar(&self.q(
            "DELETE FROM publication_files WHERE publication_id = ? AND id = ? RETURNING storage_key",
        ))
        .bind(publication_id)
        .bind(file_id)
        .fetch_optional(&mut *tx)
        .await
        .context("failed to delete a publication's file")?;
        self.bump_catalogue(&mut tx).await?;
        tx.commit().await?;
        Ok(key)
    }

    async fn count_download(&self, publication_id: i64, month: &str) -> Result<()> {
        sqlx::query(&self.q(
            "INSERT INTO publication_downloads (publication_id, month, count) VALUES (?, ?, 1)
             ON CONFLICT (publication_id, month)
             DO UPDATE SET count = publication_downloads.count + 1",
        ))
        .bind(publication_id)
        .bind(month)
        .execute(&self.pool)
        .await
        .context("failed to count a download")?;
        Ok(())
    }

    async fn downloads(&self, publication_id: i64) -> Result<Vec<MonthlyDownloads>> {
        sqlx::query(&self.q(
            "SELECT month, count FROM publication_downloads WHERE publication_id = ?
             ORDER BY month DESC",
        ))
        .bind(publication_id)
        .fetch_all(&self.pool)
        .await
        .context("failed to read a publication's downloads")?
        .iter()
        .map(|row| {
            Ok(MonthlyDownloads {
                month: row.try_get("month")?,
                count: count_of(row, "count")?,
            })
        })
        .collect()
    }

    async fn download_key(&self) -> Result<Vec<u8>> {
        self.download_key_sql().await
    }
}
