//! Participant feedback (« avis »): an event's questionnaires for its
//! organisation's members (rows of the gestion table, Guard::Member, 404
//! for another organisation's event as for an unknown one), and the
//! participants' personal pages (`/api/avis/{token}`, public).
//!
//! An event has at most one questionnaire of each kind, addressed as
//! `…/{slug}/avis/a-chaud` and `…/{slug}/avis/a-froid`:
//!
//! - `POST …/avis` creates one (a draft) from a template
//!   (`{"modele": "webinaire" | "journee" | "cycle" | "a-froid"}`; `cycle`
//!   rates the event's days; without `modele`, the one of the event's kind)
//!   or from `{"questionnaire": {...}}`, checked by `prepare` (French
//!   errors keyed `questionnaire.title`, `questionnaire.questions.2.options`…).
//! - `GET …/avis` lists them; `GET …/avis/{avis}` reads one with its
//!   counts; `PUT …/avis/{avis}` replaces it with a questionnaire (errors
//!   keyed as `prepare` keys them). Labels, help, options and new questions
//!   may change at any time; a question that has answers may not be
//!   removed nor change its type, the kind never changes, and anonymity is
//!   fixed once anyone was asked (its promise was in their email).
//! - `POST …/avis/{avis}/envoyer` asks, now, those marked present at one
//!   session at least, or when no attendance was taken, every confirmed
//!   registrant: one email each with a personal link `/avis/{token}`
//!   (only its SHA-256 is stored); people already asked get nothing, so
//!   sending again reaches only those added since. It opens a draft.
//! - `POST …/avis/{avis}/relancer` sends the one reminder (never more) to
//!   those who have not submitted, with a second link (the first keeps
//!   working).
//! - `POST …/avis/{avis}/fermer` closes it: answers become read-only.
//! - `POST …/avis/{avis}/lien-public` publishes the event-wide link (for
//!   a webinar's chat; a new one each time, the previous one stops
//!   working; it opens a draft) and `DELETE` withdraws it. Through it,
//!   each browser has one response, keyed by its own random key (header
//!   `x-parvis-navigateur`), linked to nobody, marked « lien public » in
//!   results, and each client address may start
//!   PARVIS_REGISTRATIONS_PER_CLIENT_PER_HOUR of them an hour.
//! - Automatic questionnaires (`automatic`) go out by themselves: the job
//!   runner ([`run_due`]) sends the invitations `send_delay_hours` after
//!   the end of a published event's last session (a cold one
//!   `cold_delay_days` after), then the reminder `reminder_delay_days`
//!   later, each once (`sent_at`, `reminded_at`), as the routes would.
//! - `GET …/avis/{avis}/resultats`: the figures of the submitted responses
//!   (`parvis_core::feedback::summary`), the response rate, and in named
//!   mode only the breakdowns by structure type, territory and workshop and
//!   who has not answered; hot versus cold when both exist.
//!
//! Every write is committed before its answer and leaves an audit line
//! (`avis`, `avis_envoi`, `avis_relance`).

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::routing::{MethodRouter, get, post};
use axum::{Json, Router};
use chrono::{DateTime, FixedOffset, Utc};
use parvis_core::api::{EventKind, FieldErrors};
use parvis_core::dates;
use parvis_core::feedback::api::{
    Breakdowns, FormAnswers, FormView, NewQuestionnaire, NotAnswered, QuestionnaireLine,
    QuestionnaireView, ResultsView, SentReport,
};
use parvis_core::feedback::results::{
    Breakdown, Counted, Response, Summary, TEXTS_SHOWN, Tally, compare,
};
use parvis_core::feedback::{
    Questionnaire, QuestionnaireKind, anonymity_notice, check_answers, prepare, templates, visible,
};

use super::detached;
use super::gestion::{AdminRoute, Guard};
use crate::AppState;
use crate::auth::{MemberEvent, SignedIn, UnknownEvent, member_of};
use crate::client::ClientIp;
use crate::error::{AppError, AppJson};
use crate::mail::feedback::{feedback_email, stakeholder_email};
use crate::rate_limit;
use crate::store::EventRecord;
use crate::store::accounts::{Membership, Session};
use crate::store::feedback::{
    FeedbackLink, OpenedLink, QuestionnaireRecord, QuestionnaireStatus, Recipient, Saved,
    SavedResponse, Submission,
};
use crate::token;
use parvis_core::editor::EventStatus;
use parvis_core::feedback::api::BROWSER_HEADER;

const LIST: &str = "/gestion/organisations/{org}/evenements/{slug}/avis";
const ONE: &str = "/gestion/organisations/{org}/evenements/{slug}/avis/{avis}";
const SEND: &str = "/gestion/organisations/{org}/evenements/{slug}/avis/{avis}/envoyer";
const REMIND: &str = "/gestion/organisations/{org}/evenements/{slug}/avis/{avis}/relancer";
const CLOSE: &str = "/gestion/organisations/{org}/evenements/{slug}/avis/{avis}/fermer";
const RESULTS: &str = "/gestion/organisations/{org}/evenements/{slug}/avis/{avis}/resultats";
const PUBLIC_LINK: &str = "/gestion/organisations/{org}/evenements/{slug}/avis/{avis}/lien-public";

