//! The agenda: `GET /api/events`, `GET /api/events/{slug}` and its public
//! calendar file.

use std::borrow::Borrow;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use parvis_core::api::{
    EventKind, EventPublic, EventQuery, EventSummary, FieldErrors, OrganisationSummary,
};
use parvis_core::{ics, search};

use crate::AppState;
use crate::error::AppError;
use crate::mail::compose::calendar_entries;
use crate::store::{EventFilter, EventRecord};

/// The event routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/events", get(list))
        .route("/events/{slug}", get(show))
        .route("/events/{slug}/calendar.ics", get(calendar))
        .route("/organisations", get(organisations))
}

/// `GET /api/organisations`: who publishes events, for the agenda's filter.
async fn organisations(
    State(state): State<AppState>,
) -> Result<Json<Vec<OrganisationSummary>>, AppError> {
    Ok(Json(
        state
            .store
            .publishing_organisations()
            .await?
            .into_iter()
            .map(|o| OrganisationSummary {
                slug: o.slug,
                name: o.name,
            })
            .collect(),
    ))
}

/// The summary of a public page, as the agenda lists it at `now`.
pub fn summary(event: &EventPublic, now: DateTime<Utc>) -> EventSummary {
    let first = event.sessions.first();
    let last = event.sessions.last();
    EventSummary {
        slug: event.slug.clone(),
        kind: event.kind,
        title: event.title.clone(),
        summary: event.summary.clone(),
        format: event.format,
        starts_at: first.map_or(event.registration.closes_at, |s| s.starts_at),
        ends_at: last.map_or(event.registration.closes_at, |s| s.ends_at),
        all_day: first.is_some_and(|s| s.all_day),
        session_count: u32::try_from(event.sessions.len()).unwrap_or(u32::MAX),
        city: event.venue.as_ref().map(|venue| venue.city.clone()),
        organiser: event.organiser.clone(),
        members_only: event.members_only,
        registration_state: event.registration_state,
        is_past: last.is_some_and(|s| s.ends_at <= now),
        cancelled: event.cancelled,
        report: event.report.clone(),
    }
}

#[tracing::instrument(skip(state))]
async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<EventQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let Query(query) = query?;
    let kind = match query.kind.as_deref().filter(|k| !k.is_empty()) {
        None => None,
        Some(value) => Some(EventKind::parse(value).ok_or_else(|| AppError::BadRequest {
            status: axum::http::StatusCode::BAD_REQUEST,
            message:
                "Le paramètre « kind » doit valoir webinaire, journee, cycle ou comite.".to_owned(),
        })?),
    };
    let organisation = query.organisation.filter(|o| !o.is_empty());
    if organisation.as_deref().is_some_and(|slug| {
        slug.len() > 100
            || !slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    }) {
        return Err(AppError::BadRequest {
            status: axum::http::StatusCode::BAD_REQUEST,
            message: "Le paramètre « organisation » doit être l'identifiant d'une organisation (lettres minuscules, chiffres, tirets).".to_owned(),
        });
    }
    let filter = EventFilter {
        when: query.when,
        kind,
        terms: search_terms(query.q.as_deref())?,
        organisation,
    };
    // The whole agenda, the app's first read, comes from the snapshot.
    if filter.when.is_none()
        && filter.kind.is_none()
        && filter.terms.is_empty()
        && filter.organisation.is_none()
    {
        return Ok(state.snapshot.agenda(&state.store).await?.answer(&headers));
    }
    let now = Utc::now();
    let events = state.store.list_events(&filter, now).await?;
    Ok(Json(
        events
            .into_iter()
            // The store computed where registration stands at `now`.
            .map(|event| summary(&event, now))
            .collect::<Vec<EventSummary>>(),
    )
    .into_response())
}

/// The words to look for, once the search is known to be of a reasonable
/// size: an oversized one is a 422 naming `q`, before any database work
/// (the agenda's and the publications catalogue's).
pub(crate) fn search_terms(q: Option<&str>) -> Result<Vec<String>, AppError> {
    let Some(q) = q else {
        return Ok(Vec::new());
    };
    search::check_query(q).map_err(|error| {
        let mut fields = FieldErrors::default();
        fields.add(search::QUERY_FIELD, error.to_string());
        AppError::Validation(fields)
    })?;
    Ok(search::query_terms(q))
}

/// Finds a public (published or cancelled) event or answers 404 in
/// French: a draft is seen only in the back-office. Where registration
/// stands was computed by the store as it read the event.
pub async fn find(state: &AppState, slug: &str) -> Result<EventRecord, AppError> {
    public(state.store.event_by_slug(slug).await?)
}

/// The event read if it is public (published or cancelled), or a 404 in
/// French.
pub fn public<E: Borrow<EventRecord>>(event: Option<E>) -> Result<E, AppError> {
    event
        .filter(|event| event.borrow().status != parvis_core::editor::EventStatus::Draft)
        .ok_or_else(|| {
            AppError::NotFound("Cet événement n'existe pas ou a été retiré de l'agenda.".to_owned())
        })
}

#[tracing::instrument(skip(state))]
async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    // From the snapshot (see `crate::snapshot`), built by `find` and
    // `public_page`.
    Ok(state.snapshot.page(&state, &slug).await?.answer(&headers))
}

#[tracing::instrument(skip(state))]
async fn calendar(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let event = find(&state, &slug).await?;
    let all: Vec<usize> = (0..event.public.sessions.len()).collect();
    // The public file is nobody's registration: its entries stay at
    // SEQUENCE 0.
    let body = ics::calendar(
        ics::Method::Publish,
        &calendar_entries(&event, &state.public_url, None, &all),
        Utc::now(),
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{slug}.ics\""),
            ),
        ],
        body,
    ))
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use http_body_util::BodyExt;
    use parvis_core::api::ApiError;

    use super::*;

    #[test]
    fn a_reasonable_search_gives_its_words() {
        assert_eq!(
            search_terms(Some("Cohésion sociale")).unwrap(),
            ["cohesion", "sociale"]
        );
        assert!(search_terms(None).unwrap().is_empty());
        assert!(search_terms(Some(&"a".repeat(200))).is_ok());
    }

    #[tokio::test]
    async fn an_oversized_search_is_a_422_naming_q() {
        for q in ["x".repeat(50_000), "é".repeat(201), ["mot"; 11].join(" ")] {
            let error = search_terms(Some(&q)).unwrap_err();
            let response = error.into_response();
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let body = response.into_body().collect().await.unwrap().to_bytes();
            let body: ApiError = serde_json::from_slice(&body).unwrap();
            assert_eq!(body.code, "validation");
            assert_eq!(
                body.message,
                "Le formulaire contient des erreurs : Recherche."
            );
            assert_eq!(body.fields.0.keys().collect::<Vec<_>>(), ["q"]);
            assert!(body.fields.get("q")[0].starts_with("La recherche ne peut pas"));
        }
    }
}
