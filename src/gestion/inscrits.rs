//! An event's registrants in the back-office.

use leptos::prelude::*;

use super::evenement::{EventNav, event_params, signed_in};

/// `/gestion/organisations/{org}/evenements/{slug}/inscrits`.
#[component]
pub fn RegistrantsPage() -> impl IntoView {
    let (organisation, slug) = event_params();
    crate::set_title("Inscrit·es");
    signed_in(move |_me| view! {
        <EventNav organisation=organisation.get() slug=slug.get() current="/inscrits"/>
        <h1>"Inscrit·es"</h1>
    })
}
