//! Attendance of an event's sessions in the back-office: the roll of a
//! session with one large checkbox per registrant (each tick is saved at
//! once, the focus staying on it), a search, the counts, the import of a
//! webinar's attendance report, and the printable sign-in sheet
//! (« feuille d'émargement ») of each session.

use gloo_net::http::{Method, RequestBuilder};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use parvis_core::api::{ApiError, FieldErrors};
use parvis_core::presence::{
    self, FILE_FIELD, IMPORT_MAX_BYTES, ImportReport, Mark, Marked, Roll, RollLine, SessionChoice,
};
use parvis_core::search::normalise;

use super::evenement::{EventNav, event_params, signed_in};
use crate::api::{call, json, read};
use crate::components::{ErrorNotice, Loading, StatusNotice};

async fn load(organisation: String, event: String, session: usize) -> Result<Roll, ApiError> {
    read(
        &call(
            Method::GET,
            &presence::paths::roll(&organisation, &event, session),
            None,
            None,
        )
        .await?,
    )
}

fn network_error() -> ApiError {
    ApiError {
        code: "network".to_owned(),
        message: "Le serveur ne répond pas. Vérifiez votre connexion puis réessayez.".to_owned(),
        fields: FieldErrors::default(),
    }
}

/// Sends the chosen file itself as the body (the browser reads it), with
/// the session's CSRF proof.
async fn upload(
    url: String,
    file: wasm_bindgen::JsValue,
    csrf: String,
) -> Result<ImportReport, ApiError> {
    let request = RequestBuilder::new(&url)
        .method(Method::POST)
        .header("x-parvis-csrf", &csrf)
        .header("content-type", "text/csv")
        .body(file)
        .map_err(|_| network_error())?;
    let response = request.send().await.map_err(|_| network_error())?;
    let ok = response.ok();
    let status = response.status();
    let text = response.text().await.map_err(|_| network_error())?;
    if ok {
        return read(&text);
    }
    Err(
        serde_json::from_str::<ApiError>(&text).unwrap_or_else(|_| ApiError {
            code: "http".to_owned(),
            message: format!(
                "Le serveur a répondu par une erreur ({status}). Réessayez plus tard."
            ),
            fields: FieldErrors::default(),
        }),
    )
}

/// The file chosen in a file input, and its size in bytes.
fn chosen_file(input: &web_sys::HtmlInputElement) -> Option<(wasm_bindgen::JsValue, f64)> {
    let files = js_sys::Reflect::get(input, &"files".into()).ok()?;
    let file = js_sys::Reflect::get(&files, &0.into()).ok()?;
    if file.is_undefined() || file.is_null() {
        return None;
    }
    let size = js_sys::Reflect::get(&file, &"size".into())
        .ok()
        .and_then(|size| size.as_f64())
        .unwrap_or(0.0);
    Some((file, size))
}

/// `/gestion/organisations/{org}/evenements/{slug}/presence`.
#[component]
pub fn AttendancePage() -> impl IntoView {
    let (organisation, slug) = event_params();
    crate::set_title("Présence");
    signed_in(move |me| {
        view! {
            <EventNav organisation=organisation.get() slug=slug.get() current="/presence"/>
            <h1>"Présence"</h1>
            <Attendance organisation=organisation.get() event=slug.get() csrf=me.csrf_token/>
        }
    })
}

