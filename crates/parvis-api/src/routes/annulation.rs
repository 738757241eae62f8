//! An organiser cancels a registration to one of the organisation's events:
//! the seats are freed, whoever waits for them is promoted, the person is
//! told by email (with the calendar file that removes the event), and the
//! audit log keeps who did it. The route joins the back-office's table
//! ([`super::gestion::admin_routes`]).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::routing::{MethodRouter, post};
use chrono::Utc;
use parvis_core::api::RegistrationStatus;
use parvis_core::gestion::Accepted;

use super::detached;
use super::gestion::{AdminRoute, Guard};
use crate::AppState;
use crate::auth::{MemberEvent, UnknownEvent, audit};
use crate::error::AppError;
use crate::store::registrants::{RegistrantFilter, WaitingRanks};

/// The cancellation's route, with its guard.
pub fn table() -> Vec<(AdminRoute, MethodRouter<AppState>)> {
    vec![(
        AdminRoute {
            method: Method::POST,
            path: "/gestion/organisations/{org}/evenements/{slug}/inscrits/{id}/annuler",
            guard: Guard::Member,
        },
        post(cancel),
    )]
}

/// Another organisation's event answers as an unknown registration.
struct UnknownRegistration;

impl UnknownEvent for UnknownRegistration {
    const MESSAGE: &'static str = "Cette inscription n'existe pas pour cet événement.";
}

fn unknown() -> AppError {
    AppError::NotFound(UnknownRegistration::MESSAGE.to_owned())
}

/// `POST …/inscrits/{id}/annuler`.
async fn cancel(
    State(state): State<AppState>,
    MemberEvent {
        session,
        membership,
        event,
        ..
    }: MemberEvent<UnknownRegistration>,
    Path((_, _, id)): Path<(String, String, String)>,
) -> Result<Json<Accepted>, AppError> {
    let id: i64 = id.parse().map_err(|_| unknown())?;
    // The registration must be this event's: the first of its registrants
    // from this id on is this one, or it is another event's.
    let registrant = state
        .store
        .registrant_page(
            event.id,
            &RegistrantFilter::default(),
            id.checked_sub(1).ok_or_else(unknown)?,
            1,
            &mut WaitingRanks::default(),
        )
        .await?
        .into_iter()
        .next()
        .filter(|r| r.id == id)
        .ok_or_else(unknown)?;
    if registrant.status == RegistrationStatus::Cancelled {
        return Ok(Json(Accepted {
            message: "Cette inscription était déjà annulée.".to_owned(),
        }));
    }
    let compose = crate::mail::composer(state.public_url.clone(), Utc::now);
    let store = state.store.clone();
    let target = event.clone();
    detached(async move { store.cancel(&target, id, &compose, Utc::now()).await }).await?;
    state.email_queued().await;
    audit(
        &state,
        &membership,
        &session,
        "annulation",
        &format!(
            "Inscription de {} à « {} » annulée par l'organisation",
            registrant.email, event.public.title
        ),
    )
    .await?;
    Ok(Json(Accepted {
        message: format!(
            "L'inscription de {} {} est annulée : un e-mail l'en informe, et la liste d'attente avance s'il y en a une.",
            registrant.first_name, registrant.last_name
        ),
    }))
}
