//! `POST /api/jobs/run`: runs the scheduled jobs once, for deployments
//! without a long-running process (a scheduler calls it every minute).
//!
//! It requires `Authorization: Bearer {PARVIS_JOBS_TOKEN}`, compared in
//! constant time; without a configured token the route does not exist (404).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use axum::{Json, Router};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::AppError;
use crate::jobs::{self, JobReport};

/// The jobs route.
pub fn router() -> Router<AppState> {
    Router::new().route("/jobs/run", post(run))
}

/// Compares two secrets in time independent of where they differ. Both are
/// hashed first, so their lengths leak nothing either.
pub fn same_secret(given: &str, expected: &str) -> bool {
    let (a, b) = (
        Sha256::digest(given.as_bytes()),
        Sha256::digest(expected.as_bytes()),
    );
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// The token of an `Authorization: Bearer …` value; the scheme is
/// case-insensitive (RFC 9110, 11.1).
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

#[tracing::instrument(skip_all)]
async fn run(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<JobReport>, AppError> {
    let Some(expected) = state.jobs_token.as_deref() else {
        return Err(AppError::NotFound(
            "Cette adresse de l'API n'existe pas.".to_owned(),
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(bearer_token)
        .unwrap_or_default();
    if !same_secret(given, expected) {
        return Err(AppError::BadRequest {
            status: StatusCode::UNAUTHORIZED,
            message: "Jeton d'accès aux tâches planifiées absent ou invalide.".to_owned(),
        });
    }
    Ok(Json(jobs::run_once(&state).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_by_content() {
        assert!(same_secret("s3cret", "s3cret"));
        assert!(!same_secret("s3cret", "s3cres"));
        assert!(!same_secret("", "s3cret"));
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
    }
}
