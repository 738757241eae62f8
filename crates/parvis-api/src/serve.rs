//! The local server's HTTP loop: axum's router on hyper's HTTP/1.1, with the
//! limits a server facing the internet needs.
//!
//! - a connection that has not sent a whole request head within
//!   `PARVIS_HEADER_TIMEOUT_SECONDS` (10 s) is closed; the same deadline
//!   applies to an idle keep-alive connection waiting for its next request;
//! - a request body must arrive within `PARVIS_BODY_TIMEOUT_SECONDS` (see
//!   [`crate::http`]);
//! - at most `PARVIS_MAX_CONNECTIONS` (512) connections are served at once;
//!   further ones wait in the kernel's accept backlog;
//! - every socket has `TCP_NODELAY`, so a response written in several
//!   pieces is not held back by Nagle's algorithm;
//! - on shutdown, connections finish their current request.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// The server's connection limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deadline for a whole request head, and for an idle connection.
    pub header_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

impl Limits {
    /// The limits the configuration sets.
    pub fn from_config(config: &crate::Config) -> Self {
        Self {
            header_timeout: config.header_timeout,
            max_connections: config.max_connections,
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit?,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait, go on.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY");
        }
        let service = app
            .clone()
            .map_request(move |mut request: axum::http::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            });
        let connection =
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    // Give running requests a moment; then stop anyway.
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => {
            tracing::warn!("connections still open after 10 s: stopping anyway");
        }
    }
    Ok(())
}
