//! The study reports library's storage: publications of an organisation
//! with their themes, linked events and files, the public catalogue (a
//! page and its count in one query, the facets kept per catalogue version),
//! downloads counted per month (no personal data), and the key that signs
//! reserved files' links.
//!
//! What signing is lives here too ([`signature`], [`signed_path`]): the
//! store reads an event with the link its confirmed registrants get to a
//! reserved file, signed to expire with their personal links.

use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use parvis_core::api::ReportLink;
use parvis_core::publications::{
    Access, CheckedPublication, Facets, MonthlyDownloads, PublicationKind, Publisher,
};
use sha2::Sha256;

/// The catalogue's filters, checked (`GET /api/publications`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogueFilter {
    /// Normalised words that must all appear in the search text.
    pub terms: Vec<String>,
    /// One kind.
    pub kind: Option<PublicationKind>,
    /// One theme, exactly.
    pub theme: Option<String>,
    /// One year of publication.
    pub year: Option<i32>,
    /// One organisation (its slug).
    pub organisation: Option<String>,
}

/// One hosted file, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    /// Random, URL-safe: its address.
    pub id: String,
    /// What the link says (« Rapport »).
    pub label: String,
    /// The name offered to the browser.
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256 of the content, hex: the ETag.
    pub sha256: String,
    /// A tagged, accessible version.
    pub accessible: bool,
    /// Where in the storage ([`crate::files::Files`]).
    pub storage_key: String,
}

impl FileRecord {
    /// The file as the contract shows it.
    pub fn view(&self) -> parvis_core::publications::PublicationFile {
        parvis_core::publications::PublicationFile {
            id: self.id.clone(),
            label: self.label.clone(),
            name: self.name.clone(),
            size: self.size,
            accessible: self.accessible,
        }
    }
}

/// An event a publication is linked to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedEventRecord {
    /// Its address.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// Shown in the public agenda (published or cancelled, not a draft).
    pub public: bool,
}

/// A publication as stored, with its organisation, links and files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicationRecord {
    /// Database identifier.
    pub id: i64,
    /// Its organisation's id.
    pub organisation_id: i64,
    /// Its organisation.
    pub organisation: Publisher,
    /// Its address.
    pub slug: String,
    /// The checked fields (events: the linked events' slugs).
    pub fields: CheckedPublication,
    /// Linked events, in the order given.
    pub events: Vec<LinkedEventRecord>,
    /// Files, in order.
    pub files: Vec<FileRecord>,
}

impl PublicationRecord {
    /// The public view: linked events of the public agenda only.
    pub fn view(&self) -> parvis_core::publications::PublicationView {
        let f = &self.fields;
        parvis_core::publications::PublicationView {
            slug: self.slug.clone(),
            title: f.title.clone(),
            kind: f.kind,
            authors: f.authors.clone(),
            organisation: self.organisation.clone(),
            published_on: f.published_on.clone(),
            period: f.period.clone(),
            summary: f.summary.clone(),
            themes: f.themes.clone(),
            territories: f.territories.clone(),
            events: self
                .events
                .iter()
                .filter(|e| e.public)
                .map(|e| parvis_core::publications::LinkedEvent {
                    slug: e.slug.clone(),
                    title: e.title.clone(),
                })
                .collect(),
            files: self.files.iter().map(FileRecord::view).collect(),
            accessible_url: f.accessible_url.clone(),
            access: f.access,
        }
    }
}

/// A page of the catalogue, before its facets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CataloguePage {
    /// The publications of the page.
    pub items: Vec<parvis_core::publications::PublicationCard>,
    /// Matching publications over every page.
    pub total: u64,
}

/// A new file of a publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    /// Random, URL-safe.
    pub id: String,
    /// What the link says.
    pub label: String,
    /// The name offered to the browser.
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
    /// A tagged, accessible version.
    pub accessible: bool,
    /// Where in the storage.
    pub storage_key: String,
}

/// What an event's linked publication gives its pages and registrants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventReport {
    /// The publication's page (`/publications/{slug}`), for the public
    /// event page when the event has no report address of its own.
    pub page: ReportLink,
    /// Its first file for a confirmed registrant: signed, and expiring with
    /// the personal links, when the publication is reserved; the plain
    /// address when public. `None` before a file is uploaded.
    pub file: Option<ReportLink>,
}

/// The study reports library's storage.
#[async_trait]
pub trait PublicationStore: Send + Sync {
    /// A page of the published catalogue, newest first, and the count of
    /// every match.
    async fn catalogue_page(
        &self,
        filter: &CatalogueFilter,
        offset: u64,
        limit: u32,
    ) -> Result<CataloguePage>;

    /// The filters' values over the whole published catalogue, computed
    /// once per catalogue version (every write raises it).
    async fn catalogue_facets(&self) -> Result<Facets>;

    /// One publication by its address, published or not.
    async fn publication(&self, slug: &str) -> Result<Option<PublicationRecord>>;

    /// An organisation's publications, newest first, published or not.
    async fn organisation_publications(
        &self,
        organisation_id: i64,
    ) -> Result<Vec<PublicationRecord>>;

