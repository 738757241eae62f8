//! The event editor's routes: an organisation's events, and for each one
//! create, edit, publish or unpublish, duplicate, cancel (every registrant
//! told) and delete (only when nobody ever registered). Every write is
//! checked by parvis-core's rules ([`crate::editor::event_of`]) and kept in
//! the organisation's audit log. The routes join the back-office's table
//! ([`super::gestion::admin_routes`]).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::routing::{MethodRouter, delete, get, post};
use chrono::Utc;
use parvis_core::api::FieldErrors;
use parvis_core::editor::{
    EditorView, EventDraft, EventStatus, Preview, PreviewRequest, Saved, draft_of,
};
use parvis_core::gestion::{Accepted, EventLine};

use super::detached;
use super::gestion::{AdminRoute, Guard};
use crate::AppState;
use crate::auth::{SignedIn, UnknownEvent, audit, member_of};
use crate::error::{AppError, AppJson};
use crate::store::NewEvent;
use crate::store::accounts::{Membership, Session};

const EVENTS: &str = "/gestion/organisations/{org}/evenements";
const EVENT: &str = "/gestion/organisations/{org}/evenements/{slug}";
const EDITION: &str = "/gestion/organisations/{org}/evenements/{slug}/edition";
const PUBLISH: &str = "/gestion/organisations/{org}/evenements/{slug}/publier";
const UNPUBLISH: &str = "/gestion/organisations/{org}/evenements/{slug}/depublier";
const DUPLICATE: &str = "/gestion/organisations/{org}/evenements/{slug}/dupliquer";
const CANCEL: &str = "/gestion/organisations/{org}/evenements/{slug}/annuler";
const PREVIEW: &str = "/gestion/organisations/{org}/apercu";

/// The editor's routes, with their guards.
pub fn table() -> Vec<(AdminRoute, MethodRouter<AppState>)> {
    let route = |method: Method, path: &'static str| AdminRoute {
        method,
        path,
        guard: Guard::Member,
    };
    vec![
        (route(Method::GET, EVENTS), get(list)),
        (route(Method::POST, EVENTS), post(create)),
        (route(Method::DELETE, EVENT), delete(remove)),
        (route(Method::GET, EDITION), get(open)),
        (route(Method::PUT, EDITION), axum::routing::put(save)),
        (route(Method::POST, PUBLISH), post(publish)),
        (route(Method::POST, UNPUBLISH), post(unpublish)),
        (route(Method::POST, DUPLICATE), post(duplicate)),
        (route(Method::POST, CANCEL), post(cancel)),
        (route(Method::POST, PREVIEW), post(preview)),
    ]
}

/// An event's routes answer 404 with this message for another
/// organisation's event.
struct InOrganisation;

impl UnknownEvent for InOrganisation {
    const MESSAGE: &'static str = "Cet événement n'existe pas dans votre organisation.";
}

/// The editor's prologue: see [`crate::auth::MemberEvent`].
type MemberEvent = crate::auth::MemberEvent<InOrganisation>;

async fn record(
    state: &AppState,
    membership: &Membership,
    session: &Session,
    what: &str,
) -> Result<(), AppError> {
    audit(state, membership, session, "evenement", what).await
}

fn slug_taken() -> AppError {
    let mut errors = FieldErrors::default();
    errors.add(
        "slug",
        "Cette adresse est déjà celle d'un autre événement : choisissez-en une autre.".to_owned(),
    );
    AppError::Validation(errors)
}

/// `GET …/evenements`: the organisation's events, most recent first.
async fn list(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(org): Path<String>,
) -> Result<Json<Vec<EventLine>>, AppError> {
    let membership = member_of(&state, &session, &org, false).await?;
    Ok(Json(
        state.store.event_lines(membership.organisation.id).await?,
    ))
}

/// `POST …/evenements`: a new event, as a draft.
async fn create(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(org): Path<String>,
    AppJson(draft): AppJson<EventDraft>,
) -> Result<(StatusCode, Json<Saved>), AppError> {
    let membership = member_of(&state, &session, &org, false).await?;
    let event = crate::editor::event_of(
        &draft,
        &membership.organisation.name,
        Some(membership.organisation.id),
        EventStatus::Draft,
    )
    .map_err(AppError::Validation)?;
    let store = state.store.clone();
    let inserted = event.clone();
    let id = detached(async move { store.insert_event(&inserted).await }).await?;
    if id.is_none() {
        return Err(slug_taken());
    }
    record(
        &state,
        &membership,
        &session,
        &format!("Événement « {} » créé (brouillon)", event.public.title),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Saved {
            slug: event.public.slug.clone(),
            message: "L'événement est enregistré comme brouillon : il n'est pas encore sur l'agenda public.".to_owned(),
        }),
    ))
}

