//! Entry point of the back-office's avis build (`gestion-avis.html`,
//! `dist/gestion/avis/`): feedback questionnaires and their results.

fn main() {
    if let Some(placeholder) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("demarrage"))
    {
        placeholder.remove();
    }
    leptos::mount::mount_to_body(parvis::gestion::avis::App);
}