/// The organisers' feedback routes, with their guard.
pub fn table() -> Vec<(AdminRoute, MethodRouter<AppState>)> {
    let route = |method, path| AdminRoute {
        method,
        path,
        guard: Guard::Member,
    };
    vec![
        (route(Method::POST, LIST), post(create)),
        (route(Method::GET, LIST), get(list)),
        (route(Method::GET, ONE), get(read)),
        (route(Method::PUT, ONE), axum::routing::put(replace)),
        (route(Method::POST, SEND), post(send)),
        (route(Method::POST, REMIND), post(remind)),
        (route(Method::GET, RESULTS), get(results)),
        (route(Method::POST, CLOSE), post(close)),
        (route(Method::POST, PUBLIC_LINK), post(publish_link)),
        (
            route(Method::DELETE, PUBLIC_LINK),
            axum::routing::delete(withdraw_link),
        ),
    ]
    .into_iter()
    .chain(partenaires::table())
    .collect()
}

mod partenaires;

/// The participants' personal pages.
pub fn router() -> Router<AppState> {
    Router::new().route("/avis/{token}", get(open_form).put(save_form))
}

/// The path name of a questionnaire's kind.
fn path_of(kind: QuestionnaireKind) -> &'static str {
    match kind {
        QuestionnaireKind::Cold => "a-froid",
        _ => "a-chaud",
    }
}

/// A questionnaire's last path segment: `a-chaud` or `a-froid` under its
/// event's `…/avis/`, its id under `…/avis-partenaires/`.
fn address_of(record: &QuestionnaireRecord) -> String {
    match record.questionnaire.kind {
        QuestionnaireKind::Stakeholder => record.id.to_string(),
        kind => path_of(kind).to_owned(),
    }
}

/// The 404 of the feedback routes for an event that is not one of the
/// organisation's.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FeedbackEvent;

impl UnknownEvent for FeedbackEvent {
    const MESSAGE: &'static str = "Cet événement n'existe pas dans votre organisation.";
}

fn unknown_questionnaire() -> AppError {
    AppError::NotFound("Cet événement n'a pas ce questionnaire.".to_owned())
}

/// What a questionnaire asks about: an event, or for a stakeholder
/// questionnaire, its organisation's action.
#[derive(Debug, Clone)]
pub(crate) enum About {
    /// An event's hot or cold questionnaire.
    Event(Box<EventRecord>),
    /// A stakeholder questionnaire, by the organisation's name.
    Organisation(String),
}

impl About {
    fn event(&self) -> Option<&EventRecord> {
        match self {
            About::Event(event) => Some(event),
            About::Organisation(_) => None,
        }
    }
}

/// The signed-in member, their organisation, what the questionnaire asked
/// for is about, and the questionnaire: the prologue of every route on one
/// questionnaire, an event's (`…/evenements/{slug}/avis/{avis}`) or a
/// stakeholder one (`…/avis-partenaires/{id}`). 404 for another
/// organisation's, as for an unknown one.
pub(crate) struct Scope {
    pub(crate) session: Session,
    pub(crate) membership: Membership,
    pub(crate) about: About,
    pub(crate) record: QuestionnaireRecord,
}

impl axum::extract::FromRequestParts<AppState> for Scope {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, AppError> {
        let Path(params) = Path::<BTreeMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| unknown_questionnaire())?;
        let param = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
        if params.contains_key("slug") {
            let found = MemberEvent::<FeedbackEvent>::from_request_parts(parts, state).await?;
            event_questionnaire(state, found, param("avis")).await
        } else {
            let SignedIn(session) = SignedIn::from_request_parts(parts, state).await?;
            let membership = member_of(state, &session, param("org"), false).await?;
            let unknown = || {
                AppError::NotFound(
                    "Ce questionnaire aux partenaires n'existe pas dans votre organisation."
                        .to_owned(),
                )
            };
            let id: i64 = param("id").parse().map_err(|_| unknown())?;
            let record = state
                .store
                .stakeholder_questionnaires(membership.organisation.id)
                .await?
                .into_iter()
                .find(|record| record.id == id)
                .ok_or_else(unknown)?;
            Ok(Scope {
                session,
                about: About::Organisation(membership.organisation.name.clone()),
                membership,
                record,
            })
        }
    }
}

async fn event_questionnaire(
    state: &AppState,
    found: MemberEvent<FeedbackEvent>,
    avis: &str,
) -> Result<Scope, AppError> {
    let MemberEvent {
        session,
        membership,
        event,
        ..
    } = found;
    let kind = match avis {
        "a-chaud" => QuestionnaireKind::Hot,
        "a-froid" => QuestionnaireKind::Cold,
        _ => return Err(unknown_questionnaire()),
    };
    let record = state
        .store
        .questionnaires(event.id)
        .await?
        .into_iter()
        .find(|record| record.questionnaire.kind == kind)
        .ok_or_else(unknown_questionnaire)?;
    Ok(Scope {
        session,
        membership,
        about: About::Event(Box::new(event)),
        record,
    })
}

impl Scope {
    /// « questionnaire à chaud de « Titre » », for the audit log.
    pub(crate) fn described(&self) -> String {
        match &self.about {
            About::Event(event) => {
                let kind = match self.record.questionnaire.kind {
                    QuestionnaireKind::Cold => "à froid",
                    _ => "à chaud",
                };
                format!("questionnaire {kind} de « {} »", event.public.title)
            }
            About::Organisation(_) => format!(
                "questionnaire aux partenaires « {} »",
                self.record.questionnaire.title
            ),
        }
    }

