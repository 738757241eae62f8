//! Entry point of the browser app: installs the panic hook, removes the
//! loading placeholder of `index.html` and mounts [`parvis::App`].

fn main() {
    console_error_panic_hook::set_once();
    // The static header and loading line of index.html make way for the app.
    if let Some(placeholder) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("demarrage"))
    {
        placeholder.remove();
    }
    leptos::mount::mount_to_body(parvis::App);
}
