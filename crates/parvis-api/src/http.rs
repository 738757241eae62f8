//! What every answer gets, API and app alike: security headers, a request
//! log line, and a deadline for receiving the request body.
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

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::AppState;

/// The headers added to every answer.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    fixed: Vec<(HeaderName, HeaderValue)>,
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

impl SecurityHeaders {
    /// The headers for a site at `https` or not, with these inline scripts.
    pub fn new(https: bool, script_hashes: &[String]) -> Self {
        let value = |text: &str| HeaderValue::from_str(text).expect("a valid header value");
        let mut fixed = vec![
            (
                header::CONTENT_SECURITY_POLICY,
                value(&content_security_policy(script_hashes)),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, value("nosniff")),
            (header::X_FRAME_OPTIONS, value("DENY")),
            (header::REFERRER_POLICY, value("no-referrer")),
            (
                HeaderName::from_static("permissions-policy"),
                value(
                    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), \
                     interest-cohort=(), browsing-topics=()",
                ),
            ),
            (
                HeaderName::from_static("cross-origin-opener-policy"),
                value("same-origin"),
            ),
        ];
        if https {
            fixed.push((
                header::STRICT_TRANSPORT_SECURITY,
                value("max-age=63072000; includeSubDomains"),
            ));
        }
        Self { fixed }
    }
}

async fn add_headers(
    State(headers): State<Arc<SecurityHeaders>>,
    request: Request,
    next: Next,
) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    let map = response.headers_mut();
    for (name, value) in &headers.fixed {
        map.insert(name.clone(), value.clone());
    }
    if api && !map.contains_key(header::CACHE_CONTROL) {
        map.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
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
    let headers = Arc::new(SecurityHeaders::new(state.is_https(), script_hashes));
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
    router
        .layer(RequestBodyTimeoutLayer::new(state.body_timeout))
        .layer(trace)
        .layer(middleware::from_fn_with_state(headers, add_headers))
}
