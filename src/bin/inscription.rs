//! Entry point of the event, registration and personal pages, a trunk
//! build of its own (`inscription.html`, `dist/inscription/`): the agenda's
//! first visit never downloads it.

fn main() {
    if let Some(placeholder) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("demarrage"))
    {
        placeholder.remove();
    }
    leptos::mount::mount_to_body(parvis::inscription::App);
}
