//! One event in the back-office: its own page, with the way to each of its
//! tools (edit, registrants, attendance).

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use parvis_core::gestion::Me;

use crate::api::{call, read};
use crate::components::{ErrorNotice, Loading, StatusNotice};
use gloo_net::http::Method;
use parvis_core::api::ApiError;
use parvis_core::editor::paths;
use parvis_core::editor::{EditorView, EventStatus, Saved};
use parvis_core::gestion::{Accepted, paths as gestion_paths};

/// The back-office address of an event's page.
pub fn href(organisation: &str, slug: &str) -> String {
    format!("/gestion/organisations/{organisation}/evenements/{slug}")
}

/// The organisation and event named in the address.
pub fn event_params() -> (Memo<String>, Memo<String>) {
    let params = use_params_map();
    (
        Memo::new(move |_| params.with(|p| p.get("org").unwrap_or_default())),
        Memo::new(move |_| params.with(|p| p.get("slug").unwrap_or_default())),
    )
}

/// Renders `page` with the signed-in organiser, or sends them to sign in.
pub fn signed_in<V: IntoView + 'static>(
    page: impl Fn(Me) -> V + Send + Sync + 'static,
) -> impl IntoView {
    let account = LocalResource::new(|| async {
        read::<Me>(&call(Method::GET, gestion_paths::ME, None, None).await?)
    });
    view! {
        <Transition fallback=|| view! { <Loading text="Chargement…"/> }>
            {move || account.get().map(|result: Result<Me, ApiError>| match result {
                Ok(me) => page(me).into_any(),
                Err(error) if error.code == "unauthorized" => view! {
                    <h1>"Connexion nécessaire"</h1>
                    <p><a href="/gestion/">"Se connecter à l'espace de gestion"</a></p>
                }.into_any(),
                Err(error) => view! { <h1>"Espace de gestion"</h1><ErrorNotice message=error.message/> }.into_any(),
            })}
        </Transition>
    }
}

/// The tabs of an event's pages; `current` is the one shown.
#[component]
pub fn EventNav(organisation: String, slug: String, current: &'static str) -> impl IntoView {
    let base = href(&organisation, &slug);
    let tabs = [
        ("", "Vue d'ensemble"),
        ("/modifier", "Modifier"),
        ("/inscrits", "Inscrit·es"),
        ("/presence", "Présence"),
        ("/invitations", "Invitations"),
        ("/avis", "Avis"),
    ];
    view! {
        <nav aria-label="Pages de l'événement" class="event-nav">
            <p><a href="/gestion/">"← Espace de gestion"</a></p>
            <ul>
                {tabs.into_iter().map(|(suffix, label)| {
                    let here = suffix == current;
                    view! {
                        <li><a href=format!("{base}{suffix}") aria-current=here.then_some("page")>{label}</a></li>
                    }
                }).collect_view()}
            </ul>
        </nav>
    }
}

