//! Attendance of an event's sessions, for its organisation's members: the
//! roll of a session (`GET …/evenements/{slug}/presence/{session}`), one
//! registrant marked present or absent (`PUT` the same path with
//! `{registration, present}`), and the import of a webinar's attendance
//! report (`POST …/presence/{session}/import`, the file itself as the body,
//! whatever its content type, at most [`IMPORT_MAX_BYTES`]), matched to
//! the session's registrants by address without case (see [`report`]).
//!
//! A session's roll is its confirmed registrants, and on a cycle whose
//! days are chosen, those who chose that day. Another organisation's
//! event, an unknown session and a registrant not expected at the session
//! answer 404, in French. Every mark and every import writes a line in the
//! organisation's audit log (`presence`, `presence_import`).

pub mod report;

use std::collections::{HashMap, HashSet};

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{Method, StatusCode};
use axum::routing::{MethodRouter, get, post, put};
use chrono::Utc;
use parvis_core::api::{EventFormat, EventPublic, FieldErrors};
use parvis_core::dates;
use parvis_core::presence::{
    FILE_FIELD, IMPORT_MAX_BYTES, ImportReport, Mark, Marked, Roll, RollLine, SessionChoice, Source,
};
use parvis_core::search::normalise;

use super::detached;
use super::gestion::{AdminRoute, Guard};
use crate::AppState;
use crate::auth::MemberEvent;
use crate::error::{AppError, AppJson, status_message};
use crate::store::EventRecord;
use crate::store::accounts::{Membership, Session};
use crate::store::attendance::{Expected, MarkedBy};

const ROLL: &str = "/gestion/organisations/{org}/evenements/{slug}/presence/{session}";
const IMPORT: &str = "/gestion/organisations/{org}/evenements/{slug}/presence/{session}/import";

/// The attendance routes, with their guard.
pub fn table() -> Vec<(AdminRoute, MethodRouter<AppState>)> {
    let route = |method, path| AdminRoute {
        method,
        path,
        guard: Guard::Member,
    };
    vec![
        (route(Method::GET, ROLL), get(roll)),
        (route(Method::PUT, ROLL), put(mark)),
        (
            route(Method::POST, IMPORT),
            post(import).layer(DefaultBodyLimit::max(IMPORT_MAX_BYTES)),
        ),
    ]
}

/// The member's organisation, its event and the session asked for.
struct Scope {
    membership: Membership,
    event: EventRecord,
    session: usize,
}

/// The session `{session}` of the member's event (404 otherwise).
fn scope(found: MemberEvent, index: &str) -> Result<(Session, Scope), AppError> {
    let MemberEvent {
        session: signed_in,
        membership,
        event,
        ..
    } = found;
    let session = index
        .parse::<usize>()
        .ok()
        .filter(|&i| i < event.public.sessions.len())
        .ok_or_else(|| {
            AppError::NotFound("Cette séance n'existe pas pour cet événement.".to_owned())
        })?;
    Ok((
        signed_in,
        Scope {
            membership,
            event,
            session,
        },
    ))
}

impl Scope {
    async fn expected(&self, state: &AppState) -> Result<Vec<Expected>, AppError> {
        Ok(state
            .store
            .expected_at(self.event.id, self.session, self.event.public.day_selection)
            .await?)
    }

    /// « « Titre » (J2, mardi 18 mars 2031) », for the audit log.
    fn described(&self) -> String {
        format!(
            "« {} » ({}, {})",
            self.event.public.title,
            day(self.session),
            dates::long_date(
                self.event.public.sessions[self.session]
                    .starts_at
                    .date_naive()
            )
        )
    }

    async fn audit(
        &self,
        state: &AppState,
        session: &Session,
        action: &str,
        detail: &str,
    ) -> Result<(), AppError> {
        crate::auth::audit(state, &self.membership, session, action, detail).await
    }
}

/// « J1 », « J2 »…
fn day(session: usize) -> String {
    format!("J{}", session + 1)
}

