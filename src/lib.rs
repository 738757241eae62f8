//! The Parvis browser app (Leptos, client-side rendered, built by trunk).
//!
//! - [`api`]: one async function per endpoint, typed by `parvis-core`.
//! - [`form`]: the registration form's state, plain Rust, tested natively.
//! - [`pages`]: one module per page.
//! - [`components`]: prop-driven widgets.
//!
//! The app never depends on the endpoint crate: tokio, sqlx and lettre stay
//! out of the wasm. Everything it shows in French comes from `parvis-core`
//! (labels, dates) or is written in the views.

pub mod api;
pub mod components;
pub mod form;
pub mod pages;

use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

/// Sets the document title, as every page must have its own (RGAA 8.6).
pub fn set_title(title: &str) {
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        document.set_title(&format!("{title} – Parvis"));
    }
}

/// The message of the last accepted registration, shown by the
/// confirmation page.
#[derive(Clone, Copy)]
pub struct LastConfirmation(pub RwSignal<Option<String>>);

/// The whole app: skip link, header, routed main content, footer.
#[component]
pub fn App() -> impl IntoView {
    provide_context(LastConfirmation(RwSignal::new(None)));
    view! {
        <Router>
            <a class="skip-link" href="#contenu">"Aller au contenu"</a>
            <header class="site-header">
                <div class="wrap">
                    <A href="/" attr:class="brand">"Parvis"</A>
                    <p class="tagline">"Agenda des centres de ressources de la politique de la ville"</p>
                    <nav aria-label="Menu principal">
                        <ul>
                            <li><A href="/">"Agenda"</A></li>
                        </ul>
                    </nav>
                </div>
            </header>
            <main id="contenu" tabindex="-1" class="wrap">
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::agenda::Agenda/>
                    <Route path=path!("/evenements/:slug") view=pages::event::EventPage/>
                    <Route path=path!("/evenements/:slug/confirmation") view=pages::confirmation::Confirmation/>
                    <Route path=path!("/inscription/:token") view=pages::manage::ManageRegistration/>
                </Routes>
            </main>
            <footer class="site-footer">
                <div class="wrap">
                    <p>"Parvis, logiciel libre pour les centres de ressources et réseaux de la politique de la ville."</p>
                </div>
            </footer>
        </Router>
    }
}
