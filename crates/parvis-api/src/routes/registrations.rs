//! `POST /api/events/{slug}/registrations`.
//!
//! The answer never holds the personal token nor the connection link: they
//! go only to the registrant's mailbox, because anyone can type someone
//! else's address. Registering twice answers as the first time and sends the
//! confirmation again (with a new personal link; earlier ones keep working).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::Utc;
use parvis_core::api::{EventPublic, RegistrationAccepted, RegistrationState, RegistrationStatus};
use parvis_core::registration::{RegistrationRequest, check_for_event, field};
use parvis_core::{calendar_links, dates, email};

use crate::AppState;
use crate::client::ClientIp;
use crate::error::{AppError, AppJson};
use crate::rate_limit;
use crate::routes::detached;
use crate::routes::events::{find, public};
use crate::routes::invitations;
use crate::store::{EventRecord, Origin, Registered, Status};
use crate::token::invitation_code_hash;
use crate::{mail, token};

/// The registration route.
pub fn router() -> Router<AppState> {
    Router::new().route("/events/{slug}/registrations", post(register))
}

/// Refuses registrations outside the registration window.
pub fn ensure_open(event: &EventRecord) -> Result<(), AppError> {
    match event.public.registration_state {
        RegistrationState::Open => Ok(()),
        RegistrationState::NotYetOpen => {
            let opens = event
                .public
                .registration
                .opens_at
                .map_or_else(String::new, |at| {
                    let local = at.naive_local();
                    format!(
                        " le {} à {}",
                        dates::long_date(local.date()),
                        dates::time(local.time())
                    )
                });
            Err(AppError::Conflict {
                code: "registration_not_open",
                message: format!(
                    "Les inscriptions à cet événement ne sont pas encore ouvertes : elles ouvriront{opens}."
                ),
            })
        }
        RegistrationState::Closed => Err(AppError::Conflict {
            code: "registration_closed",
            message: "Les inscriptions à cet événement sont closes.".to_owned(),
        }),
    }
}

/// What the confirmation page shows of an accepted registration.
struct Accepted<'a> {
    /// The event, for its calendar entries.
    event: &'a EventRecord,
    /// Its seats after the attempt, to name what is full.
    seats: &'a EventPublic,
    /// The address typed, shown back masked.
    email: &'a str,
    tracks: &'a [String],
    sessions: &'a [usize],
    public_url: &'a str,
}

impl Accepted<'_> {
    /// The answer: a waiting one names what is full and where seats are
    /// left; one holding a seat carries calendar links of its sessions.
    fn answer(&self, status: Status) -> RegistrationAccepted {
        let (kind, rank, message) = match status {
            Status::Waitlisted { rank } => (
                RegistrationStatus::Waitlisted,
                Some(rank),
                format!("{} Un e-mail vous le confirme ; dès qu'une place se libère, votre inscription est confirmée automatiquement et vous êtes prévenu·e par e-mail.", mail::compose::waitlist_sentence(self.seats, self.tracks, self.sessions, rank)),
            ),
            Status::Pending => (
                RegistrationStatus::Pending,
                None,
                format!("Une place vous est réservée pendant {} minutes. Pour la garder, confirmez votre adresse : ouvrez l'e-mail que nous venons d'envoyer et suivez votre lien personnel.", parvis_core::api::ADDRESS_CONFIRMATION_MINUTES),
            ),
            _ => (
                RegistrationStatus::Confirmed,
                None,
                "Votre inscription est enregistrée. Un e-mail de confirmation vient d'être envoyé : il contient le calendrier, les liens utiles et votre lien personnel pour gérer votre inscription.".to_owned(),
            ),
        };
        let public = &self.event.public;
        let chosen = |index: &usize| self.sessions.is_empty() || self.sessions.contains(index);
        let dates = public
            .sessions
            .iter()
            .enumerate()
            .filter(|(index, _)| chosen(index))
            .map(|(_, session)| dates::session(session))
            .collect();
        let calendar = if kind == RegistrationStatus::Waitlisted {
            Vec::new()
        } else {
            let sessions: Vec<usize> = (0..public.sessions.len()).filter(|i| chosen(i)).collect();
            mail::compose::calendar_entries(self.event, self.public_url, None, &sessions)
                .iter()
                .zip(
                    sessions
                        .iter()
                        .map(|&i| dates::session(&public.sessions[i])),
                )
                .map(|(entry, label)| calendar_links::for_entry(entry, label))
                .collect()
        };
        RegistrationAccepted {
            status: kind,
            message,
            rank,
            sent_to: email::masked(&self.email.trim().to_lowercase()),
            event_title: public.title.clone(),
            dates,
            calendar,
        }
    }
}

