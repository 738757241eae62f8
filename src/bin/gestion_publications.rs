//! Entry point of the back-office's publications build (`gestion-publications.html`,
//! `dist/gestion/publications/`): the organisation's publications and newsletter.

fn main() {
    parvis::start(parvis::gestion::publications::App);
}
