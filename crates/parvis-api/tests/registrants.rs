//! The registrants of an event in the back-office, and their exports (CSV
//! in both dialects, XLSX, JSON), on SQLite and on a throwaway PostgreSQL
//! database each: filters and counts, waiting ranks across pages, formula
//! injection neutralised in what spreadsheets open (read back with `csv`
//! and `calamine`), typed cells, 404 for an event that is not the
//! organisation's, and the audit line of every export.

use std::collections::BTreeMap;
use std::io::Cursor;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use calamine::{Data, DataType, Reader, Xlsx};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use http_body_util::BodyExt;
use parvis_api::store::accounts::Role;
use parvis_api::store::{EventRecord, NewEvent, Origin};
use parvis_api::{mail, seed, token};
use parvis_core::api::{ProgrammeItem, Track};
use parvis_core::gestion::{RegistrantExport, RegistrantList};
use parvis_core::questions::{Answer, Question, QuestionKind};
use parvis_core::registration::{RegistrationRequest, check_for_event};
use serde_json::Value;
use tower::ServiceExt;

#[macro_use]
mod common;
use common::app::{App, Backend, PUBLIC_URL};

const SLUG: &str = "ateliers-test";

/// What these tests add to the shared app.
impl App {
    async fn insert(&self, event: &NewEvent, organisation: Option<i64>) -> EventRecord {
        let store = &self.state.store;
        store.insert_event(event).await.unwrap().unwrap();
        if let Some(organisation) = organisation {
            store
                .assign_events(organisation, &[event.public.slug.as_str()])
                .await
                .unwrap();
        }
        store
            .event_by_slug(&event.public.slug)
            .await
            .unwrap()
            .unwrap()
    }

    /// Registers through the store, as the registration route does (or
    /// the desk, on behalf of someone, when `by` names an organiser's
    /// account); returns the personal token.
    async fn register_in_store(
        &self,
        event: &EventRecord,
        request: &RegistrationRequest,
        by: Option<i64>,
    ) -> String {
        let checked = check_for_event(&event.public, request)
            .unwrap_or_else(|e| panic!("{} refused: {e:?}", request.email));
        let now = Utc::now();
        let compose = mail::composer(PUBLIC_URL, move || now);
        let personal = token::generate().unwrap();
        self.state
            .store
            .register(
                event,
                &checked,
                &personal.token,
                &Origin {
                    registered_by: by,
                    ..Origin::default()
                },
                &compose,
                now,
            )
            .await
            .unwrap();
        personal.token
    }

    /// Renames a person directly in the database: what no form accepts.
    async fn rename(&self, email: &str, first_name: &str, last_name: &str) {
        let sql = self
            .dialect
            .sql("UPDATE people SET first_name = ?, last_name = ? WHERE email_key = ?");
        let done = sqlx::query(&sql)
            .bind(first_name)
            .bind(last_name)
            .bind(email)
            .execute(self.pool().await)
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 1, "{email}");
    }

    async fn audit_lines(&self, cookie: &str, organisation: &str) -> Vec<String> {
        let log = self
            .get(
                format!("/api/gestion/organisations/{organisation}/journal"),
                cookie,
            )
            .await;
        assert_eq!(log.status, StatusCode::OK, "{}", log.text);
        log.json()
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "export")
            .map(|e| e["detail"].as_str().unwrap().to_owned())
            .collect()
    }
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2031, 3, 11).unwrap()
}

/// Two days to choose from, two workshops (one of 2 seats), 3 seats in
/// all with a waiting list, and one question of each typed kind, one of
/// them with a label a spreadsheet would take for a formula.
fn event(slug: &str) -> NewEvent {
    let mut event = seed::webinar(slug, day(), None);
    let public = &mut event.public;
    public.title = "Ateliers de la politique de la ville".to_owned();
    public.capacity = Some(3);
    public.waitlist = true;
    public.day_selection = true;
    let mut first = public.sessions[0].clone();
    first.programme = vec![ProgrammeItem {
        start: Some("16:30".to_owned()),
        end: Some("18:00".to_owned()),
        title: "Ateliers en parallèle".to_owned(),
        details: Vec::new(),
        tracks: vec![
            Track {
                id: "cartographie".to_owned(),
                title: "Cartographie des acteurs".to_owned(),
                details: Vec::new(),
                capacity: Some(2),
            },
            Track {
                id: "participation".to_owned(),
                title: "Participation des habitant·es".to_owned(),
                details: Vec::new(),
                capacity: None,
            },
        ],
    }];
    let mut second = public.sessions[0].clone();
    second.starts_at += Duration::days(7);
    second.ends_at += Duration::days(7);
    public.sessions = vec![first, second];
    let question = |id: &str, label: &str, kind: QuestionKind| Question {
        id: id.to_owned(),
        label: label.to_owned(),
        help: None,
        required: false,
        kind,
    };
    public.questions = vec![
        question(
            "effectif",
            "Nombre de personnes",
            QuestionKind::Number {
                min: Some(-10),
                max: Some(100),
            },
        ),
        question("arrivee", "Date d'arrivée", QuestionKind::Date),
        question("dejeuner", "Déjeuner sur place", QuestionKind::YesNo),
        question("remarque", "=Remarque libre", QuestionKind::ShortText),
    ];
    event
}

