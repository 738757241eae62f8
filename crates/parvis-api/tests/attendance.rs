//! Attendance in the back-office, on SQLite and on a throwaway PostgreSQL
//! database each: a session's roll (its confirmed registrants, only those
//! who chose that day on a cycle, sorted by last name), marks set, changed
//! and taken away, the import of the three report formats kept in
//! `tests/fixtures/attendance/` (Zoom's participants export with the
//! meeting's data, Teams' UTF-16 attendance report, Livestorm's people
//! export), the addresses it did not find, a file of another kind refused
//! on its field, 404 for another organisation, the audit lines, the
//! attendance columns of the exports, and the attendees of an event.

use std::collections::BTreeMap;
use std::io::Cursor;

use axum::http::{Method, StatusCode};
use calamine::{Reader, Xlsx};
use chrono::{Duration, NaiveDate, Utc};
use parvis_api::store::NewEvent;
use parvis_api::store::accounts::Role;
use parvis_api::{mail, seed};
use parvis_core::presence::{ImportReport, Marked, ReportFormat, Roll, Source};
use parvis_core::registration::RegistrationRequest;
use serde_json::{Value, json};

#[macro_use]
mod common;
use common::app::{App, Backend, Browser as Member, PUBLIC_URL, Reply, Sent};

const SLUG: &str = "ateliers-presence";

impl App {
    /// The organisation's audit lines of `action`, oldest first.
    async fn audit(&self, organisation: i64, action: &str) -> Vec<String> {
        let mut lines: Vec<String> = self
            .state
            .store
            .audit_log(organisation, 500)
            .await
            .unwrap()
            .into_iter()
            .filter(|line| line.action == action)
            .map(|line| line.detail)
            .collect();
        lines.reverse();
        lines
    }
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2031, 3, 11).unwrap()
}

/// A cycle of two days a week apart whose days are chosen.
fn event() -> NewEvent {
    let mut event = seed::webinar(SLUG, day(), None);
    let public = &mut event.public;
    public.title = "Ateliers de la politique de la ville".to_owned();
    public.day_selection = true;
    let mut second = public.sessions[0].clone();
    second.starts_at += Duration::days(7);
    second.ends_at += Duration::days(7);
    public.sessions.push(second);
    event
}

fn person(first: &str, last: &str, email: &str, days: &[usize]) -> RegistrationRequest {
    RegistrationRequest {
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        email: email.to_owned(),
        organisation: format!("Structure de {first}"),
        role: "Cheffe de projet".to_owned(),
        territory: String::new(),
        consent: true,
        structure_type: "collectivite".to_owned(),
        sessions: days.to_vec(),
        ..Default::default()
    }
}

/// The registrants' ids by first name.
struct People {
    ids: BTreeMap<&'static str, i64>,
}

impl People {
    fn id(&self, first: &str) -> i64 {
        self.ids[first]
    }
}

/// Five registrants: Hélène and Farid come both days, Dominique the
/// first, Camille the second; Ève (the first day) cancelled.
async fn populated(app: &App, organisation: i64) -> People {
    let event = app.insert_owned(&event(), organisation).await;
    let mut ids = BTreeMap::new();
    for (first, last, email, days) in [
        ("Hélène", "Dupont", "helene@ville.fr", &[0, 1][..]),
        ("Camille", "Martin", "camille@etat.gouv.fr", &[1][..]),
        ("Dominique", "Petit", "dominique@caf.fr", &[0][..]),
        ("Ève", "Moreau", "eve@asso.fr", &[0][..]),
        ("Farid", "Benali", "farid@bailleur.fr", &[0, 1][..]),
    ] {
        ids.insert(
            first,
            app.registration_id(&event, &person(first, last, email, days))
                .await,
        );
    }
    let now = Utc::now();
    let compose = mail::composer(PUBLIC_URL, move || now);
    let event = app.state.store.event_by_slug(SLUG).await.unwrap().unwrap();
    app.state
        .store
        .cancel(&event, ids["Ève"], &compose, now)
        .await
        .unwrap();
    People { ids }
}

