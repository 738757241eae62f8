//! The back-office's routes, under `/api/gestion`, in one table: each with
//! the guard it must apply ([`Guard`]). The table builds the router, and the
//! isolation tests walk it, so a route added without its guard fails them.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use chrono::Utc;
use parvis_core::api::FieldErrors;
use parvis_core::email::EmailAddress;
use parvis_core::registration::field;

use crate::AppState;
use crate::auth::{
    self, MAX_CODE_ATTEMPTS, SESSION_DAYS, SIGN_IN_EMAILS_PER_HOUR, SIGN_IN_MINUTES, SignedIn,
    member_of,
};
use crate::client::ClientIp;
use crate::error::{AppError, AppJson};
use crate::mail::sign_in::sign_in_email;
use crate::rate_limit;
use crate::routes::detached;
use crate::store::accounts::{Account, SignInSecrets};
use crate::token;
use parvis_core::gestion::{
    Accepted, AccountView, AuditLine, CodeSignIn, EndSessions, LinkSignIn, Me, MembershipView,
    OrganisationView, SessionLine, SignInRequest,
};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Anyone (the sign-in steps).
    Public,
    /// A live session; writing requests carry its CSRF proof.
    SignedIn,
    /// A member of the organisation named in the path (`{org}`).
    Member,
    /// An administrator of the organisation named in the path.
    Administrator,
}

/// One back-office route, as the table declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminRoute {
    /// Its method.
    pub method: Method,
    /// Its path under `/api` (`{org}` names the organisation).
    pub path: &'static str,
    /// Who may call it.
    pub guard: Guard,
}

fn route(method: Method, path: &'static str, guard: Guard) -> AdminRoute {
    AdminRoute {
        method,
        path,
        guard,
    }
}

const REGISTRANTS: &str = "/gestion/organisations/{org}/evenements/{slug}/inscrits";
const REGISTRANTS_CSV: &str = "/gestion/organisations/{org}/evenements/{slug}/inscrits/export.csv";
const REGISTRANTS_XLSX: &str =
    "/gestion/organisations/{org}/evenements/{slug}/inscrits/export.xlsx";
const REGISTRANTS_JSON: &str =
    "/gestion/organisations/{org}/evenements/{slug}/inscrits/export.json";

fn table() -> Vec<(AdminRoute, MethodRouter<AppState>)> {
    use Guard::*;
    let own = vec![
        (
            route(Method::POST, "/gestion/connexion", Public),
            post(request_sign_in),
        ),
        (
            route(Method::POST, "/gestion/connexion/lien", Public),
            post(sign_in_with_link),
        ),
        (
            route(Method::POST, "/gestion/connexion/code", Public),
            post(sign_in_with_code),
        ),
        (route(Method::GET, "/gestion/moi", SignedIn), get(me)),
        (
            route(Method::POST, "/gestion/deconnexion", SignedIn),
            post(sign_out),
        ),
        (
            route(Method::GET, "/gestion/sessions", SignedIn),
            get(sessions),
        ),
        (
            route(Method::POST, "/gestion/sessions/fermer", SignedIn),
            post(end_sessions),
        ),
        // An event's registrants and their exports (routes::registrants).
        (
            route(Method::GET, REGISTRANTS, Member),
            get(super::registrants::list),
        ),
        (
            route(Method::GET, REGISTRANTS_CSV, Member),
            get(super::registrants::export_csv),
        ),
        (
            route(Method::GET, REGISTRANTS_XLSX, Member),
            get(super::registrants::export_xlsx),
        ),
        (
            route(Method::GET, REGISTRANTS_JSON, Member),
            get(super::registrants::export_json),
        ),
        (
            route(
                Method::GET,
                "/gestion/organisations/{org}/journal",
                Administrator,
            ),
            get(audit_log),
        ),
    ];
    own.into_iter()
        .chain(super::equipe::table())
        .chain(super::reglages::table())
        .chain(super::annulation::table())
        .chain(super::evenements::table())
        .chain(super::presence::table())
        .chain(super::guichet::table())
        .chain(super::invitations::table())
        .chain(super::avis::table())
        .chain(super::avis_export::table())
        .chain(super::lettre::table())
        .chain(super::publications::table())
        .collect()
}

