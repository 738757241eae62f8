//! Calendar files (iCalendar, RFC 5545) for events and registrations, sent
//! the iTIP way (RFC 5546) so that a registrant's calendar stays right.
//!
//! Times are written in UTC (`DTSTART:20250513T143000Z`): every calendar
//! application shows them in its own zone, so a Paris event lands at the right
//! hour without shipping a `VTIMEZONE` block. All-day sessions use `VALUE=DATE`.
//! Lines end in CRLF, text is escaped, and lines longer than 75 octets are
//! folded without cutting a UTF-8 character, as the RFC requires.
//!
//! Each session of an event is one entry whose `UID` never changes
//! (`{slug}-{n}@{host}`), and each entry carries a `SEQUENCE` and a `STATUS`.
//! A file is either [`Method::Publish`] (entries to add or update; a day
//! taken out of a registration travels as a `STATUS:CANCELLED` entry with its
//! usual UID) or [`Method::Cancel`] (every entry `STATUS:CANCELLED`): a
//! calendar that already holds the UID applies the version with the highest
//! sequence, so a change or a cancellation replaces the entries instead of
//! adding new ones. The organiser, when the event has a contact address, is
//! written `ORGANIZER;CN="<name>":mailto:<address>`, the name quoted and
//! escaped as a parameter value (RFC 6868).

use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset, Utc};

/// What a calendar file asks of the calendar that opens it (RFC 5546).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Add or update the entries (`METHOD:PUBLISH`).
    Publish,
    /// Remove the entries (`METHOD:CANCEL`); every entry is written
    /// `STATUS:CANCELLED`.
    Cancel,
}

impl Method {
    /// The value of the `METHOD` property, also the `method` parameter of a
    /// `text/calendar` MIME part.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Publish => "PUBLISH",
            Method::Cancel => "CANCEL",
        }
    }

    /// The method a calendar file declares, if it is one Parvis writes.
    pub fn of(calendar: &str) -> Option<Self> {
        calendar
            .split("\r\n")
            .find_map(|line| line.strip_prefix("METHOD:"))
            .and_then(|method| match method.trim() {
                "PUBLISH" => Some(Method::Publish),
                "CANCEL" => Some(Method::Cancel),
                _ => None,
            })
    }
}

/// Whether an entry takes place (`STATUS:CONFIRMED`) or is called off
/// (`STATUS:CANCELLED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryStatus {
    /// It takes place.
    Confirmed,
    /// It is removed from the calendar.
    Cancelled,
}

impl EntryStatus {
    fn as_str(self) -> &'static str {
        match self {
            EntryStatus::Confirmed => "CONFIRMED",
            EntryStatus::Cancelled => "CANCELLED",
        }
    }
}

/// Who organises an entry (`ORGANIZER`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organizer {
    /// Display name (`CN`); left out when empty.
    pub name: String,
    /// Email address, written as a `mailto:` URI.
    pub email: String,
}

/// One calendar entry (`VEVENT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEntry {
    /// Globally unique and stable across re-sends, so a calendar updates the
    /// entry instead of duplicating it.
    pub uid: String,
    /// Version of the entry: a calendar keeps the one with the highest
    /// sequence for a UID, so every file sent about the same UID must carry
    /// a higher one than the last.
    pub sequence: u32,
    /// Takes place or called off (always called off in a
    /// [`Method::Cancel`] file).
    pub status: EntryStatus,
    /// Title.
    pub summary: String,
    /// Start, in the event's local offset.
    pub starts_at: DateTime<FixedOffset>,
    /// End, in the event's local offset.
    pub ends_at: DateTime<FixedOffset>,
    /// Date-only entry.
    pub all_day: bool,
    /// Free text (programme, connection link for a registrant's own file).
    pub description: String,
    /// Venue, or « En ligne ».
    pub location: String,
    /// Page of the event (or the connection link, for a registrant).
    pub url: Option<String>,
    /// The organiser, when the event has a contact address.
    pub organizer: Option<Organizer>,
}

