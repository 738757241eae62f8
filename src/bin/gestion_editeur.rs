//! Entry point of the back-office's editeur build (`gestion-editeur.html`,
//! `dist/gestion/editeur/`): creating and editing an event.

fn main() {
    if let Some(placeholder) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("demarrage"))
    {
        placeholder.remove();
    }
    leptos::mount::mount_to_body(parvis::gestion::editeur::App);
}
