//! Stakeholder questionnaires (« questionnaires aux partenaires »): not tied
//! to an event, an organisation sends them to a list of addresses (funders,
//! speakers, partners) for its yearly appreciations, under
//! `/gestion/organisations/{org}/avis-partenaires`:
//!
//! - `GET` lists them (newest first); `POST` creates one (a draft) from the
//!   template (`{"modele": "partenaires"}`, or nothing) or from
//!   `{"questionnaire": {...}}` (its kind is made `stakeholder`).
//! - `GET`, `PUT …/{id}`, `POST …/{id}/relancer`, `…/{id}/fermer`,
//!   `GET …/{id}/resultats` are the event questionnaires' own handlers
//!   (the shared [`Scope`] prologue finds the questionnaire by its id in the
//!   member's organisation, 404 otherwise).
//! - `POST …/{id}/envoyer` takes the list (`{"adresses": "..."}`: one per
//!   line, or separated by commas or semicolons, or a CSV file's text with
//!   an address column, as for members-only invitations) and asks each
//!   address once: each gets a personal link `/avis/{token}`. Lines that
//!   are not addresses are reported, nothing is sent to them.
//!
//! The emails speak for the organisation; a named response is keyed by its
//! invitation (`contact:{id}`), an anonymous one as for events.

use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::routing::{MethodRouter, get, post};
use chrono::Utc;
use parvis_core::feedback::api::{NewQuestionnaire, QuestionnaireLine};
use parvis_core::feedback::{QuestionnaireKind, prepare, templates};
use parvis_core::invitations::{InviteRequest, LineProblem};
use serde::{Deserialize, Serialize};

use super::{
    About, Scope, address_of, closed_conflict, field_error, people, prefixed, queue,
    unknown_questionnaire, view_of,
};
use crate::AppState;
use crate::auth::{SignedIn, member_of};
use crate::error::{AppError, AppJson};
use crate::routes::detached;
use crate::routes::gestion::{AdminRoute, Guard};
use crate::store::feedback::{QuestionnaireStatus, Recipient};
use axum::Json;
use parvis_core::feedback::api::QuestionnaireView;

const LIST: &str = "/gestion/organisations/{org}/avis-partenaires";
const ONE: &str = "/gestion/organisations/{org}/avis-partenaires/{id}";
const SEND: &str = "/gestion/organisations/{org}/avis-partenaires/{id}/envoyer";
const REMIND: &str = "/gestion/organisations/{org}/avis-partenaires/{id}/relancer";
const CLOSE: &str = "/gestion/organisations/{org}/avis-partenaires/{id}/fermer";
const RESULTS: &str = "/gestion/organisations/{org}/avis-partenaires/{id}/resultats";

/// Most addresses in one sending.
pub const LIST_MAX: usize = 2_000;

/// The stakeholder routes, with their guard.
pub fn table() -> Vec<(AdminRoute, MethodRouter<AppState>)> {
    let route = |method, path| AdminRoute {
        method,
        path,
        guard: Guard::Member,
    };
    vec![
        (route(Method::GET, LIST), get(list)),
        (route(Method::POST, LIST), post(create)),
        (route(Method::GET, ONE), get(super::read)),
        (route(Method::PUT, ONE), axum::routing::put(super::replace)),
        (route(Method::POST, SEND), post(send)),
        (route(Method::POST, REMIND), post(super::remind)),
        (route(Method::POST, CLOSE), post(super::close)),
        (route(Method::GET, RESULTS), get(super::results)),
    ]
}

/// `GET …/avis-partenaires`.
async fn list(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(org): Path<String>,
) -> Result<Json<Vec<QuestionnaireLine>>, AppError> {
    let membership = member_of(&state, &session, &org, false).await?;
    let mut lines = Vec::new();
    for record in state
        .store
        .stakeholder_questionnaires(membership.organisation.id)
        .await?
    {
        let invitations = state.store.feedback_invitations(record.id).await?;
        let q = &record.questionnaire;
        lines.push(QuestionnaireLine {
            avis: address_of(&record),
            label: q.kind.label().to_owned(),
            status: record.status,
            title: q.title.clone(),
            anonymous: q.anonymous,
            invited: invitations.len(),
            answered: invitations.iter().filter(|i| i.answered).count(),
        });
    }
    Ok(Json(lines))
}

