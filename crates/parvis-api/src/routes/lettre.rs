//! The newsletter (« lettre d'information »), one per organisation.
//!
//! - `POST /api/lettre` signs an address up: always 202 with the same
//!   French sentence ([`SIGNED_UP`]), subscribed already or not. A new or
//!   unconfirmed address gets a confirmation email (its link's token
//!   stored hashed, the consent shown and its date stored), within
//!   [`CONFIRMATIONS_PER_ADDRESS_PER_DAY`] per address and
//!   [`CONFIRMATIONS_PER_ORGANISATION_PER_DAY`] per organisation, behind the
//!   per-client limit of registrations: the email holds the organisation's
//!   name and the link, nothing the requester typed.
//! - The links' pages (`/lettre/confirmer/{token}`, the unsubscribe links)
//!   are [`crate::lettre_pages`]: a `GET` shows a button, only a `POST`
//!   acts, as mail scanners open links.
//! - The back-office (rows of the gestion table, `Guard::Member`; 404 for
//!   another organisation): the overview (subscribers by status, issues
//!   with their counts), the preview of an issue as it will be sent, an
//!   issue stored then sent to the confirmed subscribers through the outbox
//!   (by batches of [`SEND_BATCH`], each in its transaction, each address
//!   once, so a sending cut short resumes and a second one adds nothing),
//!   the subscribers in CSV, and the bounces (the issues' dead letters).
//!   Every write is in the audit log.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Europe::Paris;
use parvis_core::gestion::{Accepted, CsvDialect, ExportOptions};
use parvis_core::lettre::{
    BounceLine, IssueCreated, IssueLine, IssuePreview, IssueRequest, IssueSent, Overview,
    SIGNED_UP, SignUp, SubscriberCounts, check_issue, check_sign_up, consent_sentence, field,
    status_label,
};

use super::detached;
use super::gestion::{AdminRoute, Guard};
use crate::AppState;
use crate::auth::{SignedIn, audit, member_of};
use crate::client::ClientIp;
use crate::error::{AppError, AppJson};
use crate::mail::newsletter::{Sender, confirmation_email, issue_email};
use crate::rate_limit;
use crate::routes::registrants::export::neutralise;
use crate::store::accounts::{Membership, Session};
use crate::store::lettre::{IssueRecord, NewSignUp, SignUpOutcome};

/// Confirmation emails one address may receive in 24 hours (all
/// organisations together): a sign-up form cannot be made to flood a
/// mailbox.
pub const CONFIRMATIONS_PER_ADDRESS_PER_DAY: u32 = 3;
/// Confirmation emails one organisation sends in 24 hours at most, whoever
/// asks (many addresses from many clients).
pub const CONFIRMATIONS_PER_ORGANISATION_PER_DAY: u32 = 1000;
/// Emails queued per transaction when an issue is sent.
pub const SEND_BATCH: u32 = 500;
/// The shortest time a sign-up takes to answer, whatever the address.
const SIGN_UP_ANSWER_TIME: std::time::Duration = std::time::Duration::from_millis(200);

/// The public route.
pub fn router() -> Router<AppState> {
    // Nested under `/api`: `POST /api/lettre`.
    Router::new().route("/lettre", post(sign_up))
}

/// The back-office's routes, with their guard.
pub fn table() -> Vec<(AdminRoute, MethodRouter<AppState>)> {
    let route = |method: Method, path: &'static str| AdminRoute {
        method,
        path,
        guard: Guard::Member,
    };
    vec![
        (
            route(Method::GET, "/gestion/organisations/{org}/lettre"),
            get(overview),
        ),
        (
            route(Method::POST, "/gestion/organisations/{org}/lettre/apercu"),
            post(preview),
        ),
        (
            route(Method::POST, "/gestion/organisations/{org}/lettre/numeros"),
            post(create_issue),
        ),
        (
            route(
                Method::POST,
                "/gestion/organisations/{org}/lettre/numeros/{numero}/envoyer",
            ),
            post(send_issue),
        ),
        (
            route(
                Method::GET,
                "/gestion/organisations/{org}/lettre/abonnes.csv",
            ),
            get(export_csv),
        ),
        (
            route(Method::GET, "/gestion/organisations/{org}/lettre/retours"),
            get(bounces),
        ),
    ]
}

