//! Entry point of the back-office (`/gestion/`), a trunk build of its own
//! (`gestion.html`): the public app's first visit never downloads it.

fn main() {
    parvis::start(parvis::gestion::App);
}
