//! The registrants desk (« guichet ») of an organisation's event, for its
//! members: promote someone from the waiting list, register someone on
//! their behalf, resend the emails that could not be delivered, write to
//! a group of registrants. Every route joins the back-office's table
//! ([`super::gestion::admin_routes`]) with `Guard::Member`; another
//! organisation's event answers 404 as an unknown one; every write is in
//! the audit log.
//!
//! - Manual promotion takes the registration out of the waiting list
//!   whatever its rank. When a quota it needs is full, it is refused
//!   (409) unless the organiser asks to go over the capacity
//!   (`{"depasser": true}`): the quota then counts more seats taken than
//!   it has, and nobody else gets in until enough seats are freed. The
//!   person gets the email of an automatic promotion, with their link.
//! - A registration on someone's behalf is checked by the public form's
//!   rules (`check_for_event`, French errors by field), without the
//!   invitation code (organisers invite) nor the registration window (an
//!   organiser may add someone after closing); it takes seats or a place on
//!   the waiting list as any registration, records the organiser's account
//!   (`registrations.registered_by`), and the person gets the confirmation.
//!   An organiser may make [`ON_BEHALF_PER_HOUR`] of them per event an hour.
//! - A message goes to every registration of its audience that is not
//!   cancelled, one email each through the outbox, with the person's own
//!   link; [`MESSAGES_PER_DAY`] per event in 24 rolling hours.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::routing::{MethodRouter, get, post};
use chrono::Utc;
use parvis_core::api::{RegistrationStatus, quota};
use parvis_core::dates;
use parvis_core::desk::{
    Audience, CheckedMessage, DeadLetterLine, MESSAGES_PER_DAY, MessageLine, MessageLog,
    MessagePreview, MessageRequest, MessageSent, OnBehalf, Promotion, check_message,
};
use parvis_core::gestion::{Accepted, status_label};
use parvis_core::registration::{RegistrationRequest, check_for_event};

use super::detached;
use super::gestion::{AdminRoute, Guard};
use crate::AppState;
use crate::auth::{MemberEvent, audit};
use crate::error::{AppError, AppJson};
use crate::mail;
use crate::store::desk::{MessageOutcome, NewMessage, Promoted};
use crate::store::registrants::{Registrant, RegistrantFilter, WaitingRanks};
use crate::store::{EventRecord, Origin, Registered, Status};
use crate::token;

/// Registrations an organiser may make on others' behalf to one event in
/// an hour: a whole group typed in at once, not a script filling the seats.
pub const ON_BEHALF_PER_HOUR: u32 = 200;

/// Dead letters listed at most.
const DEAD_LETTERS_SHOWN: u32 = 200;

/// The desk's routes, with their guard.
pub fn table() -> Vec<(AdminRoute, MethodRouter<AppState>)> {
    let route = |method: Method, path: &'static str| AdminRoute {
        method,
        path,
        guard: Guard::Member,
    };
    vec![
        (
            route(
                Method::POST,
                "/gestion/organisations/{org}/evenements/{slug}/inscrits/{id}/promouvoir",
            ),
            post(promote),
        ),
        (
            route(
                Method::POST,
                "/gestion/organisations/{org}/evenements/{slug}/inscrits/ajouter",
            ),
            post(register_on_behalf),
        ),
        (
            route(
                Method::GET,
                "/gestion/organisations/{org}/evenements/{slug}/courriels-en-echec",
            ),
            get(dead_letters),
        ),
        (
            route(
                Method::POST,
                "/gestion/organisations/{org}/evenements/{slug}/courriels-en-echec/{id}/renvoyer",
            ),
            post(resend),
        ),
        (
            route(
                Method::GET,
                "/gestion/organisations/{org}/evenements/{slug}/messages",
            ),
            get(message_log),
        ),
        (
            route(
                Method::POST,
                "/gestion/organisations/{org}/evenements/{slug}/messages",
            ),
            post(send_message),
        ),
        (
            route(
                Method::POST,
                "/gestion/organisations/{org}/evenements/{slug}/messages/apercu",
            ),
            post(preview_message),
        ),
    ]
}

fn unknown_registration() -> AppError {
    AppError::NotFound("Cette inscription n'existe pas pour cet événement.".to_owned())
}

/// The registration `id` of the event (404 for another event's).
async fn registrant_of(
    state: &AppState,
    event: &EventRecord,
    id: &str,
) -> Result<Registrant, AppError> {
    let id: i64 = id
        .parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(unknown_registration)?;
    state
        .store
        .registrant_page(
            event.id,
            &RegistrantFilter::default(),
            id.saturating_sub(1),
            1,
            &mut WaitingRanks::default(),
        )
        .await?
        .into_iter()
        .next()
        .filter(|r| r.id == id)
        .ok_or_else(unknown_registration)
}

