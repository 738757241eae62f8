//! The routes, one module per group, merged under `/api`.
//!
//! Unknown `/api/...` paths answer 404 in the JSON error shape, so the app's
//! own fallback (serving `index.html`) never swallows an API typo.

pub mod annulation;
pub mod avis;
pub mod avis_export;
pub mod equipe;
pub mod evenements;
pub mod events;
pub mod flux;
pub mod gestion;
pub mod guichet;
pub mod health;
pub mod invitations;
pub mod jobs;
pub mod lettre;
pub mod manage;
pub mod presence;
pub mod publications;
pub mod registrants;
pub mod registrations;
pub mod reglages;

use axum::Router;
use axum::extract::DefaultBodyLimit;

use crate::AppState;
use crate::error::AppError;

/// Largest request body accepted (a registration form is well under 4 KiB).
pub const BODY_LIMIT: usize = 64 * 1024;

/// Runs a write to completion on its own task, whatever happens to the
/// request: when a client disconnects, axum drops the handler's future, and
/// a transaction dropped halfway must never be what a later request finds.
/// The spawned task commits or rolls back; only its answer is lost.
pub async fn detached<T: Send + 'static>(
    work: impl std::future::Future<Output = anyhow::Result<T>> + Send + 'static,
) -> Result<T, AppError> {
    match tokio::spawn(work).await {
        Ok(result) => Ok(result?),
        Err(error) => Err(AppError::Internal(anyhow::anyhow!(
            "a write task failed: {error}"
        ))),
    }
}

/// All routes under `/api`.
pub fn router() -> Router<AppState> {
    let api = Router::new()
        .merge(health::router())
        .merge(jobs::router())
        .merge(events::router())
        .merge(flux::router())
        .merge(publications::router())
        .merge(registrations::router())
        .merge(invitations::router())
        .merge(lettre::router())
        .merge(manage::router())
        .merge(avis::router())
        .merge(gestion::router())
        .fallback(|| async {
            AppError::NotFound("Cette adresse de l'API n'existe pas.".to_owned())
        })
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    Router::new().nest("/api", api)
}