/// The event's seats as they are after an attempt that found something
/// full, to name what is full and what is not (the page read before the
/// attempt if the event cannot be read again).
async fn seats_now(state: &AppState, slug: &str, before: EventPublic) -> EventPublic {
    find(state, slug).await.map_or(before, |event| event.public)
}

/// Times a registration is checked against its event and tried: once
/// against the store's copy of the event, then against the event read again
/// each time its organiser changed it meanwhile.
const ATTEMPTS: usize = 3;

#[tracing::instrument(skip_all, fields(slug = %slug))]
async fn register(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(client): ClientIp,
    AppJson(mut request): AppJson<RegistrationRequest>,
) -> Result<Response, AppError> {
    let client = rate_limit::client_key(client);
    state.limits.registrations.check(&client).map_err(|wait| {
        AppError::too_many(format!(
            "Trop de tentatives d'inscription depuis votre adresse. Réessayez dans {wait} secondes."
        ), wait)
    })?;
    // The form is checked against the store's copy of the event, and the
    // registration's write checks that the copy is still the event's
    // definition: a changed event is read again and the form checked anew.
    // A refusal made on the copy (unknown event, closed, invalid form...)
    // is confirmed on the event as it is: it stands if the event has not
    // changed since, else the form is checked anew.
    let store = &state.store;
    let mut event = store.event_for_registration(&slug, false).await?;
    let mut fresh = false;
    for attempt in 1..=ATTEMPTS {
        let tried = match public(event.clone()) {
            Ok(current) => try_register(&state, &slug, client, &mut request, &current).await,
            Err(not_found) => Err(not_found),
        };
        let refusal = match tried {
            Ok(Some(answer)) => return Ok(answer),
            Ok(None) => {
                tracing::info!(attempt, "the event changed meanwhile: checked again");
                None
            }
            // An unknown event is never a copy: the store keeps none.
            Err(refusal) if fresh || event.is_none() => return Err(refusal),
            Err(refusal) => Some(refusal),
        };
        let now = store.event_for_registration(&slug, true).await?;
        if let Some(refusal) = refusal {
            let unchanged = match (&event, &now) {
                (Some(before), Some(now)) => (before.id, before.revision) == (now.id, now.revision),
                _ => false,
            };
            if unchanged {
                return Err(refusal);
            }
            tracing::info!(
                attempt,
                "refused on a stale copy of the event: checked again"
            );
        }
        event = now;
        fresh = true;
    }
    Err(AppError::Conflict {
        code: "event_changed",
        message: "Cet événement vient d'être modifié par ses organisateurs pendant votre inscription, qui n'a pas été enregistrée. Vérifiez le formulaire, puis envoyez-le à nouveau.".to_owned(),
    })
}

