//! The exports of participant feedback on SQLite and on a throwaway
//! PostgreSQL database each, parsed by real readers (`csv`, `calamine`,
//! `serde_json`): one typed column per question (matrices one per row,
//! « Autre : … » in its own column), submitted and in-progress responses,
//! the public link's marked « lien public », formulas neutralised; the
//! anonymous export without any personal data, in the order of its hashed
//! keys; the summary of the dashboard's figures; every page read; 404 for
//! another organisation.

use std::io::Cursor;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use calamine::{Data, Reader, Xlsx};
use chrono::{NaiveDateTime, Utc};
use http_body_util::BodyExt;
use parvis_api::store::accounts::Role;
use parvis_api::store::feedback::response_key;
use parvis_core::feedback::results::TEXTS_SHOWN;
use serde_json::{Value, json};
use sqlx::Row;
use tower::ServiceExt;

#[macro_use]
mod common;
use common::app::{App, Backend, Browser, PUBLIC_URL};

const SLUG: &str = "webinaire-avis";

fn avis(org: &str) -> String {
    format!("/api/gestion/organisations/{org}/evenements/{SLUG}/avis")
}

fn export(tail: &str) -> String {
    format!("{}/a-chaud/{tail}", avis("centre-a"))
}

/// The participants: first name, last name, address, structure, territory.
const PEOPLE: [(&str, &str, &str, &str, &str); 3] = [
    (
        "Ana",
        "Durand",
        "ana@ville.example.fr",
        "collectivite",
        "Creil",
    ),
    ("Ben", "Lefèvre", "ben@ville.example.fr", "association", ""),
    ("Chloé", "Moreau", "chloe@ville.example.fr", "etat", "Oise"),
];

/// What must never appear in an anonymous export.
const PERSONAL: [&str; 10] = [
    "Ana",
    "Durand",
    "Ben",
    "Lefèvre",
    "Chloé",
    "Moreau",
    "ana@",
    "ben@",
    "chloe@",
    "ville.example.fr",
];

