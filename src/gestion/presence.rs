//! Attendance of an event's sessions in the back-office.

use leptos::prelude::*;

use super::evenement::{EventNav, event_params, signed_in};

/// `/gestion/organisations/{org}/evenements/{slug}/presence`.
#[component]
pub fn AttendancePage() -> impl IntoView {
    let (organisation, slug) = event_params();
    crate::set_title("Présence");
    signed_in(move |_me| view! {
        <EventNav organisation=organisation.get() slug=slug.get() current="/presence"/>
        <h1>"Présence"</h1>
    })
}

/// `/gestion/organisations/{org}/evenements/{slug}/emargement/{session}`.
#[component]
pub fn SignInSheetPage() -> impl IntoView {
    crate::set_title("Feuille d'émargement");
    signed_in(move |_me| view! { <h1>"Feuille d'émargement"</h1> })
}
