//! The event editor's input: [`EventDraft`], what the back-office's form
//! sends and what the demo data files hold, and [`check`], the rules that
//! turn it into an event or into French messages keyed by field.
//!
//! Everything typed travels as text (dates `AAAA-MM-JJ`, times `HH:MM`,
//! numbers), so nothing typed is lost to a parse error before the rules
//! see it, and each message names the field it is about: `title`,
//! `sessions.0.date`, `sessions.0.programme.1.tracks.0.capacity`,
//! `questions.2.options`. The Markdown description is kept as written; the
//! endpoint renders and sanitises it.
//!
//! The rules know nothing of time zones: the caller gives [`check`] the
//! function that places a Paris wall-clock time on the timeline, so the
//! browser app never carries a time-zone database.

use std::collections::BTreeSet;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::api::{
    Availability, Contact, EventFormat, EventKind, EventPublic, FieldErrors, ProgrammeItem,
    RegistrationState, RegistrationWindow, ReportLink, Session, Speaker, Track, Venue,
};
use crate::email::EmailAddress;
use crate::questions::{Question, QuestionKind};
use crate::text::ShortText;

/// Longest title, in characters.
pub const TITLE_MAX: usize = 200;
/// Longest summary.
pub const SUMMARY_MAX: usize = 500;
/// Longest Markdown description.
pub const DESCRIPTION_MAX: usize = 20_000;
/// Longest one-line text (names, roles, venue lines, programme titles).
pub const LINE_MAX: usize = 300;
/// Longest paragraph (objectives, programme details, audience).
pub const PARAGRAPH_MAX: usize = 2_000;
/// Most sessions of an event.
pub const SESSIONS_MAX: usize = 60;
/// Most items of any list (speakers, programme slots, workshops, questions).
pub const ITEMS_MAX: usize = 50;
/// Largest capacity.
pub const CAPACITY_MAX: u32 = 100_000;
/// Longest reminder offset: 30 days, in minutes.
pub const REMINDER_MAX_MINUTES: u32 = 30 * 24 * 60;

/// An event as the editor sends it and the demo data files hold it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventDraft {
    /// Address of the event page; made from the title when blank.
    pub slug: String,
    /// `webinaire`, `journee`, `cycle` or `comite`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// One or two sentences, for the agenda.
    pub summary: String,
    /// Full description, in Markdown.
    pub description: String,
    /// `en_ligne`, `presentiel` or `hybride`.
    pub format: String,
    /// Name of the place and room (in person, hybrid).
    pub venue_name: String,
    /// Postal address, one line each.
    pub venue_address: String,
    /// Town.
    pub venue_city: String,
    /// Connection link (online, hybrid): only registrants receive it.
    pub connection_url: String,
    /// Who organises it, as shown; the organisation's name when blank.
    pub organiser: String,
    /// Who the event is for.
    pub audience: String,
    /// What participants will take away, one each.
    pub objectives: Vec<String>,
    /// Speakers and facilitators.
    pub speakers: Vec<SpeakerDraft>,
    /// Contact's name.
    pub contact_name: String,
    /// Contact's email.
    pub contact_email: String,
    /// Contact's phone.
    pub contact_phone: String,
    /// Dated sessions, in order.
    pub sessions: Vec<SessionDraft>,
    /// Seats for the whole event; unlimited when blank.
    pub capacity: String,
    /// Whether a full event takes people on a waiting list.
    pub waitlist: bool,
    /// Registration opens (`AAAA-MM-JJTHH:MM`, Paris); at once when blank.
    pub opens_at: String,
    /// Registration closes (`AAAA-MM-JJTHH:MM`, Paris); at the start of
    /// the first session when blank.
    pub closes_at: String,
    /// Reserved to invited members.
    pub members_only: bool,
    /// Who may attend, for a members-only event.
    pub access_note: String,
    /// Whether registrants choose their days.
    pub day_selection: bool,
    /// The organiser's questions.
    pub questions: Vec<Question>,
    /// Reminders, in minutes before each session.
    pub reminders_minutes: Vec<u32>,
    /// Whether a seat waits for the registrant to confirm their address.
    pub address_confirmation: bool,
    /// Title of the study report.
    pub report_title: String,
    /// Address of the study report.
    pub report_url: String,
}

/// A speaker as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SpeakerDraft {
    /// Full name.
    pub name: String,
    /// Role and organisation.
    pub role: String,
}