/// A quota's name in French, for messages.
fn quota_label(event: &EventRecord, key: &str) -> String {
    if key == quota::EVENT {
        return "l'événement".to_owned();
    }
    if let Some(id) = key.strip_prefix("track:")
        && let Some(track) = event.public.tracks().find(|t| t.id == id)
    {
        return format!("l'atelier « {} »", track.title);
    }
    if let Some(index) = key
        .strip_prefix("session:")
        .and_then(|i| i.parse::<usize>().ok())
        && let Some(session) = event.public.sessions.get(index)
    {
        return format!(
            "la journée du {}",
            dates::long_date(session.starts_at.date_naive())
        );
    }
    key.to_owned()
}

fn quota_labels(event: &EventRecord, keys: &[String]) -> String {
    keys.iter()
        .map(|key| quota_label(event, key))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `POST …/inscrits/{id}/promouvoir`.
async fn promote(
    State(state): State<AppState>,
    MemberEvent {
        session,
        membership,
        event,
        ..
    }: MemberEvent,
    Path((_, _, id)): Path<(String, String, String)>,
    AppJson(request): AppJson<Promotion>,
) -> Result<Json<Accepted>, AppError> {
    let registrant = registrant_of(&state, &event, &id).await?;
    if registrant.status != RegistrationStatus::Waitlisted {
        return Err(AppError::Conflict {
            code: "not_waiting",
            message: format!(
                "{} {} n'est pas sur la liste d'attente (statut : {}).",
                registrant.first_name,
                registrant.last_name,
                status_label(registrant.status).to_lowercase()
            ),
        });
    }
    let compose = mail::composer(state.public_url.clone(), Utc::now);
    let store = state.store.clone();
    let target = event.clone();
    let registration = registrant.id;
    let exceed = request.depasser;
    let outcome = detached(async move {
        store
            .promote_manually(&target, registration, exceed, &compose, Utc::now())
            .await
    })
    .await?;
    let exceeded = match outcome {
        Promoted::NotWaiting => {
            return Err(AppError::Conflict {
                code: "not_waiting",
                message: "Cette personne n'est plus sur la liste d'attente : rechargez la liste."
                    .to_owned(),
            });
        }
        Promoted::NoSeat { full } => {
            return Err(AppError::Conflict {
                code: "full",
                message: format!(
                    "Aucune place libre pour {} : pour confirmer {} {} quand même, cochez « Dépasser la capacité ».",
                    quota_labels(&event, &full),
                    registrant.first_name,
                    registrant.last_name
                ),
            });
        }
        Promoted::Done { exceeded } => exceeded,
    };
    state.email_queued().await;
    let over = if exceeded.is_empty() {
        String::new()
    } else {
        format!(" (capacité dépassée : {})", quota_labels(&event, &exceeded))
    };
    audit(
        &state,
        &membership,
        &session,
        "promotion",
        &format!(
            "Inscription de {} à « {} » promue de la liste d'attente par l'organisation{over}",
            registrant.email, event.public.title
        ),
    )
    .await?;
    Ok(Json(Accepted {
        message: format!(
            "{} {} quitte la liste d'attente : son inscription est confirmée{over}, un e-mail l'en informe avec son lien personnel.",
            registrant.first_name, registrant.last_name
        ),
    }))
}

/// `POST …/inscrits/ajouter`: the public form's fields, on someone's
/// behalf.
async fn register_on_behalf(
    State(state): State<AppState>,
    MemberEvent {
        session,
        membership,
        event,
        ..
    }: MemberEvent,
    AppJson(request): AppJson<RegistrationRequest>,
) -> Result<(StatusCode, Json<OnBehalf>), AppError> {
    let registration = check_for_event(&event.public, &request).map_err(AppError::Validation)?;
    let email = registration.person.email.as_str().to_owned();
    let name = format!(
        "{} {}",
        registration.person.first_name.as_str(),
        registration.person.last_name.as_str()
    );
    let personal = token::generate()?;
    let now = Utc::now();
    let compose = mail::composer(state.public_url.clone(), move || now);
    let origin = Origin {
        client_hash: token::hash(&format!("account:{}", session.account.id)),
        hourly_cap: ON_BEHALF_PER_HOUR,
        registered_by: Some(session.account.id),
    };
    let store = state.store.clone();
    let stored = event.clone();
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
                format!(
                    "Vous avez inscrit {ON_BEHALF_PER_HOUR} personnes à cet événement au cours de la dernière heure : réessayez plus tard."
                ),
                3600,
            ));
        }
        Registered::Changed => {
            return Err(AppError::Conflict {
                code: "event_changed",
                message: "Cet événement vient d'être modifié pendant l'inscription, qui n'a pas été enregistrée. Vérifiez le formulaire, puis envoyez-le à nouveau.".to_owned(),
            });
        }
        Registered::Full => {
            return Err(AppError::Conflict {
                code: "full",
                message: "Les places demandées sont prises et cet événement n'a pas de liste d'attente : rien n'a été enregistré.".to_owned(),
            });
        }
    };
    state.email_queued().await;
    let (status, said) = match outcome.status {
        Status::Waitlisted { rank } => (
            RegistrationStatus::Waitlisted,
            format!("sur la liste d'attente (rang {rank})"),
        ),
        Status::Pending => (
            RegistrationStatus::Pending,
            "en attente de la confirmation de son adresse".to_owned(),
        ),
        Status::Cancelled => (RegistrationStatus::Cancelled, "annulée".to_owned()),
        Status::Confirmed => (RegistrationStatus::Confirmed, "confirmée".to_owned()),
    };
    let message = if outcome.existing {
        format!(
            "{name} ({email}) était déjà inscrit·e ({said}) : rien n'a changé, la confirmation lui est renvoyée (trois fois par jour au plus)."
        )
    } else {
        format!(
            "{name} ({email}) est inscrit·e, {said} : un e-mail de confirmation avec son lien personnel vient de lui être envoyé."
        )
    };
    audit(
        &state,
        &membership,
        &session,
        "inscription",
        &format!(
            "Inscription de {email} à « {} » faite par l'organisation : {said}{}",
            event.public.title,
            if outcome.existing {
                " (déjà inscrit·e, confirmation renvoyée)"
            } else {
                ""
            }
        ),
    )
    .await?;
    let code = if outcome.existing {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((code, Json(OnBehalf { message, status })))
}