/// `centre-a` (Alice) with a webinar and the three participants
/// registered, and `centre-b` (Bruno); their browsers.
async fn setup(app: &App) -> (Browser, Browser) {
    app.organisation("centre-a", &[("alice@a.example.org", Role::Administrateur)])
        .await;
    app.organisation("centre-b", &[("bruno@b.example.org", Role::Administrateur)])
        .await;
    let store = &app.state.store;
    let day = Utc::now().date_naive() + chrono::Days::new(30);
    store
        .insert_event(&parvis_api::seed::webinar(SLUG, day, None))
        .await
        .unwrap();
    let centre_a = store.organisation("centre-a").await.unwrap().unwrap();
    store.assign_events(centre_a.id, &[SLUG]).await.unwrap();
    for (first, last, email, structure, territory) in PEOPLE {
        let reply = app
            .send(
                Method::POST,
                format!("/api/events/{SLUG}/registrations"),
                Some(json!({
                    "first_name": first, "last_name": last, "email": email,
                    "organisation": "Ville de Creil", "role": "Chargée de mission",
                    "territory": territory, "consent": true, "structure_type": structure
                })),
                Browser::default(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }
    let alice = app.sign_in("alice@a.example.org").await;
    let bruno = app.sign_in("bruno@b.example.org").await;
    (alice, bruno)
}

/// A questionnaire with every kind of question.
fn questionnaire(anonymous: bool) -> Value {
    json!({
        "kind": "hot", "title": "Votre avis sur le webinaire", "anonymous": anonymous,
        "questions": [
            {"id": "note", "label": "Satisfaction générale", "required": true,
             "kind": {"type": "scale", "min_label": "Pas du tout", "max_label": "Tout à fait"}},
            {"id": "reco", "label": "Recommanderiez-vous ce webinaire ?",
             "kind": {"type": "recommend"}},
            {"id": "format", "label": "Format préféré",
             "kind": {"type": "single", "options": ["Visio", "Présentiel"], "other": true}},
            {"id": "themes", "label": "Thèmes à approfondir",
             "kind": {"type": "multiple", "options": ["Logement", "Emploi", "Santé"], "other": true}},
            {"id": "revenir", "label": "Reviendriez-vous ?", "kind": {"type": "yes_no"}},
            {"id": "mot", "label": "Un mot", "kind": {"type": "short_text"}},
            {"id": "remarques", "label": "Remarques", "kind": {"type": "long_text"}},
            {"id": "heures", "label": "Heures de formation",
             "kind": {"type": "number", "min": 0, "max": 100}},
            {"id": "jours", "label": "Journées",
             "kind": {"type": "matrix", "rows": ["J1", "J2"], "min_label": "Faible", "max_label": "Forte"}}
        ]
    })
}

/// Ana's answers, with text a spreadsheet would take for formulas.
fn full_answers(note: i64) -> Value {
    json!({
        "note": note, "reco": 9,
        "format": {"choices": [], "other": "=HYPERLINK(\"http://x.example\")"},
        "themes": {"choices": ["Logement"], "other": "@SUM(A1)"},
        "revenir": true, "mot": "+cmd", "remarques": "Très bien\nmerci",
        "heures": 12, "jours": {"J1": 5, "J2": 4}
    })
}

/// The feedback tokens emailed to `email`, oldest first.
async fn feedback_tokens(app: &App, email: &str) -> Vec<String> {
    let prefix = format!("{PUBLIC_URL}/avis/");
    app.state
        .store
        .claim_due_emails(Utc::now(), chrono::Duration::zero(), 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|q| q.email.recipient == email && q.email.body_text.contains(&prefix))
        .map(|q| q.email.body_text.split(&prefix).nth(1).unwrap()[..64].to_owned())
        .collect()
}

async fn ok(app: &App, method: Method, uri: &str, body: Option<Value>, who: &Browser) -> Value {
    let reply = app.send(method.clone(), uri, body, who).await;
    assert!(
        reply.status.is_success(),
        "{method} {uri}: {} {}",
        reply.status,
        reply.text
    );
    reply.json()
}

/// Creates the questionnaire and sends it to the three participants; their
/// tokens, in the order of [`PEOPLE`].
async fn sent(app: &App, alice: &Browser, anonymous: bool) -> Vec<String> {
    ok(
        app,
        Method::POST,
        &avis("centre-a"),
        Some(json!({"questionnaire": questionnaire(anonymous)})),
        alice,
    )
    .await;
    let sent = ok(
        app,
        Method::POST,
        &format!("{}/a-chaud/envoyer", avis("centre-a")),
        Some(json!({})),
        alice,
    )
    .await;
    assert_eq!(sent["sent"], 3, "{sent}");
    let mut tokens = Vec::new();
    for (_, _, email, _, _) in PEOPLE {
        let mine = feedback_tokens(app, email).await;
        assert_eq!(mine.len(), 1, "{email}");
        tokens.push(mine[0].clone());
    }
    tokens
}

async fn answer(app: &App, token: &str, answers: Value, submit: bool) {
    ok(
        app,
        Method::PUT,
        &format!("/api/avis/{token}"),
        Some(json!({"answers": answers, "submit": submit})),
        &Browser::default(),
    )
    .await;
}

/// A GET that must succeed.
async fn download(app: &App, uri: &str, who: &Browser) -> common::app::Reply {
    let reply = app.send(Method::GET, uri, None, who).await;
    assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text);
    reply
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

/// The only sheet of a workbook, its name and its cells.
fn read_xlsx(body: &[u8]) -> (String, Vec<Vec<Data>>) {
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(body.to_vec())).expect("a workbook");
    let names = workbook.sheet_names();
    assert_eq!(names.len(), 1, "{names:?}");
    let name = names[0].clone();
    let formulas = workbook.worksheet_formula(&name).unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no cell is a formula"
    );
    let range = workbook.worksheet_range(&name).unwrap();
    let rows = range.rows().map(<[Data]>::to_vec).collect();
    (name, rows)
}

fn strings(rows: &[Vec<Data>]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| row.iter().map(ToString::to_string).collect())
        .collect()
}

