//! Dates and times written the French way: « mardi 13 mai 2025, 16 h 30 – 18 h ».
//!
//! Inputs carry the event's local offset, so the local wall-clock time is
//! `naive_local()`: no time-zone database is needed here (and none is shipped
//! in the wasm). Typography follows the French administrative usage: `1er`
//! for the first day of a month, `16 h 30` with spaces, an en dash between
//! times.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use crate::api::Session;

/// Name of a weekday, lower case.
fn weekday(date: NaiveDate) -> &'static str {
    [
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    ][date.weekday().num_days_from_monday() as usize]
}

/// Name of a month (1 = janvier), lower case.
fn month(date: NaiveDate) -> &'static str {
    [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ][date.month0() as usize]
}

fn day_number(date: NaiveDate) -> String {
    match date.day() {
        1 => "1er".to_owned(),
        day => day.to_string(),
    }
}

/// « mardi 13 mai 2025 », « vendredi 1er juillet 2016 ».
pub fn long_date(date: NaiveDate) -> String {
    format!(
        "{} {} {} {}",
        weekday(date),
        day_number(date),
        month(date),
        date.year()
    )
}

/// « 13 mai 2025 », without the weekday, for compact lists.
pub fn short_date(date: NaiveDate) -> String {
    format!("{} {} {}", day_number(date), month(date), date.year())
}

/// « 16 h 30 », « 18 h ».
pub fn time(time: NaiveTime) -> String {
    match time.minute() {
        0 => format!("{} h", time.hour()),
        minute => format!("{} h {minute:02}", time.hour()),
    }
}

/// A programme's `"10:00"` written as [`time`] writes it (« 10 h »); text
/// that is not a time is returned as it is.
pub fn clock(text: &str) -> String {
    let parsed = text.split_once(':').and_then(|(h, m)| {
        let digits = |s: &str| {
            (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u32>().ok())
                .flatten()
        };
        NaiveTime::from_hms_opt(digits(h)?, digits(m)?, 0)
    });
    parsed.map_or_else(|| text.to_owned(), time)
}

fn local(at: &DateTime<FixedOffset>) -> NaiveDateTime {
    at.naive_local()
}

/// A span from `start` to `end`, local times:
/// - same day: « mardi 13 mai 2025, 16 h 30 – 18 h »;
/// - all day: « mercredi 15 juin 2011 »;
/// - over several days: « du jeudi 10 mars 2016, 10 h au vendredi 11 mars 2016, 17 h ».
pub fn span(start: &DateTime<FixedOffset>, end: &DateTime<FixedOffset>, all_day: bool) -> String {
    let (start, end) = (local(start), local(end));
    if all_day {
        // An all-day end is exclusive (midnight of the next day), as in iCalendar.
        let last = if end.time() == NaiveTime::MIN && end.date() > start.date() {
            end.date().pred_opt().unwrap_or(end.date())
        } else {
            end.date()
        };
        if last == start.date() {
            long_date(start.date())
        } else {
            format!("du {} au {}", long_date(start.date()), long_date(last))
        }
    } else if start.date() == end.date() {
        format!(
            "{}, {} – {}",
            long_date(start.date()),
            time(start.time()),
            time(end.time())
        )
    } else {
        format!(
            "du {}, {} au {}, {}",
            long_date(start.date()),
            time(start.time()),
            long_date(end.date()),
            time(end.time())
        )
    }
}

/// One session, as written in emails and on the event page.
pub fn session(session: &Session) -> String {
    span(&session.starts_at, &session.ends_at, session.all_day)
}

/// Every session of an event, one line each; a single line for one session.
pub fn sessions(sessions: &[Session]) -> Vec<String> {
    sessions.iter().map(session).collect()
}

/// A compact label for the agenda: « 13 mai 2025 », or
/// « du 10 mars 2016 au 23 juin 2016 (4 dates) » for a cycle.
pub fn agenda_label(
    start: &DateTime<FixedOffset>,
    end: &DateTime<FixedOffset>,
    session_count: u32,
) -> String {
    let (start, end) = (local(start).date(), local(end).date());
    if start == end {
        short_date(start)
    } else if session_count > 1 {
        format!(
            "du {} au {} ({session_count} dates)",
            short_date(start),
            short_date(end)
        )
    } else {
        format!("du {} au {}", short_date(start), short_date(end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn the_webinar_is_written_the_french_way() {
        assert_eq!(
            span(
                &at("2025-05-13T16:30:00+02:00"),
                &at("2025-05-13T18:00:00+02:00"),
                false
            ),
            "mardi 13 mai 2025, 16 h 30 – 18 h"
        );
    }

    #[test]
    fn the_first_of_the_month_is_premier() {
        assert_eq!(
            span(
                &at("2016-07-01T10:00:00+02:00"),
                &at("2016-07-01T16:00:00+02:00"),
                false
            ),
            "vendredi 1er juillet 2016, 10 h – 16 h"
        );
    }

    #[test]
    fn winter_dates_use_their_own_offset() {
        assert_eq!(
            span(
                &at("2016-03-10T10:00:00+01:00"),
                &at("2016-03-10T17:00:00+01:00"),
                false
            ),
            "jeudi 10 mars 2016, 10 h – 17 h"
        );
    }

    #[test]
    fn all_day_sessions_show_only_the_date() {
        assert_eq!(
            span(
                &at("2011-06-15T00:00:00+02:00"),
                &at("2011-06-16T00:00:00+02:00"),
                true
            ),
            "mercredi 15 juin 2011"
        );
    }

    #[test]
    fn spans_over_several_days_say_du_au() {
        assert_eq!(
            span(
                &at("2016-03-10T10:00:00+01:00"),
                &at("2016-03-11T17:00:00+01:00"),
                false
            ),
            "du jeudi 10 mars 2016, 10 h au vendredi 11 mars 2016, 17 h"
        );
    }

    #[test]
    fn agenda_labels() {
        assert_eq!(
            agenda_label(
                &at("2016-03-10T10:00:00+01:00"),
                &at("2016-06-23T17:00:00+02:00"),
                4
            ),
            "du 10 mars 2016 au 23 juin 2016 (4 dates)"
        );
        assert_eq!(
            agenda_label(
                &at("2025-05-13T16:30:00+02:00"),
                &at("2025-05-13T18:00:00+02:00"),
                1
            ),
            "13 mai 2025"
        );
    }

    #[test]
    fn minutes_are_two_digits() {
        assert_eq!(time(NaiveTime::from_hms_opt(9, 5, 0).unwrap()), "9 h 05");
        assert_eq!(clock("10:00"), "10 h");
        assert_eq!(clock("09:30"), "9 h 30");
        assert_eq!(clock("midi"), "midi");
        assert_eq!(clock("25:00"), "25:00");
    }
}
