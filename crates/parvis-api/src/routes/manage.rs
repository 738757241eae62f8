//! Self-service management through the personal link of an email:
//! `GET /api/registrations/{token}` (view, with the connection link once
//! confirmed, and the answers), `PATCH` (change workshops or days, answers
//! and accessibility needs), `POST .../cancel`, `GET .../calendar.ics` (with
//! the connection link). A wrong token gets a 404 that says nothing about
//! whether it ever existed. `POST /api/registrations/lookup` emails the
//! personal links of an address again, with one answer for any address.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use parvis_core::api::{
    ChoiceChange, FieldErrors, LookupAccepted, LookupRequest, RegistrationState, RegistrationView,
};
use parvis_core::email::EmailAddress;
use parvis_core::ics;
use std::collections::BTreeMap;

use parvis_core::questions::check_answers;
use parvis_core::registration::{
    ACCESSIBILITY_MAX, check_choices, field, field_label, text_message,
};
use parvis_core::text::ShortText;

use crate::AppState;
use crate::client::ClientIp;
use crate::error::{AppError, AppJson};
use crate::mail::compose::{calendar_entries, connection_link, versioned};
use crate::rate_limit;
use crate::routes::detached;
use crate::routes::events::find;
use crate::store::{AddressConfirmed, Changed, EventRecord, RegistrationRecord, Status};
use crate::{mail, token};

/// The management routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/registrations/{token}", get(view).patch(change))
        .route("/registrations/{token}/cancel", post(cancel))
        .route("/registrations/{token}/confirm", post(confirm))
        .route("/registrations/{token}/calendar.ics", get(calendar))
        .route("/registrations/lookup", post(lookup))
}

/// The shortest time a look-up takes to answer, known address or not, so
/// that its timing does not tell which addresses registered.
const LOOKUP_ANSWER_TIME: std::time::Duration = std::time::Duration::from_millis(400);

