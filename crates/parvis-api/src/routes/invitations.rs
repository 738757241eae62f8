//! Members-only events by invitation, for the event's organisation
//! (rows of the back-office's table, `Guard::Member`; another
//! organisation's event answers 404 as an unknown one; every write in the
//! audit log), and the public call that opens an invitation link.
//!
//! - Inviting takes a pasted list (one address a line, or separated by
//!   commas or semicolons) or the text of a CSV file whose header names a
//!   column `email`, `e-mail`, `courriel` or `adresse`. Each new valid
//!   address gets an invitation row and an email with its personal link
//!   (`/evenements/{slug}?invitation={token}`, 256 bits, stored hashed);
//!   lines that are no address are reported by number, in French; an
//!   address invited before (or twice in the list) is not sent anything.
//!   A request holds [`INVITATIONS_PER_REQUEST`] addresses at most; an
//!   event sends [`INVITATION_EMAILS_PER_DAY`] invitation emails in 24
//!   rolling hours (resends included).
//! - Resending emails a fresh link (the earlier one stops working),
//!   [`RESENDS_PER_DAY`] times per invitation in 24 hours, never to an
//!   address already registered.
//! - A generated code has 80 bits ([`token::CODE_BITS`]), is answered once
//!   and stored as its SHA-256 with a label; it can be revoked, and counts
//!   the registrations it let in.
//! - `POST /api/events/{slug}/invitation` answers the address a link's
//!   token was sent to, so the form shows it locked; the registration route
//!   registers that address, whatever the form says.

use std::collections::HashSet;

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{Method, StatusCode};
use axum::routing::{MethodRouter, get, post};
use axum::{Json, Router};
use chrono::Utc;
use parvis_core::api::{FieldErrors, RegistrationStatus};
use parvis_core::email::EmailAddress;
use parvis_core::gestion::Accepted;
use parvis_core::invitations::{
    CODE_LABEL_MAX, CodeCreated, CodeLine, CodeRequest, INVITATION_EMAILS_PER_DAY,
    INVITATIONS_PER_REQUEST, InvitationLine, InvitationList, InvitationOpen, InvitationView,
    InviteReport, InviteRequest, LineProblem, RESENDS_PER_DAY, field,
};

use super::detached;
use super::gestion::{AdminRoute, Guard};
use crate::AppState;
use crate::auth::MemberEvent;
use crate::client::ClientIp;
use crate::error::{AppError, AppJson};
use crate::mail::invitation::invitation_email;
use crate::routes::events::find;
use crate::store::EventRecord;
use crate::store::invitations::{
    InvitationCodeRecord, InvitationLink, InvitationRecord, Invited, Invitee, Resent,
};
use crate::token;

/// The largest list accepted: a spreadsheet's export with a few columns
/// for 500 people.
const LIST_MAX_BYTES: usize = 1024 * 1024;

const INVITATIONS: &str = "/gestion/organisations/{org}/evenements/{slug}/invitations";
const RESEND: &str = "/gestion/organisations/{org}/evenements/{slug}/invitations/{id}/renvoyer";
const CODES: &str = "/gestion/organisations/{org}/evenements/{slug}/codes-invitation";
const REVOKE: &str =
    "/gestion/organisations/{org}/evenements/{slug}/codes-invitation/{id}/revoquer";

/// The invitations' routes, with their guard.
pub fn table() -> Vec<(AdminRoute, MethodRouter<AppState>)> {
    let route = |method: Method, path: &'static str| AdminRoute {
        method,
        path,
        guard: Guard::Member,
    };
    vec![
        (route(Method::GET, INVITATIONS), get(list)),
        (
            route(Method::POST, INVITATIONS),
            post(invite).layer(DefaultBodyLimit::max(LIST_MAX_BYTES)),
        ),
        (route(Method::POST, RESEND), post(resend)),
        (route(Method::POST, CODES), post(create_code)),
        (route(Method::POST, REVOKE), post(revoke_code)),
    ]
}

