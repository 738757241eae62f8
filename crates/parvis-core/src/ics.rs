//! Calendar files (iCalendar, RFC 5545) for events and registrations.
//!
//! Times are written in UTC (`DTSTART:20250513T143000Z`): every calendar
//! application shows them in its own zone, so a Paris event lands at the right
//! hour without shipping a `VTIMEZONE` block. All-day sessions use `VALUE=DATE`.
//! Lines end in CRLF, text is escaped, and lines longer than 75 octets are
//! folded without cutting a UTF-8 character, as the RFC requires.

use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset, Utc};

/// One calendar entry (`VEVENT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEntry {
    /// Globally unique and stable across re-sends, so a calendar updates the
    /// entry instead of duplicating it.
    pub uid: String,
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
}

/// Builds a whole calendar file from its entries. `stamp` is the creation
/// time (`DTSTAMP`), passed in so the output is reproducible in tests.
pub fn calendar(entries: &[CalendarEntry], stamp: DateTime<Utc>) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Parvis//Agenda//FR");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    for entry in entries {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", escape(&entry.uid)));
        line(&mut out, &format!("DTSTAMP:{}", utc(stamp)));
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
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
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
        }
    }

    #[test]
    fn paris_summer_time_is_written_in_utc() {
        let ics = calendar(
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
        let ics = calendar(&[webinar()], stamp());
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
        let ics = calendar(&[entry], stamp());
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
        let ics = calendar(&[entry], stamp());
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
        let ics = calendar(&[day("2016-03-10"), day("2016-03-24")], stamp());
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
        assert!(ics.contains("DTSTART:20160310T090000Z"));
    }
}
