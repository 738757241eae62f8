//! An organisation's team, managed by its administrators: who signs in to
//! its back-office, as administrator or organiser. Every change is in the
//! audit log. These routes join the back-office's table
//! ([`super::gestion::admin_routes`]).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::routing::{MethodRouter, get, post};
use chrono::Utc;
use parvis_core::api::FieldErrors;
use parvis_core::email::EmailAddress;
use parvis_core::gestion::{MemberLine, MemberRequest, RemoveMember};
use parvis_core::registration::field;
use parvis_core::text::ShortText;

use super::gestion::{AdminRoute, Guard};
use crate::AppState;
use crate::auth::{SignedIn, member_of};
use crate::error::{AppError, AppJson};
use crate::store::accounts::{Role, Session};

/// The team's routes, with their guard.
pub fn table() -> Vec<(AdminRoute, MethodRouter<AppState>)> {
    vec![
        (
            AdminRoute {
                method: Method::GET,
                path: "/gestion/organisations/{org}/equipe",
                guard: Guard::Administrator,
            },
            get(team),
        ),
        (
            AdminRoute {
                method: Method::POST,
                path: "/gestion/organisations/{org}/equipe",
                guard: Guard::Administrator,
            },
            post(add_member),
        ),
        (
            AdminRoute {
                method: Method::POST,
                path: "/gestion/organisations/{org}/equipe/retirer",
                guard: Guard::Administrator,
            },
            post(remove_member),
        ),
    ]
}

async fn lines(state: &AppState, organisation_id: i64) -> Result<Vec<MemberLine>, AppError> {
    Ok(state
        .store
        .members(organisation_id)
        .await?
        .into_iter()
        .map(|(account, role)| MemberLine {
            email: account.email,
            name: account.name,
            role: role.as_str().to_owned(),
        })
        .collect())
}

/// Writes a change of the team in the organisation's audit log.
async fn journal(
    state: &AppState,
    organisation_id: i64,
    session: &Session,
    detail: &str,
) -> Result<(), AppError> {
    Ok(state
        .store
        .audit(
            Some(organisation_id),
            Some(session.account.id),
            "equipe",
            detail,
            Utc::now(),
        )
        .await?)
}

/// `GET …/equipe`.
async fn team(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(org): Path<String>,
) -> Result<Json<Vec<MemberLine>>, AppError> {
    let membership = member_of(&state, &session, &org, true).await?;
    Ok(Json(lines(&state, membership.organisation.id).await?))
}

/// `POST …/equipe`: adds someone, or changes their role.
async fn add_member(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(org): Path<String>,
    AppJson(request): AppJson<MemberRequest>,
) -> Result<(StatusCode, Json<Vec<MemberLine>>), AppError> {
    let membership = member_of(&state, &session, &org, true).await?;
    let mut errors = FieldErrors::default();
    let email = EmailAddress::parse(&request.email)
        .map_err(|e| errors.add(field::EMAIL, e.to_string()))
        .ok();
    let name = ShortText::parse(&request.name, 120)
        .map_err(|_| {
            errors.add(
                "name",
                "Indiquez le nom de la personne (120 caractères au plus, sans adresse).".to_owned(),
            )
        })
        .ok();
    let role = Role::parse(&request.role);
    if role.is_none() {
        errors.add(
            "role",
            "Choisissez le rôle : administrateur ou organisateur.".to_owned(),
        );
    }
    let (Some(email), Some(name), Some(role)) = (email, name, role) else {
        return Err(AppError::Validation(errors));
    };
    let now = Utc::now();
    let organisation = membership.organisation;
    let account = state
        .store
        .account_for(email.as_str(), name.as_str(), now)
        .await?;
    state
        .store
        .set_member(organisation.id, account.id, role, now)
        .await?;
    journal(
        &state,
        organisation.id,
        &session,
        &format!("{} : {}", account.email, role.as_str()),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(lines(&state, organisation.id).await?),
    ))
}

/// `POST …/equipe/retirer`: never the last administrator.
async fn remove_member(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(org): Path<String>,
    AppJson(request): AppJson<RemoveMember>,
) -> Result<Json<Vec<MemberLine>>, AppError> {
    let membership = member_of(&state, &session, &org, true).await?;
    let organisation = membership.organisation;
    let key = EmailAddress::parse(&request.email)
        .map_err(|e| {
            let mut errors = FieldErrors::default();
            errors.add(field::EMAIL, e.to_string());
            AppError::Validation(errors)
        })?
        .key();
    let member = state
        .store
        .members(organisation.id)
        .await?
        .into_iter()
        .find(|(account, _)| account.email.to_lowercase() == key)
        .ok_or_else(|| {
            AppError::NotFound("Cette personne ne fait pas partie de l'équipe.".to_owned())
        })?;
    if !state
        .store
        .remove_member(organisation.id, member.0.id)
        .await?
    {
        return Err(AppError::Conflict {
            code: "last_administrator",
            message: "C'est le dernier administrateur ou la dernière administratrice de l'organisation : nommez-en un·e autre avant de le ou la retirer.".to_owned(),
        });
    }
    journal(
        &state,
        organisation.id,
        &session,
        &format!("{} retiré·e de l'équipe", member.0.email),
    )
    .await?;
    Ok(Json(lines(&state, organisation.id).await?))
}