/// The organisation's name and how its emails are signed.
async fn sender_of(state: &AppState, organisation_id: i64) -> Result<Sender, AppError> {
    let settings = state.store.organisation_settings(organisation_id).await?;
    Ok(Sender {
        sender_name: settings
            .sender_name
            .clone()
            .filter(|name| !name.trim().is_empty())
            .unwrap_or_else(|| settings.name.clone()),
        organisation: settings.name,
        reply_to: settings.contact_email,
    })
}

/// `POST /api/lettre`.
async fn sign_up(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    AppJson(request): AppJson<SignUp>,
) -> Result<(StatusCode, Json<Accepted>), AppError> {
    let started = tokio::time::Instant::now();
    state
        .limits
        .registrations
        .check(&rate_limit::client_key(client))
        .map_err(|wait| {
            AppError::too_many(
                format!("Trop de tentatives depuis votre adresse. Réessayez dans {wait} secondes."),
                wait,
            )
        })?;
    let checked = check_sign_up(&request);
    let organisation = state
        .store
        .organisation(request.organisation.trim())
        .await?;
    let (email, organisation) = match (checked, organisation) {
        (Ok(email), Some(organisation)) => (email, organisation),
        (checked, organisation) => {
            let mut errors = checked.err().unwrap_or_default();
            if organisation.is_none() {
                errors.add(
                    field::ORGANISATION,
                    "Cette organisation n'existe pas : la lettre d'information demandée est introuvable."
                        .to_owned(),
                );
            }
            return Err(AppError::Validation(errors));
        }
    };
    let sender = sender_of(&state, organisation.id).await?;
    let consent = consent_sentence(&organisation.name);
    let public_url = state.public_url.clone();
    let store = state.store.clone();
    let outcome = detached(async move {
        let compose = move |recipient: &str, token: &str| {
            confirmation_email(&sender, recipient, token, &public_url)
        };
        let key = email.key();
        let new = NewSignUp {
            organisation_id: organisation.id,
            email: email.as_str(),
            email_key: &key,
            consent_text: &consent,
            per_address_per_day: CONFIRMATIONS_PER_ADDRESS_PER_DAY,
            per_organisation_per_day: CONFIRMATIONS_PER_ORGANISATION_PER_DAY,
        };
        store.newsletter_sign_up(&new, &compose, Utc::now()).await
    })
    .await?;
    match outcome {
        SignUpOutcome::Queued => state.email_queued().await,
        SignUpOutcome::AlreadyConfirmed => {}
        SignUpOutcome::AddressLimit => {
            tracing::info!("newsletter sign-up: the address had its confirmations for the day")
        }
        SignUpOutcome::OrganisationLimit => tracing::warn!(
            organisation = request.organisation.trim(),
            "newsletter sign-up: the organisation sent its confirmations for the day"
        ),
    }
    tokio::time::sleep_until(started + SIGN_UP_ANSWER_TIME).await;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            message: SIGNED_UP.to_owned(),
        }),
    ))
}

/// The signed-in member of `{org}` (404 otherwise).
async fn member(
    state: &AppState,
    session: &Session,
    organisation: &str,
) -> Result<Membership, AppError> {
    member_of(state, session, organisation, false).await
}

fn line_of(issue: IssueRecord) -> IssueLine {
    IssueLine {
        id: issue.id,
        subject: issue.subject,
        created_at: issue.created_at,
        sent_at: issue.sent_at,
        recipients: issue.recipients,
        bounces: issue.bounces,
    }
}

/// `GET …/lettre`.
async fn overview(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(org): Path<String>,
) -> Result<Json<Overview>, AppError> {
    let membership = member(&state, &session, &org).await?;
    let id = membership.organisation.id;
    let counts = state.store.newsletter_counts(id).await?;
    let issues = state.store.newsletter_issues(id, 100).await?;
    Ok(Json(Overview {
        consent: consent_sentence(&membership.organisation.name),
        organisation: membership.organisation.name,
        subscribers: SubscriberCounts {
            confirmed: counts.confirmed,
            pending: counts.pending,
            unsubscribed: counts.unsubscribed,
        },
        issues: issues.into_iter().map(line_of).collect(),
    }))
}

