//! Demo content, taken from the real documents of resource centres.
//!
//! The events are data files (`seed/events/*.json`), each an
//! [`EventDraft`]: the event editor's own input, checked by the same rules
//! ([`crate::editor::event_of`]) as what an organiser types. The
//! publications are `seed/publications/*.json`, each a [`PublicationDraft`]
//! checked by parvis-core's [`check_draft`] with the text of its files,
//! which [`crate::pdf`] makes into small real PDFs stored through
//! [`crate::files::Files`]. The data files are compiled into the binary: a
//! Lambda function needs no file system.
//!
//! On first start with an empty database, Parvis stores the events of the
//! seed documents with their real dates, the demo organisation that owns
//! them, and its publications with their files. Because those
//! events are past, three files are upcoming copies (the webinar, the
//! steering committee, the qualification cycle): their dates move by whole
//! weeks to the first of their weekdays some weeks after the day of
//! seeding, and their registration opens the day before, so every journey
//! works on any date.

use anyhow::Result;
use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, NaiveDateTime, Utc, Weekday};
use chrono_tz::Europe::Paris;
use parvis_core::editor::{EventDraft, EventStatus};
use parvis_core::publications::{CheckedPublication, PublicationDraft, check_draft};
use serde::Deserialize;

use crate::AppState;
use crate::store::accounts::Role;
use crate::store::publications::NewFile;
use crate::store::{EventPrivate, NewEvent, Store};

/// Slug of the upcoming copy of the webinar, used by the README and tests.
pub const UPCOMING_WEBINAR: &str = "webinaire-ceq-2030-ctg-restitution";
/// Slug of the original webinar of 13 May 2025.
pub const WEBINAR_2025: &str = "webinaire-ceq-2030-ctg-2025-05-13";
/// Slug of the upcoming qualification cycle (days chosen, 20 seats a day).
pub const UPCOMING_CYCLE: &str = "cycle-qualification-contrat-de-ville-prochaine-session";
/// Slug of the upcoming steering committee (members only).
pub const UPCOMING_COMMITTEE: &str = "comite-pilotage-villes-vivre-ensemble-prochain";
/// The invitation code of the upcoming committee, for the demo.
pub const DEMO_INVITATION_CODE: &str = "VIVRE-ENSEMBLE";

/// One demo event: its data file and, for an upcoming copy, how many days
/// after the day of seeding it starts at the earliest.
struct DemoFile {
    name: &'static str,
    json: &'static str,
    days_ahead: Option<u64>,
}

macro_rules! demo_file {
    ($name:literal, $days_ahead:expr) => {
        DemoFile {
            name: $name,
            json: include_str!(concat!("../seed/events/", $name, ".json")),
            days_ahead: $days_ahead,
        }
    };
}

/// The demo events, upcoming copies first.
const DEMO_FILES: [DemoFile; 7] = [
    demo_file!("webinaire-ceq-2030-ctg-restitution", Some(28)),
    demo_file!("comite-pilotage-villes-vivre-ensemble-prochain", Some(21)),
    demo_file!(
        "cycle-qualification-contrat-de-ville-prochaine-session",
        Some(35)
    ),
    demo_file!("webinaire-ceq-2030-ctg-2025-05-13", None),
    demo_file!("comite-pilotage-villes-vivre-ensemble-2016-07-01", None),
    demo_file!("cycle-qualification-contrat-de-ville-2016", None),
    demo_file!("journee-regionale-cohesion-sociale-paca-2011-06-15", None),
];

/// The demo publications: the research-action's report (seed 001), the
/// PACA regional day's programme and proceedings (seed 003), and the Pôle
/// ressources' 2025 study, reserved to its webinars' registrants (seed 004).
const PUBLICATIONS: [&str; 4] = [
    include_str!(
        "../seed/publications/villes-et-vivre-ensemble-gouvernance-locale-cohesion-sociale.json"
    ),
    include_str!(
        "../seed/publications/programme-journee-regionale-cohesion-sociale-paca-2011.json"
    ),
    include_str!("../seed/publications/actes-journee-regionale-cohesion-sociale-paca-2011.json"),
    include_str!("../seed/publications/etude-ceq-2030-ctg-2025.json"),
];

/// Slug of the reserved study of the Pôle ressources (seed 004).
pub const RESERVED_STUDY: &str = "etude-ceq-2030-ctg-2025";