/// « Retrouver mon inscription »: the personal links of the address's
/// registrations to come are emailed again (within the daily bound of
/// re-sends of each). The answer is the same for any valid address.
async fn lookup(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    AppJson(request): AppJson<LookupRequest>,
) -> Result<(StatusCode, Json<LookupAccepted>), AppError> {
    let started = tokio::time::Instant::now();
    let client = rate_limit::client_key(client);
    state.limits.registrations.check(&client).map_err(|wait| {
        AppError::too_many(
            format!("Trop de demandes depuis votre adresse. Réessayez dans {wait} secondes."),
            wait,
        )
    })?;
    let email = EmailAddress::parse(&request.email).map_err(|problem| {
        let mut errors = FieldErrors::default();
        errors.add(field::EMAIL, problem.to_string());
        AppError::Validation(errors)
    })?;
    // Bots fill the hidden field: they get the answer, nobody gets an email.
    if request.website.trim().is_empty() {
        let compose = mail::composer(state.public_url.clone(), Utc::now);
        let store = state.store.clone();
        let queued =
            detached(async move { store.resend_links(&email.key(), &compose, Utc::now()).await })
                .await?;
        if queued > 0 {
            state.email_queued().await;
        }
    }
    tokio::time::sleep_until(started + LOOKUP_ANSWER_TIME).await;
    Ok((
        StatusCode::ACCEPTED,
        Json(LookupAccepted {
            message: "Si des inscriptions à venir correspondent à cette adresse, un e-mail avec le lien personnel de chacune vient d'y être envoyé. Pensez à regarder dans vos courriers indésirables.".to_owned(),
        }),
    ))
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

/// What the personal page shows: the registration, its event, and (to the
/// token's holder only) the connection link once confirmed and the answers.
async fn view_of(
    state: &AppState,
    record: &RegistrationRecord,
    event: EventRecord,
) -> Result<RegistrationView, AppError> {
    let active = record.status != Status::Cancelled;
    let open = event.public.registration_state == RegistrationState::Open;
    let can_change =
        active && open && (event.public.day_selection || !event.public.choice_blocks().is_empty());
    let can_cancel = active && !started(&event);
    let (answers, accessibility_needs) = state.store.answers_of(record.id).await?;
    // A confirmed registrant's report is its linked publication's file
    // (signed when reserved to registrants); others see the report's page.
    let report =
        crate::store::publications::registrant_report(&event, record.status == Status::Confirmed);
    Ok(RegistrationView {
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
        connection_url: (record.status == Status::Confirmed)
            .then(|| connection_link(&event).map(str::to_owned))
            .flatten(),
        accessibility_needs: accessibility_needs.unwrap_or_default(),
        answers,
        can_edit_answers: active && open,
        event: {
            let mut public = event.public;
            public.report = report;
            public
        },
    })
}

async fn view(
    State(state): State<AppState>,
    Path(token_text): Path<String>,
) -> Result<Json<RegistrationView>, AppError> {
    let (record, event) = open(&state, &token_text).await?;
    Ok(Json(view_of(&state, &record, event).await?))
}

async fn change(
    State(state): State<AppState>,
    Path(token_text): Path<String>,
    AppJson(request): AppJson<ChoiceChange>,
) -> Result<Json<RegistrationView>, AppError> {
    let (record, event) = open(&state, &token_text).await?;
    let current = view_of(&state, &record, event.clone()).await?;
    let has_choices = event.public.day_selection || !event.public.choice_blocks().is_empty();
    let choices_changed =
        has_choices && (request.tracks != record.tracks || request.sessions != record.sessions);
    let answers_changed = request.answers.is_some() || request.accessibility_needs.is_some();
    if (choices_changed && !current.can_change) || (answers_changed && !current.can_edit_answers) {
        return Err(AppError::Conflict {
            code: "change_closed",
            message: "Cette inscription ne peut plus être modifiée (inscriptions closes ou inscription annulée).".to_owned(),
        });
    }
    let mut errors = FieldErrors::default();
    let (tracks, sessions) = if choices_changed {
        check_choices(
            &event.public,
            &request.tracks,
            &request.sessions,
            &mut errors,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let answers = match &request.answers {
        Some(answers) => match check_answers(&event.public.questions, answers) {
            Ok(answers) => answers,
            Err(problems) => {
                errors.merge(problems);
                BTreeMap::new()
            }
        },
        None => current.answers.clone(),
    };
    let needs = match &request.accessibility_needs {
        Some(needs) => ShortText::parse_free_optional(needs, ACCESSIBILITY_MAX)
            .map_err(|e| {
                errors.add(
                    field::ACCESSIBILITY,
                    text_message(field_label(field::ACCESSIBILITY), &e),
                )
            })
            .ok()
            .flatten()
            .map(|text| text.as_str().to_owned()),
        None => Some(current.accessibility_needs.clone()).filter(|n| !n.is_empty()),
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if answers_changed {
        let store = state.store.clone();
        let id = record.id;
        let stored = detached(async move {
            store
                .set_answers(id, &answers, needs.as_deref(), Utc::now())
                .await
        })
        .await?;
        if !stored {
            return Err(AppError::Conflict {
                code: "change_closed",
                message: "Cette inscription est annulée : elle ne peut plus être modifiée."
                    .to_owned(),
            });
        }
    }
    if choices_changed {
        let compose = mail::composer(state.public_url.clone(), Utc::now);
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
    }
    state.email_queued().await;
    let (record, event) = open(&state, &token_text).await?;
    Ok(Json(view_of(&state, &record, event).await?))
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
        let compose = mail::composer(state.public_url.clone(), Utc::now);
        let store = state.store.clone();
        detached(async move { store.cancel(&event, record.id, &compose, Utc::now()).await })
            .await?;
        state.email_queued().await;
    }
    let (record, event) = open(&state, &token_text).await?;
    Ok(Json(view_of(&state, &record, event).await?))
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
        let compose = mail::composer(state.public_url.clone(), Utc::now);
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
        state.email_queued().await;
    }
    let (record, event) = open(&state, &token_text).await?;
    Ok(Json(view_of(&state, &record, event).await?))
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
