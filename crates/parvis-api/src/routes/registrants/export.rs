//! The exports of an event's registrants: CSV (`csv`), XLSX
//! (`rust_xlsxwriter`) and JSON, of the same filtered list as the page.
//!
//! Nothing holds the whole list: registrants are read a page of
//! [`super::PAGE`] at a time (keyset pagination on the registration id)
//! and written as they come.
//!
//! - CSV and JSON: a spawned task reads the pages and sends each written
//!   chunk through a channel of one chunk, which the response body
//!   streams (`Body::from_stream`): a slow client slows the reading, and one
//!   who leaves stops it. The audit line is written once the last row has
//!   gone and before the body ends, so an export whose line could not be
//!   written ends in error rather than complete.
//! - XLSX: the workbook is a zip whose directory comes last, so it is
//!   written first, in `rust_xlsxwriter`'s constant-memory mode (each row
//!   goes to a temporary file as soon as the next one starts; strings are
//!   written inline), on a blocking thread fed page by page, then saved
//!   into an anonymous temporary file, which is streamed with its length.
//!
//! « Inscrit·e par » names the organiser who registered someone on their
//! behalf (empty when people registered themselves); `registered_by` in JSON.
//!
//! Attendance: one column per session (« Présence J1 », « Présence J2 »…)
//! says « présent », « absent », or nothing when not marked; in JSON, each
//! line's `presence` lists the sessions' marks (`true`, `false`, `null`).
//! Each page's marks are read with it, one range of the attendance table.
//!
//! Every export writes a line `export` in the organisation's audit log:
//! format, event, filters, rows (and whether the download was cut short).
//!
//! Formula injection: a text cell starting with `=`, `+`, `-`, `@`, a tab
//! or a carriage return (or their full-width forms) is prefixed with `'` in
//! every format a spreadsheet opens, CSV and XLSX alike. In XLSX the cell is
//! a string anyway (`write_string` never makes a formula), but a value
//! copied from it into a CSV file or another sheet keeps its guard.
//! Numbers and dates are typed cells, never text, so they need none: the
//! waiting rank and numeric answers are numbers, the registration time
//! and date answers are dates with a French date format.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Seek};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Europe::Paris;
use parvis_core::api::EventPublic;
use parvis_core::gestion::{CsvDialect, ExportFormat, status_label, structure_label};
use parvis_core::presence;
use parvis_core::questions::{Answer, Question, QuestionKind};
use rust_xlsxwriter::{Format, Workbook};
use tokio::sync::mpsc;

use super::{Pages, Scope, event_view, line};
use crate::AppState;
use crate::error::AppError;
use crate::store::Store;
use crate::store::registrants::Registrant;

/// Whether a text would be read as a formula by a spreadsheet.
fn risky(text: &str) -> bool {
    matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠')
    )
}

/// The text as a spreadsheet must receive it: prefixed with `'` when it
/// would otherwise start a formula.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if risky(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// One cell, typed.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Empty,
    Text(String),
    Integer(i64),
    Date(NaiveDate),
    /// A moment, in Paris time.
    Moment(DateTime<FixedOffset>),
}

impl Cell {
    fn text(text: impl Into<String>) -> Self {
        Cell::Text(text.into())
    }

    fn optional(text: Option<&str>) -> Self {
        text.filter(|t| !t.is_empty())
            .map_or(Cell::Empty, Cell::text)
    }