/// The session chosen, its roll, and the import form.
#[component]
fn Attendance(organisation: String, event: String, csrf: String) -> impl IntoView {
    let organisation = StoredValue::new(organisation);
    let event = StoredValue::new(event);
    let csrf = StoredValue::new(csrf);
    // The session shown is kept in the address (`?seance=1`), so a reload
    // or the sign-in sheet's way back finds it again.
    let query = use_query_map();
    let session = RwSignal::new(query.with_untracked(|q| {
        q.get("seance")
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(0)
    }));
    let version = RwSignal::new(0u32);
    let sessions = RwSignal::new(Vec::<SessionChoice>::new());
    let roll = LocalResource::new(move || {
        version.track();
        load(organisation.get_value(), event.get_value(), session.get())
    });
    Effect::new(move |_| match roll.get() {
        Some(Ok(roll)) if sessions.with_untracked(|known| *known != roll.sessions) => {
            sessions.set(roll.sessions);
        }
        // A session the event does not have (an old address): the first.
        Some(Err(error)) if error.code == "not_found" && session.get_untracked() > 0 => {
            session.set(0);
        }
        _ => {}
    });
    let sheet_links = move || {
        sessions.with(|list| {
            list.iter()
                .map(|choice| {
                    let href = presence::sheet_page(
                        &organisation.get_value(),
                        &event.get_value(),
                        choice.index,
                    );
                    view! { <li><a href=href>{format!("Feuille d'émargement {}", choice.label)}</a></li> }
                })
                .collect_view()
        })
    };
    view! {
        <div class="field presence-session">
            <label for="seance">"Séance"</label>
            <select id="seance" on:change=move |ev| {
                if let Ok(index) = event_target_value(&ev).parse::<usize>() {
                    session.set(index);
                    let address = format!(
                        "{}?seance={index}",
                        presence::page(&organisation.get_value(), &event.get_value())
                    );
                    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                        let _ = history.replace_state_with_url(
                            &wasm_bindgen::JsValue::NULL,
                            "",
                            Some(&address),
                        );
                    }
                }
            }>
                {move || sessions.with(|list| list.iter().map(|choice| {
                    let index = choice.index;
                    view! {
                        <option value=index.to_string() selected=move || session.get() == index>{choice.label.clone()}</option>
                    }
                }).collect_view())}
            </select>
        </div>
        <Transition fallback=|| view! { <Loading text="Chargement de la liste…"/> }>
            {move || roll.get().map(|result| match result {
                Ok(roll) => view! { <RollView roll organisation event csrf/> }.into_any(),
                Err(error) => view! { <ErrorNotice message=error.message/> }.into_any(),
            })}
        </Transition>
        <ImportForm organisation event csrf session sessions on_imported=move || version.update(|v| *v += 1)/>
        <section aria-labelledby="feuilles-titre">
            <h2 id="feuilles-titre">"Feuilles d'émargement à imprimer"</h2>
            <ul class="sheet-links">{sheet_links}</ul>
        </section>
    }
}

/// One registrant of the roll, with their mark as it stands.
#[derive(Clone)]
struct Person {
    line: RollLine,
    /// Name and structure, normalised for the search.
    text: String,
    mark: RwSignal<Option<bool>>,
}

/// The roll of one session: the counts, a search, one checkbox each.
#[component]
fn RollView(
    roll: Roll,
    organisation: StoredValue<String>,
    event: StoredValue<String>,
    csrf: StoredValue<String>,
) -> impl IntoView {
    let total = u32::try_from(roll.lines.len()).unwrap_or(u32::MAX);
    let present = RwSignal::new(roll.present);
    let said = RwSignal::new(String::new());
    let query = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let error_ref = NodeRef::<leptos::html::Div>::new();
    let session = roll.session;
    let people: Vec<Person> = roll
        .lines
        .into_iter()
        .map(|line| Person {
            text: normalise(&format!(
                "{} {} {} {}",
                line.first_name, line.last_name, line.organisation, line.email
            )),
            mark: RwSignal::new(line.present),
            line,
        })
        .collect();
    let texts: Vec<String> = people.iter().map(|p| p.text.clone()).collect();
    let shown = move || {
        let terms = query.with(|q| normalise(q));
        texts
            .iter()
            .filter(|text| terms.split(' ').all(|term| text.contains(term)))
            .count()
    };
    let save =
        move |registration: i64, name: String, mark: RwSignal<Option<bool>>, checked: bool| {
            let before = mark.get_untracked();
            mark.set(Some(checked));
            let url = presence::paths::roll(&organisation.get_value(), &event.get_value(), session);
            let body = json(&Mark {
                registration,
                present: Some(checked),
            });
            let proof = csrf.get_value();
            leptos::task::spawn_local(async move {
                let result = match call(Method::PUT, &url, body, Some(&proof)).await {
                    Ok(text) => read::<Marked>(&text),
                    Err(error) => Err(error),
                };
                match result {
                    Ok(marked) => {
                        error.set(None);
                        present.set(marked.present);
                        said.set(format!(
                            "{} {}",
                            marked.message,
                            presence::count_label(marked.present, marked.total)
                        ));
                    }
                    Err(failure) => {
                        mark.set(before);
                        error.set(Some(format!(
                            "La présence de {name} n'est pas enregistrée : {}",
                            failure.message
                        )));
                        crate::focus_when_shown(error_ref);
                    }
                }
            });
        };
    let rows = people
        .into_iter()
        .map(|person| {
            let Person { line, text, mark } = person;
            let id = format!("presence-{}", line.registration);
            let state_id = format!("{id}-etat");
            let name = format!("{} {}", line.first_name, line.last_name);
            let registration = line.registration;
            let visible = move || {
                let terms = query.with(|q| normalise(q));
                terms.split(' ').all(|term| text.contains(term))
            };
            let announced = name.clone();
            view! {
                <li class="roll-line" class:roll-present=move || mark.get() == Some(true) hidden=move || !visible()>
                    <input type="checkbox" id=id.clone() aria-describedby=state_id.clone()
                        prop:checked=move || mark.get() == Some(true)
                        on:change=move |ev| save(registration, announced.clone(), mark, event_target_checked(&ev))/>
                    <label for=id>
                        <span class="roll-name">{name}</span>
                        {(!line.organisation.is_empty()).then(|| view! { <span class="roll-structure">{line.organisation.clone()}</span> })}
                    </label>
                    <span class="roll-state" id=state_id>{move || match mark.get() {
                        Some(true) => "présent·e",
                        Some(false) => "absent·e",
                        None => "non marqué·e",
                    }}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <p class="lead">{roll.title}</p>
        <p class="presence-count"><strong>{move || presence::count_label(present.get(), total)}</strong></p>
        <p class="sr-only" role="status">{move || said.get()}</p>
        <StatusNotice text=error node=error_ref/>
        <div class="field presence-search">
            <label for="recherche-presence">"Rechercher une personne"</label>
            <input type="search" id="recherche-presence" autocomplete="off"
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))/>
        </div>
        {(total == 0).then(|| view! { <p>"Personne n'est inscrit·e à cette séance pour l'instant."</p> })}
        <Show when=move || { total > 0 && shown() == 0 }>
            <p>{move || format!("Aucune personne ne correspond à « {} ».", query.get().trim())}</p>
        </Show>
        <ul class="roll">{rows}</ul>
    }
}