/// `GET …/courriels-en-echec`.
async fn dead_letters(
    State(state): State<AppState>,
    MemberEvent { event, .. }: MemberEvent,
) -> Result<Json<Vec<DeadLetterLine>>, AppError> {
    let letters = state
        .store
        .event_dead_letters(event.id, DEAD_LETTERS_SHOWN)
        .await?;
    Ok(Json(
        letters
            .into_iter()
            .map(|letter| DeadLetterLine {
                id: letter.id,
                registration_id: letter.registration_id,
                name: format!("{} {}", letter.first_name, letter.last_name),
                recipient: letter.recipient,
                subject: letter.subject,
                attempts: letter.attempts,
                last_error: letter.last_error,
                dead_at: letter.dead_at,
            })
            .collect(),
    ))
}

/// `POST …/courriels-en-echec/{id}/renvoyer`.
async fn resend(
    State(state): State<AppState>,
    MemberEvent {
        session,
        membership,
        event,
        ..
    }: MemberEvent,
    Path((_, _, id)): Path<(String, String, String)>,
) -> Result<Json<Accepted>, AppError> {
    // The same answer for a letter that left meanwhile, another event's
    // and an unknown one.
    let not_dead = || {
        AppError::Conflict {
        code: "not_dead_letter",
        message: "Ce courriel n'est pas (ou plus) parmi les envois en échec de cet événement : rechargez la liste.".to_owned(),
    }
    };
    let id: i64 = id.parse().map_err(|_| not_dead())?;
    let (recipient, subject) = state
        .store
        .resend_dead_letter(event.id, id, Utc::now())
        .await?
        .ok_or_else(not_dead)?;
    state.email_queued().await;
    audit(
        &state,
        &membership,
        &session,
        "renvoi",
        &format!("Courriel « {subject} » à {recipient} remis en file d'envoi"),
    )
    .await?;
    Ok(Json(Accepted {
        message: format!(
            "Le courriel à {recipient} est remis en file d'envoi : il repart maintenant, avec de nouvelles tentatives."
        ),
    }))
}

/// The French name of an audience.
fn audience_label(event: &EventRecord, audience: &Audience) -> String {
    match audience {
        Audience::All => "toutes les personnes inscrites".to_owned(),
        Audience::Confirmed => "les inscriptions confirmées".to_owned(),
        Audience::Waiting => "la liste d'attente".to_owned(),
        Audience::Workshop(id) => format!(
            "les inscrit·es de {}",
            quota_label(event, &quota::track(id))
        ),
        Audience::Day(day) => format!(
            "les inscrit·es de {}",
            quota_label(event, &quota::session(*day))
        ),
    }
}