    /// An audit line in the member's name, for their organisation.
    pub(crate) async fn audit(
        &self,
        state: &AppState,
        action: &str,
        detail: &str,
    ) -> Result<(), AppError> {
        crate::auth::audit(state, &self.membership, &self.session, action, detail).await
    }
}

fn closed_conflict() -> AppError {
    AppError::Conflict {
        code: "feedback_closed",
        message: "Ce questionnaire est clos : il ne peut plus être envoyé ni relancé.".to_owned(),
    }
}

/// `GET …/avis`.
async fn list(
    State(state): State<AppState>,
    MemberEvent { event, .. }: MemberEvent<FeedbackEvent>,
) -> Result<Json<Vec<QuestionnaireLine>>, AppError> {
    let mut lines = Vec::new();
    for record in state.store.questionnaires(event.id).await? {
        let invitations = state.store.feedback_invitations(record.id).await?;
        let q = &record.questionnaire;
        lines.push(QuestionnaireLine {
            avis: path_of(q.kind).to_owned(),
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

/// The days of an event, as a cycle's matrix rows: « J1 – mardi 18 mars 2031 ».
fn days_of(event: &EventRecord) -> Vec<String> {
    event
        .public
        .sessions
        .iter()
        .enumerate()
        .map(|(i, s)| {
            format!(
                "J{} – {}",
                i + 1,
                dates::long_date(s.starts_at.date_naive())
            )
        })
        .collect()
}

fn template(name: &str, event: &EventRecord) -> Option<Questionnaire> {
    match name {
        "webinaire" => Some(templates::webinar()),
        "journee" => Some(templates::study_day()),
        "cycle" => Some(templates::cycle(&days_of(event))),
        "a-froid" => Some(templates::cold()),
        _ => None,
    }
}

fn field_error(key: &str, message: &str) -> AppError {
    let mut errors = FieldErrors::default();
    errors.add(key, message.to_owned());
    AppError::Validation(errors)
}

/// Prefixes every key of `errors` with `prefix.`.
fn prefixed(errors: FieldErrors, prefix: &str) -> FieldErrors {
    let mut out = FieldErrors::default();
    for (key, messages) in errors.0 {
        for message in messages {
            out.add(&format!("{prefix}.{key}"), message);
        }
    }
    out
}

/// `POST …/avis`.
async fn create(
    State(state): State<AppState>,
    // The organisation first: a stranger learns nothing from the body.
    MemberEvent {
        session,
        membership,
        event,
        ..
    }: MemberEvent<FeedbackEvent>,
    request: Result<AppJson<NewQuestionnaire>, AppError>,
) -> Result<(StatusCode, Json<QuestionnaireView>), AppError> {
    let AppJson(request) = request?;
    let questionnaire = match (request.modele.as_deref(), request.questionnaire) {
        (_, Some(questionnaire)) => {
            let prepared = prepare(&questionnaire)
                .map_err(|errors| AppError::Validation(prefixed(errors, "questionnaire")))?;
            if prepared.kind == QuestionnaireKind::Stakeholder {
                return Err(field_error(
                    "questionnaire.kind",
                    "Un questionnaire aux partenaires n'est pas lié à un événement : choisissez « à chaud » ou « à froid ».",
                ));
            }
            prepared
        }
        (Some(name), None) => template(name, &event).ok_or_else(|| {
            field_error(
                "modele",
                "Ce modèle n'existe pas : choisissez webinaire, journée, cycle ou à froid.",
            )
        })?,
        (None, None) => match event.public.kind {
            EventKind::Webinaire => templates::webinar(),
            EventKind::Cycle => templates::cycle(&days_of(&event)),
            EventKind::Journee | EventKind::Comite => templates::study_day(),
        },
    };
    let store = state.store.clone();
    let (event_id, stored) = (event.id, questionnaire.clone());
    let created = detached(async move {
        store
            .create_questionnaire(event_id, &stored, Utc::now())
            .await
    })
    .await?;
    if created.is_none() {
        return Err(AppError::Conflict {
            code: "questionnaire_exists",
            message: format!(
                "Cet événement a déjà un {} : modifiez-le.",
                questionnaire.kind.label().to_lowercase()
            ),
        });
    }
    let scope = Scope {
        record: state
            .store
            .questionnaires(event.id)
            .await?
            .into_iter()
            .find(|r| r.questionnaire.kind == questionnaire.kind)
            .ok_or_else(unknown_questionnaire)?,
        membership,
        about: About::Event(Box::new(event)),
        session,
    };
    scope
        .audit(&state, "avis", &format!("{} créé", scope.described()))
        .await?;
    Ok((StatusCode::CREATED, Json(view_of(&state, &scope).await?)))
}

pub(crate) async fn view_of(
    state: &AppState,
    scope: &Scope,
) -> Result<QuestionnaireView, AppError> {
    let record = &scope.record;
    let invitations = state.store.feedback_invitations(record.id).await?;
    let (mut questions, mut public_answers) = (BTreeSet::new(), 0);
    each_response(state, record.id, |response| {
        answered_in(response, &mut questions);
        public_answers += usize::from(response.public && response.submitted);
    })
    .await?;
    let answered = invitations.iter().filter(|i| i.answered).count();
    let q = &record.questionnaire;
    let send_at = scope
        .about
        .event()
        .and_then(|event| event.public.sessions.iter().map(|s| s.ends_at).max())
        .and_then(|end| q.send_due(end))
        .filter(|_| record.sent_at.is_none())
        .map(|at| at.to_rfc3339());
    Ok(QuestionnaireView {
        avis: address_of(record),
        status: record.status,
        questionnaire: q.clone(),
        invited: invitations.len(),
        answered,
        reminded: invitations
            .iter()
            .filter(|i| i.reminded_at.is_some())
            .count(),
        response_rate: rate(answered, invitations.len()),
        answered_questions: questions.into_iter().collect(),
        send_at,
        sent_at: record.sent_at.map(|at| at.to_rfc3339()),
        public_link: record
            .public_token
            .as_ref()
            .map(|token| format!("{}/avis/{token}", state.public_url)),
        public_answers,
    })
}

fn rate(part: usize, whole: usize) -> Option<u32> {
    parvis_core::feedback::results::percent(part, whole)
}

/// Adds the questions a response answers to `questions`.
fn answered_in(response: &Response, questions: &mut BTreeSet<String>) {
    for id in response.answers.keys() {
        if !questions.contains(id) {
            questions.insert(id.clone());
        }
    }
}

/// Hands every response to a questionnaire (submitted or not) to `each`,
/// a chunk of a few hundred at a time: the dashboard and the editor never
/// hold them all. Three stages run at once, on the two cores: a task reads
/// the chunks, another decodes their answers, and `each` counts the ones
/// before; each chunk is freed as soon as counted.
async fn each_response(
    state: &AppState,
    questionnaire_id: i64,
    mut each: impl FnMut(&Response),
) -> Result<(), AppError> {
    each_batch(state, questionnaire_id, |batch| {
        batch.iter().for_each(&mut each)
    })
    .await
}

/// [`each_response`], a batch of responses at a time.
async fn each_batch(
    state: &AppState,
    questionnaire_id: i64,
    mut each: impl FnMut(&[Response]),
) -> Result<(), AppError> {
    use futures_util::StreamExt as _;
    let store = state.store.clone();
    let (raw_tx, mut raw_rx) =
        tokio::sync::mpsc::channel::<anyhow::Result<crate::store::feedback::UndecodedResponses>>(4);
    let reader = tokio::spawn(async move {
        let mut chunks = store.feedback_answers(questionnaire_id);
        while let Some(chunk) = chunks.next().await {
            let failed = chunk.is_err();
            if raw_tx.send(chunk).await.is_err() || failed {
                return;
            }
        }
    });
    let (tx, mut rx) = tokio::sync::mpsc::channel::<anyhow::Result<Vec<Response>>>(4);
    // Batches go back to the decoder once counted, to be freed by the
    // thread that allocated them rather than on the caller's, which is the
    // pipeline's slowest stage.
    let (spent_tx, mut spent_rx) = tokio::sync::mpsc::unbounded_channel::<Vec<Response>>();
    let decoder = tokio::spawn(async move {
        while let Some(chunk) = raw_rx.recv().await {
            while let Ok(spent) = spent_rx.try_recv() {
                drop(spent);
            }
            let decoded = chunk.and_then(|chunk| chunk.decode());
            let failed = decoded.is_err();
            if tx.send(decoded).await.is_err() || failed {
                return;
            }
        }
        drop(tx);
        while let Some(spent) = spent_rx.recv().await {
            drop(spent);
        }
    });
    while let Some(batch) = rx.recv().await {
        let batch = batch?;
        each(&batch);
        // The decoder may have ended (the last batch, or an error): the
        // batch is then freed here.
        let _ = spent_tx.send(batch);
    }
    drop(spent_tx);
    // The channels close when the tasks end: a task that panicked is an
    // error, never fewer responses.
    for task in [reader, decoder] {
        task.await
            .map_err(|error| anyhow::anyhow!("the responses' reader stopped: {error}"))?;
    }
    Ok(())
}

/// `GET …/avis/{avis}`.
async fn read(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<QuestionnaireView>, AppError> {
    Ok(Json(view_of(&state, &scope).await?))
}

/// `PUT …/avis/{avis}` with a questionnaire.
async fn replace(
    State(state): State<AppState>,
    scope: Scope,
    request: Result<AppJson<Questionnaire>, AppError>,
) -> Result<Json<QuestionnaireView>, AppError> {
    let mut scope = scope;
    let AppJson(request) = request?;
    let prepared = prepare(&request).map_err(AppError::Validation)?;
    let stored = &scope.record.questionnaire;
    let mut errors = FieldErrors::default();
    if prepared.kind != stored.kind {
        errors.add(
            "kind",
            format!(
                "Le type ne peut pas changer : ce questionnaire reste un {}.",
                stored.kind.label().to_lowercase()
            ),
        );
    }
    let invitations = state.store.feedback_invitations(scope.record.id).await?;
    if prepared.anonymous != stored.anonymous && !invitations.is_empty() {
        errors.add(
            "anonymous",
            "L'anonymat ne peut plus changer : des participant·es ont reçu le questionnaire avec cette promesse.".to_owned(),
        );
    }
    let mut questions = BTreeSet::new();
    each_response(&state, scope.record.id, |response| {
        answered_in(response, &mut questions)
    })
    .await?;
    for id in questions {
        let Some(before) = stored.question(&id) else {
            continue;
        };
        match prepared.question(&id) {
            None => errors.add(
                "questions",
                format!(
                    "La question « {} » a déjà des réponses : elle ne peut pas être retirée.",
                    before.label
                ),
            ),
            Some(after)
                if std::mem::discriminant(&after.kind) != std::mem::discriminant(&before.kind) =>
            {
                let index = prepared
                    .questions
                    .iter()
                    .position(|q| q.id == id)
                    .unwrap_or(0);
                errors.add(
                    &format!("questions.{index}.kind"),
                    format!(
                        "La question « {} » a déjà des réponses : son type ne peut pas changer.",
                        before.label
                    ),
                );
            }
            Some(_) => {}
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let store = state.store.clone();
    let (id, saved) = (scope.record.id, prepared.clone());
    detached(async move { store.replace_questionnaire(id, &saved, Utc::now()).await }).await?;
    scope.record.questionnaire = prepared;
    scope
        .audit(&state, "avis", &format!("{} modifié", scope.described()))
        .await?;
    Ok(Json(view_of(&state, &scope).await?))
}

fn people(n: usize) -> String {
    if n > 1 {
        format!("{n} personnes")
    } else {
        format!("{n} personne")
    }
}

/// `POST …/avis/{avis}/envoyer`.
async fn send(State(state): State<AppState>, scope: Scope) -> Result<Json<SentReport>, AppError> {
    if scope.record.status == QuestionnaireStatus::Closed {
        return Err(closed_conflict());
    }
    let Some(event) = scope.about.event() else {
        return Err(AppError::Conflict {
            code: "feedback_list",
            message: "Un questionnaire aux partenaires s'envoie à une liste d'adresses.".to_owned(),
        });
    };
    let (recipients, taken) = recipients_of(&state, event.id).await?;
    let sent = queue(
        &state,
        &scope.about,
        &scope.record,
        Some(recipients),
        Utc::now(),
    )
    .await?;
    let message = format!(
        "Questionnaire envoyé à {} ({}).",
        people(sent),
        if taken {
            "les personnes marquées présentes"
        } else {
            "les inscrit·es confirmé·es, la présence n'ayant pas été relevée"
        }
    );
    scope
        .audit(
            &state,
            "avis_envoi",
            &format!("{} envoyé à {}", scope.described(), people(sent)),
        )
        .await?;
    Ok(Json(SentReport {
        sent,
        attendees_only: Some(taken),
        message,
    }))
}

/// Whom a sending asks: those marked present at one session at least, or
/// when no attendance was taken, every confirmed registrant; and whether
/// attendance was taken.
async fn recipients_of(
    state: &AppState,
    event_id: i64,
) -> Result<(Vec<Recipient>, bool), AppError> {
    let taken = !state
        .store
        .attendance_between(event_id, i64::MIN, i64::MAX)
        .await?
        .is_empty();
    let recipients = if taken {
        state
            .store
            .attendees(event_id)
            .await?
            .into_iter()
            .map(|a| Recipient {
                registration_id: Some(a.registration_id),
                first_name: a.first_name,
                last_name: a.last_name,
                email: a.email,
            })
            .collect()
    } else {
        state
            .store
            .expected_at(event_id, 0, false)
            .await?
            .into_iter()
            .map(|e| Recipient {
                registration_id: Some(e.registration_id),
                first_name: e.first_name,
                last_name: e.last_name,
                email: e.email,
            })
            .collect()
    };
    Ok((recipients, taken))
}

/// What the job runner did for feedback.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct FeedbackRun {
    /// Invitations queued by automatic sendings.
    pub invited: usize,
    /// Automatic reminders queued.
    pub reminded: usize,
}

/// Sends the automatic questionnaires due at `now`, and their reminders:
/// each once, for published events only. Several runners may overlap: the
/// store asks each person once and reminds each once.
pub async fn run_due(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<FeedbackRun> {
    let mut run = FeedbackRun::default();
    for record in state.store.pending_feedback().await? {
        let q = &record.questionnaire;
        if !q.automatic {
            continue;
        }
        let now_fixed = now.fixed_offset();
        // A stakeholder questionnaire is sent by hand; its reminder may
        // follow by itself.
        let Some(event_id) = record.event_id else {
            let name = record.organisation_name.clone().unwrap_or_default();
            if let Some(sent) = record.sent_at
                && record.reminded_at.is_none()
                && q.reminder_due(sent.fixed_offset())
                    .is_some_and(|due| due <= now_fixed)
            {
                let about = About::Organisation(name);
                run.reminded +=
                    queue(state, &about, &record, None, now)
                        .await
                        .map_err(|error| {
                            anyhow::anyhow!("automatic stakeholder reminder: {error:?}")
                        })?;
            }
            continue;
        };
        let Some(slug) = state.store.slug_of(event_id).await? else {
            continue;
        };
        let Some(event) = state.store.event_by_slug(&slug).await? else {
            continue;
        };
        if event.status != EventStatus::Published {
            continue;
        }
        let Some(end) = event.public.sessions.iter().map(|s| s.ends_at).max() else {
            continue;
        };
        let about = About::Event(Box::new(event));
        let result = match record.sent_at {
            None if q.send_due(end).is_some_and(|due| due <= now_fixed) => {
                match recipients_of(state, event_id).await {
                    Ok((recipients, _)) => queue(state, &about, &record, Some(recipients), now)
                        .await
                        .map(|n| run.invited += n),
                    Err(error) => Err(error),
                }
            }
            Some(sent)
                if record.reminded_at.is_none()
                    && q.reminder_due(sent.fixed_offset())
                        .is_some_and(|due| due <= now_fixed) =>
            {
                queue(state, &about, &record, None, now)
                    .await
                    .map(|n| run.reminded += n)
            }
            _ => Ok(()),
        };
        result.map_err(|error| anyhow::anyhow!("automatic feedback of « {slug} »: {error:?}"))?;
    }
    Ok(run)
}

/// Queues the invitations (`Some` recipients) or the reminders (`None`)
/// and says so to the outbox; the number of emails queued.
pub(crate) async fn queue(
    state: &AppState,
    about: &About,
    record: &QuestionnaireRecord,
    recipients: Option<Vec<Recipient>>,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let store = state.store.clone();
    let about = about.clone();
    let questionnaire = record.questionnaire.clone();
    let public_url = state.public_url.clone();
    let id = record.id;
    let queued = detached(async move {
        let compose = move |recipient: &Recipient, token: &str, reminder: bool| match &about {
            About::Event(event) => feedback_email(
                event,
                &questionnaire,
                recipient,
                token,
                reminder,
                &public_url,
            ),
            About::Organisation(name) => stakeholder_email(
                name,
                &questionnaire,
                recipient,
                token,
                reminder,
                &public_url,
            ),
        };
        match recipients {
            Some(recipients) => store.invite_feedback(id, &recipients, &compose, now).await,
            None => store.remind_feedback(id, &compose, now).await,
        }
    })
    .await?;
    if !queued.is_empty() {
        state.email_queued().await;
    }
    Ok(queued.len())
}

/// `POST …/avis/{avis}/relancer`.
async fn remind(State(state): State<AppState>, scope: Scope) -> Result<Json<SentReport>, AppError> {
    match scope.record.status {
        QuestionnaireStatus::Closed => return Err(closed_conflict()),
        QuestionnaireStatus::Draft => {
            return Err(AppError::Conflict {
                code: "feedback_not_sent",
                message:
                    "Ce questionnaire n'a pas encore été envoyé : envoyez-le avant de relancer."
                        .to_owned(),
            });
        }
        QuestionnaireStatus::Open => {}
    }
    let sent = queue(&state, &scope.about, &scope.record, None, Utc::now()).await?;
    scope
        .audit(
            &state,
            "avis_relance",
            &format!("{} : relance envoyée à {}", scope.described(), people(sent)),
        )
        .await?;
    Ok(Json(SentReport {
        sent,
        attendees_only: None,
        message: format!(
            "Relance envoyée à {} (une seule relance par personne).",
            people(sent)
        ),
    }))
}

/// `POST …/avis/{avis}/fermer`.
async fn close(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<QuestionnaireView>, AppError> {
    let mut scope = scope;
    let store = state.store.clone();
    let id = scope.record.id;
    detached(async move {
        store
            .set_questionnaire_status(id, QuestionnaireStatus::Closed, Utc::now())
            .await
    })
    .await?;
    scope.record.status = QuestionnaireStatus::Closed;
    scope
        .audit(&state, "avis", &format!("{} clos", scope.described()))
        .await?;
    Ok(Json(view_of(&state, &scope).await?))
}

/// The figures of a questionnaire's submitted responses, for the
/// comparison of hot and cold (no text answer is kept).
async fn figures_of(state: &AppState, record: &QuestionnaireRecord) -> Result<Summary, AppError> {
    let mut tally = Tally::counting_texts(&record.questionnaire);
    each_response(state, record.id, |response| {
        if response.submitted {
            tally.add(&response.answers, true);
        }
    })
    .await?;
    Ok(tally.finish())
}

async fn results(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<ResultsView>, AppError> {
    let q = &scope.record.questionnaire;
    let (invited, answered) = state
        .store
        .feedback_invitation_counts(scope.record.id)
        .await?;
    // One pass over the responses, a page at a time: the figures, and in
    // named mode the three breakdowns (texts counted, not repeated).
    let mut tally = Tally::showing_texts(q, TEXTS_SHOWN);
    let mut groups = [Breakdown::new(q), Breakdown::new(q), Breakdown::new(q)];
    let (mut in_progress, mut public_answers) = (0, 0);
    each_batch(&state, scope.record.id, |batch| {
        // Each response's answers are matched to the questions once, then
        // counted by all four tallies.
        let mut counted = Counted::default();
        for response in batch {
            if !response.submitted {
                in_progress += 1;
                continue;
            }
            public_answers += usize::from(response.public);
            tally.read(&response.answers, &mut counted);
            tally.add_counted(&counted, true);
            if !q.anonymous {
                let [structure, territory, workshop] = &mut groups;
                structure.add_counted(response.structure_type.as_deref(), &counted, true);
                territory.add_counted(response.territory.as_deref(), &counted, true);
                workshop.add_counted(response.workshop.as_deref(), &counted, true);
            }
        }
    })
    .await?;
    let figures = tally.finish();
    let [structure, territory, workshop] = groups;
    let breakdowns = (!q.anonymous).then(|| Breakdowns {
        structure_type: structure.finish(),
        territory: territory.finish(),
        workshop: workshop.finish(),
    });
    let not_answered = if q.anonymous {
        Vec::new()
    } else {
        state
            .store
            .feedback_waiting(scope.record.id)
            .await?
            .into_iter()
            .map(|i| NotAnswered {
                first_name: i.recipient.first_name,
                last_name: i.recipient.last_name,
                email: i.recipient.email,
                reminded: i.reminded_at.is_some(),
            })
            .collect()
    };
    let other = match scope.about.event() {
        Some(event) => state
            .store
            .questionnaires(event.id)
            .await?
            .into_iter()
            .find(|r| r.questionnaire.kind != q.kind),
        None => None,
    };
    let comparison = match other {
        Some(other) => {
            let other_figures = figures_of(&state, &other).await?;
            Some(if q.kind == QuestionnaireKind::Cold {
                compare(&other_figures, &figures)
            } else {
                compare(&figures, &other_figures)
            })
        }
        None => None,
    };
    Ok(Json(ResultsView {
        avis: address_of(&scope.record),
        status: scope.record.status,
        anonymous: q.anonymous,
        invited,
        submitted: figures.responses,
        in_progress,
        public_answers,
        response_rate: rate(answered, invited),
        summary: figures,
        breakdowns,
        not_answered,
        comparison,
    }))
}

/// `POST …/avis/{avis}/lien-public`: publishes a new event-wide link (the
/// previous one stops working) and opens a draft for answers.
async fn publish_link(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<QuestionnaireView>, AppError> {
    let mut scope = scope;
    if scope.record.status == QuestionnaireStatus::Closed {
        return Err(closed_conflict());
    }
    let token = token::generate()?.token;
    let store = state.store.clone();
    let (id, stored, status) = (scope.record.id, token.clone(), scope.record.status);
    detached(async move {
        let now = Utc::now();
        store.set_public_feedback(id, Some(&stored), now).await?;
        if status == QuestionnaireStatus::Draft {
            store
                .set_questionnaire_status(id, QuestionnaireStatus::Open, now)
                .await?;
        }
        anyhow::Ok(())
    })
    .await?;
    scope.record.public_token = Some(token);
    scope.record.status = QuestionnaireStatus::Open;
    scope
        .audit(
            &state,
            "avis",
            &format!("{} : lien public publié", scope.described()),
        )
        .await?;
    Ok(Json(view_of(&state, &scope).await?))
}

/// `DELETE …/avis/{avis}/lien-public`: the event-wide link stops working
/// (answers given through it stay).
async fn withdraw_link(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<QuestionnaireView>, AppError> {
    let mut scope = scope;
    let store = state.store.clone();
    let id = scope.record.id;
    detached(async move { store.set_public_feedback(id, None, Utc::now()).await }).await?;
    scope.record.public_token = None;
    scope
        .audit(
            &state,
            "avis",
            &format!("{} : lien public retiré", scope.described()),
        )
        .await?;
    Ok(Json(view_of(&state, &scope).await?))
}

// ---- The participants' side ----

fn unknown_link() -> AppError {
    AppError::NotFound(
        "Ce lien de questionnaire n'est pas valide ou a expiré. Utilisez le lien reçu par e-mail."
            .to_owned(),
    )
}

/// What a link opens, with the response saved under it.
struct Opened {
    link: FeedbackLink,
    /// `None` through the public link without a browser key.
    key: Option<String>,
    saved: SavedResponse,
}

fn now_fixed() -> DateTime<FixedOffset> {
    Utc::now().fixed_offset()
}

/// A browser's own key, as the app sends it: 32 to 128 hexadecimal
/// characters.
fn browser_key(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(BROWSER_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|key| (32..=128).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// What a link opens, with the response saved under its key when
/// `with_saved` (the form shows it; a save learns what it needs of it
/// inside its own write).
async fn open_link(
    state: &AppState,
    token_text: &str,
    browser: Option<&str>,
    with_saved: bool,
) -> Result<Opened, AppError> {
    // Tokens are 64 hexadecimal characters; anything else cannot match.
    if token_text.len() != 64 || !token_text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(unknown_link());
    }
    let OpenedLink { link, key } = state
        .store
        .open_feedback(token_text, browser)
        .await?
        .ok_or_else(unknown_link)?;
    // Links expire like registration links: the retention period after
    // the questionnaire closed (its closing instant, or its closing by the
    // organiser).
    let retention = chrono::Duration::days(i64::from(state.token_retention_days));
    let record = &link.questionnaire;
    let closed_at = match (record.status, record.questionnaire.closes) {
        (QuestionnaireStatus::Closed, closes) => Some(
            closes
                .map(|c| c.with_timezone(&Utc))
                .map_or(record.updated_at, |c| c.min(record.updated_at)),
        ),
        (_, closes) => closes.map(|c| c.with_timezone(&Utc)),
    };
    if closed_at.is_some_and(|at| at + retention < Utc::now()) {
        return Err(unknown_link());
    }
    // An event's questionnaire whose event is gone opens nothing.
    if record.event_id.is_some() && link.event.is_none() {
        return Err(unknown_link());
    }
    let saved = match &key {
        Some(key) if with_saved => {
            state
                .store
                .feedback_response(link.questionnaire.id, key)
                .await?
        }
        _ => None,
    };
    Ok(Opened {
        link,
        key,
        saved: saved.unwrap_or_default(),
    })
}

impl Opened {
    fn answered_elsewhere(&self) -> bool {
        self.link.answered && !self.saved.submitted
    }

    /// Whether the questionnaire takes answers now.
    fn open(&self) -> bool {
        self.link.questionnaire.status == QuestionnaireStatus::Open
            && self
                .link
                .questionnaire
                .questionnaire
                .accepts_answers(now_fixed())
    }

    fn editable(&self) -> bool {
        self.open() && !self.answered_elsewhere()
    }

    fn view(self) -> FormView {
        let editable = self.editable();
        let answered_elsewhere = self.answered_elsewhere();
        let record = self.link.questionnaire;
        // A stakeholder questionnaire is named by its organisation.
        let (event_title, event_slug) = match self.link.event {
            Some(event) => (event.title, event.slug),
            None => (record.organisation_name.unwrap_or_default(), String::new()),
        };
        let questionnaire = record.questionnaire;
        FormView {
            event_title,
            event_slug,
            visible: visible(&questionnaire, &self.saved.answers)
                .into_iter()
                .map(|q| q.id.clone())
                .collect(),
            anonymity_notice: anonymity_notice(&questionnaire).to_owned(),
            questionnaire,
            answers: self.saved.answers,
            submitted: self.saved.submitted,
            editable,
            answered_elsewhere,
            public_link: self.link.invitation_id.is_none(),
        }
    }
}

/// `GET /api/avis/{token}`.
async fn open_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token_text): Path<String>,
) -> Result<Json<FormView>, AppError> {
    Ok(Json(
        open_link(&state, &token_text, browser_key(&headers), true)
            .await?
            .view(),
    ))
}

/// `PUT /api/avis/{token}`.
async fn save_form(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Path(token_text): Path<String>,
    AppJson(request): AppJson<FormAnswers>,
) -> Result<Json<FormView>, AppError> {
    state
        .limits
        .registrations
        .check(&rate_limit::client_key(client))
        .map_err(|wait| {
            AppError::too_many(
                format!("Trop de demandes depuis votre adresse. Réessayez dans {wait} secondes."),
                wait,
            )
        })?;
    let mut opened = open_link(&state, &token_text, browser_key(&headers), false).await?;
    let Some(key) = opened.key.clone() else {
        return Err(AppError::BadRequest {
            status: StatusCode::BAD_REQUEST,
            message: "Votre navigateur n'a pas transmis sa clé de réponse : rechargez la page, \
                      et autorisez le stockage local pour ce site."
                .to_owned(),
        });
    };
    if !opened.open() {
        return Err(AppError::Conflict {
            code: "feedback_closed",
            message: "Ce questionnaire est clos : vos réponses ne peuvent plus être modifiées."
                .to_owned(),
        });
    }
    // A draft is checked as a submission too: a response submitted before
    // stays complete, which the save learns inside its write (whether this
    // person answered through their other link, too).
    let questionnaire = &opened.link.questionnaire.questionnaire;
    let as_submission = check_answers(questionnaire, &request.answers, false);
    let (answers, submission, incomplete) = if request.submit {
        (
            as_submission.map_err(AppError::Validation)?,
            Submission::Submit,
            None,
        )
    } else {
        let draft =
            check_answers(questionnaire, &request.answers, true).map_err(AppError::Validation)?;
        match as_submission {
            Ok(complete) => (complete, Submission::Draft { complete: true }, None),
            Err(errors) => (draft, Submission::Draft { complete: false }, Some(errors)),
        }
    };
    let store = state.store.clone();
    let (link, stored) = (opened.link.clone(), answers.clone());
    let client_hash = token::hash(&format!("client:{:032x}", rate_limit::client_key(client)));
    let cap = state.registrations_per_client_per_hour;
    let saved = detached(async move {
        let client = link
            .invitation_id
            .is_none()
            .then_some((client_hash.as_str(), cap));
        store
            .save_feedback(&link, &key, &stored, submission, client, Utc::now())
            .await
    })
    .await?;
    let submitted = match saved {
        Saved::Done { submitted } => submitted,
        Saved::Incomplete => {
            return Err(AppError::Validation(incomplete.unwrap_or_default()));
        }
        Saved::AnsweredElsewhere => return Err(answered_elsewhere()),
        Saved::TooManyFromClient => {
            return Err(AppError::too_many(
                "Trop de réponses à ce questionnaire depuis votre adresse au cours de la \
                 dernière heure. Réessayez plus tard."
                    .to_owned(),
                3600,
            ));
        }
    };
    opened.saved = SavedResponse { answers, submitted };
    opened.link.answered |= submitted;
    Ok(Json(opened.view()))
}

fn answered_elsewhere() -> AppError {
    AppError::Conflict {
        code: "feedback_answered",
        message: "Vous avez déjà envoyé vos réponses avec l'autre lien reçu par e-mail : \
                  utilisez ce lien-là pour les modifier."
            .to_owned(),
    }
}
