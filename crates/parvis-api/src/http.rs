//! What every answer gets, API and app alike: security headers, a request
//! log line, and a deadline for receiving the request body.
//!
//! Every error answered under `/api/` is JSON in the `{code, message,
//! fields}` shape, including those axum or a layer produce themselves
//! (405 with its `Allow` header, path rejections, 413, 408...): see
//! [`error_as_json`].
//!
//! - `Content-Security-Policy`: only the site's own scripts (plus the
//!   hashes of the inline loader trunk writes into `index.html`), WebAssembly
//!   through `'wasm-unsafe-eval'`, no framing, no plugins;
//! - `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`;
//! - `Referrer-Policy: no-referrer`: personal pages carry a token in their
//!   address, which must never leave in a `Referer`;
//! - `Permissions-Policy` denying what Parvis never uses;
//! - `Strict-Transport-Security` when the public address is https;
//! - `Cache-Control: no-store` on every API answer that does not say
//!   otherwise (they may carry personal data).
//!
//! API answers get a policy that allows nothing (`default-src 'none';
//! frame-ancestors 'none'`) instead of the documents' one; a document whose
//! handler sets its own, stricter policy keeps it (the legal pages, which
//! have no script, see [`crate::legal`]); the app's files
//! (wasm, scripts, styles…) get only what applies to a file (`nosniff`,
//! `Referrer-Policy`, HSTS). Documents and API answers of more
//! than 512 bytes are compressed (brotli or gzip, level 5) when the
//! client accepts it; the app's files come precompressed from the build.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use parvis_core::api::{ApiError, FieldErrors};
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::AppState;

/// The headers added to every answer, by kind of answer.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    /// For documents (HTML): the whole policy.
    documents: Vec<(HeaderName, HeaderValue)>,
    /// For API answers (JSON): a policy that allows nothing, should one be
    /// opened as a page, without the document-only headers.
    api: Vec<(HeaderName, HeaderValue)>,
    /// For the app's files (wasm, scripts, styles, images, PDFs): what
    /// applies to a file that is not a document. Policies that only govern
    /// documents would cost every file's headers for nothing.
    files: Vec<(HeaderName, HeaderValue)>,
}

