//! The study reports library.
//!
//! Public: the catalogue (`GET /api/publications`: words and filters
//! checked, one page with its count, the facets of the whole catalogue), a
//! publication (`GET /api/publications/{slug}`), and its files
//! (`GET /api/publications/{slug}/fichiers/{file}`, through
//! [`crate::files::Files::serve`]: ranges, ETags, attachment). A file of a
//! publication reserved to registrants needs a link signed with the
//! server's key (HMAC-SHA256 over the publication, the file and the expiry,
//! see [`crate::store::publications::signature`]): confirmed registrants
//! find it on their personal page and in their emails, expiring with their
//! personal link; anyone else gets a page saying how to obtain it. Each
//! download is counted in its month, without anything about who.
//!
//! Back-office (rows of the gestion table, [`Guard::Member`]): an
//! organisation's publications with their downloads, create, read, update,
//! delete, upload a PDF (checked by its bytes, at most
//! [`MAX_FILE_BYTES`], read with its own body limit) and delete a file;
//! each write in the audit log.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Paris;
use parvis_core::api::FieldErrors;
use parvis_core::publications::{
    Access, Catalogue, CatalogueQuery, CheckedPublication, MAX_FILE_BYTES, ManagedPublication,
    PublicationDraft, PublicationFile, PublicationKind, PublicationView, check_draft,
    looks_like_pdf, paths,
};
use serde::Deserialize;

use super::detached;
use super::gestion::{AdminRoute, Guard};
use crate::AppState;
use crate::auth::{SignedIn, audit, member_of};
use crate::error::{AppError, AppJson};
use crate::files::{Served, content_hash};
use crate::shell::escape_html;
use crate::store::accounts::{Membership, Session};
use crate::store::publications::{
    CatalogueFilter, FileRecord, NewFile, PublicationRecord, signature_matches, signed_path,
};

/// The public routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/publications", get(catalogue))
        .route("/publications/{slug}", get(show))
        .route("/publications/{slug}/fichiers/{file}", get(download))
}

const LIST: &str = "/gestion/organisations/{org}/publications";
const ONE: &str = "/gestion/organisations/{org}/publications/{publication}";
const FILES: &str = "/gestion/organisations/{org}/publications/{publication}/fichiers";
const FILE: &str = "/gestion/organisations/{org}/publications/{publication}/fichiers/{file}";

/// The back-office's routes, with their guards; deletions last, so the
/// isolation test walks every route before the publication goes.
pub fn table() -> Vec<(AdminRoute, MethodRouter<AppState>)> {
    let route = |method: Method, path: &'static str| AdminRoute {
        method,
        path,
        guard: Guard::Member,
    };
    // The upload has its own body limit: the file itself, up to the limit
    // and one byte more (what is longer is refused while it is read).
    let upload_limit = usize::try_from(MAX_FILE_BYTES).unwrap_or(usize::MAX);
    vec![
        (route(Method::GET, LIST), get(list)),
        (route(Method::POST, LIST), post(create)),
        (route(Method::GET, ONE), get(open)),
        (route(Method::PUT, ONE), axum::routing::put(update)),
        (
            route(Method::POST, FILES),
            post(upload).layer(DefaultBodyLimit::max(upload_limit)),
        ),
        (route(Method::GET, FILE), get(managed_download)),
        (route(Method::DELETE, FILE), delete(delete_file)),
        (route(Method::DELETE, ONE), delete(remove)),
    ]
}

fn not_found() -> AppError {
    AppError::NotFound("Cette publication n'existe pas ou n'est plus en ligne.".to_owned())
}

fn invalid(field: &str, message: &str) -> AppError {
    let mut errors = FieldErrors::default();
    errors.add(field, message.to_owned());
    AppError::Validation(errors)
}

fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 100
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The catalogue's query, checked: every faulty parameter at once, named
/// as in the address (`q`, `type`, `theme`, `annee`, `organisation`,
/// `page`), before any database work.
fn filter_of(query: &CatalogueQuery) -> Result<(CatalogueFilter, u32), AppError> {
    let mut errors = FieldErrors::default();
    let present = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let terms = match super::events::search_terms(query.q.as_deref()) {
        Ok(terms) => terms,
        Err(AppError::Validation(fields)) => {
            errors.merge(fields);
            Vec::new()
        }
        Err(other) => return Err(other),
    };
    let kind = present(&query.kind).and_then(|kind| {
        let parsed = PublicationKind::parse(&kind);
        if parsed.is_none() {
            errors.add(
                "type",
                "Choisissez un type parmi : rapport d'étude, actes, programme, synthèse, fiche expérience."
                    .to_owned(),
            );
        }
        parsed
    });
    let theme = present(&query.theme);
    if theme.as_ref().is_some_and(|t| t.chars().count() > 200) {
        errors.add(
            "theme",
            "Le thème ne peut pas dépasser 200 caractères.".to_owned(),
        );
    }
    let year = present(&query.year).and_then(|year| {
        let parsed = (year.len() == 4)
            .then(|| year.parse::<i32>().ok())
            .flatten()
            .filter(|y| (1900..=2100).contains(y));
        if parsed.is_none() {
            errors.add(
                "annee",
                "L'année s'écrit avec quatre chiffres, par exemple 2025.".to_owned(),
            );
        }
        parsed
    });
    let organisation = present(&query.organisation);
    if organisation.as_deref().is_some_and(|slug| !is_slug(slug)) {
        errors.add(
            "organisation",
            "L'organisation est désignée par son identifiant (lettres minuscules, chiffres, tirets)."
                .to_owned(),
        );
    }
    let page = match present(&query.page) {
        None => 1,
        Some(page) => match page.parse::<u32>() {
            Ok(n) if (1..=10_000).contains(&n) => n,
            _ => {
                errors.add(
                    "page",
                    "La page est un nombre entier de 1 à 10 000.".to_owned(),
                );
                1
            }
        },
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok((
        CatalogueFilter {
            terms,
            kind,
            theme,
            year,
            organisation,
        },
        page,
    ))
}

/// `GET /api/publications`.
#[tracing::instrument(skip(state))]
async fn catalogue(
    State(state): State<AppState>,
    query: Result<Query<CatalogueQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Catalogue>, AppError> {
    let Query(query) = query?;
    let (filter, page) = filter_of(&query)?;
    let per_page = parvis_core::publications::CATALOGUE_PAGE;
    let offset = u64::from(page - 1) * u64::from(per_page);
    let (found, facets) = tokio::try_join!(
        state.store.catalogue_page(&filter, offset, per_page),
        state.store.catalogue_facets(),
    )?;
    Ok(Json(Catalogue {
        items: found.items,
        total: found.total,
        page,
        per_page,
        facets,
    }))
}

/// A published publication, or 404.
async fn published(state: &AppState, slug: &str) -> Result<PublicationRecord, AppError> {
    if !is_slug(slug) {
        return Err(not_found());
    }
    state
        .store
        .publication(slug)
        .await?
        .filter(|record| record.fields.published)
        .ok_or_else(not_found)
}

/// `GET /api/publications/{slug}`.
#[tracing::instrument(skip(state))]
async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<PublicationView>, AppError> {
    Ok(Json(published(&state, &slug).await?.view()))
}

/// The signature of a reserved file's link.
#[derive(Debug, Default, Deserialize)]
struct Signed {
    #[serde(default)]
    expire: Option<String>,
    #[serde(default)]
    signature: Option<String>,
}

/// Why a reserved file was refused.
enum Refusal {
    /// No signature, or a wrong one.
    Unsigned,
    /// A good signature past its expiry.
    Expired,
}

/// The address of a file, signed until `expires` when its publication is
/// reserved to registrants (relative to the site).
pub async fn signed_file_url(
    state: &AppState,
    slug: &str,
    file_id: &str,
    expires: DateTime<Utc>,
) -> Result<String, AppError> {
    let key = state.store.download_key().await?;
    Ok(signed_path(&key, slug, file_id, expires))
}

async fn check_signature(
    state: &AppState,
    slug: &str,
    file_id: &str,
    signed: &Signed,
) -> Result<Result<(), Refusal>, AppError> {
    let (Some(expire), Some(signature)) = (&signed.expire, &signed.signature) else {
        return Ok(Err(Refusal::Unsigned));
    };
    let Ok(expire) = expire.parse::<i64>() else {
        return Ok(Err(Refusal::Unsigned));
    };
    if signature.len() != 64 {
        return Ok(Err(Refusal::Unsigned));
    }
    let key = state.store.download_key().await?;
    if !signature_matches(&key, slug, file_id, expire, signature) {
        return Ok(Err(Refusal::Unsigned));
    }
    if expire < Utc::now().timestamp() {
        return Ok(Err(Refusal::Expired));
    }
    Ok(Ok(()))
}

/// The page a browser gets for a reserved file without a good link: what
/// the publication is, and where to register to receive it.
fn reserved_page(record: &PublicationRecord, refusal: &Refusal) -> Response {
    let title = escape_html(&record.fields.title);
    let why = match refusal {
        Refusal::Unsigned => String::new(),
        Refusal::Expired => "<p>Le lien que vous avez utilisé a expiré : il ne fonctionne plus après la fin de la période de conservation des liens personnels.</p>\n".to_owned(),
    };
    let events: String = record
        .events
        .iter()
        .filter(|e| e.public)
        .map(|e| {
            format!(
                "<li><a href=\"/evenements/{}\">{}</a></li>\n",
                escape_html(&e.slug),
                escape_html(&e.title)
            )
        })
        .collect();
    let events = if events.is_empty() {
        String::new()
    } else {
        format!(
            "<p>Pour le recevoir, inscrivez-vous à l'un de ces événements :</p>\n<ul>\n{events}</ul>\n"
        )
    };
    let html = format!(
        "<!doctype html>
<html lang=\"fr\">
<head>
<meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<meta name=\"robots\" content=\"noindex\">
<title>Document réservé aux inscrit·es – {title}</title>
</head>
<body>
<main>
<h1>Document réservé aux inscrit·es</h1>
<p>« {title} » est transmis aux personnes inscrites aux événements auxquels il est lié : elles le téléchargent depuis leur page d'inscription personnelle ou par le lien reçu dans leur e-mail de confirmation.</p>
{why}{events}<p>Vous êtes déjà inscrit·e ? Ouvrez le lien personnel de votre e-mail de confirmation ; si vous ne le retrouvez pas, la page de l'événement permet de le recevoir de nouveau (« Retrouver mon inscription »).</p>
<p><a href=\"{page}\">Voir la présentation de la publication</a></p>
</main>
</body>
</html>
",
        page = escape_html(&paths::page(&record.slug)),
    );
    let mut response = (StatusCode::FORBIDDEN, html).into_response();
    response.extensions_mut().insert(crate::http::OwnPage);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // No script, no style, no form: a page of text and links.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    response
}

/// Whether an answer sent the file from its start: a whole file, or a
/// range from byte 0 (a reader's first request); the further ranges of the
/// same download, 304s and `HEAD`s are not downloads.
fn is_download(method: &Method, request: &HeaderMap, status: StatusCode) -> bool {
    if method != Method::GET {
        return false;
    }
    match status {
        StatusCode::OK => true,
        StatusCode::PARTIAL_CONTENT => request
            .get(header::RANGE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().strip_prefix("bytes="))
            .is_some_and(|range| range.trim_start().starts_with("0-")),
        _ => false,
    }
}

/// The month a download is counted in, in Paris.
fn month(now: DateTime<Utc>) -> String {
    now.with_timezone(&Paris).format("%Y-%m").to_string()
}

/// `GET /api/publications/{slug}/fichiers/{file}`.
#[tracing::instrument(skip(state, headers, signed))]
async fn download(
    State(state): State<AppState>,
    Path((slug, file_id)): Path<(String, String)>,
    signed: Result<Query<Signed>, axum::extract::rejection::QueryRejection>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let record = published(&state, &slug).await?;
    let file = record
        .files
        .iter()
        .find(|f| f.id == file_id)
        .ok_or_else(|| AppError::NotFound("Ce fichier n'existe pas ou a été retiré.".to_owned()))?;
    // An unreadable signature is no signature.
    let signed = signed.map(|Query(signed)| signed).unwrap_or_default();
    if record.fields.access == Access::Inscrits
        && let Err(refusal) = check_signature(&state, &slug, &file_id, &signed).await?
    {
        return Ok(reserved_page(&record, &refusal));
    }
    let mut response = serve_file(&state, file, &method, &headers).await?;
    if record.fields.access == Access::Public {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        );
    }
    if is_download(&method, &headers, response.status()) {
        let store = state.store.clone();
        let (id, month) = (record.id, month(Utc::now()));
        detached(async move { store.count_download(id, &month).await }).await?;
    }
    Ok(response)
}

/// A stored file with its HTTP semantics; a HEAD only asks the store
/// whether it is there, without starting to read it.
async fn serve_file(
    state: &AppState,
    file: &FileRecord,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    state
        .files
        .serve_method(
            &file.storage_key,
            &Served {
                name: &file.name,
                size: file.size,
                etag: &file.sha256,
                content_type: "application/pdf",
            },
            method,
            headers,
        )
        .await
}

// ---------------------------------------------------------------- back-office

/// An organisation's publication, or 404 (another's answers as unknown).
async fn owned(
    state: &AppState,
    membership: &Membership,
    slug: &str,
) -> Result<PublicationRecord, AppError> {
    let unknown =
        || AppError::NotFound("Cette publication n'existe pas dans votre organisation.".to_owned());
    if !is_slug(slug) {
        return Err(unknown());
    }
    state
        .store
        .publication(slug)
        .await?
        .filter(|record| record.organisation_id == membership.organisation.id)
        .ok_or_else(unknown)
}

/// What the back-office shows of a publication: every linked event, drafts
/// included, and its downloads.
async fn managed(
    state: &AppState,
    record: &PublicationRecord,
) -> Result<ManagedPublication, AppError> {
    let downloads = state.store.downloads(record.id).await?;
    let mut publication = record.view();
    publication.events = record
        .events
        .iter()
        .map(|e| parvis_core::publications::LinkedEvent {
            slug: e.slug.clone(),
            title: e.title.clone(),
        })
        .collect();
    Ok(ManagedPublication {
        publication,
        published: record.fields.published,
        total_downloads: downloads.iter().map(|d| d.count).sum(),
        downloads,
    })
}

async fn record(
    state: &AppState,
    membership: &Membership,
    session: &Session,
    what: &str,
) -> Result<(), AppError> {
    audit(state, membership, session, "publication", what).await
}

/// A draft checked, its events the organisation's own.
async fn checked(
    state: &AppState,
    membership: &Membership,
    draft: &PublicationDraft,
) -> Result<CheckedPublication, AppError> {
    let own = state
        .store
        .organisation_events(membership.organisation.id)
        .await?;
    let strangers = draft.events.iter().any(|slug| !own.contains(slug));
    match check_draft(draft) {
        Ok(checked) if !strangers => Ok(checked),
        Ok(_) => Err(invalid(
            "events",
            "Choisissez des événements de votre organisation.",
        )),
        Err(mut errors) => {
            if strangers {
                errors.add(
                    "events",
                    "Choisissez des événements de votre organisation.".to_owned(),
                );
            }
            Err(AppError::Validation(errors))
        }
    }
}

/// `GET …/publications`: the organisation's publications, newest first.
async fn list(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(org): Path<String>,
) -> Result<Json<Vec<ManagedPublication>>, AppError> {
    let membership = member_of(&state, &session, &org, false).await?;
    let records = state
        .store
        .organisation_publications(membership.organisation.id)
        .await?;
    let mut out = Vec::with_capacity(records.len());
    for record in &records {
        out.push(managed(&state, record).await?);
    }
    Ok(Json(out))
}

/// The back-office's address of the new-publication form
/// (`…/publications/nouvelle`), which no publication may take.
const RESERVED_SLUG: &str = "nouvelle";

/// `POST …/publications`: a new publication, its address made from its
/// title when none is given.
async fn create(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(org): Path<String>,
    AppJson(draft): AppJson<PublicationDraft>,
) -> Result<(StatusCode, Json<ManagedPublication>), AppError> {
    let membership = member_of(&state, &session, &org, false).await?;
    let fields = checked(&state, &membership, &draft).await?;
    let given = draft.slug.trim().to_owned();
    let candidates: Vec<String> = if given.is_empty() {
        let base = parvis_core::editor::slugify(&fields.title);
        let base = if base.is_empty() {
            "publication".to_owned()
        } else {
            base
        };
        std::iter::once(base.clone())
            .chain((2..=20).map(|n| format!("{base}-{n}")))
            .filter(|slug| slug != RESERVED_SLUG)
            .collect()
    } else if given == RESERVED_SLUG {
        return Err(invalid(
            "slug",
            "L'adresse « nouvelle » est réservée : choisissez-en une autre.",
        ));
    } else if is_slug(&given) && parvis_core::editor::slugify(&given) == given {
        vec![given]
    } else {
        return Err(invalid(
            "slug",
            "L'adresse s'écrit en lettres minuscules sans accents, chiffres et tirets.",
        ));
    };
    let mut created = None;
    for slug in candidates {
        let store = state.store.clone();
        let (organisation, inserted) = (membership.organisation.id, fields.clone());
        let attempt = slug.clone();
        let id = detached(async move {
            store
                .create_publication(organisation, &attempt, &inserted, Utc::now())
                .await
        })
        .await?;
        if id.is_some() {
            created = Some(slug);
            break;
        }
    }
    let Some(slug) = created else {
        return Err(invalid(
            "slug",
            "Cette adresse est déjà celle d'une autre publication : choisissez-en une autre.",
        ));
    };
    record(
        &state,
        &membership,
        &session,
        &format!("Publication « {} » créée ({slug})", fields.title),
    )
    .await?;
    let record = owned(&state, &membership, &slug).await?;
    Ok((StatusCode::CREATED, Json(managed(&state, &record).await?)))
}

/// `GET …/publications/{publication}/fichiers/{file}`: the organisation's
/// own file, whatever its access and whether or not it is published, so
/// organisers can check a reserved report; not counted as a download.
async fn managed_download(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path((org, slug, file_id)): Path<(String, String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let membership = member_of(&state, &session, &org, false).await?;
    let record = owned(&state, &membership, &slug).await?;
    let file = record
        .files
        .iter()
        .find(|f| f.id == file_id)
        .ok_or_else(|| AppError::NotFound("Ce fichier n'existe pas ou a été retiré.".to_owned()))?;
    serve_file(&state, file, &method, &headers).await
}

/// `GET …/publications/{publication}`.
async fn open(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path((org, slug)): Path<(String, String)>,
) -> Result<Json<ManagedPublication>, AppError> {
    let membership = member_of(&state, &session, &org, false).await?;
    let record = owned(&state, &membership, &slug).await?;
    Ok(Json(managed(&state, &record).await?))
}

/// `PUT …/publications/{publication}`: its fields and links (its address
/// stays).
async fn update(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path((org, slug)): Path<(String, String)>,
    AppJson(draft): AppJson<PublicationDraft>,
) -> Result<Json<ManagedPublication>, AppError> {
    let membership = member_of(&state, &session, &org, false).await?;
    let current = owned(&state, &membership, &slug).await?;
    let fields = checked(&state, &membership, &draft).await?;
    let store = state.store.clone();
    let (id, organisation, saved) = (current.id, membership.organisation.id, fields.clone());
    detached(async move {
        store
            .update_publication(id, organisation, &saved, Utc::now())
            .await
    })
    .await?;
    record(
        &state,
        &membership,
        &session,
        &format!("Publication « {} » modifiée ({slug})", fields.title),
    )
    .await?;
    let record = owned(&state, &membership, &slug).await?;
    Ok(Json(managed(&state, &record).await?))
}

/// `DELETE …/publications/{publication}`: with its files, from the storage
/// too.
async fn remove(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path((org, slug)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let membership = member_of(&state, &session, &org, false).await?;
    let current = owned(&state, &membership, &slug).await?;
    let store = state.store.clone();
    let id = current.id;
    let keys = detached(async move { store.delete_publication(id).await }).await?;
    for key in keys {
        state.files.delete(&key).await?;
    }
    record(
        &state,
        &membership,
        &session,
        &format!(
            "Publication « {} » supprimée ({slug}), avec ses {} fichier(s)",
            current.fields.title,
            current.files.len()
        ),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The upload's parameters.
#[derive(Debug, Default, Deserialize)]
struct Upload {
    #[serde(default)]
    nom: String,
    #[serde(default)]
    libelle: String,
    #[serde(default)]
    accessible: Option<String>,
}

/// A file name fit for `Content-Disposition`: no folders, no control
/// characters, at most 150 characters, ending in `.pdf`.
fn file_name(given: &str) -> Option<String> {
    let base = given.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':'))
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let stem = cleaned
        .strip_suffix(".pdf")
        .or_else(|| cleaned.strip_suffix(".PDF"))
        .unwrap_or(&cleaned)
        .trim_matches(['.', ' '])
        .chars()
        .take(146)
        .collect::<String>();
    (!stem.is_empty()).then(|| format!("{stem}.pdf"))
}

/// `POST …/publications/{publication}/fichiers?nom=…&libelle=…`: the PDF
/// as the body.
async fn upload(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path((org, slug)): Path<(String, String)>,
    query: Result<Query<Upload>, axum::extract::rejection::QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<PublicationFile>), AppError> {
    let membership = member_of(&state, &session, &org, false).await?;
    let current = owned(&state, &membership, &slug).await?;
    let Query(upload) = query?;
    let body = body.map_err(|rejection| {
        let status = rejection.status();
        AppError::BadRequest {
            status,
            message: if status == StatusCode::PAYLOAD_TOO_LARGE {
                format!(
                    "Le fichier dépasse {} Mo, la taille la plus grande acceptée : réduisez-le (export PDF « taille réduite ») puis envoyez-le de nouveau.",
                    MAX_FILE_BYTES / (1024 * 1024)
                )
            } else {
                crate::error::status_message(status).to_owned()
            },
        }
    })?;
    let mut errors = FieldErrors::default();
    let name = file_name(&upload.nom);
    if name.is_none() {
        errors.add("nom", "Indiquez le nom du fichier.".to_owned());
    }
    let label = upload
        .libelle
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if label.chars().count() > 120 {
        errors.add(
            "libelle",
            "Le libellé ne peut pas dépasser 120 caractères.".to_owned(),
        );
    }
    // By its bytes, whatever its name says.
    if !looks_like_pdf(&body) {
        errors.add(
            "fichier",
            "Le fichier n'est pas un PDF : enregistrez ou exportez le document au format PDF, puis envoyez-le de nouveau."
                .to_owned(),
        );
    }
    let Some(name) = name.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let label = if label.is_empty() {
        current.fields.kind.label().to_owned()
    } else {
        label
    };
    let id = crate::token::random_hex(12)?;
    let file = NewFile {
        storage_key: format!("publications/{}/{id}.pdf", current.id),
        id,
        label,
        name,
        size: body.len() as u64,
        sha256: content_hash(&body),
        accessible: upload
            .accessible
            .as_deref()
            .is_some_and(|v| matches!(v, "1" | "true" | "oui")),
    };
    state.files.put(&file.storage_key, body).await?;
    let store = state.store.clone();
    let (publication, added) = (current.id, file.clone());
    detached(async move {
        store
            .add_publication_file(publication, &added, Utc::now())
            .await
    })
    .await?;
    record(
        &state,
        &membership,
        &session,
        &format!(
            "Fichier « {} » ({}) ajouté à « {} »",
            file.name,
            parvis_core::publications::format_size(file.size),
            current.fields.title
        ),
    )
    .await?;
    let view = FileRecord {
        id: file.id,
        label: file.label,
        name: file.name,
        size: file.size,
        sha256: file.sha256,
        accessible: file.accessible,
        storage_key: file.storage_key,
    }
    .view();
    Ok((StatusCode::CREATED, Json(view)))
}

/// `DELETE …/publications/{publication}/fichiers/{file}`.
async fn delete_file(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path((org, slug, file_id)): Path<(String, String, String)>,
) -> Result<StatusCode, AppError> {
    let membership = member_of(&state, &session, &org, false).await?;
    let current = owned(&state, &membership, &slug).await?;
    let Some(file) = current.files.iter().find(|f| f.id == file_id) else {
        return Err(AppError::NotFound(
            "Ce fichier n'existe pas pour cette publication.".to_owned(),
        ));
    };
    let store = state.store.clone();
    let (publication, id) = (current.id, file.id.clone());
    let key =
        detached(async move { store.delete_publication_file(publication, &id).await }).await?;
    if let Some(key) = key {
        state.files.delete(&key).await?;
    }
    record(
        &state,
        &membership,
        &session,
        &format!(
            "Fichier « {} » retiré de « {} »",
            file.name, current.fields.title
        ),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_folders_and_end_in_pdf() {
        assert_eq!(
            file_name("C:\\Docs\\rapport.PDF").as_deref(),
            Some("rapport.pdf")
        );
        assert_eq!(file_name("../../etc/passwd").as_deref(), Some("passwd.pdf"));
        assert_eq!(
            file_name("Actes \"2011\".pdf").as_deref(),
            Some("Actes 2011.pdf")
        );
        assert_eq!(file_name(" .pdf"), None);
        assert_eq!(file_name(""), None);
    }

    #[test]
    fn only_a_first_byte_counts_as_a_download() {
        let mut headers = HeaderMap::new();
        assert!(is_download(&Method::GET, &headers, StatusCode::OK));
        assert!(!is_download(&Method::HEAD, &headers, StatusCode::OK));
        assert!(!is_download(
            &Method::GET,
            &headers,
            StatusCode::NOT_MODIFIED
        ));
        headers.insert(header::RANGE, HeaderValue::from_static("bytes=0-1023"));
        assert!(is_download(
            &Method::GET,
            &headers,
            StatusCode::PARTIAL_CONTENT
        ));
        headers.insert(header::RANGE, HeaderValue::from_static("bytes=1024-"));
        assert!(!is_download(
            &Method::GET,
            &headers,
            StatusCode::PARTIAL_CONTENT
        ));
    }

    #[test]
    fn months_are_counted_in_paris() {
        let at = DateTime::parse_from_rfc3339("2025-12-31T23:30:00Z").unwrap();
        assert_eq!(month(at.with_timezone(&Utc)), "2026-01");
    }

    #[test]
    fn a_bad_query_names_each_parameter() {
        let query = CatalogueQuery {
            q: Some("mot ".repeat(11)),
            kind: Some("roman".into()),
            year: Some("25".into()),
            organisation: Some("Centre A".into()),
            page: Some("0".into()),
            ..CatalogueQuery::default()
        };
        let Err(AppError::Validation(errors)) = filter_of(&query) else {
            panic!("refused");
        };
        let fields: Vec<&str> = errors.0.keys().map(String::as_str).collect();
        assert_eq!(fields, ["annee", "organisation", "page", "q", "type"]);
    }
}
