//! The Parvis browser app (Leptos, client-side rendered, built by trunk).
//!
//! - [`api`]: one async function per endpoint, typed by `parvis-core`.
//! - [`form`]: the registration form's state, plain Rust, tested natively.
//! - [`pages`]: one module per page. The agenda ([`App`], `index.html`) is
//!   the bundle every first visit downloads; the event, registration and
//!   personal pages are a bin of their own ([`inscription`],
//!   `src/bin/inscription.rs`, `inscription.html`).
//! - [`components`]: prop-driven widgets.
//! - [`gestion`]: the organisers' back-office, a bin of its own
//!   (`src/bin/gestion.rs`, `gestion.html`).
//! - [`avis`]: the participants' feedback page (`/avis/{token}`), a bin of
//!   its own too (`src/bin/avis.rs`, `avis.html`); [`feedback_form`]: its
//!   questions, shared with the back-office's preview.
//! - [`publications`]: the study reports catalogue (`/publications`), a bin
//!   of its own too (`src/bin/publications.rs`, `publications.html`), in
//!   the site's frame ([`layout`]).
//!
//! The app never depends on the endpoint crate: tokio, sqlx and lettre stay
//! out of the wasm. Everything it shows in French comes from `parvis-core`
//! (labels, dates) or is written in the views.

pub mod api;
pub mod avis;
pub mod components;
pub mod feedback_form;
pub mod form;
pub mod gestion;
pub mod inscription;
pub mod layout;
pub mod lettre;
pub mod pages;
pub mod publications;
pub mod route;

use leptos::prelude::*;
use route::{A, Page};

/// Starts a build: the static header and loading line of its page
/// (`#demarrage`) make way for `app`, mounted on the body. Every bin's
/// `main`.
pub fn start<F, N>(app: F)
where
    F: FnOnce() -> N + 'static,
    N: IntoView,
{
    if let Some(placeholder) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("demarrage"))
    {
        placeholder.remove();
    }
    leptos::mount::mount_to_body(app);
}

/// Sets the document title, as every page must have its own (RGAA 8.6).
pub fn set_title(title: &str) {
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        document.set_title(&format!("{title} – Parvis"));
    }
}

/// Whether the last session of `event` is over, by this device's clock: a
/// past event no longer offers to be added to a calendar.
pub fn has_ended(event: &parvis_core::api::EventPublic) -> bool {
    event
        .sessions
        .iter()
        .map(|s| s.ends_at.timestamp_millis())
        .max()
        .is_some_and(|end| (end as f64) <= js_sys::Date::now())
}

/// Follows an in-page link (`href="#id"`) as a browser would without the
/// router, which otherwise swallows it: the target takes the focus (the
/// first control of a group of choices), so the next Tab goes on from there.
pub fn follow_in_page_link(ev: leptos::ev::MouseEvent, id: &str) {
    ev.prevent_default();
    focus_by_id(id);
}

/// Moves the focus to the element `id`, or to the first control inside it
/// when it is a group; scrolls it into view.
pub fn focus_by_id(id: &str) {
    use wasm_bindgen::JsCast;
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(target) = document.get_element_by_id(id) else {
        return;
    };
    let target = if target.tag_name() == "FIELDSET" {
        target
            .query_selector("input, select, textarea")
            .ok()
            .flatten()
            .unwrap_or(target)
    } else {
        target
    };
    if let Ok(element) = target.dyn_into::<web_sys::HtmlElement>() {
        let _ = element.focus();
    }
}

/// Moves the focus to `node` once it is rendered and in the page, and keeps
/// it there while the view holding it is redrawn.
///
/// The focus is tried at each animation frame, for about half a second, as
/// what `node` points to may be built by the same change that asked for
/// the focus. Once it is there, the message may still be rebuilt by what
/// follows that change: an action's status is set, then the page's data is
/// read again and drawn anew, status included. The browser then drops the
/// focus on the page's body, and a keyboard or screen reader user would
/// start again from the top. So, for [`KEEP_FOCUS_FRAMES`] frames, a focus
/// fallen on the body while the focused message left the page goes to the
/// message drawn in its place. Watching stops as soon as the focus is
/// anywhere else: the person has moved on.
pub fn focus_when_shown<E>(node: NodeRef<E>)
where
    E: leptos::html::ElementType,
    E::Output: wasm_bindgen::JsCast + Clone + 'static,
    NodeRef<E>: Copy,
{
    attempt(node, 30);
}

/// Frames during which a message given the focus takes it back after a
/// redraw (about ten seconds, longer than the page's data takes to come).
const KEEP_FOCUS_FRAMES: u32 = 600;

/// The element `node` points to, when it is in the page.
fn shown<E>(node: NodeRef<E>) -> Option<web_sys::HtmlElement>
where
    E: leptos::html::ElementType,
    E::Output: wasm_bindgen::JsCast + Clone + 'static,
    NodeRef<E>: Copy,
{
    use wasm_bindgen::JsCast;
    // `try_`: the page may have been left meanwhile, and its references
    // disposed with it.
    node.try_get_untracked()
        .flatten()
        .and_then(|e| e.dyn_ref::<web_sys::HtmlElement>().cloned())
        .filter(|e| e.is_connected())
}