/// The import of a webinar's attendance report for the chosen session.
#[component]
fn ImportForm(
    organisation: StoredValue<String>,
    event: StoredValue<String>,
    csrf: StoredValue<String>,
    session: RwSignal<usize>,
    sessions: RwSignal<Vec<SessionChoice>>,
    on_imported: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    let notice = RwSignal::new(None::<String>);
    let notice_ref = NodeRef::<leptos::html::Div>::new();
    let not_found = RwSignal::new(Vec::<String>::new());
    let field_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let day = move || format!("J{}", session.get() + 1);
    let refuse = move |message: String| {
        field_error.set(Some(message.clone()));
        not_found.set(Vec::new());
        notice.set(Some(message));
        crate::focus_when_shown(notice_ref);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(element) = input.get_untracked() else {
            return;
        };
        let Some((file, size)) = chosen_file(&element) else {
            refuse("Choisissez le fichier du rapport de présence.".to_owned());
            return;
        };
        #[allow(clippy::cast_precision_loss)]
        if size > IMPORT_MAX_BYTES as f64 {
            refuse(format!(
                "Le fichier dépasse {} Mo : exportez seulement la liste des participants.",
                IMPORT_MAX_BYTES / (1024 * 1024)
            ));
            return;
        }
        let index = session.get_untracked();
        let url = presence::paths::import(&organisation.get_value(), &event.get_value(), index);
        let proof = csrf.get_value();
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = upload(url, file, proof).await;
            pending.set(false);
            match result {
                Ok(report) => {
                    field_error.set(None);
                    not_found.set(report.not_found);
                    notice.set(Some(report.message));
                    on_imported();
                }
                Err(error) => {
                    field_error.set(error.fields.get(FILE_FIELD).first().cloned());
                    not_found.set(Vec::new());
                    notice.set(Some(error.message));
                }
            }
            crate::focus_when_shown(notice_ref);
        });
    };
    let invalid = move || field_error.with(Option::is_some);
    view! {
        <section aria-labelledby="import-titre" class="presence-import">
            <h2 id="import-titre">"Importer le rapport d'un webinaire"</h2>
            <p>"Le fichier CSV tel que la plateforme le donne : Zoom (rapport « Participants »), Microsoft Teams (rapport de présence) ou Livestorm (export des participants). Les personnes inscrites à la séance dont l'adresse y figure sont marquées présentes."</p>
            <StatusNotice text=notice node=notice_ref/>
            <Show when=move || not_found.with(|list| !list.is_empty())>
                <div class="not-found">
                    <h3 id="introuvables-titre">{move || {
                        let n = not_found.with(Vec::len);
                        if n > 1 {
                            format!("{n} adresses du rapport absentes des inscrit·es")
                        } else {
                            "1 adresse du rapport absente des inscrit·es".to_owned()
                        }
                    }}</h3>
                    <ul aria-labelledby="introuvables-titre">{move || not_found.get().into_iter().map(|address| view! { <li>{address}</li> }).collect_view()}</ul>
                </div>
            </Show>
            <form novalidate on:submit=submit>
                <div class="field" class:field-invalid=invalid>
                    <label for="fichier">"Rapport de présence (fichier CSV, 5 Mo au plus)"</label>
                    <input type="file" id="fichier" name="fichier" node_ref=input accept=".csv,.txt,text/csv,text/plain"
                        aria-invalid=move || invalid().then_some("true")
                        aria-describedby=move || invalid().then_some("fichier-erreur")/>
                    {move || field_error.get().map(|message| view! { <p class="field-error" id="fichier-erreur">{message}</p> })}
                </div>
                <button type="submit" disabled=move || pending.get()>
                    {move || if sessions.with(|s| s.len() > 1) {
                        format!("Importer pour la séance {}", day())
                    } else {
                        "Importer le rapport".to_owned()
                    }}
                </button>
            </form>
        </section>
    }
}

