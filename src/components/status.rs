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

/// The message saying what an action did: shown while `text` holds one,
/// and the element `node` names, so the caller can move the focus to it
/// ([`crate::focus_when_shown`]).
#[component]
pub fn StatusNotice(
    /// The French message, if any.
    text: RwSignal<Option<String>>,
    /// The message's element, for the focus.
    node: NodeRef<leptos::html::Div>,
) -> impl IntoView {
    move || {
        text.get().map(|text| {
            view! { <div class="notice" role="status" tabindex="-1" node_ref=node><p>{text}</p></div> }
        })
    }
}