fn checked(event: &EventRecord, request: &MessageRequest) -> Result<CheckedMessage, AppError> {
    let tracks: Vec<String> = event.public.tracks().map(|t| t.id.clone()).collect();
    check_message(request, &tracks, event.public.sessions.len()).map_err(AppError::Validation)
}

async fn sent_today(state: &AppState, event: &EventRecord) -> Result<u32, AppError> {
    Ok(state
        .store
        .messages_since(event.id, Utc::now() - chrono::Duration::hours(24))
        .await?)
}

/// `GET …/messages`.
async fn message_log(
    State(state): State<AppState>,
    MemberEvent { event, .. }: MemberEvent,
) -> Result<Json<MessageLog>, AppError> {
    let messages = state.store.message_log(event.id, 50).await?;
    Ok(Json(MessageLog {
        sent_today: sent_today(&state, &event).await?,
        daily_limit: MESSAGES_PER_DAY,
        messages: messages
            .into_iter()
            .map(|m| MessageLine {
                at: m.at,
                who: m.who,
                audience: m.audience,
                subject: m.subject,
                recipients: m.recipients,
            })
            .collect(),
    }))
}

/// `POST …/messages/apercu`.
async fn preview_message(
    State(state): State<AppState>,
    MemberEvent { event, .. }: MemberEvent,
    AppJson(request): AppJson<MessageRequest>,
) -> Result<Json<MessagePreview>, AppError> {
    let message = checked(&event, &request)?;
    let count = state
        .store
        .audience_count(event.id, &message.audience)
        .await?;
    let email = mail::message::message_email(
        &event,
        "[prénom]",
        "",
        "[lien personnel de chaque personne]",
        &message.subject,
        &message.body,
        &state.public_url,
    )?;
    Ok(Json(MessagePreview {
        count,
        sender_name: email.sender_name.unwrap_or_default(),
        subject: email.subject,
        body: email.body_text,
        sent_today: sent_today(&state, &event).await?,
        daily_limit: MESSAGES_PER_DAY,
    }))
}

/// `POST …/messages`.
async fn send_message(
    State(state): State<AppState>,
    MemberEvent {
        session,
        membership,
        event,
        ..
    }: MemberEvent,
    AppJson(request): AppJson<MessageRequest>,
) -> Result<Json<MessageSent>, AppError> {
    let message = checked(&event, &request)?;
    let public_url = state.public_url.clone();
    let (subject, body) = (message.subject.clone(), message.body.clone());
    let compose =
        move |event: &EventRecord, record: &crate::store::RegistrationRecord, token: &str| {
            mail::message::message_email(
                event,
                &record.first_name,
                &record.email,
                &format!("{public_url}/inscription/{token}"),
                &subject,
                &body,
                &public_url,
            )
        };
    let store = state.store.clone();
    let target = event.clone();
    let audience = message.audience.clone();
    let subject = message.subject.clone();
    let account_id = session.account.id;
    let outcome = detached(async move {
        let new = NewMessage {
            audience: &audience,
            subject: &subject,
            account_id,
            daily_limit: MESSAGES_PER_DAY,
        };
        store
            .send_message(&target, &new, &compose, Utc::now())
            .await
    })
    .await?;
    let label = audience_label(&event, &message.audience);
    let count = match outcome {
        MessageOutcome::DailyLimit => {
            return Err(AppError::Conflict {
                code: "daily_limit",
                message: format!(
                    "{MESSAGES_PER_DAY} messages ont déjà été écrits aux inscrit·es de cet événement en 24 heures : le suivant pourra partir quand le plus ancien aura plus de 24 heures."
                ),
            });
        }
        MessageOutcome::NoRecipient => {
            return Err(AppError::Conflict {
                code: "no_recipient",
                message: format!(
                    "Personne ne recevrait ce message : {label} ne compte aucune inscription active."
                ),
            });
        }
        MessageOutcome::Sent(count) => count,
    };
    state.email_queued().await;
    let plural = if count > 1 { "s" } else { "" };
    audit(
        &state,
        &membership,
        &session,
        "message",
        &format!(
            "Message « {} » écrit à {label} de « {} » : {count} e-mail{plural}",
            message.subject, event.public.title
        ),
    )
    .await?;
    Ok(Json(MessageSent {
        message: format!(
            "Message envoyé à {label} : {count} e-mail{plural} mis en file d'envoi, chacun avec le lien personnel de la personne."
        ),
        count,
    }))
}
