//! Webinar attendance reports, read as their platforms write them, to
//! match their participants to registrants by address.
//!
//! - Zoom, « Participants » of a past meeting (Reports › Usage): a CSV in
//!   UTF-8, `Name (Original Name),User Email,Join Time,Leave Time,Duration
//!   (Minutes),Guest,…`, one line per connection (someone who reconnects
//!   appears twice); « Export with meeting data » puts a line of the
//!   meeting's own data (`Meeting ID,Topic,…,User Email,…`, the host's
//!   address) and a blank line before it. A webinar's attendee report has
//!   sections (`Host Details`, `Panelist Details`, `Attendee Details`) whose
//!   headers start with `Attended` (`Yes`/`No`) and end with `Time in
//!   Session (minutes)`.
//! - Microsoft Teams, the attendance report downloaded from the meeting:
//!   UTF-16 LE with a byte-order mark, tab-separated, in sections: `1.
//!   Summary` (title, times), `2. Participants` (`Name, First Join, Last
//!   Leave, In-Meeting Duration, Email, Participant ID (UPN), Role`), `3.
//!   In-Meeting Activities` (each connection again); the older report has a
//!   `Meeting Summary` and `Full Name, Join Time, Leave Time, Duration,
//!   Email, Role, Participant ID (UPN)`. Only the participants are read.
//! - Livestorm, a session's people export: a CSV of every registrant with
//!   `First name, Last name, Email, …, Attended, Attendance rate,
//!   Attendance duration, …`: those whose `Attended` is false did not come.
//!
//! Headers are compared without case, accents or punctuation, in English
//! and in French. The text is UTF-16 (by its byte-order mark, or its zero
//! bytes), UTF-8, or else Windows-1252 (a CSV saved again by Excel).

use parvis_core::presence::ReportFormat;
use parvis_core::search::normalise;

/// One participant line of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// The address, lower-cased; `None` when the line has none.
    pub email: Option<String>,
    /// Whether the report says they attended (reports that list only
    /// participants say so of every line).
    pub attended: bool,
}

/// A report read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Its platform.
    pub format: ReportFormat,
    /// Its participant lines, in order.
    pub participants: Vec<Participant>,
}

/// Why a file is not read, in French (the `fichier` field's message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable(pub String);

fn unreadable(message: &str) -> Unreadable {
    Unreadable(message.to_owned())
}

/// The bytes as text: UTF-16 (either order), UTF-8, or Windows-1252.
pub fn decode(bytes: &[u8]) -> String {
    let utf16 = |bytes: &[u8], little: bool| {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|pair| {
                if little {
                    u16::from_le_bytes([pair[0], pair[1]])
                } else {
                    u16::from_be_bytes([pair[0], pair[1]])
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, false);
    }
    // Without a mark, ASCII text in UTF-16 has a zero in every pair.
    if bytes.len() >= 4 && bytes.len().is_multiple_of(2) {
        if bytes[1] == 0 && bytes[3] == 0 && bytes[0] != 0 {
            return utf16(bytes, true);
        }
        if bytes[0] == 0 && bytes[2] == 0 && bytes[1] != 0 {
            return utf16(bytes, false);
        }
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|&b| windows_1252(b)).collect(),
    }
}

/// A byte of Windows-1252 (Latin-1 but for 0x80–0x9F).
fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9F => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

/// What the columns of a header row are.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Header {
    format: ReportFormat,
    email: usize,
    /// Teams' UPN, when the address is missing.
    upn: Option<usize>,
    attended: Option<usize>,
}

