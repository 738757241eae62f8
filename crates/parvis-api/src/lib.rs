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
//! - [`seed`]: the demo content taken from the seed documents.
//! - [`token`]: personal tokens (random, stored hashed).

pub mod config;
pub mod error;
pub mod mail;
pub mod routes;
pub mod seed;
pub mod store;
pub mod token;

use std::path::Path;
use std::sync::Arc;

use axum::Router;
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
}

impl AppState {
    /// Builds the state from a store and the public address of the site.
    pub fn new(store: Arc<dyn Store>, public_url: &str) -> Self {
        Self {
            store,
            public_url: public_url.trim_end_matches('/').into(),
            outbox_wakeup: Arc::new(Notify::new()),
        }
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