/// A session as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionDraft {
    /// Its own title (« Journée 1 : … »).
    pub title: String,
    /// `AAAA-MM-JJ`.
    pub date: String,
    /// `HH:MM`, Paris; blank for a whole day.
    pub start: String,
    /// `HH:MM`, Paris; blank for a whole day.
    pub end: String,
    /// Seats on this day, for cycles whose days are chosen.
    pub capacity: String,
    /// What happens during the session.
    pub programme: Vec<ProgrammeDraft>,
}

/// A programme slot as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProgrammeDraft {
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`.
    pub end: String,
    /// Title of the slot.
    pub title: String,
    /// Details, one each.
    pub details: Vec<String>,
    /// Parallel workshops.
    pub tracks: Vec<TrackDraft>,
}

/// A workshop as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrackDraft {
    /// Stable identifier; made from the title when blank. Registrations
    /// name it: it never changes once someone chose it.
    pub id: String,
    /// Title.
    pub title: String,
    /// Details, one each.
    pub details: Vec<String>,
    /// Seats; unlimited when blank.
    pub capacity: String,
}

/// A checked event: the public page (with an empty rendered description,
/// the endpoint's to fill), its Markdown and its connection link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedEvent {
    /// The public page; `description_html` is empty.
    pub public: EventPublic,
    /// The description, in Markdown.
    pub description_markdown: String,
    /// Connection link of an online or hybrid event.
    pub connection_url: Option<String>,
}

/// Places a Paris wall-clock time on the timeline; `None` for a time that
/// does not exist there (the hour skipped in spring).
pub type Localize<'a> = &'a dyn Fn(NaiveDateTime) -> Option<DateTime<FixedOffset>>;

/// A slug made of the words of `title`: lower case, accents dropped,
/// hyphens between words, at most 80 characters.
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in crate::search::normalise(title).chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let mut slug: String = slug.chars().take(80).collect();
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 80
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
}

struct Checker<'a> {
    errors: FieldErrors,
    localize: Localize<'a>,
}

impl Checker<'_> {
    fn required(&mut self, key: &str, input: &str, max: usize) -> String {
        match ShortText::parse_free(input, max) {
            Ok(text) => text.as_str().to_owned(),
            Err(problem) => {
                self.errors.add(key, problem.to_string());
                String::new()
            }
        }
    }

    fn optional(&mut self, key: &str, input: &str, max: usize) -> Option<String> {
        match ShortText::parse_free_optional(input, max) {
            Ok(text) => text.map(|t| t.as_str().to_owned()),
            Err(problem) => {
                self.errors.add(key, problem.to_string());
                None
            }
        }
    }

    fn lines(&mut self, key: &str, items: &[String], max: usize) -> Vec<String> {
        if items.len() > ITEMS_MAX {
            self.errors
                .add(key, format!("Pas plus de {ITEMS_MAX} éléments."));
        }
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| self.optional(&format!("{key}.{i}"), item, max))
            .collect()
    }

    fn capacity(&mut self, key: &str, input: &str) -> Option<u32> {
        let input = input.trim();
        if input.is_empty() {
            return None;
        }
        match input.parse::<u32>() {
            Ok(0) => {
                self.errors.add(
                    key,
                    "Indiquez au moins 1 place, ou laissez vide.".to_owned(),
                );
                None
            }
            Ok(n) if n <= CAPACITY_MAX => Some(n),
            Ok(_) => {
                self.errors
                    .add(key, format!("Pas plus de {CAPACITY_MAX} places."));
                None
            }
            Err(_) => {
                self.errors.add(
                    key,
                    "Indiquez un nombre de places entier (par exemple 40), ou laissez vide."
                        .to_owned(),
                );
                None
            }
        }
    }

    fn time(&mut self, key: &str, input: &str) -> Option<NaiveTime> {
        let input = input.trim();
        if input.is_empty() {
            return None;
        }
        match parse_time(input) {
            Some(time) => Some(time),
            None => {
                self.errors.add(
                    key,
                    "Indiquez une heure au format HH:MM (par exemple 09:30).".to_owned(),
                );
                None
            }
        }
    }

    fn instant(&mut self, key: &str, input: &str) -> Option<DateTime<FixedOffset>> {
        let input = input.trim();
        if input.is_empty() {
            return None;
        }
        let Some((date, time)) = input.split_once('T').or_else(|| input.split_once(' ')) else {
            self.errors.add(
                key,
                "Indiquez une date et une heure (par exemple 2026-03-02T09:00).".to_owned(),
            );
            return None;
        };
        match (parse_date(date), parse_time(time)) {
            (Some(date), Some(time)) => self.localized(key, date.and_time(time)),
            _ => {
                self.errors.add(
                    key,
                    "Indiquez une date et une heure (par exemple 2026-03-02T09:00).".to_owned(),
                );
                None
            }
        }
    }

    fn localized(&mut self, key: &str, at: NaiveDateTime) -> Option<DateTime<FixedOffset>> {
        let placed = (self.localize)(at);
        if placed.is_none() {
            self.errors.add(
                key,
                "Cette heure n'existe pas à Paris ce jour-là (passage à l'heure d'été).".to_owned(),
            );
        }
        placed
    }
}

fn parse_date(input: &str) -> Option<NaiveDate> {
    let input = input.trim();
    if input.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(input, "%Y-%m-%d").ok()
}

fn parse_time(input: &str) -> Option<NaiveTime> {
    let input = input.trim();
    let (hours, minutes) = input.split_once(':').or_else(|| input.split_once('h'))?;
    if hours.is_empty() || hours.len() > 2 || minutes.len() != 2 {
        return None;
    }
    NaiveTime::from_hms_opt(hours.parse().ok()?, minutes.parse().ok()?, 0)
}

/// `HH:MM` of a time.
fn hhmm(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

/// Checks a draft against every rule; `organisation` is the name shown as
/// organiser when the draft leaves it blank.
pub fn check(
    draft: &EventDraft,
    organisation: &str,
    localize: Localize<'_>,
) -> Result<CheckedEvent, FieldErrors> {
    let mut c = Checker {
        errors: FieldErrors::default(),
        localize,
    };
    let title = c.required("title", &draft.title, TITLE_MAX);
    let slug = if draft.slug.trim().is_empty() {
        slugify(&title)
    } else {
        draft.slug.trim().to_owned()
    };
    if !title.is_empty() && !valid_slug(&slug) {
        c.errors.add(
            "slug",
            "L'adresse ne peut contenir que des lettres minuscules sans accent, des chiffres et des tirets (80 au plus)."
                .to_owned(),
        );
    }
    let kind = EventKind::parse(draft.kind.trim());
    if kind.is_none() {
        c.errors
            .add("kind", "Choisissez le type d'événement.".to_owned());
    }
    let summary = c.required("summary", &draft.summary, SUMMARY_MAX);
    if draft.description.chars().count() > DESCRIPTION_MAX {
        c.errors.add(
            "description",
            format!("La description ne peut pas dépasser {DESCRIPTION_MAX} caractères."),
        );
    }
    if draft
        .description
        .chars()
        .any(|ch| ch.is_control() && !matches!(ch, '\t' | '\n' | '\r'))
    {
        c.errors.add(
            "description",
            "La description contient des caractères invisibles non autorisés.".to_owned(),
        );
    }
    let format = EventFormat::parse(draft.format.trim());
    if format.is_none() {
        c.errors.add(
            "format",
            "Choisissez le format : en ligne, en présentiel ou hybride.".to_owned(),
        );
    }
    let in_person = matches!(format, Some(EventFormat::Presentiel | EventFormat::Hybride));
    let online = matches!(format, Some(EventFormat::EnLigne | EventFormat::Hybride));
    // The place may not be known yet (or kept for the invitation); once
    // any part of it is typed, it is whole.
    let venue_given = [&draft.venue_name, &draft.venue_address, &draft.venue_city]
        .iter()
        .any(|part| !part.trim().is_empty());
    let venue = if in_person && venue_given {
        let name = c.required("venue_name", &draft.venue_name, LINE_MAX);
        let address: Vec<String> = draft
            .venue_address
            .lines()
            .filter_map(|line| c.optional("venue_address", line, LINE_MAX))
            .collect();
        if address.is_empty() {
            c.errors
                .add("venue_address", "Indiquez l'adresse du lieu.".to_owned());
        }
        let city = c.required("venue_city", &draft.venue_city, LINE_MAX);
        Some(Venue {
            name,
            address,
            city,
        })
    } else {
        None
    };
    let connection_url = if online {
        let url = draft.connection_url.trim();
        if url.is_empty() {
            None
        } else if !(url.starts_with("https://") || url.starts_with("http://"))
            || url.len() > 2_000
            || url.chars().any(|ch| ch.is_whitespace() || ch.is_control())
        {
            c.errors.add(
                "connection_url",
                "Indiquez un lien de connexion complet, commençant par https://.".to_owned(),
            );
            None
        } else {
            Some(url.to_owned())
        }
    } else {
        None
    };
    let organiser = c
        .optional("organiser", &draft.organiser, LINE_MAX)
        .unwrap_or_else(|| organisation.to_owned());
    let audience = c.optional("audience", &draft.audience, PARAGRAPH_MAX);
    let objectives = c.lines("objectives", &draft.objectives, PARAGRAPH_MAX);
    if draft.speakers.len() > ITEMS_MAX {
        c.errors.add(
            "speakers",
            format!("Pas plus de {ITEMS_MAX} intervenant·es."),
        );
    }
    let speakers = draft
        .speakers
        .iter()
        .enumerate()
        .filter(|(_, s)| !(s.name.trim().is_empty() && s.role.trim().is_empty()))
        .map(|(i, s)| Speaker {
            name: c.required(&format!("speakers.{i}.name"), &s.name, LINE_MAX),
            role: c.optional(&format!("speakers.{i}.role"), &s.role, LINE_MAX),
        })
        .collect();
    let contact_name = c.required("contact_name", &draft.contact_name, LINE_MAX);
    let contact_email = if draft.contact_email.trim().is_empty() {
        None
    } else {
        match EmailAddress::parse(&draft.contact_email) {
            Ok(email) => Some(email.as_str().to_owned()),
            Err(problem) => {
                c.errors.add("contact_email", problem.to_string());
                None
            }
        }
    };
    let contact_phone = c.optional("contact_phone", &draft.contact_phone, 40);

    let day_selection = draft.day_selection;
    let mut track_ids = BTreeSet::new();
    if draft.sessions.is_empty() {
        c.errors
            .add("sessions", "Ajoutez au moins une date.".to_owned());
    }
    if draft.sessions.len() > SESSIONS_MAX {
        c.errors
            .add("sessions", format!("Pas plus de {SESSIONS_MAX} dates."));
    }
    let mut sessions = Vec::new();
    for (i, session) in draft.sessions.iter().enumerate().take(SESSIONS_MAX) {
        let key = format!("sessions.{i}");
        let title = c.optional(&format!("{key}.title"), &session.title, LINE_MAX);
        let date = parse_date(&session.date);
        if date.is_none() {
            c.errors.add(
                &format!("{key}.date"),
                "Indiquez la date au format AAAA-MM-JJ (par exemple 2026-03-02).".to_owned(),
            );
        }
        let start = c.time(&format!("{key}.start"), &session.start);
        let end = c.time(&format!("{key}.end"), &session.end);
        let all_day = session.start.trim().is_empty() && session.end.trim().is_empty();
        match (
            session.start.trim().is_empty(),
            session.end.trim().is_empty(),
        ) {
            (true, false) => c.errors.add(
                &format!("{key}.start"),
                "Indiquez l'heure de début, ou aucune heure pour une journée entière.".to_owned(),
            ),
            (false, true) => c.errors.add(
                &format!("{key}.end"),
                "Indiquez l'heure de fin, ou aucune heure pour une journée entière.".to_owned(),
            ),
            _ => {}
        }
        let capacity = c.capacity(&format!("{key}.capacity"), &session.capacity);
        if capacity.is_some() && !day_selection {
            c.errors.add(
                &format!("{key}.capacity"),
                "Des places par date n'ont de sens que si les inscrit·es choisissent leurs dates."
                    .to_owned(),
            );
        }
        if session.programme.len() > ITEMS_MAX {
            c.errors.add(
                &format!("{key}.programme"),
                format!("Pas plus de {ITEMS_MAX} temps de programme."),
            );
        }
        let mut programme = Vec::new();
        for (j, slot) in session.programme.iter().enumerate().take(ITEMS_MAX) {
            let slot_key = format!("{key}.programme.{j}");
            let slot_start = c.time(&format!("{slot_key}.start"), &slot.start);
            let slot_end = c.time(&format!("{slot_key}.end"), &slot.end);
            if let (Some(a), Some(b)) = (slot_start, slot_end)
                && b <= a
            {
                c.errors.add(
                    &format!("{slot_key}.end"),
                    "La fin doit venir après le début.".to_owned(),
                );
            }
            let slot_title = c.required(&format!("{slot_key}.title"), &slot.title, LINE_MAX);
            let details = c.lines(&format!("{slot_key}.details"), &slot.details, PARAGRAPH_MAX);
            if slot.tracks.len() > ITEMS_MAX {
                c.errors.add(
                    &format!("{slot_key}.tracks"),
                    format!("Pas plus de {ITEMS_MAX} ateliers."),
                );
            }
            let mut tracks = Vec::new();
            for (k, track) in slot.tracks.iter().enumerate().take(ITEMS_MAX) {
                let track_key = format!("{slot_key}.tracks.{k}");
                let track_title = c.required(&format!("{track_key}.title"), &track.title, LINE_MAX);
                let id = if track.id.trim().is_empty() {
                    slugify(&track_title)
                } else {
                    track.id.trim().to_owned()
                };
                if !track_title.is_empty() && !valid_slug(&id) {
                    c.errors.add(
                        &format!("{track_key}.title"),
                        "Donnez à l'atelier un titre avec des lettres ou des chiffres.".to_owned(),
                    );
                } else if !id.is_empty() && !track_ids.insert(id.clone()) {
                    c.errors.add(
                        &format!("{track_key}.title"),
                        "Deux ateliers ne peuvent pas porter le même titre.".to_owned(),
                    );
                }
                tracks.push(Track {
                    id,
                    title: track_title,
                    details: c.lines(
                        &format!("{track_key}.details"),
                        &track.details,
                        PARAGRAPH_MAX,
                    ),
                    capacity: c.capacity(&format!("{track_key}.capacity"), &track.capacity),
                });
            }
            if tracks.len() == 1 {
                c.errors.add(
                    &format!("{slot_key}.tracks"),
                    "Des ateliers en parallèle sont au moins deux.".to_owned(),
                );
            }
            programme.push(ProgrammeItem {
                start: slot_start.map(hhmm),
                end: slot_end.map(hhmm),
                title: slot_title,
                details,
                tracks,
            });
        }
        let Some(date) = date else { continue };
        // A whole day runs from midnight to the next midnight.
        let midnight = NaiveTime::MIN;
        let (from, to) = match (start, end) {
            (Some(a), Some(b)) => (date.and_time(a), date.and_time(b)),
            _ => (
                date.and_time(midnight),
                date.succ_opt().unwrap_or(date).and_time(midnight),
            ),
        };
        if to <= from {
            c.errors.add(
                &format!("{key}.end"),
                "L'heure de fin doit venir après l'heure de début.".to_owned(),
            );
            continue;
        }
        let starts_at = c.localized(&format!("{key}.start"), from);
        let ends_at = c.localized(&format!("{key}.end"), to);
        if let (Some(starts_at), Some(ends_at)) = (starts_at, ends_at) {
            if let Some(previous) = sessions.last().map(|s: &Session| s.starts_at)
                && starts_at < previous
            {
                c.errors.add(
                    &format!("{key}.date"),
                    "Les dates se suivent : celle-ci vient avant la précédente.".to_owned(),
                );
            }
            sessions.push(Session {
                title,
                starts_at,
                ends_at,
                all_day,
                programme,
                capacity,
            });
        }
    }
    if day_selection && draft.sessions.len() < 2 {
        c.errors.add(
            "day_selection",
            "Le choix des dates demande au moins deux dates.".to_owned(),
        );
    }

    let capacity = c.capacity("capacity", &draft.capacity);
    let has_limit = capacity.is_some()
        || sessions.iter().any(|s| s.capacity.is_some())
        || sessions
            .iter()
            .flat_map(|s| &s.programme)
            .flat_map(|p| &p.tracks)
            .any(|t| t.capacity.is_some());
    if draft.waitlist && !has_limit {
        c.errors.add(
            "waitlist",
            "Une liste d'attente demande un nombre de places limité.".to_owned(),
        );
    }
    let opens_at = c.instant("opens_at", &draft.opens_at);
    let closes_at = c
        .instant("closes_at", &draft.closes_at)
        .or_else(|| sessions.first().map(|s| s.starts_at));
    if let (Some(opens), Some(closes)) = (opens_at, closes_at)
        && closes <= opens
    {
        c.errors.add(
            "closes_at",
            "La clôture des inscriptions doit venir après leur ouverture.".to_owned(),
        );
    }
    if let (Some(closes), Some(last)) = (closes_at, sessions.last())
        && closes > last.ends_at
    {
        c.errors.add(
            "closes_at",
            "Les inscriptions ne peuvent pas fermer après la fin de l'événement.".to_owned(),
        );
    }
    let access_note = c.optional("access_note", &draft.access_note, PARAGRAPH_MAX);
    let questions = check_questions(&mut c, &draft.questions);
    let mut reminders = draft.reminders_minutes.clone();
    reminders.sort_unstable_by(|a, b| b.cmp(a));
    reminders.dedup();
    if reminders.len() > 5
        || reminders
            .iter()
            .any(|&m| m == 0 || m > REMINDER_MAX_MINUTES)
    {
        c.errors.add(
            "reminders_minutes",
            "Choisissez au plus 5 rappels, entre 1 minute et 30 jours avant.".to_owned(),
        );
    }
    let report = match (
        c.optional("report_title", &draft.report_title, LINE_MAX),
        draft.report_url.trim(),
    ) {
        (None, "") => None,
        (Some(title), url)
            if url.starts_with('/')
                || url.starts_with("https://")
                || url.starts_with("http://") =>
        {
            if url.chars().any(|ch| ch.is_whitespace() || ch.is_control()) || url.len() > 2_000 {
                c.errors.add(
                    "report_url",
                    "Indiquez une adresse de rapport sans espace.".to_owned(),
                );
            }
            Some(ReportLink {
                title,
                url: url.to_owned(),
            })
        }
        (None, _) => {
            c.errors
                .add("report_title", "Donnez le titre du rapport.".to_owned());
            None
        }
        (Some(_), _) => {
            c.errors.add(
                "report_url",
                "Indiquez l'adresse du rapport (https://… ou /rapports/…).".to_owned(),
            );
            None
        }
    };

    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    let (Some(kind), Some(format), Some(closes_at)) = (kind, format, closes_at) else {
        // Each missing part added its message above.
        return Err(c.errors);
    };
    Ok(CheckedEvent {
        public: EventPublic {
            slug,
            kind,
            title,
            summary,
            description_html: String::new(),
            format,
            venue,
            audience,
            objectives,
            organiser,
            speakers,
            contact: Contact {
                name: contact_name,
                email: contact_email,
                phone: contact_phone,
            },
            sessions,
            members_only: draft.members_only,
            access_note,
            registration: RegistrationWindow {
                opens_at,
                closes_at,
            },
            registration_state: RegistrationState::Closed,
            report,
            capacity,
            waitlist: draft.waitlist,
            address_confirmation: draft.address_confirmation,
            day_selection,
            questions,
            reminders_minutes: reminders,
            availability: Availability::default(),
            cancelled: false,
        },
        description_markdown: draft.description.trim().to_owned(),
        connection_url,
    })
}

fn check_questions(c: &mut Checker<'_>, questions: &[Question]) -> Vec<Question> {
    if questions.len() > ITEMS_MAX {
        c.errors
            .add("questions", format!("Pas plus de {ITEMS_MAX} questions."));
    }
    let mut ids = BTreeSet::new();
    let mut checked = Vec::new();
    for (i, question) in questions.iter().enumerate().take(ITEMS_MAX) {
        let key = format!("questions.{i}");
        let label = c.required(&format!("{key}.label"), &question.label, LINE_MAX);
        let help = question
            .help
            .as_deref()
            .and_then(|help| c.optional(&format!("{key}.help"), help, PARAGRAPH_MAX));
        let id = if question.id.trim().is_empty() {
            slugify(&label)
        } else {
            question.id.trim().to_owned()
        };
        if !label.is_empty() && (!valid_slug(&id) || !ids.insert(id.clone())) {
            c.errors.add(
                &format!("{key}.label"),
                "Deux questions ne peuvent pas porter le même intitulé.".to_owned(),
            );
        }
        let kind = match &question.kind {
            QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
                let options: Vec<String> = options
                    .iter()
                    .filter_map(|o| c.optional(&format!("{key}.options"), o, LINE_MAX))
                    .collect();
                let distinct: BTreeSet<&String> = options.iter().collect();
                if options.len() < 2 {
                    c.errors.add(
                        &format!("{key}.options"),
                        "Proposez au moins deux réponses, une par ligne.".to_owned(),
                    );
                } else if distinct.len() != options.len() {
                    c.errors.add(
                        &format!("{key}.options"),
                        "Deux réponses proposées sont identiques.".to_owned(),
                    );
                } else if options.len() > ITEMS_MAX {
                    c.errors.add(
                        &format!("{key}.options"),
                        format!("Pas plus de {ITEMS_MAX} réponses proposées."),
                    );
                }
                if matches!(question.kind, QuestionKind::SingleChoice { .. }) {
                    QuestionKind::SingleChoice { options }
                } else {
                    QuestionKind::MultipleChoice { options }
                }
            }
            QuestionKind::Number { min, max } => {
                if let (Some(a), Some(b)) = (min, max)
                    && b < a
                {
                    c.errors.add(
                        &format!("{key}.max"),
                        "Le maximum doit être au moins égal au minimum.".to_owned(),
                    );
                }
                QuestionKind::Number {
                    min: *min,
                    max: *max,
                }
            }
            other => other.clone(),
        };
        checked.push(Question {
            id,
            label,
            help,
            required: question.required,
            kind,
        });
    }
    checked
}

/// The draft of an existing event, for editing: times in Paris wall-clock
/// (the offsets stored are Paris's at each instant).
pub fn draft_of(
    public: &EventPublic,
    description_markdown: &str,
    connection_url: Option<&str>,
) -> EventDraft {
    let local = |at: &DateTime<FixedOffset>| at.naive_local();
    let instant = |at: &DateTime<FixedOffset>| local(at).format("%Y-%m-%dT%H:%M").to_string();
    let number = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    let venue = public.venue.as_ref();
    EventDraft {
        slug: public.slug.clone(),
        kind: public.kind.as_str().to_owned(),
        title: public.title.clone(),
        summary: public.summary.clone(),
        description: description_markdown.to_owned(),
        format: public.format.as_str().to_owned(),
        venue_name: venue.map(|v| v.name.clone()).unwrap_or_default(),
        venue_address: venue.map(|v| v.address.join("\n")).unwrap_or_default(),
        venue_city: venue.map(|v| v.city.clone()).unwrap_or_default(),
        connection_url: connection_url.unwrap_or_default().to_owned(),
        organiser: public.organiser.clone(),
        audience: public.audience.clone().unwrap_or_default(),
        objectives: public.objectives.clone(),
        speakers: public
            .speakers
            .iter()
            .map(|s| SpeakerDraft {
                name: s.name.clone(),
                role: s.role.clone().unwrap_or_default(),
            })
            .collect(),
        contact_name: public.contact.name.clone(),
        contact_email: public.contact.email.clone().unwrap_or_default(),
        contact_phone: public.contact.phone.clone().unwrap_or_default(),
        sessions: public
            .sessions
            .iter()
            .map(|s| SessionDraft {
                title: s.title.clone().unwrap_or_default(),
                date: local(&s.starts_at).format("%Y-%m-%d").to_string(),
                start: if s.all_day {
                    String::new()
                } else {
                    hhmm(local(&s.starts_at).time())
                },
                end: if s.all_day {
                    String::new()
                } else {
                    hhmm(local(&s.ends_at).time())
                },
                capacity: number(s.capacity),
                programme: s
                    .programme
                    .iter()
                    .map(|p| ProgrammeDraft {
                        start: p.start.clone().unwrap_or_default(),
                        end: p.end.clone().unwrap_or_default(),
                        title: p.title.clone(),
                        details: p.details.clone(),
                        tracks: p
                            .tracks
                            .iter()
                            .map(|t| TrackDraft {
                                id: t.id.clone(),
                                title: t.title.clone(),
                                details: t.details.clone(),
                                capacity: number(t.capacity),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
        capacity: number(public.capacity),
        waitlist: public.waitlist,
        opens_at: public
            .registration
            .opens_at
            .as_ref()
            .map(instant)
            .unwrap_or_default(),
        closes_at: instant(&public.registration.closes_at),
        members_only: public.members_only,
        access_note: public.access_note.clone().unwrap_or_default(),
        day_selection: public.day_selection,
        questions: public.questions.clone(),
        reminders_minutes: public.reminders_minutes.clone(),
        address_confirmation: public.address_confirmation,
        report_title: public
            .report
            .as_ref()
            .map(|r| r.title.clone())
            .unwrap_or_default(),
        report_url: public
            .report
            .as_ref()
            .map(|r| r.url.clone())
            .unwrap_or_default(),
    }
}

/// A French name for the editor's field `key`, with where it is
/// (« Date 1 › Atelier 2 › Places »); `None` for a key the editor does not
/// have.
pub fn describe(key: &str) -> Option<String> {
    let parts: Vec<&str> = key.split('.').collect();
    let mut names = Vec::new();
    let mut i = 0;
    while i < parts.len() {
        let part = parts[i];
        let index = parts
            .get(i + 1)
            .and_then(|n| n.parse::<usize>().ok())
            .map(|n| n + 1);
        let label = match (part, index) {
            ("sessions", Some(n)) => format!("Date {n}"),
            ("programme", Some(n)) => format!("Temps de programme {n}"),
            ("tracks", Some(n)) => format!("Atelier {n}"),
            ("speakers", Some(n)) => format!("Intervenant·e {n}"),
            ("questions", Some(n)) => format!("Question {n}"),
            ("objectives", Some(n)) => format!("Objectifs (ligne {n})"),
            ("details", Some(n)) => format!("Détails (ligne {n})"),
            (name, _) => field_name(name)?.to_owned(),
        };
        names.push(label);
        i += if index.is_some() { 2 } else { 1 };
    }
    Some(names.join(" › "))
}

fn field_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "slug" => "Adresse de la page",
        "kind" => "Type d'événement",
        "title" => "Titre",
        "summary" => "Résumé",
        "description" => "Description",
        "format" => "Format",
        "venue_name" => "Nom du lieu",
        "venue_address" => "Adresse du lieu",
        "venue_city" => "Ville",
        "connection_url" => "Lien de connexion",
        "organiser" => "Organisateur affiché",
        "audience" => "Public",
        "objectives" => "Objectifs",
        "speakers" => "Intervenant·es",
        "name" => "Nom",
        "role" => "Fonction",
        "contact_name" => "Nom du contact",
        "contact_email" => "E-mail du contact",
        "contact_phone" => "Téléphone du contact",
        "sessions" => "Dates",
        "date" => "Date",
        "start" => "Début",
        "end" => "Fin",
        "capacity" => "Places",
        "programme" => "Programme",
        "tracks" => "Ateliers",
        "details" => "Détails",
        "waitlist" => "Liste d'attente",
        "opens_at" => "Ouverture des inscriptions",
        "closes_at" => "Clôture des inscriptions",
        "members_only" => "Réservé aux membres",
        "access_note" => "Conditions d'accès",
        "day_selection" => "Choix des dates",
        "questions" => "Questions",
        "label" => "Intitulé",
        "help" => "Aide",
        "options" => "Réponses proposées",
        "min" => "Minimum",
        "max" => "Maximum",
        "reminders_minutes" => "Rappels",
        "address_confirmation" => "Confirmation de l'adresse",
        "report_title" => "Titre du rapport",
        "report_url" => "Adresse du rapport",
        _ => return None,
    })
}

/// Where an event stands in the back-office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Seen only in the back-office.
    Draft,
    /// On the public agenda.
    Published,
    /// Called off: registration closed, every registrant told.
    Cancelled,
}

impl EventStatus {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Draft => "draft",
            EventStatus::Published => "published",
            EventStatus::Cancelled => "cancelled",
        }
    }

    /// Parses the stored name.
    pub fn parse(value: &str) -> Option<Self> {
        [
            EventStatus::Draft,
            EventStatus::Published,
            EventStatus::Cancelled,
        ]
        .into_iter()
        .find(|status| status.as_str() == value)
    }

    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            EventStatus::Draft => "Brouillon",
            EventStatus::Published => "Publié",
            EventStatus::Cancelled => "Annulé",
        }
    }
}

/// An event as the editor opens it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorView {
    /// What the form shows.
    pub draft: EventDraft,
    /// Where the event stands.
    pub status: EventStatus,
    /// Registrations not cancelled (the event cannot be deleted when any
    /// registration exists, cancelled or not).
    pub active_registrations: u32,
    /// Whether the event may be deleted (nobody ever registered).
    pub deletable: bool,
}

/// What creating or duplicating an event answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    /// The event's address.
    pub slug: String,
    /// A French sentence for the status message.
    pub message: String,
}

/// `POST` [`paths::preview`]: Markdown to show rendered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PreviewRequest {
    /// The description, in Markdown.
    pub markdown: String,
}

/// The rendered, sanitised HTML of a [`PreviewRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    /// Safe HTML.
    pub html: String,
}