    /// The cell as CSV text: neutralised text, numbers as written, dates
    /// as French Excel reads them (`13/05/2025`) or in ISO 8601.
    fn csv(&self, dialect: CsvDialect) -> Cow<'_, str> {
        match (self, dialect) {
            (Cell::Empty, _) => Cow::Borrowed(""),
            (Cell::Text(text), _) => neutralise(text),
            (Cell::Integer(n), _) => Cow::Owned(n.to_string()),
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

/// The marks of attendance of a page's registrations, by registration
/// then session.
type Marks = BTreeMap<i64, BTreeMap<usize, bool>>;

/// The marks of a page's registrations: its first id to its last.
async fn marks_of(pages: &Pages, page: &[Registrant]) -> anyhow::Result<Marks> {
    match (page.first(), page.last()) {
        (Some(first), Some(last)) => {
            pages
                .store
                .attendance_between(pages.event_id, first.id - 1, last.id)
                .await
        }
        _ => Ok(Marks::new()),
    }
}

/// The columns of an export and how a registrant fills them.
struct Columns {
    headers: Vec<String>,
    tracks: HashMap<String, String>,
    days: Vec<String>,
    questions: Vec<Question>,
}

/// The fixed columns before the workshops, and their widths in XLSX.
const FIRST: [(&str, f64); 9] = [
    ("Statut", 18.0),
    ("Rang en liste d'attente", 12.0),
    ("Prénom", 16.0),
    ("Nom", 18.0),
    ("Adresse e-mail", 30.0),
    ("Organisation", 28.0),
    ("Fonction", 24.0),
    ("Type de structure", 22.0),
    ("Territoire", 18.0),
];

impl Columns {
    fn new(event: &EventPublic) -> Self {
        let mut headers: Vec<String> = FIRST.iter().map(|(h, _)| (*h).to_owned()).collect();
        headers.extend(["Ateliers".to_owned(), "Journées".to_owned()]);
        headers.extend(event.questions.iter().map(|q| q.label.clone()));
        headers.extend([
            "Besoins d'accessibilité".to_owned(),
            "Inscrit·e le".to_owned(),
            "Inscrit·e par".to_owned(),
        ]);
        headers.extend((0..event.sessions.len()).map(presence::column_label));
        Self {
            headers,
            tracks: event
                .tracks()
                .map(|t| (t.id.clone(), t.title.clone()))
                .collect(),
            days: event
                .sessions
                .iter()
                .map(|s| parvis_core::dates::long_date(s.starts_at.date_naive()))
                .collect(),
            questions: event.questions.clone(),
        }
    }

    fn widths(&self) -> Vec<f64> {
        let mut widths: Vec<f64> = FIRST.iter().map(|(_, w)| *w).collect();
        widths.extend([30.0, 30.0]);
        widths.extend(self.questions.iter().map(|_| 24.0));
        widths.extend([30.0, 18.0, 22.0]);
        widths.extend(self.days.iter().map(|_| 14.0));
        widths
    }

    fn row(&self, r: &Registrant, marks: &Marks) -> Vec<Cell> {
        let mut cells = vec![
            Cell::text(status_label(r.status)),
            r.rank
                .map_or(Cell::Empty, |rank| Cell::Integer(i64::from(rank))),
            Cell::text(r.first_name.as_str()),
            Cell::text(r.last_name.as_str()),
            Cell::text(r.email.as_str()),
            Cell::optional(Some(&r.organisation)),
            Cell::optional(Some(&r.role)),
            Cell::text(structure_label(&r.structure_type)),
            Cell::optional(r.territory.as_deref()),
        ];
        let tracks: Vec<&str> = r
            .tracks
            .iter()
            .map(|id| self.tracks.get(id).map_or(id.as_str(), String::as_str))
            .collect();
        cells.push(Cell::optional(Some(&tracks.join(" ; "))));
        let days: Vec<&str> = r
            .sessions
            .iter()
            .filter_map(|&i| self.days.get(i).map(String::as_str))
            .collect();
        cells.push(Cell::optional(Some(&days.join(" ; "))));
        for question in &self.questions {
            cells.push(answer_cell(question, r.answers.get(&question.id)));
        }
        cells.push(Cell::optional(r.accessibility_needs.as_deref()));
        cells.push(Cell::Moment(
            r.registered_at.with_timezone(&Paris).fixed_offset(),
        ));
        cells.push(Cell::optional(r.registered_by.as_deref()));
        let own = marks.get(&r.id);
        for session in 0..self.days.len() {
            let mark = own.and_then(|m| m.get(&session)).copied();
            cells.push(Cell::optional(Some(presence::mark_label(mark))));
        }
        cells
    }
}

/// An answer as its question's kind reads: yes/no in French, choices
/// joined, numbers and dates typed (as typed when they do not parse).
fn answer_cell(question: &Question, answer: Option<&Answer>) -> Cell {
    match answer {
        None => Cell::Empty,
        Some(Answer::Bool(yes)) => Cell::text(if *yes { "Oui" } else { "Non" }),
        Some(Answer::Many(items)) => Cell::optional(Some(&items.join(" ; "))),
        Some(Answer::Text(text)) => {
            let typed = match question.kind {
                QuestionKind::Number { .. } => text.trim().parse().ok().map(Cell::Integer),
                QuestionKind::Date => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                    .ok()
                    .map(Cell::Date),
                _ => None,
            };
            typed.unwrap_or_else(|| Cell::optional(Some(text)))
        }
    }
}

/// What writes a streamed format, chunk by chunk.
trait Writer: Send + 'static {
    fn start(&mut self) -> anyhow::Result<Vec<u8>>;
    fn page(&mut self, page: &[Registrant], marks: &Marks) -> anyhow::Result<Vec<u8>>;
    fn end(&mut self, rows: u32) -> anyhow::Result<Vec<u8>>;
}

struct CsvWriter {
    csv: csv::WriterBuilder,
    columns: Columns,
    dialect: CsvDialect,
}

impl CsvWriter {
    fn new(columns: Columns, dialect: CsvDialect) -> Self {
        let delimiter = match dialect {
            CsvDialect::Excel => b';',
            CsvDialect::Standard => b',',
        };
        let mut csv = csv::WriterBuilder::new();
        csv.delimiter(delimiter).terminator(csv::Terminator::CRLF);
        Self {
            csv,
            columns,
            dialect,
        }
    }

