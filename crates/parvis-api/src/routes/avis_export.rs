//! The exports of an event's feedback, for its organisation's members
//! (rows of the gestion table, Guard::Member, 404 for another
//! organisation's event as for an unknown one), beside the routes of
//! [`super::avis`]:
//!
//! - `GET …/avis/{avis}/export.csv?dialecte=excel|standard`,
//!   `…/export.xlsx` and `…/export.json`: one line per response, submitted
//!   (« Envoyée ») or saved on the way (« En cours »), and whether it came
//!   through a personal link (« invitation ») or the event-wide one
//!   (« lien public »). One column per question: ratings and numbers are
//!   numbers, yes/no is « Oui » / « Non », a multiple choice its options
//!   joined with « ; », « Autre : … » its own column after its question's,
//!   a matrix one column per row. In named mode the person comes first
//!   (first name, last name, address, type of structure, territory,
//!   workshop) and the time of the last change; in anonymous mode nothing
//!   personal at all, and the day only (the store keeps no more).
//! - `GET …/avis/{avis}/synthese.csv?dialecte=…` and `…/synthese.xlsx`: the
//!   dashboard's figures over the submitted responses (counted a page at a
//!   time by `parvis_core::feedback::results::Tally`, texts not kept), one
//!   line per question and option: question, type, option or row, count,
//!   percent, mean, median, and the « recommanderiez-vous » score, for
//!   annual activity reports.
//!
//! The machinery is the registrants exports' ([`super::registrants::export`]):
//! the same CSV dialects, formula injection neutralised the same way
//! ([`neutralise`]), CSV and JSON streamed through a channel of one chunk as
//! the pages are read, XLSX written in constant-memory mode into a
//! temporary file then streamed with its length, and an `export` line in
//! the organisation's audit log once the last row has gone.
//!
//! Responses are read [`PAGE`] at a time in the order of their
//! `response_key` (keyset pagination): in anonymous mode a hash, so the
//! order of the lines tells nothing of who answered when.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::Seek;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Europe::Paris;
use parvis_core::feedback::results::{Centi, Figures, QuestionSummary, Summary, Tally, percent};
use parvis_core::feedback::{
    FeedbackAnswer, FeedbackKind, FeedbackQuestion, Questionnaire, QuestionnaireKind,
};
use parvis_core::gestion::{CsvDialect, ExportFormat, ExportOptions, structure_label};
use rust_xlsxwriter::{Format, Workbook};
use serde::Serialize;
use tokio::sync::mpsc;

use super::avis::{self, About};
use super::gestion::{AdminRoute, Guard};
use super::registrants::export::{Chunk, body_of, file_body, neutralise};
use crate::AppState;
use crate::error::AppError;
use crate::store::feedback::{ExportedResponse, QuestionnaireRecord, Respondent};
use crate::store::{EventRecord, Store};

/// Responses read from the database at a time.
pub const PAGE: u32 = 1000;

const RESPONSES_CSV: &str = "/gestion/organisations/{org}/evenements/{slug}/avis/{avis}/export.csv";
const RESPONSES_XLSX: &str =
    "/gestion/organisations/{org}/evenements/{slug}/avis/{avis}/export.xlsx";
const RESPONSES_JSON: &str =
    "/gestion/organisations/{org}/evenements/{slug}/avis/{avis}/export.json";
const SUMMARY_CSV: &str = "/gestion/organisations/{org}/evenements/{slug}/avis/{avis}/synthese.csv";
const SUMMARY_XLSX: &str =
    "/gestion/organisations/{org}/evenements/{slug}/avis/{avis}/synthese.xlsx";
const STAKEHOLDER_RESPONSES_CSV: &str =
    "/gestion/organisations/{org}/avis-partenaires/{id}/export.csv";
const STAKEHOLDER_RESPONSES_XLSX: &str =
    "/gestion/organisations/{org}/avis-partenaires/{id}/export.xlsx";
const STAKEHOLDER_RESPONSES_JSON: &str =
    "/gestion/organisations/{org}/avis-partenaires/{id}/export.json";
const STAKEHOLDER_SUMMARY_CSV: &str =
    "/gestion/organisations/{org}/avis-partenaires/{id}/synthese.csv";
const STAKEHOLDER_SUMMARY_XLSX: &str =
    "/gestion/organisations/{org}/avis-partenaires/{id}/synthese.xlsx";

/// The feedback exports' routes, with their guard.
pub fn table() -> Vec<(AdminRoute, MethodRouter<AppState>)> {
    let route = |path| AdminRoute {
        method: Method::GET,
        path,
        guard: Guard::Member,
    };
    vec![
        (route(RESPONSES_CSV), get(responses_csv)),
        (route(RESPONSES_XLSX), get(responses_xlsx)),
        (route(RESPONSES_JSON), get(responses_json)),
        (route(SUMMARY_CSV), get(summary_csv)),
        (route(SUMMARY_XLSX), get(summary_xlsx)),
        (route(STAKEHOLDER_RESPONSES_CSV), get(responses_csv)),
        (route(STAKEHOLDER_RESPONSES_XLSX), get(responses_xlsx)),
        (route(STAKEHOLDER_RESPONSES_JSON), get(responses_json)),
        (route(STAKEHOLDER_SUMMARY_CSV), get(summary_csv)),
        (route(STAKEHOLDER_SUMMARY_XLSX), get(summary_xlsx)),
    ]
}

// ---- Scope ----

/// The member's organisation, what the questionnaire is about and the
/// questionnaire: from the feedback routes' shared prologue
/// ([`avis::Scope`]), for an event's questionnaire or a stakeholder one.
struct Scope {
    organisation_id: i64,
    account_id: i64,
    about: About,
    record: QuestionnaireRecord,
}

impl From<avis::Scope> for Scope {
    fn from(scope: avis::Scope) -> Self {
        Scope {
            organisation_id: scope.membership.organisation.id,
            account_id: scope.session.account.id,
            about: scope.about,
            record: scope.record,
        }
    }
}

