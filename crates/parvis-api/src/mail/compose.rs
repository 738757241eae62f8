//! Rendering of every email about a registration: confirmation, waiting
//! list, promotion, change, cancellation, reminder.
//!
//! Everything a registrant needs is in one message: title and dates written
//! the French way, place or connection link, contact, the study report, the
//! personal link to manage the registration, and a calendar file of the
//! chosen days. People on the waiting list get neither the connection link
//! nor the calendar file until a seat is theirs.
//!
//! Calendar files keep one UID per day of an event and carry the
//! registration's `SEQUENCE` of the moment ([`Notice::sequence`]), so each
//! one updates the entries the last put in the person's calendar: a change
//! publishes the chosen days and calls off (`STATUS:CANCELLED`) those sent
//! before and no longer chosen; a cancellation attaches a `METHOD:CANCEL`
//! file for every day sent before.

use std::sync::Arc;

use crate::outbox::OutgoingEmail;
use crate::store::{EventRecord, Notice, NoticeKind, Status};
use crate::token;
use anyhow::Result;
use chrono::{DateTime, Utc};
use parvis_core::api::EventFormat;
use parvis_core::dates;
use parvis_core::ics::{self, CalendarEntry, EntryStatus, Method, Organizer};

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

/// The calendar entries of an event for the given sessions, at `SEQUENCE`
/// 0 and confirmed (see [`versioned`]); the registrant's copy carries the
/// connection link, the public copy does not. The organiser is the event's
/// organisation at its contact's address, when it has one.
pub fn calendar_entries(
    event: &EventRecord,
    public_url: &str,
    connection_url: Option<&str>,
    sessions: &[usize],
) -> Vec<CalendarEntry> {
    event_calendar_entries(&event.public, public_url, connection_url, sessions)
}

/// [`calendar_entries`] of an event's public page (the agenda's calendar
/// subscription passes no connection link).
pub fn event_calendar_entries(
    event: &parvis_core::api::EventPublic,
    public_url: &str,
    connection_url: Option<&str>,
    sessions: &[usize],
) -> Vec<CalendarEntry> {
    let page = format!("{public_url}/evenements/{}", event.slug);
    let host = host_of(public_url);
    let location = location(event, connection_url);
    let count = event.sessions.len();
    let organizer = event.contact.email.as_ref().map(|email| Organizer {
        name: if event.organiser.trim().is_empty() {
            event.contact.name.clone()
        } else {
            event.organiser.clone()
        },
        email: email.clone(),
    });
    event
        .sessions
        .iter()
        .enumerate()
        .filter(|(index, _)| sessions.contains(index))
        .map(|(index, session)| {
            let summary = match (&session.title, count) {
                (Some(title), _) => format!("{} — {title}", event.title),
                (None, 1) => event.title.clone(),
                (None, _) => format!("{} ({}/{count})", event.title, index + 1),
            };
            let mut description = event.summary.clone();
            if let Some(link) = connection_url {
                description.push_str(&format!("\n\nLien de connexion : {link}"));
            }
            description.push_str(&format!("\n\nPage de l'événement : {page}"));
            CalendarEntry {
                uid: format!("{}-{}@{host}", event.slug, index + 1),
                summary,
                starts_at: session.starts_at,
                ends_at: session.ends_at,
                all_day: session.all_day,
                description,
                location: location.clone(),
                url: Some(page.clone()),
                sequence: 0,
                status: EntryStatus::Confirmed,
                organizer: organizer.clone(),
            }
        })
        .collect()
}

/// The same entries at another `SEQUENCE` and status.
pub fn versioned(
    entries: Vec<CalendarEntry>,
    sequence: u32,
    status: EntryStatus,
) -> Vec<CalendarEntry> {
    entries
        .into_iter()
        .map(|entry| CalendarEntry {
            sequence,
            status,
            ..entry
        })
        .collect()
}

