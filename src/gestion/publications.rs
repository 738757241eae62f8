//! The study reports library, the organisers' side
//! (`/gestion/organisations/{org}/publications`): the organisation's
//! publications with their files and download counts (this month, in all,
//! and month by month in a disclosure), the form that creates or edits one
//! (one [`PublicationDraft`] bound field by field, checked by parvis-core's
//! [`check_draft`] before sending and again by the endpoint, whose French
//! messages are shown next to each field and in a focused summary), the
//! upload of its PDF files (the file itself as the body, its size checked
//! here first, the endpoint checking its content), and the deletion of a
//! file or of the publication after a confirmation step.
//!
//! One route serves it all: no slug is the list, `nouvelle` the new
//! publication, anything else the publication of that slug. Everything
//! goes through the endpoint's `…/publications` routes
//! (`crates/parvis-api/src/routes/publications.rs`).

use gloo_net::http::Method;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use parvis_core::api::FieldErrors;
use parvis_core::gestion::{EventLine, Me, paths as gestion_paths};
use parvis_core::publications::{
    Access, MAX_FILE_BYTES, ManagedPublication, MonthlyDownloads, PublicationDraft,
    PublicationFile, PublicationKind, check_draft, encode_query_value, paths,
};

use crate::api::{call, call_raw, json, read};
use crate::components::{
    Bound, CheckboxField, Choice, ChoiceGroup, ErrorNotice, Loading, SelectField, StatusNotice,
    TextField, bind,
};
use crate::form::input_id;
use crate::gestion::evenement::signed_in;

/// The publications build (`dist/gestion/publications/`): the
/// organisation's publications and its newsletter.
#[leptos::component]
pub fn App() -> impl leptos::IntoView {
    use leptos_router::components::{Route, Routes};
    use leptos_router::path;
    super::frame(super::Bundle::Publications, || {
        view! {
            <Routes fallback=super::not_found>
                <Route path=path!("/gestion/organisations/:org/publications/:slug?") view=PublicationsPage/>
                <Route path=path!("/gestion/organisations/:org/lettre") view=super::lettre::NewsletterPage/>
            </Routes>
        }
    })
}

/// The back-office page of an organisation's publications.
pub fn page_href(organisation: &str) -> String {
    format!("/gestion/organisations/{organisation}/publications")
}

/// The segment of the new publication's page.
const NEW: &str = "nouvelle";

/// The id of the file input, which errors about the file point to.
const FILE_INPUT: &str = "champ-fichier";

/// The size limit, as the page states it: « 40 Mo ».
fn limit() -> String {
    format!("{} Mo", MAX_FILE_BYTES / (1024 * 1024))
}

/// `/gestion/organisations/{org}/publications[/{slug}]`.
#[component]
pub fn PublicationsPage() -> impl IntoView {
    let params = use_params_map();
    let organisation = Memo::new(move |_| params.with(|p| p.get("org").unwrap_or_default()));
    let slug = Memo::new(move |_| params.with(|p| p.get("slug")));
    crate::set_title("Publications");
    signed_in(move |me: Me| {
        let csrf = me.csrf_token.clone();
        let publisher = me
            .organisations
            .iter()
            .find(|m| m.organisation.slug == organisation.get_untracked())
            .map(|m| m.organisation.name.clone())
            .unwrap_or_default();
        move || {
            let org = organisation.get();
            match slug.get() {
                None => view! { <List organisation=org/> }.into_any(),
                Some(s) if s == NEW => {
                    view! { <NewPublication organisation=org publisher=publisher.clone() csrf=csrf.clone()/> }
                        .into_any()
                }
                Some(s) => {
                    view! { <EditPublication organisation=org slug=s csrf=csrf.clone()/> }.into_any()
                }
            }
        }
    })
}

/// « novembre 2026 » for `2026-11`.
fn month_name(month: &str) -> String {
    const NAMES: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    match month.split_once('-') {
        Some((year, m)) => match m.parse::<usize>() {
            Ok(n @ 1..=12) => format!("{} {year}", NAMES[n - 1]),
            _ => month.to_owned(),
        },
        None => month.to_owned(),
    }
}