const NAMED_HEADERS: [&str; 21] = [
    "Prénom",
    "Nom",
    "Adresse e-mail",
    "Type de structure",
    "Territoire",
    "Atelier",
    "Statut",
    "Origine",
    "Dernière modification",
    "Satisfaction générale",
    "Recommanderiez-vous ce webinaire ?",
    "Format préféré",
    "Format préféré – Autre : précision",
    "Thèmes à approfondir",
    "Thèmes à approfondir – Autre : précision",
    "Reviendriez-vous ?",
    "Un mot",
    "Remarques",
    "Heures de formation",
    "Journées – J1",
    "Journées – J2",
];

/// The answers' columns of Ana's full response, as CSV text.
const ANA_ANSWERS: [&str; 12] = [
    "4",
    "9",
    "Autre",
    "'=HYPERLINK(\"http://x.example\")",
    "Logement ; Autre",
    "'@SUM(A1)",
    "Oui",
    "'+cmd",
    "Très bien\nmerci",
    "12",
    "5",
    "4",
];

/// Publishes the event-wide public link and submits `answers` through it
/// from one browser.
async fn public_response(app: &App, alice: &Browser, answers: &Value) {
    let view = ok(
        app,
        Method::POST,
        &format!("{}/a-chaud/lien-public", avis("centre-a")),
        None,
        alice,
    )
    .await;
    let link = view["public_link"].as_str().unwrap();
    let token = link.strip_prefix(&format!("{PUBLIC_URL}/avis/")).unwrap();
    let request = Request::builder()
        .method(Method::PUT)
        .uri(format!("/api/avis/{token}"))
        .header(
            parvis_core::feedback::api::BROWSER_HEADER,
            "0123456789abcdef0123456789abcdef",
        )
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"answers": answers, "submit": true}).to_string(),
        ))
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

fn moment_is_now(text: &str, format: &str) {
    let at = NaiveDateTime::parse_from_str(text, format)
        .unwrap_or_else(|e| panic!("{text:?} as {format}: {e}"));
    let now = Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .naive_local();
    assert!((now - at).num_minutes().abs() <= 2, "{text} vs {now}");
}

