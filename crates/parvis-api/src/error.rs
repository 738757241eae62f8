//! The endpoint's one error type and its JSON shape `{code, message, fields}`.
//!
//! Internal errors become an opaque 500 whose detail is logged, never sent.
//! Malformed JSON, a missing content type, an oversized or late body get the
//! same shape through the [`AppJson`] extractor. Their messages are French
//! and never repeat what was sent (nor serde's or axum's wording): at most
//! they name the offending field or parameter. Errors produced by axum
//! itself (405, path rejections...) are put in the shape by
//! [`crate::http`], with [`status_code`] and [`status_message`].

use std::error::Error as StdError;

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
    /// 400, 401, 408, 413, 415: the request itself is unreadable, late or
    /// unauthorised.
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

/// The stable `code` of an error status, for answers that have no more
/// precise one.
pub fn status_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_ACCEPTABLE => "not_acceptable",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::CONFLICT => "conflict",
        StatusCode::LENGTH_REQUIRED => "length_required",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::URI_TOO_LONG => "uri_too_long",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "validation",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "headers_too_large",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        StatusCode::GATEWAY_TIMEOUT => "timeout",
        status if status.is_server_error() => "internal",
        _ => "bad_request",
    }
}

/// A French sentence for an error status, for answers that have no more
/// precise one.
pub fn status_message(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNAUTHORIZED => "Accès non autorisé.",
        StatusCode::FORBIDDEN => "Accès refusé.",
        StatusCode::NOT_FOUND => "Cette adresse de l'API n'existe pas.",
        StatusCode::METHOD_NOT_ALLOWED => {
            "Cette méthode HTTP n'est pas acceptée à cette adresse (voir l'en-tête Allow)."
        }
        StatusCode::NOT_ACCEPTABLE => "Le format de réponse demandé n'est pas disponible.",
        StatusCode::REQUEST_TIMEOUT => {
            "La requête n'est pas arrivée à temps : la connexion est peut-être trop lente. \
             Réessayez."
        }
        StatusCode::CONFLICT => "La requête est en conflit avec l'état actuel des données.",
        StatusCode::LENGTH_REQUIRED => "La requête doit indiquer sa longueur (Content-Length).",
        StatusCode::PAYLOAD_TOO_LARGE => "La requête est trop volumineuse.",
        StatusCode::URI_TOO_LONG => "L'adresse demandée est trop longue.",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "Ce format de contenu n'est pas accepté.",
        StatusCode::UNPROCESSABLE_ENTITY => "La requête contient des valeurs non valides.",
        StatusCode::TOO_MANY_REQUESTS => "Trop de tentatives. Réessayez dans quelques instants.",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => {
            "Les en-têtes de la requête sont trop longs."
        }
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => {
            "Le service est momentanément indisponible. Réessayez dans quelques instants."
        }
        status if status.is_server_error() => {
            "Une erreur interne est survenue. Réessayez dans quelques instants."
        }
        _ => "La requête n'est pas valide.",
    }
}

/// The errors `error` is made of, itself first.
fn chain<'a>(
    error: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(error), |&error| error.source())
}

/// The top-level field a deserialisation error is about, when serde tracked
/// it: only its name, never the value sent. A name that does not look like
/// one of the contract's field names (a key of a free map, say) is not
/// repeated either.
fn offending_field(error: &(dyn StdError + 'static)) -> Option<String> {
    let path = chain(error).find_map(|error| {
        error
            .downcast_ref::<serde_path_to_error::Error<serde_json::Error>>()
            .map(serde_path_to_error::Error::path)
            .or_else(|| {
                error
                    .downcast_ref::<serde_path_to_error::Error<serde::de::value::Error>>()
                    .map(serde_path_to_error::Error::path)
            })
    })?;
    match path.iter().next()? {
        serde_path_to_error::Segment::Map { key }
            if (1..=40).contains(&key.len())
                && key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') =>
        {
            Some(key.clone())
        }
        _ => None,
    }
}

/// True when the body did not arrive within the body timeout of
/// [`crate::http`].
fn is_body_timeout(error: &(dyn StdError + 'static)) -> bool {
    chain(error).any(|error| error.is::<tower_http::timeout::TimeoutError>())
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let (status, message) = match &rejection {
            JsonRejection::MissingJsonContentType(_) => (
                status,
                "La requête doit être envoyée au format JSON (Content-Type: application/json)."
                    .to_owned(),
            ),
            JsonRejection::BytesRejection(_) if status == StatusCode::PAYLOAD_TOO_LARGE => (
                status,
                "La requête est trop volumineuse (64 Kio au maximum).".to_owned(),
            ),
            JsonRejection::BytesRejection(_) if is_body_timeout(&rejection) => (
                StatusCode::REQUEST_TIMEOUT,
                status_message(StatusCode::REQUEST_TIMEOUT).to_owned(),
            ),
            JsonRejection::JsonDataError(error) => (
                status,
                match offending_field(error) {
                    Some(field) => format!(
                        "Le contenu JSON ne correspond pas au formulaire attendu : le champ « {field} » n'a pas le type ou la valeur attendus."
                    ),
                    None => "Le contenu JSON ne correspond pas au formulaire attendu.".to_owned(),
                },
            ),
            _ => (
                status,
                "Le contenu de la requête n'est pas un JSON valide.".to_owned(),
            ),
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
        let message = match offending_field(&rejection) {
            Some(name) => format!("Le paramètre « {name} » n'a pas une valeur acceptée."),
            None => "Les paramètres de recherche ne sont pas valides.".to_owned(),
        };
        AppError::BadRequest {
            status: StatusCode::BAD_REQUEST,
            message,
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
                // The fields' names, each once: a registration's, else the
                // event editor's (« Date 1 › Jour »); others go unnamed.
                let mut names: Vec<String> = Vec::new();
                for key in fields.0.keys() {
                    let name = match parvis_core::registration::field_label(key) {
                        "Champ" => parvis_core::editor::describe(key),
                        known => Some(known.to_owned()),
                    };
                    if let Some(name) = name
                        && !names.contains(&name)
                    {
                        names.push(name);
                    }
                }
                let message = if names.is_empty() {
                    "Le formulaire contient des erreurs : voyez les champs signalés.".to_owned()
                } else {
                    format!("Le formulaire contient des erreurs : {}.", names.join(", "))
                };
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation",
                    message,
                    fields,
                )
            }
            AppError::Conflict { code, message } => {
                (StatusCode::CONFLICT, code, message, FieldErrors::default())
            }
            AppError::BadRequest { status, message } => {
                (status, status_code(status), message, FieldErrors::default())
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
                    status_message(StatusCode::INTERNAL_SERVER_ERROR).to_owned(),
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