/// The public call opening an invitation link.
pub fn router() -> Router<AppState> {
    Router::new().route("/events/{slug}/invitation", post(open))
}

fn members_only(event: &EventRecord) -> Result<(), AppError> {
    if event.public.members_only {
        Ok(())
    } else {
        Err(AppError::Conflict {
            code: "not_members_only",
            message: "Cet événement est ouvert à tous : les invitations servent aux événements réservés aux membres (case « Réservé aux membres » de l'éditeur).".to_owned(),
        })
    }
}

/// The id in a path; an unknown one is answered as one that is gone (409,
/// as the desk's resend does): the event itself was found.
fn id_of(text: &str, gone: fn() -> AppError) -> Result<i64, AppError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(gone)
}

fn invitation_gone() -> AppError {
    AppError::Conflict {
        code: "unknown_invitation",
        message: "Cette invitation n'est pas (ou plus) dans la liste de cet événement : rechargez la page.".to_owned(),
    }
}

fn code_gone() -> AppError {
    AppError::Conflict {
        code: "unknown_code",
        message:
            "Ce code n'existe pas pour cet événement, ou il est déjà révoqué : rechargez la page."
                .to_owned(),
    }
}

/// Column names that hold the address in an imported file.
const ADDRESS_HEADERS: &[&str] = &[
    "email",
    "e-mail",
    "courriel",
    "mail",
    "adresse",
    "adresse e-mail",
    "adresse email",
    "adresse mail",
    "adresse électronique",
];

fn header_cell(cell: &str) -> String {
    cell.trim().trim_matches('"').trim().to_lowercase()
}

/// The addresses of a list, each with its line number, and the lines that
/// hold something else.
pub fn parse_list(text: &str) -> (Vec<(usize, String)>, Vec<LineProblem>) {
    let text = text.trim_start_matches('\u{feff}');
    let first = text
        .lines()
        .enumerate()
        .find(|(_, line)| !line.trim().is_empty());
    if let Some((index, header)) = first {
        let delimiter = [';', ',', '\t']
            .into_iter()
            .max_by_key(|d| header.matches(*d).count())
            .unwrap_or(',');
        let cells: Vec<String> = header.split(delimiter).map(header_cell).collect();
        if let Some(column) = cells
            .iter()
            .position(|cell| ADDRESS_HEADERS.contains(&cell.as_str()))
        {
            return parse_csv(text, index, delimiter, column, &cells[column]);
        }
    }
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        for item in line.split([',', ';', '\t']) {
            let item = item.trim().trim_matches('"').trim();
            if item.is_empty() {
                continue;
            }
            // « Camille Martin <camille@ville.fr> », as mail programs copy.
            let address = match (item.rfind('<'), item.strip_suffix('>')) {
                (Some(open), Some(inner)) => inner[open + 1..].trim(),
                _ => item,
            };
            found.push((index + 1, address.to_owned()));
        }
    }
    check_addresses(found, &mut problems)
        .map(|found| (found, problems))
        .unwrap_or_default()
}

