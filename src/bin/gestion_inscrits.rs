//! Entry point of the back-office's inscrits build (`gestion-inscrits.html`,
//! `dist/gestion/inscrits/`): an event's registrants, attendance, sign-in sheets and invitations.

fn main() {
    if let Some(placeholder) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("demarrage"))
    {
        placeholder.remove();
    }
    leptos::mount::mount_to_body(parvis::gestion::inscrits::App);
}
