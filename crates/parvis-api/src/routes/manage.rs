//! Self-service management through the personal link of an email:
//! `GET /api/registrations/{token}` (view), `PATCH` (change workshops or
//! days), `POST .../cancel`, `GET .../calendar.ics` (with the connection
//! link). A wrong token gets a 404 that says nothing about whether it ever
//! existed.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use parvis_core::api::{ChoiceChange, FieldErrors, RegistrationState, RegistrationView};
use parvis_core::ics;
use parvis_core::registration::check_choices;

use crate::AppState;
use crate::error::{AppError, AppJson};
use crate::mail::compose::{calendar_entries, connection_link, versioned};
use crate::routes::detached;
use crate::routes::events::find;
use crate::store::{AddressConfirmed, Changed, EventRecord, Notice, RegistrationRecord, Status};
use crate::{mail, token};

/// The management routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/registrations/{token}", get(view).patch(change))
        .route("/registrations/{token}/cancel", post(cancel))
        .route("/registrations/{token}/confirm", post(confirm))
        .route("/registrations/{token}/calendar.ics", get(calendar))
}

fn not_found() -> AppError {
    AppError::NotFound(
        "Ce lien d'inscription n'est pas valide. Utilisez le lien reçu par e-mail.".to_owned(),
    )
}

/// The registration and event a token opens.
async fn open(
    state: &AppState,
    token_text: &str,
) -> Result<(RegistrationRecord, EventRecord), AppError> {
    // Tokens are 64 hexadecimal characters; anything else cannot match.
    if token_text.len() != 64 || !token_text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(not_found());
    }
    let record = state
        .store
        .registration_by_token(&token::hash(token_text), Utc::now())
        .await?
        .ok_or_else(not_found)?;
    let slug = state
        .store
        .slug_of(record.event_id)
        .await?
        .ok_or_else(not_found)?;
    let event = find(state, &slug).await?;
    Ok((record, event))
}

fn started(event: &EventRecord) -> bool {
    event
        .public
        .sessions
        .first()
        .is_some_and(|s| s.starts_at <= Utc::now())
}

fn view_of(record: &RegistrationRecord, event: EventRecord) -> RegistrationView {
    let active = record.status != Status::Cancelled;
    let can_change = active
        && event.public.registration_state == RegistrationState::Open
        && (event.public.day_selection || !event.public.choice_blocks().is_empty());
    let can_cancel = active && !started(&event);
    RegistrationView {
        status: record.status.kind(),
        rank: match record.status {
            Status::Waitlisted { rank } => Some(rank),
            _ => None,
        },
        first_name: record.first_name.clone(),
        last_name: record.last_name.clone(),
        email: record.email.clone(),
        tracks: record.tracks.clone(),
        sessions: record.sessions.clone(),
        can_change,
        can_cancel,
        event: event.public,
    }
}

async fn view(
    State(state): State<AppState>,
    Path(token_text): Path<String>,
) -> Result<Json<RegistrationView>, AppError> {
    let (record, event) = open(&state, &token_text).await?;
    Ok(Json(view_of(&record, event)))
}

fn composer(
    state: &AppState,
) -> impl Fn(&EventRecord, &Notice<'_>) -> anyhow::Result<crate::mail::OutgoingEmail> + Send + Sync + use<>
{
    let public_url = state.public_url.clone();
    move |event: &EventRecord, notice: &Notice<'_>| {
        mail::compose(event, notice, &public_url, Utc::now())
    }
}