impl Scope {
    /// `a-chaud`, `a-froid`, or `partenaires` for a stakeholder
    /// questionnaire.
    fn avis(&self) -> &'static str {
        match self.record.questionnaire.kind {
            QuestionnaireKind::Cold => "a-froid",
            QuestionnaireKind::Hot => "a-chaud",
            QuestionnaireKind::Stakeholder => "partenaires",
        }
    }

    /// The event's address, or for a stakeholder questionnaire its number:
    /// the file name's first part.
    fn slug(&self) -> String {
        match &self.about {
            About::Event(event) => event.public.slug.clone(),
            About::Organisation(_) => self.record.id.to_string(),
        }
    }

    /// The event's title, or the organisation's name.
    fn title(&self) -> String {
        match &self.about {
            About::Event(event) => event.public.title.clone(),
            About::Organisation(name) => name.clone(),
        }
    }

    fn event(&self) -> Option<&EventRecord> {
        match &self.about {
            About::Event(event) => Some(event),
            About::Organisation(_) => None,
        }
    }
}

/// `GET …/export.csv?dialecte=excel|standard`.
async fn responses_csv(
    State(state): State<AppState>,
    scope: avis::Scope,
    options: Result<Query<ExportOptions>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(options) = options?;
    respond_responses(
        &state,
        scope.into(),
        ExportFormat::Csv,
        options.dialecte.unwrap_or_default(),
    )
    .await
}

/// `GET …/export.xlsx`.
async fn responses_xlsx(
    State(state): State<AppState>,
    scope: avis::Scope,
) -> Result<Response, AppError> {
    respond_responses(
        &state,
        scope.into(),
        ExportFormat::Xlsx,
        CsvDialect::default(),
    )
    .await
}

/// `GET …/export.json`.
async fn responses_json(
    State(state): State<AppState>,
    scope: avis::Scope,
) -> Result<Response, AppError> {
    respond_responses(
        &state,
        scope.into(),
        ExportFormat::Json,
        CsvDialect::default(),
    )
    .await
}

/// `GET …/synthese.csv?dialecte=excel|standard`.
async fn summary_csv(
    State(state): State<AppState>,
    scope: avis::Scope,
    options: Result<Query<ExportOptions>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(options) = options?;
    respond_summary(
        &state,
        scope.into(),
        ExportFormat::Csv,
        options.dialecte.unwrap_or_default(),
    )
    .await
}

/// `GET …/synthese.xlsx`.
async fn summary_xlsx(
    State(state): State<AppState>,
    scope: avis::Scope,
) -> Result<Response, AppError> {
    respond_summary(
        &state,
        scope.into(),
        ExportFormat::Xlsx,
        CsvDialect::default(),
    )
    .await
}

// ---- Cells ----

/// One cell, typed.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Empty,
    Text(String),
    Integer(i64),
    /// A mean or a median, in hundredths.
    Decimal(Centi),
    Date(NaiveDate),
    /// A moment, in Paris time.
    Moment(DateTime<FixedOffset>),
}

impl Cell {
    fn text(text: impl Into<String>) -> Self {
        Cell::Text(text.into())
    }

    fn optional(text: Option<&str>) -> Self {
        text.filter(|t| !t.trim().is_empty())
            .map_or(Cell::Empty, Cell::text)
    }

    fn count(n: usize) -> Self {
        Cell::Integer(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// The cell as CSV text: neutralised text, numbers as written (decimal
    /// comma for Excel in French, point otherwise), dates as French Excel
    /// reads them (`13/05/2025`) or in ISO 8601.
    fn csv(&self, dialect: CsvDialect) -> Cow<'_, str> {
        match (self, dialect) {
            (Cell::Empty, _) => Cow::Borrowed(""),
            (Cell::Text(text), _) => neutralise(text),
            (Cell::Integer(n), _) => Cow::Owned(n.to_string()),
            (Cell::Decimal(value), CsvDialect::Excel) => Cow::Owned(value.to_string()),
            (Cell::Decimal(value), CsvDialect::Standard) => {
                Cow::Owned(value.to_string().replace(',', "."))
            }
            (Cell::Date(date), CsvDialect::Excel) => {
                Cow::Owned(date.format("%d/%m/%Y").to_string())
            }
            (Cell::Date(date), CsvDialect::Standard) => {
                Cow::Owned(date.format("%Y-%m-%d").to_string())
            }
            (Cell::Moment(at), CsvDialect::Excel) => {
                Cow::Owned(at.format("%d/%m/%Y %H:%M").to_string())
            }
            (Cell::Moment(at), CsvDialect::Standard) => {
                Cow::Owned(at.to_rfc3339_opts(SecondsFormat::Secs, true))
            }
        }
    }
}

/// « Envoyée » or « En cours ».
fn status_label(submitted: bool) -> &'static str {
    if submitted { "Envoyée" } else { "En cours" }
}

/// « invitation » or « lien public ».
fn source_label(public: bool) -> &'static str {
    if public { "lien public" } else { "invitation" }
}

// ---- The responses' columns ----

/// What part of a question's answer a column shows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// The answer (for a choice with « Autre », the options and « Autre »).
    Whole,
    /// What was typed after « Autre : ».
    Other,
    /// One row of a matrix.
    Row(String),
}

/// The columns of a responses export and how a response fills them.
struct Columns {
    anonymous: bool,
    headers: Vec<String>,
    widths: Vec<f64>,
    answers: Vec<(FeedbackQuestion, Part)>,
    tracks: HashMap<String, String>,
}

/// The person's columns, named mode only, and their widths in XLSX.
const PERSON: [(&str, f64); 6] = [
    ("Prénom", 16.0),
    ("Nom", 18.0),
    ("Adresse e-mail", 30.0),
    ("Type de structure", 22.0),
    ("Territoire", 18.0),
    ("Atelier", 28.0),
];

