//! One event in the back-office: its own page, with the way to each of its
//! tools (edit, registrants, attendance).

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use parvis_core::gestion::Me;

use crate::api::{call, read};
use crate::components::{ErrorNotice, Loading};
use gloo_net::http::Method;
use parvis_core::api::ApiError;
use parvis_core::gestion::paths;

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
        read::<Me>(&call(Method::GET, paths::ME, None, None).await?)
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

/// `/gestion/organisations/{org}/evenements/{slug}`.
#[component]
pub fn EventPage() -> impl IntoView {
    let (organisation, slug) = event_params();
    crate::set_title("Événement");
    signed_in(move |_me| {
        view! {
            <EventNav organisation=organisation.get() slug=slug.get() current=""/>
            <h1>{slug.get()}</h1>
            <p><a href=format!("/evenements/{}", slug.get()) rel="external">"Voir la page publique"</a></p>
        }
    })
}
