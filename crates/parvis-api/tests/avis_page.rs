//! The feedback page's shell (`/avis/{token}`, built into `dist/avis/`),
//! on SQLite and on a throwaway PostgreSQL database each: a personal link
//! answers 200 with the feedback bundle's own `index.html` (the site's
//! accessibility status included, its inline loader allowed by the
//! Content-Security-Policy), the bundle's files under the same prefix are
//! files, and without the bundle the address is the app's 404.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

#[macro_use]
mod common;
use common::app::{App, Backend};

const AVIS_LOADER: &str = "<script type=\"module\">import init from '/avis/avis-0123456789abcdef.js';await init();</script>";

/// A built app as trunk writes it, with the feedback bundle when `avis`.
fn app_dir(root: &std::path::Path, avis: bool) -> std::path::PathBuf {
    let dir = root.join("dist");
    std::fs::create_dir_all(dir.join("avis")).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!DOCTYPE html><html lang=\"fr\"><head><title>Parvis</title>\
         <script type=\"module\">import init from '/parvis.js';await init();</script>\
         </head><body></body></html>",
    )
    .unwrap();
    if avis {
        std::fs::write(
            dir.join("avis/index.html"),
            format!(
                "<!DOCTYPE html><html lang=\"fr\"><head><title>Questionnaire – Parvis</title>\
                 {AVIS_LOADER}</head><body></body></html>"
            ),
        )
        .unwrap();
        std::fs::write(
            dir.join("avis/avis-0123456789abcdef.js"),
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

async fn a_feedback_link_opens_the_feedback_bundle(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let root = tempfile::TempDir::new().unwrap();
    let dist = app_dir(root.path(), true);
    let site = parvis_api::router_with_app(app.state.clone(), &dist).unwrap();
    let token = "ab".repeat(32);
    for path in [format!("/avis/{token}"), format!("/avis/{token}/")] {
        let (status, headers, body) = get(&site, &path).await;
        if path.ends_with('/') {
            // Not a page of the app: the app's 404.
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            continue;
        }
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            body.contains(AVIS_LOADER),
            "{path}: the feedback shell: {body}"
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
    // The public app's pages are not the feedback page.
    let (_, _, home) = get(&site, "/").await;
    assert!(!home.contains(AVIS_LOADER));
    // The bundle's files share the prefix: a name with a dot is a file.
    let (status, headers, body) = get(&site, "/avis/avis-0123456789abcdef.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "export default 1;");
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let (status, _, body) = get(&site, "/avis/absent-0123456789abcdef.js").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("/parvis.js"), "the app's 404 page");
}

async fn without_the_bundle_a_feedback_link_is_the_apps_404(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let root = tempfile::TempDir::new().unwrap();
    let dist = app_dir(root.path(), false);
    let site = parvis_api::router_with_app(app.state.clone(), &dist).unwrap();
    let (status, _, body) = get(&site, &format!("/avis/{}", "ab".repeat(32))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("/parvis.js"), "the app's shell: {body}");
}

store_tests!(
    a_feedback_link_opens_the_feedback_bundle,
    without_the_bundle_a_feedback_link_is_the_apps_404,
);
