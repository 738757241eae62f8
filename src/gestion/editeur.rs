//! The event editor: one form for everything the public page and the
//! registration engine use, in one state ([`EventDraft`]), checked by the
//! endpoint with parvis-core's rules. Its French messages are shown next to
//! each field and in a summary linking to them.
//!
//! Nothing typed is lost: the draft is kept in the browser's local storage
//! at every change, until the endpoint has saved it, and offered back when
//! the page is opened again (after an error, a closed tab, a reload).

use gloo_net::http::Method;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use parvis_core::api::{ApiError, EventFormat, EventKind, FieldErrors};
use parvis_core::editor::{
    EditorView, EventDraft, Preview, PreviewRequest, ProgrammeDraft, Saved, SessionDraft,
    SpeakerDraft, TrackDraft, describe, paths,
};
use parvis_core::gestion::Accepted;
use parvis_core::questions::{Question, QuestionKind};

use super::evenement::{EventNav, event_params, href, signed_in};
use crate::api::{call, json, read};
use crate::components::{
    Bound, CheckboxField, ErrorNotice, Loading, SelectField, StatusNotice, TextField, bind,
};
use crate::form::input_id;

/// The event editor's build (`dist/gestion/editeur/`): creating and
/// editing an event.
#[leptos::component]
pub fn App() -> impl leptos::IntoView {
    use leptos::prelude::*;
    use leptos_router::components::{Route, Routes};
    use leptos_router::path;
    super::frame(super::Bundle::Editeur, || {
        view! {
            <Routes fallback=super::not_found>
                <Route path=path!("/gestion/organisations/:org/evenements/nouveau") view=NewEventPage/>
                <Route path=path!("/gestion/organisations/:org/evenements/:slug/modifier") view=EditEventPage/>
            </Routes>
        }
    })
}

/// `/gestion/organisations/{org}/evenements/nouveau`.
#[component]
pub fn NewEventPage() -> impl IntoView {
    let (organisation, _) = event_params();
    crate::set_title("Nouvel événement");
    signed_in(move |me| {
        let initial = EventDraft {
            kind: "webinaire".to_owned(),
            format: "en_ligne".to_owned(),
            contact_name: me.account.name.clone(),
            contact_email: me.account.email.clone(),
            sessions: vec![SessionDraft::default()],
            reminders_minutes: parvis_core::api::default_reminders(),
            ..EventDraft::default()
        };
        view! {
            <p><a href="/gestion/">"← Espace de gestion"</a></p>
            <h1>"Nouvel événement"</h1>
            <p>"L'événement est enregistré comme brouillon : il n'apparaît sur l'agenda public qu'une fois publié."</p>
            <Editor organisation=organisation.get() slug=None initial csrf=me.csrf_token.clone()/>
        }
    })
}

/// `/gestion/organisations/{org}/evenements/{slug}/modifier`.
#[component]
pub fn EditEventPage() -> impl IntoView {
    let (organisation, slug) = event_params();
    crate::set_title("Modifier l'événement");
    signed_in(move |me| {
        let csrf = me.csrf_token.clone();
        let view_of = crate::api::Loaded::<EditorView>::new(move || {
            paths::edition(&organisation.get(), &slug.get())
        });
        view! {
            <EventNav organisation=organisation.get() slug=slug.get() current="/modifier"/>
            <h1>"Modifier l'événement"</h1>
            <Transition fallback=|| view! { <Loading text="Chargement de l'événement…"/> }>
                {
                    let csrf = csrf.clone();
                    move || view_of.get().map(|result: Result<EditorView, ApiError>| match result {
                        Ok(view) => view! {
                            {(view.active_registrations > 0).then(|| view! {
                                <p class="notice">{format!(
                                    "{} inscription(s) en cours : un atelier ou une date que des inscrit·es ont choisis ne peut pas être retiré, ni les places descendre sous celles déjà prises. L'adresse de la page ne change pas.",
                                    view.active_registrations
                                )}</p>
                            })}
                            <Editor organisation=organisation.get() slug=Some(slug.get()) initial=view.draft csrf=csrf.clone()/>
                        }.into_any(),
                        Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
                    })
                }
            </Transition>
        }
    })
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn kept_draft(key: &str) -> Option<EventDraft> {
    serde_json::from_str(&storage()?.get_item(key).ok()??).ok()
}

fn keep_draft(key: &str, draft: &EventDraft) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(draft)) {
        let _ = storage.set_item(key, &text);
    }
}

fn forget_draft(key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(key);
    }
}

/// One part of the draft at a place that may be gone (a row just removed):
/// read as its default, written nowhere.
fn part<T>(
    draft: RwSignal<EventDraft>,
    get: impl Fn(&EventDraft) -> Option<&T> + Send + Sync + 'static,
    set: impl Fn(&mut EventDraft) -> Option<&mut T> + Send + Sync + 'static,
) -> Bound<T>
where
    T: Clone + Default + PartialEq + Send + Sync + 'static,
{
    bind(
        draft,
        move |d| get(d).cloned().unwrap_or_default(),
        move |d, value| {
            if let Some(place) = set(d) {
                *place = value;
            }
        },
    )
}

