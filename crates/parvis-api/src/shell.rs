//! The built app, served with the API by the local server.
//!
//! - Files of `dist/` are served as they are; a directory is never
//!   redirected (`GET //rapports` must not become the scheme-relative
//!   `//rapports/`), and a path no file system could hold (a NUL byte, an
//!   over-long segment) is a plain 400 or 404, never a 500.
//! - The app's own routes answer 200 with their build's `index.html` (the
//!   shell), so link checkers, previews and search engines see them as
//!   pages. The agenda (`/`) is the root build's; any unknown address
//!   answers 404 with the same shell, which shows the "page not found" view.
//! - The event, registration and personal pages (`/evenements/{slug}`, its
//!   `/confirmation`, `/inscription/{token}`, `/retrouver-mon-inscription`),
//!   the back-office (`/gestion/…`, five builds by area: see [`Bundle`]),
//!   the feedback page (`/avis/{token}`) and
//!   the publications catalogue (`/publications`, `/publications/{slug}`)
//!   are builds of their own (`dist/inscription/`, `dist/gestion/`,
//!   `dist/avis/`, `dist/publications/`) with their own shells; without
//!   them, their addresses are the app's 404. An unknown event answers 404
//!   with the registration build's shell, which says « Événement
//!   introuvable ».
//! - An event page's shell carries the event's title, description and Open
//!   Graph tags, so a link shared in a messaging tool previews the event.
//! - Files are served precompressed (brotli, gzip) when the client accepts
//!   it; trunk's hashed files are cached for good, others for an hour, the
//!   shell is always revalidated.
//! - The inline loader trunk writes into `index.html` is allowed by its
//!   SHA-256 in the Content-Security-Policy (see [`crate::http`]).

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::AppState;
use parvis_core::gestion::Bundle;

/// `index.html`, read once at start-up.
#[derive(Debug, Clone)]
pub struct Shell {
    html: String,
    /// The plain shell, brotli-compressed once at its best: the pages that
    /// carry no event's tags are sent that way to whoever accepts brotli.
    html_br: Vec<u8>,
    /// The agenda's shell (`/` without a query): the same page asking the
    /// browser to fetch the agenda's events at once, alongside the app,
    /// rather than after it started (one round trip less on a phone).
    agenda_html: String,
    agenda_br: Vec<u8>,
    script_hashes: Vec<String>,
}

/// What the agenda page asks the browser to fetch before the app runs: the
/// request `api::list_events` makes for the plain agenda.
const AGENDA_PRELOAD: &str =
    "<link rel=\"preload\" href=\"/api/events\" as=\"fetch\" crossorigin>\n</head>";

fn brotli_best(html: &str) -> Vec<u8> {
    let mut compressed = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        ..Default::default()
    };
    if brotli::BrotliCompress(&mut html.as_bytes(), &mut compressed, &params).is_err() {
        compressed.clear();
    }
    compressed
}

/// What an event page's shell says about it.
#[derive(Debug, Clone)]
pub struct PageMeta {
    /// The page title (without the site name).
    pub title: String,
    /// One or two sentences.
    pub description: String,
    /// The page's canonical address.
    pub url: String,
}

/// Escapes text for an HTML attribute or element.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The `'sha256-…'` source of every inline `<script>` (one without `src`).
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body_start = open_end + 1;
        let Some(close) = after[body_start..].find("</script>") else {
            break;
        };
        let body = &after[body_start..body_start + close];
        if !tag.contains("src=") && !body.trim().is_empty() {
            let digest = Sha256::digest(body.as_bytes());
            hashes.push(format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &after[body_start + close..];
    }
    hashes
}

impl Shell {
    /// A shell from the text of `index.html`.
    pub fn from_html(html: String) -> Self {
        let script_hashes = inline_script_hashes(&html);
        let agenda_html = html.replacen("</head>", AGENDA_PRELOAD, 1);
        Self {
            html_br: brotli_best(&html),
            agenda_br: brotli_best(&agenda_html),
            html,
            agenda_html,
            script_hashes,
        }
    }

    /// The text of `index.html`, as trunk wrote it.
    pub fn template(&self) -> &str {
        &self.html
    }

    /// The CSP sources of its inline scripts.
    pub fn script_hashes(&self) -> &[String] {
        &self.script_hashes
    }