#[allow(clippy::too_many_arguments)]
fn request(
    first: &str,
    last: &str,
    email: &str,
    structure: &str,
    territory: &str,
    track: &str,
    days: &[usize],
    answers: &[(&str, Answer)],
) -> RegistrationRequest {
    RegistrationRequest {
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        email: email.to_owned(),
        organisation: "Ville d'Évry-Courcouronnes".to_owned(),
        role: "Cheffe de projet".to_owned(),
        territory: territory.to_owned(),
        consent: true,
        structure_type: structure.to_owned(),
        tracks: vec![track.to_owned()],
        sessions: days.to_vec(),
        answers: answers
            .iter()
            .map(|(id, answer)| ((*id).to_owned(), answer.clone()))
            .collect::<BTreeMap<_, _>>(),
        ..Default::default()
    }
}

fn text(value: &str) -> Answer {
    Answer::Text(value.to_owned())
}

const HYPERLINK: &str = "=HYPERLINK(\"https://piege.example.org\",\"Cliquez\")";

/// Seven registrants: three confirmed, three waiting in two queues, one
/// cancelled; hostile names and answers; Dominique registered by the
/// organiser (« Camille Martin ») on their behalf. Returns the
/// organisation's id and the cookie of a member (administrator, to read
/// the audit log).
async fn populated(app: &App) -> (i64, String) {
    let (organisation, cookie) = app
        .member("centre-a", "alice@a.example.org", Role::Administrateur)
        .await;
    let event = app.insert(&event(SLUG), Some(organisation)).await;
    let people = [
        request(
            "Hélène",
            "Dupont",
            "helene@ville.fr",
            "collectivite",
            "Évry-Courcouronnes",
            "cartographie",
            &[0, 1],
            &[
                ("effectif", text("12")),
                ("arrivee", text("2031-03-10")),
                ("dejeuner", Answer::Bool(true)),
                ("remarque", text(HYPERLINK)),
            ],
        ),
        request(
            "+1",
            "-2",
            "plus@asso.fr",
            "association",
            "Grigny",
            "participation",
            &[0],
            &[("effectif", text("-3")), ("dejeuner", Answer::Bool(false))],
        ),
        request(
            "Camille",
            "Martin",
            "camille@etat.gouv.fr",
            "etat",
            "Grigny",
            "participation",
            &[1],
            &[],
        ),
        request(
            "Dominique",
            "Petit",
            "dominique@caf.fr",
            "caf",
            "grigny",
            "cartographie",
            &[0, 1],
            &[],
        ),
        request(
            "Eve",
            "Moreau",
            "eve@asso.fr",
            "association",
            "",
            "participation",
            &[0],
            &[],
        ),
        request(
            "Farid",
            "Benali",
            "farid@bailleur.fr",
            "bailleur",
            "",
            "cartographie",
            &[0, 1],
            &[],
        ),
        request(
            "Gaëlle",
            "Roux",
            "gaelle@asso.fr",
            "association",
            "",
            "participation",
            &[0],
            &[],
        ),
    ];
    let organiser = app
        .state
        .store
        .account_for("alice@a.example.org", "Camille Martin", Utc::now())
        .await
        .unwrap();
    let mut tokens = Vec::new();
    for person in &people {
        let mut person = person.clone();
        if person.email == "helene@ville.fr" {
            person.accessibility_needs = "@SUM(1;2) boucle magnétique".to_owned();
        }
        let by = (person.email == "dominique@caf.fr").then_some(organiser.id);
        tokens.push(app.register_in_store(&event, &person, by).await);
    }
    // Gaëlle cancels while waiting.
    let store = &app.state.store;
    let gaelle = store
        .registration_by_token(&token::hash(&tokens[6]), Utc::now())
        .await
        .unwrap()
        .unwrap();
    let now = Utc::now();
    let compose = mail::composer(PUBLIC_URL, move || now);
    let event = store.event_by_slug(SLUG).await.unwrap().unwrap();
    store
        .cancel(&event, gaelle.id, &compose, now)
        .await
        .unwrap();
    // Names no form accepts, as an older import could have left them.
    app.rename("eve@asso.fr", HYPERLINK, "@SUM(1+1)").await;
    app.rename("farid@bailleur.fr", "\tTabulation", "\rRetour")
        .await;
    (organisation, cookie)
}

