//! Entry point of the back-office's inscrits build (`gestion-inscrits.html`,
//! `dist/gestion/inscrits/`): an event's registrants, attendance, sign-in sheets and invitations.

fn main() {
    parvis::start(parvis::gestion::inscrits::App);
}