/// `POST …/lettre/apercu`: the email exactly as it will go, its
/// unsubscribe link a placeholder.
async fn preview(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(org): Path<String>,
    AppJson(request): AppJson<IssueRequest>,
) -> Result<Json<IssuePreview>, AppError> {
    let membership = member(&state, &session, &org).await?;
    let issue = check_issue(&request).map_err(AppError::Validation)?;
    let sender = sender_of(&state, membership.organisation.id).await?;
    let email = issue_email(
        &sender,
        "",
        &issue.subject,
        &issue.body,
        None,
        &state.public_url,
    )?;
    let counts = state
        .store
        .newsletter_counts(membership.organisation.id)
        .await?;
    Ok(Json(IssuePreview {
        sender_name: sender.sender_name,
        subject: email.subject,
        text: email.body_text,
        recipients: counts.confirmed,
    }))
}

/// `POST …/lettre/numeros`: stores an issue (201), sent by
/// [`send_issue`].
async fn create_issue(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(org): Path<String>,
    AppJson(request): AppJson<IssueRequest>,
) -> Result<(StatusCode, Json<IssueCreated>), AppError> {
    let membership = member(&state, &session, &org).await?;
    let issue = check_issue(&request).map_err(AppError::Validation)?;
    let id = state
        .store
        .newsletter_create_issue(
            membership.organisation.id,
            session.account.id,
            &issue.subject,
            &issue.body,
            Utc::now(),
        )
        .await?;
    let counts = state
        .store
        .newsletter_counts(membership.organisation.id)
        .await?;
    audit(
        &state,
        &membership,
        &session,
        "lettre",
        &format!("Lettre d'information « {} » rédigée", issue.subject),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(IssueCreated {
            id,
            recipients: counts.confirmed,
        }),
    ))
}

fn plural(count: u64, one: &str, many: &str) -> String {
    format!("{count} {}", if count > 1 { many } else { one })
}

/// `POST …/lettre/numeros/{numero}/envoyer`: queues the issue to every
/// confirmed subscriber who has not had it, batch after batch; an issue
/// already sent is answered with its count, and nothing is queued again.
async fn send_issue(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path((org, numero)): Path<(String, String)>,
) -> Result<Json<IssueSent>, AppError> {
    let membership = member(&state, &session, &org).await?;
    let unknown = || AppError::NotFound("Cette lettre d'information n'existe pas.".to_owned());
    let id: i64 = numero.parse().map_err(|_| unknown())?;
    let issue = state
        .store
        .newsletter_issue(membership.organisation.id, id)
        .await?
        .ok_or_else(unknown)?;
    if issue.sent_at.is_some() {
        return Ok(Json(IssueSent {
            count: issue.recipients,
            message: format!(
                "Cette lettre est déjà partie ({}) : personne ne la reçoit deux fois.",
                plural(issue.recipients, "e-mail", "e-mails")
            ),
        }));
    }
    let sender = sender_of(&state, membership.organisation.id).await?;
    let public_url = state.public_url.clone();
    let store = state.store.clone();
    let subject = issue.subject.clone();
    let count = detached(async move {
        let (title, markdown) = (issue.subject.clone(), issue.body_markdown.clone());
        let compose = move |recipient: &str, token: &str| {
            issue_email(
                &sender,
                recipient,
                &title,
                &markdown,
                Some(token),
                &public_url,
            )
        };
        loop {
            let queued = store
                .newsletter_send_batch(&issue, SEND_BATCH, &compose, Utc::now())
                .await?;
            if queued == 0 {
                break;
            }
        }
        store.newsletter_finish_issue(issue.id, Utc::now()).await
    })
    .await?;
    if count > 0 {
        state.email_queued().await;
    }
    let emails = plural(count, "e-mail", "e-mails");
    audit(
        &state,
        &membership,
        &session,
        "lettre_envoi",
        &format!("Lettre d'information « {subject} » envoyée : {emails}"),
    )
    .await?;
    Ok(Json(IssueSent {
        count,
        message: format!(
            "La lettre « {subject} » part aux personnes inscrites : {emails} mis en file d'envoi, chacun avec son lien de désinscription."
        ),
    }))
}

