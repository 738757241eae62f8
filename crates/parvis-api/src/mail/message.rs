//! A message an organiser writes to an event's registrants: their plain
//! text, between a greeting and a footer with the person's own link to
//! their registration, signed with the organisation's sender name.

use anyhow::Result;

use super::compose::host_of;
use crate::outbox::OutgoingEmail;
use crate::store::EventRecord;
use crate::token;

/// The name the event's emails are sent under: the organisation's chosen
/// sender name, else the event's organiser.
pub fn sender_name(event: &EventRecord) -> Option<String> {
    event
        .sender_name
        .clone()
        .or_else(|| Some(event.public.organiser.clone()))
        .filter(|name| !name.trim().is_empty())
}

/// The email of a message to one registrant: `manage_url` is their
/// personal link (a placeholder in a preview).
pub fn message_email(
    event: &EventRecord,
    first_name: &str,
    recipient: &str,
    manage_url: &str,
    subject: &str,
    body: &str,
    public_url: &str,
) -> Result<OutgoingEmail> {
    let public = &event.public;
    let signature = sender_name(event).unwrap_or_else(|| public.organiser.clone());
    let text = format!(
        "Bonjour {first_name},\n\n{body}\n\n{signature}\n\n-- \n\
         Vous recevez ce message comme personne inscrite à « {title} ».\n\
         Voir, modifier ou annuler votre inscription (lien personnel) :\n{manage_url}\n\
         Page de l'événement :\n{public_url}/evenements/{slug}\n",
        title = public.title,
        slug = public.slug,
    );
    Ok(OutgoingEmail {
        message_id: format!("<{}@{}>", token::random_hex(16)?, host_of(public_url)),
        recipient: recipient.to_owned(),
        subject: format!("{subject} – {}", public.title),
        body_text: text,
        ics: None,
        console_note: format!("message : {subject} | gérer : {manage_url}"),
        sender_name: sender_name(event),
        reply_to: public.contact.email.clone(),
        list_unsubscribe: None,
    })
}