/// The current month, `YYYY-MM`, in UTC as the endpoint counts.
fn this_month() -> String {
    let now = js_sys::Date::new_0();
    format!("{}-{:02}", now.get_utc_full_year(), now.get_utc_month() + 1)
}

/// Today, `YYYY-MM-DD`, for a new publication's date.
fn today() -> String {
    let now = js_sys::Date::new_0();
    format!(
        "{}-{:02}-{:02}",
        now.get_full_year(),
        now.get_month() + 1,
        now.get_date()
    )
}

/// This month's downloads in a list newest first.
fn count_of(months: &[MonthlyDownloads], month: &str) -> u64 {
    months
        .iter()
        .find(|m| m.month == month)
        .map_or(0, |m| m.count)
}

/// What the form shows of a stored publication.
fn draft_of(managed: &ManagedPublication) -> PublicationDraft {
    let p = &managed.publication;
    PublicationDraft {
        slug: p.slug.clone(),
        title: p.title.clone(),
        kind: p.kind.as_str().to_owned(),
        authors: p.authors.clone(),
        published_on: p.published_on.clone(),
        period: p.period.clone().unwrap_or_default(),
        summary: p.summary.join("\n\n"),
        themes: p.themes.join("\n"),
        territories: p.territories.join("\n"),
        events: p.events.iter().map(|e| e.slug.clone()).collect(),
        accessible_url: p.accessible_url.clone().unwrap_or_default(),
        access: p.access.as_str().to_owned(),
        published: managed.published,
    }
}

