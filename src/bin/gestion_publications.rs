//! Entry point of the back-office's publications build (`gestion-publications.html`,
//! `dist/gestion/publications/`): the organisation's publications and newsletter.

fn main() {
    if let Some(placeholder) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("demarrage"))
    {
        placeholder.remove();
    }
    leptos::mount::mount_to_body(parvis::gestion::publications::App);
}