impl Columns {
    fn new(event: Option<&EventRecord>, questionnaire: &Questionnaire) -> Self {
        let anonymous = questionnaire.anonymous;
        let mut headers = Vec::new();
        let mut widths = Vec::new();
        if !anonymous {
            for (header, width) in PERSON {
                headers.push(header.to_owned());
                widths.push(width);
            }
        }
        headers.extend(["Statut".to_owned(), "Origine".to_owned()]);
        widths.extend([12.0, 14.0]);
        headers.push(
            if anonymous {
                "Jour"
            } else {
                "Dernière modification"
            }
            .to_owned(),
        );
        widths.push(18.0);
        let mut answers = Vec::new();
        for question in &questionnaire.questions {
            match &question.kind {
                FeedbackKind::Matrix { rows, .. } => {
                    for row in rows {
                        headers.push(format!("{} – {row}", question.label));
                        widths.push(14.0);
                        answers.push((question.clone(), Part::Row(row.clone())));
                    }
                }
                FeedbackKind::Single { other, .. } | FeedbackKind::Multiple { other, .. } => {
                    headers.push(question.label.clone());
                    widths.push(28.0);
                    answers.push((question.clone(), Part::Whole));
                    if *other {
                        headers.push(format!("{} – Autre : précision", question.label));
                        widths.push(28.0);
                        answers.push((question.clone(), Part::Other));
                    }
                }
                FeedbackKind::LongText => {
                    headers.push(question.label.clone());
                    widths.push(40.0);
                    answers.push((question.clone(), Part::Whole));
                }
                _ => {
                    headers.push(question.label.clone());
                    widths.push(16.0);
                    answers.push((question.clone(), Part::Whole));
                }
            }
        }
        Self {
            anonymous,
            headers,
            widths,
            answers,
            tracks: event
                .map(|event| {
                    event
                        .public
                        .tracks()
                        .map(|t| (t.id.clone(), t.title.clone()))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    fn row(&self, r: &ExportedResponse) -> Vec<Cell> {
        let mut cells = Vec::with_capacity(self.headers.len());
        if !self.anonymous {
            match &r.respondent {
                Some(person) => cells.extend([
                    Cell::text(person.first_name.as_str()),
                    Cell::text(person.last_name.as_str()),
                    Cell::text(person.email.as_str()),
                ]),
                None => cells.extend([Cell::Empty, Cell::Empty, Cell::Empty]),
            }
            cells.push(Cell::optional(
                r.structure_type.as_deref().map(structure_label),
            ));
            cells.push(Cell::optional(r.territory.as_deref()));
            cells.push(Cell::optional(
                r.workshop
                    .as_deref()
                    .map(|id| self.tracks.get(id).map_or(id, String::as_str)),
            ));
        }
        cells.push(Cell::text(status_label(r.submitted)));
        cells.push(Cell::text(source_label(r.public)));
        cells.push(if self.anonymous || r.public {
            // Only the day is stored: never more.
            Cell::Date(r.updated_at.date_naive())
        } else {
            Cell::Moment(r.updated_at.with_timezone(&Paris).fixed_offset())
        });
        for (question, part) in &self.answers {
            cells.push(answer_cell(question, part, r.answers.get(&question.id)));
        }
        cells
    }
}

/// A part of an answer, typed: ratings and numbers as numbers, yes/no in
/// French, choices joined with « ; ».
fn answer_cell(question: &FeedbackQuestion, part: &Part, answer: Option<&FeedbackAnswer>) -> Cell {
    let Some(answer) = answer else {
        return Cell::Empty;
    };
    match (part, answer) {
        (Part::Whole, FeedbackAnswer::Number(n)) => Cell::Integer(*n),
        (Part::Whole, FeedbackAnswer::Bool(yes)) => Cell::text(if *yes { "Oui" } else { "Non" }),
        (Part::Whole, FeedbackAnswer::Text(text)) => match question.kind {
            FeedbackKind::Number { .. } => text
                .trim()
                .parse()
                .map_or_else(|_| Cell::optional(Some(text)), Cell::Integer),
            _ => Cell::optional(Some(text)),
        },
        (Part::Whole, FeedbackAnswer::Many(items)) => Cell::optional(Some(&items.join(" ; "))),
        (Part::Whole, FeedbackAnswer::Choice { choices, .. }) => {
            let mut items: Vec<&str> = choices.iter().map(String::as_str).collect();
            items.push("Autre");
            Cell::text(items.join(" ; "))
        }
        (Part::Whole, FeedbackAnswer::Matrix(ratings)) => {
            // A matrix's column is per row; here only if the question's
            // kind changed since, which answered questions cannot do.
            let items: Vec<String> = ratings.iter().map(|(r, n)| format!("{r} : {n}")).collect();
            Cell::optional(Some(&items.join(" ; ")))
        }
        (Part::Other, FeedbackAnswer::Choice { other, .. }) => Cell::optional(Some(other)),
        (Part::Row(row), FeedbackAnswer::Matrix(ratings)) => {
            ratings.get(row).map_or(Cell::Empty, |n| Cell::Integer(*n))
        }
        _ => Cell::Empty,
    }
}

// ---- Streaming ----

/// A page read, or the end (`None`), or why reading stopped.
type Read = anyhow::Result<Option<Vec<ExportedResponse>>>;

/// The responses, a page at a time in the order of their keys, read one
/// page ahead by a task of their own: reading and decoding a page overlaps
/// writing the one before. The task stops at the end, at an error, or
/// when the export is dropped (its client left).
struct Pages {
    rx: mpsc::Receiver<Read>,
}

impl Pages {
    /// Reads the pages in a task, one ahead; `contacts` names the people of
    /// a stakeholder list by their responses' keys (named mode).
    fn new(
        store: Arc<dyn Store>,
        questionnaire_id: i64,
        contacts: Arc<BTreeMap<String, Respondent>>,
    ) -> Self {
        let (tx, rx) = mpsc::channel::<Read>(1);
        tokio::spawn(async move {
            let mut after: Option<String> = None;
            loop {
                let read = store
                    .feedback_response_page(questionnaire_id, after.as_deref(), PAGE)
                    .await;
                let (item, more) = match read {
                    Ok(page) if page.is_empty() => (Ok(None), false),
                    Ok(mut page) => {
                        let more = page.len() >= PAGE as usize;
                        after = page.last().map(|last| last.key.clone());
                        if !contacts.is_empty() {
                            for response in &mut page {
                                if response.respondent.is_none() {
                                    response.respondent = contacts.get(&response.key).cloned();
                                }
                            }
                        }
                        (Ok(Some(page)), more)
                    }
                    Err(error) => (Err(error), false),
                };
                let ended = matches!(item, Ok(None));
                if tx.send(item).await.is_err() {
                    return;
                }
                if ended {
                    return;
                }
                if !more {
                    let _ = tx.send(Ok(None)).await;
                    return;
                }
            }
        });
        Self { rx }
    }

    /// The next page; `None` at the end. A reader gone without saying the
    /// end (it panicked) is an error, never a shorter export.
    async fn next(&mut self) -> Read {
        self.rx
            .recv()
            .await
            .unwrap_or_else(|| Err(anyhow::anyhow!("the responses' reader stopped")))
    }
}

/// What writes a streamed format, chunk by chunk.
trait Writer: Send + 'static {
    fn start(&mut self) -> anyhow::Result<Vec<u8>>;
    fn page(&mut self, page: &[ExportedResponse]) -> anyhow::Result<Vec<u8>>;
    fn end(&mut self, rows: u32) -> anyhow::Result<Vec<u8>>;
}

/// Writes CSV records in a dialect.
struct Csv {
    builder: csv::WriterBuilder,
    dialect: CsvDialect,
}

impl Csv {
    fn new(dialect: CsvDialect) -> Self {
        let delimiter = match dialect {
            CsvDialect::Excel => b';',
            CsvDialect::Standard => b',',
        };
        let mut builder = csv::WriterBuilder::new();
        builder
            .delimiter(delimiter)
            .terminator(csv::Terminator::CRLF);
        Self { builder, dialect }
    }

    /// The headers, after the byte order mark Excel needs to read UTF-8.
    fn head(&self, headers: &[String]) -> anyhow::Result<Vec<u8>> {
        let mut bytes = match self.dialect {
            CsvDialect::Excel => "\u{feff}".as_bytes().to_vec(),
            CsvDialect::Standard => Vec::new(),
        };
        let headers: Vec<Cell> = headers.iter().map(|h| Cell::text(h.as_str())).collect();
        bytes.extend(self.rows(std::iter::once(headers))?);
        Ok(bytes)
    }

    fn rows(&self, rows: impl IntoIterator<Item = Vec<Cell>>) -> anyhow::Result<Vec<u8>> {
        let mut csv = self.builder.from_writer(Vec::new());
        for row in rows {
            // Field by field: a text cell is written from where it is,
            // without a copy.
            for cell in &row {
                csv.write_field(cell.csv(self.dialect).as_bytes())?;
            }
            csv.write_record(None::<&[u8]>)?;
        }
        csv.into_inner()
            .map_err(|error| anyhow::anyhow!("{}", error.error()))
    }
}

struct CsvWriter {
    csv: Csv,
    columns: Columns,
}

impl Writer for CsvWriter {
    fn start(&mut self) -> anyhow::Result<Vec<u8>> {
        self.csv.head(&self.columns.headers)
    }

    fn page(&mut self, page: &[ExportedResponse]) -> anyhow::Result<Vec<u8>> {
        self.csv.rows(page.iter().map(|r| self.columns.row(r)))
    }

    fn end(&mut self, _rows: u32) -> anyhow::Result<Vec<u8>> {
        Ok(Vec::new())
    }
}

/// The event of a JSON export.
#[derive(Serialize)]
struct JsonEvent {
    slug: String,
    title: String,
}

/// A line of the JSON export. `updated_at` (RFC 3339) for a named
/// response through a personal link; `day` (`AAAA-MM-JJ`) otherwise, the
/// store keeping no more; the person's fields in named mode only.
#[derive(Serialize)]
struct JsonLine<'a> {
    status: &'static str,
    submitted: bool,
    source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    day: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    structure_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    territory: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    workshop: Option<&'a str>,
    answers: &'a BTreeMap<String, FeedbackAnswer>,
}

/// `{"event", "avis", "questionnaire", "exported_at", "responses": [...],
/// "count"}`, written as it is read: `count` comes last.
struct JsonWriter {
    event: JsonEvent,
    avis: &'static str,
    questionnaire: Questionnaire,
    first: bool,
}

impl Writer for JsonWriter {
    fn start(&mut self) -> anyhow::Result<Vec<u8>> {
        let mut bytes = b"{\"event\":".to_vec();
        serde_json::to_writer(&mut bytes, &self.event)?;
        bytes.extend(b",\"avis\":");
        serde_json::to_writer(&mut bytes, self.avis)?;
        bytes.extend(b",\"questionnaire\":");
        serde_json::to_writer(&mut bytes, &self.questionnaire)?;
        bytes.extend(b",\"exported_at\":");
        serde_json::to_writer(&mut bytes, &Utc::now())?;
        bytes.extend(b",\"responses\":[");
        Ok(bytes)
    }

    fn page(&mut self, page: &[ExportedResponse]) -> anyhow::Result<Vec<u8>> {
        let anonymous = self.questionnaire.anonymous;
        let mut bytes = Vec::with_capacity(page.len() * 400);
        for r in page {
            if !self.first {
                bytes.push(b',');
            }
            self.first = false;
            let named = (!anonymous).then_some(r);
            let person = named.and_then(|r| r.respondent.as_ref());
            let precise = !anonymous && !r.public;
            let line = JsonLine {
                status: status_label(r.submitted),
                submitted: r.submitted,
                source: if r.public { "public" } else { "invitation" },
                updated_at: precise
                    .then(|| r.updated_at.to_rfc3339_opts(SecondsFormat::Secs, true)),
                day: (!precise).then(|| r.updated_at.format("%Y-%m-%d").to_string()),
                first_name: person.map(|p| p.first_name.as_str()),
                last_name: person.map(|p| p.last_name.as_str()),
                email: person.map(|p| p.email.as_str()),
                structure_type: named.and_then(|r| r.structure_type.as_deref()),
                territory: named.and_then(|r| r.territory.as_deref()),
                workshop: named.and_then(|r| r.workshop.as_deref()),
                answers: &r.answers,
            };
            serde_json::to_writer(&mut bytes, &line)?;
        }
        Ok(bytes)
    }

    fn end(&mut self, rows: u32) -> anyhow::Result<Vec<u8>> {
        Ok(format!("],\"count\":{rows}}}").into_bytes())
    }
}

/// How an export went.
enum Outcome {
    /// Every row written.
    Done(u32),
    /// The client left after this many rows.
    Gone(u32),
    /// Reading or writing failed after this many rows (the error, for the
    /// log).
    Failed(u32, String),
}

/// Sends a chunk (none when empty); `false` once the client has left.
async fn send(tx: &mpsc::Sender<Chunk>, bytes: Vec<u8>) -> bool {
    bytes.is_empty() || tx.send(Ok(Bytes::from(bytes))).await.is_ok()
}

/// Reads the pages and sends each written chunk; the end is returned
/// rather than sent, to go after the audit line.
async fn produce(
    mut pages: Pages,
    writer: &mut dyn Writer,
    tx: &mpsc::Sender<Chunk>,
) -> (Outcome, Vec<u8>) {
    let mut rows = 0u32;
    let failed =
        |rows: u32, error: anyhow::Error| (Outcome::Failed(rows, format!("{error:#}")), Vec::new());
    let start = match writer.start() {
        Ok(bytes) => bytes,
        Err(error) => return failed(rows, error),
    };
    if !send(tx, start).await {
        return (Outcome::Gone(rows), Vec::new());
    }
    loop {
        let page = match pages.next().await {
            Ok(Some(page)) => page,
            Ok(None) => break,
            Err(error) => return failed(rows, error),
        };
        let bytes = match writer.page(&page) {
            Ok(bytes) => bytes,
            Err(error) => return failed(rows, error),
        };
        if !send(tx, bytes).await {
            return (Outcome::Gone(rows), Vec::new());
        }
        rows += u32::try_from(page.len()).unwrap_or(u32::MAX);
    }
    match writer.end(rows) {
        Ok(end) => (Outcome::Done(rows), end),
        Err(error) => failed(rows, error),
    }
}

/// What the audit log and the file name say of an export.
struct Described {
    organisation_id: i64,
    account_id: i64,
    format: &'static str,
    what: String,
}

impl Described {
    fn of(scope: &Scope, what: &str, format: ExportFormat, dialect: CsvDialect) -> Self {
        let format = match (format, dialect) {
            (ExportFormat::Csv, CsvDialect::Excel) => "CSV (Excel)",
            (ExportFormat::Csv, CsvDialect::Standard) => "CSV (standard)",
            (ExportFormat::Xlsx, _) => "XLSX",
            (ExportFormat::Json, _) => "JSON",
        };
        let kind = match scope.record.questionnaire.kind {
            QuestionnaireKind::Cold => "à froid",
            QuestionnaireKind::Hot => "à chaud",
            QuestionnaireKind::Stakeholder => "aux partenaires",
        };
        Self {
            organisation_id: scope.organisation_id,
            account_id: scope.account_id,
            format,
            what: format!(
                "{what} du questionnaire {kind} de « {} » ({})",
                scope.title(),
                scope.slug()
            ),
        }
    }

    fn detail(&self, outcome: &Outcome) -> String {
        let lines = |n: u32| {
            if n > 1 {
                format!("{n} lignes")
            } else {
                format!("{n} ligne")
            }
        };
        let how = match outcome {
            Outcome::Done(rows) => lines(*rows),
            Outcome::Gone(rows) => format!("téléchargement interrompu après {}", lines(*rows)),
            Outcome::Failed(rows, _) => format!("échec après {}", lines(*rows)),
        };
        format!("Export {} {} : {how}", self.format, self.what)
    }

    async fn audit(&self, store: &dyn Store, outcome: &Outcome) -> anyhow::Result<()> {
        store
            .audit(
                Some(self.organisation_id),
                Some(self.account_id),
                "export",
                &self.detail(outcome),
                Utc::now(),
            )
            .await
    }
}

/// `avis-{slug}-{a-chaud|a-froid}[-synthese]-{AAAA-MM-JJ}.{ext}`, the date
/// of the export in Paris, the slug kept to letters, digits and dashes.
fn file_name(slug: &str, avis: &str, summary: bool, format: ExportFormat) -> String {
    let slug: String = slug
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!(
        "avis-{slug}-{avis}{}-{}.{}",
        if summary { "-synthese" } else { "" },
        Utc::now().with_timezone(&Paris).format("%Y-%m-%d"),
        format.extension()
    )
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn csv_type(dialect: CsvDialect) -> &'static str {
    match dialect {
        CsvDialect::Excel => "text/csv; charset=utf-8",
        CsvDialect::Standard => "text/csv; charset=utf-8; header=present",
    }
}

/// The response with its type, file name and (when known) length.
fn download(
    body: Body,
    content_type: &'static str,
    name: &str,
    length: Option<u64>,
) -> Result<Response, AppError> {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
            .map_err(anyhow::Error::from)?,
    );
    if let Some(length) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    Ok(response)
}

/// For a named stakeholder questionnaire, its people by their responses'
/// keys (`contact:{invitation}`): they have no registration to be read
/// through. Empty otherwise.
async fn contacts_of(
    state: &AppState,
    scope: &Scope,
) -> Result<Arc<BTreeMap<String, Respondent>>, AppError> {
    let q = &scope.record.questionnaire;
    if q.kind != QuestionnaireKind::Stakeholder || q.anonymous {
        return Ok(Arc::default());
    }
    Ok(Arc::new(
        state
            .store
            .feedback_contacts(scope.record.id)
            .await?
            .into_iter()
            .map(|(id, person)| (format!("contact:{id}"), person))
            .collect(),
    ))
}

/// Answers an export of the scope's responses.
async fn respond_responses(
    state: &AppState,
    scope: Scope,
    format: ExportFormat,
    dialect: CsvDialect,
) -> Result<Response, AppError> {
    let described = Described::of(&scope, "des réponses", format, dialect);
    let name = file_name(&scope.slug(), scope.avis(), false, format);
    let columns = Columns::new(scope.event(), &scope.record.questionnaire);
    let pages = Pages::new(
        state.store.clone(),
        scope.record.id,
        contacts_of(state, &scope).await?,
    );
    match format {
        ExportFormat::Csv => {
            let writer = CsvWriter {
                csv: Csv::new(dialect),
                columns,
            };
            let body = streamed(state.store.clone(), pages, writer, described);
            download(body, csv_type(dialect), &name, None)
        }
        ExportFormat::Json => {
            let writer = JsonWriter {
                event: JsonEvent {
                    slug: scope.slug(),
                    title: scope.title(),
                },
                avis: scope.avis(),
                questionnaire: scope.record.questionnaire.clone(),
                first: true,
            };
            let body = streamed(state.store.clone(), pages, writer, described);
            download(body, "application/json", &name, None)
        }
        ExportFormat::Xlsx => {
            let (file, length) = workbook(state.store.as_ref(), pages, columns, &described).await?;
            download(file_body(file), XLSX, &name, Some(length))
        }
    }
}

/// CSV or JSON: a task reads and writes, the body streams what it sends.
fn streamed(
    store: Arc<dyn Store>,
    pages: Pages,
    mut writer: impl Writer,
    described: Described,
) -> Body {
    // One chunk ahead of the client at most.
    let (tx, rx) = mpsc::channel::<Chunk>(1);
    tokio::spawn(async move {
        let (outcome, end) = produce(pages, &mut writer, &tx).await;
        let audited = described.audit(store.as_ref(), &outcome).await;
        match (&outcome, audited) {
            (Outcome::Done(_), Ok(())) => {
                if !end.is_empty() {
                    let _ = tx.send(Ok(Bytes::from(end))).await;
                }
            }
            (Outcome::Done(_), Err(error)) => {
                tracing::error!(
                    error = format!("{error:#}"),
                    "feedback export not audited: the download ends in error"
                );
                let _ = tx
                    .send(Err(std::io::Error::other("export not audited")))
                    .await;
            }
            (Outcome::Failed(_, error), audited) => {
                tracing::error!(
                    error = error.as_str(),
                    audited = audited.is_ok(),
                    "feedback export failed"
                );
                let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
            }
            (Outcome::Gone(rows), audited) => {
                tracing::info!(
                    rows,
                    audited = audited.is_ok(),
                    "feedback export left by its client"
                );
            }
        }
        // Dropping the sender ends the body.
    });
    body_of(rx)
}

/// XLSX: pages are read here and written on a blocking thread, then the
/// saved workbook is audited; returns the file, at its start, and its size.
async fn workbook(
    store: &dyn Store,
    mut pages: Pages,
    columns: Columns,
    described: &Described,
) -> Result<(std::fs::File, u64), AppError> {
    let (tx, rx) = mpsc::channel::<Vec<Vec<Cell>>>(2);
    let headers = columns.headers.clone();
    let widths = columns.widths.clone();
    let writing =
        tokio::task::spawn_blocking(move || write_workbook("Réponses", &headers, &widths, rx));
    let mut rows = 0u32;
    let read: anyhow::Result<()> = async {
        while let Some(page) = pages.next().await? {
            let cells: Vec<Vec<Cell>> = page.iter().map(|r| columns.row(r)).collect();
            rows += u32::try_from(cells.len()).unwrap_or(u32::MAX);
            if tx.send(cells).await.is_err() {
                // The writer stopped: its error says why.
                break;
            }
        }
        Ok(())
    }
    .await;
    drop(tx);
    let written = writing
        .await
        .map_err(|error| anyhow::anyhow!("the workbook writer failed: {error}"))?;
    let outcome = match (read, written) {
        (Ok(()), Ok(file)) => Ok(file),
        (Err(error), _) | (Ok(()), Err(error)) => Err(error),
    };
    match outcome {
        Ok(file) => {
            described.audit(store, &Outcome::Done(rows)).await?;
            Ok(file)
        }
        Err(error) => {
            let failed = Outcome::Failed(rows, format!("{error:#}"));
            let _ = described.audit(store, &failed).await;
            Err(error.into())
        }
    }
}

/// Writes a sheet from the rows received, in constant-memory mode, into
/// an anonymous temporary file (gone once closed).
fn write_workbook(
    name: &str,
    headers: &[String],
    widths: &[f64],
    mut rx: mpsc::Receiver<Vec<Vec<Cell>>>,
) -> anyhow::Result<(std::fs::File, u64)> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let moment = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    let decimal = Format::new().set_num_format("0.00");
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name(name)?;
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(u16::try_from(col)?, *width)?;
    }
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, u16::try_from(col)?, neutralise(header), &bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let mut row: u32 = 0;
    while let Some(page) = rx.blocking_recv() {
        for cells in page {
            row += 1;
            for (col, cell) in cells.iter().enumerate() {
                let col = u16::try_from(col)?;
                match cell {
                    Cell::Empty => {}
                    Cell::Text(text) => {
                        sheet.write_string(row, col, neutralise(text))?;
                    }
                    Cell::Integer(n) => {
                        // Ratings, counts and answers are far below 2^53.
                        #[allow(clippy::cast_precision_loss)]
                        sheet.write_number(row, col, *n as f64)?;
                    }
                    Cell::Decimal(Centi(hundredths)) => {
                        #[allow(clippy::cast_precision_loss)]
                        sheet.write_number_with_format(
                            row,
                            col,
                            *hundredths as f64 / 100.0,
                            &decimal,
                        )?;
                    }
                    Cell::Date(day) => {
                        sheet.write_date_with_format(row, col, day, &date)?;
                    }
                    Cell::Moment(at) => {
                        sheet.write_datetime_with_format(row, col, at.naive_local(), &moment)?;
                    }
                }
            }
        }
    }
    let last_col = u16::try_from(headers.len().saturating_sub(1))?;
    sheet.autofilter(0, 0, row, last_col)?;
    let mut file = tempfile::tempfile()?;
    workbook.save_to_writer(&mut file)?;
    let length = file.stream_position()?;
    file.rewind()?;
    Ok((file, length))
}

