//! Rendering of the confirmation email.
//!
//! Everything a registrant needs is in one message: title and dates written
//! the French way, place or connection link, contact, the study report, the
//! personal link to manage the registration, and a calendar file.

use anyhow::Result;
use chrono::{DateTime, Utc};
use parvis_core::api::EventFormat;
use parvis_core::dates;
use parvis_core::ics::{self, CalendarEntry};
use parvis_core::registration::NewRegistration;

use super::OutgoingEmail;
use crate::store::EventRecord;
use crate::token;

/// Host part of Message-IDs and calendar UIDs, from the public address.
pub fn host_of(public_url: &str) -> &str {
    let without_scheme = public_url
        .split_once("://")
        .map_or(public_url, |(_, rest)| rest);
    let host = without_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("parvis.localhost");
    let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
    let host = host.split(':').next().unwrap_or(host);
    if host.is_empty() {
        "parvis.localhost"
    } else {
        host
    }
}

/// The calendar entries of an event; the registrant's copy carries the
/// connection link, the public copy does not.
pub fn calendar_entries(
    event: &EventRecord,
    public_url: &str,
    connection_url: Option<&str>,
) -> Vec<CalendarEntry> {
    let page = format!("{public_url}/evenements/{}", event.public.slug);
    let host = host_of(public_url);
    let location = location(event, connection_url);
    let count = event.public.sessions.len();
    event
        .public
        .sessions
        .iter()
        .enumerate()
        .map(|(index, session)| {
            let summary = match (&session.title, count) {
                (Some(title), _) => format!("{} — {title}", event.public.title),
                (None, 1) => event.public.title.clone(),
                (None, _) => format!("{} ({}/{count})", event.public.title, index + 1),
            };
            let mut description = event.public.summary.clone();
            if let Some(link) = connection_url {
                description.push_str(&format!("\n\nLien de connexion : {link}"));
            }
            description.push_str(&format!("\n\nPage de l'événement : {page}"));
            CalendarEntry {
                uid: format!("{}-{}@{host}", event.public.slug, index + 1),
                summary,
                starts_at: session.starts_at,
                ends_at: session.ends_at,
                all_day: session.all_day,
                description,
                location: location.clone(),
                url: Some(page.clone()),
            }
        })
        .collect()
}

fn location(event: &EventRecord, connection_url: Option<&str>) -> String {
    match (&event.public.venue, event.public.format, connection_url) {
        (Some(venue), _, _) => std::iter::once(venue.name.as_str())
            .chain(venue.address.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(", "),
        (None, EventFormat::EnLigne, Some(link)) => format!("En ligne : {link}"),
        (None, EventFormat::EnLigne, None) => "En ligne".to_owned(),
        (None, _, _) => "Lieu communiqué aux participants".to_owned(),
    }
}

/// The confirmation of a registration.
pub fn confirmation(
    event: &EventRecord,
    registration: &NewRegistration,
    personal_token: &str,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<OutgoingEmail> {
    let public = &event.public;
    let manage_url = format!("{public_url}/inscription/{personal_token}");
    let page_url = format!("{public_url}/evenements/{}", public.slug);
    let connection_url = match public.format {
        EventFormat::EnLigne | EventFormat::Hybride => event.connection_url.as_deref(),
        EventFormat::Presentiel => None,
    };
    let report_url = public.report.as_ref().map(|report| {
        if report.url.starts_with('/') {
            (report.title.as_str(), format!("{public_url}{}", report.url))
        } else {
            (report.title.as_str(), report.url.clone())
        }
    });

    let mut body = String::new();
    body.push_str(&format!("Bonjour {},\n\n", registration.first_name));
    body.push_str(&format!(
        "Votre inscription est confirmée pour :\n\n{}\n",
        public.title
    ));
    for line in dates::sessions(&public.sessions) {
        body.push_str(&format!("{line}\n"));
    }
    body.push_str(&format!(
        "Format : {}\n",
        public.format.label().to_lowercase()
    ));
    if let Some(venue) = &public.venue {
        body.push_str(&format!("Lieu : {}", venue.name));
        for line in &venue.address {
            body.push_str(&format!(", {line}"));
        }
        body.push('\n');
    }
    if let Some(link) = connection_url {
        body.push_str(&format!(
            "\nLien de connexion (personnel, ne le transférez pas) :\n{link}\n"
        ));
    }
    if let Some((title, url)) = &report_url {
        body.push_str(&format!("\nRapport d'étude « {title} » :\n{url}\n"));
    }
    body.push_str(&format!(
        "\nVoir ou annuler votre inscription (lien personnel) :\n{manage_url}\n"
    ));
    body.push_str(&format!("\nPage de l'événement :\n{page_url}\n"));
    body.push_str("\nLe fichier joint « invitation.ics » ajoute l'événement à votre agenda.\n");
    let contact = &public.contact;
    body.push_str(&format!("\nContact : {}", contact.name));
    if let Some(email) = &contact.email {
        body.push_str(&format!(", {email}"));
    }
    if let Some(phone) = &contact.phone {
        body.push_str(&format!(", {phone}"));
    }
    body.push_str(&format!("\n\n{}\n", public.organiser));

    let ics = ics::calendar(&calendar_entries(event, public_url, connection_url), now);
    let mut console_note = format!("gérer : {manage_url}");
    if let Some(link) = connection_url {
        console_note.push_str(&format!(" | connexion : {link}"));
    }
    Ok(OutgoingEmail {
        message_id: format!("<{}@{}>", token::random_hex(16)?, host_of(public_url)),
        recipient: registration.email.as_str().to_owned(),
        subject: format!("Inscription confirmée : {}", public.title),
        body_text: body,
        ics: Some(ics),
        console_note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_is_taken_from_the_public_url() {
        assert_eq!(
            host_of("https://parvis.example.org/base"),
            "parvis.example.org"
        );
        assert_eq!(host_of("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host_of(""), "parvis.localhost");
    }
}