fn path(tail: &str) -> String {
    format!("/api/gestion/organisations/centre-a/evenements/{SLUG}/inscrits{tail}")
}

fn names(list: &RegistrantList) -> Vec<&str> {
    list.registrants
        .iter()
        .map(|r| r.email.split('@').next().unwrap())
        .collect()
}

async fn list(app: &App, cookie: &str, query: &str) -> RegistrantList {
    let reply = app.get(path(query), cookie).await;
    assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
    serde_json::from_slice(&reply.body).unwrap()
}

async fn registrants_are_filtered_and_counted_against_every_quota(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (_, cookie) = populated(&app).await;

    let all = list(&app, &cookie, "").await;
    assert_eq!(all.total, 7);
    assert_eq!(
        names(&all),
        [
            "helene",
            "plus",
            "camille",
            "dominique",
            "eve",
            "farid",
            "gaelle"
        ]
    );
    assert_eq!(all.next, None);
    let ranks: Vec<Option<u32>> = all.registrants.iter().map(|r| r.rank).collect();
    assert_eq!(
        ranks,
        [None, None, None, Some(1), Some(1), Some(2), None],
        "each queue ranks its own"
    );
    let by: Vec<Option<&str>> = all
        .registrants
        .iter()
        .map(|r| r.registered_by.as_deref())
        .collect();
    assert_eq!(
        by,
        [None, None, None, Some("Camille Martin"), None, None, None],
        "who registered on someone's behalf"
    );
    let helene = &all.registrants[0];
    assert_eq!(helene.tracks, ["cartographie"]);
    assert_eq!(helene.sessions, [0, 1]);
    assert_eq!(helene.territory.as_deref(), Some("Évry-Courcouronnes"));
    assert_eq!(helene.answers["effectif"], text("12"));
    assert_eq!(
        helene.accessibility_needs.as_deref(),
        Some("@SUM(1;2) boucle magnétique")
    );
    assert_eq!(all.event.tracks.len(), 2);
    assert_eq!(all.event.days.len(), 2);
    assert!(
        all.event.days[0].starts_with("mardi 11 mars 2031"),
        "{:?}",
        all.event.days
    );
    assert_eq!(all.event.questions[3].label, "=Remarque libre");

    // Counts, whatever the filters: every status, every quota.
    let counts = &all.counts;
    assert_eq!(
        (
            counts.statuses.confirmed,
            counts.statuses.waitlisted,
            counts.statuses.pending,
            counts.statuses.cancelled
        ),
        (3, 3, 0, 1)
    );
    let quota = |key: &str| {
        counts
            .quotas
            .iter()
            .find(|q| q.key == key)
            .unwrap_or_else(|| panic!("no quota {key}: {counts:?}"))
    };
    let keys: Vec<&str> = counts.quotas.iter().map(|q| q.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "event",
            "track:cartographie",
            "track:participation",
            "session:0",
            "session:1"
        ]
    );
    assert_eq!(
        (quota("event").capacity, quota("event").taken),
        (Some(3), 3)
    );
    let cartographie = quota("track:cartographie");
    assert_eq!((cartographie.capacity, cartographie.taken), (Some(2), 1));
    assert_eq!(cartographie.label, "Atelier « Cartographie des acteurs »");
    assert_eq!(
        (
            cartographie.statuses.confirmed,
            cartographie.statuses.waitlisted
        ),
        (1, 2)
    );
    let participation = quota("track:participation");
    assert_eq!(
        (participation.capacity, participation.taken),
        (None, 2),
        "unlimited: taken is who holds a seat"
    );
    assert_eq!(participation.statuses.cancelled, 1);
    let first_day = quota("session:0");
    assert_eq!(
        (
            first_day.statuses.confirmed,
            first_day.statuses.waitlisted,
            first_day.statuses.cancelled
        ),
        (2, 3, 1)
    );
    assert!(first_day.label.starts_with("Journée du mardi 11 mars 2031"));
    assert_eq!(quota("session:1").statuses.confirmed, 2);

    // Filters, alone and together.
    for (query, expected) in [
        ("?statut=waitlisted", vec!["dominique", "eve", "farid"]),
        (
            "?atelier=cartographie",
            vec!["helene", "dominique", "farid"],
        ),
        (
            "?journee=1",
            vec!["helene", "camille", "dominique", "farid"],
        ),
        ("?structure=etat", vec!["camille"]),
        ("?territoire=EVRY-courcouronnes", vec!["helene"]),
        ("?territoire=Grigny", vec!["plus", "camille", "dominique"]),
        ("?q=helene", vec!["helene"]),
        ("?q=DUPONT%20evry", vec!["helene"]),
        ("?q=bailleur.fr", vec!["farid"]),
        ("?q=personne", vec![]),
        (
            "?statut=confirmed&atelier=participation",
            vec!["plus", "camille"],
        ),
        ("?statut=cancelled&journee=0", vec!["gaelle"]),
        (
            "?atelier=&statut=&q=",
            vec![
                "helene",
                "plus",
                "camille",
                "dominique",
                "eve",
                "farid",
                "gaelle",
            ],
        ),
    ] {
        let filtered = list(&app, &cookie, query).await;
        assert_eq!(names(&filtered), expected, "{query}");
        assert_eq!(filtered.total as usize, expected.len(), "{query}");
        assert_eq!(
            filtered.counts, all.counts,
            "{query}: counts ignore filters"
        );
    }
    let waiting = list(&app, &cookie, "?statut=waitlisted").await;
    let ranks: Vec<Option<u32>> = waiting.registrants.iter().map(|r| r.rank).collect();
    assert_eq!(
        ranks,
        [Some(1), Some(1), Some(2)],
        "ranks do not depend on filters"
    );
    // A structure type splits queues: the ranks still count everyone.
    let farid = list(&app, &cookie, "?structure=bailleur").await;
    assert_eq!(farid.registrants[0].rank, Some(2));
    let deep = list(&app, &cookie, &format!("?apres={}", all.registrants[4].id)).await;
    assert_eq!(names(&deep), ["farid", "gaelle"]);
    assert_eq!(
        deep.registrants[0].rank,
        Some(2),
        "counted from before the page"
    );

    // Pages, counted by the database or by reading.
    let first = list(&app, &cookie, "?limite=2").await;
    assert_eq!((names(&first), first.total), (vec!["helene", "plus"], 7));
    let next = first.next.expect("a next page");
    let second = list(&app, &cookie, &format!("?limite=2&apres={next}")).await;
    assert_eq!(names(&second), ["camille", "dominique"]);
    let grigny = list(&app, &cookie, "?territoire=grigny&limite=2").await;
    assert_eq!((names(&grigny), grigny.total), (vec!["plus", "camille"], 3));
    let rest = list(
        &app,
        &cookie,
        &format!("?territoire=grigny&limite=2&apres={}", grigny.next.unwrap()),
    )
    .await;
    assert_eq!((names(&rest), rest.next), (vec!["dominique"], None));

    // Faulty filters are named; nothing typed comes back.
    let reply = app
        .get(
            path("?atelier=%3Cinconnu%3E&journee=9&structure=chef&limite=900"),
            &cookie,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["atelier", "journee", "structure", "limite"] {
        assert!(
            reply.json()["fields"][field][0].is_string(),
            "{field}: {}",
            reply.text
        );
    }
    assert!(!reply.text.contains("inconnu") && !reply.text.contains("chef"));
    let reply = app.get(path("?statut=inscrit"), &cookie).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.text.contains("statut"), "{}", reply.text);
    let too_long = "mot ".repeat(11);
    let reply = app
        .get(
            path(&format!("?q={}", too_long.replace(' ', "%20"))),
            &cookie,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.json()["fields"]["q"][0].is_string());
}