// ---- The summary ----

/// The summary's columns, and their widths in XLSX.
const SUMMARY: [(&str, f64); 8] = [
    ("Question", 40.0),
    ("Type", 22.0),
    ("Option ou ligne", 30.0),
    ("Nombre", 10.0),
    ("Pourcentage", 12.0),
    ("Moyenne", 10.0),
    ("Médiane", 10.0),
    ("Score de recommandation", 16.0),
];

/// One line of the summary.
#[derive(Default)]
struct Line<'a> {
    question: &'a str,
    kind: &'a str,
    option: Cow<'a, str>,
    count: Option<usize>,
    percent: Option<u32>,
    mean: Option<Centi>,
    median: Option<Centi>,
    score: Option<i32>,
}

impl Line<'_> {
    fn cells(self) -> Vec<Cell> {
        vec![
            Cell::optional(Some(self.question)),
            Cell::optional(Some(self.kind)),
            Cell::optional(Some(&self.option)),
            self.count.map_or(Cell::Empty, Cell::count),
            self.percent
                .map_or(Cell::Empty, |p| Cell::Integer(i64::from(p))),
            self.mean.map_or(Cell::Empty, Cell::Decimal),
            self.median.map_or(Cell::Empty, Cell::Decimal),
            self.score
                .map_or(Cell::Empty, |s| Cell::Integer(i64::from(s))),
        ]
    }
}