/// Checks and stores a registration against `event` as read; `None` when
/// the event's definition changed since (nothing was stored).
async fn try_register(
    state: &AppState,
    slug: &str,
    client: u128,
    request: &mut RegistrationRequest,
    event: &Arc<EventRecord>,
) -> Result<Option<Response>, AppError> {
    ensure_open(event)?;
    // The hidden field is filled by bots only: answer as usual, store nothing.
    if !request.website.trim().is_empty() {
        tracing::info!("honeypot filled: registration ignored");
        let answer = Accepted {
            event,
            seats: &event.public,
            email: &request.email,
            tracks: &[],
            sessions: &[],
            public_url: &state.public_url,
        }
        .answer(Status::Confirmed);
        return Ok(Some((StatusCode::CREATED, AppJson(answer)).into_response()));
    }
    // A members-only event lets in the holder of a personal invitation link
    // (the registration is then for the invited address, whatever the form
    // says, so a link cannot serve another address) or of a valid code. The
    // address typed is never compared with anything: the answer is the same
    // for an invited address and an unknown one (no oracle of who is
    // invited).
    let mut invitation = None;
    let mut code_id = None;
    let mut admitted = !event.public.members_only;
    let mut refusal = None;
    if event.public.members_only {
        let code = request.invitation_code.trim().to_owned();
        let link = request.invitation_token.trim().to_owned();
        // Wrong codes and links are counted per client and per event: past
        // the limit, every try is refused until the hour ends, so codes
        // cannot be guessed faster than a member types one.
        let now = std::time::Instant::now();
        if !code.is_empty() || !link.is_empty() {
            state.limits.code_try(client, event.id, now).map_err(|wait| {
                AppError::too_many(
                    format!(
                        "Trop de codes d'invitation erronés. Réessayez dans {} minutes, ou inscrivez-vous avec le lien personnel de votre e-mail d'invitation.",
                        wait.div_ceil(60)
                    ),
                    wait,
                )
            })?;
        }
        if !link.is_empty() {
            invitation = invitations::invitation_of(state, event, &link).await?;
            if let Some(invited) = &invitation {
                request.email.clone_from(&invited.email);
                admitted = true;
            }
        }
        if !admitted && !code.is_empty() {
            let hash = invitation_code_hash(&code);
            if event.private.invitation_code_hashes.contains(&hash) {
                admitted = true;
            } else if let Some(id) = state.store.valid_invitation_code(event.id, &hash).await? {
                code_id = Some(id);
                admitted = true;
            }
        }
        if !admitted {
            if !code.is_empty() || !link.is_empty() {
                state.limits.code_failed(client, event.id, now);
            }
            refusal = Some(if !code.is_empty() {
                "Ce code d'invitation n'est pas valide pour cet événement. Vérifiez-le, ou inscrivez-vous avec le lien personnel de votre e-mail d'invitation.".to_owned()
            } else if !link.is_empty() {
                invitations::invalid_link()
            } else {
                "Cet événement est réservé aux membres : inscrivez-vous avec le lien personnel de votre e-mail d'invitation, ou saisissez le code d'invitation reçu.".to_owned()
            });
        }
    }
    let mut checked = check_for_event(&event.public, request);
    if let Some(message) = refusal {
        let mut errors = checked.err().unwrap_or_default();
        errors.add(field::INVITATION_CODE, message);
        checked = Err(errors);
    }
    debug_assert!(admitted || checked.is_err());
    let registration = checked.map_err(AppError::Validation)?;
    let personal = token::generate()?;
    // One instant for the whole registration: the rows it writes and the
    // calendar file of its email.
    let now = Utc::now();
    let compose = mail::composer(state.public_url.clone(), move || now);
    let origin = Origin {
        client_hash: token::hash(&format!("client:{client:032x}")),
        hourly_cap: state.registrations_per_client_per_hour,
        registered_by: None,
    };
    let store = state.store.clone();
    let stored = Arc::clone(event);
    let tracks = registration.tracks.clone();
    let sessions = registration.sessions.clone();
    let outcome = detached(async move {
        store
            .register(
                &stored,
                &registration,
                &personal.token,
                &origin,
                &compose,
                now,
            )
            .await
    })
    .await?;
    let outcome = match outcome {
        Registered::Done(outcome) => outcome,
        Registered::TooManyFromClient => {
            return Err(AppError::too_many(
                "Trop d'inscriptions à cet événement depuis votre adresse au cours de la dernière heure. Réessayez plus tard, ou demandez au contact de l'événement d'inscrire votre groupe.".to_owned(),
                3600,
            ));
        }
        Registered::Changed => return Ok(None),
        Registered::Full => {
            let now = seats_now(state, slug, event.public.clone()).await;
            let message = match now.full_notice(&tracks, &sessions) {
                Some(notice) => format!(
                    "{}. Il n'y a pas de liste d'attente pour cet événement. {}",
                    notice.what,
                    notice.elsewhere_sentence()
                ),
                None => "Les places demandées sont prises. Il n'y a pas de liste d'attente pour cet événement.".to_owned(),
            };
            return Err(AppError::Conflict {
                code: "full",
                message: message.trim_end().to_owned(),
            });
        }
    };
    tracing::info!(?outcome, "registration stored");
    // The invitation list says who registered through their link, and each
    // code how many it let in; the registration stands if this fails.
    if let Some(invited) = &invitation
        && let Err(error) = state.store.link_invitation(invited.id).await
    {
        tracing::warn!(error = format!("{error:#}"), "invitation not linked");
    }
    if let Some(id) = code_id.filter(|_| !outcome.existing)
        && let Err(error) = state.store.count_invitation_code_use(id).await
    {
        tracing::warn!(
            error = format!("{error:#}"),
            "invitation code use not counted"
        );
    }
    state.email_queued().await;
    let seats = match outcome.status {
        Status::Waitlisted { .. } => seats_now(state, slug, event.public.clone()).await,
        _ => event.public.clone(),
    };
    let answer = Accepted {
        event,
        seats: &seats,
        email: &request.email,
        tracks: &tracks,
        sessions: &sessions,
        public_url: &state.public_url,
    }
    .answer(outcome.status);
    Ok(Some((StatusCode::CREATED, AppJson(answer)).into_response()))
}
