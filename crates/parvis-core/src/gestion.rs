//! The back-office's side of the HTTP contract (`/api/gestion/…`): what the
//! sign-in steps send and what the signed-in organiser reads.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::RegistrationStatus;
use crate::questions::Answer;

/// The back-office's builds: its pages come in five bundles, so that an
/// organiser downloads only the area they open. The endpoint answers each
/// page with its build's shell, and a link between two builds is a page
/// load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bundle {
    /// `/gestion/` (sign-in, organisations, their events, team, settings,
    /// sessions), `/gestion/connexion`, an event's page.
    Accueil,
    /// Creating and editing an event (`…/evenements/nouveau`,
    /// `…/evenements/{slug}/modifier`).
    Editeur,
    /// An event's registrants, attendance and sign-in sheets, invitations.
    Inscrits,
    /// Feedback questionnaires: an event's, the stakeholders', results.
    Avis,
    /// The organisation's publications and newsletter.
    Publications,
}

impl Bundle {
    /// Every build.
    pub const ALL: [Bundle; 5] = [
        Bundle::Accueil,
        Bundle::Editeur,
        Bundle::Inscrits,
        Bundle::Avis,
        Bundle::Publications,
    ];

    /// Its folder under the built back-office (`dist/gestion/`), whose
    /// address it is served from too: empty for the home build.
    pub fn dir(self) -> &'static str {
        match self {
            Bundle::Accueil => "",
            Bundle::Editeur => "editeur",
            Bundle::Inscrits => "inscrits",
            Bundle::Avis => "avis",
            Bundle::Publications => "publications",
        }
    }

    /// The build that shows the page at `path` (a path under `/gestion`,
    /// without query); an unknown one is the home build's, which says
    /// « Page introuvable ».
    pub fn of(path: &str) -> Bundle {
        let mut segments = path.split('/').filter(|s| !s.is_empty());
        if (segments.next(), segments.next()) != (Some("gestion"), Some("organisations")) {
            return Bundle::Accueil;
        }
        let _organisation = segments.next();
        let rest: Vec<&str> = segments.collect();
        match rest.as_slice() {
            ["evenements", "nouveau"] | ["evenements", _, "modifier"] => Bundle::Editeur,
            ["evenements", _, "inscrits" | "presence" | "invitations"]
            | ["evenements", _, "emargement", _] => Bundle::Inscrits,
            ["evenements", _, "avis", ..] | ["avis-partenaires", ..] => Bundle::Avis,
            ["publications", ..] | ["lettre"] => Bundle::Publications,
            _ => Bundle::Accueil,
        }
    }
}

/// Paths of the back-office's API.
pub mod paths {
    /// `POST {email}`: emails a sign-in link and code.
    pub const SIGN_IN: &str = "/api/gestion/connexion";
    /// `POST {jeton}`: signs in with the link's token.
    pub const SIGN_IN_LINK: &str = "/api/gestion/connexion/lien";
    /// `POST {email, code}`: signs in with the code.
    pub const SIGN_IN_CODE: &str = "/api/gestion/connexion/code";
    /// `GET`: the signed-in account.
    pub const ME: &str = "/api/gestion/moi";
    /// `POST`: signs out.
    pub const SIGN_OUT: &str = "/api/gestion/deconnexion";
    /// `GET`: the account's sessions.
    pub const SESSIONS: &str = "/api/gestion/sessions";
    /// `POST {session?}`: ends one session, or all.
    pub const END_SESSIONS: &str = "/api/gestion/sessions/fermer";

    /// `GET`: an organisation's events.
    pub fn events(organisation: &str) -> String {
        format!("/api/gestion/organisations/{organisation}/evenements")
    }

    /// `GET`: an organisation's members; `POST {email, name, role}`: adds
    /// or changes one (administrators).
    pub fn team(organisation: &str) -> String {
        format!("/api/gestion/organisations/{organisation}/equipe")
    }

    /// `GET`: an organisation's settings; `POST`: changes them
    /// (administrators).
    pub fn settings(organisation: &str) -> String {
        format!("/api/gestion/organisations/{organisation}/reglages")
    }

