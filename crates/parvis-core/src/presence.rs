//! Attendance (« présence ») in the back-office: the roll of one session of
//! an event (its confirmed registrants, and on a cycle whose days are chosen
//! only those who chose that day), a mark set by hand, and the import of a
//! webinar's attendance report (Zoom, Teams, Livestorm), matched to
//! registrants by address.

use serde::{Deserialize, Serialize};

/// Paths of the attendance routes (members of the event's organisation).
pub mod paths {
    /// `GET`: the roll of session `session` (index from 0) with each mark
    /// ([`super::Roll`]); `PUT` [`super::Mark`]: marks one registrant
    /// ([`super::Marked`]).
    pub fn roll(organisation: &str, event: &str, session: usize) -> String {
        format!("/api/gestion/organisations/{organisation}/evenements/{event}/presence/{session}")
    }

    /// `POST` the report file itself as the body (any content type, at most
    /// [`super::IMPORT_MAX_BYTES`]): marks present whoever it names
    /// ([`super::ImportReport`]).
    pub fn import(organisation: &str, event: &str, session: usize) -> String {
        format!("{}/import", roll(organisation, event, session))
    }
}

/// The back-office page of an event's attendance.
pub fn page(organisation: &str, event: &str) -> String {
    format!("/gestion/organisations/{organisation}/evenements/{event}/presence")
}

/// The printable sign-in sheet (« feuille d'émargement ») of a session.
pub fn sheet_page(organisation: &str, event: &str, session: usize) -> String {
    format!("/gestion/organisations/{organisation}/evenements/{event}/emargement/{session}")
}

/// The largest report accepted: a Zoom or Teams report of a thousand
/// participants is well under 1 MiB, even in UTF-16.
pub const IMPORT_MAX_BYTES: usize = 5 * 1024 * 1024;

/// The field an import's errors are about.
pub const FILE_FIELD: &str = "fichier";

/// The field a mark's errors are about.
pub const REGISTRATION_FIELD: &str = "registration";

/// How a mark was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Source {
    /// By an organiser, in the list.
    #[serde(rename = "manuel")]
    Manual,
    /// From a webinar's attendance report.
    #[serde(rename = "import")]
    Import,
}

impl Source {
    /// The stored and wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Manual => "manuel",
            Source::Import => "import",
        }
    }

    /// Reads a stored value.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "manuel" => Some(Source::Manual),
            "import" => Some(Source::Import),
            _ => None,
        }
    }
}

/// « présent », « absent », or nothing when not marked: the exports' cells.
pub fn mark_label(present: Option<bool>) -> &'static str {
    match present {
        Some(true) => "présent",
        Some(false) => "absent",
        None => "",
    }
}

/// The export column of a session: « Présence J1 », « Présence J2 »…
pub fn column_label(session: usize) -> String {
    format!("Présence J{}", session + 1)
}

/// « 12 présent·es sur 30 », « 1 présent·e sur 1 », « 0 présent·e sur 0 ».
pub fn count_label(present: u32, total: u32) -> String {
    if present > 1 {
        format!("{present} présent·es sur {total}")
    } else {
        format!("{present} présent·e sur {total}")
    }
}

/// One session of the event, to choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionChoice {
    /// Its index (from 0).
    pub index: usize,
    /// « J1 – mardi 11 mars 2031, 16 h 30 – 18 h ».
    pub label: String,
}

/// One registrant expected at the session, with their mark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollLine {
    /// The registration's id.
    pub registration: i64,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Address.
    pub email: String,
    /// Their structure (may be empty for a resident).
    pub organisation: String,
    /// `Some(true)` present, `Some(false)` absent, `None` not marked yet.
    pub present: Option<bool>,
    /// How the mark was set, when there is one.
    pub source: Option<Source>,
}

/// `GET` [`paths::roll`]: the session's roll, sorted by last name then
/// first name (without accents or case), as the sign-in sheet prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roll {
    /// The event's slug.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// Where: the venue (name, address, town), « En ligne », or both.
    pub place: String,
    /// The session shown (index from 0).
    pub session: usize,
    /// Its date and hours, « mardi 11 mars 2031, 16 h 30 – 18 h ».
    pub when: String,
    /// Every session of the event.
    pub sessions: Vec<SessionChoice>,
    /// Whether registrants chose their days (the roll is then that day's).
    pub day_selection: bool,
    /// The registrants expected.
    pub lines: Vec<RollLine>,
    /// How many are marked present.
    pub present: u32,
    /// How many are marked absent.
    pub absent: u32,
}

impl Roll {
    /// « 12 présent·es sur 30 ».
    pub fn count_label(&self) -> String {
        count_label(
            self.present,
            u32::try_from(self.lines.len()).unwrap_or(u32::MAX),
        )
    }
}

/// `PUT` [`paths::roll`]: one registrant marked present (`true`), absent
/// (`false`), or their mark taken away (`null`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// The registration's id (a line's `registration`).
    pub registration: i64,
    /// The mark.
    pub present: Option<bool>,
}

/// What a mark answers: the sentence to announce, and the session's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marked {
    /// « Camille Martin : présente. »
    pub message: String,
    /// How many are marked present now.
    pub present: u32,
    /// How many are marked absent now.
    pub absent: u32,
    /// How many are expected.
    pub total: u32,
}

/// The kinds of report an import reads, told apart by their headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    /// Zoom's participants export (Rapports › Utilisation › Participants),
    /// with or without the meeting's data, or a webinar's attendee report.
    Zoom,
    /// Microsoft Teams' attendance report (« Rapport de présence »).
    Teams,
    /// Livestorm's people export of a session.
    Livestorm,
}

impl ReportFormat {
    /// Its name.
    pub fn label(self) -> &'static str {
        match self {
            ReportFormat::Zoom => "Zoom",
            ReportFormat::Teams => "Microsoft Teams",
            ReportFormat::Livestorm => "Livestorm",
        }
    }
}

/// `POST` [`paths::import`]: what the report said, and what was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// The format recognised.
    pub format: ReportFormat,
    /// Participant lines read.
    pub lines: u32,
    /// Registrants of the session found in the report and marked present.
    pub matched: u32,
    /// Addresses of the report that are none of the session's registrants
    /// (lower-cased, once each, in the report's order).
    pub not_found: Vec<String>,
    /// Lines without an address (a guest, a phone participant).
    pub without_email: u32,
    /// Lines the report itself says did not attend (Livestorm and Zoom
    /// webinars list registrants who did not come).
    pub not_attended: u32,
    /// The summary sentence, in French.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_in_number() {
        assert_eq!(count_label(12, 30), "12 présent·es sur 30");
        assert_eq!(count_label(1, 30), "1 présent·e sur 30");
        assert_eq!(count_label(0, 0), "0 présent·e sur 0");
    }

    #[test]
    fn sources_and_formats_keep_their_wire_names() {
        for source in [Source::Manual, Source::Import] {
            assert_eq!(Source::parse(source.as_str()), Some(source));
            assert_eq!(
                serde_json::to_string(&source).unwrap(),
                format!("\"{}\"", source.as_str())
            );
        }
        assert_eq!(
            serde_json::to_string(&ReportFormat::Livestorm).unwrap(),
            "\"livestorm\""
        );
        assert_eq!(mark_label(Some(false)), "absent");
        assert_eq!(column_label(0), "Présence J1");
    }
}