/// Where the event takes place, as the sign-in sheet's header says it.
fn place(event: &EventPublic) -> String {
    let venue = event.venue.as_ref().map(|venue| {
        let mut parts = vec![venue.name.clone()];
        parts.extend(venue.address.iter().cloned());
        if !venue.city.is_empty() && !venue.address.iter().any(|line| line.contains(&venue.city)) {
            parts.push(venue.city.clone());
        }
        parts.retain(|part| !part.trim().is_empty());
        parts.join(", ")
    });
    match (event.format, venue) {
        (EventFormat::EnLigne, _) => "En ligne".to_owned(),
        (EventFormat::Hybride, Some(venue)) => format!("{venue}, et en ligne"),
        (EventFormat::Hybride, None) => "En ligne (lieu à préciser)".to_owned(),
        (EventFormat::Presentiel, Some(venue)) => venue,
        (EventFormat::Presentiel, None) => "Lieu à préciser".to_owned(),
    }
}

fn counts(expected: &[Expected]) -> (u32, u32) {
    let count = |value| {
        u32::try_from(expected.iter().filter(|e| e.present == Some(value)).count())
            .unwrap_or(u32::MAX)
    };
    (count(true), count(false))
}

/// `GET …/presence/{session}`.
async fn roll(
    State(state): State<AppState>,
    found: MemberEvent,
    Path((_, _, index)): Path<(String, String, String)>,
) -> Result<Json<Roll>, AppError> {
    let (_, scope) = scope(found, &index)?;
    let mut expected = scope.expected(&state).await?;
    let (present, absent) = counts(&expected);
    expected.sort_by_cached_key(|e| {
        (
            normalise(&e.last_name),
            normalise(&e.first_name),
            e.registration_id,
        )
    });
    let event = &scope.event.public;
    Ok(Json(Roll {
        slug: event.slug.clone(),
        title: event.title.clone(),
        place: place(event),
        session: scope.session,
        when: dates::session(&event.sessions[scope.session]),
        sessions: event
            .sessions
            .iter()
            .enumerate()
            .map(|(index, s)| SessionChoice {
                index,
                label: format!("{} – {}", day(index), dates::session(s)),
            })
            .collect(),
        day_selection: event.day_selection,
        lines: expected
            .into_iter()
            .map(|e| RollLine {
                registration: e.registration_id,
                first_name: e.first_name,
                last_name: e.last_name,
                email: e.email,
                organisation: e.organisation,
                present: e.present,
                source: e.source,
            })
            .collect(),
        present,
        absent,
    }))
}

/// `PUT …/presence/{session}` `{registration, present}`.
async fn mark(
    State(state): State<AppState>,
    found: MemberEvent,
    Path((_, _, index)): Path<(String, String, String)>,
    request: Result<AppJson<Mark>, AppError>,
) -> Result<Json<Marked>, AppError> {
    // The organisation first: a stranger learns nothing from the body.
    let (session, scope) = scope(found, &index)?;
    let AppJson(request) = request?;
    let mut expected = scope.expected(&state).await?;
    let Some(person) = expected
        .iter_mut()
        .find(|e| e.registration_id == request.registration)
    else {
        return Err(AppError::NotFound(
            "Cette personne n'est pas inscrite à cette séance.".to_owned(),
        ));
    };
    person.present = request.present;
    let name = format!("{} {}", person.first_name, person.last_name);
    let email = person.email.clone();
    let store = state.store.clone();
    let by = MarkedBy {
        source: Source::Manual,
        account_id: session.account.id,
        at: Utc::now(),
    };
    let (target, marks) = (scope.session, [(request.registration, request.present)]);
    detached(async move { store.set_attendance(target, &marks, by).await }).await?;
    let (what, said) = match request.present {
        Some(true) => ("présent", "présent·e"),
        Some(false) => ("absent", "absent·e"),
        None => ("marque retirée", "sans marque de présence"),
    };
    scope
        .audit(
            &state,
            &session,
            "presence",
            &format!("Présence de {email} à {} : {what}", scope.described()),
        )
        .await?;
    let (present, absent) = counts(&expected);
    Ok(Json(Marked {
        message: format!("{name} : {said}."),
        present,
        absent,
        total: u32::try_from(expected.len()).unwrap_or(u32::MAX),
    }))
}