fn active_element() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.active_element()
}

/// Focuses `element`: itself, when the focus is there now.
fn take_focus(element: web_sys::HtmlElement) -> Option<web_sys::Element> {
    let _ = element.focus();
    let element: web_sys::Element = element.into();
    (active_element().as_ref() == Some(&element)).then_some(element)
}

/// Whether the focus rests on nothing in particular: the page's body, or
/// nowhere, as after the focused element was removed.
fn focus_fell() -> bool {
    let body = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body());
    match (active_element(), body) {
        (None, _) => true,
        (Some(active), Some(body)) => {
            let body: &web_sys::Element = body.as_ref();
            active == *body
        }
        (Some(_), None) => false,
    }
}

/// Tries to focus `node`, `left` more frames at most, then keeps it.
fn attempt<E>(node: NodeRef<E>, left: u32)
where
    E: leptos::html::ElementType,
    E::Output: wasm_bindgen::JsCast + Clone + 'static,
    NodeRef<E>: Copy,
{
    request_animation_frame(move || match shown(node).and_then(take_focus) {
        Some(element) => keep(node, element, KEEP_FOCUS_FRAMES),
        None if left > 0 => attempt(node, left - 1),
        None => {}
    });
}

/// Watches the focused message `focused` for `left` more frames (see
/// [`focus_when_shown`]).
fn keep<E>(node: NodeRef<E>, focused: web_sys::Element, left: u32)
where
    E: leptos::html::ElementType,
    E::Output: wasm_bindgen::JsCast + Clone + 'static,
    NodeRef<E>: Copy,
{
    if left == 0 {
        return;
    }
    request_animation_frame(move || {
        if focused.is_connected() {
            // Still there: watching goes on while it has the focus.
            if active_element().as_ref() == Some(&focused) {
                keep(node, focused, left - 1);
            }
            return;
        }
        if !focus_fell() {
            return;
        }
        // Redrawn: its successor, once drawn, takes the focus back.
        match shown(node) {
            Some(element) => {
                if let Some(element) = take_focus(element) {
                    keep(node, element, left - 1);
                }
            }
            None => keep(node, focused, left - 1),
        }
    });
}

/// This tab's storage (`sessionStorage`): what the confirmation page shows
/// survives a reload, and is gone once the tab is closed.
pub mod saved {
    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.session_storage().ok()?
    }

    /// Reads a saved value.
    pub fn get(key: &str) -> Option<String> {
        storage()?.get_item(key).ok()?
    }

    /// Saves a value; a browser refusing storage only loses the reload.
    pub fn set(key: &str, value: &str) {
        if let Some(storage) = storage() {
            let _ = storage.set_item(key, value);
        }
    }

    /// The key of the answer to the last registration to an event.
    pub fn registration_key(slug: &str) -> String {
        format!("parvis:inscription:{slug}")
    }

    /// The key of the structure fields of the last registration, for
    /// « Inscrire un·e collègue ».
    pub const STRUCTURE: &str = "parvis:structure";
}

/// The agenda bundle, every first visit's download: the site's frame
/// around the agenda, or the page for an unknown address. The event,
/// registration and personal pages are [`inscription`]'s, loaded by their
/// links.
#[component]
pub fn App() -> impl IntoView {
    let page = route::provide(route::agenda_pages);
    site_frame(move || match page.get() {
        Page::Agenda => view! { <pages::agenda::Agenda/> }.into_any(),
        _ => view! { <pages::not_found::NotFound/> }.into_any(),
    })
}

/// The public bundles' frame: skip link, header, `content` in the main
/// landmark, footer. The publications bundle draws the same markup with
/// `leptos_router`'s links ([`layout::frame`]).
pub fn site_frame(content: impl IntoView) -> impl IntoView {
    let accessibility = layout::accessibility_status();
    view! {
            <a class="skip-link" href="#contenu"
                on:click=|ev| follow_in_page_link(ev, "contenu")>"Aller au contenu"</a>
            <header class="site-header">
                <div class="wrap">
                    <A href="/" class="brand">"Parvis"</A>
                    <p class="tagline">"Agenda des centres de ressources de la politique de la ville"</p>
                    <nav aria-label="Menu principal">
                        <ul>
                            <li><A href="/">"Agenda"</A></li>
                            // Another bundle: a full page load.
                            <li><a href="/publications" rel="external">"Publications"</a></li>
                        </ul>
                    </nav>
                </div>
            </header>
            <main id="contenu" tabindex="-1" class="wrap">{content}</main>
            <footer class="site-footer">
                <div class="wrap">
                    <ul class="footer-links">
                        <li><A href="/retrouver-mon-inscription">"Retrouver mon inscription"</A></li>
                        // Served as plain documents by the endpoint: a full page load.
                        <li><a href="/mentions-legales" rel="external">"Mentions légales"</a></li>
                        <li><a href="/donnees-personnelles" rel="external">"Données personnelles"</a></li>
                        <li><a href="/accessibilite" rel="external">{accessibility}</a></li>
                    </ul>
                    <p>"Parvis, logiciel libre pour les centres de ressources et réseaux de la politique de la ville."</p>
                </div>
            </footer>
    }
}