/// `POST …/avis-partenaires`.
async fn create(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(org): Path<String>,
    request: Result<AppJson<NewQuestionnaire>, AppError>,
) -> Result<(StatusCode, Json<QuestionnaireView>), AppError> {
    // The organisation first: a stranger learns nothing from the body.
    let membership = member_of(&state, &session, &org, false).await?;
    let AppJson(request) = request?;
    let questionnaire = match (request.modele.as_deref(), request.questionnaire) {
        (_, Some(mut questionnaire)) => {
            questionnaire.kind = QuestionnaireKind::Stakeholder;
            prepare(&questionnaire)
                .map_err(|errors| AppError::Validation(prefixed(errors, "questionnaire")))?
        }
        (None | Some("partenaires"), None) => templates::stakeholder(),
        (Some(_), None) => {
            return Err(field_error(
                "modele",
                "Ce modèle n'existe pas : le questionnaire aux partenaires a un seul modèle, « partenaires ».",
            ));
        }
    };
    let store = state.store.clone();
    let (organisation_id, stored) = (membership.organisation.id, questionnaire.clone());
    let id = detached(async move {
        store
            .create_stakeholder_questionnaire(organisation_id, &stored, Utc::now())
            .await
    })
    .await?;
    let record = state
        .store
        .stakeholder_questionnaires(membership.organisation.id)
        .await?
        .into_iter()
        .find(|record| record.id == id)
        .ok_or_else(unknown_questionnaire)?;
    let scope = Scope {
        session,
        about: About::Organisation(membership.organisation.name.clone()),
        membership,
        record,
    };
    scope
        .audit(&state, "avis", &format!("{} créé", scope.described()))
        .await?;
    Ok((StatusCode::CREATED, Json(view_of(&state, &scope).await?)))
}

/// What sending to a list did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSent {
    /// Emails queued now.
    pub sent: usize,
    /// Addresses of the list that had been asked before (nothing sent).
    pub already: usize,
    /// Lines left out, with why.
    pub problems: Vec<LineProblem>,
    /// French summary, for the status message.
    pub message: String,
}

/// `POST …/avis-partenaires/{id}/envoyer`.
async fn send(
    State(state): State<AppState>,
    scope: Scope,
    request: Result<AppJson<InviteRequest>, AppError>,
) -> Result<Json<ListSent>, AppError> {
    let AppJson(request) = request?;
    if scope.record.status == QuestionnaireStatus::Closed {
        return Err(closed_conflict());
    }
    let (found, problems) = crate::routes::invitations::parse_list(&request.adresses);
    let mut addresses: Vec<String> = found
        .into_iter()
        .map(|(_, address)| address.to_lowercase())
        .collect();
    addresses.sort();
    addresses.dedup();
    if addresses.is_empty() {
        return Err(field_error(
            "adresses",
            "Collez au moins une adresse e-mail, une par ligne (ou le contenu d'un fichier CSV qui a une colonne « email »).",
        ));
    }
    if addresses.len() > LIST_MAX {
        return Err(field_error(
            "adresses",
            &format!("Pas plus de {LIST_MAX} adresses par envoi : découpez la liste."),
        ));
    }
    let listed = addresses.len();
    let recipients = addresses
        .into_iter()
        .map(|email| Recipient {
            registration_id: None,
            first_name: String::new(),
            last_name: String::new(),
            email,
        })
        .collect();
    let sent = queue(
        &state,
        &scope.about,
        &scope.record,
        Some(recipients),
        Utc::now(),
    )
    .await?;
    let already = listed - sent;
    let mut message = format!("Questionnaire envoyé à {}.", people(sent));
    if already > 0 {
        message.push_str(&format!(
            " {} déjà sollicitée{} : rien ne lui a été renvoyé.",
            if already > 1 {
                format!("{already} adresses étaient")
            } else {
                "1 adresse était".to_owned()
            },
            if already > 1 { "s" } else { "" },
        ));
    }
    if !problems.is_empty() {
        message.push_str(&format!(
            " {} ligne{} écartée{} : voir le détail.",
            problems.len(),
            if problems.len() > 1 { "s" } else { "" },
            if problems.len() > 1 { "s" } else { "" },
        ));
    }
    scope
        .audit(
            &state,
            "avis_envoi",
            &format!("{} envoyé à {}", scope.described(), people(sent)),
        )
        .await?;
    Ok(Json(ListSent {
        sent,
        already,
        problems,
        message,
    }))
}