    /// The shell, with an event's title, description and Open Graph tags.
    pub fn render(&self, meta: Option<&PageMeta>) -> String {
        let Some(meta) = meta else {
            return self.html.clone();
        };
        let title = escape_html(&meta.title);
        let description = escape_html(&meta.description);
        let url = escape_html(&meta.url);
        let tags = format!(
            "<title>{title} – Parvis</title>\n    \
             <meta name=\"description\" content=\"{description}\">\n    \
             <meta property=\"og:type\" content=\"website\">\n    \
             <meta property=\"og:site_name\" content=\"Parvis\">\n    \
             <meta property=\"og:locale\" content=\"fr_FR\">\n    \
             <meta property=\"og:title\" content=\"{title}\">\n    \
             <meta property=\"og:description\" content=\"{description}\">\n    \
             <meta property=\"og:url\" content=\"{url}\">\n    \
             <link rel=\"canonical\" href=\"{url}\">\n    \
             <meta name=\"twitter:card\" content=\"summary\">"
        );
        let mut html = self.html.clone();
        // The generic description goes: the event's replaces it.
        if let Some(start) = html.find("<meta name=\"description\"")
            && let Some(len) = html[start..].find('>')
        {
            html.replace_range(start..=start + len, "");
        }
        match (html.find("<title>"), html.find("</title>")) {
            (Some(start), Some(end)) if end > start => {
                html.replace_range(start..end + "</title>".len(), &tags);
            }
            _ => {
                if let Some(head) = html.find("</head>") {
                    html.insert_str(head, &tags);
                }
            }
        }
        html
    }
}

fn page(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // The shell names the current build's files: always revalidated.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The built app's shells, one per build.
#[derive(Clone)]
pub struct Shells {
    /// The agenda's, `dist/index.html`: also every unknown address's.
    pub agenda: Arc<Shell>,
    /// The event and registration pages' (`dist/inscription/`), when built.
    pub inscription: Option<Arc<Shell>>,
    /// The back-office's builds' own `index.html` (`dist/gestion/` and its
    /// areas' subfolders, see [`Bundle`]), those built.
    pub gestion: Vec<(Bundle, Arc<Shell>)>,
    /// The feedback page's own `index.html` (`dist/avis/`), when built.
    pub avis: Option<Arc<Shell>>,
    /// The publications catalogue's own `index.html` (`dist/publications/`),
    /// when built.
    pub publications: Option<Arc<Shell>>,
}

impl Shells {
    /// The CSP sources of every shell's inline scripts.
    pub fn script_hashes(&self) -> Vec<String> {
        let mut hashes = self.agenda.script_hashes().to_vec();
        for extra in [&self.inscription, &self.avis, &self.publications]
            .into_iter()
            .flatten()
            .chain(self.gestion.iter().map(|(_, shell)| shell))
        {
            hashes.extend(extra.script_hashes().iter().cloned());
        }
        hashes
    }
}

#[derive(Clone)]
struct ShellState {
    app: AppState,
    shell: Arc<Shell>,
    inscription: Option<Arc<Shell>>,
    gestion: Arc<Vec<(Bundle, Arc<Shell>)>>,
    avis: Option<Arc<Shell>>,
    publications: Option<Arc<Shell>>,
    files: ServeDir,
}

/// `/gestion/…`: the shell of the back-office's build that has the page
/// ([`Bundle::of`]).
async fn gestion_page(
    State(state): State<ShellState>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    let bundle = Bundle::of(uri.path());
    let built = state.gestion.iter().find(|(built, _)| *built == bundle);
    build_page(&state, built.map(|(_, shell)| shell), &headers)
}

/// A build's page: its shell, or the app's 404 when it is not built.
fn build_page(state: &ShellState, build: Option<&Arc<Shell>>, headers: &HeaderMap) -> Response {
    match build {
        Some(shell) => plain_shell(shell, headers, StatusCode::OK),
        None => page(StatusCode::NOT_FOUND, state.shell.render(None)),
    }
}

/// `/avis/{token}`: the feedback page's shell. Its files live under the
/// same prefix (`/avis/avis-<hash>.js`): a segment with a dot is a file,
/// never a token (64 hexadecimal characters).
async fn avis_page(
    State(state): State<ShellState>,
    UrlPath(token): UrlPath<String>,
    request: Request,
) -> Response {
    if token.contains('.') {
        return file_or_not_found(State(state), request).await;
    }
    build_page(&state, state.avis.as_ref(), request.headers())
}

/// `/publications`: the catalogue's shell.
async fn catalogue_page(State(state): State<ShellState>, headers: HeaderMap) -> Response {
    build_page(&state, state.publications.as_ref(), &headers)
}

/// `/publications/{slug}`: a publication's page, the catalogue's shell with
/// its title, summary and Open Graph tags; an unknown or unpublished one is
/// a 404 with the same shell, which says « Publication introuvable ». Its
/// files live under the same prefix (`/publications/publications-<hash>.js`):
/// a segment with a dot is a file, never a slug (letters, digits, hyphens).
async fn publication_page(
    State(state): State<ShellState>,
    UrlPath(slug): UrlPath<String>,
    request: Request,
) -> Response {
    if slug.contains('.') {
        return file_or_not_found(State(state), request).await;
    }
    let Some(shell) = state.publications.clone() else {
        return page(StatusCode::NOT_FOUND, state.shell.render(None));
    };
    match state.app.store.publication(&slug).await {
        Ok(Some(record)) if record.fields.published => {
            let summary = record.fields.summary.first().cloned().unwrap_or_default();
            let description = match summary.char_indices().nth(300) {
                Some((at, _)) => format!("{}…", summary[..at].trim_end()),
                None => summary,
            };
            let meta = PageMeta {
                title: record.fields.title.clone(),
                description,
                url: format!("{}/publications/{}", state.app.public_url, record.slug),
            };
            page(StatusCode::OK, shell.render(Some(&meta)))
        }
        Ok(_) => plain_shell(&shell, request.headers(), StatusCode::NOT_FOUND),
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "publication page shell");
            page(StatusCode::INTERNAL_SERVER_ERROR, shell.render(None))
        }
    }
}