/// The summary's lines: the people invited, those who submitted (with the
/// response rate), every submitted response (the public link's too, as the
/// dashboard counts them), then one line per question and option.
/// Percentages are of the question's answers (of its ratings for a
/// scale's values); text answers are only counted, never copied.
fn summary_rows(
    questionnaire: &Questionnaire,
    figures: &Summary,
    invited: usize,
    answered: usize,
) -> Vec<Vec<Cell>> {
    const ALL: &str = "Ensemble du questionnaire";
    let mut rows = vec![
        Line {
            question: ALL,
            option: "Personnes invitées".into(),
            count: Some(invited),
            ..Line::default()
        }
        .cells(),
        Line {
            question: ALL,
            option: "Réponses envoyées par les personnes invitées".into(),
            count: Some(answered),
            percent: percent(answered, invited),
            ..Line::default()
        }
        .cells(),
        Line {
            question: ALL,
            option: "Ensemble des réponses envoyées".into(),
            count: Some(figures.submitted),
            ..Line::default()
        }
        .cells(),
    ];
    for summary in &figures.questions {
        let Some(question) = questionnaire.question(&summary.id) else {
            continue;
        };
        question_rows(question, summary, &mut rows);
    }
    rows
}

fn question_rows(
    question: &FeedbackQuestion,
    summary: &QuestionSummary,
    rows: &mut Vec<Vec<Cell>>,
) {
    let base = Line {
        question: &summary.label,
        kind: question.kind.label(),
        ..Line::default()
    };
    let line = |option: Cow<'_, str>, count: usize, of: usize| {
        Line {
            option,
            count: Some(count),
            percent: percent(count, of),
            question: base.question,
            kind: base.kind,
            ..Line::default()
        }
        .cells()
    };
    match &summary.figures {
        Figures::Scale(ratings) => {
            rows.push(
                Line {
                    option: "Ensemble".into(),
                    count: Some(summary.answered),
                    mean: ratings.mean,
                    median: ratings.median,
                    question: base.question,
                    kind: base.kind,
                    ..Line::default()
                }
                .cells(),
            );
            let (min, max) = match &question.kind {
                FeedbackKind::Scale {
                    min_label,
                    max_label,
                } => (min_label.as_str(), max_label.as_str()),
                _ => ("", ""),
            };
            let total = ratings.total();
            for (i, &count) in ratings.counts.iter().enumerate() {
                let value = i + 1;
                let option = match value {
                    1 if !min.is_empty() => format!("1 ({min})"),
                    5 if !max.is_empty() => format!("5 ({max})"),
                    _ => value.to_string(),
                };
                rows.push(line(option.into(), count, total));
            }
        }
        Figures::Recommend(recommendation) => {
            let ratings = &recommendation.ratings;
            let total = ratings.total();
            rows.push(
                Line {
                    option: "Ensemble".into(),
                    count: Some(total),
                    mean: ratings.mean,
                    median: ratings.median,
                    score: recommendation.score,
                    question: base.question,
                    kind: base.kind,
                    ..Line::default()
                }
                .cells(),
            );
            rows.push(line(
                "Promoteurs (9 ou 10)".into(),
                recommendation.promoters,
                total,
            ));
            rows.push(line(
                "Passifs (7 ou 8)".into(),
                recommendation.passives,
                total,
            ));
            rows.push(line(
                "Détracteurs (0 à 6)".into(),
                recommendation.detractors,
                total,
            ));
            for (value, &count) in ratings.counts.iter().enumerate() {
                rows.push(line(value.to_string().into(), count, total));
            }
        }
        Figures::Choice(choices) => {
            for option in &choices.options {
                rows.push(line(
                    option.option.as_str().into(),
                    option.count,
                    summary.answered,
                ));
            }
            let offers_other = matches!(
                question.kind,
                FeedbackKind::Single { other: true, .. }
                    | FeedbackKind::Multiple { other: true, .. }
            );
            if offers_other || choices.other > 0 {
                rows.push(line("Autre".into(), choices.other, summary.answered));
            }
        }
        Figures::YesNo { yes, no } => {
            rows.push(line("Oui".into(), *yes, yes + no));
            rows.push(line("Non".into(), *no, yes + no));
        }
        Figures::Text(_) => {
            rows.push(
                Line {
                    option: "Réponses écrites".into(),
                    count: Some(summary.answered),
                    question: base.question,
                    kind: base.kind,
                    ..Line::default()
                }
                .cells(),
            );
        }
        Figures::Number(numbers) => {
            rows.push(
                Line {
                    option: "Ensemble".into(),
                    count: Some(summary.answered),
                    mean: numbers.mean,
                    median: numbers.median,
                    question: base.question,
                    kind: base.kind,
                    ..Line::default()
                }
                .cells(),
            );
        }
        Figures::Matrix(matrix) => {
            for row in matrix {
                let count = row.ratings.total();
                rows.push(
                    Line {
                        option: row.row.as_str().into(),
                        count: Some(count),
                        percent: percent(count, summary.answered),
                        mean: row.ratings.mean,
                        median: row.ratings.median,
                        question: base.question,
                        kind: base.kind,
                        ..Line::default()
                    }
                    .cells(),
                );
            }
        }
    }
}