/// Every text cell of an export row, by header.
fn by_header<'a>(headers: &'a [String], row: &'a [String]) -> BTreeMap<&'a str, &'a str> {
    headers
        .iter()
        .map(String::as_str)
        .zip(row.iter().map(String::as_str))
        .collect()
}

fn read_csv(body: &[u8], delimiter: u8) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(body);
    let headers = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (headers, rows)
}

/// What a spreadsheet would take for a formula.
fn formula_like(text: &str) -> bool {
    matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    )
}

async fn csv_exports_neutralise_formulas_in_both_dialects(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (_, cookie) = populated(&app).await;

    let excel = app.get(path("/export.csv"), &cookie).await;
    assert_eq!(excel.status, StatusCode::OK, "{}", excel.text);
    assert_eq!(
        excel.header(header::CONTENT_TYPE),
        "text/csv; charset=utf-8"
    );
    let disposition = excel.header(header::CONTENT_DISPOSITION);
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .format("%Y-%m-%d");
    assert_eq!(
        disposition,
        format!("attachment; filename=\"inscriptions-{SLUG}-{today}.csv\"")
    );
    assert!(
        excel.body.starts_with(b"\xEF\xBB\xBF"),
        "French Excel needs the byte order mark"
    );
    assert!(excel.text.contains("\r\n"), "RFC 4180 line ends");
    let (headers, rows) = read_csv(&excel.body[3..], b';');
    assert_eq!(headers.len(), 20, "{headers:?}");
    assert_eq!(
        &headers[..3],
        ["Statut", "Rang en liste d'attente", "Prénom"]
    );
    assert!(
        headers.contains(&"'=Remarque libre".to_owned()),
        "{headers:?}"
    );
    // Then the attendance of each day (none marked here).
    assert_eq!(
        &headers[16..],
        [
            "Inscrit·e le",
            "Inscrit·e par",
            "Présence J1",
            "Présence J2"
        ]
    );
    assert_eq!(rows.len(), 7);
    let helene = by_header(&headers, &rows[0]);
    assert_eq!(helene["Statut"], "Confirmée");
    assert_eq!(helene["Rang en liste d'attente"], "");
    assert_eq!(helene["Type de structure"], "Collectivité territoriale");
    assert_eq!(helene["Ateliers"], "Cartographie des acteurs");
    assert_eq!(
        helene["Journées"],
        "mardi 11 mars 2031 ; mardi 18 mars 2031"
    );
    assert_eq!(helene["Nombre de personnes"], "12");
    assert_eq!(helene["Date d'arrivée"], "10/03/2031");
    assert_eq!(helene["Déjeuner sur place"], "Oui");
    assert_eq!(helene["'=Remarque libre"], format!("'{HYPERLINK}"));
    assert_eq!(
        helene["Besoins d'accessibilité"],
        "'@SUM(1;2) boucle magnétique"
    );
    let registered = helene["Inscrit·e le"];
    assert!(
        registered.len() == 16
            && registered.as_bytes()[2] == b'/'
            && registered.as_bytes()[10] == b' ',
        "dd/mm/yyyy hh:mm: {registered}"
    );
    assert_eq!(helene["Inscrit·e par"], "");
    let dominique = by_header(&headers, &rows[3]);
    assert_eq!(dominique["Inscrit·e par"], "Camille Martin");
    let plus = by_header(&headers, &rows[1]);
    assert_eq!((plus["Prénom"], plus["Nom"]), ("'+1", "'-2"));
    assert_eq!(plus["Nombre de personnes"], "-3", "a number stays a number");
    assert_eq!(plus["Déjeuner sur place"], "Non");
    let eve = by_header(&headers, &rows[4]);
    assert_eq!(eve["Statut"], "Liste d'attente");
    assert_eq!(eve["Rang en liste d'attente"], "1");
    assert_eq!(
        (eve["Prénom"], eve["Nom"]),
        (format!("'{HYPERLINK}").as_str(), "'@SUM(1+1)")
    );
    let farid = by_header(&headers, &rows[5]);
    assert_eq!(
        (
            farid["Prénom"],
            farid["Nom"],
            farid["Rang en liste d'attente"]
        ),
        ("'\tTabulation", "'\rRetour", "2")
    );
    assert_eq!(by_header(&headers, &rows[6])["Statut"], "Annulée");
    for row in &rows {
        for (header, cell) in by_header(&headers, row) {
            if header != "Nombre de personnes" {
                assert!(!formula_like(cell), "{header}: {cell:?}");
            }
        }
    }

    let standard = app
        .get(path("/export.csv?dialecte=standard"), &cookie)
        .await;
    assert_eq!(standard.status, StatusCode::OK, "{}", standard.text);
    assert!(!standard.body.starts_with(b"\xEF\xBB\xBF"));
    let (headers, rows) = read_csv(&standard.body, b',');
    assert_eq!(headers.len(), 20);
    assert_eq!(rows.len(), 7);
    let helene = by_header(&headers, &rows[0]);
    assert_eq!(helene["Date d'arrivée"], "2031-03-10");
    let registered = chrono::DateTime::parse_from_rfc3339(helene["Inscrit·e le"])
        .expect("ISO 8601 with its offset");
    assert!((Utc::now() - registered.to_utc()).num_minutes().abs() < 10);
    assert_eq!(by_header(&headers, &rows[1])["Prénom"], "'+1");
    // Each dialect its separator.
    let first_line = |body: &[u8]| {
        String::from_utf8(body.split(|&b| b == b'\r').next().unwrap().to_vec()).unwrap()
    };
    assert_eq!(first_line(&standard.body).matches(',').count(), 19);
    assert_eq!(first_line(&standard.body).matches(';').count(), 0);
    assert_eq!(first_line(&excel.body).matches(';').count(), 19);

    // The export is the filtered list.
    let waiting = app
        .get(
            path("/export.csv?statut=waitlisted&dialecte=standard"),
            &cookie,
        )
        .await;
    let (headers, rows) = read_csv(&waiting.body, b',');
    let ranks: Vec<&str> = rows
        .iter()
        .map(|r| by_header(&headers, r)["Rang en liste d'attente"])
        .collect();
    assert_eq!(ranks, ["1", "1", "2"]);
    let reply = app.get(path("/export.csv?dialecte=tableur"), &cookie).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

async fn xlsx_exports_have_typed_cells_and_no_formula(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (_, cookie) = populated(&app).await;
    let reply = app.get(path("/export.xlsx"), &cookie).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.header(header::CONTENT_TYPE),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        reply.header(header::CONTENT_LENGTH),
        reply.body.len().to_string()
    );
    assert!(
        reply
            .header(header::CONTENT_DISPOSITION)
            .ends_with(".xlsx\"")
    );
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(reply.body.to_vec()))
        .expect("a workbook calamine reads");
    assert_eq!(workbook.sheet_names(), ["Inscriptions"]);
    let formulas = workbook.worksheet_formula("Inscriptions").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no cell is a formula"
    );
    let range = workbook.worksheet_range("Inscriptions").unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    assert_eq!(rows.len(), 8, "a header and 7 registrants");
    let headers: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}: {headers:?}"))
    };
    assert!(headers.contains(&"'=Remarque libre".to_owned()));
    let helene = rows[1];
    assert_eq!(helene[col("Prénom")], Data::String("Hélène".to_owned()));
    assert_eq!(helene[col("Rang en liste d'attente")], Data::Empty);
    assert_eq!(helene[col("Nombre de personnes")], Data::Float(12.0));
    let arrival = helene[col("Date d'arrivée")]
        .as_date()
        .expect("a real date");
    assert_eq!(
        (arrival.year(), arrival.month(), arrival.day()),
        (2031, 3, 10)
    );
    assert!(matches!(helene[col("Date d'arrivée")], Data::DateTime(_)));
    let registered = helene[col("Inscrit·e le")]
        .as_datetime()
        .expect("a real date and time");
    let paris = Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .naive_local();
    assert!(
        (paris - registered).num_minutes().abs() < 10,
        "{registered}"
    );
    assert_eq!(
        helene[col("'=Remarque libre")],
        Data::String(format!("'{HYPERLINK}"))
    );
    assert_eq!(helene[col("Inscrit·e par")], Data::Empty);
    assert_eq!(
        rows[4][col("Inscrit·e par")],
        Data::String("Camille Martin".to_owned())
    );
    assert_eq!(
        helene[col("Journées")],
        Data::String("mardi 11 mars 2031 ; mardi 18 mars 2031".to_owned())
    );
    let plus = rows[2];
    assert_eq!(
        (&plus[col("Prénom")], &plus[col("Nom")]),
        (
            &Data::String("'+1".to_owned()),
            &Data::String("'-2".to_owned())
        )
    );
    assert_eq!(plus[col("Nombre de personnes")], Data::Float(-3.0));
    let eve = rows[5];
    assert_eq!(eve[col("Rang en liste d'attente")], Data::Float(1.0));
    assert_eq!(eve[col("Prénom")], Data::String(format!("'{HYPERLINK}")));
    assert_eq!(eve[col("Nom")], Data::String("'@SUM(1+1)".to_owned()));
    let farid = rows[6];
    assert_eq!(farid[col("Rang en liste d'attente")], Data::Float(2.0));
    assert_eq!(
        farid[col("Prénom")],
        Data::String("'\tTabulation".to_owned())
    );
    for row in &rows {
        for cell in row.iter() {
            if let Data::String(text) = cell {
                assert!(!formula_like(text), "{text:?}");
            }
        }
    }
}

