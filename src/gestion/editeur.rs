//! The event editor.

use leptos::prelude::*;

use super::evenement::{EventNav, event_params, signed_in};

/// `/gestion/organisations/{org}/evenements/nouveau`.
#[component]
pub fn NewEventPage() -> impl IntoView {
    let (_organisation, _slug) = event_params();
    crate::set_title("Nouvel événement");
    signed_in(move |_me| view! { <h1>"Nouvel événement"</h1> })
}

/// `/gestion/organisations/{org}/evenements/{slug}/modifier`.
#[component]
pub fn EditEventPage() -> impl IntoView {
    let (organisation, slug) = event_params();
    crate::set_title("Modifier l'événement");
    signed_in(move |_me| view! {
        <EventNav organisation=organisation.get() slug=slug.get() current="/modifier"/>
        <h1>"Modifier l'événement"</h1>
    })
}