/// `/evenements/{slug}/confirmation`, `/retrouver-mon-inscription`: the
/// registration build's shell.
async fn registration_page(State(state): State<ShellState>, headers: HeaderMap) -> Response {
    build_page(&state, state.inscription.as_ref(), &headers)
}

/// `/inscription/{token}`: a personal page, the registration build's shell.
/// The build's files live under the same prefix
/// (`/inscription/inscription-<hash>.js`): a segment with a dot is a file,
/// never a token (64 hexadecimal characters).
async fn personal_page(
    State(state): State<ShellState>,
    UrlPath(token): UrlPath<String>,
    request: Request,
) -> Response {
    if token.contains('.') {
        return file_or_not_found(State(state), request).await;
    }
    build_page(&state, state.inscription.as_ref(), request.headers())
}

/// `/`: the agenda's own shell when it shows the plain agenda (a search
/// in the address fetches other events).
async fn agenda_page(
    State(state): State<ShellState>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    if uri.query().is_some_and(|q| !q.is_empty()) {
        return plain_shell(&state.shell, &headers, StatusCode::OK);
    }
    compressed_page(
        &state.shell.agenda_html,
        &state.shell.agenda_br,
        &headers,
        StatusCode::OK,
    )
}

/// The shell without event tags: its precompressed copy when the client
/// accepts brotli.
fn plain_shell(shell: &Shell, request: &HeaderMap, status: StatusCode) -> Response {
    compressed_page(&shell.html, &shell.html_br, request, status)
}

/// A page sent as its brotli copy to whoever accepts brotli.
fn compressed_page(
    html: &str,
    html_br: &[u8],
    request: &HeaderMap,
    status: StatusCode,
) -> Response {
    let accepts_br = request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            parts.next().is_some_and(|name| name.trim() == "br")
                && !parts.any(|p| p.trim().replace(' ', "") == "q=0")
        });
    if !accepts_br || html_br.is_empty() {
        return page(status, html.to_owned());
    }
    let mut response = page(status, String::new());
    *response.body_mut() = Body::from(html_br.to_vec());
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

async fn event_page(State(state): State<ShellState>, UrlPath(slug): UrlPath<String>) -> Response {
    let Some(shell) = state.inscription.clone() else {
        return page(StatusCode::NOT_FOUND, state.shell.render(None));
    };
    let public =
        state.app.store.event_by_slug(&slug).await.map(|event| {
            event.filter(|event| event.status != parvis_core::editor::EventStatus::Draft)
        });
    match public {
        Ok(Some(event)) => {
            let meta = PageMeta {
                title: event.public.title.clone(),
                description: event.public.summary.clone(),
                url: format!("{}/evenements/{}", state.app.public_url, event.public.slug),
            };
            page(StatusCode::OK, shell.render(Some(&meta)))
        }
        Ok(None) => page(StatusCode::NOT_FOUND, shell.render(None)),
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "event page shell");
            page(StatusCode::INTERNAL_SERVER_ERROR, shell.render(None))
        }
    }
}

/// The longest path segment a file of the built app can have.
const MAX_SEGMENT: usize = 255;

async fn file_or_not_found(State(state): State<ShellState>, request: Request) -> Response {
    let path = request.uri().path();
    let decoded = percent_decode(path);
    if decoded.as_ref().is_none_or(|p| p.contains('\0')) {
        return (StatusCode::BAD_REQUEST, "Adresse invalide.").into_response();
    }
    if path.starts_with("//") || path.split('/').any(|segment| segment.len() > MAX_SEGMENT) {
        return page(StatusCode::NOT_FOUND, state.shell.render(None));
    }
    let cache = if is_hashed(path) {
        // The name changes with the content: cached for good.
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    // A file (or a 304, a 416...) is answered as ServeDir answers it; a
    // missing file, or a path the file system refused, is the app's 404.
    match state.files.clone().oneshot(request).await {
        Ok(response)
            if response.status() != StatusCode::NOT_FOUND
                && !response.status().is_server_error() =>
        {
            let mut response = response.map(Body::new);
            if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
                let headers = response.headers_mut();
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
                // The same address answers brotli, gzip or plain bytes.
                headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
            }
            response
        }
        _ => page(StatusCode::NOT_FOUND, state.shell.render(None)),
    }
}