/// Every back-office route with its guard, as the router serves them.
pub fn admin_routes() -> Vec<AdminRoute> {
    table().into_iter().map(|(route, _)| route).collect()
}

/// The back-office's routes.
pub fn router() -> Router<AppState> {
    table()
        .into_iter()
        .fold(Router::new(), |router, (route, handler)| {
            router.route(route.path, handler)
        })
}

/// The shortest time a sign-in request takes to answer, known address or
/// not, so that its timing does not tell who has an account.
const SIGN_IN_ANSWER_TIME: std::time::Duration = std::time::Duration::from_millis(400);

fn check_rate(state: &AppState, client: std::net::IpAddr) -> Result<(), AppError> {
    state
        .limits
        .registrations
        .check(&rate_limit::client_key(client))
        .map_err(|wait| {
            AppError::too_many(
                format!("Trop de tentatives depuis votre adresse. Réessayez dans {wait} secondes."),
                wait,
            )
        })
}

fn email_field(text: &str) -> Result<EmailAddress, AppError> {
    EmailAddress::parse(text).map_err(|problem| {
        let mut errors = FieldErrors::default();
        errors.add(field::EMAIL, problem.to_string());
        AppError::Validation(errors)
    })
}

/// `POST /api/gestion/connexion`: emails a sign-in link and code to the
/// address if it has an account; the same answer, in the same time, if not.
async fn request_sign_in(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    AppJson(request): AppJson<SignInRequest>,
) -> Result<(StatusCode, Json<Accepted>), AppError> {
    let started = tokio::time::Instant::now();
    check_rate(&state, client)?;
    let email = email_field(&request.email)?;
    let link = token::generate()?;
    let code = token::sign_in_code()?;
    let now = Utc::now();
    let secrets = SignInSecrets {
        code_hash: token::code_hash(&link.hash, &code),
        link_hash: link.hash,
        expires_at: now + chrono::Duration::minutes(SIGN_IN_MINUTES),
    };
    let public_url = state.public_url.clone();
    let store = state.store.clone();
    let queued = detached(async move {
        let compose =
            move |account: &Account| sign_in_email(account, &link.token, &code, &public_url);
        store
            .request_sign_in(
                &email.key(),
                &secrets,
                SIGN_IN_EMAILS_PER_HOUR,
                &compose,
                now,
            )
            .await
    })
    .await?;
    if queued {
        state.email_queued().await;
    }
    tokio::time::sleep_until(started + SIGN_IN_ANSWER_TIME).await;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            message: "Si cette adresse a accès à l'espace de gestion, un e-mail vient d'y être envoyé avec un lien de connexion et un code, valables 15 minutes.".to_owned(),
        }),
    ))
}

/// What the back-office knows of whoever is signed in, and the ids of
/// their organisations (for the audit log).
async fn me_of(
    state: &AppState,
    account: &Account,
    csrf_token: String,
) -> Result<(Me, Vec<i64>), AppError> {
    let memberships = state.store.memberships(account.id).await?;
    let ids = memberships.iter().map(|m| m.organisation.id).collect();
    let me = Me {
        account: AccountView {
            email: account.email.clone(),
            name: account.name.clone(),
        },
        organisations: memberships
            .into_iter()
            .map(|m| MembershipView {
                organisation: OrganisationView {
                    slug: m.organisation.slug,
                    name: m.organisation.name,
                },
                role: m.role.as_str().to_owned(),
            })
            .collect(),
        csrf_token,
    };
    Ok((me, ids))
}

fn user_agent(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("navigateur inconnu")
        .chars()
        .take(200)
        .collect()
}

/// Opens a session for `account`: the cookie, and what `GET /moi` says.
async fn open_session(
    state: &AppState,
    account: Account,
    headers: &HeaderMap,
    how: &str,
) -> Result<Response, AppError> {
    let session = token::generate()?;
    let csrf_token = token::random_hex(32)?;
    let now = Utc::now();
    let agent = user_agent(headers);
    state
        .store
        .create_session(
            account.id,
            &session.hash,
            &csrf_token,
            &agent,
            now + chrono::Duration::days(SESSION_DAYS),
            now,
        )
        .await?;
    let (me, organisations) = me_of(state, &account, csrf_token).await?;
    for organisation in organisations {
        state
            .store
            .audit(
                Some(organisation),
                Some(account.id),
                "connexion",
                &format!("Connexion ({how}), {agent}"),
                now,
            )
            .await?;
    }
    let mut response = Json(me).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&auth::session_cookie(
            Some(&session.token),
            &state.public_url,
        ))
        .map_err(anyhow::Error::from)?,
    );
    Ok(response)
}

