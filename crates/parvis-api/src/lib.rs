//! The Parvis endpoint: one axum [`Router`] over a [`Store`], plus the email
//! outbox and its delivery worker.
//!
//! The binaries in `src/bin/` are thin: they read [`Config`], open the store,
//! start the outbox worker and hand [`router`] to a server. Everything else
//! is here so tests can call it in-process (`tower::ServiceExt::oneshot`) or
//! over real HTTP on port 0.
//!
//! - [`config`]: settings from the environment.
//! - [`error`]: the one error type and its JSON shape.
//! - [`routes`]: one module per group of routes.
//! - [`store`]: the storage trait and its SQLite implementation.
//! - [`mail`]: composing, queueing and delivering emails.
//! - [`jobs`]: scheduled work (outbox delivery), run locally by a
//!   background task or remotely through `POST /api/jobs/run`.
//! - [`seed`]: the demo content taken from the seed documents.
//! - [`token`]: personal tokens (random, stored hashed).
//! - [`rate_limit`]: registration attempts per client address.

pub mod config;
pub mod error;
pub mod jobs;
pub mod mail;
pub mod rate_limit;
pub mod routes;
pub mod seed;
pub mod store;
pub mod token;

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use mail::transport::Mailer;
use tokio::sync::Notify;
use tower_http::services::{ServeDir, ServeFile};

pub use config::Config;
pub use store::Store;

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<dyn Store>,
    /// Base address of the site, for links in emails (no trailing slash).
    pub public_url: Arc<str>,
    /// Woken whenever an email is queued, so delivery starts at once.
    pub outbox_wakeup: Arc<Notify>,
    /// How emails leave.
    pub mailer: Arc<dyn Mailer>,
    /// Secret of `POST /api/jobs/run`; the route answers 404 without it.
    pub jobs_token: Option<Arc<str>>,
    /// Registration attempts per client address.
    pub rate_limiter: Arc<rate_limit::RateLimiter>,
}

impl AppState {
    /// Builds the state from a store, the public address of the site and a
    /// mail transport.
    pub fn new(store: Arc<dyn Store>, public_url: &str, mailer: Arc<dyn Mailer>) -> Self {
        Self {
            store,
            public_url: public_url.trim_end_matches('/').into(),
            outbox_wakeup: Arc::new(Notify::new()),
            mailer,
            jobs_token: None,
            rate_limiter: Arc::new(rate_limit::RateLimiter::new(0)),
        }
    }

    /// Limits registration attempts per client address and minute (0: off).
    pub fn with_rate_limit(mut self, per_minute: u32) -> Self {
        self.rate_limiter = Arc::new(rate_limit::RateLimiter::new(per_minute));
        self
    }

    /// Enables `POST /api/jobs/run` with this shared secret.
    pub fn with_jobs_token(mut self, token: Option<&str>) -> Self {
        self.jobs_token = token.filter(|t| !t.is_empty()).map(Arc::from);
        self
    }

    /// Builds everything from the configuration: store (SQLite or
    /// PostgreSQL), mail transport (files or SMTP), jobs secret.
    pub async fn from_config(config: &Config) -> anyhow::Result<Self> {
        let store = store::open(config).await?;
        let mailer = mail::transport::from_config(config)?;
        Ok(Self::new(store, &config.public_url, mailer)
            .with_jobs_token(config.jobs_token.as_deref()))
    }
}

/// The whole API, under `/api`.
pub fn router(state: AppState) -> Router {
    routes::router().with_state(state)
}

/// The API plus the built app served as static files, with every other path
/// answered by `index.html` so the app's own routes work on reload.
pub fn router_with_app(state: AppState, app_dir: &Path) -> Router {
    let index = ServeFile::new(app_dir.join("index.html"));
    router(state).fallback_service(ServeDir::new(app_dir).not_found_service(index))
}