/// The list: each publication with its files and download counts.
#[component]
fn List(organisation: String) -> impl IntoView {
    crate::set_title("Publications");
    let url = paths::organisation(&organisation);
    let lines = crate::api::Loaded::<Vec<ManagedPublication>>::new(move || url.clone());
    let status = RwSignal::new(None::<String>);
    let status_ref = NodeRef::<leptos::html::Div>::new();
    if use_query_map().with_untracked(|q| q.get("supprimee").is_some()) {
        status.set(Some(
            "La publication et ses fichiers sont supprimés.".to_owned(),
        ));
        crate::focus_when_shown(status_ref);
    }
    let base = page_href(&organisation);
    let month = this_month();
    view! {
        <p><a href="/gestion/">"← Espace de gestion"</a></p>
        <h1>"Publications"</h1>
        <p>"Rapports d'étude, actes, programmes, synthèses et fiches expérience : chaque publication a sa fiche et ses fichiers PDF. Une fois « Visible dans le catalogue public » cochée, elle paraît dans le catalogue des publications."</p>
        <StatusNotice text=status node=status_ref/>
        <p><a class="button" href=format!("{base}/{NEW}")>"Nouvelle publication"</a></p>
        <Transition fallback=|| view! { <Loading text="Chargement des publications…"/> }>
            {move || lines.get().map(|result| match result {
                Ok(list) if list.is_empty() => view! { <p>"Aucune publication pour l'instant."</p> }.into_any(),
                Ok(list) => {
                    let base = base.clone();
                    let month = month.clone();
                    view! {
                        <ul class="event-list">{list.into_iter().map(|line| {
                            view! { <Line line base=base.clone() month=month.clone()/> }
                        }).collect_view()}</ul>
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
            })}
        </Transition>
    }
}

/// One publication of the list.
#[component]
fn Line(line: ManagedPublication, base: String, month: String) -> impl IntoView {
    let p = line.publication;
    let heading = format!("publication-{}", p.slug);
    let this_month = count_of(&line.downloads, &month);
    let caption = format!("Téléchargements par mois de « {} »", p.title);
    let files = if p.files.is_empty() {
        view! { "Aucun fichier" }.into_any()
    } else {
        view! {
            <ul>{p.files.iter().map(|f| view! { <li>{format!("{} ({})", f.label, f.description())}</li> }).collect_view()}</ul>
        }
        .into_any()
    };
    let months = line.downloads;
    view! {
        <li class="event-card">
            <p class="kind">{p.kind.label()}</p>
            <h2 id=heading><a href=format!("{base}/{}", p.slug)>{p.title.clone()}</a></h2>
            <dl class="facts">
                <dt>"Catalogue public"</dt>
                <dd>{if line.published { "Visible" } else { "Non visible (brouillon)" }}</dd>
                <dt>"Accès"</dt><dd>{p.access.label()}</dd>
                <dt>"Fichiers"</dt><dd>{files}</dd>
                <dt>"Téléchargements ce mois-ci"</dt><dd>{this_month}</dd>
                <dt>"Téléchargements au total"</dt><dd>{line.total_downloads}</dd>
            </dl>
            {(!months.is_empty()).then(|| view! {
                <details>
                    <summary>"Téléchargements par mois"</summary>
                    <div class="figures-scroll">
                        <table class="figures">
                            <caption>{caption}</caption>
                            <thead><tr><th scope="col">"Mois"</th><th scope="col">"Nombre"</th></tr></thead>
                            <tbody>{months.into_iter().map(|m| view! {
                                <tr><th scope="row">{month_name(&m.month)}</th><td>{m.count}</td></tr>
                            }).collect_view()}</tbody>
                        </table>
                    </div>
                </details>
            })}
        </li>
    }
}

/// `…/publications/nouvelle`.
#[component]
fn NewPublication(organisation: String, publisher: String, csrf: String) -> impl IntoView {
    crate::set_title("Nouvelle publication");
    let initial = PublicationDraft {
        kind: PublicationKind::RapportEtude.as_str().to_owned(),
        authors: publisher,
        published_on: today(),
        access: Access::Public.as_str().to_owned(),
        ..PublicationDraft::default()
    };
    view! {
        <p><a href=page_href(&organisation)>"← Publications"</a></p>
        <h1>"Nouvelle publication"</h1>
        <p>"Vous ajouterez son fichier PDF une fois la fiche enregistrée. Elle ne paraît dans le catalogue public que si « Visible dans le catalogue public » est cochée."</p>
        <Editor organisation slug=None initial csrf/>
    }
}

/// `…/publications/{slug}`: the form, the files, the deletion.
#[component]
fn EditPublication(organisation: String, slug: String, csrf: String) -> impl IntoView {
    crate::set_title("Modifier la publication");
    let url = paths::managed(&organisation, &slug);
    let loaded = crate::api::Loaded::<ManagedPublication>::new(move || url.clone());
    let back = page_href(&organisation);
    view! {
        <p><a href=back>"← Publications"</a></p>
        <Transition fallback=|| view! { <h1>"Modifier la publication"</h1><Loading text="Chargement de la publication…"/> }>
            {move || loaded.get().map(|result| match result {
                Ok(managed) => {
                    let title = managed.publication.title.clone();
                    crate::set_title(&format!("Modifier « {title} »"));
                    let public = managed.published.then(|| paths::page(&managed.publication.slug));
                    let files = managed.publication.files.clone();
                    view! {
                        <h1>{format!("Modifier « {title} »")}</h1>
                        {public.map(|href| view! { <p><a href=href rel="external">"Voir la page publique"</a></p> })}
                        <Editor organisation=organisation.clone() slug=Some(slug.clone()) initial=draft_of(&managed) csrf=csrf.clone()/>
                        <Files organisation=organisation.clone() slug=slug.clone() files csrf=csrf.clone()/>
                        <Deletion organisation=organisation.clone() slug=slug.clone() title csrf=csrf.clone()/>
                    }.into_any()
                }
                Err(error) => view! { <h1>"Modifier la publication"</h1><ErrorNotice message=error.message/> }.into_any(),
            })}
        </Transition>
    }
}

/// The fields in page order, with their French names for the summary.
const FIELDS: [(&str, &str); 12] = [
    ("title", "Titre"),
    ("kind", "Type"),
    ("authors", "Auteur·rices ou organisme"),
    ("published_on", "Date de publication"),
    ("period", "Période couverte"),
    ("summary", "Résumé"),
    ("themes", "Thèmes"),
    ("territories", "Territoires"),
    ("events", "Événements liés"),
    ("accessible_url", "Version accessible en HTML"),
    ("access", "Accès aux fichiers"),
    ("published", "Visible dans le catalogue public"),
];

/// The summary's lines, in page order: (field, « Nom : message »).
fn summary_lines(errors: &FieldErrors) -> Vec<(String, String)> {
    let known = FIELDS.iter().map(|(key, name)| (*key, *name));
    let others = errors
        .0
        .keys()
        .filter(|key| !FIELDS.iter().any(|(k, _)| k == key))
        .map(|key| (key.as_str(), key.as_str()));
    known
        .chain(others)
        .flat_map(|(key, name)| {
            errors
                .get(key)
                .iter()
                .map(|message| (key.to_owned(), format!("{name} : {message}")))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A text field of the draft: one function for them all, so the form
/// carries one copy of the binding's code.
fn text(
    draft: RwSignal<PublicationDraft>,
    get: fn(&PublicationDraft) -> &String,
    set: fn(&mut PublicationDraft) -> &mut String,
) -> Bound<String> {
    bind(draft, move |d| get(d).clone(), move |d, v| *set(d) = v)
}

/// The form, bound to one draft.
#[component]
fn Editor(
    organisation: String,
    slug: Option<String>,
    initial: PublicationDraft,
    csrf: String,
) -> impl IntoView {
    let access = RwSignal::new(vec![initial.access.clone()]);
    let linked = RwSignal::new(initial.events.clone());
    let draft = RwSignal::new(initial);
    let errors = RwSignal::new(FieldErrors::default());
    let general = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let status_ref = NodeRef::<leptos::html::Div>::new();
    let summary_ref = NodeRef::<leptos::html::Div>::new();
    let navigate = use_navigate();
    let is_new = slug.is_none();
    let save_url = StoredValue::new(match &slug {
        Some(slug) => paths::managed(&organisation, slug),
        None => paths::organisation(&organisation),
    });
    let csrf = StoredValue::new(csrf);
    let events_url = gestion_paths::events(&organisation);
    let events = crate::api::Loaded::<Vec<EventLine>>::new(move || events_url.clone());
    let save = Action::new_local(move |body: &PublicationDraft| {
        let body = json(body);
        let url = save_url.get_value();
        let proof = csrf.get_value();
        let method = if is_new { Method::POST } else { Method::PUT };
        async move { call(method, &url, body, Some(&proof)).await }
    });
    let base = page_href(&organisation);
    Effect::new(move |_| {
        let Some(result) = save.value().get() else {
            return;
        };
        match result {
            Ok(text) => {
                errors.set(FieldErrors::default());
                general.set(None);
                if is_new {
                    // The created publication, for its address.
                    let created = read::<ManagedPublication>(&text)
                        .ok()
                        .map(|m| m.publication.slug);
                    match created {
                        Some(slug) => {
                            navigate(&format!("{base}/{slug}?cree=1"), Default::default())
                        }
                        None => navigate(&base, Default::default()),
                    }
                } else {
                    status.set(Some("Les modifications sont enregistrées.".to_owned()));
                    crate::focus_when_shown(status_ref);
                }
            }
            Err(error) => {
                status.set(None);
                if error.fields.is_empty() {
                    errors.set(FieldErrors::default());
                    general.set(Some(error.message));
                } else {
                    errors.set(error.fields);
                    general.set(None);
                }
                crate::focus_when_shown(summary_ref);
            }
        }
    });
    if !is_new && use_query_map().with_untracked(|q| q.get("cree").is_some()) {
        status.set(Some(
            "La publication est enregistrée. Ajoutez maintenant son fichier PDF ci-dessous."
                .to_owned(),
        ));
        crate::focus_when_shown(status_ref);
    }
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut sent = draft.get_untracked();
        sent.access = access.with_untracked(|a| a.first().cloned().unwrap_or_default());
        sent.events = linked.get_untracked();
        match check_draft(&sent) {
            Ok(_) => {
                save.dispatch(sent);
            }
            Err(problems) => {
                status.set(None);
                general.set(None);
                errors.set(problems);
                crate::focus_when_shown(summary_ref);
            }
        }
    };
    let has_problems = move || general.with(Option::is_some) || errors.with(|e| !e.is_empty());
    let access_choices = [Access::Public, Access::Inscrits]
        .into_iter()
        .map(|a| Choice {
            value: a.as_str().to_owned(),
            label: a.label().to_owned(),
            note: None,
        })
        .collect::<Vec<_>>();
    view! {
        <form class="editor" novalidate on:submit=on_submit>
            <div class="error-summary" tabindex="-1" node_ref=summary_ref role="alert" hidden=move || !has_problems()>
                <Show when=has_problems>
                    <h2>"La publication n'a pas pu être enregistrée"</h2>
                    {move || general.get().map(|m| view! { <p>{m}</p> })}
                    <ul>
                        {move || errors.with(summary_lines).into_iter().map(|(key, line)| {
                            let id = input_id(&key);
                            view! { <li><a href=format!("#{id}") on:click=move |ev| crate::follow_in_page_link(ev, &id)>{line}</a></li> }
                        }).collect_view()}
                    </ul>
                </Show>
            </div>
            <StatusNotice text=status node=status_ref/>
            <p class="hint">"Les champs marqués « (obligatoire) » doivent être remplis."</p>
            <fieldset>
                <legend>"La publication"</legend>
                <TextField name="title" label="Titre" errors
                    value=text(draft, |d| &d.title, |d| &mut d.title)/>
                <SelectField name="kind" label="Type" errors
                    options=PublicationKind::ALL.iter().map(|k| (k.as_str().to_owned(), k.label().to_owned())).collect()
                    value=text(draft, |d| &d.kind, |d| &mut d.kind)/>
                <TextField name="authors" label="Auteur·rices ou organisme" errors
                    hint="Par exemple : Odas, avec le soutien du CGET."
                    value=text(draft, |d| &d.authors, |d| &mut d.authors)/>
                <div class="field-row">
                    <TextField name="published_on" label="Date de publication" errors kind="date"
                        value=text(draft, |d| &d.published_on, |d| &mut d.published_on)/>
                    <TextField name="period" label="Période couverte" errors required=false
                        hint="Par exemple : octobre 2015 – octobre 2017."
                        value=text(draft, |d| &d.period, |d| &mut d.period)/>
                </div>
                <TextField name="summary" label="Résumé" errors multiline=true
                    hint="Une ligne vide entre deux paragraphes."
                    value=text(draft, |d| &d.summary, |d| &mut d.summary)/>
                <TextField name="themes" label="Thèmes" errors multiline=true required=false
                    hint="Un thème par ligne ; ils servent de filtres dans le catalogue."
                    value=text(draft, |d| &d.themes, |d| &mut d.themes)/>
                <TextField name="territories" label="Territoires" errors multiline=true required=false
                    hint="Un territoire par ligne."
                    value=text(draft, |d| &d.territories, |d| &mut d.territories)/>
            </fieldset>
            <fieldset>
                <legend>"Accès et diffusion"</legend>
                <Transition fallback=|| view! { <Loading text="Chargement des événements…"/> }>
                    {move || events.get().map(|result| match result {
                        Ok(list) => {
                            let hint = if list.is_empty() {
                                "Aucun événement dans cette organisation pour l'instant."
                            } else {
                                "Les pages de ces événements signalent la publication ; une publication réservée va à leurs inscrit·es."
                            };
                            let choices = list.into_iter().map(|e| Choice {
                                value: e.slug,
                                label: e.title,
                                note: Some(parvis_core::dates::long_date(e.starts_at.date_naive())),
                            }).collect::<Vec<_>>();
                            view! {
                                <ChoiceGroup name="events".to_owned() legend="Événements liés".to_owned() choices
                                    selected=linked errors multiple=true required=false hint=hint.to_owned()/>
                            }.into_any()
                        }
                        Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                    })}
                </Transition>
                <ChoiceGroup name="access".to_owned() legend="Accès aux fichiers".to_owned() choices=access_choices
                    selected=access errors
                    hint="Une publication réservée se télécharge depuis la page personnelle des inscrit·es ou par le lien de leur e-mail.".to_owned()/>
                <TextField name="accessible_url" label="Version accessible en HTML (adresse)" errors kind="url" required=false
                    hint="Si la publication existe aussi en page web : une adresse commençant par https:// ou /."
                    value=text(draft, |d| &d.accessible_url, |d| &mut d.accessible_url)/>
                <CheckboxField name="published" label="Visible dans le catalogue public" errors
                    hint="Non cochée, la publication reste un brouillon que seule votre équipe voit."
                    checked=bind(draft, |d| d.published, |d, v| d.published = v)/>
            </fieldset>
            <div class="actions">
                <button type="submit" disabled=move || save.pending().get()>
                    {if is_new { "Créer la publication" } else { "Enregistrer les modifications" }}
                </button>
            </div>
        </form>
    }
}

/// The file chosen in a file input: the file, its name and size in bytes.
fn chosen_file(input: &web_sys::HtmlInputElement) -> Option<(wasm_bindgen::JsValue, String, f64)> {
    let files = js_sys::Reflect::get(input, &"files".into()).ok()?;
    let file = js_sys::Reflect::get(&files, &0.into()).ok()?;
    if file.is_undefined() || file.is_null() {
        return None;
    }
    let name = js_sys::Reflect::get(&file, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    let size = js_sys::Reflect::get(&file, &"size".into())
        .ok()
        .and_then(|size| size.as_f64())
        .unwrap_or(0.0);
    Some((file, name, size))
}

/// The publication's files: the list (each deleted after a confirmation
/// step) and the upload.
#[component]
fn Files(
    organisation: String,
    slug: String,
    files: Vec<PublicationFile>,
    csrf: String,
) -> impl IntoView {
    let files = RwSignal::new(files);
    let organisation = StoredValue::new(organisation);
    let slug = StoredValue::new(slug);
    let csrf = StoredValue::new(csrf);
    let input = NodeRef::<leptos::html::Input>::new();
    let label = RwSignal::new("Rapport".to_owned());
    let accessible = RwSignal::new(false);
    // The label's error, shown by its TextField; the checkbox has none.
    let label_errors = RwSignal::new(FieldErrors::default());
    let no_errors = RwSignal::new(FieldErrors::default());
    let status = RwSignal::new(None::<String>);
    let status_ref = NodeRef::<leptos::html::Div>::new();
    // What stopped the upload: on the label (`true`) or on the file.
    let problem = RwSignal::new(None::<(bool, String)>);
    let problem_ref = NodeRef::<leptos::html::Div>::new();
    let pending = RwSignal::new(false);
    let asking = RwSignal::new(None::<PublicationFile>);
    let confirm_ref = NodeRef::<leptos::html::Div>::new();

    let refuse = move |on_label: bool, message: String| {
        status.set(None);
        let mut errors = FieldErrors::default();
        if on_label {
            errors.0.insert("libelle".to_owned(), vec![message.clone()]);
        }
        label_errors.set(errors);
        problem.set(Some((on_label, message)));
        crate::focus_when_shown(problem_ref);
    };
    let say = move |message: String| {
        problem.set(None);
        label_errors.set(FieldErrors::default());
        status.set(Some(message));
        crate::focus_when_shown(status_ref);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(element) = input.get_untracked() else {
            return;
        };
        let Some((file, name, size)) = chosen_file(&element) else {
            refuse(false, "Choisissez le fichier PDF à envoyer.".to_owned());
            return;
        };
        #[allow(clippy::cast_precision_loss)]
        if size > MAX_FILE_BYTES as f64 {
            refuse(
                false,
                format!(
                    "Le fichier dépasse {} : réduisez-le (export PDF « taille réduite ») puis envoyez-le de nouveau.",
                    limit()
                ),
            );
            return;
        }
        let caption = label.get_untracked().trim().to_owned();
        if caption.is_empty() {
            refuse(
                true,
                "Indiquez l'intitulé du fichier, le texte de son lien : « Rapport », par exemple."
                    .to_owned(),
            );
            return;
        }
        let mut url = format!(
            "{}?nom={}&libelle={}",
            paths::upload(&organisation.get_value(), &slug.get_value()),
            encode_query_value(&name),
            encode_query_value(&caption),
        );
        if accessible.get_untracked() {
            url.push_str("&accessible=1");
        }
        let proof = csrf.get_value();
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = call_raw(&url, file, "application/pdf", &proof).await;
            pending.set(false);
            match result {
                Ok(text) => {
                    let added = read::<PublicationFile>(&text).ok();
                    let message = match &added {
                        Some(f) => format!("Fichier ajouté : {} ({})", f.name, f.description()),
                        None => format!("Fichier ajouté : {name}"),
                    };
                    if let Some(f) = added {
                        files.update(|list| list.push(f));
                    }
                    element.set_value("");
                    say(message);
                }
                Err(error) => {
                    // The endpoint names the label's field, or the file's.
                    let on_label = error.fields.0.keys().any(|k| k.contains("libel"));
                    let message = error
                        .fields
                        .0
                        .values()
                        .flatten()
                        .next()
                        .cloned()
                        .unwrap_or(error.message);
                    refuse(on_label, message);
                }
            }
        });
    };
    let remove = Action::new_local(move |file: &PublicationFile| {
        let url = paths::managed_file(&organisation.get_value(), &slug.get_value(), &file.id);
        let proof = csrf.get_value();
        let file = file.clone();
        async move { (file, call(Method::DELETE, &url, None, Some(&proof)).await) }
    });
    Effect::new(move |_| {
        let Some((file, result)) = remove.value().get() else {
            return;
        };
        asking.set(None);
        match result {
            Ok(_) => {
                files.update(|list| list.retain(|f| f.id != file.id));
                say(format!("Fichier supprimé : {}.", file.name));
            }
            Err(error) => say(error.message),
        }
    });
    let invalid = move || problem.with(|p| matches!(p, Some((false, _))));
    let refused = move || problem.with(Option::is_some);
    let problem_text =
        move || problem.with(|p| p.as_ref().map(|(_, m)| m.clone()).unwrap_or_default());
    let slug_for_links = slug;
    view! {
        <section aria-labelledby="fichiers-titre">
            <h2 id="fichiers-titre">"Fichiers"</h2>
            <StatusNotice text=status node=status_ref/>
            {move || {
                let list = files.get();
                if list.is_empty() {
                    return view! { <p>"Aucun fichier pour l'instant."</p> }.into_any();
                }
                view! {
                    <ul class="event-lines">{list.into_iter().map(|file| {
                        let href = paths::managed_file(&organisation.get_value(), &slug_for_links.get_value(), &file.id);
                        let button_id = format!("supprimer-fichier-{}", file.id);
                        let hidden = format!(" le fichier « {} »", file.label);
                        let details = format!(" ({}) — {}", file.description(), file.name);
                        let accessible = file.accessible;
                        let name = file.name.clone();
                        let label = file.label.clone();
                        view! {
                            <li>
                                <a href=href rel="external" download=name>{label}</a>
                                <span class="meta">{details}</span>
                                {accessible.then(|| view! { <span class="meta">" — version accessible (PDF balisé)"</span> })}
                                " "
                                <button type="button" id=button_id class="secondary danger" on:click=move |_| {
                                    asking.set(Some(file.clone()));
                                    crate::focus_when_shown(confirm_ref);
                                }>"Supprimer"<span class="sr-only">{hidden}</span></button>
                            </li>
                        }
                    }).collect_view()}</ul>
                }.into_any()
            }}
            {move || asking.get().map(|file| {
                let back = format!("supprimer-fichier-{}", file.id);
                let question = format!("Supprimer le fichier « {} » ({}) ? Il ne sera plus téléchargeable. Cette action ne peut pas être défaite.", file.label, file.name);
                view! {
                    <div class="notice notice-error confirm" role="group" aria-label="Confirmation" tabindex="-1" node_ref=confirm_ref>
                        <p>{question}</p>
                        <div class="actions">
                            <button type="button" class="danger" disabled=move || remove.pending().get()
                                on:click=move |_| { remove.dispatch(file.clone()); }>"Oui, supprimer le fichier"</button>
                            <button type="button" class="secondary" on:click=move |_| {
                                asking.set(None);
                                crate::focus_by_id(&back);
                            }>"Non, revenir"</button>
                        </div>
                    </div>
                }
            })}
            <h3>"Ajouter un fichier"</h3>
            <div class="error-summary" tabindex="-1" node_ref=problem_ref role="alert" hidden=move || !refused()>
                <Show when=refused>
                    <h4>"Le fichier n'a pas été envoyé"</h4>
                    <ul><li>{move || {
                        let (id, name) = if invalid() { (FILE_INPUT, "Fichier PDF") } else { ("champ-libelle", "Intitulé du fichier") };
                        view! {
                            <a href=format!("#{id}") on:click=move |ev| crate::follow_in_page_link(ev, id)>
                                {format!("{name} : {}", problem_text())}
                            </a>
                        }
                    }}</li></ul>
                </Show>
            </div>
            <form class="editor" novalidate on:submit=submit>
                <div class="field" class:field-invalid=invalid>
                    <label for=FILE_INPUT>"Fichier PDF (obligatoire)"</label>
                    <p class="hint" id="champ-fichier-aide">{format!("PDF, {} au plus.", limit())}</p>
                    <Show when=invalid>
                        <p class="field-error" id="champ-fichier-erreur">{problem_text}</p>
                    </Show>
                    <input type="file" id=FILE_INPUT name="fichier" node_ref=input accept="application/pdf,.pdf"
                        aria-invalid=move || if invalid() { "true" } else { "false" }
                        aria-describedby=move || if invalid() { "champ-fichier-aide champ-fichier-erreur" } else { "champ-fichier-aide" }/>
                </div>
                <TextField name="libelle" label="Intitulé du fichier" errors=label_errors value=label
                    hint="Le texte du lien de téléchargement : « Rapport », « Programme », « Synthèse »…"/>
                <CheckboxField name="accessible" label="Version accessible (PDF balisé)" errors=no_errors checked=accessible/>
                <button type="submit" disabled=move || pending.get()>"Envoyer le fichier"</button>
            </form>
        </section>
    }
}

/// Deleting the publication, after a confirmation step.
#[component]
fn Deletion(organisation: String, slug: String, title: String, csrf: String) -> impl IntoView {
    let asking = RwSignal::new(false);
    let confirm_ref = NodeRef::<leptos::html::Div>::new();
    let error = RwSignal::new(None::<String>);
    let error_ref = NodeRef::<leptos::html::Div>::new();
    let url = paths::managed(&organisation, &slug);
    let csrf = StoredValue::new(csrf);
    let navigate = use_navigate();
    let list = page_href(&organisation);
    let delete = Action::new_local(move |_: &()| {
        let url = url.clone();
        let proof = csrf.get_value();
        async move { call(Method::DELETE, &url, None, Some(&proof)).await }
    });
    Effect::new(move |_| {
        let Some(result) = delete.value().get() else {
            return;
        };
        asking.set(false);
        match result {
            Ok(_) => navigate(&format!("{list}?supprimee=1"), Default::default()),
            Err(e) => {
                error.set(Some(e.message));
                crate::focus_when_shown(error_ref);
            }
        }
    });
    let question = format!(
        "Supprimer « {title} » et tous ses fichiers ? Elle disparaît du catalogue et les liens déjà envoyés ne fonctionneront plus. Cette action ne peut pas être défaite."
    );
    view! {
        <section aria-labelledby="suppression-titre">
            <h2 id="suppression-titre">"Supprimer la publication"</h2>
            <StatusNotice text=error node=error_ref/>
            <button type="button" id="action-supprimer" class="secondary danger" on:click=move |_| {
                asking.set(true);
                crate::focus_when_shown(confirm_ref);
            }>"Supprimer la publication…"</button>
            <Show when=move || asking.get()>
                <div class="notice notice-error confirm" role="group" aria-label="Confirmation" tabindex="-1" node_ref=confirm_ref>
                    <p>{question.clone()}</p>
                    <div class="actions">
                        <button type="button" class="danger" disabled=move || delete.pending().get()
                            on:click=move |_| { delete.dispatch(()); }>"Oui, supprimer la publication"</button>
                        <button type="button" class="secondary" on:click=move |_| {
                            asking.set(false);
                            crate::focus_by_id("action-supprimer");
                        }>"Non, revenir"</button>
                    </div>
                </div>
            </Show>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_named_in_french() {
        assert_eq!(month_name("2026-08"), "août 2026");
        assert_eq!(month_name("2026-13"), "2026-13");
    }

    #[test]
    fn the_summary_follows_the_page() {
        let errors = check_draft(&PublicationDraft {
            access: "inscrits".into(),
            ..PublicationDraft::default()
        })
        .unwrap_err();
        let fields: Vec<String> = summary_lines(&errors).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "title",
                "kind",
                "authors",
                "published_on",
                "summary",
                "events"
            ]
        );
        assert_eq!(
            summary_lines(&errors)[0].1,
            "Titre : Indiquez le titre de la publication."
        );
    }
}