fn link_refused() -> AppError {
    AppError::BadRequest {
        status: StatusCode::UNAUTHORIZED,
        message: "Ce lien de connexion n'est plus valable : il a déjà servi ou a expiré. Demandez-en un nouveau.".to_owned(),
    }
}

/// `POST /api/gestion/connexion/lien`: the token of an emailed link.
async fn sign_in_with_link(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    AppJson(request): AppJson<LinkSignIn>,
) -> Result<Response, AppError> {
    check_rate(&state, client)?;
    let jeton = request.jeton.trim();
    if jeton.len() != 64 || !jeton.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(link_refused());
    }
    let account = state
        .store
        .use_sign_in_link(&token::hash(jeton), Utc::now())
        .await?
        .ok_or_else(link_refused)?;
    open_session(&state, account, &headers, "lien").await
}

/// `POST /api/gestion/connexion/code`: the address and the emailed code.
async fn sign_in_with_code(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    AppJson(request): AppJson<CodeSignIn>,
) -> Result<Response, AppError> {
    check_rate(&state, client)?;
    let email = email_field(&request.email)?;
    let code: String = request
        .code
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        let mut errors = FieldErrors::default();
        errors.add(
            "code",
            "Le code a 6 chiffres, comme dans l'e-mail reçu.".to_owned(),
        );
        return Err(AppError::Validation(errors));
    }
    let account = state
        .store
        .use_sign_in_code(&email.key(), &code, MAX_CODE_ATTEMPTS, Utc::now())
        .await?
        .ok_or_else(|| AppError::BadRequest {
            status: StatusCode::UNAUTHORIZED,
            message: format!(
                "Ce code n'est pas le bon, ou il a expiré : vérifiez-le, ou demandez un nouvel e-mail. Après {MAX_CODE_ATTEMPTS} essais, le code ne fonctionne plus."
            ),
        })?;
    open_session(&state, account, &headers, "code").await
}

/// `GET /api/gestion/moi`.
async fn me(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Json<Me>, AppError> {
    Ok(Json(
        me_of(&state, &session.account, session.csrf_token).await?.0,
    ))
}

fn cookie_cleared(state: &AppState, status: StatusCode) -> Result<Response, AppError> {
    let mut response = status.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&auth::session_cookie(None, &state.public_url))
            .map_err(anyhow::Error::from)?,
    );
    Ok(response)
}

/// `POST /api/gestion/deconnexion`: ends this session.
async fn sign_out(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Response, AppError> {
    state
        .store
        .revoke_sessions(session.account.id, Some(session.id), Utc::now())
        .await?;
    cookie_cleared(&state, StatusCode::NO_CONTENT)
}

/// `GET /api/gestion/sessions`: where this account is signed in.
async fn sessions(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Json<Vec<SessionLine>>, AppError> {
    let lines = state
        .store
        .sessions_of(session.account.id, Utc::now())
        .await?
        .into_iter()
        .map(|s| SessionLine {
            current: s.id == session.id,
            id: s.id,
            user_agent: s.user_agent,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
        })
        .collect();
    Ok(Json(lines))
}

/// `POST /api/gestion/sessions/fermer`.
async fn end_sessions(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    AppJson(request): AppJson<EndSessions>,
) -> Result<Response, AppError> {
    state
        .store
        .revoke_sessions(session.account.id, request.session, Utc::now())
        .await?;
    if request.session.is_none_or(|id| id == session.id) {
        cookie_cleared(&state, StatusCode::NO_CONTENT)
    } else {
        Ok(StatusCode::NO_CONTENT.into_response())
    }
}

/// `GET /api/gestion/organisations/{org}/journal`: administrators only.
async fn audit_log(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(org): Path<String>,
) -> Result<Json<Vec<AuditLine>>, AppError> {
    let membership = member_of(&state, &session, &org, true).await?;
    let entries = state
        .store
        .audit_log(membership.organisation.id, 200)
        .await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| AuditLine {
                at: e.at,
                who: e.who,
                action: e.action,
                detail: e.detail,
            })
            .collect(),
    ))
}