    /// Stores a new publication linked to the organisation's events
    /// (`fields.events`, slugs; others are ignored); `None` when the address
    /// is taken.
    async fn create_publication(
        &self,
        organisation_id: i64,
        slug: &str,
        fields: &CheckedPublication,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>>;

    /// Replaces a publication's fields and links.
    async fn update_publication(
        &self,
        id: i64,
        organisation_id: i64,
        fields: &CheckedPublication,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Deletes a publication with its links, files' rows and counts;
    /// returns its files' storage keys, for the caller to remove.
    async fn delete_publication(&self, id: i64) -> Result<Vec<String>>;

    /// Adds a file after the publication's others.
    async fn add_publication_file(
        &self,
        publication_id: i64,
        file: &NewFile,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Removes one file's row; its storage key, when it was there.
    async fn delete_publication_file(
        &self,
        publication_id: i64,
        file_id: &str,
    ) -> Result<Option<String>>;

    /// Counts one download in `month` (`YYYY-MM`).
    async fn count_download(&self, publication_id: i64, month: &str) -> Result<()>;

    /// Downloads per month, newest first.
    async fn downloads(&self, publication_id: i64) -> Result<Vec<MonthlyDownloads>>;

    /// The key signing reserved files' links: 32 random bytes made on first
    /// need and kept in the database, so every replica signs alike.
    async fn download_key(&self) -> Result<Vec<u8>>;
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    mac(key, message).finalize().into_bytes().into()
}

/// The MAC of `message` under `key`, ready to finalise or verify.
fn mac(key: &[u8], message: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    mac
}

/// What a reserved file's link signs: the publication's address, the
/// file's id and the expiry (Unix seconds).
fn signed_message(slug: &str, file_id: &str, expires: i64) -> String {
    format!("{slug}\n{file_id}\n{expires}")
}

/// The signature of a reserved file's link: HMAC-SHA256 of
/// [`signed_message`], in lower-case hex.
pub fn signature(key: &[u8], slug: &str, file_id: &str, expires: i64) -> String {
    hmac_sha256(key, signed_message(slug, file_id, expires).as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// Whether `given` (hex) is the signature, checked by the `hmac` crate in
/// a time that does not depend on where they differ.
pub fn signature_matches(key: &[u8], slug: &str, file_id: &str, expires: i64, given: &str) -> bool {
    let Some(given) = from_hex(given) else {
        return false;
    };
    mac(key, signed_message(slug, file_id, expires).as_bytes())
        .verify_slice(&given)
        .is_ok()
}

/// Lower- or upper-case hex to bytes; `None` for anything else.
fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// A file's address (`/api/publications/{slug}/fichiers/{id}`), signed
/// until `expires` when the publication is reserved.
pub fn signed_path(key: &[u8], slug: &str, file_id: &str, expires: DateTime<Utc>) -> String {
    let expires = expires.timestamp();
    format!(
        "{}?expire={expires}&signature={}",
        parvis_core::publications::paths::file(slug, file_id),
        signature(key, slug, file_id, expires)
    )
}

/// The report link a registrant gets for `event`: the linked publication's
/// file when they are confirmed (signed when reserved), else the event's
/// own report or the publication's page.
pub fn registrant_report(event: &super::EventRecord, confirmed: bool) -> Option<ReportLink> {
    let linked = event.linked_report.as_ref();
    if confirmed && let Some(file) = linked.and_then(|report| report.file.clone()) {
        return Some(file);
    }
    event
        .public
        .report
        .clone()
        .or_else(|| linked.map(|report| report.page.clone()))
}

/// An event's public page with its report: its own, else its linked
/// publication's page.
pub fn public_page(event: super::EventRecord) -> parvis_core::api::EventPublic {
    let mut public = event.public;
    if public.report.is_none() {
        public.report = event.linked_report.map(|report| report.page);
    }
    public
}

/// A stored access back, for a row.
pub fn access_of(text: &str) -> Result<Access> {
    Access::parse(text).ok_or_else(|| anyhow::anyhow!("unknown publication access {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test cases 1 and 2 of RFC 4231.
        assert_eq!(
            hex(&hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Case 6: a key longer than the block is hashed first.
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn a_signature_binds_the_file_and_the_expiry() {
        let key = [7u8; 32];
        let good = signature(&key, "etude", "abc", 1_800_000_000);
        assert!(signature_matches(
            &key,
            "etude",
            "abc",
            1_800_000_000,
            &good
        ));
        assert!(!signature_matches(
            &key,
            "etude",
            "abd",
            1_800_000_000,
            &good
        ));
        assert!(!signature_matches(
            &key,
            "etude",
            "abc",
            1_800_000_001,
            &good
        ));
        assert!(!signature_matches(
            &[8u8; 32],
            "etude",
            "abc",
            1_800_000_000,
            &good
        ));
        assert!(!signature_matches(
            &key,
            "etude",
            "abc",
            1_800_000_000,
            &good[..63]
        ));
        // The same bytes written otherwise, or not hex at all, are refused.
        let plus = format!("+{}", &good[1..]);
        let garbage = "é".repeat(32);
        for given in [plus.as_str(), garbage.as_str(), "", "zz"] {
            assert!(!signature_matches(
                &key,
                "etude",
                "abc",
                1_800_000_000,
                given
            ));
        }
        assert!(signature_matches(
            &key,
            "etude",
            "abc",
            1_800_000_000,
            &good.to_uppercase()
        ));
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(
            signed_path(&key, "etude", "abc", at),
            format!("/api/publications/etude/fichiers/abc?expire=1800000000&signature={good}")
        );
    }
}
