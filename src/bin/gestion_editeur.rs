//! Entry point of the back-office's editeur build (`gestion-editeur.html`,
//! `dist/gestion/editeur/`): creating and editing an event.

fn main() {
    parvis::start(parvis::gestion::editeur::App);
}
