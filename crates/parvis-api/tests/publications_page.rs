//! The publications catalogue's shell (`/publications`,
//! `/publications/{slug}`, built into `dist/publications/`), on SQLite and
//! on a throwaway PostgreSQL database each: both answer 200 with the
//! catalogue bundle's own `index.html` (the site's accessibility status
//! included, its inline loader allowed by the Content-Security-Policy); a
//! publication's page carries its title and Open Graph tags, an unknown one
//! is a 404 with the same shell; the bundle's files under the same prefix
//! are files, and without the bundle the addresses are the app's 404.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

#[macro_use]
mod common;
use common::app::{App, Backend};

const LOADER: &str = "<script type=\"module\">import init from '/publications/publications-0123456789abcdef.js';await init();</script>";

/// A built app as trunk writes it, with the catalogue bundle when `built`.
fn app_dir(root: &std::path::Path, built: bool) -> std::path::PathBuf {
    let dir = root.join("dist");
    std::fs::create_dir_all(dir.join("publications")).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!DOCTYPE html><html lang=\"fr\"><head><title>Parvis</title>\
         <script type=\"module\">import init from '/parvis.js';await init();</script>\
         </head><body></body></html>",
    )
    .unwrap();
    if built {
        std::fs::write(
            dir.join("publications/index.html"),
            format!(
                "<!DOCTYPE html><html lang=\"fr\"><head><title>Publications – Parvis</title>\
                 {LOADER}</head><body></body></html>"
            ),
        )
        .unwrap();
        std::fs::write(
            dir.join("publications/publications-0123456789abcdef.js"),
            "export default 1;",
        )
        .unwrap();
    }
    dir
}

async fn get(site: &axum::Router, path: &str) -> (StatusCode, HeaderMap, String) {
    let request = Request::get(path)
        .header(header::ACCEPT_ENCODING, "identity")
        .body(Body::empty())
        .unwrap();
    let response = site.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

async fn the_catalogue_and_its_pages_open_the_catalogue_bundle(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    assert!(parvis_api::seed::seed_demo(&app.state).await.unwrap());
    let root = tempfile::TempDir::new().unwrap();
    let dist = app_dir(root.path(), true);
    let site = parvis_api::router_with_app(app.state.clone(), &dist).unwrap();
    for path in [
        "/publications",
        "/publications?q=cohesion&type=rapport_etude",
        "/publications/pas-de-publication-ici",
    ] {
        let (status, headers, body) = get(&site, path).await;
        // An unknown publication is a 404, with the catalogue's shell,
        // which says « Publication introuvable ».
        let expected = if path.ends_with("-ici") {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::OK
        };
        assert_eq!(status, expected, "{path}");
        assert!(
            body.contains(LOADER),
            "{path}: the catalogue's shell: {body}"
        );
        assert!(
            body.contains(r#"<meta name="parvis-accessibilite" content="non conforme">"#),
            "{path}: the accessibility status for the footer"
        );
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        let hashes = parvis_api::shell::inline_script_hashes(&body);
        assert_eq!(hashes.len(), 1, "{hashes:?}");
        assert!(csp.contains(&format!("'{}'", hashes[0])), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
    }
    // A publication's page carries its title, summary and Open Graph tags
    // for a link's preview; an unpublished one is unknown.
    let slug = "villes-et-vivre-ensemble-gouvernance-locale-cohesion-sociale";
    let (status, _, body) = get(&site, &format!("/publications/{slug}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(LOADER));
    assert!(
        body.contains("<title>Villes et vivre ensemble, la gouvernance locale de la cohésion sociale – Parvis</title>"),
        "{body}"
    );
    assert!(body.contains("<meta property=\"og:title\""));
    assert!(body.contains(&format!(
        "<link rel=\"canonical\" href=\"{}/publications/{slug}\">",
        app.state.public_url
    )));
    assert!(body.contains("<meta name=\"description\" content=\"Où en est-on"));
    assert_eq!(body.matches("<title>").count(), 1);
    // The agenda is not the catalogue, and the API is the API.
    let (_, _, home) = get(&site, "/").await;
    assert!(!home.contains(LOADER));
    let (_, headers, _) = get(&site, "/api/publications").await;
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    // The bundle's files share the prefix: a name with a dot is a file.
    let (status, headers, body) =
        get(&site, "/publications/publications-0123456789abcdef.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "export default 1;");
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let (status, _, body) = get(&site, "/publications/absent-0123456789abcdef.js").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("/parvis.js"), "the app's 404 page");
    // Deeper addresses are no page of the catalogue.
    let (status, _, _) = get(&site, "/publications/a/b").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn without_the_bundle_the_catalogue_is_the_apps_404(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let root = tempfile::TempDir::new().unwrap();
    let dist = app_dir(root.path(), false);
    let site = parvis_api::router_with_app(app.state.clone(), &dist).unwrap();
    for path in ["/publications", "/publications/villes-et-vivre-ensemble"] {
        let (status, _, body) = get(&site, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(body.contains("/parvis.js"), "the app's shell: {body}");
    }
}

store_tests!(
    the_catalogue_and_its_pages_open_the_catalogue_bundle,
    without_the_bundle_the_catalogue_is_the_apps_404,
);
