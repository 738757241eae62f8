//! Entry point of the participants' feedback page (`/avis/{token}`), a
//! trunk build of its own (`avis.html`): the public app's first visit never
//! downloads it.

fn main() {
    parvis::start(parvis::avis::App);
}