/// The name every demo event is organised under when its file names none.
const DEMO_ORGANISER_NAME: &str = "Centre de ressources (démonstration)";

/// A demo data file, as the editor would send it.
pub fn draft(name: &str) -> EventDraft {
    let file = DEMO_FILES
        .iter()
        .find(|file| file.name == name)
        .unwrap_or_else(|| panic!("no demo file {name}"));
    serde_json::from_str(file.json).unwrap_or_else(|error| panic!("{name}: {error}"))
}

/// Paris wall-clock time to an instant with its offset.
pub fn paris(date: NaiveDate, hour: u32, minute: u32) -> DateTime<FixedOffset> {
    let at = date
        .and_hms_opt(hour, minute, 0)
        .expect("valid time of day");
    crate::editor::paris(at).expect("a time that exists in Paris")
}

/// The first `weekday` at least `days` after `today`: upcoming copies keep
/// the weekday of their original (a Tuesday webinar, a Friday committee, a
/// Thursday cycle) and never fall on a weekend.
pub fn ahead(today: NaiveDate, days: u64, weekday: Weekday) -> NaiveDate {
    let mut date = today.checked_add_days(Days::new(days)).unwrap_or(today);
    while date.weekday() != weekday {
        date = date.succ_opt().unwrap_or(date);
    }
    date
}

fn parse_date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|_| panic!("a date: {text}"))
}

/// Moves every date of a draft by `days`.
fn shift(draft: &mut EventDraft, days: i64) {
    let by = |date: NaiveDate| date + chrono::Duration::days(days);
    for session in &mut draft.sessions {
        session.date = by(parse_date(&session.date)).format("%Y-%m-%d").to_string();
    }
    for instant in [&mut draft.opens_at, &mut draft.closes_at] {
        if let Ok(at) = NaiveDateTime::parse_from_str(instant, "%Y-%m-%dT%H:%M") {
            *instant = (at + chrono::Duration::days(days))
                .format("%Y-%m-%dT%H:%M")
                .to_string();
        }
    }
}

