//! The public app's router: its pages, the address as a signal, links
//! followed in the page, back and forward steps.
//!
//! The public pages are two builds (see [`crate::App`] and
//! [`crate::inscription`]): the agenda, which every first visit downloads,
//! and the event, registration and personal pages. Each bundle follows the
//! links to its own pages in the page; a link to the other bundle's is a
//! page load, as a link to another site.
//!
//! It does for this app what `leptos_router` did, in a few functions: the
//! router's matching, nested routes and their generic views were about a
//! tenth of the public wasm (the back-office and the catalogue keep
//! `leptos_router`). Like it, a click on any same-origin link (`<a>`
//! without `target`, `download` or `rel="external"`, and no modifier key)
//! pushes the address and shows its page without a page load, scrolled to
//! the top or to the link's `#fragment`; a step back or forward shows the
//! page of the address; [`A`] marks the link to the current page with
//! `aria-current="page"`.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// A page of the app, as its address names it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Page {
    /// `/`
    Agenda,
    /// `/evenements/{slug}`
    Event,
    /// `/evenements/{slug}/confirmation`
    Confirmation,
    /// `/inscription/{token}`
    Manage,
    /// `/retrouver-mon-inscription`
    Lookup,
    /// Any other address.
    NotFound,
}

/// The agenda bundle's pages ([`crate::App`]): the agenda. (It also shows
/// « Page introuvable », the endpoint's answer to an unknown address.)
pub fn agenda_pages(page: Page) -> bool {
    page == Page::Agenda
}

/// The registration bundle's pages ([`crate::inscription::App`]): an
/// event, its confirmation, a personal page, finding one's registration.
pub fn registration_pages(page: Page) -> bool {
    matches!(
        page,
        Page::Event | Page::Confirmation | Page::Manage | Page::Lookup
    )
}

/// The page of a path, and its one parameter (empty if it has none).
pub fn page_of(path: &str) -> (Page, &str) {
    let path = path.strip_suffix('/').unwrap_or(path);
    let mut segments = path.split('/').skip(1);
    match (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) {
        (None, ..) => (Page::Agenda, ""),
        (Some("evenements"), Some(slug), None, _) if !slug.is_empty() => (Page::Event, slug),
        (Some("evenements"), Some(slug), Some("confirmation"), None) if !slug.is_empty() => {
            (Page::Confirmation, slug)
        }
        (Some("inscription"), Some(token), None, _) if !token.is_empty() => (Page::Manage, token),
        (Some("retrouver-mon-inscription"), None, ..) => (Page::Lookup, ""),
        _ => (Page::NotFound, ""),
    }
}

/// The address the app shows: path and query (`?…` or empty).
#[derive(Clone, Copy)]
struct Location {
    address: RwSignal<(String, String)>,
    path: Memo<String>,
    search: Memo<String>,
    /// Whether a page is one of this bundle's.
    own: fn(Page) -> bool,
}

thread_local! {
    /// The app's address, once [`provide`]d: a global rather than a
    /// context, as links and steps are followed from event listeners,
    /// outside any reactive owner. Without it (a component's test), the
    /// browser's address is read as it is.
    static LOCATION: std::cell::Cell<Option<Location>> = const { std::cell::Cell::new(None) };
}

fn browser_address() -> (String, String) {
    let location = window().location();
    (
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default(),
    )
}

/// Starts following the address: called once, by the app, before its
/// pages; `own` says which pages the bundle shows, the others are loaded
/// from the endpoint. Returns the current page, which changes only when
/// the page does (not with the query or the parameter).
pub fn provide(own: fn(Page) -> bool) -> Memo<Page> {
    let address = RwSignal::new(browser_address());
    let path = Memo::new(move |_| address.with(|(path, _)| path.clone()));
    let search = Memo::new(move |_| address.with(|(_, search)| search.clone()));
    LOCATION.set(Some(Location {
        address,
        path,
        search,
        own,
    }));
    let clicks = window_event_listener(leptos::ev::click, follow_link);
    let steps = window_event_listener(leptos::ev::popstate, move |_| {
        address.set(browser_address())
    });
    on_cleanup(move || {
        clicks.remove();
        steps.remove();
    });
    Memo::new(move |_| path.with(|path| page_of(path).0))
}

/// The current path, tracked.
fn path() -> String {
    match LOCATION.get() {
        Some(location) => location.path.get(),
        None => browser_address().0,
    }
}

/// The parameter of `page` in the address (the event's slug, the
/// registration's token), tracked. While another page is shown (the
/// moment before this one goes), it keeps its last value.
pub fn param(page: Page) -> Memo<String> {
    Memo::new(move |last: Option<&String>| {
        let path = path();
        match page_of(&path) {
            (shown, value) if shown == page => value.to_owned(),
            _ => last.cloned().unwrap_or_default(),
        }
    })
}