/// The editor's endpoints.
pub mod paths {
    /// `GET` an organisation's events; `POST` an [`super::EventDraft`] to
    /// create one (as a draft).
    pub fn events(organisation: &str) -> String {
        format!("/api/gestion/organisations/{organisation}/evenements")
    }

    /// `DELETE` an event nobody ever registered to.
    pub fn event(organisation: &str, slug: &str) -> String {
        format!("{}/{slug}", events(organisation))
    }

    /// `GET` the [`super::EditorView`]; `PUT` an [`super::EventDraft`].
    pub fn edition(organisation: &str, slug: &str) -> String {
        format!("{}/edition", event(organisation, slug))
    }

    /// `POST`: puts the event on the public agenda.
    pub fn publish(organisation: &str, slug: &str) -> String {
        format!("{}/publier", event(organisation, slug))
    }

    /// `POST`: takes the event off the public agenda (back to draft).
    pub fn unpublish(organisation: &str, slug: &str) -> String {
        format!("{}/depublier", event(organisation, slug))
    }

    /// `POST`: a draft copy of the event, to date again.
    pub fn duplicate(organisation: &str, slug: &str) -> String {
        format!("{}/dupliquer", event(organisation, slug))
    }

    /// `POST`: cancels the event and tells every registrant.
    pub fn cancel(organisation: &str, slug: &str) -> String {
        format!("{}/annuler", event(organisation, slug))
    }

    /// `POST` a [`super::PreviewRequest`].
    pub fn preview(organisation: &str) -> String {
        format!("/api/gestion/organisations/{organisation}/apercu")
    }
}
