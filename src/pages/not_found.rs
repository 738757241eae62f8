//! The page for addresses the app does not know.

use crate::route::A;
use leptos::prelude::*;

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
