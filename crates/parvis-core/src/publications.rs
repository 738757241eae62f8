//! The study reports library's contract: the publication record, the
//! public catalogue (search and filters), the organisers' routes and the
//! rules both sides apply (kinds, access, French sizes, field checks).
//!
//! A publication is a document a centre publishes (rapport d'étude, actes,
//! programme, synthèse, fiche expérience), with its file(s) and optionally
//! an accessible version (a tagged PDF among its files, or an HTML page).
//! It is public, or reserved to the registrants of its linked events: they
//! download it from their personal page or through a signed, expiring link
//! in their email.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::api::FieldErrors;

/// Addresses of the publications routes.
pub mod paths {
    /// The public catalogue: `GET` with [`super::CatalogueQuery`] as query.
    pub const CATALOGUE: &str = "/api/publications";

    /// One publication, public view: `GET`.
    pub fn publication(slug: &str) -> String {
        format!("/api/publications/{slug}")
    }

    /// One file of a publication: `GET` (ranges, `If-None-Match`), with
    /// `?expire=…&signature=…` for a reserved one.
    pub fn file(slug: &str, file: &str) -> String {
        format!("/api/publications/{slug}/fichiers/{file}")
    }

    /// The public page of a publication, in the app.
    pub fn page(slug: &str) -> String {
        format!("/publications/{slug}")
    }

    /// An organisation's publications, back-office: `GET` (list with
    /// download counts), `POST` ([`super::PublicationDraft`]).
    pub fn organisation(organisation: &str) -> String {
        format!("/api/gestion/organisations/{organisation}/publications")
    }

    /// One publication, back-office: `GET`, `PUT`
    /// ([`super::PublicationDraft`]), `DELETE`.
    pub fn managed(organisation: &str, slug: &str) -> String {
        format!("/api/gestion/organisations/{organisation}/publications/{slug}")
    }

    /// Upload a file to a publication: `POST` with the PDF as the body
    /// (`Content-Type: application/pdf`), its name in `?nom=` and its label
    /// in `?libelle=`; `&accessible=1` for a tagged, accessible version.
    pub fn upload(organisation: &str, slug: &str) -> String {
        format!("/api/gestion/organisations/{organisation}/publications/{slug}/fichiers")
    }

    /// One uploaded file, back-office: `GET` (whatever its access, not
    /// counted as a download), `DELETE`.
    pub fn managed_file(organisation: &str, slug: &str, file: &str) -> String {
        format!("/api/gestion/organisations/{organisation}/publications/{slug}/fichiers/{file}")
    }
}

/// Largest file accepted, in bytes (40 Mo).
pub const MAX_FILE_BYTES: u64 = 40 * 1024 * 1024;

/// Publications on one page of the catalogue.
pub const CATALOGUE_PAGE: u32 = 20;

/// Longest title, in characters.
pub const TITLE_MAX_CHARS: usize = 300;

/// What a publication is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicationKind {
    /// Rapport d'étude.
    RapportEtude,
    /// Actes (proceedings of a day).
    Actes,
    /// Programme.
    Programme,
    /// Synthèse.
    Synthese,
    /// Fiche expérience.
    FicheExperience,
}

impl PublicationKind {
    /// Every kind, in the order of the filters.
    pub const ALL: [PublicationKind; 5] = [
        PublicationKind::RapportEtude,
        PublicationKind::Actes,
        PublicationKind::Programme,
        PublicationKind::Synthese,
        PublicationKind::FicheExperience,
    ];

    /// The stored (and query) name.
    pub fn as_str(self) -> &'static str {
        match self {
            PublicationKind::RapportEtude => "rapport_etude",
            PublicationKind::Actes => "actes",
            PublicationKind::Programme => "programme",
            PublicationKind::Synthese => "synthese",
            PublicationKind::FicheExperience => "fiche_experience",
        }
    }

    /// A stored name back; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// The French name.
    pub fn label(self) -> &'static str {
        match self {
            PublicationKind::RapportEtude => "Rapport d'étude",
            PublicationKind::Actes => "Actes",
            PublicationKind::Programme => "Programme",
            PublicationKind::Synthese => "Synthèse",
            PublicationKind::FicheExperience => "Fiche expérience",
        }
    }
}

/// Who may download a publication's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Anyone.
    #[default]
    Public,
    /// The registrants of its linked events (confirmed or present), through
    /// their personal page or a signed link in their email.
    Inscrits,
}