async fn change(
    State(state): State<AppState>,
    Path(token_text): Path<String>,
    AppJson(request): AppJson<ChoiceChange>,
) -> Result<Json<RegistrationView>, AppError> {
    let (record, event) = open(&state, &token_text).await?;
    if !view_of(&record, event.clone()).can_change {
        return Err(AppError::Conflict {
            code: "change_closed",
            message: "Cette inscription ne peut plus être modifiée (inscriptions closes ou inscription annulée).".to_owned(),
        });
    }
    let mut errors = FieldErrors::default();
    let (tracks, sessions) = check_choices(
        &event.public,
        &request.tracks,
        &request.sessions,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let compose = composer(&state);
    let store = state.store.clone();
    let target = event.clone();
    let changed = detached(async move {
        store
            .change_choices(&target, record.id, &tracks, &sessions, &compose, Utc::now())
            .await
    })
    .await?;
    match changed {
        Changed::Done => {}
        Changed::Full => {
            return Err(AppError::Conflict {
                code: "full",
                message: "L'atelier ou la journée choisis sont complets : votre inscription n'a pas changé.".to_owned(),
            });
        }
        Changed::NotActive => {
            return Err(AppError::Conflict {
                code: "change_closed",
                message: "Cette inscription est annulée : elle ne peut plus être modifiée."
                    .to_owned(),
            });
        }
    }
    state.outbox_wakeup.notify_one();
    let (record, event) = open(&state, &token_text).await?;
    Ok(Json(view_of(&record, event)))
}

async fn cancel(
    State(state): State<AppState>,
    Path(token_text): Path<String>,
) -> Result<Json<RegistrationView>, AppError> {
    let (record, event) = open(&state, &token_text).await?;
    if record.status != Status::Cancelled {
        if started(&event) {
            return Err(AppError::Conflict {
                code: "cancel_closed",
                message: "L'événement a commencé : l'inscription ne peut plus être annulée en ligne. Prévenez le contact de l'événement.".to_owned(),
            });
        }
        let compose = composer(&state);
        let store = state.store.clone();
        detached(async move { store.cancel(&event, record.id, &compose, Utc::now()).await })
            .await?;
        state.outbox_wakeup.notify_one();
    }
    let (record, event) = open(&state, &token_text).await?;
    Ok(Json(view_of(&record, event)))
}

/// Confirms the address of a registration that holds its seats until then
/// (events with address confirmation). A POST, never a GET: link scanners
/// and previews open links, they do not press buttons.
async fn confirm(
    State(state): State<AppState>,
    Path(token_text): Path<String>,
) -> Result<Json<RegistrationView>, AppError> {
    let (record, event) = open(&state, &token_text).await?;
    if record.status == Status::Pending {
        let compose = composer(&state);
        let store = state.store.clone();
        let outcome = detached(async move {
            store
                .confirm_address(&event, record.id, &compose, Utc::now())
                .await
        })
        .await?;
        if outcome == AddressConfirmed::Expired {
            return Err(AppError::Conflict {
                code: "hold_expired",
                message: format!(
                    "Le délai de {} minutes pour confirmer votre adresse est dépassé : la place a été proposée à une autre personne. Vous pouvez vous réinscrire depuis la page de l'événement.",
                    parvis_core::api::ADDRESS_CONFIRMATION_MINUTES
                ),
            });
        }
        state.outbox_wakeup.notify_one();
    }
    let (record, event) = open(&state, &token_text).await?;
    Ok(Json(view_of(&record, event)))
}

async fn calendar(
    State(state): State<AppState>,
    Path(token_text): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let (record, event) = open(&state, &token_text).await?;
    if record.status != Status::Confirmed {
        return Err(AppError::Conflict {
            code: "not_confirmed",
            message: "Le fichier calendrier est disponible une fois l'inscription confirmée."
                .to_owned(),
        });
    }
    // The version the last email carried: the download matches it, and
    // raises nothing.
    let entries = versioned(
        calendar_entries(
            &event,
            &state.public_url,
            connection_link(&event),
            &record.sessions,
        ),
        record.calendar_sequence,
        ics::EntryStatus::Confirmed,
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.ics\"", event.public.slug),
            ),
        ],
        ics::calendar(ics::Method::Publish, &entries, Utc::now()),
    ))
}