/// A top-level field of the draft.
fn top<T>(
    draft: RwSignal<EventDraft>,
    get: fn(&EventDraft) -> &T,
    set: fn(&mut EventDraft) -> &mut T,
) -> Bound<T>
where
    T: Clone + Default + PartialEq + Send + Sync + 'static,
{
    part(draft, move |d| Some(get(d)), move |d| Some(set(d)))
}

/// A list of lines of the draft, as one text area (one per line).
fn lines(
    draft: RwSignal<EventDraft>,
    get: impl Fn(&EventDraft) -> Option<&Vec<String>> + Send + Sync + 'static,
    set: impl Fn(&mut EventDraft) -> Option<&mut Vec<String>> + Send + Sync + 'static,
) -> Bound<String> {
    bind(
        draft,
        move |d| get(d).map(|l| l.join("\n")).unwrap_or_default(),
        move |d, text: String| {
            if let Some(place) = set(d) {
                *place = text.split('\n').map(str::to_owned).collect();
            }
        },
    )
}

/// The element a message about `key` points to: the field itself, or the
/// text area of a list of lines (`objectives.2` is in `objectives`).
pub fn anchor(key: &str) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    let trimmed = match parts.as_slice() {
        [head @ .., list, index]
            if (*list == "objectives" || *list == "details")
                && index.chars().all(|c| c.is_ascii_digit()) =>
        {
            let mut kept = head.to_vec();
            kept.push(list);
            kept.join(".")
        }
        _ => key.to_owned(),
    };
    input_id(&trimmed)
}

/// Reminder choices: minutes before each session, and their label.
const REMINDERS: [(u32, &str); 6] = [
    (7 * 24 * 60, "1 semaine avant"),
    (2 * 24 * 60, "2 jours avant"),
    (24 * 60, "1 jour avant"),
    (3 * 60, "3 heures avant"),
    (60, "1 heure avant"),
    (15, "15 minutes avant"),
];

/// Question types, as the engine knows them.
const QUESTION_TYPES: [(&str, &str); 7] = [
    ("short_text", "Texte court"),
    ("long_text", "Texte long"),
    ("single_choice", "Un choix parmi plusieurs"),
    ("multiple_choice", "Plusieurs choix possibles"),
    ("yes_no", "Oui / non"),
    ("number", "Nombre"),
    ("date", "Date"),
];

fn type_of(kind: &QuestionKind) -> &'static str {
    match kind {
        QuestionKind::ShortText => "short_text",
        QuestionKind::LongText => "long_text",
        QuestionKind::SingleChoice { .. } => "single_choice",
        QuestionKind::MultipleChoice { .. } => "multiple_choice",
        QuestionKind::YesNo => "yes_no",
        QuestionKind::Number { .. } => "number",
        QuestionKind::Date => "date",
    }
}

fn options_of(kind: &QuestionKind) -> Vec<String> {
    match kind {
        QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
            options.clone()
        }
        _ => Vec::new(),
    }
}

fn kind_named(name: &str, options: Vec<String>) -> QuestionKind {
    match name {
        "long_text" => QuestionKind::LongText,
        "single_choice" => QuestionKind::SingleChoice { options },
        "multiple_choice" => QuestionKind::MultipleChoice { options },
        "yes_no" => QuestionKind::YesNo,
        "number" => QuestionKind::Number {
            min: None,
            max: None,
        },
        "date" => QuestionKind::Date,
        _ => QuestionKind::ShortText,
    }
}