impl Access {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::Inscrits => "inscrits",
        }
    }

    /// A stored name back; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "public" => Some(Access::Public),
            "inscrits" => Some(Access::Inscrits),
            _ => None,
        }
    }

    /// The French name, for the back-office.
    pub fn label(self) -> &'static str {
        match self {
            Access::Public => "Publique",
            Access::Inscrits => "Réservée aux inscrit·es des événements liés",
        }
    }
}

/// One hosted file of a publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicationFile {
    /// Stable identifier in its URL (random, URL-safe).
    pub id: String,
    /// What it is, shown as the link: « Rapport », « Programme »,
    /// « Version accessible »…
    pub label: String,
    /// The file name given to the browser (`Content-Disposition`).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// A tagged, accessible PDF.
    #[serde(default)]
    pub accessible: bool,
}

impl PublicationFile {
    /// « PDF – 163,9 ko », as the centres write it.
    pub fn description(&self) -> String {
        format!("PDF – {}", format_size(self.size))
    }
}

/// An event a publication is linked to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedEvent {
    pub slug: String,
    pub title: String,
}

/// The organisation that publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publisher {
    pub slug: String,
    pub name: String,
}

/// One publication, public view (`GET /api/publications/{slug}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicationView {
    pub slug: String,
    pub title: String,
    pub kind: PublicationKind,
    /// Who wrote it: « Odas, avec le soutien du CGET ».
    pub authors: String,
    pub organisation: Publisher,
    /// Publication date, `YYYY-MM-DD`.
    pub published_on: String,
    /// Period covered, when it says one: « Octobre 2015 – octobre 2017 ».
    #[serde(default)]
    pub period: Option<String>,
    /// Abstract, one paragraph each.
    pub summary: Vec<String>,
    pub themes: Vec<String>,
    pub territories: Vec<String>,
    /// Linked events (published ones only).
    pub events: Vec<LinkedEvent>,
    /// Hosted files, accessible versions included.
    pub files: Vec<PublicationFile>,
    /// An accessible HTML version elsewhere, when there is one.
    #[serde(default)]
    pub accessible_url: Option<String>,
    pub access: Access,
}

impl PublicationView {
    /// The publication year, for the filters.
    pub fn year(&self) -> Option<i32> {
        self.published_on.get(..4)?.parse().ok()
    }
}

/// A publication in the catalogue's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicationCard {
    pub slug: String,
    pub title: String,
    pub kind: PublicationKind,
    pub authors: String,
    /// The publishing organisation's name.
    pub organisation: String,
    /// `YYYY-MM-DD`.
    pub published_on: String,
    /// The abstract's first paragraph.
    pub summary: String,
    pub themes: Vec<String>,
    pub access: Access,
    /// The main file (the first), for « PDF – 163,9 ko ».
    #[serde(default)]
    pub file: Option<PublicationFile>,
}

/// The catalogue's query (`GET /api/publications?q=…&type=…`). Every field
/// is optional; words of `q` must all appear in the title, summary, authors
/// or themes, accents and case ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// A [`PublicationKind::as_str`].
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// A theme, exactly as listed in [`Facets::themes`].
    #[serde(default, rename = "theme", skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    #[serde(default, rename = "annee", skip_serializing_if = "Option::is_none")]
    pub year: Option<String>,
    /// An organisation's slug.
    #[serde(
        default,
        rename = "organisation",
        skip_serializing_if = "Option::is_none"
    )]
    pub organisation: Option<String>,
    /// 1-based page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
}

impl CatalogueQuery {
    /// The query string (`?q=…`), empty when nothing is set.
    pub fn to_query_string(&self) -> String {
        let mut out = String::new();
        let pairs = [
            ("q", &self.q),
            ("type", &self.kind),
            ("theme", &self.theme),
            ("annee", &self.year),
            ("organisation", &self.organisation),
            ("page", &self.page),
        ];
        for (name, value) in pairs {
            if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                out.push(if out.is_empty() { '?' } else { '&' });
                out.push_str(name);
                out.push('=');
                out.push_str(&encode_query_value(value));
            }
        }
        out
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

/// One value of a filter with the number of publications that have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facet {
    /// The query value.
    pub value: String,
    /// What the filter shows.
    pub label: String,
    pub count: u64,
}

/// The filters' values over the whole public catalogue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    pub kinds: Vec<Facet>,
    pub themes: Vec<Facet>,
    pub years: Vec<Facet>,
    pub organisations: Vec<Facet>,
}

/// One page of the catalogue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    pub items: Vec<PublicationCard>,
    /// Publications matching, over every page.
    pub total: u64,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
    pub facets: Facets,
}