async fn named_exports_have_a_typed_column_per_question(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (alice, bruno) = setup(&app).await;
    let tokens = sent(&app, &alice, false).await;
    answer(&app, &tokens[0], full_answers(4), true).await;
    answer(
        &app,
        &tokens[1],
        json!({"note": 2, "themes": ["Emploi", "Santé"]}),
        false,
    )
    .await;
    public_response(
        &app,
        &alice,
        &json!({"note": 5, "reco": 10, "format": "Visio"}),
    )
    .await;
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .format("%Y-%m-%d")
        .to_string();

    // CSV for French Excel: mark, `;`, CRLF, French dates.
    let excel = download(&app, &export("export.csv"), &alice).await;
    assert_eq!(
        excel.header(header::CONTENT_TYPE),
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        excel.header(header::CONTENT_DISPOSITION),
        format!("attachment; filename=\"avis-{SLUG}-a-chaud-{today}.csv\"")
    );
    assert!(excel.body.starts_with(b"\xEF\xBB\xBF"), "byte order mark");
    assert!(excel.text.contains("\r\n"));
    let (headers, rows) = read_csv(&excel.body[3..], b';');
    assert_eq!(headers, NAMED_HEADERS);
    assert_eq!(rows.len(), 3, "Ana, Ben and the public link: {rows:?}");
    let by_email = |email: &str| {
        rows.iter()
            .find(|row| row[2] == email)
            .unwrap_or_else(|| panic!("no line for {email}: {rows:?}"))
            .clone()
    };
    let ana = by_email("ana@ville.example.fr");
    assert_eq!(
        ana[..8],
        [
            "Ana",
            "Durand",
            "ana@ville.example.fr",
            "Collectivité territoriale",
            "Creil",
            "",
            "Envoyée",
            "invitation"
        ]
    );
    moment_is_now(&ana[8], "%d/%m/%Y %H:%M");
    assert_eq!(ana[9..], ANA_ANSWERS);
    let ben = by_email("ben@ville.example.fr");
    assert_eq!(
        ben[..8],
        [
            "Ben",
            "Lefèvre",
            "ben@ville.example.fr",
            "Association",
            "",
            "",
            "En cours",
            "invitation"
        ]
    );
    assert_eq!(
        ben[9..],
        [
            "2",
            "",
            "",
            "",
            "Emploi ; Santé",
            "",
            "",
            "",
            "",
            "",
            "",
            ""
        ]
    );
    let public = by_email("");
    let day = Utc::now().format("%d/%m/%Y").to_string();
    assert_eq!(
        public[..9],
        [
            "",
            "",
            "",
            "",
            "",
            "",
            "Envoyée",
            "lien public",
            day.as_str()
        ]
    );
    assert_eq!(
        public[9..],
        ["5", "10", "Visio", "", "", "", "", "", "", "", "", ""]
    );
    assert!(
        !rows
            .iter()
            .any(|row| row.iter().any(|c| c.contains("Chloé")))
    );

    // Standard CSV: `,`, no mark, ISO 8601.
    let standard = download(&app, &export("export.csv?dialecte=standard"), &alice).await;
    assert_eq!(
        standard.header(header::CONTENT_TYPE),
        "text/csv; charset=utf-8; header=present"
    );
    assert!(!standard.body.starts_with(b"\xEF\xBB\xBF"));
    let (headers, rows) = read_csv(&standard.body, b',');
    assert_eq!(headers, NAMED_HEADERS);
    let ana = rows.iter().find(|row| row[0] == "Ana").unwrap();
    moment_is_now(&ana[8], "%Y-%m-%dT%H:%M:%S%:z");
    assert_eq!(ana[9..], ANA_ANSWERS);
    let public = rows.iter().find(|row| row[7] == "lien public").unwrap();
    assert_eq!(public[8], Utc::now().format("%Y-%m-%d").to_string());

    // XLSX: typed cells, text guarded.
    let workbook = download(&app, &export("export.xlsx"), &alice).await;
    assert_eq!(
        workbook.header(header::CONTENT_TYPE),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        workbook.header(header::CONTENT_LENGTH),
        workbook.body.len().to_string()
    );
    assert!(
        workbook
            .header(header::CONTENT_DISPOSITION)
            .ends_with(&format!("avis-{SLUG}-a-chaud-{today}.xlsx\""))
    );
    let (name, cells) = read_xlsx(&workbook.body);
    assert_eq!(name, "Réponses");
    assert_eq!(strings(&cells[..1])[0], NAMED_HEADERS);
    assert_eq!(cells.len(), 4, "a header and three responses");
    let ana = cells
        .iter()
        .find(|row| row[0] == Data::String("Ana".to_owned()))
        .unwrap();
    assert!(
        matches!(ana[8], Data::DateTime(_)),
        "a real moment: {:?}",
        ana[8]
    );
    assert_eq!(
        ana[9..],
        [
            Data::Float(4.0),
            Data::Float(9.0),
            Data::String("Autre".to_owned()),
            Data::String("'=HYPERLINK(\"http://x.example\")".to_owned()),
            Data::String("Logement ; Autre".to_owned()),
            Data::String("'@SUM(A1)".to_owned()),
            Data::String("Oui".to_owned()),
            Data::String("'+cmd".to_owned()),
            Data::String("Très bien\nmerci".to_owned()),
            Data::Float(12.0),
            Data::Float(5.0),
            Data::Float(4.0),
        ]
    );
    let public = cells
        .iter()
        .find(|row| row[7] == Data::String("lien public".to_owned()))
        .unwrap();
    assert!(matches!(public[8], Data::DateTime(_)), "{:?}", public[8]);
    assert_eq!(public[..6], vec![Data::Empty; 6]);

    // JSON: the answers in their wire form, the person beside them.
    let json_reply = download(&app, &export("export.json"), &alice).await;
    assert_eq!(json_reply.header(header::CONTENT_TYPE), "application/json");
    let exported = json_reply.json();
    assert_eq!(exported["count"], 3);
    assert_eq!(exported["avis"], "a-chaud");
    assert_eq!(exported["event"]["slug"], SLUG);
    assert_eq!(
        exported["questionnaire"]["questions"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
    let lines = exported["responses"].as_array().unwrap();
    let ana = lines
        .iter()
        .find(|l| l["email"] == "ana@ville.example.fr")
        .unwrap();
    assert_eq!(ana["first_name"], "Ana");
    assert_eq!(ana["status"], "Envoyée");
    assert_eq!(ana["submitted"], true);
    assert_eq!(ana["source"], "invitation");
    assert_eq!(ana["structure_type"], "collectivite");
    assert_eq!(ana["answers"], full_answers(4));
    assert!(ana["updated_at"].is_string() && ana.get("day").is_none());
    let ben = lines.iter().find(|l| l["first_name"] == "Ben").unwrap();
    assert_eq!(ben["status"], "En cours");
    let public = lines.iter().find(|l| l["source"] == "public").unwrap();
    assert!(public.get("email").is_none() && public.get("updated_at").is_none());
    assert_eq!(public["day"], Utc::now().format("%Y-%m-%d").to_string());

    // The summary: the dashboard's figures over the submitted responses
    // (Ana's and the public link's), one line per question and option.
    let summary = download(&app, &export("synthese.csv?dialecte=standard"), &alice).await;
    assert_eq!(
        summary.header(header::CONTENT_DISPOSITION),
        format!("attachment; filename=\"avis-{SLUG}-a-chaud-synthese-{today}.csv\"")
    );
    let (headers, rows) = read_csv(&summary.body, b',');
    assert_eq!(
        headers,
        [
            "Question",
            "Type",
            "Option ou ligne",
            "Nombre",
            "Pourcentage",
            "Moyenne",
            "Médiane",
            "Score de recommandation"
        ]
    );
    let all = "Ensemble du questionnaire";
    let (scale, reco) = ("Échelle de 1 à 5", "Recommandation de 0 à 10");
    let note = "Satisfaction générale";
    let recommend = "Recommanderiez-vous ce webinaire ?";
    let mut expected: Vec<[&str; 8]> = vec![
        [all, "", "Personnes invitées", "3", "", "", "", ""],
        [
            all,
            "",
            "Réponses envoyées par les personnes invitées",
            "1",
            "33",
            "",
            "",
            "",
        ],
        [
            all,
            "",
            "Ensemble des réponses envoyées",
            "2",
            "",
            "",
            "",
            "",
        ],
        [note, scale, "Ensemble", "2", "", "4.5", "4.5", ""],
        [note, scale, "1 (Pas du tout)", "0", "0", "", "", ""],
        [note, scale, "2", "0", "0", "", "", ""],
        [note, scale, "3", "0", "0", "", "", ""],
        [note, scale, "4", "1", "50", "", "", ""],
        [note, scale, "5 (Tout à fait)", "1", "50", "", "", ""],
        [recommend, reco, "Ensemble", "2", "", "9.5", "9.5", "100"],
        [
            recommend,
            reco,
            "Promoteurs (9 ou 10)",
            "2",
            "100",
            "",
            "",
            "",
        ],
        [recommend, reco, "Passifs (7 ou 8)", "0", "0", "", "", ""],
        [recommend, reco, "Détracteurs (0 à 6)", "0", "0", "", "", ""],
    ];
    let values: Vec<String> = (0..=10).map(|v| v.to_string()).collect();
    for value in &values[..9] {
        expected.push([recommend, reco, value, "0", "0", "", "", ""]);
    }
    expected.extend([
        [recommend, reco, "9", "1", "50", "", "", ""],
        [recommend, reco, "10", "1", "50", "", "", ""],
        [
            "Format préféré",
            "Choix unique",
            "Visio",
            "1",
            "50",
            "",
            "",
            "",
        ],
        [
            "Format préféré",
            "Choix unique",
            "Présentiel",
            "0",
            "0",
            "",
            "",
            "",
        ],
        [
            "Format préféré",
            "Choix unique",
            "Autre",
            "1",
            "50",
            "",
            "",
            "",
        ],
        [
            "Thèmes à approfondir",
            "Choix multiple",
            "Logement",
            "1",
            "100",
            "",
            "",
            "",
        ],
        [
            "Thèmes à approfondir",
            "Choix multiple",
            "Emploi",
            "0",
            "0",
            "",
            "",
            "",
        ],
        [
            "Thèmes à approfondir",
            "Choix multiple",
            "Santé",
            "0",
            "0",
            "",
            "",
            "",
        ],
        [
            "Thèmes à approfondir",
            "Choix multiple",
            "Autre",
            "1",
            "100",
            "",
            "",
            "",
        ],
        [
            "Reviendriez-vous ?",
            "Oui / non",
            "Oui",
            "1",
            "100",
            "",
            "",
            "",
        ],
        [
            "Reviendriez-vous ?",
            "Oui / non",
            "Non",
            "0",
            "0",
            "",
            "",
            "",
        ],
        [
            "Un mot",
            "Texte court",
            "Réponses écrites",
            "1",
            "",
            "",
            "",
            "",
        ],
        [
            "Remarques",
            "Texte long",
            "Réponses écrites",
            "1",
            "",
            "",
            "",
            "",
        ],
        [
            "Heures de formation",
            "Nombre",
            "Ensemble",
            "1",
            "",
            "12",
            "12",
            "",
        ],
        [
            "Journées",
            "Tableau de notes",
            "J1",
            "1",
            "100",
            "5",
            "5",
            "",
        ],
        [
            "Journées",
            "Tableau de notes",
            "J2",
            "1",
            "100",
            "4",
            "4",
            "",
        ],
    ]);
    assert_eq!(rows, expected);
    // Texts are counted, never copied into the summary.
    assert!(!summary.text.contains("cmd"), "{}", summary.text);
    let excel = download(&app, &export("synthese.csv"), &alice).await;
    let (_, rows) = read_csv(&excel.body[3..], b';');
    assert_eq!(
        rows[3],
        [note, scale, "Ensemble", "2", "", "4,5", "4,5", ""]
    );
    let workbook = download(&app, &export("synthese.xlsx"), &alice).await;
    let (name, cells) = read_xlsx(&workbook.body);
    assert_eq!(name, "Synthèse");
    assert_eq!(cells.len(), expected.len() + 1);
    assert_eq!(
        cells[4],
        [
            Data::String(note.to_owned()),
            Data::String(scale.to_owned()),
            Data::String("Ensemble".to_owned()),
            Data::Float(2.0),
            Data::Empty,
            Data::Float(4.5),
            Data::Float(4.5),
            Data::Empty,
        ]
    );
    assert_eq!(cells[10][7], Data::Float(100.0), "{:?}", cells[10]);

    // Every export leaves an audit line.
    let store = &app.state.store;
    let centre_a = store.organisation("centre-a").await.unwrap().unwrap();
    let log = store.audit_log(centre_a.id, 100).await.unwrap();
    let exports: Vec<&str> = log
        .iter()
        .filter(|line| line.action == "export")
        .map(|line| line.detail.as_str())
        .collect();
    assert_eq!(exports.len(), 7, "{exports:?}");
    assert!(
        exports.iter().any(|d| d
            .starts_with("Export CSV (Excel) des réponses du questionnaire à chaud de «")
            && d.ends_with(&format!("({SLUG}) : 3 lignes"))),
        "{exports:?}"
    );
    assert!(
        exports
            .iter()
            .any(|d| d.starts_with("Export XLSX de la synthèse du questionnaire à chaud de «")),
        "{exports:?}"
    );

    // Another organisation's member: 404, through either address; an
    // unknown questionnaire: 404.
    for tail in [
        "export.csv",
        "export.csv?dialecte=standard",
        "export.xlsx",
        "export.json",
        "synthese.csv",
        "synthese.xlsx",
    ] {
        for uri in [export(tail), format!("{}/a-chaud/{tail}", avis("centre-b"))] {
            let reply = app.send(Method::GET, &uri, None, &bruno).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}: {}", reply.text);
            assert!(!reply.text.contains("Ana"), "{uri}");
        }
        let reply = app
            .send(
                Method::GET,
                format!("{}/a-froid/{tail}", avis("centre-a")),
                None,
                &alice,
            )
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "a-froid/{tail}");
        let reply = app
            .send(Method::GET, export(tail), None, Browser::default())
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{tail}");
    }
    let reply = app
        .send(
            Method::GET,
            export("export.csv?dialecte=tableur"),
            None,
            &alice,
        )
        .await;
    // As the registrants exports: 400, the parameter named in French.
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.text.contains("« dialecte »"), "{}", reply.text);
}

