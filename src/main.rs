//! Entry point of the agenda bundle, every first visit's download: removes
//! the loading placeholder of `index.html` and mounts [`parvis::App`].
//!
//! No panic hook: the release build aborts on panic (see `wasm-release` in
//! Cargo.toml), and the browser console shows the trap with its wasm stack.
//! A hook that formats the message would cost 1 KB on every first visit.

fn main() {
    // The static header and loading line of index.html make way for the app.
    if let Some(placeholder) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("demarrage"))
    {
        placeholder.remove();
    }
    leptos::mount::mount_to_body(parvis::App);
}
