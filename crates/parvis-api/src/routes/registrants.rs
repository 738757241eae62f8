//! The registrants of an organisation's event, for its members: the list
//! (`GET …/evenements/{slug}/inscrits`, a page at a time, with the counts of
//! every quota) and its exports (`…/inscrits/export.{csv,xlsx,json}`, see
//! [`export`]). The routes are declared in the back-office's one table
//! (`routes::gestion`) with `Guard::Member`.
//!
//! An event that is not the organisation's answers 404, word for word as an
//! unknown event. The database filters exact values (status, workshop,
//! day, structure type); the search words and the territory, compared
//! without accents or case as the agenda's search is, are matched on each
//! page read (the same on SQLite and PostgreSQL, with no normalised copy of
//! every name to keep up to date).

pub(crate) mod export;

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use parvis_core::api::{EventPublic, FieldErrors, RegistrationStatus, quota};
use parvis_core::gestion::{
    ExportFormat, ExportOptions, Labelled, QuotaCount, REGISTRANTS_PAGE, REGISTRANTS_PAGE_MAX,
    RegistrantCounts, RegistrantEvent, RegistrantLine, RegistrantList, RegistrantQuery,
    StatusCounts,
};
use parvis_core::{dates, registration, search};

use crate::AppState;
use crate::auth::MemberEvent;
use crate::error::AppError;
use crate::store::accounts::Membership;
use crate::store::registrants::{Registrant, RegistrantFilter, WaitingRanks, WishCount};
use crate::store::{EventRecord, Store};

/// Registrants read from the database at a time, by the exports and by a
/// list filtered on words or territory.
pub const PAGE: u32 = 1000;

/// Who may see, and what: the member's organisation, the event, the filters.
struct Scope {
    membership: Membership,
    account_id: i64,
    event: EventRecord,
    selection: Selection,
}

/// The filters of a request, checked against the event.
#[derive(Debug, Clone, Default)]
struct Selection {
    /// What the database filters.
    filter: RegistrantFilter,
    /// Normalised search words, all to be found.
    terms: Vec<String>,
    /// Normalised territory.
    territory: Option<String>,
    /// The filters as asked, for the audit log (`statut=confirmed, …`).
    described: Vec<String>,
}

impl Selection {
    /// Whether lines are matched after reading (words, territory): counting
    /// them then means reading them.
    fn in_memory(&self) -> bool {
        !self.terms.is_empty() || self.territory.is_some()
    }

    fn matches(&self, registrant: &Registrant) -> bool {
        // The database's LIKE is case-blind on SQLite: the workshop is
        // checked exactly here.
        if let Some(track) = &self.filter.track
            && !registrant.tracks.contains(track)
        {
            return false;
        }
        if let Some(territory) = &self.territory
            && registrant.territory.as_deref().map(search::normalise) != Some(territory.clone())
        {
            return false;
        }
        if self.terms.is_empty() {
            return true;
        }
        let text = search::normalise(&format!(
            "{} {} {} {}",
            registrant.first_name, registrant.last_name, registrant.email, registrant.organisation
        ));
        self.terms.iter().all(|term| text.contains(term.as_str()))
    }
}

