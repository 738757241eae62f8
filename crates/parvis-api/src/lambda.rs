//! The Lambda side of the one router: the only module besides
//! `bin/parvis-lambda.rs` that knows about AWS.
//!
//! lambda_http turns each event into an HTTP request; the client's address
//! is in the event's request context (`requestContext.http.sourceIp` for a
//! function URL or an HTTP API, `requestContext.identity.sourceIp` for a
//! REST API), set by AWS and not by the client. It becomes the request's
//! peer address, so rate limits count real clients, never a header.

use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use lambda_http::RequestExt;
use lambda_http::request::RequestContext;

/// The source address AWS saw, if the event carries one.
pub fn source_ip(request: &Request) -> Option<IpAddr> {
    let text = match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => context.http.source_ip.as_deref(),
        RequestContext::ApiGatewayV1(context) => context.identity.source_ip.as_deref(),
        _ => None,
    }?;
    text.parse().ok()
}

/// The router as the Lambda function serves it.
pub fn router(app: Router) -> Router {
    app.layer(axum::middleware::map_request(
        |mut request: Request| async move {
            if let Some(ip) = source_ip(&request) {
                request
                    .extensions_mut()
                    .insert(ConnectInfo(SocketAddr::new(ip, 0)));
            }
            request
        },
    ))
}
