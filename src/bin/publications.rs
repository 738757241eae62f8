//! Entry point of the study reports catalogue (`/publications`, and each
//! publication's page), a trunk build of its own (`publications.html`): the
//! agenda's first visit never downloads it.

fn main() {
    parvis::start(parvis::publications::App);
}
