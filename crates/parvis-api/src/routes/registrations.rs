//! `POST /api/events/{slug}/registrations`.
//!
//! The answer never holds the personal token nor the connection link: they
//! go only to the registrant's mailbox, because anyone can type someone
//! else's address. Registering twice answers as the first time and sends the
//! confirmation again (with a renewed personal link).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use chrono::Utc;
use parvis_core::api::{RegistrationAccepted, RegistrationState};
use parvis_core::dates;
use parvis_core::registration::{NewRegistration, RegistrationRequest};

use crate::AppState;
use crate::error::{AppError, AppJson};
use crate::mail;
use crate::routes::events::find;
use crate::token;

/// The registration route.
pub fn router() -> Router<AppState> {
    Router::new().route("/events/{slug}/registrations", post(register))
}

#[tracing::instrument(skip_all, fields(slug = %slug))]
async fn register(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    AppJson(request): AppJson<RegistrationRequest>,
) -> Result<(StatusCode, AppJson<RegistrationAccepted>), AppError> {
    let event = find(&state, &slug).await?;
    let window = event.public.registration;
    match event.public.registration_state {
        RegistrationState::Open => {}
        RegistrationState::NotYetOpen => {
            let opens = window.opens_at.map_or_else(String::new, |at| {
                let local = at.naive_local();
                format!(
                    " le {} à {}",
                    dates::long_date(local.date()),
                    dates::time(local.time())
                )
            });
            return Err(AppError::Conflict {
                code: "registration_not_open",
                message: format!(
                    "Les inscriptions à cet événement ne sont pas encore ouvertes : elles ouvriront{opens}."
                ),
            });
        }
        RegistrationState::Closed => {
            return Err(AppError::Conflict {
                code: "registration_closed",
                message: "Les inscriptions à cet événement sont closes.".to_owned(),
            });
        }
    }
    let registration = NewRegistration::try_from(&request).map_err(AppError::Validation)?;
    let now = Utc::now();
    let personal = token::generate()?;
    let email = mail::confirmation(
        &event,
        &registration,
        &personal.token,
        &state.public_url,
        now,
    )?;
    let outcome = state
        .store
        .register(event.id, &registration, &personal.hash, &email, now)
        .await?;
    tracing::info!(?outcome, "registration stored");
    state.outbox_wakeup.notify_one();
    Ok((
        StatusCode::CREATED,
        AppJson(RegistrationAccepted {
            status: "confirmed".to_owned(),
            message: "Votre inscription est enregistrée. Un e-mail de confirmation vient d'être envoyé à l'adresse indiquée : il contient le calendrier, les liens utiles et votre lien personnel pour gérer votre inscription.".to_owned(),
        }),
    ))
}