async fn json_exports_every_line_with_its_count(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (_, cookie) = populated(&app).await;
    let reply = app.get(path("/export.json"), &cookie).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.header(header::CONTENT_TYPE), "application/json");
    assert!(
        reply
            .header(header::CONTENT_DISPOSITION)
            .ends_with(".json\"")
    );
    let raw = reply.json();
    assert_eq!(raw["count"], 7);
    assert_eq!(raw["event"]["slug"], SLUG);
    assert_eq!(
        raw["registrants"][1]["first_name"], "+1",
        "data, not a sheet"
    );
    assert_eq!(raw["registrants"][3]["status"], "waitlisted");
    assert_eq!(raw["registrants"][3]["rank"], 1);
    assert_eq!(raw["registrants"][0]["answers"]["dejeuner"], true);
    assert_eq!(raw["registrants"][0]["registered_by"], Value::Null);
    assert_eq!(raw["registrants"][3]["registered_by"], "Camille Martin");
    let export: RegistrantExport = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(export.count, 7);
    assert_eq!(export.registrants.len(), 7);
    assert!(export.registrants.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(export.event.questions.len(), 4);
    let listed = list(&app, &cookie, "").await;
    assert_eq!(export.registrants, listed.registrants, "the same lines");
    let filtered: RegistrantExport = serde_json::from_slice(
        &app.get(path("/export.json?structure=association"), &cookie)
            .await
            .body,
    )
    .unwrap();
    assert_eq!(filtered.count, 3);
}

