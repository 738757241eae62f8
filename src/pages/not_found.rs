//! The page for addresses the app does not know.

use leptos::prelude::*;
use leptos_router::components::A;

/// « Page introuvable », with a way back.
#[component]
pub fn NotFound() -> impl IntoView {
    crate::set_title("Page introuvable");
    view! {
        <h1>"Page introuvable"</h1>
        <p>"L'adresse demandée ne correspond à aucune page de Parvis."</p>
        <p><A href="/">"Revenir à l'agenda"</A></p>
    }
}
