//! Entry point of the participants' feedback page (`/avis/{token}`), a
//! trunk build of its own (`avis.html`): the public app's first visit never
//! downloads it.

fn main() {
    if let Some(placeholder) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("demarrage"))
    {
        placeholder.remove();
    }
    leptos::mount::mount_to_body(parvis::avis::App);
}
