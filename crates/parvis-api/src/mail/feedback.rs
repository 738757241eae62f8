//! The feedback email: the questionnaire's personal link, first sent or as
//! the one reminder, with the anonymity notice and the closing date.

use anyhow::Result;
use parvis_core::dates;
use parvis_core::feedback::{Questionnaire, anonymity_notice};

use super::compose::host_of;
use super::message::sender_name;
use crate::outbox::OutgoingEmail;
use crate::store::EventRecord;
use crate::store::feedback::Recipient;
use crate::token;

/// The personal link of a questionnaire.
pub fn feedback_link(public_url: &str, token: &str) -> String {
    format!("{public_url}/avis/{token}")
}

/// The email asking `recipient` for their feedback (`reminder`: the one
/// reminder), whose link carries `token`.
pub fn feedback_email(
    event: &EventRecord,
    questionnaire: &Questionnaire,
    recipient: &Recipient,
    token: &str,
    reminder: bool,
    public_url: &str,
) -> Result<OutgoingEmail> {
    let public = &event.public;
    let who = sender_name(event).unwrap_or_else(|| public.organiser.clone());
    let link = feedback_link(public_url, token);
    let opening = if reminder {
        format!(
            "Nous n'avons pas encore reçu votre avis sur « {} ». Il nous aide à améliorer \
             nos prochains événements : quelques minutes suffisent.",
            public.title
        )
    } else {
        format!(
            "Merci d'avoir participé à « {} ». {who} aimerait connaître votre avis : \
             quelques minutes suffisent.",
            public.title
        )
    };
    let subject = if reminder {
        format!("Rappel : votre avis sur {}", public.title)
    } else {
        format!("Votre avis sur {}", public.title)
    };
    letter(
        Letter {
            questionnaire,
            recipient,
            reminder,
            public_url,
            opening,
            subject,
            sender_name: sender_name(event),
            reply_to: public.contact.email.clone(),
        },
        &link,
    )
}

/// The email asking a stakeholder (funder, speaker, partner) of
/// `organisation` for their appreciation.
pub fn stakeholder_email(
    organisation: &str,
    questionnaire: &Questionnaire,
    recipient: &Recipient,
    token: &str,
    reminder: bool,
    public_url: &str,
) -> Result<OutgoingEmail> {
    let link = feedback_link(public_url, token);
    let opening = if reminder {
        format!(
            "Nous n'avons pas encore reçu votre appréciation. Elle compte pour le bilan \
             annuel de {organisation} : quelques minutes suffisent."
        )
    } else {
        format!(
            "Partenaire, financeur ou intervenant·e de {organisation}, vous êtes invité·e à \
             nous dire votre appréciation de notre action : quelques minutes suffisent."
        )
    };
    let subject = if reminder {
        format!("Rappel : {}", questionnaire.title)
    } else {
        questionnaire.title.clone()
    };
    letter(
        Letter {
            questionnaire,
            recipient,
            reminder,
            public_url,
            opening,
            subject,
            sender_name: Some(organisation.to_owned()),
            reply_to: None,
        },
        &link,
    )
}

/// What differs between the feedback emails.
struct Letter<'a> {
    questionnaire: &'a Questionnaire,
    recipient: &'a Recipient,
    reminder: bool,
    public_url: &'a str,
    opening: String,
    subject: String,
    sender_name: Option<String>,
    reply_to: Option<String>,
}

fn letter(letter: Letter<'_>, link: &str) -> Result<OutgoingEmail> {
    let Letter {
        questionnaire,
        recipient,
        reminder,
        public_url,
        opening,
        subject,
        sender_name,
        reply_to,
    } = letter;
    let until = questionnaire.closes.map_or(String::new(), |closes| {
        format!(
            "Vous pouvez répondre jusqu'au {}.\n\n",
            dates::long_date(closes.date_naive())
        )
    });
    let earlier = if reminder {
        "Si vous avez commencé à répondre avec le lien du premier message, il fonctionne toujours.\n\n"
    } else {
        ""
    };
    let text = format!(
        "Bonjour {first_name},\n\n\
         {opening}\n\n\
         {notice}\n\n\
         Répondre au questionnaire « {title} » :\n{link}\n\n\
         {until}{earlier}\
         Ce lien est personnel : ne le transférez pas. Vous pouvez enregistrer vos réponses \
         et y revenir plus tard avec le même lien.\n",
        first_name = recipient.first_name,
        notice = anonymity_notice(questionnaire),
        title = questionnaire.title,
    );
    Ok(OutgoingEmail {
        message_id: format!("<{}@{}>", token::random_hex(16)?, host_of(public_url)),
        recipient: recipient.email.clone(),
        subject,
        body_text: text,
        ics: None,
        console_note: format!("questionnaire : {link}"),
        sender_name,
        reply_to,
        list_unsubscribe: None,
    })
}
