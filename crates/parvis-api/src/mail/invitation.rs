//! The invitation to a members-only event: who invites, the event's dates,
//! and the personal link that registers this address (and only it).

use anyhow::Result;
use parvis_core::dates;

use super::compose::host_of;
use super::message::sender_name;
use crate::outbox::OutgoingEmail;
use crate::store::EventRecord;
use crate::token;

/// The personal registration link of an invitation.
pub fn invitation_link(public_url: &str, slug: &str, token: &str) -> String {
    format!("{public_url}/evenements/{slug}?invitation={token}")
}

/// The invitation email to `recipient`, whose link carries `token`.
pub fn invitation_email(
    event: &EventRecord,
    recipient: &str,
    token: &str,
    public_url: &str,
) -> Result<OutgoingEmail> {
    let public = &event.public;
    let who = sender_name(event).unwrap_or_else(|| public.organiser.clone());
    let link = invitation_link(public_url, &public.slug, token);
    let when: Vec<String> = public
        .sessions
        .iter()
        .map(|session| format!("- {}", dates::session(session)))
        .collect();
    let text = format!(
        "Bonjour,\n\n\
         {who} vous invite à « {title} », un événement réservé aux membres.\n\n\
         {when}\n\n\
         Pour vous inscrire, ouvrez votre lien personnel :\n{link}\n\n\
         Ce lien inscrit l'adresse {recipient} et aucune autre : ne le transférez pas. \
         Une personne de votre structure souhaite venir ? Demandez-lui de contacter l'organisation.\n\n\
         Page de l'événement :\n{public_url}/evenements/{slug}\n",
        title = public.title,
        when = when.join("\n"),
        slug = public.slug,
    );
    Ok(OutgoingEmail {
        message_id: format!("<{}@{}>", token::random_hex(16)?, host_of(public_url)),
        recipient: recipient.to_owned(),
        subject: format!("Invitation : {}", public.title),
        body_text: text,
        ics: None,
        console_note: format!("invitation : {link}"),
        sender_name: sender_name(event),
        reply_to: public.contact.email.clone(),
        list_unsubscribe: None,
    })
}