fn parse_csv(
    text: &str,
    header_index: usize,
    delimiter: char,
    column: usize,
    name: &str,
) -> (Vec<(usize, String)>, Vec<LineProblem>) {
    // A blank line becomes a line of one delimiter (a record of empty
    // cells, skipped below), so the reader's line numbers stay the file's.
    let blank = delimiter.to_string();
    let body: String = text
        .lines()
        .skip(header_index)
        .map(|line| {
            if line.trim().is_empty() {
                blank.as_str()
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(u8::try_from(delimiter).unwrap_or(b','))
        .flexible(true)
        .has_headers(true)
        .from_reader(body.as_bytes());
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        let line = |record: &csv::StringRecord| {
            header_index
                + usize::try_from(record.position().map_or(0, csv::Position::line)).unwrap_or(0)
        };
        match record {
            Ok(record) => {
                if record.iter().all(|cell| cell.trim().is_empty()) {
                    continue;
                }
                let value = record.get(column).unwrap_or("").trim();
                if value.is_empty() {
                    problems.push(LineProblem {
                        line: line(&record),
                        text: record
                            .iter()
                            .collect::<Vec<_>>()
                            .join(&delimiter.to_string()),
                        message: format!(
                            "Ligne {} : la colonne « {name} » est vide.",
                            line(&record)
                        ),
                    });
                } else {
                    found.push((line(&record), value.to_owned()));
                }
            }
            Err(error) => {
                let at = error
                    .position()
                    .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
                problems.push(LineProblem {
                    line: header_index + at,
                    text: String::new(),
                    message: format!(
                        "Ligne {} : cette ligne du fichier ne se lit pas (guillemets ou encodage).",
                        header_index + at
                    ),
                });
            }
        }
    }
    check_addresses(found, &mut problems)
        .map(|found| (found, problems))
        .unwrap_or_default()
}

/// Keeps the valid addresses, reports the others by line.
fn check_addresses(
    found: Vec<(usize, String)>,
    problems: &mut Vec<LineProblem>,
) -> Option<Vec<(usize, String)>> {
    let mut valid = Vec::new();
    for (line, text) in found {
        match EmailAddress::parse(&text) {
            Ok(address) => valid.push((line, address.as_str().to_owned())),
            Err(problem) => problems.push(LineProblem {
                line,
                message: format!(
                    "Ligne {line} : « {text} » n'est pas une adresse e-mail valide ({problem})."
                ),
                text,
            }),
        }
    }
    problems.sort_by_key(|p| p.line);
    Some(valid)
}

fn status_of(record: &InvitationRecord) -> (&'static str, &'static str) {
    match record.registration.map(|(_, status)| status) {
        None => ("invitee", "Invitée, pas encore inscrite"),
        Some(RegistrationStatus::Confirmed) => ("inscrite", "Inscrite"),
        Some(RegistrationStatus::Waitlisted) => ("attente", "Inscrite en liste d'attente"),
        Some(RegistrationStatus::Pending) => {
            ("en_attente_confirmation", "Inscrite, adresse à confirmer")
        }
        Some(RegistrationStatus::Cancelled) => ("annulee", "Inscription annulée"),
    }
}

fn line_of(record: InvitationRecord) -> InvitationLine {
    let (status, label) = status_of(&record);
    InvitationLine {
        id: record.id,
        email: record.email,
        status: status.to_owned(),
        status_label: label.to_owned(),
        through_link: record.through_link,
        invited_at: record.invited_at,
        invited_by: record.invited_by,
        last_sent_at: record.last_sent_at,
        sent_count: record.sent_count,
    }
}

fn code_line(record: InvitationCodeRecord) -> CodeLine {
    CodeLine {
        id: record.id,
        label: record.label,
        created_at: record.created_at,
        created_by: record.created_by,
        revoked_at: record.revoked_at,
        uses: record.uses,
    }
}

/// `GET …/invitations`.
async fn list(
    State(state): State<AppState>,
    MemberEvent { event, .. }: MemberEvent,
) -> Result<Json<InvitationList>, AppError> {
    let invitations = state.store.invitations(event.id).await?;
    let codes = state.store.invitation_codes(event.id).await?;
    let sent = state
        .store
        .invitation_emails_since(event.id, Utc::now() - chrono::Duration::hours(24))
        .await?;
    Ok(Json(InvitationList {
        members_only: event.public.members_only,
        invitations: invitations.into_iter().map(line_of).collect(),
        codes: codes.into_iter().map(code_line).collect(),
        emails_left_today: INVITATION_EMAILS_PER_DAY.saturating_sub(sent),
    }))
}

fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

/// `POST …/invitations`.
async fn invite(
    State(state): State<AppState>,
    MemberEvent {
        session,
        membership,
        event,
        ..
    }: MemberEvent,
    AppJson(request): AppJson<InviteRequest>,
) -> Result<Json<InviteReport>, AppError> {
    members_only(&event)?;
    let (found, problems) = parse_list(&request.adresses);
    let mut seen = HashSet::new();
    let mut invitees = Vec::new();
    let mut repeated = Vec::new();
    for (_, email) in found {
        let key = email.to_lowercase();
        if seen.insert(key.clone()) {
            invitees.push(Invitee { key, email });
        } else {
            repeated.push(email);
        }
    }
    let refuse = |message: String| {
        let mut errors = FieldErrors::default();
        errors.add(field::ADDRESSES, message);
        AppError::Validation(errors)
    };
    if invitees.is_empty() {
        let message = match problems.first() {
            None => "Collez au moins une adresse e-mail, une par ligne (ou séparées par des virgules ou des points-virgules), ou importez un fichier CSV avec une colonne « email ».".to_owned(),
            Some(_) => format!(
                "Aucune adresse valide dans la liste. {}",
                problems
                    .iter()
                    .take(10)
                    .map(|p| p.message.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        };
        return Err(refuse(message));
    }
    if invitees.len() > INVITATIONS_PER_REQUEST {
        return Err(refuse(format!(
            "La liste compte {} adresses : {INVITATIONS_PER_REQUEST} au plus par envoi. Découpez-la en plusieurs envois.",
            invitees.len()
        )));
    }
    let public_url = state.public_url.clone();
    let store = state.store.clone();
    let stored = event.clone();
    let account = session.account.id;
    let event_id = event.id;
    let outcome = detached(async move {
        let compose =
            move |email: &str, token: &str| invitation_email(&stored, email, token, &public_url);
        store
            .invite(
                event_id,
                account,
                &invitees,
                INVITATION_EMAILS_PER_DAY,
                &compose,
                Utc::now(),
            )
            .await
    })
    .await?;
    let (invited, mut already) = match outcome {
        Invited::Done { new, already } => (new, already),
        Invited::DailyLimit { left } => {
            return Err(AppError::too_many(
                format!(
                    "Cet événement envoie {INVITATION_EMAILS_PER_DAY} e-mails d'invitation par 24 heures au plus : il en reste {left} possibles aujourd'hui. Rien n'a été envoyé ; réduisez la liste ou réessayez demain."
                ),
                3600,
            ));
        }
    };
    already.extend(repeated);
    if !invited.is_empty() {
        state.email_queued().await;
    }
    let mut message = match invited.len() {
        0 => "Aucune nouvelle invitation : ces adresses étaient déjà invitées.".to_owned(),
        n => format!(
            "{} : chaque adresse reçoit son lien personnel d'inscription.",
            plural(n, "invitation envoyée", "invitations envoyées")
        ),
    };
    if !already.is_empty() && !invited.is_empty() {
        message.push_str(&format!(
            " {} ou en double, sans nouvel envoi.",
            plural(
                already.len(),
                "adresse déjà invitée",
                "adresses déjà invitées"
            )
        ));
    }
    if !problems.is_empty() {
        message.push_str(&format!(
            " {} : voir ci-dessous.",
            plural(problems.len(), "ligne ignorée", "lignes ignorées")
        ));
    }
    state
        .store
        .audit(
            Some(membership.organisation.id),
            Some(session.account.id),
            "invitation",
            &format!(
                "Invitations à « {} » : {} envoyée(s), {} déjà invitée(s), {} ligne(s) ignorée(s)",
                event.public.title,
                invited.len(),
                already.len(),
                problems.len()
            ),
            Utc::now(),
        )
        .await?;
    Ok(Json(InviteReport {
        message,
        invited,
        already,
        problems,
    }))
}

/// `POST …/invitations/{id}/renvoyer`.
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
    let id = id_of(&id, invitation_gone)?;
    let public_url = state.public_url.clone();
    let store = state.store.clone();
    let stored = event.clone();
    let event_id = event.id;
    let outcome = detached(async move {
        let compose =
            move |email: &str, token: &str| invitation_email(&stored, email, token, &public_url);
        store
            .resend_invitation(
                event_id,
                id,
                RESENDS_PER_DAY,
                INVITATION_EMAILS_PER_DAY,
                &compose,
                Utc::now(),
            )
            .await
    })
    .await?;
    let email = match outcome {
        Resent::Done(email) => email,
        Resent::Unknown => return Err(invitation_gone()),
        Resent::Registered(email) => {
            return Err(AppError::Conflict {
                code: "already_registered",
                message: format!("{email} est déjà inscrit·e : rien n'a été renvoyé."),
            });
        }
        Resent::TooMany(email) => {
            return Err(AppError::too_many(
                format!(
                    "L'invitation de {email} a déjà été envoyée {RESENDS_PER_DAY} fois en 24 heures : réessayez demain."
                ),
                3600,
            ));
        }
        Resent::DailyLimit => {
            return Err(AppError::too_many(
                format!(
                    "Cet événement a envoyé {INVITATION_EMAILS_PER_DAY} e-mails d'invitation en 24 heures : réessayez demain."
                ),
                3600,
            ));
        }
    };
    state.email_queued().await;
    state
        .store
        .audit(
            Some(membership.organisation.id),
            Some(session.account.id),
            "invitation_renvoi",
            &format!("Invitation à « {} » renvoyée à {email}", event.public.title),
            Utc::now(),
        )
        .await?;
    Ok(Json(Accepted {
        message: format!(
            "L'invitation est renvoyée à {email} avec un nouveau lien personnel ; le lien précédent ne fonctionne plus."
        ),
    }))
}

/// `POST …/codes-invitation`: the code is in this answer and nowhere else.
async fn create_code(
    State(state): State<AppState>,
    MemberEvent {
        session,
        membership,
        event,
        ..
    }: MemberEvent,
    AppJson(request): AppJson<CodeRequest>,
) -> Result<(StatusCode, Json<CodeCreated>), AppError> {
    members_only(&event)?;
    let label = request.libelle.trim().to_owned();
    let problem = if label.is_empty() {
        Some("Donnez un libellé au code (par exemple « Réseau des délégués du préfet ») : il vous permettra de le reconnaître dans la liste.".to_owned())
    } else if label.chars().count() > CODE_LABEL_MAX {
        Some(format!(
            "Le libellé compte {} caractères : {CODE_LABEL_MAX} au plus.",
            label.chars().count()
        ))
    } else {
        None
    };
    if let Some(message) = problem {
        let mut errors = FieldErrors::default();
        errors.add(field::LABEL, message);
        return Err(AppError::Validation(errors));
    }
    let code = token::invitation_code()?;
    let now = Utc::now();
    let id = state
        .store
        .create_invitation_code(
            event.id,
            &label,
            &token::invitation_code_hash(&code),
            Some(session.account.id),
            now,
        )
        .await?;
    state
        .store
        .audit(
            Some(membership.organisation.id),
            Some(session.account.id),
            "code_invitation",
            &format!(
                "Code d'invitation « {label} » créé pour « {} »",
                event.public.title
            ),
            now,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CodeCreated {
            message: format!(
                "Code « {label} » créé : {code}. Notez-le ou transmettez-le maintenant : il ne sera plus jamais affiché."
            ),
            code,
            line: CodeLine {
                id,
                label,
                created_at: now,
                created_by: Some(session.account.email.clone()),
                revoked_at: None,
                uses: 0,
            },
        }),
    ))
}

/// `POST …/codes-invitation/{id}/revoquer`.
async fn revoke_code(
    State(state): State<AppState>,
    MemberEvent {
        session,
        membership,
        event,
        ..
    }: MemberEvent,
    Path((_, _, id)): Path<(String, String, String)>,
) -> Result<Json<Accepted>, AppError> {
    let id = id_of(&id, code_gone)?;
    let now = Utc::now();
    let label = state
        .store
        .revoke_invitation_code(event.id, id, now)
        .await?
        .ok_or_else(code_gone)?;
    state
        .store
        .audit(
            Some(membership.organisation.id),
            Some(session.account.id),
            "code_invitation_revoque",
            &format!(
                "Code d'invitation « {label} » de « {} » révoqué",
                event.public.title
            ),
            now,
        )
        .await?;
    Ok(Json(Accepted {
        message: format!(
            "Le code « {label} » est révoqué : il n'ouvre plus l'inscription. Les personnes déjà inscrites avec lui le restent."
        ),
    }))
}

/// The French refusal of a link that opens nothing (unknown, replaced by a
/// resend, or another event's).
pub fn invalid_link() -> String {
    "Ce lien d'invitation n'est pas (ou plus) valide pour cet événement : utilisez le lien du dernier e-mail d'invitation reçu, ou saisissez un code d'invitation.".to_owned()
}

/// The invitation of `event` a link's token opens, if any.
pub async fn invitation_of(
    state: &AppState,
    event: &EventRecord,
    token: &str,
) -> Result<Option<InvitationLink>, AppError> {
    let token = token.trim();
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    Ok(state
        .store
        .invitation_by_token(&token::hash(token))
        .await?
        .filter(|invitation| invitation.event_id == event.id))
}

/// `POST /api/events/{slug}/invitation`: the invited address.
async fn open(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(client): ClientIp,
    AppJson(request): AppJson<InvitationOpen>,
) -> Result<Json<InvitationView>, AppError> {
    // Counted with the registration attempts: a link is opened once, just
    // before registering.
    state
        .limits
        .registrations
        .check(&crate::rate_limit::client_key(client))
        .map_err(|wait| {
            AppError::too_many(
                format!("Trop de tentatives depuis votre adresse. Réessayez dans {wait} secondes."),
                wait,
            )
        })?;
    let event = find(&state, &slug).await?;
    let invitation = invitation_of(&state, &event, &request.jeton)
        .await?
        .ok_or_else(|| AppError::NotFound(invalid_link()))?;
    Ok(Json(InvitationView {
        email: invitation.email,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_list_is_split_on_lines_commas_and_semicolons() {
        let (found, problems) = parse_list(
            "a@ville.fr, b@ville.fr\n\nCamille <c@ville.fr>;pas-une-adresse\n  d@ville.fr  ",
        );
        let addresses: Vec<&str> = found.iter().map(|(_, a)| a.as_str()).collect();
        assert_eq!(
            addresses,
            ["a@ville.fr", "b@ville.fr", "c@ville.fr", "d@ville.fr"]
        );
        assert_eq!(found[2].0, 3);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 3);
        assert!(
            problems[0]
                .message
                .starts_with("Ligne 3 : « pas-une-adresse »")
        );
    }

    #[test]
    fn a_csv_file_is_read_by_its_address_column() {
        let (found, problems) = parse_list(
            "\u{feff}Nom;Prénom;E-mail;Structure\nMartin;Camille;camille@ville.fr;\"Ville; centre\"\nDurand;Alex;;Asso\n\nPetit;Lou;lou@asso.org;Asso\nX;Y;nope;Z\n",
        );
        let addresses: Vec<(usize, &str)> = found.iter().map(|(l, a)| (*l, a.as_str())).collect();
        assert_eq!(addresses, [(2, "camille@ville.fr"), (5, "lou@asso.org")]);
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 6], "{problems:?}");
        assert!(problems[0].message.contains("« e-mail » est vide"));
    }

    #[test]
    fn a_comma_separated_file_with_an_email_header() {
        let (found, problems) = parse_list("email,nom\r\na@b.fr,A\r\nc@d.fr,C\r\n");
        assert_eq!(found.len(), 2);
        assert!(problems.is_empty());
    }
}