fn location(event: &parvis_core::api::EventPublic, connection_url: Option<&str>) -> String {
    match (&event.venue, event.format, connection_url) {
        (Some(venue), _, _) => std::iter::once(venue.name.as_str())
            .chain(venue.address.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(", "),
        (None, EventFormat::EnLigne, Some(link)) => format!("En ligne : {link}"),
        (None, EventFormat::EnLigne, None) => "En ligne".to_owned(),
        (None, _, _) => UNKNOWN_VENUE.to_owned(),
    }
}

/// The sentence that puts someone on a waiting list: it names what is full
/// (the event, a workshop or a day, never « l'événement » when only a
/// workshop is full) and where seats are left.
pub fn waitlist_sentence(
    event: &parvis_core::api::EventPublic,
    tracks: &[String],
    sessions: &[usize],
    rank: u32,
) -> String {
    match event.full_notice(tracks, sessions) {
        Some(notice) if notice.elsewhere.is_empty() => format!(
            "{} : vous êtes inscrit·e sur sa liste d'attente, au rang {rank}.",
            notice.what
        ),
        Some(notice) => format!(
            "{} : vous êtes inscrit·e sur sa liste d'attente, au rang {rank}. {} Vous pouvez changer de choix avec votre lien personnel.",
            notice.what,
            notice.elsewhere_sentence()
        ),
        None => format!(
            "Les places demandées sont prises : vous êtes inscrit·e sur la liste d'attente, au rang {rank}."
        ),
    }
}

/// What an in-person event without a venue says of its place.
pub const UNKNOWN_VENUE: &str = "Lieu communiqué ultérieurement";

/// The connection link an event gives its confirmed registrants.
pub fn connection_link(event: &EventRecord) -> Option<&str> {
    match event.public.format {
        EventFormat::EnLigne | EventFormat::Hybride => event.connection_url.as_deref(),
        EventFormat::Presentiel => None,
    }
}

fn when_label(minutes: u32) -> String {
    match minutes {
        m if m >= 24 * 60 && m % (24 * 60) == 0 && m / (24 * 60) == 1 => "demain".to_owned(),
        m if m >= 24 * 60 => format!("dans {} jours", m / (24 * 60)),
        m if m >= 60 && m / 60 == 1 => "dans une heure".to_owned(),
        m if m >= 60 => format!("dans {} heures", m / 60),
        m => format!("dans {m} minutes"),
    }
}

/// The [`crate::store::Compose`] callback of the site at `public_url`: every
/// email a store write causes goes through it. `clock` dates the calendar
/// files (`DTSTAMP`): [`Utc::now`] to read the time for each email, or
/// `move || now` for a fixed instant, as a registration and the job runner
/// use the instant their writes are stored at.
pub fn composer<C>(
    public_url: impl Into<Arc<str>>,
    clock: C,
) -> impl Fn(&EventRecord, &Notice<'_>) -> Result<OutgoingEmail> + Send + Sync + 'static
where
    C: Fn() -> DateTime<Utc> + Send + Sync + 'static,
{
    let public_url: Arc<str> = public_url.into();
    move |event: &EventRecord, notice: &Notice<'_>| compose(event, notice, &public_url, clock())
}

/// Composes the email a [`Notice`] calls for.
pub fn compose(
    event: &EventRecord,
    notice: &Notice<'_>,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<OutgoingEmail> {
    let public = &event.public;
    let registration = notice.registration;
    let manage_url = format!("{public_url}/inscription/{}", notice.token);
    let page_url = format!("{public_url}/evenements/{}", public.slug);
    let confirmed = registration.status == Status::Confirmed;
    // The connection link and the calendar file go only to confirmed
    // registrants, never to people still waiting.
    let connection = if confirmed {
        connection_link(event)
    } else {
        None
    };
    let sessions: Vec<usize> = match notice.kind {
        NoticeKind::Reminder { session, .. } => vec![session],
        _ => registration.sessions.clone(),
    };

    let (subject, opening) = match (notice.kind, registration.status) {
        (NoticeKind::Reminder { minutes_before, .. }, _) => (
            format!("Rappel : {} commence {}", public.title, when_label(minutes_before)),
            format!("Nous vous rappelons que l'événement suivant commence {} :", when_label(minutes_before)),
        ),
        (NoticeKind::Cancelled, _) => (
            format!("Inscription annulée : {}", public.title),
            "Votre inscription est annulée. Vous pouvez vous réinscrire depuis la page de l'événement tant que les inscriptions sont ouvertes.".to_owned(),
        ),
        (NoticeKind::EventCancelled, _) => (
            format!("Événement annulé : {}", public.title),
            format!("{} a annulé l'événement suivant. Votre inscription est donc annulée ; nous vous prions de nous excuser pour ce changement.", public.organiser),
        ),
        (NoticeKind::EventUpdated, _) => (
            format!("Événement modifié : {}", public.title),
            format!("{} a modifié la date, le lieu ou le lien de connexion de l'événement. Voici ses informations à jour :", public.organiser),
        ),
        (NoticeKind::HoldExpired, _) => (
            format!("Place libérée, adresse non confirmée : {}", public.title),
            format!("Votre adresse n'a pas été confirmée dans les {} minutes : votre place a été proposée à une autre personne. Vous pouvez vous réinscrire depuis la page de l'événement tant que les inscriptions sont ouvertes.", parvis_core::api::ADDRESS_CONFIRMATION_MINUTES),
        ),
        (_, Status::Pending) => (
            format!("Confirmez votre adresse : {}", public.title),
            format!("Une place vous est réservée pendant {} minutes. Pour la garder, ouvrez votre lien personnel ci-dessous et cliquez sur « Confirmer mon adresse ». Sans confirmation, elle sera proposée à une autre personne. Le lien de connexion et le fichier calendrier vous parviendront une fois l'adresse confirmée.", parvis_core::api::ADDRESS_CONFIRMATION_MINUTES),
        ),
        (NoticeKind::Promoted, _) => (
            format!("Une place s'est libérée : inscription confirmée à {}", public.title),
            "Une place s'est libérée : vous quittez la liste d'attente et votre inscription est confirmée pour :".to_owned(),
        ),
        (_, Status::Waitlisted { rank }) => (
            format!("Liste d'attente (rang {rank}) : {}", public.title),
            format!(
                "{} Dès qu'une place se libère, votre inscription est confirmée automatiquement et vous recevez un e-mail avec toutes les informations pour participer.",
                waitlist_sentence(public, &registration.tracks, &registration.sessions, rank)
            ),
        ),
        (NoticeKind::Changed, _) => (
            format!("Inscription modifiée : {}", public.title),
            "Votre inscription a été modifiée. La voici à jour :".to_owned(),
        ),
        _ => (
            format!("Inscription confirmée : {}", public.title),
            "Votre inscription est confirmée pour :".to_owned(),
        ),
    };

    let mut body = format!(
        "Bonjour {},\n\n{opening}\n\n{}\n",
        registration.first_name, public.title
    );
    for (index, session) in public.sessions.iter().enumerate() {
        if sessions.contains(&index) {
            body.push_str(&format!("{}\n", dates::session(session)));
        }
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
    } else if public.format != EventFormat::EnLigne {
        body.push_str(&format!("Lieu : {}\n", UNKNOWN_VENUE.to_lowercase()));
    }
    let tracks: Vec<&str> = public
        .tracks()
        .filter(|t| registration.tracks.contains(&t.id))
        .map(|t| t.title.as_str())
        .collect();
    if !tracks.is_empty() {
        body.push_str(&format!("Atelier : {}\n", tracks.join(" ; ")));
    }
    let active = registration.status != Status::Cancelled;
    if let Some(link) = connection.filter(|_| active) {
        body.push_str(&format!(
            "\nLien de connexion (personnel, ne le transférez pas) :\n{link}\n"
        ));
    }
    // A confirmed registrant gets the linked publication's file, signed
    // when it is reserved to registrants; others its page.
    let report = crate::store::publications::registrant_report(event, confirmed);
    if let Some(report) = report.as_ref().filter(|_| active) {
        let url = if report.url.starts_with('/') {
            format!("{public_url}{}", report.url)
        } else {
            report.url.clone()
        };
        body.push_str(&format!(
            "\nRapport d'étude « {} » :\n{url}\n",
            report.title
        ));
    }
    if registration.status == Status::Pending {
        body.push_str(&format!(
            "\nConfirmer mon adresse (lien personnel) :\n{manage_url}\n"
        ));
    } else if active {
        body.push_str(&format!(
            "\nVoir, modifier ou annuler votre inscription (lien personnel) :\n{manage_url}\n"
        ));
    }
    body.push_str(&format!("\nPage de l'événement :\n{page_url}\n"));
    // The calendar file: the chosen days for a confirmed registrant, with
    // the days sent before and no longer chosen called off under their own
    // UID; for a registration that ends, the removal of every day sent
    // before (someone who only ever waited was sent none).
    let sent = notice.sent_sessions.as_deref().unwrap_or_default();
    let sequence = notice.sequence;
    let ics = if confirmed && active {
        let dropped: Vec<usize> = sent
            .iter()
            .copied()
            .filter(|index| !registration.sessions.contains(index))
            .collect();
        let mut entries = versioned(
            calendar_entries(event, public_url, connection, &sessions),
            sequence,
            EntryStatus::Confirmed,
        );
        entries.extend(versioned(
            calendar_entries(event, public_url, None, &dropped),
            sequence,
            EntryStatus::Cancelled,
        ));
        body.push_str(if dropped.is_empty() {
            "\nLe fichier joint « invitation.ics » ajoute l'événement à votre agenda.\n"
        } else {
            "\nLe fichier joint « invitation.ics » met votre agenda à jour : il y garde les dates choisies et en retire celles que vous avez quittées.\n"
        });
        Some(ics::calendar(Method::Publish, &entries, now))
    } else if !active && !sent.is_empty() {
        let entries = versioned(
            calendar_entries(event, public_url, None, sent),
            sequence,
            EntryStatus::Cancelled,
        );
        body.push_str(
            "\nLe fichier joint « invitation.ics » retire l'événement de votre agenda.\n",
        );
        Some(ics::calendar(Method::Cancel, &entries, now))
    } else {
        None
    };
    let contact = &public.contact;
    body.push_str(&format!("\nContact : {}", contact.name));
    if let Some(email) = &contact.email {
        body.push_str(&format!(", {email}"));
    }
    if let Some(phone) = &contact.phone {
        body.push_str(&format!(", {phone}"));
    }
    body.push_str(&format!("\n\n{}\n", public.organiser));

    let mut console_note = format!("gérer : {manage_url}");
    if let Some(link) = connection.filter(|_| active) {
        console_note.push_str(&format!(" | connexion : {link}"));
    }
    Ok(OutgoingEmail {
        message_id: format!("<{}@{}>", token::random_hex(16)?, host_of(public_url)),
        recipient: registration.email.clone(),
        subject,
        body_text: body,
        ics,
        console_note,
        // The organisation's chosen sender name, else the event's organiser.
        sender_name: event
            .sender_name
            .clone()
            .or_else(|| Some(public.organiser.clone()))
            .filter(|name| !name.trim().is_empty()),
        reply_to: public.contact.email.clone(),
        list_unsubscribe: None,
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