/// What an organiser writes (`POST`/`PUT` of the back-office). A missing
/// field reads as empty, so [`check_draft`] names it in French.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PublicationDraft {
    /// Left empty on creation: made from the title.
    #[serde(default)]
    pub slug: String,
    pub title: String,
    /// A [`PublicationKind::as_str`].
    pub kind: String,
    pub authors: String,
    /// `YYYY-MM-DD`.
    pub published_on: String,
    #[serde(default)]
    pub period: String,
    /// Paragraphs separated by blank lines.
    pub summary: String,
    /// One per line (or comma-separated).
    #[serde(default)]
    pub themes: String,
    /// One per line (or comma-separated).
    #[serde(default)]
    pub territories: String,
    /// Slugs of the organisation's events it is linked to.
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default)]
    pub accessible_url: String,
    /// An [`Access::as_str`].
    pub access: String,
    /// Shown in the public catalogue.
    #[serde(default)]
    pub published: bool,
}

/// A draft once checked: what the store keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedPublication {
    pub title: String,
    pub kind: PublicationKind,
    pub authors: String,
    pub published_on: String,
    pub period: Option<String>,
    pub summary: Vec<String>,
    pub themes: Vec<String>,
    pub territories: Vec<String>,
    pub events: Vec<String>,
    pub accessible_url: Option<String>,
    pub access: Access,
    pub published: bool,
}

/// One line of the back-office's list, with its download counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedPublication {
    pub publication: PublicationView,
    pub published: bool,
    /// Downloads per month (`YYYY-MM`), every file together, newest first.
    pub downloads: Vec<MonthlyDownloads>,
    /// Downloads since it was put online.
    pub total_downloads: u64,
}

/// Downloads of one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyDownloads {
    /// `YYYY-MM`.
    pub month: String,
    pub count: u64,
}

/// Splits a list typed one per line or comma-separated, trimmed, without
/// empty items or repeats (first spelling kept).
pub fn split_list(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in text.split(['\n', ',', ';']).map(str::trim) {
        if !item.is_empty() && !out.iter().any(|seen| seen.eq_ignore_ascii_case(item)) {
            out.push(item.to_owned());
        }
    }
    out
}

/// Paragraphs separated by blank lines, each joined into one line.
pub fn split_paragraphs(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

/// Checks a draft: every faulty field at once, in French, keyed by the
/// draft's field names.
pub fn check_draft(draft: &PublicationDraft) -> Result<CheckedPublication, FieldErrors> {
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut fail = |field: &str, message: &str| {
        errors
            .entry(field.to_owned())
            .or_default()
            .push(message.to_owned());
    };
    let title = draft.title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        fail("title", "Indiquez le titre de la publication.");
    } else if title.chars().count() > TITLE_MAX_CHARS {
        fail(
            "title",
            &format!("Le titre ne peut pas dépasser {TITLE_MAX_CHARS} caractères."),
        );
    }
    let kind = PublicationKind::parse(&draft.kind);
    if kind.is_none() {
        fail(
            "kind",
            "Choisissez le type : rapport d'étude, actes, programme, synthèse ou fiche expérience.",
        );
    }
    let authors = draft.authors.trim().to_owned();
    if authors.is_empty() {
        fail("authors", "Indiquez les auteur·rices ou l'organisme.");
    }
    let published_on = draft.published_on.trim().to_owned();
    if !is_date(&published_on) {
        fail(
            "published_on",
            "Indiquez la date de publication au format JJ/MM/AAAA.",
        );
    }
    let summary = split_paragraphs(&draft.summary);
    if summary.is_empty() {
        fail("summary", "Indiquez un résumé de la publication.");
    }
    let accessible_url = draft.accessible_url.trim().to_owned();
    let acceptable = accessible_url.is_empty()
        || accessible_url.starts_with("https://")
        || (accessible_url.starts_with('/') && !accessible_url.starts_with("//"));
    if !acceptable {
        fail(
            "accessible_url",
            "L'adresse de la version accessible doit commencer par https:// ou /.",
        );
    }
    let access = Access::parse(&draft.access);
    if access.is_none() {
        fail(
            "access",
            "Choisissez l'accès : publique ou réservée aux inscrit·es.",
        );
    }
    if access == Some(Access::Inscrits) && draft.events.is_empty() {
        fail(
            "events",
            "Une publication réservée aux inscrit·es doit être liée à au moins un événement.",
        );
    }
    match (kind, access) {
        (Some(kind), Some(access)) if errors.is_empty() => Ok(CheckedPublication {
            title,
            kind,
            authors,
            published_on,
            period: Some(draft.period.trim().to_owned()).filter(|p| !p.is_empty()),
            summary,
            themes: split_list(&draft.themes),
            territories: split_list(&draft.territories),
            events: draft.events.clone(),
            accessible_url: Some(accessible_url).filter(|u| !u.is_empty()),
            access,
            published: draft.published,
        }),
        _ => Err(FieldErrors(errors)),
    }
}

