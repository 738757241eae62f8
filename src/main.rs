//! Entry point of the browser app: installs the panic hook and mounts [`parvis::App`].

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(parvis::App);
}