/// Through the compression layer, as a browser asks for them: the whole
/// file arrives (a streamed body polled once more after its end used to
/// cut every compressed download short).
async fn compressed_exports_arrive_whole(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (_, cookie) = populated(&app).await;
    for tail in ["/export.json", "/export.csv?dialecte=excel"] {
        let plain = app.get(path(tail), &cookie).await;
        let request = Request::builder()
            .method(Method::GET)
            .uri(path(tail))
            .header(header::COOKIE, &cookie)
            .header(header::ACCEPT_ENCODING, "br")
            .body(Body::empty())
            .unwrap();
        let response = app.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "br", "{tail}");
        let compressed = response
            .into_body()
            .collect()
            .await
            .expect("the whole body")
            .to_bytes();
        let mut body = Vec::new();
        brotli::BrotliDecompress(&mut &compressed[..], &mut body).expect("a whole brotli stream");
        if tail.ends_with(".json") {
            let export: RegistrantExport = serde_json::from_slice(&body).unwrap();
            assert_eq!(export.count, 7);
        } else {
            assert_eq!(body, plain.body.to_vec(), "{tail}");
        }
    }
}

async fn another_organisation_s_event_does_not_exist(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (_, cookie) = populated(&app).await;
    let (centre_b, bruno) = app
        .member("centre-b", "bruno@b.example.org", Role::Administrateur)
        .await;
    app.insert(&event("evenement-b"), Some(centre_b)).await;
    app.insert(&event("sans-organisation"), None).await;
    let base = "/api/gestion/organisations/centre-a/evenements";
    let unknown = app.get(format!("{base}/inconnu/inscrits"), &cookie).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    for slug in ["evenement-b", "sans-organisation"] {
        for tail in [
            "",
            "/export.csv",
            "/export.xlsx",
            "/export.json",
            "/export.csv?dialecte=standard",
        ] {
            let reply = app
                .get(format!("{base}/{slug}/inscrits{tail}"), &cookie)
                .await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{slug}{tail}");
            assert_eq!(reply.body, unknown.body, "{slug}{tail}: as unknown");
        }
    }
    // Centre B's own member reads its event, never centre A's.
    let theirs = app
        .get(
            "/api/gestion/organisations/centre-b/evenements/evenement-b/inscrits",
            &bruno,
        )
        .await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.text);
    assert_eq!(theirs.json()["total"], 0);
    let ours = app.get(path(""), &bruno).await;
    assert_eq!(ours.status, StatusCode::NOT_FOUND);
    // A filter never reveals anything before the event is known to be theirs.
    let probing = app
        .get(
            format!("{base}/evenement-b/inscrits?statut=inscrit"),
            &cookie,
        )
        .await;
    assert_eq!(probing.status, StatusCode::NOT_FOUND);
    // An organiser (not administrator) is a member: the list is theirs too.
    let (_, carole) = app
        .member("centre-a", "carole@a.example.org", Role::Organisateur)
        .await;
    assert_eq!(
        app.get(path("/export.csv"), &carole).await.status,
        StatusCode::OK
    );
}

