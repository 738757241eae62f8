//! Loading and error states, visible and announced to screen readers.

use leptos::prelude::*;

/// Shown while data loads.
#[component]
pub fn Loading(
    /// What is loading, e.g. « Chargement de l'agenda… ».
    text: &'static str,
) -> impl IntoView {
    view! { <p class="loading" role="status">{text}</p> }
}

/// Shown when data could not be loaded.
#[component]
pub fn ErrorNotice(
    /// The French message.
    message: String,
) -> impl IntoView {
    view! {
        <div class="notice notice-error" role="alert">
            <p>{message}</p>
        </div>
    }
}
