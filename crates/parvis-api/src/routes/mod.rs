//! The routes, one module per group, merged under `/api`.
//!
//! Unknown `/api/...` paths answer 404 in the JSON error shape, so the app's
//! own fallback (serving `index.html`) never swallows an API typo.

pub mod events;
pub mod health;
pub mod jobs;
pub mod manage;
pub mod publications;
pub mod registrations;

use axum::Router;
use axum::extract::DefaultBodyLimit;

use crate::AppState;
use crate::error::AppError;

/// Largest request body accepted (a registration form is well under 4 KiB).
pub const BODY_LIMIT: usize = 64 * 1024;

/// All routes under `/api`.
pub fn router() -> Router<AppState> {
    let api = Router::new()
        .merge(health::router())
        .merge(jobs::router())
        .merge(events::router())
        .merge(publications::router())
        .merge(registrations::router())
        .merge(manage::router())
        .fallback(|| async {
            AppError::NotFound("Cette adresse de l'API n'existe pas.".to_owned())
        })
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    Router::new().nest("/api", api)
}