async fn every_export_writes_its_audit_line(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (_, cookie) = populated(&app).await;
    assert!(app.audit_lines(&cookie, "centre-a").await.is_empty());
    for tail in [
        "/export.csv",
        "/export.csv?dialecte=standard&statut=waitlisted",
        "/export.xlsx?atelier=cartographie",
        "/export.json?q=zzz",
    ] {
        let reply = app.get(path(tail), &cookie).await;
        assert_eq!(reply.status, StatusCode::OK, "{tail}");
    }
    // The list itself is not an export.
    list(&app, &cookie, "").await;
    let lines = app.audit_lines(&cookie, "centre-a").await;
    let title = "« Ateliers de la politique de la ville » (ateliers-test)";
    assert_eq!(
        lines,
        [
            format!("Export JSON des inscrit·es de {title}, filtres q=zzz : 0 ligne"),
            format!(
                "Export XLSX des inscrit·es de {title}, filtres atelier=cartographie : 3 lignes"
            ),
            format!(
                "Export CSV (standard) des inscrit·es de {title}, filtres statut=waitlisted : 3 lignes"
            ),
            format!("Export CSV (Excel) des inscrit·es de {title} : 7 lignes"),
        ],
        "most recent first"
    );
    let log = app
        .get("/api/gestion/organisations/centre-a/journal", &cookie)
        .await
        .json();
    assert_eq!(log[0]["who"], "alice@a.example.org");
}