fn plural(n: u32, one: &str, many: &str) -> String {
    if n > 1 {
        format!("{n} {many}")
    } else {
        format!("{n} {one}")
    }
}

fn file_error(message: String) -> AppError {
    let mut errors = FieldErrors::default();
    errors.add(FILE_FIELD, message);
    AppError::Validation(errors)
}

/// `POST …/presence/{session}/import`, the report as the body.
async fn import(
    State(state): State<AppState>,
    found: MemberEvent,
    Path((_, _, index)): Path<(String, String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ImportReport>, AppError> {
    let (session, scope) = scope(found, &index)?;
    let body = body.map_err(|rejection| {
        let status = rejection.status();
        AppError::BadRequest {
            status,
            message: if status == StatusCode::PAYLOAD_TOO_LARGE {
                format!(
                    "Le fichier dépasse {} Mo : exportez seulement la liste des participants.",
                    IMPORT_MAX_BYTES / (1024 * 1024)
                )
            } else {
                status_message(status).to_owned()
            },
        }
    })?;
    let read = report::parse(&body).map_err(|report::Unreadable(message)| file_error(message))?;
    let expected = scope.expected(&state).await?;
    let by_address: HashMap<String, i64> = expected
        .iter()
        .map(|e| (e.email.trim().to_lowercase(), e.registration_id))
        .collect();
    let mut matched: Vec<i64> = Vec::new();
    let mut seen = HashSet::new();
    let mut not_found = Vec::new();
    let (mut without_email, mut not_attended) = (0u32, 0u32);
    for participant in &read.participants {
        let Some(email) = &participant.email else {
            without_email += 1;
            continue;
        };
        if !participant.attended {
            not_attended += 1;
            continue;
        }
        if !seen.insert(email.clone()) {
            continue;
        }
        match by_address.get(email) {
            Some(&registration) => matched.push(registration),
            None => not_found.push(email.clone()),
        }
    }
    let lines = u32::try_from(read.participants.len()).unwrap_or(u32::MAX);
    let matched_count = u32::try_from(matched.len()).unwrap_or(u32::MAX);
    if !matched.is_empty() {
        let store = state.store.clone();
        let by = MarkedBy {
            source: Source::Import,
            account_id: session.account.id,
            at: Utc::now(),
        };
        let marks: Vec<(i64, Option<bool>)> = matched.iter().map(|&id| (id, Some(true))).collect();
        let target = scope.session;
        detached(async move { store.set_attendance(target, &marks, by).await }).await?;
    }
    let not_found_count = u32::try_from(not_found.len()).unwrap_or(u32::MAX);
    let mut summary = vec![
        plural(lines, "ligne lue", "lignes lues"),
        format!(
            "{} {}",
            plural(matched_count, "inscrit·e", "inscrit·es"),
            if matched_count > 1 {
                "marqué·es présent·es"
            } else {
                "marqué·e présent·e"
            }
        ),
        plural(
            not_found_count,
            "adresse absente des inscrit·es",
            "adresses absentes des inscrit·es",
        ),
        plural(without_email, "ligne sans adresse", "lignes sans adresse"),
    ];
    if not_attended > 0 {
        summary.push(plural(
            not_attended,
            "personne non venue selon le rapport",
            "personnes non venues selon le rapport",
        ));
    }
    let summary = summary.join(", ");
    scope
        .audit(
            &state,
            &session,
            "presence_import",
            &format!(
                "Import du rapport {} pour {} : {summary}",
                read.format.label(),
                scope.described()
            ),
        )
        .await?;
    Ok(Json(ImportReport {
        format: read.format,
        lines,
        matched: matched_count,
        not_found,
        without_email,
        not_attended,
        message: format!(
            "Rapport {} importé pour la séance {} : {summary}.",
            read.format.label(),
            day(scope.session)
        ),
    }))
}