    /// Writes records into a chunk of their own.
    fn chunk<R: AsRef<[u8]>>(
        &self,
        records: impl IntoIterator<Item = Vec<R>>,
    ) -> anyhow::Result<Vec<u8>> {
        let mut csv = self.csv.from_writer(Vec::new());
        for record in records {
            csv.write_record(record)?;
        }
        csv.into_inner()
            .map_err(|error| anyhow::anyhow!("{}", error.error()))
    }
}

impl Writer for CsvWriter {
    fn start(&mut self) -> anyhow::Result<Vec<u8>> {
        let headers: Vec<Cow<'_, str>> =
            self.columns.headers.iter().map(|h| neutralise(h)).collect();
        let mut bytes = match self.dialect {
            // Without the mark, Excel reads UTF-8 as the local code page.
            CsvDialect::Excel => "\u{feff}".as_bytes().to_vec(),
            CsvDialect::Standard => Vec::new(),
        };
        bytes.extend(self.chunk([headers.iter().map(|h| h.as_bytes()).collect()])?);
        Ok(bytes)
    }

    fn page(&mut self, page: &[Registrant], marks: &Marks) -> anyhow::Result<Vec<u8>> {
        let dialect = self.dialect;
        self.chunk(page.iter().map(|registrant| {
            self.columns
                .row(registrant, marks)
                .iter()
                .map(|c| c.csv(dialect).into_owned())
                .collect()
        }))
    }

    fn end(&mut self, _rows: u32) -> anyhow::Result<Vec<u8>> {
        Ok(Vec::new())
    }
}

/// [`parvis_core::gestion::RegistrantExport`], written as it is read:
/// `count` comes last.
struct JsonWriter {
    event: parvis_core::gestion::RegistrantEvent,
    first: bool,
}

/// A line of the JSON export: the list's line and its marks of attendance,
/// one per session (`null` when not marked).
#[derive(serde::Serialize)]
struct JsonLine {
    #[serde(flatten)]
    line: parvis_core::gestion::RegistrantLine,
    presence: Vec<Option<bool>>,
}

impl Writer for JsonWriter {
    fn start(&mut self) -> anyhow::Result<Vec<u8>> {
        let mut bytes = b"{\"event\":".to_vec();
        serde_json::to_writer(&mut bytes, &self.event)?;
        bytes.extend(b",\"exported_at\":");
        serde_json::to_writer(&mut bytes, &Utc::now())?;
        bytes.extend(b",\"registrants\":[");
        Ok(bytes)
    }

    fn page(&mut self, page: &[Registrant], marks: &Marks) -> anyhow::Result<Vec<u8>> {
        let mut bytes = Vec::with_capacity(page.len() * 400);
        for registrant in page {
            if !self.first {
                bytes.push(b',');
            }
            self.first = false;
            let own = marks.get(&registrant.id);
            let presence = (0..self.event.days.len())
                .map(|session| own.and_then(|m| m.get(&session)).copied())
                .collect();
            let line = JsonLine {
                line: line(registrant.clone()),
                presence,
            };
            serde_json::to_writer(&mut bytes, &line)?;
        }
        Ok(bytes)
    }

