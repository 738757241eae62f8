//! The site's frame as the publications catalogue draws it: skip link,
//! header with the main navigation, main content, footer with the legal
//! pages and the accessibility status. The same markup as the public
//! bundles' ([`crate::site_frame`], with the public router's links rather
//! than leptos_router's); the end-to-end test `publications.test.mjs`
//! checks that both say the same.
//!
//! A link to the public bundles' pages is a full page load (`rel="external"`,
//! which stops leptos_router from intercepting the click); the catalogue's
//! own link is routed.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::follow_in_page_link;

/// « Accessibilité : partiellement conforme », as the endpoint's settings
/// say in the page's head (RGAA: on every page).
pub fn accessibility_status() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector("meta[name=parvis-accessibilite]")
                .ok()
                .flatten()
        })
        .and_then(|meta| meta.get_attribute("content"))
        .map_or_else(
            || "Accessibilité".to_owned(),
            |status| format!("Accessibilité : {status}"),
        )
}

/// Skip link, header, `content` in the main landmark, footer, for the
/// publications bundle. Call it inside its `<Router>`.
pub fn frame(content: impl IntoView) -> impl IntoView {
    let accessibility = accessibility_status();
    view! {
        <a class="skip-link" href="#contenu"
            on:click=|ev| follow_in_page_link(ev, "contenu")>"Aller au contenu"</a>
        <header class="site-header">
            <div class="wrap">
                <a href="/" class="brand" rel="external">"Parvis"</a>
                <p class="tagline">"Agenda des centres de ressources de la politique de la ville"</p>
                <nav aria-label="Menu principal">
                    <ul>
                        <li><a href="/" rel="external">"Agenda"</a></li>
                        <li><A href="/publications">"Publications"</A></li>
                    </ul>
                </nav>
            </div>
        </header>
        <main id="contenu" tabindex="-1" class="wrap">{content}</main>
        <footer class="site-footer">
            <div class="wrap">
                <ul class="footer-links">
                    <li><a href="/retrouver-mon-inscription" rel="external">"Retrouver mon inscription"</a></li>
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
