//! `GET /api/publications`: the study reports.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use parvis_core::api::Publication;

use crate::AppState;
use crate::error::AppError;

/// The publications route.
pub fn router() -> Router<AppState> {
    Router::new().route("/publications", get(list))
}

async fn list(State(state): State<AppState>) -> Result<Json<Vec<Publication>>, AppError> {
    Ok(Json(state.store.list_publications().await?))
}
