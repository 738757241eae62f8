//! Entry point of the agenda bundle, every first visit's download: removes
//! the loading placeholder of `index.html` and mounts [`parvis::App`].
//!
//! No panic hook: the release build aborts on panic (see `wasm-release` in
//! Cargo.toml), and the browser console shows the trap with its wasm stack.
//! A hook that formats the message would cost 1 KB on every first visit.

fn main() {
    parvis::start(parvis::App);
}