    /// `POST {email}`: takes a member out (administrators; never the last
    /// administrator).
    pub fn team_remove(organisation: &str) -> String {
        format!("/api/gestion/organisations/{organisation}/equipe/retirer")
    }

    /// `GET`: an organisation's audit log (administrators).
    pub fn audit_log(organisation: &str) -> String {
        format!("/api/gestion/organisations/{organisation}/journal")
    }

    /// `GET`: the registrants of one of an organisation's events, filtered
    /// by [`super::RegistrantQuery`] (members).
    pub fn registrants(organisation: &str, event: &str) -> String {
        format!("/api/gestion/organisations/{organisation}/evenements/{event}/inscrits")
    }

    /// `GET`: the same filtered list as a file (members); a CSV file takes
    /// [`super::ExportOptions`] too.
    pub fn registrants_export(
        organisation: &str,
        event: &str,
        format: super::ExportFormat,
    ) -> String {
        format!(
            "{}/export.{}",
            registrants(organisation, event),
            format.extension()
        )
    }
}

/// `POST` [`paths::SIGN_IN`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignInRequest {
    /// The address of the account.
    pub email: String,
}

/// `POST` [`paths::SIGN_IN_LINK`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LinkSignIn {
    /// The token of the emailed link (its `#jeton=` fragment).
    pub jeton: String,
}

/// `POST` [`paths::SIGN_IN_CODE`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CodeSignIn {
    /// The address of the account.
    pub email: String,
    /// The 6-digit code of the email (spaces allowed).
    pub code: String,
}

/// A sentence saying what happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    /// In French.
    pub message: String,
}

/// Someone who signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    /// Address.
    pub email: String,
    /// Name.
    pub name: String,
}

/// An organisation, as its members see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationView {
    /// Address part.
    pub slug: String,
    /// Name.
    pub name: String,
}

/// A role in an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipView {
    /// The organisation.
    pub organisation: OrganisationView,
    /// `administrateur` or `organisateur`.
    pub role: String,
}

/// `GET` [`paths::ME`], and the answer to a sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// Who.
    pub account: AccountView,
    /// Where, with which role.
    pub organisations: Vec<MembershipView>,
    /// The proof every writing request carries in `x-parvis-csrf`.
    pub csrf_token: String,
}

/// One signed-in browser of the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionLine {
    /// Identifier, to end it.
    pub id: i64,
    /// The browser, as it named itself.
    pub user_agent: String,
    /// Sign-in time.
    pub created_at: DateTime<Utc>,
    /// Last request.
    pub last_seen_at: DateTime<Utc>,
    /// This browser.
    pub current: bool,
}

/// `POST` [`paths::END_SESSIONS`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EndSessions {
    /// One session; none means every session (« me déconnecter partout »).
    pub session: Option<i64>,
}

/// One event of an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventLine {
    /// Its address.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// Draft, published or cancelled.
    pub status: crate::editor::EventStatus,
    /// Start of its first session.
    #[serde(with = "crate::timestamp")]
    pub starts_at: chrono::DateTime<chrono::FixedOffset>,
    /// Confirmed registrations.
    pub confirmed: u32,
    /// Registrations on the waiting list.
    pub waitlisted: u32,
}

/// One line of an organisation's audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLine {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (their address), when known.
    pub who: Option<String>,
    /// What, as a short code (`connexion`…).
    pub action: String,
    /// The details, in French.
    pub detail: String,
}

/// A member of an organisation, as administrators see the team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberLine {
    /// Address.
    pub email: String,
    /// Name.
    pub name: String,
    /// `administrateur` or `organisateur`.
    pub role: String,
}

/// `POST` [`paths::team`]: adds someone to the team, or changes their role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MemberRequest {
    /// Their address: the sign-in emails go there.
    pub email: String,
    /// Their name.
    pub name: String,
    /// `administrateur` or `organisateur`.
    pub role: String,
}

/// `POST` [`paths::team_remove`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RemoveMember {
    /// Their address.
    pub email: String,
}