/// Registration opening the day before `now`, in the editor's form.
fn a_day_before(now: DateTime<Utc>) -> String {
    (now.with_timezone(&Paris) - chrono::Duration::days(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

fn checked(draft: &EventDraft) -> NewEvent {
    crate::editor::event_of(draft, DEMO_ORGANISER_NAME, None, EventStatus::Published)
        .unwrap_or_else(|errors| panic!("demo event {}: {errors:?}", draft.slug))
}

/// The webinar of the Pôle ressources (seed 004) under another address, on
/// `date`, registration opening at `opens_at` (at once when `None`).
pub fn webinar(slug: &str, date: NaiveDate, opens_at: Option<DateTime<FixedOffset>>) -> NewEvent {
    let mut draft = draft(WEBINAR_2025);
    draft.slug = slug.to_owned();
    draft.sessions[0].date = date.format("%Y-%m-%d").to_string();
    draft.opens_at = opens_at
        .map(|at| {
            at.with_timezone(&Paris)
                .format("%Y-%m-%dT%H:%M")
                .to_string()
        })
        .unwrap_or_default();
    draft.closes_at = String::new();
    draft.connection_url = format!("https://visio.example.org/parvis/{slug}");
    checked(&draft)
}

/// Every demo event; the upcoming copies are dated relative to `today`
/// and open since the day before `now`.
pub fn demo_events(today: NaiveDate, now: DateTime<Utc>) -> Vec<NewEvent> {
    DEMO_FILES
        .iter()
        .map(|file| {
            let mut draft = draft(file.name);
            if let Some(days) = file.days_ahead {
                let first = parse_date(&draft.sessions[0].date);
                let target = ahead(today, days, first.weekday());
                shift(&mut draft, (target - first).num_days());
                draft.opens_at = a_day_before(now);
            }
            let mut event = checked(&draft);
            if event.public.slug == UPCOMING_COMMITTEE {
                // Members are invited from the back-office, each with a
                // personal link; the demo code stays a seeded hash.
                event.private = EventPrivate {
                    roster: Vec::new(),
                    invitation_code_hashes: vec![crate::token::invitation_code_hash(
                        DEMO_INVITATION_CODE,
                    )],
                };
            }
            event
        })
        .collect()
}

/// A demo publication: the back-office's draft, and its files' text.
#[derive(Debug, Clone, Deserialize)]
pub struct DemoPublication {
    /// What an organiser would type.
    #[serde(flatten)]
    pub draft: PublicationDraft,
    /// Its files, each made into a PDF.
    pub files: Vec<DemoPublicationFile>,
}

/// One file of a demo publication.
#[derive(Debug, Clone, Deserialize)]
pub struct DemoPublicationFile {
    /// What the link says.
    pub label: String,
    /// The name offered to the browser.
    pub name: String,
    /// A tagged, accessible version.
    #[serde(default)]
    pub accessible: bool,
    /// Its paragraphs, after the publication's title.
    pub text: Vec<String>,
}

impl DemoPublication {
    /// The draft checked by the back-office's rules.
    pub fn checked(&self) -> CheckedPublication {
        check_draft(&self.draft)
            .unwrap_or_else(|errors| panic!("demo publication {}: {errors:?}", self.draft.slug))
    }

    /// A file's PDF: the publication's title, then the file's text.
    pub fn pdf(&self, file: &DemoPublicationFile) -> Vec<u8> {
        let mut paragraphs = vec![file.label.as_str(), self.draft.authors.as_str()];
        paragraphs.extend(file.text.iter().map(String::as_str));
        crate::pdf::document(&self.draft.title, &paragraphs)
    }
}

/// The demo publications.
pub fn publications() -> Vec<DemoPublication> {
    PUBLICATIONS
        .iter()
        .map(|json| serde_json::from_str(json).expect("a demo publication"))
        .collect()
}

/// Stores the demo publications of `organisation` with their files. A
/// publication another replica stored first is left as it is.
async fn seed_publications(state: &AppState, organisation: i64) -> Result<()> {
    let now = Utc::now();
    for publication in publications() {
        let fields = publication.checked();
        let Some(id) = state
            .store
            .create_publication(organisation, &publication.draft.slug, &fields, now)
            .await?
        else {
            continue;
        };
        for file in &publication.files {
            let bytes = publication.pdf(file);
            let file_id = crate::token::random_hex(12)?;
            let new = NewFile {
                storage_key: format!("publications/{id}/{file_id}.pdf"),
                id: file_id,
                label: file.label.clone(),
                name: file.name.clone(),
                size: bytes.len() as u64,
                sha256: crate::files::content_hash(&bytes),
                accessible: file.accessible,
            };
            state.files.put(&new.storage_key, bytes.into()).await?;
            state.store.add_publication_file(id, &new, now).await?;
        }
    }
    Ok(())
}

/// Seeds the whole demo when the database has no event yet: the events
/// and their organisation ([`seed_if_empty`]), then its publications with
/// their files. Returns whether it did. The binaries call this.
pub async fn seed_demo(state: &AppState) -> Result<bool> {
    if !seed_if_empty(state.store.as_ref()).await? {
        return Ok(false);
    }
    if let Some(organisation) = state.store.organisation(DEMO_ORGANISATION).await? {
        seed_publications(state, organisation.id).await?;
    }
    Ok(true)
}

/// Seeds the demo events and their organisation (not the publications,
/// which need the file storage: see [`seed_demo`]) when the database has no
/// event yet. Returns whether it did. Safe when replicas start together:
/// inserts are keyed by slug and do nothing when the row exists.
pub async fn seed_if_empty(store: &dyn Store) -> Result<bool> {
    if !store.is_empty().await? {
        return Ok(false);
    }
    let now = Utc::now();
    let today = now.with_timezone(&Paris).date_naive();
    let events = demo_events(today, now);
    for event in &events {
        store.insert_event(event).await?;
    }
    // A demo organisation owns the demo events; its administrator signs in
    // with the link printed on the console (see the README).
    if let Some(organisation) = store
        .create_organisation(
            DEMO_ORGANISATION,
            "Centre de ressources (démonstration)",
            now,
        )
        .await?
    {
        let account = store
            .account_for(DEMO_ORGANISER, "Organisatrice de démonstration", now)
            .await?;
        store
            .set_member(organisation.id, account.id, Role::Administrateur, now)
            .await?;
        let slugs: Vec<&str> = events.iter().map(|e| e.public.slug.as_str()).collect();
        store.assign_events(organisation.id, &slugs).await?;
    }
    Ok(true)
}

/// The demo organisation's slug.
pub const DEMO_ORGANISATION: &str = "demo";

/// The address of the demo organisation's administrator.
pub const DEMO_ORGANISER: &str = "gestion@crpve.example.org";

#[cfg(test)]
mod tests {
    use parvis_core::api::RegistrationState;

    use super::*;

    fn day(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).expect("valid date")
    }

    #[test]
    fn paris_times_carry_summer_and_winter_offsets() {
        assert_eq!(
            paris(day(2025, 5, 13), 16, 30).to_rfc3339(),
            "2025-05-13T16:30:00+02:00"
        );
        assert_eq!(
            paris(day(2016, 3, 10), 10, 0).to_rfc3339(),
            "2016-03-10T10:00:00+01:00"
        );
    }

    #[test]
    fn every_data_file_passes_the_editors_rules() {
        for file in &DEMO_FILES {
            let draft = draft(file.name);
            assert_eq!(draft.slug, file.name, "a file is named after its event");
            let event = checked(&draft);
            assert!(!event.public.description_html.is_empty() || file.name.contains("paca"));
        }
    }

    #[test]
    fn every_demo_publication_passes_the_back_offices_rules_and_links_demo_events() {
        let events: Vec<String> = DEMO_FILES.iter().map(|f| f.name.to_owned()).collect();
        let publications = publications();
        assert_eq!(publications.len(), 4);
        for publication in &publications {
            let checked = publication.checked();
            assert_eq!(
                parvis_core::editor::slugify(&publication.draft.slug),
                publication.draft.slug
            );
            assert!(checked.published);
            assert!(!publication.files.is_empty());
            for slug in &checked.events {
                assert!(events.contains(slug), "{slug} is a demo event");
            }
            for file in &publication.files {
                let pdf = publication.pdf(file);
                assert!(parvis_core::publications::looks_like_pdf(&pdf));
                assert!(pdf.len() < 20_000, "a small file");
            }
        }
        let reserved: Vec<&DemoPublication> = publications
            .iter()
            .filter(|p| p.checked().access == parvis_core::publications::Access::Inscrits)
            .collect();
        assert_eq!(reserved.len(), 1);
        assert_eq!(reserved[0].draft.slug, RESERVED_STUDY);
        assert_eq!(
            reserved[0].checked().events,
            [WEBINAR_2025, UPCOMING_WEBINAR]
        );
    }

    #[test]
    fn the_upcoming_webinar_is_four_weeks_ahead_and_open() {
        let now = Utc::now();
        let today = now.with_timezone(&Paris).date_naive();
        let events = demo_events(today, now);
        let upcoming = &events[0].public;
        assert_eq!(upcoming.slug, UPCOMING_WEBINAR);
        assert_eq!(upcoming.registration.state_at(now), RegistrationState::Open);
        let date = upcoming.sessions[0].starts_at.date_naive();
        assert_eq!(date.weekday(), Weekday::Tue, "a Tuesday, as the original");
        assert!(date >= today + Days::new(28) && date < today + Days::new(35));
        assert!(
            events[0]
                .connection_url
                .as_deref()
                .unwrap()
                .starts_with("https://visio.example.org/")
        );
    }

    #[test]
    fn the_upcoming_cycle_keeps_its_fortnightly_thursdays() {
        let today = day(2026, 11, 24);
        let events = demo_events(today, Utc::now());
        let cycle = &events[2].public;
        assert_eq!(cycle.slug, UPCOMING_CYCLE);
        let dates: Vec<NaiveDate> = cycle
            .sessions
            .iter()
            .map(|s| s.starts_at.date_naive())
            .collect();
        assert_eq!(dates[0], ahead(today, 35, Weekday::Thu));
        for pair in dates.windows(2) {
            assert_eq!((pair[1] - pair[0]).num_days(), 14);
        }
        assert_eq!(cycle.registration.closes_at, cycle.sessions[0].starts_at);
    }

    #[test]
    fn the_cycle_has_its_four_real_days() {
        let cycle = demo_events(day(2026, 11, 22), Utc::now())[5].public.clone();
        let dates: Vec<String> = cycle
            .sessions
            .iter()
            .map(|s| s.starts_at.date_naive().to_string())
            .collect();
        assert_eq!(
            dates,
            ["2016-03-10", "2016-04-07", "2016-05-26", "2016-06-23"]
        );
    }
}