async fn anonymous_exports_hold_no_personal_data(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (alice, _) = setup(&app).await;
    let tokens = sent(&app, &alice, true).await;
    // Three distinct notes tell the responses apart.
    answer(&app, &tokens[0], full_answers(5), true).await;
    answer(&app, &tokens[1], json!({"note": 2}), false).await;
    answer(&app, &tokens[2], full_answers(3), true).await;
    // The lines come in the order of the responses' hashed keys, whatever
    // the order of the answers.
    let mut keyed: Vec<(String, &str)> = tokens
        .iter()
        .zip(["5", "2", "3"])
        .map(|(token, note)| (response_key(true, 0, token), note))
        .collect();
    keyed.sort();
    let in_order: Vec<&str> = keyed.iter().map(|(_, note)| *note).collect();

    let mut texts = Vec::new();
    for (tail, delimiter, bom) in [
        ("export.csv", b';', 3),
        ("export.csv?dialecte=standard", b',', 0),
    ] {
        let reply = download(&app, &export(tail), &alice).await;
        let (headers, rows) = read_csv(&reply.body[bom..], delimiter);
        assert_eq!(
            headers[..4],
            ["Statut", "Origine", "Jour", "Satisfaction générale"]
        );
        assert_eq!(headers.len(), NAMED_HEADERS.len() - 6, "{headers:?}");
        let notes: Vec<&str> = rows.iter().map(|row| row[3].as_str()).collect();
        assert_eq!(notes, in_order, "{tail}");
        let statuses: Vec<&str> = rows.iter().map(|row| row[0].as_str()).collect();
        for (status, note) in statuses.iter().zip(&notes) {
            assert_eq!(*status, if *note == "2" { "En cours" } else { "Envoyée" });
        }
        let day = if bom > 0 {
            Utc::now().format("%d/%m/%Y").to_string()
        } else {
            Utc::now().format("%Y-%m-%d").to_string()
        };
        assert!(rows.iter().all(|row| row[2] == day), "{rows:?}");
        texts.push(reply.text);
    }
    let json_reply = download(&app, &export("export.json"), &alice).await;
    let exported = json_reply.json();
    assert_eq!(exported["count"], 3);
    for line in exported["responses"].as_array().unwrap() {
        let keys: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["answers", "day", "source", "status", "submitted"]);
    }
    let notes: Vec<String> = exported["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["answers"]["note"].to_string())
        .collect();
    assert_eq!(notes, in_order);
    texts.push(json_reply.text);
    texts.push(download(&app, &export("synthese.csv"), &alice).await.text);
    for tail in ["export.xlsx", "synthese.xlsx"] {
        let reply = download(&app, &export(tail), &alice).await;
        let (_, cells) = read_xlsx(&reply.body);
        let all: Vec<String> = strings(&cells).concat();
        if tail == "export.xlsx" {
            assert_eq!(all[..3], ["Statut", "Origine", "Jour"]);
        }
        texts.push(all.join("\n"));
    }
    // The test of the issue: the participants' names and addresses
    // appear nowhere, nor anything of their registrations.
    for text in &texts {
        for personal in PERSONAL {
            assert!(!text.contains(personal), "{personal} in {text}");
        }
        assert!(!text.contains("inscription"), "{text}");
        assert!(!text.contains("Collectivité"), "{text}");
        assert!(!text.contains("Creil"), "{text}");
        for token in &tokens {
            assert!(!text.contains(&token[..16]));
        }
    }
}

