//! An event's registrants desk in the back-office: the counts of every
//! quota, the table of registrants with its filters (a labelled form), its
//! pages and its exports, each registrant's answers and needs (a
//! disclosure), the cancellation with a confirmation step, the waiting
//! list in order with manual promotion, registration on someone's behalf,
//! the emails that could not be delivered, and messages to registrants
//! with their preview.
//!
//! Every action leaves a status message that takes the focus. The table
//! scrolls inside its own labelled, focusable region, so the page itself
//! never scrolls sideways at 320 px.

use std::collections::BTreeMap;

use gloo_net::http::Method;
use leptos::prelude::*;
use parvis_core::api::{ApiError, EventPublic, FieldErrors, RegistrationStatus};
use parvis_core::desk::{
    self, DeadLetterLine, MessageLog, MessagePreview, MessageRequest, MessageSent, OnBehalf,
    Promotion,
};
use parvis_core::gestion::{
    Accepted, CsvDialect, ExportFormat, RegistrantEvent, RegistrantLine, RegistrantList,
    RegistrantQuery, paths, status_label, structure_label,
};
use parvis_core::questions::Answer;
use parvis_core::registration::{RegistrationRequest, STRUCTURE_TYPES, field};

use super::evenement::{EventNav, event_params, signed_in};
use crate::api::{call, encode, json, read};
use crate::components::{ErrorNotice, Loading, StatusNotice, TextField};
use crate::form::input_id;
use crate::pages::register::{QuestionInput, day_fields, question_fields, workshop_fields};

/// The registrants' build (`dist/gestion/inscrits/`): an event's
/// registrants, attendance and sign-in sheets, invitations.
#[leptos::component]
pub fn App() -> impl leptos::IntoView {
    use leptos::prelude::*;
    use leptos_router::components::{Route, Routes};
    use leptos_router::path;
    super::frame(super::Bundle::Inscrits, || {
        view! {
            <Routes fallback=super::not_found>
                <Route path=path!("/gestion/organisations/:org/evenements/:slug/inscrits") view=RegistrantsPage/>
                <Route path=path!("/gestion/organisations/:org/evenements/:slug/presence") view=super::presence::AttendancePage/>
                <Route path=path!("/gestion/organisations/:org/evenements/:slug/invitations") view=super::invitations::InvitationsPage/>
                <Route path=path!("/gestion/organisations/:org/evenements/:slug/emargement/:session") view=super::presence::SignInSheetPage/>
            </Routes>
        }
    })
}

/// Lines of the table per page.
const PAGE: u32 = 50;

/// `/gestion/organisations/{org}/evenements/{slug}/inscrits`.
#[component]
pub fn RegistrantsPage() -> impl IntoView {
    let (organisation, slug) = event_params();
    crate::set_title("Inscrit·es");
    signed_in(move |me| {
        let csrf = StoredValue::new(me.csrf_token.clone());
        view! {
            <EventNav organisation=organisation.get() slug=slug.get() current="/inscrits"/>
            <h1>"Inscrit·es"</h1>
            <Desk organisation=organisation.get() slug=slug.get() csrf/>
        }
    })
}

/// Adds `key=value` to a query string's parameters when the value is not
/// blank.
fn param(params: &mut Vec<String>, key: &str, value: Option<String>) {
    if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
        params.push(format!("{key}={}", encode(&value)));
    }
}

/// The query string (`?…`, or nothing) of the filters and `extra`.
fn query_string(query: &RegistrantQuery, extra: &[(&str, String)]) -> String {
    let mut params = Vec::new();
    param(&mut params, "q", query.q.clone());
    param(
        &mut params,
        "statut",
        query.statut.map(|s| s.as_str().to_owned()),
    );
    param(&mut params, "atelier", query.atelier.clone());
    param(&mut params, "journee", query.journee.map(|d| d.to_string()));
    param(&mut params, "structure", query.structure.clone());
    param(&mut params, "territoire", query.territoire.clone());
    param(&mut params, "apres", query.apres.map(|a| a.to_string()));
    param(&mut params, "limite", query.limite.map(|l| l.to_string()));
    for (key, value) in extra {
        param(&mut params, key, Some(value.clone()));
    }
    if params.is_empty() {
        String::new()
    } else {
        format!("?{}", params.join("&"))
    }
}

/// An answer as organisers read it.
fn answer_text(answer: &Answer) -> String {
    match answer {
        Answer::Bool(true) => "Oui".to_owned(),
        Answer::Bool(false) => "Non".to_owned(),
        Answer::Many(items) if items.is_empty() => "—".to_owned(),
        Answer::Many(items) => items.join(", "),
        Answer::Text(text) if text.trim().is_empty() => "—".to_owned(),
        Answer::Text(text) => text.clone(),
    }
}

fn full_name(line: &RegistrantLine) -> String {
    format!("{} {}", line.first_name, line.last_name)
}

/// « Liste d'attente (rang 2) », « Confirmée »…
fn status_text(line: &RegistrantLine) -> String {
    match line.rank {
        Some(rank) if line.status == RegistrationStatus::Waitlisted => {
            format!("{} (rang {rank})", status_label(line.status))
        }
        _ => status_label(line.status).to_owned(),
    }
}

/// The workshops and days of a line, in French.
fn choices_text(event: &RegistrantEvent, line: &RegistrantLine) -> String {
    let mut parts: Vec<String> = event
        .tracks
        .iter()
        .filter(|t| line.tracks.contains(&t.id))
        .map(|t| t.label.clone())
        .collect();
    if event.days.len() > 1 {
        let days: Vec<String> = line
            .sessions
            .iter()
            .filter_map(|&d| event.days.get(d).cloned())
            .collect();
        if !days.is_empty() {
            parts.push(days.join(" ; "));
        }
    }
    if parts.is_empty() {
        "—".to_owned()
    } else {
        parts.join(" — ")
    }
}

