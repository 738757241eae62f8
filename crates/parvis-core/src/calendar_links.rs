//! « Ajouter à Google Agenda » and « Ajouter à Outlook »: links that open
//! the calendar's new-event form filled with a session, for people whose
//! calendar lives in a browser and who would not import an `.ics` file.

use chrono::{DateTime, FixedOffset, Utc};

use crate::api::{CalendarLinks, paths::encode};
use crate::ics::CalendarEntry;

fn utc_basic(at: &DateTime<FixedOffset>) -> String {
    at.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ").to_string()
}

fn utc_extended(at: &DateTime<FixedOffset>) -> String {
    at.with_timezone(&Utc)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn all_day_end(entry: &CalendarEntry) -> chrono::NaiveDate {
    let start = entry.starts_at.date_naive();
    let end = entry.ends_at.date_naive();
    if end <= start {
        start.succ_opt().unwrap_or(start)
    } else {
        end
    }
}

/// The links of one calendar entry; `label` names the session.
pub fn for_entry(entry: &CalendarEntry, label: String) -> CalendarLinks {
    let (google_dates, outlook_start, outlook_end) = if entry.all_day {
        let start = entry.starts_at.date_naive();
        let end = all_day_end(entry);
        (
            format!("{}/{}", start.format("%Y%m%d"), end.format("%Y%m%d")),
            start.format("%Y-%m-%d").to_string(),
            end.format("%Y-%m-%d").to_string(),
        )
    } else {
        (
            format!(
                "{}/{}",
                utc_basic(&entry.starts_at),
                utc_basic(&entry.ends_at)
            ),
            utc_extended(&entry.starts_at),
            utc_extended(&entry.ends_at),
        )
    };
    let google = format!(
        "https://calendar.google.com/calendar/render?action=TEMPLATE&text={}&dates={google_dates}&details={}&location={}",
        encode(&entry.summary),
        encode(&entry.description),
        encode(&entry.location),
    );
    let outlook = format!(
        "https://outlook.office.com/calendar/0/action/compose?rru=addevent&subject={}&startdt={}&enddt={}&allday={}&body={}&location={}",
        encode(&entry.summary),
        encode(&outlook_start),
        encode(&outlook_end),
        entry.all_day,
        encode(&entry.description),
        encode(&entry.location),
    );
    CalendarLinks {
        label,
        google,
        outlook,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(all_day: bool) -> CalendarEntry {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap();
        CalendarEntry {
            uid: "webinaire@parvis".into(),
            summary: "Webinaire : CEQ 2030 & CTG".into(),
            starts_at: at("2026-12-03T09:30:00+01:00"),
            ends_at: at("2026-12-03T12:00:00+01:00"),
            all_day,
            description: "Page : https://parvis.example.org/evenements/x".into(),
            location: "En ligne".into(),
            url: None,
            sequence: 0,
            status: crate::ics::EntryStatus::Confirmed,
            organizer: None,
        }
    }

    #[test]
    fn google_and_outlook_get_the_session_in_utc_and_escaped() {
        let links = for_entry(&entry(false), "jeudi 3 décembre 2026".into());
        assert!(
            links
                .google
                .contains("&dates=20261203T083000Z/20261203T110000Z&"),
            "{}",
            links.google
        );
        assert!(
            links
                .google
                .contains("text=Webinaire%20%3A%20CEQ%202030%20%26%20CTG&")
        );
        assert!(
            links.outlook.contains(
                "startdt=2026-12-03T08%3A30%3A00Z&enddt=2026-12-03T11%3A00%3A00Z&allday=false"
            ),
            "{}",
            links.outlook
        );
        assert!(
            links
                .outlook
                .starts_with("https://outlook.office.com/calendar/0/action/compose?")
        );
    }

    #[test]
    fn a_day_without_hours_is_a_whole_day() {
        let links = for_entry(&entry(true), String::new());
        assert!(links.google.contains("&dates=20261203/20261204&"));
        assert!(
            links
                .outlook
                .contains("startdt=2026-12-03&enddt=2026-12-04&allday=true")
        );
    }
}