/// Builds a whole calendar file from its entries. `stamp` is the creation
/// time (`DTSTAMP`), passed in so the output is reproducible in tests.
pub fn calendar(method: Method, entries: &[CalendarEntry], stamp: DateTime<Utc>) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Parvis//Agenda//FR");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, &format!("METHOD:{}", method.as_str()));
    for entry in entries {
        let status = match method {
            Method::Publish => entry.status,
            Method::Cancel => EntryStatus::Cancelled,
        };
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", escape(&entry.uid)));
        line(&mut out, &format!("DTSTAMP:{}", utc(stamp)));
        line(&mut out, &format!("SEQUENCE:{}", entry.sequence));
        line(&mut out, &format!("STATUS:{}", status.as_str()));
        if entry.all_day {
            let start = entry.starts_at.naive_local().date();
            let mut end = entry.ends_at.naive_local().date();
            if end <= start {
                end = start.succ_opt().unwrap_or(start);
            }
            line(
                &mut out,
                &format!("DTSTART;VALUE=DATE:{}", start.format("%Y%m%d")),
            );
            line(
                &mut out,
                &format!("DTEND;VALUE=DATE:{}", end.format("%Y%m%d")),
            );
        } else {
            line(
                &mut out,
                &format!("DTSTART:{}", utc(entry.starts_at.with_timezone(&Utc))),
            );
            line(
                &mut out,
                &format!("DTEND:{}", utc(entry.ends_at.with_timezone(&Utc))),
            );
        }
        line(&mut out, &format!("SUMMARY:{}", escape(&entry.summary)));
        if !entry.description.is_empty() {
            line(
                &mut out,
                &format!("DESCRIPTION:{}", escape(&entry.description)),
            );
        }
        line(&mut out, &format!("LOCATION:{}", escape(&entry.location)));
        if let Some(url) = &entry.url {
            line(&mut out, &format!("URL:{url}"));
        }
        if let Some(organizer) = &entry.organizer {
            line(&mut out, &organizer_line(organizer));
        }
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

/// A calendar that calendar applications subscribe to (a feed, not an
/// invitation): the [`Method::Publish`] file of `entries`, named `name`
/// (RFC 7986 `NAME`, and `X-WR-CALNAME` for the applications that only
/// read that one), shown in Paris time (`X-WR-TIMEZONE`; times stay in
/// UTC, so no `VTIMEZONE` is needed), and read again every six hours
/// (RFC 7986 `REFRESH-INTERVAL`, and `X-PUBLISHED-TTL`).
pub fn subscription(name: &str, entries: &[CalendarEntry], stamp: DateTime<Utc>) -> String {
    let mut out = calendar(Method::Publish, entries, stamp);
    let mut head = String::new();
    line(&mut head, &format!("NAME:{}", escape(name)));
    line(&mut head, &format!("X-WR-CALNAME:{}", escape(name)));
    line(&mut head, "X-WR-TIMEZONE:Europe/Paris");
    line(&mut head, "REFRESH-INTERVAL;VALUE=DURATION:PT6H");
    line(&mut head, "X-PUBLISHED-TTL:PT6H");
    let method = "\r\nMETHOD:PUBLISH\r\n";
    let at = out.find(method).map_or(out.len(), |at| at + method.len());
    out.insert_str(at, &head);
    out
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// `ORGANIZER;CN="<name>":mailto:<address>`. The name is always quoted
/// (it may hold `,`, `;` or `:`), with RFC 6868's escapes for what a quoted
/// parameter value cannot hold: `^^` for `^`, `^'` for `"`, `^n` for a line
/// break; other control characters are dropped.
fn organizer_line(organizer: &Organizer) -> String {
    let email: String = organizer
        .email
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect();
    let mut name = String::with_capacity(organizer.name.len());
    for c in organizer.name.trim().chars() {
        match c {
            '^' => name.push_str("^^"),
            '"' => name.push_str("^'"),
            '\n' => name.push_str("^n"),
            c if c.is_control() => {}
            c => name.push(c),
        }
    }
    if name.is_empty() {
        format!("ORGANIZER:mailto:{email}")
    } else {
        format!("ORGANIZER;CN=\"{name}\":mailto:{email}")
    }
}

/// Escapes a TEXT value (RFC 5545 §3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line, folded at 75 octets, ending in CRLF.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    let _ = write!(out, "\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn stamp() -> DateTime<Utc> {
        at("2025-05-01T08:00:00+00:00").with_timezone(&Utc)
    }

    fn webinar() -> CalendarEntry {
        CalendarEntry {
            uid: "webinaire-ceq2030@parvis".into(),
            summary: "Webinaire : CEQ 2030, CTG; articulation".into(),
            starts_at: at("2025-05-13T16:30:00+02:00"),
            ends_at: at("2025-05-13T18:00:00+02:00"),
            all_day: false,
            description: "Restitution d'étude\nLien : https://visio.example.org/abc".into(),
            location: "En ligne".into(),
            url: Some("https://parvis.example.org/evenements/webinaire".into()),
            sequence: 0,
            status: EntryStatus::Confirmed,
            organizer: Some(Organizer {
                name: "Pôle Ressources".into(),
                email: "contact@exemple.fr".into(),
            }),
        }
    }

    #[test]
    fn paris_summer_time_is_written_in_utc() {
        let ics = calendar(
            Method::Publish,
            &[webinar()],
            at("2025-05-01T08:00:00+00:00").with_timezone(&Utc),
        );
        assert!(ics.contains("\r\nDTSTART:20250513T143000Z\r\n"), "{ics}");
        assert!(ics.contains("\r\nDTEND:20250513T160000Z\r\n"));
        assert!(ics.contains("\r\nDTSTAMP:20250501T080000Z\r\n"));
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
    }

    #[test]
    fn text_is_escaped() {
        let ics = calendar(Method::Publish, &[webinar()], stamp());
        assert!(ics.contains("SUMMARY:Webinaire : CEQ 2030\\, CTG\\; articulation\r\n"));
        assert!(
            ics.contains("DESCRIPTION:Restitution d'étude\\nLien : https://visio.example.org/abc")
        );
    }

    #[test]
    fn long_lines_are_folded_at_75_octets_without_splitting_characters() {
        let entry = CalendarEntry {
            summary: "é".repeat(100),
            ..webinar()
        };
        let ics = calendar(Method::Publish, &[entry], stamp());
        for physical in ics.split("\r\n") {
            assert!(
                physical.len() <= 75,
                "{physical:?} is {} octets",
                physical.len()
            );
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{}", "é".repeat(100))));
    }

    #[test]
    fn all_day_entries_use_dates() {
        let entry = CalendarEntry {
            starts_at: at("2011-06-15T00:00:00+02:00"),
            ends_at: at("2011-06-16T00:00:00+02:00"),
            all_day: true,
            ..webinar()
        };
        let ics = calendar(Method::Publish, &[entry], stamp());
        assert!(ics.contains("DTSTART;VALUE=DATE:20110615\r\nDTEND;VALUE=DATE:20110616\r\n"));
    }

    #[test]
    fn a_cycle_has_one_entry_per_day() {
        let day = |d: &str| CalendarEntry {
            uid: format!("cycle-{d}@parvis"),
            starts_at: at(&format!("{d}T10:00:00+01:00")),
            ends_at: at(&format!("{d}T17:00:00+01:00")),
            ..webinar()
        };
        let ics = calendar(
            Method::Publish,
            &[day("2016-03-10"), day("2016-03-24")],
            stamp(),
        );
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
        assert!(ics.contains("DTSTART:20160310T090000Z"));
    }

    #[test]
    fn every_entry_carries_its_sequence_and_status() {
        let entry = CalendarEntry {
            sequence: 7,
            ..webinar()
        };
        let ics = calendar(Method::Publish, &[entry], stamp());
        assert!(ics.contains("\r\nMETHOD:PUBLISH\r\n"), "{ics}");
        assert!(
            ics.contains("\r\nSEQUENCE:7\r\nSTATUS:CONFIRMED\r\n"),
            "{ics}"
        );
    }

    #[test]
    fn a_published_file_can_call_off_one_day_under_its_usual_uid() {
        let day = |d: &str, status| CalendarEntry {
            uid: format!("cycle-{d}@parvis"),
            starts_at: at(&format!("{d}T10:00:00+01:00")),
            ends_at: at(&format!("{d}T17:00:00+01:00")),
            sequence: 2,
            status,
            ..webinar()
        };
        let ics = calendar(
            Method::Publish,
            &[
                day("2016-03-10", EntryStatus::Confirmed),
                day("2016-03-24", EntryStatus::Cancelled),
            ],
            stamp(),
        );
        let events: Vec<&str> = ics.split("BEGIN:VEVENT").skip(1).collect();
        assert!(events[0].contains("UID:cycle-2016-03-10@parvis\r\n"));
        assert!(events[0].contains("STATUS:CONFIRMED\r\n"));
        assert!(events[1].contains("UID:cycle-2016-03-24@parvis\r\n"));
        assert!(events[1].contains("STATUS:CANCELLED\r\n"));
    }

    #[test]
    fn a_cancel_file_calls_off_every_entry() {
        let ics = calendar(Method::Cancel, &[webinar(), webinar()], stamp());
        assert!(ics.contains("\r\nMETHOD:CANCEL\r\n"), "{ics}");
        assert_eq!(ics.matches("STATUS:CANCELLED\r\n").count(), 2, "{ics}");
        assert!(!ics.contains("STATUS:CONFIRMED"));
        assert_eq!(Method::of(&ics), Some(Method::Cancel));
        assert_eq!(
            Method::of(&calendar(Method::Publish, &[webinar()], stamp())),
            Some(Method::Publish)
        );
        assert_eq!(Method::of("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), None);
    }

    #[test]
    fn a_subscription_is_named_and_refreshed() {
        let ics = subscription("Agenda — Pôle, Ressources", &[webinar()], stamp());
        assert!(
            ics.starts_with(
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Parvis//Agenda//FR\r\n\
                 CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nNAME:Agenda — Pôle\\, Ressources\r\n\
                 X-WR-CALNAME:Agenda — Pôle\\, Ressources\r\nX-WR-TIMEZONE:Europe/Paris\r\n\
                 REFRESH-INTERVAL;VALUE=DURATION:PT6H\r\nX-PUBLISHED-TTL:PT6H\r\nBEGIN:VEVENT\r\n"
            ),
            "{ics}"
        );
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1);
    }

    #[test]
    fn the_organiser_name_is_a_quoted_and_escaped_parameter() {
        let ics = calendar(Method::Publish, &[webinar()], stamp());
        assert!(
            ics.contains("\r\nORGANIZER;CN=\"Pôle Ressources\":mailto:contact@exemple.fr\r\n"),
            "{ics}"
        );
        let entry = CalendarEntry {
            organizer: Some(Organizer {
                name: "Villes \"au\" Carré; Tours: 37, ^\nCentre".into(),
                email: "contact@exemple.fr\r\nX-INJECTED:1".into(),
            }),
            ..webinar()
        };
        let ics = calendar(Method::Publish, &[entry], stamp()).replace("\r\n ", "");
        assert!(
            ics.contains(
                "\r\nORGANIZER;CN=\"Villes ^'au^' Carré; Tours: 37, ^^^nCentre\":mailto:contact@exemple.frX-INJECTED:1\r\n"
            ),
            "{ics}"
        );
        assert!(!ics.contains("\r\nX-INJECTED"));
        let nameless = CalendarEntry {
            organizer: Some(Organizer {
                name: " ".into(),
                email: "contact@exemple.fr".into(),
            }),
            ..webinar()
        };
        let ics = calendar(Method::Publish, &[nameless], stamp());
        assert!(ics.contains("\r\nORGANIZER:mailto:contact@exemple.fr\r\n"));
        let none = CalendarEntry {
            organizer: None,
            ..webinar()
        };
        assert!(!calendar(Method::Publish, &[none], stamp()).contains("ORGANIZER"));
    }
}