/// The filters of the registrants of an event and of their exports
/// ([`paths::registrants`]), as the query string carries them. Blank values
/// are no filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RegistrantQuery {
    /// Words looked for in the names, the address and the organisation,
    /// whatever their accents and case (200 characters, 10 words at most).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// One status only.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "query_value::word"
    )]
    pub statut: Option<RegistrationStatus>,
    /// Those who chose this workshop (its id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub atelier: Option<String>,
    /// Those who come on this day (session index, from 0).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "query_value::number"
    )]
    pub journee: Option<usize>,
    /// One kind of structure (a wire value of
    /// [`crate::registration::STRUCTURE_TYPES`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structure: Option<String>,
    /// One territory, whatever its accents and case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub territoire: Option<String>,
    /// The list only: the lines after this registration id (the `next` of
    /// the previous page).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "query_value::number"
    )]
    pub apres: Option<i64>,
    /// The list only: lines per page ([`REGISTRANTS_PAGE`] by default,
    /// [`REGISTRANTS_PAGE_MAX`] at most).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "query_value::number"
    )]
    pub limite: Option<u32>,
}

/// Values of a query string: a blank one is no value, so a form sending
/// every filter, most of them empty, filters on the others only.
mod query_value {
    use serde::de::{DeserializeOwned, Error, IntoDeserializer};
    use serde::{Deserialize, Deserializer};

    fn filled<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
        let text: Option<String> = Option::deserialize(deserializer)?;
        Ok(text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()))
    }

    /// A word naming a value (`confirmed`, `excel`).
    pub fn word<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: DeserializeOwned,
    {
        filled(deserializer)?
            .map(|text| T::deserialize(text.as_str().into_deserializer()))
            .transpose()
    }

    /// A whole number.
    pub fn number<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: std::str::FromStr,
    {
        filled(deserializer)?
            .map(|text| {
                text.parse()
                    .map_err(|_| D::Error::custom("un nombre entier est attendu"))
            })
            .transpose()
    }
}

/// Lines of the list of registrants per page, unless `limite` says.
pub const REGISTRANTS_PAGE: u32 = 100;
/// Most lines of the list of registrants per page.
pub const REGISTRANTS_PAGE_MAX: u32 = 500;

/// The formats of an export of registrants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// Text, one line per registrant ([`CsvDialect`]).
    Csv,
    /// An Excel workbook with typed cells (numbers, dates).
    Xlsx,
    /// [`RegistrantExport`].
    Json,
}

impl ExportFormat {
    /// The file extension, also the end of the export's path.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Json => "json",
        }
    }
}

/// How a CSV export is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CsvDialect {
    /// For Excel in French: UTF-8 with a byte order mark (without it, Excel
    /// reads the accents wrong), `;` between cells, dates as `13/05/2025`.
    #[default]
    Excel,
    /// RFC 4180: UTF-8 without mark, `,` between cells, dates as ISO 8601.
    Standard,
}

/// The options of an export, beside its filters ([`RegistrantQuery`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExportOptions {
    /// CSV only: `excel` (default) or `standard`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "query_value::word"
    )]
    pub dialecte: Option<CsvDialect>,
}

/// A workshop or a question, by its id, with what people read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Labelled {
    /// Its id (what lines and filters name).
    pub id: String,
    /// Its title or wording.
    pub label: String,
}

/// The event whose registrants are listed, with what their lines refer to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrantEvent {
    /// Its address.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// Its workshops, in programme order (the `atelier` filter takes their
    /// ids).
    pub tracks: Vec<Labelled>,
    /// Its days by index (the `journee` filter), in French:
    /// « mardi 13 mai 2025, 16 h 30 – 18 h ».
    pub days: Vec<String>,
    /// The organiser's questions, in order (answers are keyed by their ids).
    pub questions: Vec<Labelled>,
}

/// Registrations by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    /// Confirmed.
    pub confirmed: u32,
    /// On a waiting list.
    pub waitlisted: u32,
    /// Holding seats until their address is confirmed.
    pub pending: u32,
    /// Cancelled (or not confirmed in time).
    pub cancelled: u32,
}