/// A moment as the dialect writes it: Paris time for Excel, RFC 3339.
fn moment(at: Option<DateTime<Utc>>, dialect: CsvDialect) -> String {
    match (at, dialect) {
        (None, _) => String::new(),
        (Some(at), CsvDialect::Excel) => at
            .with_timezone(&Paris)
            .format("%d/%m/%Y %H:%M")
            .to_string(),
        (Some(at), CsvDialect::Standard) => at.to_rfc3339_opts(SecondsFormat::Secs, true),
    }
}

/// `GET …/lettre/abonnes.csv?dialecte=excel|standard`: every subscriber
/// (address, status, consent and its date, confirmation, unsubscription),
/// text cells neutralised against formulas.
async fn export_csv(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(org): Path<String>,
    Query(options): Query<ExportOptions>,
) -> Result<Response, AppError> {
    let membership = member(&state, &session, &org).await?;
    let dialect = options.dialecte.unwrap_or_default();
    let mut out = match dialect {
        CsvDialect::Excel => "\u{feff}".as_bytes().to_vec(),
        CsvDialect::Standard => Vec::new(),
    };
    let mut rows = 0u64;
    {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(match dialect {
                CsvDialect::Excel => b';',
                CsvDialect::Standard => b',',
            })
            .from_writer(&mut out);
        writer
            .write_record([
                "Adresse e-mail",
                "Statut",
                "Consentement",
                "Consentement donné le",
                "Adresse confirmée le",
                "Désinscrit·e le",
            ])
            .map_err(anyhow::Error::from)?;
        let mut after = 0;
        loop {
            let page = state
                .store
                .newsletter_subscribers(membership.organisation.id, after, 1000)
                .await?;
            let Some(last) = page.last() else {
                break;
            };
            after = last.id;
            for subscriber in &page {
                let status = status_label(
                    subscriber.confirmed_at.is_some(),
                    subscriber.unsubscribed_at.is_some(),
                );
                writer
                    .write_record([
                        neutralise(&subscriber.email).as_ref(),
                        status,
                        neutralise(&subscriber.consent_text).as_ref(),
                        &moment(Some(subscriber.consented_at), dialect),
                        &moment(subscriber.confirmed_at, dialect),
                        &moment(subscriber.unsubscribed_at, dialect),
                    ])
                    .map_err(anyhow::Error::from)?;
                rows += 1;
            }
        }
        writer.flush().map_err(anyhow::Error::from)?;
    }
    audit(
        &state,
        &membership,
        &session,
        "export",
        &format!(
            "Export CSV ({}) des abonné·es à la lettre d'information : {}",
            match dialect {
                CsvDialect::Excel => "Excel",
                CsvDialect::Standard => "standard",
            },
            plural(rows, "ligne", "lignes")
        ),
    )
    .await?;
    let name = format!("lettre-abonnes-{}.csv", membership.organisation.slug);
    let mut response = out.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
            .map_err(anyhow::Error::from)?,
    );
    Ok(response)
}

/// `GET …/lettre/retours`: the issues' emails given up on.
async fn bounces(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(org): Path<String>,
) -> Result<Json<Vec<BounceLine>>, AppError> {
    let membership = member(&state, &session, &org).await?;
    let bounces = state
        .store
        .newsletter_bounces(membership.organisation.id, 500)
        .await?;
    Ok(Json(
        bounces
            .into_iter()
            .map(|bounce| BounceLine {
                recipient: bounce.recipient,
                subject: bounce.subject,
                issue: bounce.issue_id,
                reason: bounce.reason,
                dead_at: bounce.dead_at,
            })
            .collect(),
    ))
}