/// One parameter of the address's query, decoded as a browser decodes it
/// (`+` is a space), tracked.
pub fn query(name: &str) -> Option<String> {
    let search = match LOCATION.get() {
        Some(location) => location.search.get(),
        None => browser_address().1,
    };
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

/// Shows the page of `href` (a path on this site, with its query and
/// fragment if any): a new history entry, then the top of the page or the
/// fragment's element; the other bundle's page is loaded.
pub fn navigate(href: &str) {
    let origin = window().location().origin().unwrap_or_default();
    if let Ok(url) = web_sys::Url::new_with_base(href, &origin) {
        if is_own(&url) {
            go(url);
        } else {
            let _ = window().location().assign(&url.href());
        }
    }
}

/// Whether the page at `url` is one of this bundle's. An address no page
/// has (the catalogue, the back-office, a document of the endpoint, a
/// mistyped one) is loaded: the endpoint knows what it is.
fn is_own(url: &web_sys::Url) -> bool {
    LOCATION
        .get()
        .is_some_and(|location| (location.own)(page_of(&url.pathname()).0))
}

fn go(url: web_sys::Url) {
    let (path, search, hash) = (url.pathname(), url.search(), url.hash());
    let address = format!("{path}{search}{hash}");
    if let Ok(history) = window().history() {
        let location = window().location();
        let shown = format!(
            "{}{}{}",
            location.pathname().unwrap_or_default(),
            location.search().unwrap_or_default(),
            location.hash().unwrap_or_default()
        );
        if shown != address {
            let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&address));
        }
    }
    match LOCATION.get() {
        Some(location) => location.address.set((path, search)),
        None => return,
    }
    // Once the new page is drawn: its fragment's element, or the top.
    request_animation_frame(move || {
        let target = hash
            .strip_prefix('#')
            .filter(|id| !id.is_empty())
            .and_then(|id| js_sys::decode_uri(id).ok()?.as_string())
            .and_then(|id| document().get_element_by_id(&id));
        match target {
            Some(element) => element.scroll_into_view(),
            None => window().scroll_to_with_x_and_y(0.0, 0.0),
        }
    });
}

/// A click on a link to one of this bundle's pages shows it without
/// loading the document again; the browser keeps the others (another
/// site, a new tab, a download, the other bundle's pages, `rel="external"`:
/// another build or a document the endpoint serves).
fn follow_link(ev: leptos::ev::MouseEvent) {
    let Some(url) = plain_link_click(&ev) else {
        return;
    };
    if !is_own(&url) {
        return;
    }
    ev.prevent_default();
    go(url);
}

/// The address of a same-origin link `ev` clicked plainly, that a router
/// may show in the page: the main button without a modifier key, on an
/// `<a>` without `target`, `download` or `rel="external"`. `None` for any
/// other click, which the browser keeps (a new tab, a download, another
/// site, another build or a document the endpoint serves).
pub fn plain_link_click(ev: &web_sys::MouseEvent) -> Option<web_sys::Url> {
    if ev.default_prevented()
        || ev.button() != 0
        || ev.meta_key()
        || ev.alt_key()
        || ev.ctrl_key()
        || ev.shift_key()
    {
        return None;
    }
    let link = ev
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .and_then(|element| element.closest("a").ok().flatten())
        .and_then(|element| element.dyn_into::<web_sys::HtmlAnchorElement>().ok())?;
    let href = link.href();
    if href.is_empty()
        || !link.target().is_empty()
        || link.has_attribute("download")
        || link
            .get_attribute("rel")
            .is_some_and(|rel| rel.split([' ', '\t']).any(|word| word == "external"))
    {
        return None;
    }
    let url = web_sys::Url::new(&href).ok()?;
    (url.origin() == window().location().origin().unwrap_or_default()).then_some(url)
}

/// Whether a link to `href` leads to the page at `path` (or one below
/// it), as `leptos_router`'s links decided: `/` only for `/` itself.
fn is_active(href: &str, path: &str) -> bool {
    let mut href = href.split('/');
    std::iter::zip(path.split('/'), href.by_ref())
        .enumerate()
        .all(|(i, (here, there))| here == there || there.is_empty() && i > 1)
        && matches!(href.next(), None | Some(""))
}

/// A link inside the app, `aria-current="page"` when it leads to the page
/// shown.
#[component]
pub fn A(
    #[prop(into)] href: String,
    #[prop(optional)] class: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let target = href.clone();
    let current = move || is_active(&target, &path()).then_some("page");
    view! { <a href=href class=class aria-current=current>{children()}</a> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_name_their_page() {
        assert_eq!(page_of("/"), (Page::Agenda, ""));
        assert_eq!(page_of(""), (Page::Agenda, ""));
        assert_eq!(page_of("/evenements/a-b"), (Page::Event, "a-b"));
        assert_eq!(page_of("/evenements/a-b/"), (Page::Event, "a-b"));
        assert_eq!(
            page_of("/evenements/a-b/confirmation"),
            (Page::Confirmation, "a-b")
        );
        assert_eq!(page_of("/inscription/abc"), (Page::Manage, "abc"));
        assert_eq!(page_of("/retrouver-mon-inscription"), (Page::Lookup, ""));
        for other in [
            "/evenements",
            "/evenements/",
            "/evenements/a/b",
            "/evenements/a/confirmation/x",
            "/inscription/a/b",
            "/inconnue",
        ] {
            assert_eq!(page_of(other), (Page::NotFound, ""), "{other}");
        }
    }

    #[test]
    fn links_are_current_as_before() {
        assert!(is_active("/", "/"));
        assert!(!is_active("/", "/evenements/a"));
        assert!(is_active(
            "/retrouver-mon-inscription",
            "/retrouver-mon-inscription"
        ));
        assert!(is_active("/evenements/a", "/evenements/a"));
        assert!(is_active("/evenements/a", "/evenements/a/confirmation"));
        assert!(!is_active("/evenements/a?collegue=1", "/evenements/a"));
        assert!(!is_active("/evenements/a/confirmation", "/evenements/a"));
    }
}