/// `/gestion/organisations/{org}/evenements/{slug}/emargement/{session}`:
/// the sign-in sheet, laid out for paper by the stylesheet's print rules.
#[component]
pub fn SignInSheetPage() -> impl IntoView {
    let (organisation, slug) = event_params();
    let params = use_params_map();
    let session =
        Memo::new(move |_| params.with(|p| p.get("session").and_then(|s| s.parse::<usize>().ok())));
    crate::set_title("Feuille d'émargement");
    signed_in(move |_me| {
        let (org, event) = (organisation.get(), slug.get());
        let nav =
            view! { <EventNav organisation=org.clone() slug=event.clone() current="/presence"/> };
        let Some(index) = session.get() else {
            return view! {
                {nav}
                <h1>"Feuille d'émargement"</h1>
                <ErrorNotice message="Cette séance n'existe pas pour cet événement.".to_owned()/>
            }
            .into_any();
        };
        let back = format!("{}?seance={index}", presence::page(&org, &event));
        let roll = LocalResource::new(move || load(org.clone(), event.clone(), index));
        view! {
            {nav}
            <Transition fallback=|| view! { <h1>"Feuille d'émargement"</h1><Loading text="Chargement de la feuille…"/> }>
                {move || roll.get().map(|result| match result {
                    Ok(roll) => view! { <Sheet roll back=back.clone()/> }.into_any(),
                    Err(error) => view! { <h1>"Feuille d'émargement"</h1><ErrorNotice message=error.message/> }.into_any(),
                })}
            </Transition>
        }
        .into_any()
    })
}

/// The sheet: the event, the session, the place, then one row per
/// confirmed registrant by last name, with a column to sign.
#[component]
fn Sheet(roll: Roll, back: String) -> impl IntoView {
    let day = format!("J{}", roll.session + 1);
    crate::set_title(&format!("Feuille d'émargement {day} – {}", roll.title));
    let count = roll.lines.len();
    let caption = if count > 1 {
        format!("{count} inscrit·es confirmé·es, par ordre alphabétique")
    } else {
        format!("{count} inscrit·e confirmé·e")
    };
    let print = |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.print();
        }
    };
    view! {
        <div class="sheet-tools">
            <p><a href=back>"← Retour à la présence"</a></p>
            <button type="button" on:click=print>"Imprimer la feuille"</button>
        </div>
        <h1>"Feuille d'émargement"</h1>
        <dl class="sheet-facts">
            <dt>"Événement"</dt><dd>{roll.title.clone()}</dd>
            <dt>"Séance"</dt><dd>{format!("{day} – {}", roll.when)}</dd>
            <dt>"Lieu"</dt><dd>{roll.place.clone()}</dd>
        </dl>
        <table class="sheet">
            <caption>{caption}</caption>
            <thead>
                <tr>
                    <th scope="col">"Nom"</th>
                    <th scope="col">"Prénom"</th>
                    <th scope="col">"Structure"</th>
                    <th scope="col" class="signature">"Signature"</th>
                </tr>
            </thead>
            <tbody>
                {roll.lines.into_iter().map(|line| view! {
                    <tr>
                        <td>{line.last_name}</td>
                        <td>{line.first_name}</td>
                        <td>{line.organisation}</td>
                        <td class="signature"></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
