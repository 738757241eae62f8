//! Entry point of the event, registration and personal pages, a trunk
//! build of its own (`inscription.html`, `dist/inscription/`): the agenda's
//! first visit never downloads it.

fn main() {
    parvis::start(parvis::inscription::App);
}