/// `GET …/{slug}/edition`: what the editor shows.
async fn open(
    State(state): State<AppState>,
    MemberEvent { event, .. }: MemberEvent,
) -> Result<Json<EditorView>, AppError> {
    let counts = state.store.registration_counts(event.id).await?;
    Ok(Json(EditorView {
        draft: draft_of(
            &event.public,
            &event.description_markdown,
            event.connection_url.as_deref(),
        ),
        status: event.status,
        active_registrations: counts.active,
        deletable: counts.all == 0,
    }))
}

/// `PUT …/{slug}/edition`: saves a new version; its address stays.
async fn save(
    State(state): State<AppState>,
    MemberEvent {
        session,
        membership,
        event,
        ..
    }: MemberEvent,
    AppJson(mut draft): AppJson<EventDraft>,
) -> Result<Json<Accepted>, AppError> {
    // Links already sent name the address: it never changes.
    draft.slug = event.public.slug.clone();
    let new: NewEvent = crate::editor::event_of(
        &draft,
        &membership.organisation.name,
        Some(membership.organisation.id),
        event.status,
    )
    .map_err(AppError::Validation)?;
    let compose = crate::mail::composer(state.public_url.clone(), Utc::now);
    let store = state.store.clone();
    let (target, version) = (event.clone(), new.clone());
    let told = detached(async move {
        store
            .update_event(&target, &version, &compose, Utc::now())
            .await
    })
    .await?
    .map_err(AppError::Validation)?;
    state.email_queued().await;
    record(
        &state,
        &membership,
        &session,
        &format!("Événement « {} » modifié", new.public.title),
    )
    .await?;
    Ok(Json(Accepted {
        message: match told {
            0 => "Les modifications sont enregistrées.".to_owned(),
            1 => "Les modifications sont enregistrées. La date, le lieu ou le lien ayant changé, la personne inscrite en est prévenue par e-mail, avec son agenda mis à jour.".to_owned(),
            n => format!("Les modifications sont enregistrées. La date, le lieu ou le lien ayant changé, les {n} personnes inscrites en sont prévenues par e-mail, avec leur agenda mis à jour."),
        },
    }))
}

async fn set_status(
    state: AppState,
    found: MemberEvent,
    status: EventStatus,
) -> Result<Json<Accepted>, AppError> {
    let MemberEvent {
        session,
        membership,
        event,
        ..
    } = found;
    if event.status == EventStatus::Cancelled {
        return Err(AppError::Conflict {
            code: "event_cancelled",
            message: "Cet événement est annulé : il ne peut plus être publié ni retiré.".to_owned(),
        });
    }
    state
        .store
        .set_event_status(event.id, status, Utc::now())
        .await?;
    let (what, message) = match status {
        EventStatus::Published => (
            "publié",
            "L'événement est publié : il est sur l'agenda public et les inscriptions suivent leurs dates d'ouverture.",
        ),
        _ => (
            "retiré de l'agenda (brouillon)",
            "L'événement est retiré de l'agenda public. Les personnes déjà inscrites gardent leur inscription.",
        ),
    };
    record(
        &state,
        &membership,
        &session,
        &format!("Événement « {} » {what}", event.public.title),
    )
    .await?;
    Ok(Json(Accepted {
        message: message.to_owned(),
    }))
}

/// `POST …/{slug}/publier`.
async fn publish(
    State(state): State<AppState>,
    found: MemberEvent,
) -> Result<Json<Accepted>, AppError> {
    set_status(state, found, EventStatus::Published).await
}

/// `POST …/{slug}/depublier`.
async fn unpublish(
    State(state): State<AppState>,
    found: MemberEvent,
) -> Result<Json<Accepted>, AppError> {
    set_status(state, found, EventStatus::Draft).await
}