/// Whether a file name carries trunk's content hash (`parvis-<16 hex>.js`,
/// `parvis-<16 hex>_bg.wasm`, `main-<16 hex>.css`...).
pub fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.match_indices('-').any(|(at, _)| {
        let rest = &name[at + 1..];
        rest.len() > 16
            && rest.as_bytes()[..16].iter().all(u8::is_ascii_hexdigit)
            && matches!(rest.as_bytes()[16], b'.' | b'_')
    })
}

/// Percent-decodes a path; `None` when it is not UTF-8 once decoded.
fn percent_decode(path: &str) -> Option<String> {
    percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()
        .map(|decoded| decoded.into_owned())
}

/// The app's routes and files, to merge with the API.
pub fn router(state: AppState, shells: Shells, app_dir: &Path) -> Router {
    // `cargo xtask` writes a brotli and a gzip copy of every text file at
    // build time: no request pays for compression.
    let files = ServeDir::new(app_dir)
        .append_index_html_on_directories(false)
        .precompressed_br()
        .precompressed_gzip();
    let Shells {
        agenda,
        inscription,
        gestion,
        avis,
        publications,
    } = shells;
    let shell_state = ShellState {
        app: state,
        shell: agenda,
        inscription,
        gestion: Arc::new(gestion),
        avis,
        publications,
        files,
    };
    Router::new()
        .route("/", get(agenda_page))
        .route("/evenements/{slug}", get(event_page))
        .route("/evenements/{slug}/confirmation", get(registration_page))
        .route("/inscription/{token}", get(personal_page))
        .route("/retrouver-mon-inscription", get(registration_page))
        .route("/gestion", get(gestion_page))
        .route("/gestion/", get(gestion_page))
        .route("/gestion/connexion", get(gestion_page))
        .route("/gestion/organisations/{*page}", get(gestion_page))
        .route("/avis/{token}", get(avis_page))
        .route("/publications", get(catalogue_page))
        .route("/publications/{slug}", get(publication_page))
        .fallback(file_or_not_found)
        .with_state(shell_state)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUNK_INDEX: &str = "<!DOCTYPE html><html lang=\"fr\"><head>\
        <meta name=\"description\" content=\"Agenda\"><title>Parvis</title>\
        <script type=\"module\">import init from '/parvis.js';await init();</script>\
        <script src=\"/other.js\"></script></head><body></body></html>";

    #[test]
    fn inline_scripts_are_allowed_by_their_hash_only() {
        let hashes = inline_script_hashes(TRUNK_INDEX);
        assert_eq!(hashes.len(), 1, "{hashes:?}");
        let digest = Sha256::digest(b"import init from '/parvis.js';await init();");
        assert_eq!(
            hashes[0],
            format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        );
    }

    #[test]
    fn an_event_shell_carries_its_title_and_open_graph_tags_escaped() {
        let shell = Shell::from_html(TRUNK_INDEX.to_owned());
        let html = shell.render(Some(&PageMeta {
            title: "Webinaire <CEQ> & \"CTG\"".to_owned(),
            description: "Restitution de l'étude".to_owned(),
            url: "https://parvis.example.org/evenements/w".to_owned(),
        }));
        assert!(
            html.contains("<title>Webinaire &lt;CEQ&gt; &amp; &quot;CTG&quot; – Parvis</title>")
        );
        assert!(html.contains("<meta property=\"og:title\""));
        assert!(html.contains("content=\"Restitution de l&#39;étude\""));
        assert_eq!(html.matches("name=\"description\"").count(), 1);
        assert_eq!(html.matches("<title>").count(), 1);
    }

    #[test]
    fn trunk_hashed_names_are_recognised() {
        assert!(is_hashed("/parvis-eb68be6b9682a944_bg.wasm"));
        assert!(is_hashed("/parvis-eb68be6b9682a944.js"));
        assert!(is_hashed("/main-0123456789abcdef.css"));
        assert!(!is_hashed("/robots.txt"));
        assert!(!is_hashed("/rapports/rapport-2024.pdf"));
        assert!(!is_hashed("/parvis-eb68be6b9682a94.js"));
    }

    #[test]
    fn paths_are_decoded_before_checks() {
        assert_eq!(percent_decode("/a%00b").as_deref(), Some("/a\0b"));
        assert_eq!(percent_decode("/%C3%A9t%C3%A9").as_deref(), Some("/été"));
        assert_eq!(percent_decode("/100%").as_deref(), Some("/100%"));
        assert_eq!(percent_decode("/%FF"), None);
    }
}