const EMAIL: &[&str] = &[
    "email",
    "e mail",
    "user email",
    "email address",
    "adresse e mail",
    "adresse email",
    "adresse de messagerie",
    "courriel",
    "e mail de l utilisateur",
    "email de l utilisateur",
    "messagerie",
];
const TEAMS: &[&str] = &[
    "first join",
    "last leave",
    "in meeting duration",
    "participant id upn",
    "full name",
    "premiere arrivee",
    "premiere participation",
    "dernier depart",
    "duree de la reunion",
    "duree dans la reunion",
    "duree en reunion",
    "id de participant upn",
    "id du participant upn",
    "nom complet",
];
const ZOOM: &[&str] = &[
    "name original name",
    "user name original name",
    "nom nom d origine",
    "nom nom original",
    "nom d utilisateur nom d origine",
    "nom d utilisateur nom original",
    "time in session minutes",
    "duree de la session minutes",
    "temps passe dans la session minutes",
];
const LIVESTORM: &[&str] = &[
    "attended",
    "attendance rate",
    "attendance duration",
    "has attended",
    "a participe",
    "taux de presence",
    "duree de presence",
];
const ATTENDED: &[&str] = &["attended", "has attended", "a participe", "participe"];
const FIRST_NAME: &[&str] = &["first name", "firstname", "prenom"];

fn position(cells: &[String], names: &[&str]) -> Option<usize> {
    cells.iter().position(|c| names.contains(&c.as_str()))
}

fn any(cells: &[String], names: &[&str]) -> bool {
    position(cells, names).is_some()
}

/// Zoom's line of the meeting's own data (`Meeting ID, Topic, …, User
/// Email, Duration (Minutes)`): the host's address, not a participant.
const MEETING: &[&str] = &[
    "meeting id",
    "topic",
    "id de reunion",
    "id de la reunion",
    "sujet",
];
/// Zoom's durations (`Duration (Minutes)`, or in French).
const MINUTES: &[&str] = &["duration minutes", "duree minutes"];

/// The header a row is, if it is one; `Err` for the header of a known
/// report without addresses. `numbered` says the row follows a numbered
/// section's title (`2. Participants`), which only Teams writes: a Teams
/// report in a language whose labels are not listed here is still read,
/// by its structure.
fn header(row: &[String], numbered: bool) -> Result<Option<Header>, Unreadable> {
    let cells: Vec<String> = row.iter().map(|cell| normalise(cell)).collect();
    let email = position(&cells, EMAIL);
    let format = if any(&cells, TEAMS) || (numbered && email.is_some() && cells.len() >= 3) {
        ReportFormat::Teams
    } else if any(&cells, ZOOM)
        || (email.is_some() && any(&cells, MINUTES) && !any(&cells, MEETING))
    {
        ReportFormat::Zoom
    } else if any(&cells, LIVESTORM) && any(&cells, FIRST_NAME) {
        ReportFormat::Livestorm
    } else {
        return Ok(None);
    };
    let Some(email) = email else {
        return Err(unreadable(&format!(
            "Ce rapport {} ne contient pas les adresses e-mail des participants : exportez-le avec leurs adresses.",
            format.label()
        )));
    };
    Ok(Some(Header {
        format,
        email,
        upn: (format == ReportFormat::Teams)
            .then(|| {
                position(
                    &cells,
                    &[
                        "participant id upn",
                        "id de participant upn",
                        "id du participant upn",
                    ],
                )
            })
            .flatten(),
        attended: position(&cells, ATTENDED),
    }))
}

/// Whether a row is a section's title (`2. Participants`, `Attendee
/// Details`): one cell filled at most.
fn section_title(row: &[String]) -> bool {
    row.iter().filter(|cell| !cell.trim().is_empty()).count() <= 1
}

/// `3. In-Meeting Activities`, Teams' next section.
fn numbered_section(row: &[String]) -> bool {
    let first = row.first().map_or("", |c| c.trim());
    let digits = first.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && first[digits..].starts_with(". ")
}

fn address(cell: Option<&String>) -> Option<String> {
    let text = cell?.trim().to_lowercase();
    let (local, domain) = text.split_once('@')?;
    (!local.is_empty()
        && domain.contains('.')
        && !text.contains('#')
        && !text.chars().any(char::is_whitespace))
    .then_some(text)
}

fn yes(cell: Option<&String>) -> bool {
    matches!(
        cell.map(|c| normalise(c)).as_deref(),
        Some("yes" | "y" | "oui" | "true" | "vrai" | "1")
    )
}