impl StatusCounts {
    /// Adds `count` registrations of `status`.
    pub fn add(&mut self, status: RegistrationStatus, count: u32) {
        let slot = match status {
            RegistrationStatus::Confirmed => &mut self.confirmed,
            RegistrationStatus::Waitlisted => &mut self.waitlisted,
            RegistrationStatus::Pending => &mut self.pending,
            RegistrationStatus::Cancelled => &mut self.cancelled,
        };
        *slot = slot.saturating_add(count);
    }

    /// Every registration counted.
    pub fn total(&self) -> u32 {
        self.confirmed
            .saturating_add(self.waitlisted)
            .saturating_add(self.pending)
            .saturating_add(self.cancelled)
    }
}

/// One quota of an event (the event itself, a workshop, a chosen day):
/// its seats, and the registrations that want it, by status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaCount {
    /// Its key: `event`, `track:{id}`, `session:{index}`
    /// ([`crate::api::quota`]).
    pub key: String,
    /// In French: « Événement », « Atelier « … » », « Journée du … ».
    pub label: String,
    /// Seats, when limited.
    pub capacity: Option<u32>,
    /// Seats taken (confirmed registrations, and pending ones holding
    /// theirs).
    pub taken: u32,
    /// The registrations wanting it, by status.
    pub statuses: StatusCounts,
}

/// The counts of an event's registrations, whatever the filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrantCounts {
    /// Every registration, by status.
    pub statuses: StatusCounts,
    /// Every quota: the event, each workshop, and each day when people
    /// choose their days.
    pub quotas: Vec<QuotaCount>,
}

/// One registrant, as organisers see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrantLine {
    /// The registration's id.
    pub id: i64,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Address.
    pub email: String,
    /// Organisation (empty for a resident who gave none).
    pub organisation: String,
    /// Function (empty for a resident who gave none).
    pub role: String,
    /// Kind of structure (a wire value of
    /// [`crate::registration::STRUCTURE_TYPES`]).
    pub structure_type: String,
    /// Territory, when given.
    pub territory: Option<String>,
    /// Where the registration stands.
    pub status: RegistrationStatus,
    /// Place on its waiting list (1 = next), when waitlisted.
    pub rank: Option<u32>,
    /// Chosen workshops (ids).
    pub tracks: Vec<String>,
    /// Days (session indexes).
    pub sessions: Vec<usize>,
    /// Answers to the organiser's questions, by question id.
    pub answers: BTreeMap<String, Answer>,
    /// Accessibility needs, when given.
    pub accessibility_needs: Option<String>,
    /// When they registered.
    pub registered_at: DateTime<Utc>,
    /// The organiser who registered them on their behalf (their name);
    /// none when they registered themselves.
    #[serde(default)]
    pub registered_by: Option<String>,
}

/// `GET` [`paths::registrants`]: one page of the filtered registrants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrantList {
    /// The event.
    pub event: RegistrantEvent,
    /// Its registrations by status and by quota, whatever the filters.
    pub counts: RegistrantCounts,
    /// Registrants matching the filters, on every page.
    pub total: u32,
    /// This page, in order of registration.
    pub registrants: Vec<RegistrantLine>,
    /// The `apres` of the next page; none on the last.
    pub next: Option<i64>,
}

/// `GET` [`paths::registrants_export`] in JSON: every registrant matching
/// the filters (the endpoint writes it as it reads, `count` last).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrantExport {
    /// The event.
    pub event: RegistrantEvent,
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// The registrants, in order of registration.
    pub registrants: Vec<RegistrantLine>,
    /// How many.
    pub count: u32,
}

/// A status in French, as organisers read it.
pub fn status_label(status: RegistrationStatus) -> &'static str {
    match status {
        RegistrationStatus::Confirmed => "Confirmée",
        RegistrationStatus::Waitlisted => "Liste d'attente",
        RegistrationStatus::Pending => "Adresse à confirmer",
        RegistrationStatus::Cancelled => "Annulée",
    }
}

/// The French label of a structure type's wire value; an unknown value is
/// returned as it is.
pub fn structure_label(wire: &str) -> &str {
    crate::registration::STRUCTURE_TYPES
        .iter()
        .find(|(value, _)| *value == wire)
        .map_or(wire, |(_, label)| label)
}

#[cfg(test)]
mod tests {
    use super::Bundle;