/// `YYYY-MM-DD` naming a real day.
fn is_date(text: &str) -> bool {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() && text.len() == 10
}

/// A size the French way, one decimal with a comma: « 163,9 ko »,
/// « 2,4 Mo », « 820 octets ». Units of 1,000 bytes, as the centres and
/// the operating systems they use write them.
pub fn format_size(bytes: u64) -> String {
    if bytes < 1_000 {
        return format!("{bytes} octets");
    }
    let (value, unit) = if bytes < 1_000_000 {
        (bytes as f64 / 1_000.0, "ko")
    } else if bytes < 1_000_000_000 {
        (bytes as f64 / 1_000_000.0, "Mo")
    } else {
        (bytes as f64 / 1_000_000_000.0, "Go")
    };
    let text = format!("{value:.1}").replace('.', ",");
    format!("{text} {unit}")
}

/// Does this content start like a PDF? Checked on the bytes, never on the
/// name: the `%PDF-` header within the first 1,024 bytes (as readers accept
/// it) and an `%%EOF` marker in the last 1,024.
pub fn looks_like_pdf(content: &[u8]) -> bool {
    let head = &content[..content.len().min(1024)];
    let tail = &content[content.len().saturating_sub(1024)..];
    head.windows(5).any(|w| w == b"%PDF-") && tail.windows(5).any(|w| w == b"%%EOF")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_written_the_french_way() {
        assert_eq!(format_size(820), "820 octets");
        assert_eq!(format_size(163_900), "163,9 ko");
        assert_eq!(format_size(2_400_000), "2,4 Mo");
        let file = PublicationFile {
            id: "a".into(),
            label: "Programme".into(),
            name: "programme.pdf".into(),
            size: 163_940,
            accessible: false,
        };
        assert_eq!(file.description(), "PDF – 163,9 ko");
    }

    #[test]
    fn kinds_and_access_round_trip() {
        for kind in PublicationKind::ALL {
            assert_eq!(PublicationKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(PublicationKind::parse("roman"), None);
        for access in [Access::Public, Access::Inscrits] {
            assert_eq!(Access::parse(access.as_str()), Some(access));
        }
    }

    #[test]
    fn a_pdf_is_recognised_by_its_bytes() {
        assert!(looks_like_pdf(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"));
        assert!(!looks_like_pdf(b"<html><body>%PDF-</body></html>"));
        assert!(!looks_like_pdf(b""));
    }

    #[test]
    fn a_draft_names_every_faulty_field_in_french() {
        let errors = check_draft(&PublicationDraft {
            access: "inscrits".into(),
            published_on: "2025-02-30".into(),
            accessible_url: "javascript:alert(1)".into(),
            ..PublicationDraft::default()
        })
        .unwrap_err();
        let fields: Vec<&str> = errors.0.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "accessible_url",
                "authors",
                "events",
                "kind",
                "published_on",
                "summary",
                "title"
            ]
        );
        assert!(errors.0["title"][0].contains("titre"));
    }

    #[test]
    fn a_good_draft_is_kept_tidy() {
        let checked = check_draft(&PublicationDraft {
            title: "  Villes et   vivre ensemble ".into(),
            kind: "rapport_etude".into(),
            authors: "Odas".into(),
            published_on: "2018-01-15".into(),
            summary: "Premier\nparagraphe.\n\nSecond.".into(),
            themes: "Cohésion sociale, participation\nCohésion sociale".into(),
            access: "public".into(),
            ..PublicationDraft::default()
        })
        .unwrap();
        assert_eq!(checked.title, "Villes et vivre ensemble");
        assert_eq!(checked.summary, ["Premier paragraphe.", "Second."]);
        assert_eq!(checked.themes, ["Cohésion sociale", "participation"]);
    }

    #[test]
    fn a_query_string_is_encoded() {
        let query = CatalogueQuery {
            q: Some("cohésion sociale".into()),
            kind: Some("actes".into()),
            ..CatalogueQuery::default()
        };
        assert_eq!(
            query.to_query_string(),
            "?q=coh%C3%A9sion%20sociale&type=actes"
        );
        assert_eq!(CatalogueQuery::default().to_query_string(), "");
    }
}
