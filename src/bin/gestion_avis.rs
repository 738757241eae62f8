//! Entry point of the back-office's avis build (`gestion-avis.html`,
//! `dist/gestion/avis/`): feedback questionnaires and their results.

fn main() {
    parvis::start(parvis::gestion::avis::App);
}