/// Inserts `n` submitted anonymous responses straight into the store.
async fn many_responses(app: &App, n: usize) -> Vec<String> {
    let pool = app.pool().await;
    let id: i64 = sqlx::query("SELECT id FROM feedback_questionnaires")
        .fetch_one(pool)
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
    let day = Utc::now().format("%Y-%m-%dT00:00:00.000000Z");
    let mut keyed: Vec<(String, String)> = (0..n)
        .map(|i| (parvis_api::token::hash(&format!("r{i}")), format!("r{i}")))
        .collect();
    for chunk in keyed.chunks(400) {
        let values: Vec<String> = chunk
            .iter()
            .map(|(key, mot)| {
                format!(
                    "({id}, '{key}', '{{\"note\":3,\"mot\":\"{mot}\"}}', 1, '{day}', 'invitation')"
                )
            })
            .collect();
        sqlx::query(&format!(
            "INSERT INTO feedback_responses
                 (questionnaire_id, response_key, answers_json, submitted, updated_at, source)
             VALUES {}",
            values.join(", ")
        ))
        .execute(pool)
        .await
        .unwrap();
    }
    keyed.sort();
    keyed.into_iter().map(|(_, mot)| mot).collect()
}

async fn exports_read_every_page_and_stream_compressed(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (alice, _) = setup(&app).await;
    ok(
        &app,
        Method::POST,
        &avis("centre-a"),
        Some(json!({"questionnaire": questionnaire(true)})),
        &alice,
    )
    .await;
    // More than two pages of 1,000.
    let expected = many_responses(&app, 2345).await;
    let standard = download(&app, &export("export.csv?dialecte=standard"), &alice).await;
    let (headers, rows) = read_csv(&standard.body, b',');
    let mot = headers.iter().position(|h| h == "Un mot").unwrap();
    let mots: Vec<&str> = rows.iter().map(|row| row[mot].as_str()).collect();
    assert_eq!(mots, expected, "every response once, in the keys' order");
    let exported = download(&app, &export("export.json"), &alice).await.json();
    assert_eq!(exported["count"], 2345);
    assert_eq!(exported["responses"].as_array().unwrap().len(), 2345);
    let workbook = download(&app, &export("export.xlsx"), &alice).await;
    let (_, cells) = read_xlsx(&workbook.body);
    assert_eq!(cells.len(), 2346);
    let summary = download(&app, &export("synthese.csv?dialecte=standard"), &alice).await;
    let (_, rows) = read_csv(&summary.body, b',');
    assert_eq!(rows[2][2..4], ["Ensemble des réponses envoyées", "2345"]);
    // The dashboard reads them in chunks: each once, texts in the keys'
    // order, the first 1,000 of them shown and all of them counted.
    let results = ok(&app, Method::GET, &export("resultats"), None, &alice).await;
    assert_eq!(results["submitted"], 2345);
    let mot = results["summary"]["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == "mot")
        .unwrap();
    assert_eq!(mot["answered"], 2345);
    let mut texts = Vec::new();
    strings_in(&mot["figures"], &mut texts);
    assert_eq!(TEXTS_SHOWN, 1_000);
    assert_eq!(texts, expected[..TEXTS_SHOWN], "{}", mot["figures"]);

    // Through the compression layer, as a browser asks: the whole file.
    for tail in ["export.csv?dialecte=standard", "export.json"] {
        let request = Request::builder()
            .method(Method::GET)
            .uri(export(tail))
            .header(header::COOKIE, alice.cookie.clone().unwrap())
            .header(header::ACCEPT_ENCODING, "br")
            .body(Body::empty())
            .unwrap();
        let response = app.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "br", "{tail}");
        let compressed = response.into_body().collect().await.unwrap().to_bytes();
        let mut body = Vec::new();
        brotli::BrotliDecompress(&mut &compressed[..], &mut body).expect("a whole stream");
        if tail.ends_with(".json") {
            let whole: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(whole["count"], 2345);
        } else {
            assert_eq!(body, standard.body.to_vec(), "{tail}");
        }
    }
}

/// Every string in a JSON value, in document order.
fn strings_in(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::String(text) => into.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|item| strings_in(item, into)),
        Value::Object(fields) => fields.values().for_each(|field| strings_in(field, into)),
        _ => {}
    }
}

store_tests!(
    named_exports_have_a_typed_column_per_question,
    anonymous_exports_hold_no_personal_data,
    exports_read_every_page_and_stream_compressed,
);