    #[test]
    fn each_back_office_page_has_its_build() {
        let org = "/gestion/organisations/crpve";
        for (path, bundle) in [
            ("/gestion", Bundle::Accueil),
            ("/gestion/", Bundle::Accueil),
            ("/gestion/connexion", Bundle::Accueil),
            (
                &format!("{org}/evenements/webinaire") as &str,
                Bundle::Accueil,
            ),
            (&format!("{org}/evenements/nouveau"), Bundle::Editeur),
            (
                &format!("{org}/evenements/webinaire/modifier"),
                Bundle::Editeur,
            ),
            (
                &format!("{org}/evenements/webinaire/inscrits"),
                Bundle::Inscrits,
            ),
            (
                &format!("{org}/evenements/webinaire/presence/"),
                Bundle::Inscrits,
            ),
            (
                &format!("{org}/evenements/webinaire/invitations"),
                Bundle::Inscrits,
            ),
            (
                &format!("{org}/evenements/webinaire/emargement/3"),
                Bundle::Inscrits,
            ),
            (&format!("{org}/evenements/webinaire/avis"), Bundle::Avis),
            (&format!("{org}/evenements/webinaire/avis/7"), Bundle::Avis),
            (
                &format!("{org}/evenements/webinaire/avis/7/resultats"),
                Bundle::Avis,
            ),
            (&format!("{org}/avis-partenaires"), Bundle::Avis),
            (&format!("{org}/avis-partenaires/2/resultats"), Bundle::Avis),
            (&format!("{org}/publications"), Bundle::Publications),
            (&format!("{org}/publications/rapport"), Bundle::Publications),
            (&format!("{org}/lettre"), Bundle::Publications),
            (&format!("{org}/inconnue"), Bundle::Accueil),
            ("/gestion/organisations/nouveau/evenements", Bundle::Accueil),
        ] {
            assert_eq!(Bundle::of(path), bundle, "{path}");
        }
    }

    use super::*;

    #[test]
    fn export_paths_end_with_their_format() {
        assert_eq!(
            paths::registrants_export("centre-a", "webinaire", ExportFormat::Xlsx),
            "/api/gestion/organisations/centre-a/evenements/webinaire/inscrits/export.xlsx"
        );
    }

    #[test]
    fn structure_types_and_statuses_read_in_french() {
        assert_eq!(structure_label("bailleur"), "Bailleur social");
        assert_eq!(structure_label("inconnu"), "inconnu");
        assert_eq!(
            status_label(RegistrationStatus::Waitlisted),
            "Liste d'attente"
        );
    }

    #[test]
    fn blank_query_values_are_no_filter() {
        let query: RegistrantQuery = serde_json::from_str(
            r#"{"statut": "", "journee": " ", "limite": "20", "atelier": "", "apres": "41"}"#,
        )
        .unwrap();
        assert_eq!(
            (query.statut, query.journee, query.limite, query.apres),
            (None, None, Some(20), Some(41))
        );
        let query: RegistrantQuery = serde_json::from_str(r#"{"statut": "waitlisted"}"#).unwrap();
        assert_eq!(query.statut, Some(RegistrationStatus::Waitlisted));
        assert!(serde_json::from_str::<RegistrantQuery>(r#"{"statut": "inscrit"}"#).is_err());
        assert!(serde_json::from_str::<RegistrantQuery>(r#"{"journee": "un"}"#).is_err());
        let options: ExportOptions = serde_json::from_str(r#"{"dialecte": "standard"}"#).unwrap();
        assert_eq!(options.dialecte, Some(CsvDialect::Standard));
    }

    #[test]
    fn status_counts_add_up() {
        let mut counts = StatusCounts::default();
        counts.add(RegistrationStatus::Confirmed, 3);
        counts.add(RegistrationStatus::Cancelled, 1);
        assert_eq!((counts.confirmed, counts.total()), (3, 4));
    }
}

/// What an organisation says of itself: `GET` and `POST` [`paths::settings`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Its name.
    pub organisation_name: String,
    /// The sender's display name of its events' emails; empty: each event's
    /// organiser.
    pub sender_name: String,
    /// Where people can write to it; empty: none.
    pub contact_email: String,
}
