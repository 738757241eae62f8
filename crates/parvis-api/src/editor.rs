//! From the editor's input to an event to store: parvis-core's rules
//! ([`parvis_core::editor::check`]) with Paris time, then the Markdown
//! description rendered and sanitised. The back-office's routes and the
//! demo content both go through [`event_of`].

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use chrono_tz::Europe::Paris;
use parvis_core::api::FieldErrors;
use parvis_core::editor::{EventDraft, EventStatus, check};

use crate::store::{EventPrivate, NewEvent};

/// A Paris wall-clock time on the timeline; `None` in the hour skipped in
/// spring. In the hour repeated in autumn, the first one.
pub fn paris(at: NaiveDateTime) -> Option<DateTime<FixedOffset>> {
    Paris
        .from_local_datetime(&at)
        .earliest()
        .map(|at| at.fixed_offset())
}

/// The event a draft describes, checked, its description rendered; or the
/// French message of every field that breaks a rule.
pub fn event_of(
    draft: &EventDraft,
    organisation_name: &str,
    organisation_id: Option<i64>,
    status: EventStatus,
) -> Result<NewEvent, FieldErrors> {
    let checked = check(draft, organisation_name, &paris)?;
    let mut public = checked.public;
    public.description_html = crate::markdown::render(&checked.description_markdown);
    Ok(NewEvent {
        public,
        description_markdown: checked.description_markdown,
        status,
        organisation_id,
        connection_url: checked.connection_url,
        private: EventPrivate::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Paris wall-clock time `text` on the timeline, as RFC 3339.
    fn in_paris(text: &str) -> Option<String> {
        let at = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
        paris(at).map(|at| at.to_rfc3339())
    }

    /// The time zone table is built for Paris alone (`.cargo/config.toml`),
    /// and Paris keeps its summer time and its two odd hours.
    #[test]
    fn the_time_zone_table_holds_paris_and_no_other_place_with_its_summer_time() {
        // chrono-tz always keeps its fixed zones (UTC, Etc/GMT+1…), and
        // Monaco is another name for Paris; no other place's rules are kept.
        for zone in chrono_tz::TZ_VARIANTS {
            let name = zone.name();
            assert!(
                zone == Paris
                    || name == "Europe/Monaco"
                    || name.starts_with("Etc/")
                    || !name.contains('/'),
                "{name} is in the table"
            );
        }
        for (wall_clock, instant) in [
            ("2025-01-15 10:00", Some("2025-01-15T10:00:00+01:00")),
            ("2025-07-15 10:00", Some("2025-07-15T10:00:00+02:00")),
            // The hour skipped on the last Sunday of March.
            ("2025-03-30 02:30", None),
            // The hour repeated on the last Sunday of October: the first one.
            ("2025-10-26 02:30", Some("2025-10-26T02:30:00+02:00")),
            // A date of the seed documents, before the rules' last change.
            ("2011-06-09 09:30", Some("2011-06-09T09:30:00+02:00")),
        ] {
            assert_eq!(in_paris(wall_clock).as_deref(), instant, "{wall_clock}");
        }
    }
}