/// What a confirmation step is about to do.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pending {
    Cancel { id: i64, name: String },
    Promote { id: i64, name: String },
}

impl Pending {
    /// The button that opened it, to give it the focus back.
    fn opener(&self) -> String {
        match self {
            Pending::Cancel { id, .. } => format!("annuler-{id}"),
            Pending::Promote { id, .. } => format!("promouvoir-{id}"),
        }
    }
}

/// The desk of one event.
#[component]
fn Desk(organisation: String, slug: String, csrf: StoredValue<String>) -> impl IntoView {
    let organisation = StoredValue::new(organisation);
    let slug = StoredValue::new(slug);
    // Applied filters, the pages read so far (`apres` of each), and a
    // version raised by every change, to read the lists again.
    let query = RwSignal::new(RegistrantQuery::default());
    let pages = RwSignal::new(Vec::<i64>::new());
    let version = RwSignal::new(0u32);
    let info = RwSignal::new(None::<RegistrantEvent>);
    let focus_results = RwSignal::new(false);
    let results_ref = NodeRef::<leptos::html::Div>::new();
    let list = crate::api::Loaded::<RegistrantList>::new(move || {
        version.track();
        let mut asked = query.get();
        asked.apres = pages.with(|p| p.last().copied());
        asked.limite = Some(PAGE);
        format!(
            "{}{}",
            paths::registrants(&organisation.get_value(), &slug.get_value()),
            query_string(&asked, &[])
        )
    });
    let waiting = crate::api::Loaded::<RegistrantList>::new(move || {
        version.track();
        let asked = RegistrantQuery {
            statut: Some(RegistrationStatus::Waitlisted),
            limite: Some(parvis_core::gestion::REGISTRANTS_PAGE_MAX),
            ..Default::default()
        };
        format!(
            "{}{}",
            paths::registrants(&organisation.get_value(), &slug.get_value()),
            query_string(&asked, &[])
        )
    });
    Effect::new(move |_| {
        if let Some(Ok(loaded)) = list.get() {
            if info.with_untracked(Option::is_none) {
                info.set(Some(loaded.event.clone()));
            }
            if focus_results.get_untracked() {
                focus_results.set(false);
                crate::focus_when_shown(results_ref);
            }
        }
    });

    // The confirmation step of a cancellation or a promotion.
    let pending = RwSignal::new(None::<Pending>);
    let exceed = RwSignal::new(false);
    let confirm_ref = NodeRef::<leptos::html::H2>::new();
    let notice = RwSignal::new(None::<String>);
    let notice_ref = NodeRef::<leptos::html::Div>::new();
    let ask = move |what: Pending| {
        exceed.set(false);
        pending.set(Some(what));
        crate::focus_when_shown(confirm_ref);
    };
    let act = Action::new_local(move |(what, over): &(Pending, bool)| {
        let (org, event) = (organisation.get_value(), slug.get_value());
        let (url, body) = match what {
            Pending::Cancel { id, .. } => (desk::paths::cancel(&org, &event, *id), json(&())),
            Pending::Promote { id, .. } => (
                desk::paths::promote(&org, &event, *id),
                json(&Promotion { depasser: *over }),
            ),
        };
        let proof = csrf.get_value();
        async move { read::<Accepted>(&call(Method::POST, &url, body, Some(&proof)).await?) }
    });
    Effect::new(move |_| {
        if let Some(result) = act.value().get() {
            match result {
                Ok(answer) => {
                    pending.set(None);
                    notice.set(Some(answer.message));
                    version.update(|v| *v += 1);
                }
                Err(error) => notice.set(Some(error.message)),
            }
            crate::focus_when_shown(notice_ref);
        }
    });
    let back = move |_| {
        if let Some(what) = pending.get_untracked() {
            pending.set(None);
            crate::focus_by_id(&what.opener());
        }
    };

    let confirm_panel = move || {
        pending.get().map(|what| {
            let (title, sentence, yes) = match &what {
                Pending::Cancel { name, .. } => (
                    "Confirmer l'annulation".to_owned(),
                    format!("Annuler l'inscription de {name} ? La personne est prévenue par e-mail et, s'il y a une liste d'attente, la place revient à la personne suivante."),
                    "Oui, annuler l'inscription",
                ),
                Pending::Promote { name, .. } => (
                    "Confirmer la promotion".to_owned(),
                    format!("Confirmer l'inscription de {name}, sans attendre son tour ? La personne reçoit l'e-mail de confirmation avec son lien personnel."),
                    "Oui, confirmer l'inscription",
                ),
            };
            let promoting = matches!(what, Pending::Promote { .. });
            let chosen = what.clone();
            view! {
                <section class="confirm" aria-labelledby="confirmation-titre">
                    <h2 id="confirmation-titre" tabindex="-1" node_ref=confirm_ref>{title}</h2>
                    <p>{sentence}</p>
                    {promoting.then(|| view! {
                        <div class="field field-checkbox">
                            <input type="checkbox" id="depasser" aria-describedby="depasser-aide"
                                prop:checked=move || exceed.get()
                                on:change=move |ev| exceed.set(event_target_checked(&ev))/>
                            <label for="depasser">"Dépasser la capacité si aucune place n'est libre"</label>
                            <p class="hint" id="depasser-aide">"La jauge comptera une place de plus que prévu ; personne d'autre n'entrera tant que des places ne se libèrent pas."</p>
                        </div>
                    })}
                    <div class="actions">
                        <button type="button" class=if promoting { "" } else { "danger" }
                            disabled=move || act.pending().get()
                            on:click=move |_| { act.dispatch((chosen.clone(), exceed.get_untracked())); }>{yes}</button>
                        <button type="button" class="secondary" on:click=back>"Non, revenir"</button>
                    </div>
                </section>
            }
        })
    };

    view! {
        <StatusNotice text=notice node=notice_ref/>
        {confirm_panel}
        <Transition fallback=|| view! { <Loading text="Chargement des inscrit·es…"/> }>
            {move || list.get().map(|result| match result {
                Ok(loaded) => view! { <Counts list=loaded.clone()/> }.into_any(),
                Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
            })}
        </Transition>
        <Filters info query pages focus_results/>
        <Exports organisation slug query/>
        <section aria-labelledby="liste-titre">
            <h2 id="liste-titre">"Liste des inscrit·es"</h2>
            <Transition fallback=|| view! { <Loading text="Chargement des inscrit·es…"/> }>
                {move || list.get().map(|result| match result {
                    Ok(loaded) => {
                        let shown = loaded.registrants.len();
                        let total = loaded.total;
                        let all = loaded.counts.statuses.total();
                        let first_page = pages.with(Vec::is_empty);
                        let next = loaded.next;
                        let summary = if total == 0 {
                            "Aucune inscription ne correspond à ces critères.".to_owned()
                        } else {
                            format!(
                                "{total} inscription{} sur {all} correspond{} aux critères ; {shown} affichée{} sur cette page.",
                                if total > 1 { "s" } else { "" },
                                if total > 1 { "ent" } else { "" },
                                if shown > 1 { "s" } else { "" },
                            )
                        };
                        view! {
                            <div class="notice" role="status" tabindex="-1" node_ref=results_ref><p>{summary}</p></div>
                            <RegistrantTable list=loaded on_ask=ask/>
                            <div class="actions">
                                {(!first_page).then(|| view! {
                                    <button type="button" class="secondary" on:click=move |_| {
                                        focus_results.set(true);
                                        pages.update(|p| { p.pop(); });
                                    }>"Page précédente"</button>
                                })}
                                {next.map(|after| view! {
                                    <button type="button" class="secondary" on:click=move |_| {
                                        focus_results.set(true);
                                        pages.update(|p| p.push(after));
                                    }>"Page suivante"</button>
                                })}
                            </div>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                })}
            </Transition>
        </section>
        <section aria-labelledby="attente-titre">
            <h2 id="attente-titre">"Liste d'attente"</h2>
            <Transition fallback=|| view! { <Loading text="Chargement de la liste d'attente…"/> }>
                {move || waiting.get().map(|result| match result {
                    Ok(loaded) => view! { <WaitingList list=loaded on_ask=ask/> }.into_any(),
                    Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                })}
            </Transition>
        </section>
        <OnBehalfSection organisation slug csrf on_done=move || version.update(|v| *v += 1)/>
        <DeadLetters organisation slug csrf/>
        {move || info.get().map(|event| view! { <Messages organisation slug csrf event/> })}
    }
}

/// The counts of every quota, whatever the filters.
#[component]
fn Counts(list: RegistrantList) -> impl IntoView {
    let statuses = list.counts.statuses;
    view! {
        <section aria-labelledby="jauges-titre">
            <h2 id="jauges-titre">"Places et jauges"</h2>
            <p>{format!(
                "{} confirmée(s), {} en liste d'attente, {} adresse(s) à confirmer, {} annulée(s).",
                statuses.confirmed, statuses.waitlisted, statuses.pending, statuses.cancelled
            )}</p>
            <div class="table-scroll" role="region" aria-labelledby="jauges-legende" tabindex="0">
                <table>
                    <caption id="jauges-legende">"Places prises par jauge"</caption>
                    <thead><tr>
                        <th scope="col">"Jauge"</th>
                        <th scope="col">"Places prises"</th>
                        <th scope="col">"Confirmées"</th>
                        <th scope="col">"En attente"</th>
                        <th scope="col">"Adresse à confirmer"</th>
                        <th scope="col">"Annulées"</th>
                    </tr></thead>
                    <tbody>
                        {list.counts.quotas.into_iter().map(|quota| {
                            let seats = match quota.capacity {
                                Some(capacity) if quota.taken > capacity => format!("{} / {capacity} (capacité dépassée)", quota.taken),
                                Some(capacity) => format!("{} / {capacity}", quota.taken),
                                None => format!("{} (sans limite)", quota.taken),
                            };
                            view! {
                                <tr>
                                    <th scope="row">{quota.label}</th>
                                    <td>{seats}</td>
                                    <td>{quota.statuses.confirmed}</td>
                                    <td>{quota.statuses.waitlisted}</td>
                                    <td>{quota.statuses.pending}</td>
                                    <td>{quota.statuses.cancelled}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// The filters, a labelled form; applying them reads the first page again
/// and moves the focus to the count of what matches.
#[component]
fn Filters(
    info: RwSignal<Option<RegistrantEvent>>,
    query: RwSignal<RegistrantQuery>,
    pages: RwSignal<Vec<i64>>,
    focus_results: RwSignal<bool>,
) -> impl IntoView {
    let words = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let track = RwSignal::new(String::new());
    let day = RwSignal::new(String::new());
    let structure = RwSignal::new(String::new());
    let territory = RwSignal::new(String::new());
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = |signal: RwSignal<String>| {
            Some(signal.get_untracked().trim().to_owned()).filter(|v| !v.is_empty())
        };
        focus_results.set(true);
        pages.set(Vec::new());
        query.set(RegistrantQuery {
            q: text(words),
            statut: RegistrationStatus::parse(&status.get_untracked()),
            atelier: text(track),
            journee: day.get_untracked().trim().parse().ok(),
            structure: text(structure),
            territoire: text(territory),
            ..Default::default()
        });
    };
    let clear = move |_| {
        for signal in [words, status, track, day, structure, territory] {
            signal.set(String::new());
        }
        focus_results.set(true);
        pages.set(Vec::new());
        query.set(RegistrantQuery::default());
    };
    let select = |id: &'static str,
                  label: &'static str,
                  value: RwSignal<String>,
                  options: Vec<(String, String)>| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <select id=id on:change=move |ev| value.set(event_target_value(&ev))>
                    <option value="" selected=move || value.with(String::is_empty)>"Tous"</option>
                    {options.into_iter().map(|(wire, text)| {
                        let here = wire.clone();
                        view! { <option value=wire selected=move || value.with(|v| *v == here)>{text}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
    };
    let statuses = [
        RegistrationStatus::Confirmed,
        RegistrationStatus::Waitlisted,
        RegistrationStatus::Pending,
        RegistrationStatus::Cancelled,
    ]
    .into_iter()
    .map(|s| (s.as_str().to_owned(), status_label(s).to_owned()))
    .collect::<Vec<_>>();
    let structures = STRUCTURE_TYPES
        .iter()
        .map(|(wire, label)| ((*wire).to_owned(), (*label).to_owned()))
        .collect::<Vec<_>>();
    view! {
        <section aria-labelledby="filtres-titre">
            <h2 id="filtres-titre">"Rechercher et filtrer"</h2>
            <form class="search filters" role="search" aria-labelledby="filtres-titre" on:submit=apply>
                <div class="field">
                    <label for="filtre-q">"Nom, adresse ou organisation"</label>
                    <input id="filtre-q" type="search" autocomplete="off"
                        prop:value=move || words.get() on:input=move |ev| words.set(event_target_value(&ev))/>
                </div>
                {select("filtre-statut", "Statut", status, statuses)}
                {move || info.get().map(|event| {
                    let tracks = event.tracks.iter().map(|t| (t.id.clone(), t.label.clone())).collect::<Vec<_>>();
                    let days = event.days.iter().enumerate().map(|(i, d)| (i.to_string(), d.clone())).collect::<Vec<_>>();
                    view! {
                        {(!tracks.is_empty()).then(|| select("filtre-atelier", "Atelier", track, tracks))}
                        {(days.len() > 1).then(|| select("filtre-journee", "Journée", day, days))}
                    }
                })}
                {select("filtre-structure", "Type de structure", structure, structures)}
                <div class="field">
                    <label for="filtre-territoire">"Territoire"</label>
                    <input id="filtre-territoire" type="text" autocomplete="off"
                        prop:value=move || territory.get() on:input=move |ev| territory.set(event_target_value(&ev))/>
                </div>
                <div class="actions">
                    <button type="submit">"Filtrer"</button>
                    <button type="button" class="secondary" on:click=clear>"Effacer les filtres"</button>
                </div>
            </form>
        </section>
    }
}

/// The export links of the filtered list.
#[component]
fn Exports(
    organisation: StoredValue<String>,
    slug: StoredValue<String>,
    query: RwSignal<RegistrantQuery>,
) -> impl IntoView {
    let link = move |format: ExportFormat, dialect: Option<CsvDialect>| {
        move || {
            let base =
                paths::registrants_export(&organisation.get_value(), &slug.get_value(), format);
            let extra: Vec<(&str, String)> = dialect
                .map(|d| {
                    (
                        "dialecte",
                        match d {
                            CsvDialect::Excel => "excel".to_owned(),
                            CsvDialect::Standard => "standard".to_owned(),
                        },
                    )
                })
                .into_iter()
                .collect();
            format!("{base}{}", query.with(|q| query_string(q, &extra)))
        }
    };
    view! {
        <section aria-labelledby="exports-titre">
            <h2 id="exports-titre">"Exporter la liste filtrée"</h2>
            <ul>
                <li><a href=link(ExportFormat::Csv, Some(CsvDialect::Excel)) rel="external" download="">"CSV pour Excel (séparateur point-virgule)"</a></li>
                <li><a href=link(ExportFormat::Csv, Some(CsvDialect::Standard)) rel="external" download="">"CSV standard (séparateur virgule)"</a></li>
                <li><a href=link(ExportFormat::Xlsx, None) rel="external" download="">"Classeur Excel (XLSX)"</a></li>
                <li><a href=link(ExportFormat::Json, None) rel="external" download="">"JSON"</a></li>
            </ul>
        </section>
    }
}

/// One page of registrants: a table in its own scrolling region, each
/// line with its answers in a disclosure and its actions.
#[component]
fn RegistrantTable(
    list: RegistrantList,
    on_ask: impl Fn(Pending) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let event = list.event.clone();
    view! {
        <div class="table-scroll" role="region" aria-labelledby="inscrits-legende" tabindex="0">
            <table class="registrants">
                <caption id="inscrits-legende">"Inscrit·es, dans l'ordre d'inscription"</caption>
                <thead><tr>
                    <th scope="col">"Nom"</th>
                    <th scope="col">"Structure"</th>
                    <th scope="col">"Statut"</th>
                    <th scope="col">"Choix"</th>
                    <th scope="col">"Inscription"</th>
                    <th scope="col">"Détails et actions"</th>
                </tr></thead>
                <tbody>
                    {list.registrants.into_iter().map(|line| {
                        let name = full_name(&line);
                        let id = line.id;
                        let cancellable = line.status != RegistrationStatus::Cancelled;
                        let answers = event.questions.iter().map(|q| (q.label.clone(), line.answers.get(&q.id).map_or_else(|| "—".to_owned(), answer_text))).collect::<Vec<_>>();
                        let needs = line.accessibility_needs.clone().filter(|n| !n.trim().is_empty());
                        let cancel_name = name.clone();
                        view! {
                            <tr>
                                <th scope="row">{name.clone()}<br/><span class="muted">{line.email.clone()}</span></th>
                                <td>{line.organisation.clone()}<br/><span class="muted">{structure_label(&line.structure_type).to_owned()}{line.territory.clone().map(|t| format!(" — {t}"))}</span></td>
                                <td>{status_text(&line)}</td>
                                <td>{choices_text(&event, &line)}</td>
                                <td>
                                    {line.registered_at.format("%d/%m/%Y").to_string()}
                                    {line.registered_by.clone().map(|by| view! { <br/><span class="muted">{format!("inscrit·e par l'organisation ({by})")}</span> })}
                                </td>
                                <td>
                                    <details>
                                        <summary>{format!("Réponses de {name}")}</summary>
                                        <dl class="answers">
                                            <dt>"Fonction"</dt><dd>{if line.role.is_empty() { "—".to_owned() } else { line.role.clone() }}</dd>
                                            {answers.into_iter().map(|(label, answer)| view! { <dt>{label}</dt><dd>{answer}</dd> }).collect_view()}
                                            <dt>"Besoins d'accessibilité"</dt><dd>{needs.unwrap_or_else(|| "Aucun".to_owned())}</dd>
                                        </dl>
                                    </details>
                                    {cancellable.then(|| view! {
                                        <button type="button" class="secondary" id=format!("annuler-{id}")
                                            on:click=move |_| on_ask(Pending::Cancel { id, name: cancel_name.clone() })>
                                            "Annuler l'inscription"<span class="sr-only">{format!(" de {}", full_name(&line))}</span>
                                        </button>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The waiting list in order of registration, each with its rank in its
/// own queue and the button to promote them.
#[component]
fn WaitingList(
    list: RegistrantList,
    on_ask: impl Fn(Pending) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    if list.registrants.is_empty() {
        return view! { <p>"Personne n'attend de place."</p> }.into_any();
    }
    let event = list.event.clone();
    let several_queues = !event.tracks.is_empty() || event.days.len() > 1;
    let more = list.next.is_some().then(|| {
        view! {
            <p class="hint">{format!(
                "Seules les {} premières personnes en attente sont montrées ici ; la liste des inscrit·es, filtrée sur « Liste d'attente », montre la suite.",
                list.registrants.len()
            )}</p>
        }
    });
    view! {
        {several_queues.then(|| view! {
            <p class="hint">"Chaque atelier et chaque journée a sa propre file : le rang est compté dans la file de la personne."</p>
        })}
        <ol class="waitlist">
            {list.registrants.into_iter().map(|line| {
                let id = line.id;
                let name = full_name(&line);
                let asked = name.clone();
                let rank = line.rank.map_or_else(String::new, |r| format!("Rang {r} — "));
                let choices = choices_text(&event, &line);
                view! {
                    <li>
                        <span>{format!("{rank}{name} ({}), {}", line.email, choices)}</span>
                        " "
                        <button type="button" class="secondary" id=format!("promouvoir-{id}")
                            on:click=move |_| on_ask(Pending::Promote { id, name: asked.clone() })>
                            "Promouvoir"<span class="sr-only">{format!(" {name}")}</span>
                        </button>
                    </li>
                }
            }).collect_view()}
        </ol>
        {more}
    }
    .into_any()
}

/// Registration on someone's behalf: the public form's fields, opened by a
/// disclosure button.
#[component]
fn OnBehalfSection(
    organisation: StoredValue<String>,
    slug: StoredValue<String>,
    csrf: StoredValue<String>,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let event = LocalResource::new(move || {
        let slug = slug.get_value();
        async move { crate::api::event(&slug).await }
    });
    view! {
        <section aria-labelledby="ajout-titre">
            <h2 id="ajout-titre">"Inscrire une personne"</h2>
            <p>"Pour une personne qui vous a demandé de l'inscrire : les mêmes champs que le formulaire public, vérifiés de la même façon. Elle reçoit l'e-mail de confirmation avec son lien personnel ; le journal garde que l'inscription vient de l'organisation."</p>
            <button type="button" class="secondary" aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-controls="ajout-formulaire" on:click=move |_| open.update(|o| *o = !*o)>
                {move || if open.get() { "Fermer le formulaire" } else { "Ouvrir le formulaire d'inscription" }}
            </button>
            <div id="ajout-formulaire" hidden=move || !open.get()>
                <Show when=move || open.get()>
                    <Transition fallback=|| view! { <Loading text="Chargement du formulaire…"/> }>
                        {move || event.get().map(|result: Result<EventPublic, ApiError>| match result {
                            Ok(event) => view! { <OnBehalfForm organisation slug csrf event on_done/> }.into_any(),
                            Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                        })}
                    </Transition>
                </Show>
            </div>
        </section>
    }
}

#[component]
fn OnBehalfForm(
    organisation: StoredValue<String>,
    slug: StoredValue<String>,
    csrf: StoredValue<String>,
    event: EventPublic,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let first_name = RwSignal::new(String::new());
    let last_name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let organisation_name = RwSignal::new(String::new());
    let structure_type = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let territory = RwSignal::new(String::new());
    let accessibility = RwSignal::new(String::new());
    let consent = RwSignal::new(false);
    let blocks: Vec<RwSignal<Vec<String>>> = event
        .choice_blocks()
        .iter()
        .map(|_| RwSignal::new(Vec::new()))
        .collect();
    let days = RwSignal::new(
        (0..event.sessions.len())
            .map(|i| i.to_string())
            .collect::<Vec<_>>(),
    );
    let questions = QuestionInput::for_event(&event, &BTreeMap::new());
    let errors = RwSignal::new(FieldErrors::default());
    let notice = RwSignal::new(None::<String>);
    let notice_ref = NodeRef::<leptos::html::Div>::new();
    let send = Action::new_local(move |request: &RegistrationRequest| {
        let body = json(request);
        let url = desk::paths::on_behalf(&organisation.get_value(), &slug.get_value());
        let proof = csrf.get_value();
        async move { read::<OnBehalf>(&call(Method::POST, &url, body, Some(&proof)).await?) }
    });
    let reset = move || {
        for signal in [
            first_name,
            last_name,
            email,
            organisation_name,
            role,
            territory,
            accessibility,
        ] {
            signal.set(String::new());
        }
        consent.set(false);
    };
    Effect::new(move |_| {
        if let Some(result) = send.value().get() {
            match result {
                Ok(answer) => {
                    errors.set(FieldErrors::default());
                    notice.set(Some(answer.message));
                    reset();
                    on_done();
                }
                Err(error) => {
                    let mut message = error.message.clone();
                    if !error.fields.is_empty() {
                        message = "L'inscription n'a pas pu être enregistrée : corrigez les champs signalés.".to_owned();
                    }
                    errors.set(error.fields);
                    notice.set(Some(message));
                }
            }
            crate::focus_when_shown(notice_ref);
        }
    });
    let day_selection = event.day_selection;
    let submit_blocks = blocks.clone();
    let submit_questions = questions.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send.dispatch(RegistrationRequest {
            first_name: first_name.get_untracked(),
            last_name: last_name.get_untracked(),
            email: email.get_untracked(),
            organisation: organisation_name.get_untracked(),
            role: role.get_untracked(),
            territory: territory.get_untracked(),
            consent: consent.get_untracked(),
            structure_type: structure_type.get_untracked(),
            accessibility_needs: accessibility.get_untracked(),
            tracks: submit_blocks
                .iter()
                .flat_map(|b| b.get_untracked())
                .collect(),
            sessions: if day_selection {
                days.get_untracked()
                    .iter()
                    .filter_map(|d| d.parse().ok())
                    .collect()
            } else {
                Vec::new()
            },
            answers: QuestionInput::answers(&submit_questions),
            ..Default::default()
        });
    };
    let structure_id = input_id(field::STRUCTURE_TYPE);
    let structure_error_id = format!("{structure_id}-erreur");
    let structure_error_text = structure_error_id.clone();
    let structure_invalid = move || !errors.with(|e| e.get(field::STRUCTURE_TYPE).is_empty());
    let consent_id = input_id(field::CONSENT);
    let consent_error_id = format!("{consent_id}-erreur");
    let consent_error_text = consent_error_id.clone();
    let consent_invalid = move || !errors.with(|e| e.get(field::CONSENT).is_empty());
    let organisation_required =
        Signal::derive(move || structure_type.with(|t| t != parvis_core::registration::RESIDENT));
    let workshops = workshop_fields(&event, &blocks, errors);
    let day_group = day_fields(&event, days, errors, "Journées", None);
    let question_group = question_fields(&event, &questions, errors);
    let has_questions = !event.questions.is_empty();
    view! {
        <StatusNotice text=notice node=notice_ref/>
        <form novalidate on:submit=on_submit>
            <p class="hint">"Les champs marqués « (obligatoire) » doivent être remplis."</p>
            <TextField name=field::FIRST_NAME label="Prénom" value=first_name errors/>
            <TextField name=field::LAST_NAME label="Nom" value=last_name errors/>
            <TextField name=field::EMAIL label="Adresse e-mail" value=email errors kind="email"
                hint="La confirmation et le lien personnel y seront envoyés."/>
            <div class="field" class:field-invalid=structure_invalid>
                <label for=structure_id.clone()>"Type de structure (obligatoire)"</label>
                <Show when=structure_invalid>
                    <p class="field-error" id=structure_error_text.clone()>
                        {move || errors.with(|e| e.get(field::STRUCTURE_TYPE).join(" "))}
                    </p>
                </Show>
                <select id=structure_id.clone() name=field::STRUCTURE_TYPE
                    aria-invalid=move || if structure_invalid() { "true" } else { "false" }
                    aria-describedby=move || structure_invalid().then(|| structure_error_id.clone())
                    on:change=move |ev| structure_type.set(event_target_value(&ev))>
                    <option value="">"Choisissez…"</option>
                    {STRUCTURE_TYPES.iter().map(|(value, label)| view! {
                        <option value=*value selected=move || structure_type.with(|t| t == value)>{*label}</option>
                    }).collect_view()}
                </select>
            </div>
            <TextField name=field::ORGANISATION label="Organisation / structure" value=organisation_name errors
                required=organisation_required/>
            <TextField name=field::ROLE label="Fonction" value=role errors required=organisation_required/>
            <TextField name=field::TERRITORY label="Territoire" value=territory errors required=false/>
            <TextField name=field::ACCESSIBILITY label="Besoins d'accessibilité" value=accessibility errors required=false/>
            {workshops}
            {day_group}
            {has_questions.then(|| view! {
                <fieldset>
                    <legend>"Questions de l'organisateur"</legend>
                    {question_group}
                </fieldset>
            })}
            <div class="field field-checkbox" class:field-invalid=consent_invalid>
                <Show when=consent_invalid>
                    <p class="field-error" id=consent_error_text.clone()>
                        {move || errors.with(|e| e.get(field::CONSENT).join(" "))}
                    </p>
                </Show>
                <input type="checkbox" id=consent_id.clone() name=field::CONSENT
                    aria-invalid=move || if consent_invalid() { "true" } else { "false" }
                    aria-describedby=move || consent_invalid().then(|| consent_error_id.clone())
                    prop:checked=move || consent.get()
                    on:change=move |ev| consent.set(event_target_checked(&ev))/>
                <label for=consent_id.clone()>"La personne a accepté que ses données soient traitées par l'organisateur pour gérer son inscription à cet événement. (obligatoire)"</label>
            </div>
            <button type="submit" disabled=move || send.pending().get()>"Inscrire cette personne"</button>
        </form>
    }
}

/// The emails to this event's registrants that could not be delivered,
/// each with a button to send it again.
#[component]
fn DeadLetters(
    organisation: StoredValue<String>,
    slug: StoredValue<String>,
    csrf: StoredValue<String>,
) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let letters = crate::api::Loaded::<Vec<DeadLetterLine>>::new(move || {
        version.track();
        desk::paths::dead_letters(&organisation.get_value(), &slug.get_value())
    });
    let notice = RwSignal::new(None::<String>);
    let notice_ref = NodeRef::<leptos::html::Div>::new();
    let resend = Action::new_local(move |id: &i64| {
        let url = desk::paths::resend(&organisation.get_value(), &slug.get_value(), *id);
        let proof = csrf.get_value();
        async move { read::<Accepted>(&call(Method::POST, &url, json(&()), Some(&proof)).await?) }
    });
    Effect::new(move |_| {
        if let Some(result) = resend.value().get() {
            notice.set(Some(match result {
                Ok(answer) => answer.message,
                Err(error) => error.message,
            }));
            version.update(|v| *v += 1);
            crate::focus_when_shown(notice_ref);
        }
    });
    view! {
        <section aria-labelledby="echecs-titre">
            <h2 id="echecs-titre">"Courriels non distribués"</h2>
            <StatusNotice text=notice node=notice_ref/>
            <Transition fallback=|| view! { <Loading text="Chargement des courriels en échec…"/> }>
                {move || letters.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p>"Aucun courriel en échec : tous les e-mails aux inscrit·es sont partis."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="dead-letters">
                            {list.into_iter().map(|letter| {
                                let id = letter.id;
                                view! {
                                    <li>
                                        <p><strong>{format!("{} ({})", letter.name, letter.recipient)}</strong></p>
                                        <p>{format!("« {} » — abandonné le {} après {} tentative(s)", letter.subject, letter.dead_at.format("%d/%m/%Y à %H:%M UTC"), letter.attempts)}</p>
                                        <p class="hint">{format!("Dernière erreur : {}", letter.last_error)}</p>
                                        <button type="button" class="secondary" on:click=move |_| { resend.dispatch(id); }>
                                            "Renvoyer"<span class="sr-only">{format!(" le courriel à {}", letter.recipient)}</span>
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// Writing to the event's registrants: the audience, the subject and the
/// text; a preview with the count of recipients comes before sending.
#[component]
fn Messages(
    organisation: StoredValue<String>,
    slug: StoredValue<String>,
    csrf: StoredValue<String>,
    event: RegistrantEvent,
) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let log = crate::api::Loaded::<MessageLog>::new(move || {
        version.track();
        desk::paths::messages(&organisation.get_value(), &slug.get_value())
    });
    let audience = RwSignal::new("tous".to_owned());
    let subject = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::default());
    let notice = RwSignal::new(None::<String>);
    let notice_ref = NodeRef::<leptos::html::Div>::new();
    let preview = RwSignal::new(None::<MessagePreview>);
    let preview_ref = NodeRef::<leptos::html::H3>::new();
    let request = move || MessageRequest {
        destinataires: audience.get_untracked(),
        objet: subject.get_untracked(),
        message: body.get_untracked(),
    };
    let show = Action::new_local(move |request: &MessageRequest| {
        let url = desk::paths::message_preview(&organisation.get_value(), &slug.get_value());
        let body = json(request);
        let proof = csrf.get_value();
        async move { read::<MessagePreview>(&call(Method::POST, &url, body, Some(&proof)).await?) }
    });
    let send = Action::new_local(move |request: &MessageRequest| {
        let url = desk::paths::messages(&organisation.get_value(), &slug.get_value());
        let body = json(request);
        let proof = csrf.get_value();
        async move { read::<MessageSent>(&call(Method::POST, &url, body, Some(&proof)).await?) }
    });
    let failed = move |error: ApiError| {
        let message = if error.fields.is_empty() {
            error.message.clone()
        } else {
            "Le message n'a pas pu être préparé : corrigez les champs signalés.".to_owned()
        };
        errors.set(error.fields);
        notice.set(Some(message));
        crate::focus_when_shown(notice_ref);
    };
    Effect::new(move |_| {
        if let Some(result) = show.value().get() {
            match result {
                Ok(shown) => {
                    errors.set(FieldErrors::default());
                    notice.set(None);
                    preview.set(Some(shown));
                    crate::focus_when_shown(preview_ref);
                }
                Err(error) => failed(error),
            }
        }
    });
    Effect::new(move |_| {
        if let Some(result) = send.value().get() {
            match result {
                Ok(sent) => {
                    preview.set(None);
                    subject.set(String::new());
                    body.set(String::new());
                    notice.set(Some(sent.message));
                    version.update(|v| *v += 1);
                    crate::focus_when_shown(notice_ref);
                }
                Err(error) => {
                    preview.set(None);
                    failed(error);
                }
            }
        }
    });
    let mut audiences = vec![
        (
            "tous".to_owned(),
            "Toutes les personnes inscrites (sauf annulées)".to_owned(),
        ),
        (
            "confirmes".to_owned(),
            "Les inscriptions confirmées".to_owned(),
        ),
        ("attente".to_owned(), "La liste d'attente".to_owned()),
    ];
    audiences.extend(event.tracks.iter().map(|t| {
        (
            format!("atelier:{}", t.id),
            format!("Atelier « {} »", t.label),
        )
    }));
    if event.days.len() > 1 {
        audiences.extend(
            event
                .days
                .iter()
                .enumerate()
                .map(|(i, d)| (format!("journee:{i}"), format!("Journée : {d}"))),
        );
    }
    let audience_id = input_id(desk::field::AUDIENCE);
    let audience_error_id = format!("{audience_id}-erreur");
    let audience_error_text = audience_error_id.clone();
    let audience_invalid = move || !errors.with(|e| e.get(desk::field::AUDIENCE).is_empty());
    view! {
        <section aria-labelledby="messages-titre">
            <h2 id="messages-titre">"Écrire aux inscrit·es"</h2>
            <Transition fallback=|| view! { <Loading text="Chargement des messages…"/> }>
                {move || log.get().map(|result| match result {
                    Ok(log) => view! {
                        <p>{format!(
                            "{} message(s) envoyé(s) ces dernières 24 heures, sur {} au plus par événement.",
                            log.sent_today, log.daily_limit
                        )}</p>
                        {(!log.messages.is_empty()).then(|| view! {
                            <ul>{log.messages.into_iter().map(|m| view! {
                                <li>{format!(
                                    "{} — « {} » — {} destinataire(s){}",
                                    m.at.format("%d/%m/%Y %H:%M UTC"), m.subject, m.recipients,
                                    m.who.map(|w| format!(", par {w}")).unwrap_or_default()
                                )}</li>
                            }).collect_view()}</ul>
                        })}
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                })}
            </Transition>
            <StatusNotice text=notice node=notice_ref/>
            <form novalidate on:submit=move |ev| { ev.prevent_default(); show.dispatch(request()); }>
                <div class="field" class:field-invalid=audience_invalid>
                    <label for=audience_id.clone()>"Destinataires (obligatoire)"</label>
                    <Show when=audience_invalid>
                        <p class="field-error" id=audience_error_text.clone()>
                            {move || errors.with(|e| e.get(desk::field::AUDIENCE).join(" "))}
                        </p>
                    </Show>
                    <select id=audience_id.clone()
                        aria-invalid=move || if audience_invalid() { "true" } else { "false" }
                        aria-describedby=move || audience_invalid().then(|| audience_error_id.clone())
                        on:change=move |ev| { audience.set(event_target_value(&ev)); preview.set(None); }>
                        {audiences.into_iter().map(|(wire, label)| {
                            let here = wire.clone();
                            view! { <option value=wire selected=move || audience.with(|a| *a == here)>{label}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <TextField name=desk::field::SUBJECT label="Objet" value=subject errors
                    hint=format!("Une ligne, {} caractères au plus ; le titre de l'événement s'y ajoute.", desk::SUBJECT_MAX)/>
                <TextField name=desk::field::BODY label="Message" value=body errors multiline=true
                    hint="Texte simple. Chaque e-mail commence par « Bonjour » et le prénom de la personne, et se termine par son lien personnel."/>
                <button type="submit" disabled=move || show.pending().get()>"Prévisualiser le message"</button>
            </form>
            {move || preview.get().map(|shown| {
                let count = shown.count;
                let plural = if count > 1 { "s" } else { "" };
                view! {
                    <section class="confirm" aria-labelledby="apercu-titre">
                        <h3 id="apercu-titre" tabindex="-1" node_ref=preview_ref>
                            {format!("Aperçu : {count} destinataire{plural}")}
                        </h3>
                        <p>{format!(
                            "Expéditeur : {}. Messages envoyés ces dernières 24 heures : {} sur {}.",
                            shown.sender_name, shown.sent_today, shown.daily_limit
                        )}</p>
                        <p><strong>"Objet : "</strong>{shown.subject.clone()}</p>
                        <div class="message-preview">{shown.body.clone()}</div>
                        <div class="actions">
                            {(count > 0).then(|| view! {
                                <button type="button" disabled=move || send.pending().get()
                                    on:click=move |_| { send.dispatch(request()); }>
                                    {format!("Envoyer à {count} personne{plural}")}
                                </button>
                            })}
                            <button type="button" class="secondary" on:click=move |_| {
                                preview.set(None);
                                crate::focus_by_id(&input_id(desk::field::BODY));
                            }>"Modifier le message"</button>
                        </div>
                    </section>
                }
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_and_export_options_make_one_query_string() {
        let query = RegistrantQuery {
            q: Some("Évry centre".to_owned()),
            statut: Some(RegistrationStatus::Waitlisted),
            journee: Some(1),
            territoire: Some(" ".to_owned()),
            ..Default::default()
        };
        assert_eq!(
            query_string(&query, &[("dialecte", "standard".to_owned())]),
            "?q=%C3%89vry%20centre&statut=waitlisted&journee=1&dialecte=standard"
        );
        assert_eq!(query_string(&RegistrantQuery::default(), &[]), "");
    }

    #[test]
    fn answers_read_in_french() {
        assert_eq!(answer_text(&Answer::Bool(false)), "Non");
        assert_eq!(
            answer_text(&Answer::Many(vec!["A".to_owned(), "B".to_owned()])),
            "A, B"
        );
        assert_eq!(answer_text(&Answer::Text(" ".to_owned())), "—");
    }
}