/// The form, bound to one draft.
#[component]
fn Editor(
    organisation: String,
    slug: Option<String>,
    initial: EventDraft,
    csrf: String,
) -> impl IntoView {
    let key = format!(
        "parvis-brouillon:{organisation}:{}",
        slug.as_deref().unwrap_or("nouveau")
    );
    let kept = kept_draft(&key).filter(|kept| *kept != initial);
    let restored = RwSignal::new(kept.is_some());
    let draft = RwSignal::new(kept.unwrap_or_else(|| initial.clone()));
    let saved_version = StoredValue::new(initial);
    {
        let key = key.clone();
        Effect::new(move |_| draft.with(|d| keep_draft(&key, d)));
    }
    let errors = RwSignal::new(FieldErrors::default());
    let general = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let status_ref = NodeRef::<leptos::html::Div>::new();
    let summary_ref = NodeRef::<leptos::html::Div>::new();
    let preview = RwSignal::new(None::<String>);
    let navigate = use_navigate();

    let is_new = slug.is_none();
    let save_url = match &slug {
        Some(slug) => paths::edition(&organisation, slug),
        None => paths::events(&organisation),
    };
    let csrf = StoredValue::new(csrf);
    let save = Action::new_local(move |body: &EventDraft| {
        let body = json(body);
        let url = save_url.clone();
        let proof = csrf.get_value();
        async move {
            let method = if is_new { Method::POST } else { Method::PUT };
            call(method, &url, body, Some(&proof)).await
        }
    });
    let pending = save.pending();
    let preview_url = paths::preview(&organisation);
    let render_preview = Action::new_local(move |markdown: &String| {
        let body = json(&PreviewRequest {
            markdown: markdown.clone(),
        });
        let url = preview_url.clone();
        let proof = csrf.get_value();
        async move { read::<Preview>(&call(Method::POST, &url, body, Some(&proof)).await?) }
    });
    Effect::new(move |_| {
        if let Some(result) = render_preview.value().get() {
            match result {
                Ok(rendered) => preview.set(Some(rendered.html)),
                Err(error) => preview.set(Some(format!(
                    "<p>{}</p>",
                    error.message.replace('<', "&lt;")
                ))),
            }
        }
    });

    let done_key = key.clone();
    let organisation_for_nav = organisation.clone();
    Effect::new(move |_| {
        let Some(result) = save.value().get() else {
            return;
        };
        match result {
            Ok(text) => {
                forget_draft(&done_key);
                errors.set(FieldErrors::default());
                general.set(None);
                restored.set(false);
                if is_new {
                    if let Ok(saved) = read::<Saved>(&text) {
                        navigate(
                            &format!(
                                "{}/modifier?cree=1",
                                href(&organisation_for_nav, &saved.slug)
                            ),
                            Default::default(),
                        );
                    }
                } else {
                    saved_version.set_value(draft.get_untracked());
                    let message = read::<Accepted>(&text)
                        .map(|a| a.message)
                        .unwrap_or_else(|_| "Les modifications sont enregistrées.".to_owned());
                    status.set(Some(message));
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
    if leptos_router::hooks::use_query_map().with_untracked(|q| q.get("cree").is_some()) {
        status.set(Some(
            "L'événement est enregistré comme brouillon. Relisez-le, puis publiez-le depuis sa vue d'ensemble.".to_owned(),
        ));
        crate::focus_when_shown(status_ref);
    }

    let has_problems = move || general.with(Option::is_some) || errors.with(|e| !e.is_empty());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(draft.get_untracked());
    };
    let restore_saved = move |_| {
        draft.set(saved_version.get_value());
        restored.set(false);
    };

    // Bindings of the top-level fields.
    let format = Memo::new(move |_| draft.with(|d| d.format.clone()));
    let in_person = move || format.get() != "en_ligne";
    let online = move || format.get() != "presentiel";
    let day_selection = Memo::new(move |_| draft.with(|d| d.day_selection));
    let members_only = Memo::new(move |_| draft.with(|d| d.members_only));

    view! {
        <form class="editor" novalidate on:submit=on_submit>
            <Show when=move || restored.get()>
                <div class="notice" role="status">
                    <p>"Des saisies non enregistrées ont été reprises dans ce navigateur."</p>
                    <button type="button" class="secondary" on:click=restore_saved>"Revenir à la version enregistrée"</button>
                </div>
            </Show>
            <div class="error-summary" tabindex="-1" node_ref=summary_ref role="alert" hidden=move || !has_problems()>
                <Show when=has_problems>
                    <h2>"L'événement n'a pas pu être enregistré"</h2>
                    {move || general.get().map(|m| view! { <p>{m}</p> })}
                    <ul>
                        {move || errors.get().0.into_iter().flat_map(|(key, messages)| {
                            messages.into_iter().map(move |message| {
                                let id = anchor(&key);
                                let line = format!("{} : {message}", describe(&key).unwrap_or_else(|| key.clone()));
                                view! { <li><a href=format!("#{id}") on:click=move |ev| crate::follow_in_page_link(ev, &id)>{line}</a></li> }
                            })
                        }).collect_view()}
                    </ul>
                </Show>
            </div>
            <StatusNotice text=status node=status_ref/>
            <p class="hint">"Les champs marqués « (obligatoire) » doivent être remplis."</p>

            <fieldset>
                <legend>"L'essentiel"</legend>
                <SelectField name="kind" label="Type d'événement" errors
                    options=EventKind::ALL.iter().map(|k| (k.as_str().to_owned(), k.label().to_owned())).collect()
                    value=top(draft, |d| &d.kind, |d| &mut d.kind)/>
                <TextField name="title" label="Titre" errors value=top(draft, |d| &d.title, |d| &mut d.title)/>
                <TextField name="summary" label="Résumé" errors multiline=true
                    hint="Une ou deux phrases, reprises dans l'agenda."
                    value=top(draft, |d| &d.summary, |d| &mut d.summary)/>
                {is_new.then(|| view! {
                    <TextField name="slug" label="Adresse de la page" errors required=false
                        hint="Lettres minuscules sans accent, chiffres et tirets. Laissez vide pour la former à partir du titre. Elle ne change plus ensuite."
                        value=top(draft, |d| &d.slug, |d| &mut d.slug)/>
                })}
                <TextField name="organiser" label="Organisateur affiché" errors required=false
                    hint="Laissez vide pour le nom de votre organisation."
                    value=top(draft, |d| &d.organiser, |d| &mut d.organiser)/>
            </fieldset>

            <fieldset>
                <legend>"Description"</legend>
                <TextField name="description" label="Description" errors multiline=true required=false
                    hint="En Markdown : une ligne vide entre les paragraphes, **gras**, *italique*, « - » en début de ligne pour une liste, [texte du lien](https://…). Les images et le HTML ne sont pas repris."
                    value=top(draft, |d| &d.description, |d| &mut d.description)/>
                <button type="button" class="secondary"
                    on:click=move |_| { render_preview.dispatch(draft.with_untracked(|d| d.description.clone())); }>
                    "Afficher l'aperçu"
                </button>
                {move || preview.get().map(|html| view! {
                    <section class="preview" aria-labelledby="apercu-titre">
                        <h2 id="apercu-titre">"Aperçu de la description"</h2>
                        <div inner_html=html></div>
                    </section>
                })}
            </fieldset>

            <fieldset>
                <legend>"Format et lieu"</legend>
                <SelectField name="format" label="Format" errors
                    options=[EventFormat::EnLigne, EventFormat::Presentiel, EventFormat::Hybride].iter().map(|f| (f.as_str().to_owned(), f.label().to_owned())).collect()
                    value=top(draft, |d| &d.format, |d| &mut d.format)/>
                <Show when=in_person>
                    <TextField name="venue_name" label="Nom du lieu et de la salle" errors required=false
                        hint="Laissez le lieu vide s'il n'est pas encore connu."
                        value=top(draft, |d| &d.venue_name, |d| &mut d.venue_name)/>
                    <TextField name="venue_address" label="Adresse du lieu" errors required=false multiline=true
                        hint="Une ligne par ligne d'adresse."
                        value=top(draft, |d| &d.venue_address, |d| &mut d.venue_address)/>
                    <TextField name="venue_city" label="Ville" errors required=false
                        value=top(draft, |d| &d.venue_city, |d| &mut d.venue_city)/>
                </Show>
                <Show when=online>
                    <TextField name="connection_url" label="Lien de connexion" errors required=false kind="url"
                        hint="Envoyé aux seules personnes inscrites et confirmées, jamais affiché sur la page publique."
                        value=top(draft, |d| &d.connection_url, |d| &mut d.connection_url)/>
                </Show>
            </fieldset>

            <Sessions draft errors day_selection/>

            <fieldset>
                <legend>"Public, objectifs, intervenant·es"</legend>
                <TextField name="audience" label="Public" errors required=false multiline=true
                    value=top(draft, |d| &d.audience, |d| &mut d.audience)/>
                <TextField name="objectives" label="Objectifs" errors required=false multiline=true
                    hint="Un objectif par ligne."
                    value=lines(draft, |d| Some(&d.objectives), |d| Some(&mut d.objectives))/>
                <Speakers draft errors/>
            </fieldset>

            <fieldset>
                <legend>"Contact"</legend>
                <TextField name="contact_name" label="Nom du contact" errors
                    value=top(draft, |d| &d.contact_name, |d| &mut d.contact_name)/>
                <TextField name="contact_email" label="E-mail du contact" errors required=false kind="email"
                    hint="Affiché sur la page publique ; les réponses aux e-mails d'inscription y arrivent."
                    value=top(draft, |d| &d.contact_email, |d| &mut d.contact_email)/>
                <TextField name="contact_phone" label="Téléphone du contact" errors required=false kind="tel"
                    value=top(draft, |d| &d.contact_phone, |d| &mut d.contact_phone)/>
            </fieldset>

            <fieldset>
                <legend>"Inscriptions"</legend>
                <TextField name="capacity" label="Places pour tout l'événement" errors required=false kind="number"
                    hint="Laissez vide pour ne pas limiter les places."
                    value=top(draft, |d| &d.capacity, |d| &mut d.capacity)/>
                <CheckboxField name="waitlist" label="Liste d'attente quand c'est complet" errors
                    hint="Les personnes en attente sont confirmées dans l'ordre dès qu'une place se libère."
                    checked=top(draft, |d| &d.waitlist, |d| &mut d.waitlist)/>
                <TextField name="opens_at" label="Ouverture des inscriptions" errors required=false kind="datetime-local"
                    hint="Heure de Paris. Laissez vide pour ouvrir dès la publication."
                    value=top(draft, |d| &d.opens_at, |d| &mut d.opens_at)/>
                <TextField name="closes_at" label="Clôture des inscriptions" errors required=false kind="datetime-local"
                    hint="Heure de Paris. Laissez vide pour clore au début de la première date."
                    value=top(draft, |d| &d.closes_at, |d| &mut d.closes_at)/>
                <CheckboxField name="address_confirmation" label="Demander de confirmer l'adresse e-mail" errors
                    hint="La place est gardée 30 minutes, le temps que la personne clique sur le lien reçu."
                    checked=top(draft, |d| &d.address_confirmation, |d| &mut d.address_confirmation)/>
                <CheckboxField name="members_only" label="Réservé aux membres (sur invitation)" errors
                    checked=top(draft, |d| &d.members_only, |d| &mut d.members_only)/>
                <Show when=move || members_only.get()>
                    <TextField name="access_note" label="Conditions d'accès" errors required=false multiline=true
                        hint="Affiché sur la page publique : qui peut participer."
                        value=top(draft, |d| &d.access_note, |d| &mut d.access_note)/>
                </Show>
                <Reminders draft errors/>
            </fieldset>

            <Questions draft errors/>

            <fieldset>
                <legend>"Rapport d'étude"</legend>
                <TextField name="report_title" label="Titre du rapport" errors required=false
                    value=top(draft, |d| &d.report_title, |d| &mut d.report_title)/>
                <TextField name="report_url" label="Adresse du rapport" errors required=false
                    hint="https://… ou /rapports/… ; envoyé avec la confirmation d'inscription."
                    value=top(draft, |d| &d.report_url, |d| &mut d.report_url)/>
            </fieldset>

            <button type="submit" disabled=move || pending.get() aria-disabled=move || if pending.get() { "true" } else { "false" }>
                {move || if pending.get() { "Enregistrement…" } else if is_new { "Enregistrer le brouillon" } else { "Enregistrer les modifications" }}
            </button>
        </form>
    }
}

fn slot(d: &EventDraft, i: usize, j: usize) -> Option<&ProgrammeDraft> {
    d.sessions.get(i)?.programme.get(j)
}

fn slot_mut(d: &mut EventDraft, i: usize, j: usize) -> Option<&mut ProgrammeDraft> {
    d.sessions.get_mut(i)?.programme.get_mut(j)
}

fn track(d: &EventDraft, i: usize, j: usize, k: usize) -> Option<&TrackDraft> {
    slot(d, i, j)?.tracks.get(k)
}

fn track_mut(d: &mut EventDraft, i: usize, j: usize, k: usize) -> Option<&mut TrackDraft> {
    slot_mut(d, i, j)?.tracks.get_mut(k)
}

/// Focuses the field `key` once it is rendered.
fn focus_soon(key: String) {
    request_animation_frame(move || crate::focus_by_id(&input_id(&key)));
}

/// The dates of the event, each with its programme and workshops.
#[component]
fn Sessions(
    draft: RwSignal<EventDraft>,
    errors: RwSignal<FieldErrors>,
    day_selection: Memo<bool>,
) -> impl IntoView {
    let count = Memo::new(move |_| draft.with(|d| d.sessions.len()));
    let add = move |_| {
        let at = draft.with_untracked(|d| d.sessions.len());
        draft.update(|d| d.sessions.push(SessionDraft::default()));
        focus_soon(format!("sessions.{at}.date"));
    };
    let list_error = move || errors.with(|e| e.get("sessions").join(" "));
    view! {
        <fieldset id=input_id("sessions") tabindex="-1">
            <legend>"Dates et programme"</legend>
            <Show when=move || !list_error().is_empty()>
                <p class="field-error">{list_error}</p>
            </Show>
            <CheckboxField name="day_selection" label="Les inscrit·es choisissent leurs dates (cycle)" errors
                hint="Sinon, une inscription vaut pour toutes les dates."
                checked=top(draft, |d| &d.day_selection, |d| &mut d.day_selection)/>
            {move || (0..count.get()).map(|i| view! { <SessionEditor draft errors i day_selection/> }).collect_view()}
            <button type="button" class="secondary" on:click=add>"Ajouter une date"</button>
        </fieldset>
    }
}

#[component]
fn SessionEditor(
    draft: RwSignal<EventDraft>,
    errors: RwSignal<FieldErrors>,
    i: usize,
    day_selection: Memo<bool>,
) -> impl IntoView {
    let field = move |name: &'static str,
                      get: fn(&SessionDraft) -> &String,
                      set: fn(&mut SessionDraft) -> &mut String| {
        (
            format!("sessions.{i}.{name}"),
            part(
                draft,
                move |d| d.sessions.get(i).map(get),
                move |d| d.sessions.get_mut(i).map(set),
            ),
        )
    };
    let (title_key, title) = field("title", |s| &s.title, |s| &mut s.title);
    let (date_key, date) = field("date", |s| &s.date, |s| &mut s.date);
    let (start_key, start) = field("start", |s| &s.start, |s| &mut s.start);
    let (end_key, end) = field("end", |s| &s.end, |s| &mut s.end);
    let (capacity_key, capacity) = field("capacity", |s| &s.capacity, |s| &mut s.capacity);
    let slots =
        Memo::new(move |_| draft.with(|d| d.sessions.get(i).map_or(0, |s| s.programme.len())));
    let add_slot = move |_| {
        let at = slots.get_untracked();
        draft.update(|d| {
            if let Some(session) = d.sessions.get_mut(i) {
                session.programme.push(ProgrammeDraft::default());
            }
        });
        focus_soon(format!("sessions.{i}.programme.{at}.start"));
    };
    let remove = move |_| {
        draft.update(|d| {
            if i < d.sessions.len() {
                d.sessions.remove(i);
            }
        });
        request_animation_frame(|| crate::focus_by_id(&input_id("sessions")));
    };
    view! {
        <fieldset class="item" id=input_id(&format!("sessions.{i}")) tabindex="-1">
            <legend>{format!("Date {}", i + 1)}</legend>
            <TextField name=date_key label="Jour" errors kind="date" value=date hint="Format : AAAA-MM-JJ."/>
            <div class="field-row">
                <TextField name=start_key label="Début" errors kind="time" required=false value=start
                    hint="Heure de Paris. Sans heures : journée entière."/>
                <TextField name=end_key label="Fin" errors kind="time" required=false value=end/>
            </div>
            <TextField name=title_key label="Intitulé de la date" errors required=false value=title
                hint="Par exemple « Journée 1 : le diagnostic »."/>
            <Show when=move || day_selection.get()>
                <TextField name=capacity_key.clone() label="Places ce jour-là" errors required=false kind="number"
                    value=capacity hint="Laissez vide pour ne pas limiter."/>
            </Show>
            <div class="programme">
                <p class="subheading">"Programme"</p>
                {move || (0..slots.get()).map(|j| view! { <SlotEditor draft errors i j/> }).collect_view()}
                <button type="button" class="secondary" on:click=add_slot>
                    {format!("Ajouter un temps de programme à la date {}", i + 1)}
                </button>
            </div>
            <button type="button" class="secondary danger" on:click=remove>
                {format!("Retirer la date {}", i + 1)}
            </button>
        </fieldset>
    }
}

#[component]
fn SlotEditor(
    draft: RwSignal<EventDraft>,
    errors: RwSignal<FieldErrors>,
    i: usize,
    j: usize,
) -> impl IntoView {
    let field = move |name: &'static str,
                      get: fn(&ProgrammeDraft) -> &String,
                      set: fn(&mut ProgrammeDraft) -> &mut String| {
        (
            format!("sessions.{i}.programme.{j}.{name}"),
            part(
                draft,
                move |d| slot(d, i, j).map(get),
                move |d| slot_mut(d, i, j).map(set),
            ),
        )
    };
    let (start_key, start) = field("start", |p| &p.start, |p| &mut p.start);
    let (end_key, end) = field("end", |p| &p.end, |p| &mut p.end);
    let (title_key, title) = field("title", |p| &p.title, |p| &mut p.title);
    let details = lines(
        draft,
        move |d| slot(d, i, j).map(|p| &p.details),
        move |d| slot_mut(d, i, j).map(|p| &mut p.details),
    );
    let tracks = Memo::new(move |_| draft.with(|d| slot(d, i, j).map_or(0, |p| p.tracks.len())));
    let add_track = move |_| {
        let at = tracks.get_untracked();
        draft.update(|d| {
            if let Some(slot) = slot_mut(d, i, j) {
                slot.tracks.push(TrackDraft::default());
            }
        });
        focus_soon(format!("sessions.{i}.programme.{j}.tracks.{at}.title"));
    };
    let remove = move |_| {
        draft.update(|d| {
            if let Some(session) = d.sessions.get_mut(i)
                && j < session.programme.len()
            {
                session.programme.remove(j);
            }
        });
        request_animation_frame(move || crate::focus_by_id(&input_id(&format!("sessions.{i}"))));
    };
    let tracks_key = format!("sessions.{i}.programme.{j}.tracks");
    let tracks_error = {
        let key = tracks_key.clone();
        Signal::derive(move || errors.with(|e| e.get(&key).join(" ")))
    };
    view! {
        <fieldset class="item" id=input_id(&format!("sessions.{i}.programme.{j}")) tabindex="-1">
            <legend>{format!("Date {} – temps {}", i + 1, j + 1)}</legend>
            <div class="field-row">
                <TextField name=start_key label="Début" errors kind="time" required=false value=start/>
                <TextField name=end_key label="Fin" errors kind="time" required=false value=end/>
            </div>
            <TextField name=title_key label="Titre" errors value=title/>
            <TextField name=format!("sessions.{i}.programme.{j}.details") label="Détails" errors required=false multiline=true
                hint="Un paragraphe par ligne." value=details/>
            <div id=input_id(&tracks_key) tabindex="-1">
                <Show when=move || !tracks_error.with(String::is_empty)>
                    <p class="field-error">{tracks_error}</p>
                </Show>
                {move || (0..tracks.get()).map(|k| view! { <TrackEditor draft errors i j k/> }).collect_view()}
                <button type="button" class="secondary" on:click=add_track>
                    {format!("Ajouter un atelier en parallèle (date {}, temps {})", i + 1, j + 1)}
                </button>
            </div>
            <button type="button" class="secondary danger" on:click=remove>
                {format!("Retirer le temps {} de la date {}", j + 1, i + 1)}
            </button>
        </fieldset>
    }
}

#[component]
fn TrackEditor(
    draft: RwSignal<EventDraft>,
    errors: RwSignal<FieldErrors>,
    i: usize,
    j: usize,
    k: usize,
) -> impl IntoView {
    let field = move |name: &'static str,
                      get: fn(&TrackDraft) -> &String,
                      set: fn(&mut TrackDraft) -> &mut String| {
        (
            format!("sessions.{i}.programme.{j}.tracks.{k}.{name}"),
            part(
                draft,
                move |d| track(d, i, j, k).map(get),
                move |d| track_mut(d, i, j, k).map(set),
            ),
        )
    };
    let (title_key, title) = field("title", |t| &t.title, |t| &mut t.title);
    let (capacity_key, capacity) = field("capacity", |t| &t.capacity, |t| &mut t.capacity);
    let details = lines(
        draft,
        move |d| track(d, i, j, k).map(|t| &t.details),
        move |d| track_mut(d, i, j, k).map(|t| &mut t.details),
    );
    let remove = move |_| {
        draft.update(|d| {
            if let Some(slot) = slot_mut(d, i, j)
                && k < slot.tracks.len()
            {
                slot.tracks.remove(k);
            }
        });
        request_animation_frame(move || {
            crate::focus_by_id(&input_id(&format!("sessions.{i}.programme.{j}.tracks")))
        });
    };
    view! {
        <fieldset class="item">
            <legend>{format!("Atelier {}", k + 1)}</legend>
            <TextField name=title_key label="Titre de l'atelier" errors value=title/>
            <TextField name=capacity_key label="Places" errors required=false kind="number" value=capacity
                hint="Laissez vide pour ne pas limiter."/>
            <TextField name=format!("sessions.{i}.programme.{j}.tracks.{k}.details") label="Détails" errors required=false multiline=true
                hint="Un paragraphe ou une question par ligne." value=details/>
            <button type="button" class="secondary danger" on:click=remove>
                {format!("Retirer l'atelier {}", k + 1)}
            </button>
        </fieldset>
    }
}

#[component]
fn Speakers(draft: RwSignal<EventDraft>, errors: RwSignal<FieldErrors>) -> impl IntoView {
    let count = Memo::new(move |_| draft.with(|d| d.speakers.len()));
    let add = move |_| {
        let at = count.get_untracked();
        draft.update(|d| d.speakers.push(SpeakerDraft::default()));
        focus_soon(format!("speakers.{at}.name"));
    };
    view! {
        <div id=input_id("speakers") tabindex="-1">
            <p class="subheading">"Intervenant·es"</p>
            {move || (0..count.get()).map(|i| {
                let name = part(draft, move |d| d.speakers.get(i).map(|s| &s.name), move |d| d.speakers.get_mut(i).map(|s| &mut s.name));
                let role = part(draft, move |d| d.speakers.get(i).map(|s| &s.role), move |d| d.speakers.get_mut(i).map(|s| &mut s.role));
                let remove = move |_| {
                    draft.update(|d| {
                        if i < d.speakers.len() {
                            d.speakers.remove(i);
                        }
                    });
                    request_animation_frame(|| crate::focus_by_id(&input_id("speakers")));
                };
                view! {
                    <fieldset class="item">
                        <legend>{format!("Intervenant·e {}", i + 1)}</legend>
                        <TextField name=format!("speakers.{i}.name") label="Nom" errors value=name/>
                        <TextField name=format!("speakers.{i}.role") label="Fonction et structure" errors required=false value=role/>
                        <button type="button" class="secondary danger" on:click=remove>{format!("Retirer l'intervenant·e {}", i + 1)}</button>
                    </fieldset>
                }
            }).collect_view()}
            <button type="button" class="secondary" on:click=add>"Ajouter un·e intervenant·e"</button>
        </div>
    }
}

#[component]
fn Reminders(draft: RwSignal<EventDraft>, errors: RwSignal<FieldErrors>) -> impl IntoView {
    let error = move || errors.with(|e| e.get("reminders_minutes").join(" "));
    view! {
        <fieldset id=input_id("reminders_minutes") tabindex="-1" class="choice-group">
            <legend>"Rappels envoyés aux inscrit·es avant chaque date"</legend>
            <Show when=move || !error().is_empty()>
                <p class="field-error">{error}</p>
            </Show>
            {REMINDERS.iter().map(|&(minutes, label)| {
                let checked = bind(
                    draft,
                    move |d| d.reminders_minutes.contains(&minutes),
                    move |d, on: bool| {
                        d.reminders_minutes.retain(|&m| m != minutes);
                        if on {
                            d.reminders_minutes.push(minutes);
                            d.reminders_minutes.sort_unstable_by(|a, b| b.cmp(a));
                        }
                    },
                );
                view! { <CheckboxField name=format!("rappel-{minutes}") label=label errors checked/> }
            }).collect_view()}
        </fieldset>
    }
}

#[component]
fn Questions(draft: RwSignal<EventDraft>, errors: RwSignal<FieldErrors>) -> impl IntoView {
    let count = Memo::new(move |_| draft.with(|d| d.questions.len()));
    let add = move |_| {
        let at = count.get_untracked();
        draft.update(|d| {
            d.questions.push(Question {
                id: String::new(),
                label: String::new(),
                help: None,
                required: false,
                kind: QuestionKind::ShortText,
            })
        });
        focus_soon(format!("questions.{at}.label"));
    };
    view! {
        <fieldset id=input_id("questions") tabindex="-1">
            <legend>"Questions posées à l'inscription"</legend>
            <p class="hint">"Les réponses se lisent dans la liste des inscrit·es et ses exports."</p>
            {move || (0..count.get()).map(|i| view! { <QuestionEditor draft errors i/> }).collect_view()}
            <button type="button" class="secondary" on:click=add>"Ajouter une question"</button>
        </fieldset>
    }
}

#[component]
fn QuestionEditor(
    draft: RwSignal<EventDraft>,
    errors: RwSignal<FieldErrors>,
    i: usize,
) -> impl IntoView {
    let label = part(
        draft,
        move |d| d.questions.get(i).map(|q| &q.label),
        move |d| d.questions.get_mut(i).map(|q| &mut q.label),
    );
    let help = bind(
        draft,
        move |d| {
            d.questions
                .get(i)
                .and_then(|q| q.help.clone())
                .unwrap_or_default()
        },
        move |d, text: String| {
            if let Some(q) = d.questions.get_mut(i) {
                q.help = (!text.is_empty()).then_some(text);
            }
        },
    );
    let required = part(
        draft,
        move |d| d.questions.get(i).map(|q| &q.required),
        move |d| d.questions.get_mut(i).map(|q| &mut q.required),
    );
    let kind = bind(
        draft,
        move |d| {
            d.questions
                .get(i)
                .map(|q| type_of(&q.kind).to_owned())
                .unwrap_or_default()
        },
        move |d, name: String| {
            if let Some(q) = d.questions.get_mut(i) {
                q.kind = kind_named(&name, options_of(&q.kind));
            }
        },
    );
    let kind_name = Memo::new(move |_| {
        draft.with(|d| {
            d.questions
                .get(i)
                .map(|q| type_of(&q.kind))
                .unwrap_or("short_text")
        })
    });
    let options = bind(
        draft,
        move |d| {
            d.questions
                .get(i)
                .map(|q| options_of(&q.kind).join("\n"))
                .unwrap_or_default()
        },
        move |d, text: String| {
            if let Some(q) = d.questions.get_mut(i) {
                let options: Vec<String> = text.split('\n').map(str::to_owned).collect();
                q.kind = kind_named(type_of(&q.kind), options);
            }
        },
    );
    let bound = move |upper: bool| {
        bind(
            draft,
            move |d| match d.questions.get(i).map(|q| &q.kind) {
                Some(QuestionKind::Number { min, max }) => (if upper { *max } else { *min })
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                _ => String::new(),
            },
            move |d, text: String| {
                if let Some(QuestionKind::Number { min, max }) =
                    d.questions.get_mut(i).map(|q| &mut q.kind)
                {
                    let value = text.trim().parse::<i64>().ok();
                    if upper {
                        *max = value;
                    } else {
                        *min = value;
                    }
                }
            },
        )
    };
    let remove = move |_| {
        draft.update(|d| {
            if i < d.questions.len() {
                d.questions.remove(i);
            }
        });
        request_animation_frame(|| crate::focus_by_id(&input_id("questions")));
    };
    view! {
        <fieldset class="item">
            <legend>{format!("Question {}", i + 1)}</legend>
            <TextField name=format!("questions.{i}.label") label="Intitulé" errors value=label/>
            <SelectField name=format!("questions.{i}.type") label="Type de réponse" errors
                options=QUESTION_TYPES.iter().map(|(v, l)| ((*v).to_owned(), (*l).to_owned())).collect()
                value=kind/>
            <Show when=move || matches!(kind_name.get(), "single_choice" | "multiple_choice")>
                <TextField name=format!("questions.{i}.options") label="Réponses proposées" errors multiline=true
                    hint="Une réponse par ligne, au moins deux." value=options/>
            </Show>
            <Show when=move || kind_name.get() == "number">
                <div class="field-row">
                    <TextField name=format!("questions.{i}.min") label="Minimum" errors required=false kind="number" value=bound(false)/>
                    <TextField name=format!("questions.{i}.max") label="Maximum" errors required=false kind="number" value=bound(true)/>
                </div>
            </Show>
            <TextField name=format!("questions.{i}.help") label="Aide sous la question" errors required=false value=help/>
            <CheckboxField name=format!("questions.{i}.required") label="Réponse obligatoire" errors checked=required/>
            <button type="button" class="secondary danger" on:click=remove>{format!("Retirer la question {}", i + 1)}</button>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_their_field_and_where_it_is() {
        assert_eq!(describe("title").unwrap(), "Titre");
        assert_eq!(
            describe("sessions.0.programme.1.tracks.2.capacity").unwrap(),
            "Date 1 › Temps de programme 2 › Atelier 3 › Places"
        );
        assert_eq!(
            describe("questions.3.options").unwrap(),
            "Question 4 › Réponses proposées"
        );
        assert_eq!(describe("objectives.1").unwrap(), "Objectifs (ligne 2)");
        assert_eq!(describe("libelle"), None);
    }

    #[test]
    fn line_errors_point_to_their_text_area() {
        assert_eq!(anchor("objectives.2"), "champ-objectives");
        assert_eq!(
            anchor("sessions.0.programme.1.details.0"),
            "champ-sessions-0-programme-1-details"
        );
        assert_eq!(anchor("sessions.1.date"), "champ-sessions-1-date");
    }
}