/// More registrants than a page holds: the export reads them a page at a
/// time, in order, and the waiting ranks carry over from page to page.
async fn exports_read_page_after_page_with_ranks_across_pages(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (organisation, cookie) = app
        .member("centre-a", "alice@a.example.org", Role::Administrateur)
        .await;
    let mut many = seed::webinar(SLUG, day(), None);
    many.public.capacity = Some(100);
    many.public.waitlist = true;
    let event = app.insert(&many, Some(organisation)).await;
    let total = parvis_api::routes::registrants::PAGE as usize + 150;
    for n in 0..total {
        let person = RegistrationRequest {
            first_name: "Prénom".to_owned(),
            last_name: format!("Nom {n}"),
            email: format!("personne-{n}@exemple.fr"),
            organisation: "Ville de test".to_owned(),
            role: "Chargée de mission".to_owned(),
            consent: true,
            structure_type: "collectivite".to_owned(),
            ..Default::default()
        };
        app.register_in_store(&event, &person, None).await;
    }
    let reply = app
        .get(path("/export.csv?dialecte=standard"), &cookie)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let (headers, rows) = read_csv(&reply.body, b',');
    assert_eq!(rows.len(), total);
    let last_names: Vec<String> = rows
        .iter()
        .map(|r| by_header(&headers, r)["Nom"].to_owned())
        .collect();
    let expected: Vec<String> = (0..total).map(|n| format!("Nom {n}")).collect();
    assert_eq!(last_names, expected, "every line once, in order");
    let ranks: Vec<String> = rows[100..]
        .iter()
        .map(|r| by_header(&headers, r)["Rang en liste d'attente"].to_owned())
        .collect();
    let expected: Vec<String> = (1..=total - 100).map(|n| n.to_string()).collect();
    assert_eq!(ranks, expected, "ranks run on across pages");
    let workbook = app.get(path("/export.xlsx"), &cookie).await;
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(workbook.body.to_vec())).unwrap();
    let range = workbook.worksheet_range("Inscriptions").unwrap();
    assert_eq!(range.height(), total + 1);
    let json: RegistrantExport =
        serde_json::from_slice(&app.get(path("/export.json"), &cookie).await.body).unwrap();
    assert_eq!(json.count as usize, total);
    assert_eq!(
        json.registrants.last().unwrap().rank,
        Some((total - 100) as u32)
    );
    // Under a structure-type filter, ranks are read from the database.
    let filtered: RegistrantExport = serde_json::from_slice(
        &app.get(path("/export.json?structure=collectivite"), &cookie)
            .await
            .body,
    )
    .unwrap();
    assert_eq!(filtered.registrants, json.registrants);
    // The list pages through them too.
    let page = list(&app, &cookie, "?limite=500&apres=0").await;
    assert_eq!((page.total as usize, page.registrants.len()), (total, 500));
    let deep = list(
        &app,
        &cookie,
        &format!("?statut=waitlisted&limite=1&apres={}", page.next.unwrap()),
    )
    .await;
    assert_eq!(deep.registrants[0].rank, Some(401));

    // A download left after its first chunk stops the reading (a chunk
    // ahead at most), and the audit log says so.
    let before = app.audit_lines(&cookie, "centre-a").await.len();
    let request = Request::builder()
        .uri(path("/export.csv"))
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let mut body = app
        .router
        .clone()
        .oneshot(request)
        .await
        .unwrap()
        .into_body();
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert!(first.starts_with(b"\xEF\xBB\xBF"));
    drop(body);
    let mut lines = Vec::new();
    for _ in 0..200 {
        lines = app.audit_lines(&cookie, "centre-a").await;
        if lines.len() > before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(
        lines[0].ends_with(" : téléchargement interrompu après 1000 lignes")
            || lines[0].ends_with(" : téléchargement interrompu après 0 ligne"),
        "{lines:?}"
    );
}

store_tests!(
    registrants_are_filtered_and_counted_against_every_quota,
    csv_exports_neutralise_formulas_in_both_dialects,
    xlsx_exports_have_typed_cells_and_no_formula,
    json_exports_every_line_with_its_count,
    compressed_exports_arrive_whole,
    another_organisation_s_event_does_not_exist,
    every_export_writes_its_audit_line,
    exports_read_page_after_page_with_ranks_across_pages,
);