/// `POST …/{slug}/dupliquer`: a draft copy under a free address
/// (`…-copie`, `…-copie-2`…), to date again.
async fn duplicate(
    State(state): State<AppState>,
    MemberEvent {
        session,
        membership,
        event,
        ..
    }: MemberEvent,
) -> Result<(StatusCode, Json<Saved>), AppError> {
    let mut copy = NewEvent {
        public: event.public.clone(),
        description_markdown: event.description_markdown.clone(),
        status: EventStatus::Draft,
        organisation_id: Some(membership.organisation.id),
        connection_url: event.connection_url.clone(),
        private: Default::default(),
    };
    copy.public.cancelled = false;
    let base: String = format!(
        "{}-copie",
        event.public.slug.chars().take(70).collect::<String>()
    );
    for attempt in 1..=20 {
        copy.public.slug = if attempt == 1 {
            base.clone()
        } else {
            format!("{base}-{attempt}")
        };
        let store = state.store.clone();
        let inserted = copy.clone();
        if detached(async move { store.insert_event(&inserted).await })
            .await?
            .is_some()
        {
            record(
                &state,
                &membership,
                &session,
                &format!(
                    "Événement « {} » dupliqué ({})",
                    event.public.title, copy.public.slug
                ),
            )
            .await?;
            return Ok((
                StatusCode::CREATED,
                Json(Saved {
                    slug: copy.public.slug,
                    message: "La copie est enregistrée comme brouillon : changez ses dates, puis publiez-la.".to_owned(),
                }),
            ));
        }
    }
    Err(AppError::Conflict {
        code: "too_many_copies",
        message: "Trop de copies de cet événement existent déjà : renommez-en une.".to_owned(),
    })
}

/// `POST …/{slug}/annuler`: cancels the event; every registrant is told
/// and their calendars drop it.
async fn cancel(
    State(state): State<AppState>,
    MemberEvent {
        session,
        membership,
        event,
        ..
    }: MemberEvent,
) -> Result<Json<Accepted>, AppError> {
    if event.status == EventStatus::Cancelled {
        return Ok(Json(Accepted {
            message: "Cet événement était déjà annulé.".to_owned(),
        }));
    }
    let compose = crate::mail::composer(state.public_url.clone(), Utc::now);
    let store = state.store.clone();
    let target = event.clone();
    let told =
        detached(async move { store.cancel_event(&target, &compose, Utc::now()).await }).await?;
    state.email_queued().await;
    record(
        &state,
        &membership,
        &session,
        &format!(
            "Événement « {} » annulé ({told} inscrit·es prévenu·es)",
            event.public.title
        ),
    )
    .await?;
    Ok(Json(Accepted {
        message: match told {
            0 => "L'événement est annulé. Personne n'y était inscrit.".to_owned(),
            1 => {
                "L'événement est annulé : la personne inscrite est prévenue par e-mail.".to_owned()
            }
            n => format!(
                "L'événement est annulé : les {n} personnes inscrites sont prévenues par e-mail."
            ),
        },
    }))
}

/// `DELETE …/{slug}`: only when nobody ever registered.
async fn remove(
    State(state): State<AppState>,
    MemberEvent {
        session,
        membership,
        event,
        ..
    }: MemberEvent,
) -> Result<Json<Accepted>, AppError> {
    let store = state.store.clone();
    let id = event.id;
    if !detached(async move { store.delete_event(id).await }).await? {
        return Err(AppError::Conflict {
            code: "event_has_registrations",
            message: "Des personnes se sont inscrites à cet événement : il ne peut pas être supprimé. Annulez-le plutôt, elles en seront prévenues.".to_owned(),
        });
    }
    record(
        &state,
        &membership,
        &session,
        &format!("Événement « {} » supprimé", event.public.title),
    )
    .await?;
    Ok(Json(Accepted {
        message: "L'événement est supprimé.".to_owned(),
    }))
}

/// `POST …/apercu`: the description as the public page will show it.
async fn preview(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(org): Path<String>,
    AppJson(request): AppJson<PreviewRequest>,
) -> Result<Json<Preview>, AppError> {
    member_of(&state, &session, &org, false).await?;
    if request.markdown.chars().count() > parvis_core::editor::DESCRIPTION_MAX {
        let mut errors = FieldErrors::default();
        errors.add(
            "description",
            format!(
                "La description ne peut pas dépasser {} caractères.",
                parvis_core::editor::DESCRIPTION_MAX
            ),
        );
        return Err(AppError::Validation(errors));
    }
    Ok(Json(Preview {
        html: crate::markdown::render(&request.markdown),
    }))
}