/// Answers the summary of the scope's submitted responses: the
/// dashboard's figures, small enough to write at once.
async fn respond_summary(
    state: &AppState,
    scope: Scope,
    format: ExportFormat,
    dialect: CsvDialect,
) -> Result<Response, AppError> {
    let described = Described::of(&scope, "de la synthèse", format, dialect);
    let name = file_name(&scope.slug(), scope.avis(), true, format);
    let questionnaire = &scope.record.questionnaire;
    // The dashboard's figures, counted a page at a time: only the tally
    // (and no text answer) is held.
    let mut tally = Tally::counting_texts(questionnaire);
    let mut pages = Pages::new(state.store.clone(), scope.record.id, Arc::default());
    while let Some(page) = pages.next().await? {
        for response in page.iter().filter(|r| r.submitted) {
            tally.add(&response.answers, true);
        }
    }
    let figures = tally.finish();
    let (invited, answered) = state
        .store
        .feedback_invitation_counts(scope.record.id)
        .await?;
    let rows = summary_rows(questionnaire, &figures, invited, answered);
    let count = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    let headers: Vec<String> = SUMMARY.iter().map(|(h, _)| (*h).to_owned()).collect();
    let written: anyhow::Result<(Body, &'static str, u64)> = match format {
        ExportFormat::Xlsx => {
            let widths: Vec<f64> = SUMMARY.iter().map(|(_, w)| *w).collect();
            let (tx, rx) = mpsc::channel(1);
            tx.send(rows)
                .await
                .map_err(|_| anyhow::anyhow!("the summary was not sent to its writer"))?;
            drop(tx);
            tokio::task::spawn_blocking(move || write_workbook("Synthèse", &headers, &widths, rx))
                .await
                .map_err(|error| anyhow::anyhow!("the workbook writer failed: {error}"))?
                .map(|(file, length)| (file_body(file), XLSX, length))
        }
        _ => {
            let csv = Csv::new(dialect);
            csv.head(&headers).and_then(|mut bytes| {
                bytes.extend(csv.rows(rows)?);
                let length = bytes.len() as u64;
                Ok((Body::from(bytes), csv_type(dialect), length))
            })
        }
    };
    match written {
        Ok((body, content_type, length)) => {
            described
                .audit(state.store.as_ref(), &Outcome::Done(count))
                .await?;
            download(body, content_type, &name, Some(length))
        }
        Err(error) => {
            let failed = Outcome::Failed(0, format!("{error:#}"));
            let _ = described.audit(state.store.as_ref(), &failed).await;
            Err(error.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(kind: FeedbackKind) -> FeedbackQuestion {
        FeedbackQuestion {
            id: "q".to_owned(),
            label: "Question".to_owned(),
            help: None,
            required: false,
            kind,
            condition: None,
        }
    }

    #[test]
    fn answers_are_typed_and_split() {
        let choice = question(FeedbackKind::Multiple {
            options: vec!["A".to_owned(), "B".to_owned()],
            other: true,
        });
        let answer = FeedbackAnswer::Choice {
            choices: vec!["A".to_owned()],
            other: "=HYPERLINK(\"x\")".to_owned(),
        };
        assert_eq!(
            answer_cell(&choice, &Part::Whole, Some(&answer)),
            Cell::text("A ; Autre")
        );
        let other = answer_cell(&choice, &Part::Other, Some(&answer));
        assert_eq!(other.csv(CsvDialect::Excel), "'=HYPERLINK(\"x\")");
        let number = question(FeedbackKind::Number {
            min: None,
            max: None,
        });
        assert_eq!(
            answer_cell(&number, &Part::Whole, Some(&FeedbackAnswer::Number(-2)))
                .csv(CsvDialect::Excel),
            "-2"
        );
        let matrix = question(FeedbackKind::Matrix {
            rows: vec!["J1".to_owned(), "J2".to_owned()],
            min_label: String::new(),
            max_label: String::new(),
        });
        let ratings = FeedbackAnswer::Matrix(BTreeMap::from([("J2".to_owned(), 4)]));
        assert_eq!(
            answer_cell(&matrix, &Part::Row("J2".to_owned()), Some(&ratings)),
            Cell::Integer(4)
        );
        assert_eq!(
            answer_cell(&matrix, &Part::Row("J1".to_owned()), Some(&ratings)),
            Cell::Empty
        );
    }

    #[test]
    fn decimals_follow_the_dialect() {
        let cell = Cell::Decimal(Centi(425));
        assert_eq!(cell.csv(CsvDialect::Excel), "4,25");
        assert_eq!(cell.csv(CsvDialect::Standard), "4.25");
    }

    #[test]
    fn file_names_are_safe() {
        let name = file_name("journée\"x", "a-froid", true, ExportFormat::Xlsx);
        assert!(
            name.starts_with("avis-journ-e-x-a-froid-synthese-"),
            "{name}"
        );
        assert!(name.ends_with(".xlsx"), "{name}");
    }
}
