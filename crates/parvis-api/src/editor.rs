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
