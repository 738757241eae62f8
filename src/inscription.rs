//! The registration bundle (`src/bin/inscription.rs`, `inscription.html`,
//! built into `dist/inscription/`): an event's page and its registration
//! form, the confirmation, the personal page and finding one's
//! registration, in the site's frame. The agenda's first visit never
//! downloads it; its links to these pages load it.

use leptos::prelude::*;

use crate::pages;
use crate::route::{self, Page};

/// The event, registration and personal pages.
#[component]
pub fn App() -> impl IntoView {
    let page = route::provide(route::registration_pages);
    crate::site_frame(move || match page.get() {
        Page::Event => view! { <pages::event::EventPage/> }.into_any(),
        Page::Confirmation => view! { <pages::confirmation::Confirmation/> }.into_any(),
        Page::Manage => view! { <pages::manage::ManageRegistration/> }.into_any(),
        Page::Lookup => view! { <pages::lookup::FindRegistration/> }.into_any(),
        Page::Agenda | Page::NotFound => view! { <pages::not_found::NotFound/> }.into_any(),
    })
}