fn rows(text: &str, delimiter: u8) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes())
        .records()
        .filter_map(Result::ok)
        .map(|record| record.iter().map(str::to_owned).collect())
        .collect()
}

/// Reads a report: its format by its headers, then its participants.
pub fn parse(bytes: &[u8]) -> Result<Report, Unreadable> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(unreadable("Ce fichier est vide."));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(unreadable(
            "Ce fichier est un classeur (XLSX) : exportez le rapport au format CSV, ou enregistrez-le en CSV.",
        ));
    }
    let text = decode(bytes);
    for delimiter in [b'\t', b',', b';'] {
        let rows = rows(&text, delimiter);
        // Whether each row follows a numbered section's title.
        let numbered = |i: usize| i > 0 && numbered_section(&rows[i - 1]);
        let Some(start) = (0..rows.len())
            .position(|i| header(&rows[i], numbered(i)).map_or(true, |h| h.is_some()))
        else {
            continue;
        };
        let mut current = header(&rows[start], numbered(start))?.expect("a header");
        let format = current.format;
        let mut participants = Vec::new();
        for row in &rows[start + 1..] {
            if format == ReportFormat::Teams && numbered_section(row) {
                break;
            }
            if section_title(row) {
                continue;
            }
            match header(row, false)? {
                Some(next) if next.format == format => {
                    current = next;
                    continue;
                }
                Some(_) => continue,
                None => {}
            }
            let email = address(row.get(current.email))
                .or_else(|| current.upn.and_then(|upn| address(row.get(upn))));
            let attended = current.attended.is_none_or(|column| yes(row.get(column)));
            participants.push(Participant { email, attended });
        }
        return Ok(Report {
            format,
            participants,
        });
    }
    Err(unreadable(
        "Ce fichier n'est pas un rapport de présence reconnu : exportez la liste des participants depuis Zoom, Microsoft Teams ou Livestorm, au format CSV, sans la modifier.",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            bytes.extend(unit.to_le_bytes());
        }
        bytes
    }

    #[test]
    fn text_is_decoded_whatever_its_encoding() {
        assert_eq!(decode(&utf16le("Nom\té")), "Nom\té");
        let without_mark = &utf16le("Name\tEmail")[2..];
        assert_eq!(decode(without_mark), "Name\tEmail");
        assert_eq!(decode("\u{feff}Prénom".as_bytes()), "Prénom");
        assert_eq!(decode(b"Pr\xe9nom \x80"), "Prénom €");
    }

    #[test]
    fn teams_reads_its_participants_only() {
        let text = "1. Summary\nMeeting title\tPoint\nAttended participants\t2\n\n2. Participants\n\
            Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole\n\
            Camille\t1/1/25, 10:00 AM\t1/1/25, 11:00 AM\t1h\tCamille@Ville.fr\tcamille@ville.fr\tPresenter\n\
            Invité\t1/1/25, 10:00 AM\t1/1/25, 11:00 AM\t1h\t\t\tAttendee\n\n\
            3. In-Meeting Activities\nName\tJoin Time\tLeave Time\tDuration\tEmail\tRole\n\
            Camille\t1/1/25, 10:00 AM\t1/1/25, 11:00 AM\t1h\tcamille@ville.fr\tPresenter\n";
        let report = parse(&utf16le(text)).unwrap();
        assert_eq!(report.format, ReportFormat::Teams);
        assert_eq!(
            report.participants,
            [
                Participant {
                    email: Some("camille@ville.fr".to_owned()),
                    attended: true
                },
                Participant {
                    email: None,
                    attended: true
                }
            ]
        );
    }

    #[test]
    fn zoom_skips_the_meeting_line_and_reads_webinar_sections() {
        let text = "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\n\
            812 3456 7890,Point,01/01/2025 10:00:00 AM,01/01/2025 11:00:00 AM,hote@centre.fr,60,2\n\n\
            Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n\
            Camille,camille@ville.fr,01/01/2025 10:00:00 AM,01/01/2025 11:00:00 AM,60,No\n";
        let report = parse(text.as_bytes()).unwrap();
        assert_eq!(report.format, ReportFormat::Zoom);
        assert_eq!(report.participants.len(), 1);
        assert_eq!(
            report.participants[0].email.as_deref(),
            Some("camille@ville.fr")
        );
        let webinar = "Attendee Report\nAttendee Details,\n\
            Attended,First Name,Last Name,Email,Registration Time,Join Time,Leave Time,Time in Session (minutes),Is Guest\n\
            Yes,Camille,Martin,camille@ville.fr,x,x,x,60,No\n\
            No,Dominique,Petit,dominique@caf.fr,x,--,--,--,No\n";
        let report = parse(webinar.as_bytes()).unwrap();
        assert_eq!(report.format, ReportFormat::Zoom);
        assert_eq!(
            report
                .participants
                .iter()
                .map(|p| p.attended)
                .collect::<Vec<_>>(),
            [true, false]
        );
    }

    #[test]
    fn reports_in_french_are_read_by_their_labels_or_their_structure() {
        // Teams in French: the numbered sections tell it, whatever the
        // labels of its columns.
        let teams = "1. Résumé\nTitre de la réunion\tPoint\n\n2. Participants\n\
            Nom\tPremière arrivée\tDernier départ\tDurée de la réunion\tE-mail\tID de participant (UPN)\tRôle\n\
            Camille\t01/01/2025 10:00\t01/01/2025 11:00\t1 h\tcamille@ville.fr\tcamille@ville.fr\tParticipant\n";
        let report = parse(&utf16le(teams)).unwrap();
        assert_eq!(report.format, ReportFormat::Teams);
        assert_eq!(report.participants.len(), 1);
        let relabelled = teams
            .replace("Première arrivée", "Arrivée")
            .replace("Durée de la réunion", "Durée")
            .replace("ID de participant (UPN)", "UPN");
        assert_eq!(
            parse(&utf16le(&relabelled)).unwrap().format,
            ReportFormat::Teams
        );
        // Zoom in French: an address and a duration in minutes, after the
        // meeting's own line (which is no participant).
        let zoom = "ID de réunion,Sujet,Heure de début,Heure de fin,E-mail de l'utilisateur,Durée (minutes),Participants\n\
            812,Point,x,x,hote@centre.fr,60,2\n\n\
            Nom (nom d'origine),E-mail de l'utilisateur,Heure d'arrivée,Heure de départ,Durée (minutes),Invité\n\
            Camille,camille@ville.fr,x,x,60,Non\n";
        let report = parse(zoom.as_bytes()).unwrap();
        assert_eq!(report.format, ReportFormat::Zoom);
        assert_eq!(
            report.participants,
            [Participant {
                email: Some("camille@ville.fr".to_owned()),
                attended: true
            }]
        );
        let relabelled = zoom.replace("Nom (nom d'origine)", "Nom");
        assert_eq!(parse(relabelled.as_bytes()).unwrap().participants.len(), 1);
    }

    #[test]
    fn a_report_saved_again_by_a_french_excel_is_read() {
        // Semicolons and Windows-1252 (é is 0xE9).
        let bytes = b"Nom (nom d'origine);E-mail de l'utilisateur;Dur\xe9e (minutes)\r\n\
            H\xe9l\xe8ne;Helene@Ville.fr;42\r\n";
        let report = parse(bytes).unwrap();
        assert_eq!(report.format, ReportFormat::Zoom);
        assert_eq!(
            report.participants[0].email.as_deref(),
            Some("helene@ville.fr")
        );
    }

    #[test]
    fn other_files_are_refused_in_french() {
        for bytes in [
            &b""[..],
            b"  \n",
            b"nom,prenom\nMartin,Camille\n",
            b"PK\x03\x04rest",
            b"Full Name\tUser Action\tTimestamp\nCamille\tJoined\t1/1/2025\n",
        ] {
            let Err(Unreadable(message)) = parse(bytes) else {
                panic!("{bytes:?} read");
            };
            assert!(message.starts_with("Ce "), "{message}");
        }
    }
}
