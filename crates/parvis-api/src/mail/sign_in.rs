//! The back-office's sign-in email: a one-time link and a 6-digit code.

use anyhow::Result;

use super::compose::host_of;
use crate::auth::SIGN_IN_MINUTES;
use crate::outbox::OutgoingEmail;
use crate::store::accounts::Account;
use crate::token;

/// The email that signs `account` in: the link opens the back-office, which
/// sends the token (kept in the address's fragment, out of every log); the
/// code is for another browser or device.
pub fn sign_in_email(
    account: &Account,
    link_token: &str,
    code: &str,
    public_url: &str,
) -> Result<OutgoingEmail> {
    let link = format!("{public_url}/gestion/connexion#jeton={link_token}");
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let body = format!(
        "Bonjour {name},\n\n\
         Pour vous connecter à l'espace de gestion de Parvis, ouvrez ce lien (valable {SIGN_IN_MINUTES} minutes, une seule fois) :\n{link}\n\n\
         Le lien s'ouvre dans un autre navigateur que celui de votre demande ? Saisissez plutôt ce code dans la page de connexion : {spaced}\n\n\
         Vous n'avez rien demandé ? Ignorez ce message : personne ne peut se connecter sans ce lien ou ce code.\n",
        name = account.name
    );
    Ok(OutgoingEmail {
        message_id: format!("<{}@{}>", token::random_hex(16)?, host_of(public_url)),
        recipient: account.email.clone(),
        subject: "Votre connexion à l'espace de gestion de Parvis".to_owned(),
        body_text: body,
        ics: None,
        console_note: format!("connexion : {link} | code : {code}"),
        sender_name: None,
        reply_to: None,
        list_unsubscribe: None,
    })
}
