//! The pages of the newsletter's emailed links, rendered by the endpoint
//! like the legal pages (no script, the app's stylesheet when built):
//!
//! - `/lettre/confirmer/{token}`: `GET` says what will be confirmed and
//!   shows « Confirmer mon inscription », a form that `POST`s to the same
//!   address, which confirms. A `GET` never confirms: mail scanners open
//!   links.
//! - `/lettre/desinscription/{token}` (the link in each issue's footer):
//!   `GET` shows « Me désinscrire », whose `POST` unsubscribes.
//! - `/api/lettre/desinscription/{token}` (the `List-Unsubscribe` header):
//!   a `POST` (RFC 8058: `List-Unsubscribe=One-Click`, sent by the mail
//!   client) unsubscribes at once; a `GET` shows the same page as above.
//!
//! Unsubscribing again, or confirming again, changes nothing and says where
//! the address stands. An unknown or expired link answers 404 with a page
//! saying so (an unknown one-click link, 404 in the API's JSON shape).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::Utc;
use parvis_core::email::masked;
use parvis_core::lettre::paths;

use crate::AppState;
use crate::legal::{ACCESSIBILITY_PATH, HeadLinks, MENTIONS_PATH, PRIVACY_PATH};
use crate::mail::newsletter::CONFIRMATION_DAYS;
use crate::shell::escape_html;
use crate::store::lettre::LinkTarget;
use crate::token;

/// The pages' policy: no script, styles and images from the site, forms
/// posted to the site only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
     img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

struct Pages {
    state: AppState,
    head: HeadLinks,
}

type Shared = State<Arc<Pages>>;

/// The pages' routes; `index_html` is the built app's, for its stylesheet.
pub fn router(state: &AppState, index_html: Option<&str>) -> Router {
    let pages = Arc::new(Pages {
        state: state.clone(),
        head: index_html
            .map(HeadLinks::from_index_html)
            .unwrap_or_default(),
    });
    Router::new()
        .route("/lettre/confirmer/{token}", get(confirm_form).post(confirm))
        .route(
            "/lettre/desinscription/{token}",
            get(unsubscribe_form).post(unsubscribe),
        )
        .route(
            "/api/lettre/desinscription/{token}",
            get(unsubscribe_form_api).post(unsubscribe),
        )
        .with_state(pages)
}

/// The hash of a well-formed token (64 hexadecimal characters).
fn token_hash(token: &str) -> Option<String> {
    (token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| token::hash(&token.to_ascii_lowercase()))
}