/// Builds the Content-Security-Policy, allowing the given inline scripts
/// by their `'sha256-…'` sources.
pub fn content_security_policy(script_hashes: &[String]) -> String {
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    for hash in script_hashes {
        script_src.push_str(&format!(" '{hash}'"));
    }
    format!(
        "default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy of API answers: nothing may load or frame them.
pub const API_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

impl SecurityHeaders {
    /// The headers for a site at `https` or not, with these inline scripts.
    pub fn new(https: bool, script_hashes: &[String]) -> Self {
        let value = |text: &str| HeaderValue::from_str(text).expect("a valid header value");
        let mut files = vec![
            (header::X_CONTENT_TYPE_OPTIONS, value("nosniff")),
            (header::REFERRER_POLICY, value("no-referrer")),
        ];
        if https {
            files.push((
                header::STRICT_TRANSPORT_SECURITY,
                value("max-age=63072000; includeSubDomains"),
            ));
        }
        let mut api = files.clone();
        api.push((
            header::CONTENT_SECURITY_POLICY,
            value(API_CONTENT_SECURITY_POLICY),
        ));
        let mut documents = files.clone();
        documents.extend([
            (
                header::CONTENT_SECURITY_POLICY,
                value(&content_security_policy(script_hashes)),
            ),
            (header::X_FRAME_OPTIONS, value("DENY")),
            (
                HeaderName::from_static("permissions-policy"),
                value(
                    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), \
                     browsing-topics=()",
                ),
            ),
            (
                HeaderName::from_static("cross-origin-opener-policy"),
                value("same-origin"),
            ),
        ]);
        Self {
            documents,
            api,
            files,
        }
    }

    /// The set for an answer of this content type.
    fn for_answer(&self, headers: &HeaderMap) -> &[(HeaderName, HeaderValue)] {
        let essence = headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .map(str::trim)
            .unwrap_or_default();
        if essence.eq_ignore_ascii_case("text/html") {
            &self.documents
        } else if essence.eq_ignore_ascii_case("application/json") {
            &self.api
        } else {
            &self.files
        }
    }
}

async fn add_headers(
    State(headers): State<Arc<SecurityHeaders>>,
    request: Request,
    next: Next,
) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    if api && response.status().as_u16() >= 400 && response.extensions().get::<OwnPage>().is_none()
    {
        response = error_as_json(response);
    }
    let set = headers.for_answer(response.headers());
    let map = response.headers_mut();
    // A handler that knows its answer needs less (a document without any
    // script) sets a stricter policy itself; it is kept.
    let own_policy = map.contains_key(header::CONTENT_SECURITY_POLICY);
    for (name, value) in set {
        if own_policy && name == header::CONTENT_SECURITY_POLICY {
            continue;
        }
        map.insert(name.clone(), value.clone());
    }
    if api && !map.contains_key(header::CACHE_CONTROL) {
        map.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Marks an error answer under `/api/` that is a page of its own, for an
/// address browsers open (a reserved file's explanation): kept as it is,
/// not put in the JSON error shape.
#[derive(Debug, Clone, Copy)]
pub struct OwnPage;

/// True when the body is declared JSON (`application/json`, any parameters).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// Puts an error answer that is not JSON (axum's empty 405, a plain-text
/// path rejection or 413, a layer's 408...) in the `{code, message, fields}`
/// shape: `code` and French `message` from its status, no `fields`. Its
/// status and other headers (`Allow`, `Retry-After`...) are kept; its body,
/// which may repeat the request or name internals, is dropped. Success
/// answers and JSON errors are returned as they are.
pub fn error_as_json(response: Response) -> Response {
    let status = response.status();
    if status.as_u16() < 400 || is_json(response.headers()) {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let body = ApiError {
        code: crate::error::status_code(status).to_owned(),
        message: crate::error::status_message(status).to_owned(),
        fields: FieldErrors::default(),
    };
    let body = serde_json::to_vec(&body).expect("the error shape serialises");
    for name in [
        header::CONTENT_LENGTH,
        header::CONTENT_ENCODING,
        header::CONTENT_RANGE,
        header::CONTENT_DISPOSITION,
        header::TRANSFER_ENCODING,
    ] {
        parts.headers.remove(name);
    }
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body))
}

/// The route template of a request, never its path (which may hold a
/// personal token); the app and its files are one label.
fn route_of(request: &Request) -> String {
    request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(app)".to_owned(), |path| path.as_str().to_owned())
}

/// Wraps a finished router with the layers every answer gets.
pub fn finish(router: Router, state: &AppState, script_hashes: &[String]) -> Router {
    let router = router.layer(middleware::from_fn_with_state(
        state.snapshot.clone(),
        crate::snapshot::track_writes,
    ));
    layers(router, state.is_https(), state.body_timeout, script_hashes)
}

/// [`finish`], from the only settings it needs.
fn layers(router: Router, https: bool, body_timeout: Duration, script_hashes: &[String]) -> Router {
    let headers = Arc::new(SecurityHeaders::new(https, script_hashes));
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            tracing::info_span!(
                target: "parvis_api::request",
                "request",
                method = %request.method(),
                route = %route_of(request),
            )
        })
        .on_request(())
        .on_response(
            |response: &Response, latency: Duration, _span: &tracing::Span| {
                tracing::info!(
                    target: "parvis_api::request",
                    status = response.status().as_u16(),
                    latency_us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
                    "answered"
                );
            },
        )
        .on_failure(());
    // Documents and API answers are compressed when the client accepts it
    // (the app's files are already, at build time, and are left alone).
    let compression = CompressionLayer::new()
        .quality(CompressionLevel::Precise(5))
        .compress_when(
            SizeAbove::new(512)
                .and(NotForContentType::IMAGES)
                .and(NotForContentType::const_new("application/pdf"))
                // Workbooks (registrant exports) are zip files already.
                .and(NotForContentType::const_new(
                    "application/vnd.openxmlformats",
                )),
        );
    router
        .layer(RequestBodyTimeoutLayer::new(body_timeout))
        .layer(compression)
        .layer(trace)
        .layer(middleware::from_fn_with_state(headers, add_headers))
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use axum::extract::rejection::QueryRejection;
    use axum::extract::{DefaultBodyLimit, Path, Query};
    use axum::http::{Method, StatusCode};
    use axum::response::IntoResponse;
    use axum::routing::{get, post};
    use http_body_util::{BodyExt, Full};
    use parvis_core::api::EventQuery;
    use parvis_core::registration::RegistrationRequest;
    use serde_json::{Value, json};
    use tower::ServiceExt;

    use super::*;
    use crate::error::{AppError, AppJson};

    /// A few routes standing for the real ones, behind the real layers.
    fn app() -> Router {
        let api = Router::new()
            .route("/health", get(|| async { "ok" }))
            .route(
                "/items/{id}",
                get(|Path(id): Path<u32>| async move { id.to_string() }),
            )
            .route(
                "/registrations",
                post(|AppJson(form): AppJson<RegistrationRequest>| async move {
                    AppJson(form.first_name)
                }),
            )
            .route("/text", post(|body: String| async move { body }))
            .route(
                "/events",
                get(
                    |query: Result<Query<EventQuery>, QueryRejection>| async move {
                        query
                            .map(|Query(query)| AppJson(query.q))
                            .map_err(AppError::from)
                    },
                ),
            )
            .route(
                "/busy",
                get(|| async {
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        [(header::RETRY_AFTER, "30")],
                        "pool exhausted at db.internal:5432",
                    )
                }),
            )
            .fallback(|| async { AppError::NotFound("Rien ici.".to_owned()) })
            .layer(DefaultBodyLimit::max(1024));
        let router = Router::new()
            .nest("/api", api)
            .route("/page", get(|| async { "page" }));
        layers(router, false, Duration::from_millis(100), &[])
    }

    async fn call(request: Request) -> (StatusCode, HeaderMap, String) {
        let response = app().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, String::from_utf8(body.to_vec()).unwrap())
    }

    fn request(method: Method, uri: &str, body: impl Into<Body>) -> Request {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.into())
            .unwrap()
    }

    /// Checks the error shape and gives the body.
    fn shape(status: StatusCode, headers: &HeaderMap, body: &str, code: &str) -> Value {
        assert_eq!(headers[header::CONTENT_TYPE], "application/json", "{body}");
        let value: Value = serde_json::from_str(body).unwrap();
        assert_eq!(value["code"], code, "{status}: {body}");
        assert!(value["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(value["fields"], json!({}), "{body}");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        value
    }

    #[tokio::test]
    async fn a_wrong_method_is_a_json_405_that_keeps_allow() {
        let (status, headers, body) = call(request(Method::DELETE, "/api/health", "")).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        let value = shape(status, &headers, &body, "method_not_allowed");
        assert!(value["message"].as_str().unwrap().contains("méthode"));
        let allow = headers[header::ALLOW].to_str().unwrap();
        assert!(allow.contains("GET"), "{allow}");
    }

    #[tokio::test]
    async fn a_path_rejection_is_json_and_does_not_repeat_the_path() {
        let (status, headers, body) = call(request(Method::GET, "/api/items/abc%3Cb%3E", "")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        shape(status, &headers, &body, "bad_request");
        assert!(!body.contains("abc") && !body.contains("Invalid"), "{body}");
    }

    #[tokio::test]
    async fn an_oversized_body_is_a_json_413() {
        let (status, headers, body) =
            call(request(Method::POST, "/api/text", "x".repeat(4096))).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        shape(status, &headers, &body, "payload_too_large");
    }

    #[tokio::test]
    async fn a_body_that_stops_arriving_is_a_json_408() {
        // The first bytes arrive, then nothing: the trailers never come.
        let stalled = Full::new(axum::body::Bytes::from_static(b"{\"first_name\": "))
            .with_trailers(std::future::pending::<Option<Result<HeaderMap, Infallible>>>());
        let (status, headers, body) = call(request(
            Method::POST,
            "/api/registrations",
            Body::new(stalled),
        ))
        .await;
        assert_eq!(status, StatusCode::REQUEST_TIMEOUT, "{body}");
        shape(status, &headers, &body, "request_timeout");
    }

    #[tokio::test]
    async fn other_errors_keep_their_status_and_headers_but_not_their_text() {
        let (status, headers, body) = call(request(Method::GET, "/api/busy", "")).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        shape(status, &headers, &body, "unavailable");
        assert_eq!(headers[header::RETRY_AFTER], "30");
        assert!(!body.contains("db.internal"), "{body}");
    }

    #[tokio::test]
    async fn json_errors_successes_and_the_app_are_left_alone() {
        let (status, headers, body) = call(request(Method::GET, "/api/nowhere", "")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            shape(status, &headers, &body, "not_found")["message"],
            "Rien ici."
        );

        let (status, _, body) = call(request(Method::GET, "/api/health", "")).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));

        let (status, headers, body) = call(request(Method::DELETE, "/page", "")).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert!(headers.get(header::CONTENT_TYPE).is_none());
        assert!(body.is_empty());
    }

    #[tokio::test]
    async fn json_rejections_name_the_field_but_never_repeat_the_value() {
        let (status, headers, body) = call(request(
            Method::POST,
            "/api/registrations",
            r#"{"consent": "<script>alert(1)</script>"}"#,
        ))
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let value = shape(status, &headers, &body, "bad_request");
        let message = value["message"].as_str().unwrap();
        assert!(message.contains("« consent »"), "{message}");
        assert!(
            !message.contains("script") && !message.contains("invalid type"),
            "{message}"
        );

        let (status, headers, body) = call(request(
            Method::POST,
            "/api/registrations",
            r#"{"first_name": "<script>"#,
        ))
        .await;
        let value = shape(status, &headers, &body, "bad_request");
        assert_eq!(
            value["message"],
            "Le contenu de la requête n'est pas un JSON valide."
        );
    }

    #[tokio::test]
    async fn query_rejections_name_the_parameter_but_never_repeat_the_value() {
        let (status, headers, body) =
            call(request(Method::GET, "/api/events?when=%3Cdemain%3E", "")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let value = shape(status, &headers, &body, "bad_request");
        assert_eq!(
            value["message"],
            "Le paramètre « when » n'a pas une valeur acceptée."
        );
        assert!(!body.contains("demain"), "{body}");
    }

    #[tokio::test]
    async fn a_document_keeps_the_stricter_policy_its_handler_set() {
        let strict = "default-src 'none'; style-src 'self'";
        let router = Router::new()
            .route(
                "/strict",
                get(move || async move {
                    (
                        [
                            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                            (header::CONTENT_SECURITY_POLICY, strict),
                        ],
                        "<!DOCTYPE html>",
                    )
                }),
            )
            .route(
                "/page",
                get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<!DOCTYPE html>") }),
            );
        let app = layers(router, false, Duration::from_secs(1), &[]);
        let policy = |path: &'static str| {
            let app = app.clone();
            async move {
                let request = Request::get(path).body(Body::empty()).unwrap();
                let response = app.oneshot(request).await.unwrap();
                assert_eq!(response.headers()[header::X_FRAME_OPTIONS], "DENY");
                response.headers()[header::CONTENT_SECURITY_POLICY].clone()
            }
        };
        assert_eq!(policy("/strict").await, strict);
        assert_eq!(policy("/page").await, content_security_policy(&[]).as_str());
    }

    #[test]
    fn the_json_content_type_may_carry_parameters() {
        let mut headers = HeaderMap::new();
        assert!(!is_json(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("Application/JSON; charset=utf-8"),
        );
        assert!(is_json(&headers));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert!(!is_json(&headers));
        let plain = (StatusCode::BAD_REQUEST, "Invalid URL: abc").into_response();
        assert_eq!(
            error_as_json(plain).headers()[header::CONTENT_TYPE],
            "application/json"
        );
    }
}
