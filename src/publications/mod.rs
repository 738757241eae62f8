//! The study reports library, public side: the catalogue (`/publications`)
//! and each publication's page (`/publications/{slug}`). A bundle of its own
//! (`src/bin/publications.rs`, `publications.html`, built into
//! `dist/publications/`), so the agenda's first visit never downloads it.
//!
//! - It draws the same frame as the agenda app ([`crate::layout::frame`]):
//!   links to the agenda's pages (and the event pages linked from a
//!   publication) are full page loads.
//! - [`catalogue`]: search and filters live in the address
//!   (`?q=…&type=…&theme=…&annee=…&organisation=…&page=…`), read by
//!   `GET /api/publications` ([`Catalogue`]).
//! - [`page`]: `GET /api/publications/{slug}` ([`PublicationView`]); its
//!   files are downloaded from `/api/publications/{slug}/fichiers/{id}`, a
//!   reserved one only through a registrant's signed link, which this page
//!   explains instead.

pub mod catalogue;
pub mod page;

use std::cell::Cell;

use gloo_net::http::Method;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use parvis_core::api::ApiError;
use parvis_core::publications::{Catalogue, CatalogueQuery, PublicationView, paths};

use crate::api::{call, read};
use crate::layout::frame;

/// `GET /api/publications?…`: one page of the catalogue.
pub async fn catalogue(query: &CatalogueQuery) -> Result<Catalogue, ApiError> {
    let url = format!("{}{}", paths::CATALOGUE, query.to_query_string());
    read(&call(Method::GET, &url, None, None).await?)
}

/// `GET /api/publications/{slug}`.
pub async fn publication(slug: &str) -> Result<PublicationView, ApiError> {
    let url = paths::publication(&parvis_core::api::paths::encode(slug));
    read(&call(Method::GET, &url, None, None).await?)
}

thread_local! {
    static SHOWN: Cell<bool> = const { Cell::new(false) };
}

/// Whether a page of this bundle was shown before this one: a page reached
/// through the app's own links moves the focus to its heading, a page
/// opened directly leaves it at the top of the document.
pub fn reached_in_app() -> bool {
    SHOWN.with(|shown| shown.replace(true))
}

/// The catalogue's address for `query` (`/publications?q=…`).
pub fn catalogue_url(query: &CatalogueQuery) -> String {
    format!("/publications{}", query.to_query_string())
}

/// The publications app: the site's frame around its two pages.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            {frame(view! {
                <Routes fallback=page::NotFound>
                    <Route path=path!("/publications") view=catalogue::CataloguePage/>
                    <Route path=path!("/publications/:slug") view=page::PublicationPage/>
                </Routes>
            })}
        </Router>
    }
}