fn roll_path(session: &str) -> String {
    format!("/api/gestion/organisations/centre-a/evenements/{SLUG}/presence/{session}")
}

async fn roll(app: &App, member: &Member, session: usize) -> Roll {
    app.send_body(
        Method::GET,
        &roll_path(&session.to_string()),
        Sent::Nothing,
        member,
    )
    .await
    .read()
}

async fn mark(app: &App, member: &Member, session: usize, id: i64, present: Value) -> Reply {
    app.send_body(
        Method::PUT,
        &roll_path(&session.to_string()),
        Sent::Json(json!({ "registration": id, "present": present })),
        member,
    )
    .await
}

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/attendance")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn import(app: &App, member: &Member, session: usize, bytes: Vec<u8>) -> Reply {
    app.send_body(
        Method::POST,
        &format!("{}/import", roll_path(&session.to_string())),
        Sent::Csv(bytes),
        member,
    )
    .await
}

fn marks(roll: &Roll) -> Vec<(&str, Option<bool>)> {
    roll.lines
        .iter()
        .map(|line| (line.first_name.as_str(), line.present))
        .collect()
}

async fn marks_are_set_changed_and_taken_away(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (organisation, alice) = app
        .signed_in("centre-a", "alice@a.example.org", Role::Organisateur)
        .await;
    let people = populated(&app, organisation).await;

    // Each day's roll: its confirmed registrants, by last name.
    let first = roll(&app, &alice, 0).await;
    assert_eq!(
        marks(&first),
        [("Farid", None), ("Hélène", None), ("Dominique", None)]
    );
    assert_eq!(first.title, "Ateliers de la politique de la ville");
    assert_eq!(first.place, "En ligne");
    assert!(
        first.when.starts_with("mardi 11 mars 2031"),
        "{}",
        first.when
    );
    assert_eq!(first.sessions.len(), 2);
    assert!(
        first.sessions[1]
            .label
            .starts_with("J2 – mardi 18 mars 2031"),
        "{:?}",
        first.sessions
    );
    assert_eq!(first.count_label(), "0 présent·e sur 3");
    let second = roll(&app, &alice, 1).await;
    assert_eq!(
        marks(&second),
        [("Farid", None), ("Hélène", None), ("Camille", None)]
    );

    // Present, then absent, then no mark at all.
    let marked: Marked = mark(&app, &alice, 0, people.id("Hélène"), json!(true))
        .await
        .read();
    assert_eq!(marked.message, "Hélène Dupont : présent·e.");
    assert_eq!((marked.present, marked.absent, marked.total), (1, 0, 3));
    let first = roll(&app, &alice, 0).await;
    assert_eq!(first.lines[1].present, Some(true));
    assert_eq!(first.lines[1].source, Some(Source::Manual));
    assert_eq!(first.count_label(), "1 présent·e sur 3");
    assert_eq!(
        roll(&app, &alice, 1).await.lines[1].present,
        None,
        "one day's mark is that day's only"
    );
    let marked: Marked = mark(&app, &alice, 0, people.id("Hélène"), json!(false))
        .await
        .read();
    assert_eq!((marked.present, marked.absent), (0, 1));
    assert_eq!(roll(&app, &alice, 0).await.lines[1].present, Some(false));
    let marked: Marked = mark(&app, &alice, 0, people.id("Hélène"), Value::Null)
        .await
        .read();
    assert_eq!((marked.present, marked.absent), (0, 0));
    assert_eq!(roll(&app, &alice, 0).await.lines[1].present, None);

    // Whoever is not expected that day is no one to mark.
    for (session, who) in [(0, "Camille"), (0, "Ève"), (1, "Dominique")] {
        let reply = mark(&app, &alice, session, people.id(who), json!(true)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{who}: {}", reply.text);
        assert_eq!(
            reply.json()["message"],
            "Cette personne n'est pas inscrite à cette séance."
        );
    }
    // Nor is a session the event does not have.
    for session in ["2", "x", "-1"] {
        let reply = app
            .send_body(Method::GET, &roll_path(session), Sent::Nothing, &alice)
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{session}");
        assert_eq!(
            reply.json()["message"],
            "Cette séance n'existe pas pour cet événement."
        );
    }
    let reply = app
        .send_body(
            Method::PUT,
            &roll_path("0"),
            Sent::Json(json!({ "registration": "x" })),
            &alice,
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);

    // Each change is in the audit log, with who and which day.
    let lines = app.audit(organisation, "presence").await;
    assert_eq!(
        lines,
        [
            "Présence de helene@ville.fr à « Ateliers de la politique de la ville » (J1, mardi 11 mars 2031) : présent",
            "Présence de helene@ville.fr à « Ateliers de la politique de la ville » (J1, mardi 11 mars 2031) : absent",
            "Présence de helene@ville.fr à « Ateliers de la politique de la ville » (J1, mardi 11 mars 2031) : marque retirée",
        ]
    );
    let log = app.state.store.audit_log(organisation, 10).await.unwrap();
    assert_eq!(log[0].who.as_deref(), Some("alice@a.example.org"));

    // The attendees of the event (feedback invitations): present once at
    // least, whatever the day.
    mark(&app, &alice, 1, people.id("Farid"), json!(true))
        .await
        .read::<Marked>();
    mark(&app, &alice, 0, people.id("Farid"), json!(true))
        .await
        .read::<Marked>();
    mark(&app, &alice, 1, people.id("Camille"), json!(true))
        .await
        .read::<Marked>();
    mark(&app, &alice, 0, people.id("Dominique"), json!(false))
        .await
        .read::<Marked>();
    let event = app.state.store.event_by_slug(SLUG).await.unwrap().unwrap();
    let attendees = app.state.store.attendees(event.id).await.unwrap();
    let found: Vec<(&str, &[usize])> = attendees
        .iter()
        .map(|a| (a.email.as_str(), a.sessions.as_slice()))
        .collect();
    assert_eq!(
        found,
        [
            ("camille@etat.gouv.fr", &[1][..]),
            ("farid@bailleur.fr", &[0, 1][..]),
        ]
    );
}

async fn each_report_format_marks_its_participants_present(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (organisation, alice) = app
        .signed_in("centre-a", "alice@a.example.org", Role::Organisateur)
        .await;
    populated(&app, organisation).await;

    // Zoom, first day: the host, a reconnection, a phone line, a stranger.
    let zoom: ImportReport = import(&app, &alice, 0, fixture("zoom.csv")).await.read();
    assert_eq!(zoom.format, ReportFormat::Zoom);
    assert_eq!(
        (
            zoom.lines,
            zoom.matched,
            zoom.without_email,
            zoom.not_attended
        ),
        (6, 2, 1, 0)
    );
    assert_eq!(
        zoom.not_found,
        [
            "organisation@crpve.example.org",
            "inconnu@ailleurs.example.fr"
        ]
    );
    assert_eq!(
        zoom.message,
        "Rapport Zoom importé pour la séance J1 : 6 lignes lues, 2 inscrit·es marqué·es présent·es, 2 adresses absentes des inscrit·es, 1 ligne sans adresse."
    );
    let first = roll(&app, &alice, 0).await;
    assert_eq!(
        marks(&first),
        [
            ("Farid", None),
            ("Hélène", Some(true)),
            ("Dominique", Some(true))
        ]
    );
    assert_eq!(first.lines[1].source, Some(Source::Import));

    // Teams, second day (UTF-16, tabs, sections): Dominique did not choose
    // that day, so she is not found; the activities are not read twice.
    let teams: ImportReport = import(&app, &alice, 1, fixture("teams.csv")).await.read();
    assert_eq!(teams.format, ReportFormat::Teams);
    assert_eq!((teams.lines, teams.matched, teams.without_email), (5, 2, 1));
    assert_eq!(
        teams.not_found,
        ["organisation@crpve.example.org", "dominique@caf.fr"]
    );
    assert_eq!(
        marks(&roll(&app, &alice, 1).await),
        [
            ("Farid", Some(true)),
            ("Hélène", None),
            ("Camille", Some(true))
        ]
    );

    // Livestorm, first day again: every registrant of the webinar, those
    // who did not come too; Ève cancelled her registration here.
    let livestorm: ImportReport = import(&app, &alice, 0, fixture("livestorm.csv"))
        .await
        .read();
    assert_eq!(livestorm.format, ReportFormat::Livestorm);
    assert_eq!(
        (
            livestorm.lines,
            livestorm.matched,
            livestorm.without_email,
            livestorm.not_attended
        ),
        (4, 2, 0, 1)
    );
    assert_eq!(livestorm.not_found, ["eve@asso.fr"]);
    assert!(
        livestorm
            .message
            .ends_with(", 1 personne non venue selon le rapport."),
        "{}",
        livestorm.message
    );
    assert_eq!(
        marks(&roll(&app, &alice, 0).await),
        [
            ("Farid", Some(true)),
            ("Hélène", Some(true)),
            ("Dominique", Some(true))
        ],
        "an import marks present, never absent"
    );

    let lines = app.audit(organisation, "presence_import").await;
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(
        lines[0],
        "Import du rapport Zoom pour « Ateliers de la politique de la ville » (J1, mardi 11 mars 2031) : 6 lignes lues, 2 inscrit·es marqué·es présent·es, 2 adresses absentes des inscrit·es, 1 ligne sans adresse"
    );
    assert!(
        lines[1].starts_with("Import du rapport Microsoft Teams pour « Ateliers de la politique de la ville » (J2, mardi 18 mars 2031) : 5 lignes lues"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("Import du rapport Livestorm"),
        "{}",
        lines[2]
    );
}

async fn a_file_of_another_kind_is_refused_on_its_field(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (organisation, alice) = app
        .signed_in("centre-a", "alice@a.example.org", Role::Organisateur)
        .await;
    populated(&app, organisation).await;
    for (bytes, expected) in [
        (
            b"Nom;Prenom;Adresse\nDupont;Helene;helene@ville.fr\n".to_vec(),
            "Ce fichier n'est pas un rapport de présence reconnu",
        ),
        (Vec::new(), "Ce fichier est vide."),
        (
            b"PK\x03\x04\x14\x00".to_vec(),
            "Ce fichier est un classeur (XLSX)",
        ),
    ] {
        let reply = import(&app, &alice, 0, bytes).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.text
        );
        let error = reply.json();
        assert_eq!(
            error["message"],
            "Le formulaire contient des erreurs : Fichier."
        );
        let message = error["fields"]["fichier"][0].as_str().unwrap();
        assert!(message.starts_with(expected), "{message}");
    }
    // A file too large is refused before it is read.
    let mut large = fixture("zoom.csv");
    large.resize(parvis_core::presence::IMPORT_MAX_BYTES + 1, b' ');
    let reply = import(&app, &alice, 0, large).await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.text
    );
    assert_eq!(
        reply.json()["message"],
        "Le fichier dépasse 5 Mo : exportez seulement la liste des participants."
    );
    // So is a session the event does not have.
    let reply = import(&app, &alice, 2, fixture("zoom.csv")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
    assert!(
        marks(&roll(&app, &alice, 0).await)
            .iter()
            .all(|(_, mark)| mark.is_none())
    );
    assert!(app.audit(organisation, "presence_import").await.is_empty());
}

async fn another_organisation_s_event_does_not_exist(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (organisation, alice) = app
        .signed_in("centre-a", "alice@a.example.org", Role::Organisateur)
        .await;
    let people = populated(&app, organisation).await;
    let (_, bruno) = app
        .signed_in("centre-b", "bruno@b.example.org", Role::Administrateur)
        .await;
    // Bruno names his own organisation and centre-a's event, then
    // centre-a itself: neither exists for him.
    for org in ["centre-b", "centre-a"] {
        let path = format!("/api/gestion/organisations/{org}/evenements/{SLUG}/presence/0");
        for (method, sent) in [
            (Method::GET, Sent::Nothing),
            (
                Method::PUT,
                Sent::Json(json!({ "registration": people.id("Hélène"), "present": true })),
            ),
            (Method::POST, Sent::Csv(fixture("zoom.csv"))),
        ] {
            let uri = if method == Method::POST {
                format!("{path}/import")
            } else {
                path.clone()
            };
            let reply = app.send_body(method.clone(), &uri, sent, &bruno).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {uri}");
            assert!(!reply.text.contains("Ateliers"), "{}", reply.text);
        }
    }
    assert!(
        marks(&roll(&app, &alice, 0).await)
            .iter()
            .all(|(_, mark)| mark.is_none())
    );
}

fn csv_rows(body: &[u8]) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::ReaderBuilder::new().from_reader(body);
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|record| {
            headers
                .iter()
                .cloned()
                .zip(record.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

async fn exports_carry_attendance_per_session(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (organisation, alice) = app
        .signed_in("centre-a", "alice@a.example.org", Role::Organisateur)
        .await;
    let people = populated(&app, organisation).await;
    mark(&app, &alice, 0, people.id("Hélène"), json!(true))
        .await
        .read::<Marked>();
    mark(&app, &alice, 1, people.id("Hélène"), json!(false))
        .await
        .read::<Marked>();
    import(&app, &alice, 1, fixture("teams.csv"))
        .await
        .read::<ImportReport>();
    let export = |format: &str| {
        format!("/api/gestion/organisations/centre-a/evenements/{SLUG}/inscrits/export.{format}")
    };

    let csv = app
        .send_body(
            Method::GET,
            &format!("{}?dialecte=standard", export("csv")),
            Sent::Nothing,
            &alice,
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text);
    let rows = csv_rows(&csv.body);
    let by_email = |email: &str| {
        rows.iter()
            .find(|row| row["Adresse e-mail"] == email)
            .unwrap_or_else(|| panic!("{email}"))
            .clone()
    };
    let marks = |email: &str| {
        let row = by_email(email);
        (row["Présence J1"].clone(), row["Présence J2"].clone())
    };
    assert_eq!(
        marks("helene@ville.fr"),
        ("présent".into(), "absent".into())
    );
    assert_eq!(
        marks("camille@etat.gouv.fr"),
        (String::new(), "présent".into())
    );
    assert_eq!(
        marks("farid@bailleur.fr"),
        (String::new(), "présent".into())
    );
    assert_eq!(marks("dominique@caf.fr"), (String::new(), String::new()));

    let json = app
        .send_body(Method::GET, &export("json"), Sent::Nothing, &alice)
        .await;
    assert_eq!(json.status, StatusCode::OK, "{}", json.text);
    let json = json.json();
    let helene = json["registrants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|line| line["email"] == "helene@ville.fr")
        .unwrap();
    assert_eq!(helene["presence"], json!([true, false]));

    let xlsx = app
        .send_body(Method::GET, &export("xlsx"), Sent::Nothing, &alice)
        .await;
    assert_eq!(xlsx.status, StatusCode::OK, "{}", xlsx.text);
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(xlsx.body.to_vec())).unwrap();
    let sheet = workbook.worksheet_range("Inscriptions").unwrap();
    let headers: Vec<String> = sheet
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let j1 = headers.iter().position(|h| h == "Présence J1").expect("J1");
    assert_eq!(headers[j1 + 1], "Présence J2");
    let email = headers.iter().position(|h| h == "Adresse e-mail").unwrap();
    let helene = sheet
        .rows()
        .find(|row| row[email] == calamine::Data::String("helene@ville.fr".to_owned()))
        .unwrap();
    assert_eq!(
        (helene[j1].to_string(), helene[j1 + 1].to_string()),
        ("présent".to_owned(), "absent".to_owned())
    );
}

store_tests!(
    marks_are_set_changed_and_taken_away,
    each_report_format_marks_its_participants_present,
    a_file_of_another_kind_is_refused_on_its_field,
    another_organisation_s_event_does_not_exist,
    exports_carry_attendance_per_session,
);
