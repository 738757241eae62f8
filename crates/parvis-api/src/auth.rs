//! Who is signed in to the back-office, and what they may touch.
//!
//! - Sign-in is password-less: an emailed one-time link (its token travels
//!   in the address's fragment, so it never reaches a server log), plus a
//!   6-digit code for when the link opens in another browser. Both work
//!   once, for [`SIGN_IN_MINUTES`] minutes; wrong codes are counted.
//! - A session is a row of `account_sessions` named by the hash of a random
//!   token kept in an `HttpOnly`, `SameSite=Lax` cookie (`Secure` over
//!   https): it can be listed and revoked.
//! - Every writing request carries the session's CSRF proof in the
//!   `x-parvis-csrf` header ([`SignedIn`] checks it); JSON bodies only, so a
//!   cross-site form cannot even reach the sign-in routes.
//! - An organisation's routes answer 404 to whoever is not a member
//!   ([`member_of`]): another organisation's data does not even exist.
//! - An event's routes (`…/{org}/evenements/{slug}/…`) begin with
//!   [`MemberEvent`]: signed in, a member of `{org}`, and `{slug}` one of
//!   its events; another organisation's event answers 404 as an unknown one.

use std::collections::HashMap;
use std::marker::PhantomData;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use chrono::Utc;

use crate::AppState;
use crate::error::AppError;
use crate::store::EventRecord;
use crate::store::accounts::{Membership, Role, Session};
use crate::token;

/// How long a sign-in link and its code work.
pub const SIGN_IN_MINUTES: i64 = 15;
/// Wrong codes tried on one request before it stops working.
pub const MAX_CODE_ATTEMPTS: u32 = 5;
/// Sign-in emails one address may receive in an hour.
pub const SIGN_IN_EMAILS_PER_HOUR: u32 = 5;
/// How long a session lasts.
pub const SESSION_DAYS: i64 = 30;
/// The session cookie's name.
pub const SESSION_COOKIE: &str = "parvis_session";
/// The header carrying the CSRF proof.
pub const CSRF_HEADER: &str = "x-parvis-csrf";

fn unauthorized() -> AppError {
    AppError::BadRequest {
        status: StatusCode::UNAUTHORIZED,
        message: "Connectez-vous pour accéder à l'espace de gestion.".to_owned(),
    }
}

/// The session cookie's token, if the request has one.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The `Set-Cookie` value that opens a session (or, with `None`, ends it).
pub fn session_cookie(token: Option<&str>, public_url: &str) -> String {
    let secure = if public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    match token {
        Some(token) => format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            SESSION_DAYS * 24 * 3600
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    }
}

/// Compares two secrets in a time that does not depend on where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A signed-in request: 401 without a live session, 403 when a writing
/// request lacks the session's CSRF proof.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Session);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = session_token(&parts.headers).ok_or_else(unauthorized)?;
        let session = state
            .store
            .session(&token::hash(&token), Utc::now())
            .await?
            .ok_or_else(unauthorized)?;
        let reads = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !reads {
            let proof = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            if !same_secret(proof, &session.csrf_token) {
                return Err(AppError::BadRequest {
                    status: StatusCode::FORBIDDEN,
                    message: "La preuve de la session manque (en-tête x-parvis-csrf) : rechargez la page.".to_owned(),
                });
            }
        }
        Ok(SignedIn(session))
    }
}

/// The membership of the signed-in account in the organisation `slug`:
/// 404 when it is not a member (or, with `admin`, not an administrator), as
/// if the organisation did not exist.
pub async fn member_of(
    state: &AppState,
    session: &Session,
    slug: &str,
    admin: bool,
) -> Result<Membership, AppError> {
    state
        .store
        .memberships(session.account.id)
        .await?
        .into_iter()
        .find(|m| m.organisation.slug == slug && (!admin || m.role == Role::Administrateur))
        .ok_or_else(|| AppError::NotFound("Cette organisation n'existe pas.".to_owned()))
}

/// Writes what the signed-in member did in their organisation's audit log.
pub async fn audit(
    state: &AppState,
    membership: &Membership,
    session: &Session,
    action: &str,
    detail: &str,
) -> Result<(), AppError> {
    state
        .store
        .audit(
            Some(membership.organisation.id),
            Some(session.account.id),
            action,
            detail,
            Utc::now(),
        )
        .await?;
    Ok(())
}

/// The 404 message of an event's routes when `{slug}` is not one of the
/// organisation's events (each capability keeps its own wording).
pub trait UnknownEvent {
    const MESSAGE: &'static str;
}

/// « Cet événement n'existe pas. »
#[derive(Debug, Clone, Copy)]
pub struct AnyEvent;

impl UnknownEvent for AnyEvent {
    const MESSAGE: &'static str = "Cet événement n'existe pas.";
}

/// The prologue of an event's routes: the signed-in member ([`SignedIn`]:
/// 401 without a session, 403 without the CSRF proof on writes), their
/// organisation named by the path's `{org}` ([`member_of`]: 404 if they are
/// not in it) and its event named by `{slug}` (404 with `U`'s message if it
/// is another's or unknown). Paths may have more segments (`{id}`,
/// `{session}`…): the handler reads them itself.
#[derive(Debug, Clone)]
pub struct MemberEvent<U = AnyEvent> {
    pub session: Session,
    pub membership: Membership,
    pub event: EventRecord,
    pub unknown: PhantomData<U>,
}

impl<U: UnknownEvent + Send + Sync> FromRequestParts<AppState> for MemberEvent<U> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let unknown = || AppError::NotFound(U::MESSAGE.to_owned());
        let SignedIn(session) = SignedIn::from_request_parts(parts, state).await?;
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| unknown())?;
        let (Some(org), Some(slug)) = (params.get("org"), params.get("slug")) else {
            return Err(unknown());
        };
        let membership = member_of(state, &session, org, false).await?;
        let event = state
            .store
            .organisation_event(membership.organisation.id, slug)
            .await?
            .ok_or_else(unknown)?;
        Ok(Self {
            session,
            membership,
            event,
            unknown: PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_http_only_lax_and_secure_over_https() {
        let cookie = session_cookie(Some(&"a".repeat(64)), "https://parvis.example.org");
        assert!(cookie.contains("; HttpOnly; SameSite=Lax;"), "{cookie}");
        assert!(cookie.ends_with("; Secure"), "{cookie}");
        assert!(!session_cookie(Some("x"), "http://127.0.0.1:8080").contains("Secure"));
        assert!(session_cookie(None, "http://x").contains("Max-Age=0"));
    }

    #[test]
    fn only_a_well_formed_session_cookie_is_read() {
        let mut headers = HeaderMap::new();
        let token = "0123456789abcdef".repeat(4);
        headers.insert(
            header::COOKIE,
            format!("autre=1; {SESSION_COOKIE}={token}")
                .parse()
                .unwrap(),
        );
        assert_eq!(session_token(&headers), Some(token));
        headers.insert(
            header::COOKIE,
            format!("{SESSION_COOKIE}=court").parse().unwrap(),
        );
        assert_eq!(session_token(&headers), None);
    }

    #[test]
    fn secrets_are_compared_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