fn blank(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Checks the filters against the event: every faulty parameter is named,
/// in French, without repeating what was typed.
fn selection(event: &EventPublic, query: &RegistrantQuery) -> Result<Selection, AppError> {
    let mut errors = FieldErrors::default();
    let mut selection = Selection::default();
    if let Some(q) = blank(&query.q) {
        match search::check_query(q) {
            Ok(()) => {
                selection.terms = search::query_terms(q);
                selection.described.push(format!("q={q}"));
            }
            Err(problem) => errors.add(search::QUERY_FIELD, problem.to_string()),
        }
    }
    if let Some(status) = query.statut {
        selection.filter.status = Some(status);
        selection
            .described
            .push(format!("statut={}", status.as_str()));
    }
    if let Some(track) = blank(&query.atelier) {
        if event.tracks().any(|t| t.id == track) {
            selection.filter.track = Some(track.to_owned());
            selection.described.push(format!("atelier={track}"));
        } else {
            errors.add(
                "atelier",
                "Cet atelier n'existe pas pour cet événement.".to_owned(),
            );
        }
    }
    if let Some(day) = query.journee {
        if day < event.sessions.len() {
            selection.filter.session = Some(day);
            selection.described.push(format!("journee={day}"));
        } else {
            errors.add(
                "journee",
                "Cette journée n'existe pas pour cet événement.".to_owned(),
            );
        }
    }
    if let Some(structure) = blank(&query.structure) {
        if registration::STRUCTURE_TYPES
            .iter()
            .any(|(value, _)| *value == structure)
        {
            selection.filter.structure_type = Some(structure.to_owned());
            selection.described.push(format!("structure={structure}"));
        } else {
            errors.add("structure", "Ce type de structure n'existe pas.".to_owned());
        }
    }
    if let Some(territory) = blank(&query.territoire) {
        let normalised = search::normalise(territory);
        if !normalised.is_empty() {
            selection.territory = Some(normalised);
            selection.described.push(format!("territoire={territory}"));
        }
    }
    if let Some(limit) = query.limite
        && !(1..=REGISTRANTS_PAGE_MAX).contains(&limit)
    {
        errors.add(
            "limite",
            format!("Une page compte de 1 à {REGISTRANTS_PAGE_MAX} lignes."),
        );
    }
    if errors.is_empty() {
        Ok(selection)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// The member's event ([`MemberEvent`]: 404 for another organisation's,
/// as for an unknown event), then the filters (400 or 422).
fn scope(
    found: MemberEvent,
    query: Result<Query<RegistrantQuery>, QueryRejection>,
) -> Result<(Scope, RegistrantQuery), AppError> {
    let MemberEvent {
        session,
        membership,
        event,
        ..
    } = found;
    let Query(query) = query?;
    let selection = selection(&event.public, &query)?;
    Ok((
        Scope {
            membership,
            account_id: session.account.id,
            event,
            selection,
        },
        query,
    ))
}

/// The event as lines refer to it: its workshops, days and questions.
fn event_view(event: &EventPublic) -> RegistrantEvent {
    RegistrantEvent {
        slug: event.slug.clone(),
        title: event.title.clone(),
        tracks: event
            .tracks()
            .map(|t| Labelled {
                id: t.id.clone(),
                label: t.title.clone(),
            })
            .collect(),
        days: dates::sessions(&event.sessions),
        questions: event
            .questions
            .iter()
            .map(|q| Labelled {
                id: q.id.clone(),
                label: q.label.clone(),
            })
            .collect(),
    }
}

/// Every quota of the event (the event, each workshop, each day when days
/// are chosen, limited or not) with its seats and the registrations wanting
/// it by status; and every registration by status.
fn counts(event: &EventPublic, wishes: &[WishCount]) -> RegistrantCounts {
    let mut quotas: Vec<(String, String)> = vec![(quota::EVENT.to_owned(), "Événement".to_owned())];
    quotas.extend(
        event
            .tracks()
            .map(|t| (quota::track(&t.id), format!("Atelier « {} »", t.title))),
    );
    if event.day_selection {
        quotas.extend(event.sessions.iter().enumerate().map(|(i, s)| {
            (
                quota::session(i),
                format!("Journée du {}", dates::long_date(s.starts_at.date_naive())),
            )
        }));
    }
    let mut statuses = StatusCounts::default();
    for wish in wishes {
        statuses.add(wish.status, wish.count);
    }
    let quotas = quotas
        .into_iter()
        .map(|(key, label)| {
            let mut by_status = StatusCounts::default();
            for wish in wishes.iter().filter(|w| w.wish.contains(&key)) {
                by_status.add(wish.status, wish.count);
            }
            let seats = event.availability.0.get(&key);
            QuotaCount {
                capacity: seats.map(|s| s.capacity),
                taken: seats.map_or(by_status.confirmed + by_status.pending, |s| s.taken),
                statuses: by_status,
                key,
                label,
            }
        })
        .collect();
    RegistrantCounts { statuses, quotas }
}

fn line(registrant: Registrant) -> RegistrantLine {
    let Registrant {
        id,
        status,
        rank,
        first_name,
        last_name,
        email,
        organisation,
        role,
        structure_type,
        territory,
        tracks,
        sessions,
        answers,
        accessibility_needs,
        registered_at,
        registered_by,
    } = registrant;
    RegistrantLine {
        id,
        first_name,
        last_name,
        email,
        organisation,
        role,
        structure_type,
        territory,
        status,
        rank: if status == RegistrationStatus::Waitlisted {
            rank
        } else {
            None
        },
        tracks,
        sessions,
        answers,
        accessibility_needs,
        registered_at,
        registered_by,
    }
}

/// An event's registrants matching a selection, read a page at a time in
/// order of registration.
struct Pages {
    store: Arc<dyn Store>,
    event_id: i64,
    selection: Selection,
    after: i64,
    ranks: WaitingRanks,
    done: bool,
}

impl Pages {
    fn new(store: Arc<dyn Store>, event_id: i64, selection: Selection) -> Self {
        Self {
            store,
            event_id,
            selection,
            after: 0,
            ranks: WaitingRanks::default(),
            done: false,
        }
    }

    /// The next page's matching registrants (maybe none), or `None` once
    /// every registrant was read.
    async fn next(&mut self) -> anyhow::Result<Option<Vec<Registrant>>> {
        if self.done {
            return Ok(None);
        }
        let page = self
            .store
            .registrant_page(
                self.event_id,
                &self.selection.filter,
                self.after,
                PAGE,
                &mut self.ranks,
            )
            .await?;
        self.done = page.len() < PAGE as usize;
        if let Some(last) = page.last() {
            self.after = last.id;
        }
        Ok(Some(
            page.into_iter()
                .filter(|r| self.selection.matches(r))
                .collect(),
        ))
    }
}

/// `GET /api/gestion/organisations/{org}/evenements/{slug}/inscrits`.
pub(super) async fn list(
    State(state): State<AppState>,
    found: MemberEvent,
    query: Result<Query<RegistrantQuery>, QueryRejection>,
) -> Result<Json<RegistrantList>, AppError> {
    let (scope, query) = scope(found, query)?;
    let limit = query.limite.unwrap_or(REGISTRANTS_PAGE);
    let after = query.apres.unwrap_or(0).max(0);
    let event_id = scope.event.id;
    let wishes = state.store.wish_counts(event_id).await?;
    let (total, page, next) = if scope.selection.in_memory() {
        // Words and territory are matched as lines are read: counting them
        // means reading them all (a page at a time).
        let mut pages = Pages::new(state.store.clone(), event_id, scope.selection.clone());
        let mut total = 0u32;
        let mut page = Vec::new();
        let mut next = None;
        while let Some(matching) = pages.next().await? {
            for registrant in matching {
                total += 1;
                if registrant.id <= after || next.is_some() {
                    continue;
                }
                if page.len() < limit as usize {
                    page.push(registrant);
                } else {
                    next = page.last().map(|r: &Registrant| r.id);
                }
            }
        }
        (total, page, next)
    } else {
        let total = state
            .store
            .count_registrants(event_id, &scope.selection.filter)
            .await?;
        let mut page = state
            .store
            .registrant_page(
                event_id,
                &scope.selection.filter,
                after,
                limit + 1,
                &mut WaitingRanks::default(),
            )
            .await?;
        let more = page.len() > limit as usize;
        page.truncate(limit as usize);
        let next = more.then(|| page.last().map(|r| r.id)).flatten();
        (total, page, next)
    };
    Ok(Json(RegistrantList {
        event: event_view(&scope.event.public),
        counts: counts(&scope.event.public, &wishes),
        total,
        registrants: page.into_iter().map(line).collect(),
        next,
    }))
}

/// `GET …/inscrits/export.csv?dialecte=excel|standard`.
pub(super) async fn export_csv(
    State(state): State<AppState>,
    found: MemberEvent,
    query: Result<Query<RegistrantQuery>, QueryRejection>,
    options: Result<Query<ExportOptions>, QueryRejection>,
) -> Result<Response, AppError> {
    let (scope, _) = scope(found, query)?;
    let Query(options) = options?;
    export::respond(
        &state,
        scope,
        ExportFormat::Csv,
        options.dialecte.unwrap_or_default(),
    )
    .await
}

/// `GET …/inscrits/export.xlsx`.
pub(super) async fn export_xlsx(
    State(state): State<AppState>,
    found: MemberEvent,
    query: Result<Query<RegistrantQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let (scope, _) = scope(found, query)?;
    export::respond(&state, scope, ExportFormat::Xlsx, Default::default()).await
}

/// `GET …/inscrits/export.json`.
pub(super) async fn export_json(
    State(state): State<AppState>,
    found: MemberEvent,
    query: Result<Query<RegistrantQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let (scope, _) = scope(found, query)?;
    export::respond(&state, scope, ExportFormat::Json, Default::default()).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed;

    fn registrant(first: &str, territory: Option<&str>) -> Registrant {
        Registrant {
            id: 1,
            status: RegistrationStatus::Confirmed,
            rank: None,
            first_name: first.to_owned(),
            last_name: "Martin".to_owned(),
            email: "c.martin@ville.fr".to_owned(),
            organisation: "Ville d'Évry".to_owned(),
            role: String::new(),
            structure_type: "collectivite".to_owned(),
            territory: territory.map(str::to_owned),
            tracks: Vec::new(),
            sessions: Vec::new(),
            answers: Default::default(),
            accessibility_needs: None,
            registered_at: chrono::Utc::now(),
            registered_by: None,
        }
    }

    #[test]
    fn words_and_territory_match_without_accents_or_case() {
        let event = seed::webinar(
            "w",
            chrono::NaiveDate::from_ymd_opt(2025, 5, 13).unwrap(),
            None,
        )
        .public;
        let query = RegistrantQuery {
            q: Some("HELENE evry".to_owned()),
            territoire: Some("Grigny ".to_owned()),
            ..Default::default()
        };
        let selection = selection(&event, &query).unwrap();
        assert!(selection.in_memory());
        assert!(selection.matches(&registrant("Hélène", Some("GRIGNY"))));
        assert!(!selection.matches(&registrant("Hélène", Some("Évry"))));
        assert!(!selection.matches(&registrant("Camille", Some("Grigny"))));
    }

    #[test]
    fn unknown_filters_are_named_without_echo() {
        let event = seed::webinar(
            "w",
            chrono::NaiveDate::from_ymd_opt(2025, 5, 13).unwrap(),
            None,
        )
        .public;
        let query = RegistrantQuery {
            atelier: Some("<script>".to_owned()),
            journee: Some(7),
            structure: Some("<b>".to_owned()),
            limite: Some(0),
            ..Default::default()
        };
        let Err(AppError::Validation(errors)) = selection(&event, &query) else {
            panic!("refused");
        };
        for field in ["atelier", "journee", "structure", "limite"] {
            assert!(!errors.get(field).is_empty(), "{field}");
        }
        assert!(!format!("{errors:?}").contains('<'));
    }
}