/// `/gestion/organisations/{org}/evenements/{slug}`: where the event
/// stands, and what may be done with it (publish or unpublish, duplicate,
/// cancel, delete), each asked twice when it cannot be undone.
#[component]
pub fn EventPage() -> impl IntoView {
    let (organisation, slug) = event_params();
    crate::set_title("Événement");
    signed_in(move |me| {
        let csrf = StoredValue::new(me.csrf_token.clone());
        let version = RwSignal::new(0u32);
        let overview = crate::api::Loaded::<EditorView>::new(move || {
            version.track();
            paths::edition(&organisation.get(), &slug.get())
        });
        let status = RwSignal::new(None::<String>);
        let status_ref = NodeRef::<leptos::html::Div>::new();
        let asking = RwSignal::new(None::<&'static str>);
        // The editor is another build: a page load.
        let navigate = super::navigator();
        let act = Action::new_local(move |what: &&'static str| {
            let (org, event) = (organisation.get_untracked(), slug.get_untracked());
            let proof = csrf.get_value();
            let what = *what;
            async move {
                let (method, url) = match what {
                    "publier" => (Method::POST, paths::publish(&org, &event)),
                    "depublier" => (Method::POST, paths::unpublish(&org, &event)),
                    "dupliquer" => (Method::POST, paths::duplicate(&org, &event)),
                    "annuler" => (Method::POST, paths::cancel(&org, &event)),
                    _ => (Method::DELETE, paths::event(&org, &event)),
                };
                let body = (method == Method::POST).then(|| "{}".to_owned());
                (what, call(method, &url, body, Some(&proof)).await)
            }
        });
        Effect::new(move |_| {
            let Some((what, result)) = act.value().get() else {
                return;
            };
            asking.set(None);
            match (what, result) {
                ("dupliquer", Ok(text)) => {
                    if let Ok(saved) = read::<Saved>(&text) {
                        navigate(&format!(
                            "{}/modifier?cree=1",
                            href(&organisation.get_untracked(), &saved.slug)
                        ));
                    }
                }
                ("supprimer", Ok(_)) => navigate("/gestion/"),
                (_, Ok(text)) => {
                    status.set(read::<Accepted>(&text).ok().map(|a| a.message));
                    version.update(|v| *v += 1);
                    crate::focus_when_shown(status_ref);
                }
                (_, Err(error)) => {
                    status.set(Some(error.message));
                    crate::focus_when_shown(status_ref);
                }
            }
        });
        let confirm_ref = NodeRef::<leptos::html::Div>::new();
        let ask = move |what: &'static str| {
            asking.set(Some(what));
            crate::focus_when_shown(confirm_ref);
        };
        view! {
            <EventNav organisation=organisation.get() slug=slug.get() current=""/>
            <Transition fallback=|| view! { <Loading text="Chargement de l'événement…"/> }>
                {move || overview.get().map(|result: Result<EditorView, ApiError>| match result {
                    Ok(view) => {
                        let title = view.draft.title.clone();
                        crate::set_title(&title);
                        let public = view.status != EventStatus::Draft;
                        let cancelled = view.status == EventStatus::Cancelled;
                        let registered = view.active_registrations;
                        view! {
                            <h1>{title}</h1>
                            <dl class="facts">
                                <dt>"Statut"</dt><dd>{view.status.label()}</dd>
                                <dt>"Inscriptions en cours"</dt><dd>{registered}</dd>
                            </dl>
                            {public.then(|| view! {
                                <p><a href=format!("/evenements/{}", slug.get()) rel="external">"Voir la page publique"</a></p>
                            })}
                            <StatusNotice text=status node=status_ref/>
                            <div class="actions">
                                {(!cancelled).then(|| if public {
                                    view! { <button type="button" class="secondary" on:click=move |_| { act.dispatch("depublier"); }>"Retirer de l'agenda public"</button> }.into_any()
                                } else {
                                    view! { <button type="button" on:click=move |_| { act.dispatch("publier"); }>"Publier sur l'agenda"</button> }.into_any()
                                })}
                                <button type="button" class="secondary" on:click=move |_| { act.dispatch("dupliquer"); }>"Dupliquer (nouvelle date)"</button>
                                {(!cancelled).then(|| view! {
                                    <button type="button" id="action-annuler" class="secondary danger" on:click=move |_| ask("annuler")>"Annuler l'événement…"</button>
                                })}
                                {view.deletable.then(|| view! {
                                    <button type="button" id="action-supprimer" class="secondary danger" on:click=move |_| ask("supprimer")>"Supprimer l'événement…"</button>
                                })}
                            </div>
                            {move || asking.get().map(|what| {
                                let question = if what == "annuler" {
                                    format!("Annuler l'événement ? Les {registered} personne(s) inscrite(s) seront prévenues par e-mail et l'événement retiré de leur agenda. Cette action ne peut pas être défaite.")
                                } else {
                                    "Supprimer l'événement ? Personne n'y est inscrit ; il disparaît de l'espace de gestion. Cette action ne peut pas être défaite.".to_owned()
                                };
                                let yes = if what == "annuler" { "Oui, annuler et prévenir les inscrit·es" } else { "Oui, supprimer" };
                                view! {
                                    <div class="notice notice-error confirm" role="group" aria-label="Confirmation" tabindex="-1" node_ref=confirm_ref>
                                        <p>{question}</p>
                                        <div class="actions">
                                            <button type="button" class="danger" on:click=move |_| { act.dispatch(what); }>{yes}</button>
                                            <button type="button" class="secondary" on:click=move |_| {
                                                asking.set(None);
                                                crate::focus_by_id(&format!("action-{what}"));
                                            }>"Non, revenir"</button>
                                        </div>
                                    </div>
                                }
                            })}
                        }.into_any()
                    }
                    Err(error) => view! { <h1>"Événement"</h1><ErrorNotice message=error.message/> }.into_any(),
                })}
            </Transition>
        }
    })
}