fn page(pages: &Pages, status: StatusCode, title: &str, body: &str) -> Response {
    let mut links = String::new();
    if let Some(stylesheet) = &pages.head.stylesheet {
        links.push_str(&format!(
            "<link rel=\"stylesheet\" href=\"{}\">\n",
            escape_html(stylesheet)
        ));
    }
    if let Some(icon) = &pages.head.icon {
        links.push_str(&format!(
            "<link rel=\"icon\" href=\"{}\">\n",
            escape_html(icon)
        ));
    }
    let conformity = pages.state.legal.conformity().label();
    let html = format!(
        "<!DOCTYPE html>
<html lang=\"fr\">
<head>
<meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<meta name=\"robots\" content=\"noindex\">
<title>{title} – Parvis</title>
{links}</head>
<body>
<a class=\"skip-link\" href=\"#contenu\">Aller au contenu</a>
<header class=\"site-header\">
<div class=\"wrap\">
<a class=\"brand\" href=\"/\">Parvis</a>
<p class=\"tagline\">Agenda des centres de ressources de la politique de la ville</p>
<nav aria-label=\"Menu principal\">
<ul>
<li><a href=\"/\">Agenda</a></li>
</ul>
</nav>
</div>
</header>
<main id=\"contenu\" tabindex=\"-1\" class=\"wrap\">
<h1>{title}</h1>
{body}
</main>
<footer class=\"site-footer\">
<div class=\"wrap\">
<nav aria-label=\"Informations légales\">
<ul>
<li><a href=\"{MENTIONS_PATH}\">Mentions légales</a></li>
<li><a href=\"{PRIVACY_PATH}\">Données personnelles</a></li>
<li><a href=\"{ACCESSIBILITY_PATH}\">Accessibilité : {conformity}</a></li>
</ul>
</nav>
</div>
</footer>
</body>
</html>
",
        title = escape_html(title),
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn gone(pages: &Pages) -> Response {
    page(
        pages,
        StatusCode::NOT_FOUND,
        "Lien introuvable",
        "<p>Ce lien n'est pas (ou plus) valable. Un lien de confirmation fonctionne 7 jours : \
         pour recevoir la lettre d'information, inscrivez-vous de nouveau.</p>\n\
         <p><a href=\"/\">Retour à l'agenda</a></p>",
    )
}

fn error_page(pages: &Pages, error: anyhow::Error) -> Response {
    tracing::error!(error = format!("{error:#}"), "newsletter page failed");
    page(
        pages,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Erreur",
        "<p>Une erreur est survenue de notre côté : réessayez dans quelques minutes.</p>",
    )
}

/// « à l'adresse c…@ville.fr », escaped.
fn address(target: &LinkTarget) -> String {
    escape_html(&masked(&target.email))
}

fn button_form(action: &str, label: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{}\">\n<button type=\"submit\">{}</button>\n</form>",
        escape_html(action),
        escape_html(label)
    )
}

fn done_notice(text: &str) -> String {
    format!("<div class=\"notice\" role=\"status\"><p>{text}</p></div>")
}

/// `GET /lettre/confirmer/{token}`.
async fn confirm_form(State(pages): Shared, Path(token): Path<String>) -> Response {
    let Some(hash) = token_hash(&token) else {
        return gone(&pages);
    };
    let found = pages
        .state
        .store
        .newsletter_confirmation(&hash, CONFIRMATION_DAYS, Utc::now())
        .await;
    match found {
        Err(error) => error_page(&pages, error),
        Ok(None) => gone(&pages),
        Ok(Some(target)) if target.confirmed && !target.unsubscribed => page(
            &pages,
            StatusCode::OK,
            "Inscription déjà confirmée",
            &done_notice(&format!(
                "Votre inscription à la lettre d'information de {} est déjà confirmée, à l'adresse {}.",
                escape_html(&target.organisation),
                address(&target)
            )),
        ),
        Ok(Some(target)) => page(
            &pages,
            StatusCode::OK,
            "Confirmer votre inscription",
            &format!(
                "<p>Vous allez recevoir la lettre d'information de {} à l'adresse {}.</p>\n\
                 <p>Chaque lettre contient un lien pour vous désinscrire en un clic.</p>\n{}",
                escape_html(&target.organisation),
                address(&target),
                button_form(&paths::confirm_page(&token), "Confirmer mon inscription")
            ),
        ),
    }
}

/// `POST /lettre/confirmer/{token}`.
async fn confirm(State(pages): Shared, Path(token): Path<String>) -> Response {
    let Some(hash) = token_hash(&token) else {
        return gone(&pages);
    };
    let store = pages.state.store.clone();
    let done = crate::routes::detached(async move {
        store
            .newsletter_confirm(&hash, CONFIRMATION_DAYS, Utc::now())
            .await
    })
    .await;
    match done {
        Err(error) => error_page(&pages, anyhow::anyhow!("{error:?}")),
        Ok(None) => gone(&pages),
        Ok(Some(target)) => page(
            &pages,
            StatusCode::OK,
            "Inscription confirmée",
            &format!(
                "{}\n<p><a href=\"/\">Retour à l'agenda</a></p>",
                done_notice(&format!(
                    "Merci ! Vous recevrez la lettre d'information de {} à l'adresse {}. Chaque lettre contient un lien pour vous désinscrire en un clic.",
                    escape_html(&target.organisation),
                    address(&target)
                ))
            ),
        ),
    }
}

fn unsubscribed_page(pages: &Pages, target: &LinkTarget) -> Response {
    page(
        pages,
        StatusCode::OK,
        "Désinscription faite",
        &format!(
            "{}\n<p>Vous pouvez vous réinscrire à tout moment depuis le site de l'organisation.</p>\n\
             <p><a href=\"/\">Retour à l'agenda</a></p>",
            done_notice(&format!(
                "Vous êtes désinscrit·e : l'adresse {} ne recevra plus la lettre d'information de {}.",
                address(target),
                escape_html(&target.organisation)
            ))
        ),
    )
}

async fn unsubscribe_page(pages: &Pages, token: &str) -> Option<Response> {
    let hash = token_hash(token)?;
    Some(
        match pages.state.store.newsletter_unsubscription(&hash).await {
            Err(error) => error_page(pages, error),
            Ok(None) => return None,
            Ok(Some(target)) if target.unsubscribed => unsubscribed_page(pages, &target),
            Ok(Some(target)) => page(
                pages,
                StatusCode::OK,
                "Se désinscrire de la lettre d'information",
                &format!(
                    "<p>L'adresse {} ne recevra plus la lettre d'information de {}.</p>\n{}",
                    address(&target),
                    escape_html(&target.organisation),
                    button_form(&paths::unsubscribe_page(token), "Me désinscrire")
                ),
            ),
        },
    )
}

/// `GET /lettre/desinscription/{token}`.
async fn unsubscribe_form(State(pages): Shared, Path(token): Path<String>) -> Response {
    match unsubscribe_page(&pages, &token).await {
        Some(response) => response,
        None => gone(&pages),
    }
}

/// `GET /api/lettre/desinscription/{token}` (the header's link opened in a
/// browser): the same page; an unknown link goes to the page that says so
/// (an HTML 404 under `/api` would be rewritten into JSON).
async fn unsubscribe_form_api(State(pages): Shared, Path(token): Path<String>) -> Response {
    match unsubscribe_page(&pages, &token).await {
        Some(response) => response,
        None if token.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            Redirect::to(&paths::unsubscribe_page(&token)).into_response()
        }
        None => gone(&pages),
    }
}

/// `POST` of either unsubscribe link: at once, and again without harm.
async fn unsubscribe(State(pages): Shared, Path(token): Path<String>) -> Response {
    let Some(hash) = token_hash(&token) else {
        return gone(&pages);
    };
    let store = pages.state.store.clone();
    let done =
        crate::routes::detached(
            async move { store.newsletter_unsubscribe(&hash, Utc::now()).await },
        )
        .await;
    match done {
        Err(error) => error_page(&pages, anyhow::anyhow!("{error:?}")),
        Ok(None) => gone(&pages),
        Ok(Some(target)) => unsubscribed_page(&pages, &target),
    }
}
