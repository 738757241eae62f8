//! The endpoint's one error type and its JSON shape `{code, message, fields}`.
//!
//! Internal errors become an opaque 500 whose detail is logged, never sent.
//! Malformed JSON, a missing content type or an oversized body get the same
//! shape through the [`AppJson`] extractor.

use axum::extract::FromRequest;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use parvis_core::api::{ApiError, FieldErrors};

/// Every way a request can fail.
#[derive(Debug)]
pub enum AppError {
    /// 404: nothing at this address.
    NotFound(String),
    /// 422: fields are missing or invalid.
    Validation(FieldErrors),
    /// 409: the request is valid but the event does not allow it now.
    Conflict {
        /// Stable code (`registration_closed`...).
        code: &'static str,
        /// French explanation.
        message: String,
    },
    /// 400, 401, 413, 415: the request itself is unreadable or unauthorised.
    BadRequest {
        /// The status to answer with.
        status: StatusCode,
        /// French explanation.
        message: String,
    },
    /// 429: too many attempts; `Retry-After` says when to come back.
    TooMany {
        /// French explanation.
        message: String,
        /// Seconds to wait.
        retry_after: u64,
    },
    /// 500: a bug or an unavailable database; detail is logged only.
    Internal(anyhow::Error),
}

impl AppError {
    /// A 429 with its French message and the seconds to wait.
    pub fn too_many(message: String, retry_after: u64) -> Self {
        AppError::TooMany {
            message,
            retry_after,
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        AppError::Internal(error)
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let message = match &rejection {
            JsonRejection::MissingJsonContentType(_) => {
                "La requête doit être envoyée au format JSON (Content-Type: application/json)."
                    .to_owned()
            }
            JsonRejection::BytesRejection(_) if status == StatusCode::PAYLOAD_TOO_LARGE => {
                "La requête est trop volumineuse (64 Kio au maximum).".to_owned()
            }
            JsonRejection::JsonDataError(error) => format!(
                "Le contenu JSON ne correspond pas au formulaire attendu : {}",
                error.body_text()
            ),
            _ => "Le contenu de la requête n'est pas un JSON valide.".to_owned(),
        };
        // A JSON document of the wrong shape is a client error like a syntax
        // error: the contract says 400 for both.
        let status = if status == StatusCode::UNPROCESSABLE_ENTITY {
            StatusCode::BAD_REQUEST
        } else {
            status
        };
        AppError::BadRequest { status, message }
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        AppError::BadRequest {
            status: StatusCode::BAD_REQUEST,
            message: format!(
                "Les paramètres de recherche ne sont pas valides : {}",
                rejection.body_text()
            ),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, message, fields) = match self {
            AppError::NotFound(message) => (
                StatusCode::NOT_FOUND,
                "not_found",
                message,
                FieldErrors::default(),
            ),
            AppError::Validation(fields) => {
                let names: Vec<&str> = fields
                    .0
                    .keys()
                    .map(|name| parvis_core::registration::field_label(name))
                    .collect();
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation",
                    format!("Le formulaire contient des erreurs : {}.", names.join(", ")),
                    fields,
                )
            }
            AppError::Conflict { code, message } => {
                (StatusCode::CONFLICT, code, message, FieldErrors::default())
            }
            AppError::BadRequest { status, message } => {
                let code = match status {
                    StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
                    StatusCode::UNAUTHORIZED => "unauthorized",
                    StatusCode::TOO_MANY_REQUESTS => "rate_limited",
                    _ => "bad_request",
                };
                (status, code, message, FieldErrors::default())
            }
            AppError::TooMany {
                message,
                retry_after,
            } => {
                let body = ApiError {
                    code: "rate_limited".to_owned(),
                    message,
                    fields: FieldErrors::default(),
                };
                let mut response =
                    (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, retry_after.max(1).into());
                return response;
            }
            AppError::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Une erreur interne est survenue. Réessayez dans quelques instants.".to_owned(),
                    FieldErrors::default(),
                )
            }
        };
        let body = ApiError {
            code: code.to_owned(),
            message,
            fields,
        };
        (status, axum::Json(body)).into_response()
    }
}

/// `axum::Json`, with rejections turned into the one error shape.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct AppJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}