    fn end(&mut self, rows: u32) -> anyhow::Result<Vec<u8>> {
        Ok(format!("],\"count\":{rows}}}").into_bytes())
    }
}

pub(crate) type Chunk = Result<Bytes, std::io::Error>;

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
        if page.is_empty() {
            continue;
        }
        let marks = match marks_of(&pages, &page).await {
            Ok(marks) => marks,
            Err(error) => return failed(rows, error),
        };
        let bytes = match writer.page(&page, &marks) {
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

/// Sends a chunk (none when empty); `false` once the client has left.
async fn send(tx: &mpsc::Sender<Chunk>, bytes: Vec<u8>) -> bool {
    bytes.is_empty() || tx.send(Ok(Bytes::from(bytes))).await.is_ok()
}

/// What the audit log and the file name say of an export.
struct Described {
    organisation_id: i64,
    account_id: i64,
    format: String,
    event: String,
    filters: String,
}

impl Described {
    fn of(scope: &Scope, format: ExportFormat, dialect: CsvDialect) -> Self {
        let format = match (format, dialect) {
            (ExportFormat::Csv, CsvDialect::Excel) => "CSV (Excel)".to_owned(),
            (ExportFormat::Csv, CsvDialect::Standard) => "CSV (standard)".to_owned(),
            (ExportFormat::Xlsx, _) => "XLSX".to_owned(),
            (ExportFormat::Json, _) => "JSON".to_owned(),
        };
        let filters = if scope.selection.described.is_empty() {
            String::new()
        } else {
            format!(", filtres {}", scope.selection.described.join(", "))
        };
        Self {
            organisation_id: scope.membership.organisation.id,
            account_id: scope.account_id,
            format,
            event: format!(
                "« {} » ({})",
                scope.event.public.title, scope.event.public.slug
            ),
            filters,
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
        let what = match outcome {
            Outcome::Done(rows) => lines(*rows),
            Outcome::Gone(rows) => format!("téléchargement interrompu après {}", lines(*rows)),
            Outcome::Failed(rows, _) => format!("échec après {}", lines(*rows)),
        };
        format!(
            "Export {} des inscrit·es de {}{} : {what}",
            self.format, self.event, self.filters
        )
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

/// `inscriptions-{slug}-{AAAA-MM-JJ}.{ext}`, the date of the export in
/// Paris, the slug kept to letters, digits and dashes.
fn file_name(slug: &str, format: ExportFormat) -> String {
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
        "inscriptions-{slug}-{}.{}",
        Utc::now().with_timezone(&Paris).format("%Y-%m-%d"),
        format.extension()
    )
}

/// The body that streams what the channel receives. Fused: the compression
/// layer polls a body once more after its end, and `unfold` panics when
/// polled again, which cut every compressed download short.
pub(crate) fn body_of(rx: mpsc::Receiver<Chunk>) -> Body {
    use futures_util::StreamExt;
    Body::from_stream(
        futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|chunk| (chunk, rx))
        })
        .fuse(),
    )
}

/// Answers an export of the scope's registrants.
pub(super) async fn respond(
    state: &AppState,
    scope: Scope,
    format: ExportFormat,
    dialect: CsvDialect,
) -> Result<Response, AppError> {
    let described = Described::of(&scope, format, dialect);
    let name = file_name(&scope.event.public.slug, format);
    let columns = Columns::new(&scope.event.public);
    let pages = Pages::new(state.store.clone(), scope.event.id, scope.selection);
    let (body, content_type, length) = match format {
        ExportFormat::Csv => (
            streamed(
                state.store.clone(),
                pages,
                CsvWriter::new(columns, dialect),
                described,
            ),
            match dialect {
                CsvDialect::Excel => "text/csv; charset=utf-8",
                CsvDialect::Standard => "text/csv; charset=utf-8; header=present",
            },
            None,
        ),
        ExportFormat::Json => (
            streamed(
                state.store.clone(),
                pages,
                JsonWriter {
                    event: event_view(&scope.event.public),
                    first: true,
                },
                described,
            ),
            "application/json",
            None,
        ),
        ExportFormat::Xlsx => {
            let (file, length) = workbook(state.store.as_ref(), pages, columns, &described).await?;
            (
                file_body(file),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                Some(length),
            )
        }
    };
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
                    "export not audited: the download ends in error"
                );
                let _ = tx
                    .send(Err(std::io::Error::other("export not audited")))
                    .await;
            }
            (Outcome::Failed(_, error), audited) => {
                tracing::error!(
                    error = error.as_str(),
                    audited = audited.is_ok(),
                    "export failed"
                );
                let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
            }
            (Outcome::Gone(rows), audited) => {
                tracing::info!(rows, audited = audited.is_ok(), "export left by its client");
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
    let widths = columns.widths();
    let writing = tokio::task::spawn_blocking(move || write_workbook(&headers, &widths, rx));
    let mut rows = 0u32;
    let read: anyhow::Result<()> = async {
        while let Some(page) = pages.next().await? {
            if page.is_empty() {
                continue;
            }
            let marks = marks_of(&pages, &page).await?;
            let cells: Vec<Vec<Cell>> = page.iter().map(|r| columns.row(r, &marks)).collect();
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
    let (file, length) = match outcome {
        Ok(file) => file,
        Err(error) => {
            let failed = Outcome::Failed(rows, format!("{error:#}"));
            let _ = described.audit(store, &failed).await;
            return Err(error.into());
        }
    };
    described.audit(store, &Outcome::Done(rows)).await?;
    Ok((file, length))
}

/// Writes the workbook from the pages received, in constant-memory mode,
/// into an anonymous temporary file (gone once closed).
fn write_workbook(
    headers: &[String],
    widths: &[f64],
    mut rx: mpsc::Receiver<Vec<Vec<Cell>>>,
) -> anyhow::Result<(std::fs::File, u64)> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let moment = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name("Inscriptions")?;
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
                        // Ranks and answers are far below 2^53.
                        #[allow(clippy::cast_precision_loss)]
                        sheet.write_number(row, col, *n as f64)?;
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

/// Streams a file a chunk at a time.
pub(crate) fn file_body(mut file: std::fs::File) -> Body {
    let (tx, rx) = mpsc::channel::<Chunk>(2);
    tokio::task::spawn_blocking(move || {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            match file.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => {
                    if tx
                        .blocking_send(Ok(Bytes::copy_from_slice(&buffer[..n])))
                        .is_err()
                    {
                        break;
                    }
                }
                Err(error) => {
                    let _ = tx.blocking_send(Err(error));
                    break;
                }
            }
        }
    });
    body_of(rx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_plain_text_is_not() {
        for risky in [
            "=HYPERLINK(\"https://exemple.fr\")",
            "+1",
            "-2",
            "@SUM(A1)",
            "\tTab",
            "\rRetour",
            "＝1+1",
        ] {
            assert_eq!(neutralise(risky), format!("'{risky}"), "{risky:?}");
        }
        for plain in ["Camille", "d'Évry", "", " =espace avant", "1+1"] {
            assert_eq!(neutralise(plain), plain);
        }
    }

    #[test]
    fn numbers_and_dates_are_typed_and_keep_their_sign() {
        let number = Question {
            id: "n".to_owned(),
            label: "Nombre".to_owned(),
            help: None,
            required: false,
            kind: QuestionKind::Number {
                min: None,
                max: None,
            },
        };
        let cell = answer_cell(&number, Some(&Answer::Text("-2".to_owned())));
        assert_eq!(cell, Cell::Integer(-2));
        assert_eq!(cell.csv(CsvDialect::Excel), "-2");
        let date = Question {
            kind: QuestionKind::Date,
            ..number.clone()
        };
        let cell = answer_cell(&date, Some(&Answer::Text("2025-05-13".to_owned())));
        assert_eq!(cell.csv(CsvDialect::Excel), "13/05/2025");
        assert_eq!(cell.csv(CsvDialect::Standard), "2025-05-13");
        let text = Question {
            kind: QuestionKind::ShortText,
            ..number
        };
        let cell = answer_cell(&text, Some(&Answer::Text("-2".to_owned())));
        assert_eq!(cell.csv(CsvDialect::Standard), "'-2");
    }

    #[test]
    fn file_names_are_french_and_safe() {
        let name = file_name("webinaire-ceq\"2030", ExportFormat::Csv);
        assert!(
            name.starts_with("inscriptions-webinaire-ceq-2030-"),
            "{name}"
        );
        assert!(name.ends_with(".csv"), "{name}");
    }
}
