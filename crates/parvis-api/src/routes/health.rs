//! `GET /api/health`: answers 200 when the database answers.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::AppState;
use crate::error::AppError;

/// The health route.
pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

async fn health(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    state.store.is_empty().await?;
    Ok(Json(json!({ "status": "ok" })))
}
