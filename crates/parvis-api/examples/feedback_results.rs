//! Bench of feedback results at scale: one event whose 20-question
//! questionnaire (every kind of question, a condition) was sent to 105,000
//! registrants, 100,000 of whom submitted a response; then, end to end
//! through the router as a member's browser asks for them, the results
//! dashboard (`GET …/avis/a-chaud/resultats`, named mode: breakdowns and
//! who has not answered) and the responses' exports (CSV in the Excel
//! dialect, XLSX, and the summary CSV), each body read chunk by chunk and
//! counted, never kept. Each is measured in a fresh process on the same
//! database, whose peak resident memory (`VmHWM`) is then that of an
//! endpoint serving this one request; it prints the time, the size and
//! that peak against the budgets: dashboard ≤ 500 ms, CSV ≤ 1 s,
//! XLSX ≤ 5 s, peak RSS ≤ 100 MB. Figures, never assertions; an export
//! the endpoint does not have (yet) is said so. Then, in the bench's own
//! process, where the dashboard's time goes: reading the responses, matching
//! them to the questions, counting them for the figures and the three
//! breakdowns.
//!
//! People, registrations, invitations and responses are written by a few
//! SQL statements (100 answer sets, each text answer made distinct by the
//! registration's id), not by the answering path: its own bench is `cargo
//! xtask bench`'s load test of `PUT /api/avis/{token}`. What is measured
//! here is reading them back.
//!
//! On SQLite and, with `PARVIS_BENCH_POSTGRES_URL`, on PostgreSQL.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;
use http_body_util::BodyExt;
use parvis_api::store::accounts::Role;
use parvis_api::store::feedback::QuestionnaireStatus;
use parvis_api::store::sql::Dialect;
use parvis_api::{AppState, Config, router, seed, token};
use parvis_core::feedback::results::{Breakdown, Counted, TEXTS_SHOWN, Tally};
use parvis_core::feedback::{
    FeedbackAnswer, FeedbackQuestion, Questionnaire, Response, check_answers, prepare, templates,
};
use serde_json::{Value, json};
use sqlx::AnyPool;
use tower::ServiceExt;

/// Submitted responses.
const RESPONSES: i64 = 100_000;
/// People asked: the responses and 5,000 who have not answered.
const INVITED: i64 = 105_000;
/// Distinct answer sets, spread over the responses.
const VARIANTS: i64 = 100;
const SLUG: &str = "bench-avis";

/// The process's peak resident memory since the last reset, in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The webinar template and ten more questions: 20, of every kind.
fn questionnaire() -> anyhow::Result<Questionnaire> {
    let mut questionnaire = templates::webinar();
    let more = json!([
        {"id": "profil", "label": "Vous êtes", "required": true,
         "kind": {"type": "single", "options": ["Agent de collectivité", "Agent de l'État",
                  "Salarié·e associatif", "Bénévole"], "other": true}},
        {"id": "formats", "label": "Quels formats préférez-vous ?",
         "kind": {"type": "multiple", "options": ["Webinaire", "Journée d'étude",
                  "Atelier", "Visite de site"], "other": true}},
        {"id": "duree", "label": "La durée était",
         "kind": {"type": "single", "options": ["Trop courte", "Adaptée", "Trop longue"]}},
        {"id": "rythme", "label": "Le rythme des interventions",
         "kind": {"type": "scale", "min_label": "Trop lent", "max_label": "Trop rapide"}},
        {"id": "documents", "label": "Les documents remis",
         "kind": {"type": "scale", "min_label": "Inutiles", "max_label": "Très utiles"}},
        {"id": "echanges", "label": "Avez-vous pu poser vos questions ?",
         "kind": {"type": "yes_no"}},
        {"id": "effectif", "label": "Combien de collègues informerez-vous ?",
         "kind": {"type": "number", "min": 0, "max": 500}},
        {"id": "territoire-action", "label": "Sur quel territoire agissez-vous ?",
         "kind": {"type": "short_text"}},
        {"id": "sequences", "label": "Votre appréciation de chaque séquence",
         "kind": {"type": "matrix", "rows": ["Ouverture", "Table ronde", "Témoignages",
                  "Conclusion"], "min_label": "Faible", "max_label": "Excellente"}},
        {"id": "suite", "label": "Que ferez-vous de ce que vous avez appris ?",
         "kind": {"type": "long_text"}}
    ]);
    let more: Vec<FeedbackQuestion> = serde_json::from_value(more)?;
    questionnaire.questions.extend(more);
    let prepared = prepare(&questionnaire).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    anyhow::ensure!(prepared.questions.len() == 20, "20 questions");
    Ok(prepared)
}

/// Answer set `n` as stored, checked as a submission; `#N#` in its texts
/// stands for the registration's id.
fn answers(questionnaire: &Questionnaire, n: i64) -> anyhow::Result<String> {
    let profil = [
        "Agent de collectivité",
        "Agent de l'État",
        "Salarié·e associatif",
        "Bénévole",
    ][(n % 4) as usize];
    let mut answers = json!({
        "satisfaction": 1 + n % 5, "objectifs": 1 + (n / 5) % 5, "intervenants": 1 + (n / 2) % 5,
        "utilite": 1 + (n / 3) % 5, "organisation": 1 + (n / 7) % 5, "recommandation": n % 11,
        "approfondir": n % 3 == 0,
        "profil": profil,
        "formats": ["Webinaire", "Atelier"],
        "duree": "Adaptée", "rythme": 3, "documents": 1 + n % 5, "echanges": n % 2 == 0,
        "effectif": n % 12,
        "sequences": {"Ouverture": 1 + n % 5, "Table ronde": 4, "Témoignages": 5,
                      "Conclusion": 1 + (n / 4) % 5}
    });
    let set = |answers: &mut Value, id: &str, value: Value| {
        answers
            .as_object_mut()
            .expect("an object")
            .insert(id.to_owned(), value);
    };
    if n % 3 == 0 {
        set(
            &mut answers,
            "approfondir-comment",
            json!({"choices": ["Une formation"], "other": "Un groupe de travail n°#N#"}),
        );
    }
    if n % 10 == 7 {
        set(
            &mut answers,
            "profil",
            json!({"choices": [], "other": "Élue municipale (réponse #N#)"}),
        );
    }
    if n % 5 == 0 {
        set(
            &mut answers,
            "points-forts",
            json!(
                "Les retours d'expérience des villes, très concrets ; la table ronde sur le contrat de ville (réponse #N#)."
            ),
        );
    }
    if n % 5 == 1 {
        set(
            &mut answers,
            "ameliorations",
            json!(
                "Plus de temps pour les questions, et les supports envoyés avant la séance (réponse #N#)."
            ),
        );
    }
    if n % 2 == 0 {
        set(
            &mut answers,
            "territoire-action",
            json!("Quartier prioritaire n°#N#"),
        );
    }
    if n % 10 == 3 {
        set(
            &mut answers,
            "suite",
            json!("Une réunion d'équipe pour partager les outils présentés (réponse #N#)."),
        );
    }
    let answers: BTreeMap<String, FeedbackAnswer> = serde_json::from_value(answers)?;
    let checked =
        check_answers(questionnaire, &answers, false).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    anyhow::ensure!(checked.len() == answers.len(), "every answer kept");
    Ok(serde_json::to_string(&checked)?)
}

/// 105,000 people registered to the event, all asked, 100,000 of whom
/// submitted one of the answer sets, in one transaction.
async fn fill(
    pool: &AnyPool,
    dialect: Dialect,
    event_id: i64,
    questionnaire_id: i64,
    questionnaire: &Questionnaire,
) -> anyhow::Result<()> {
    let now = parvis_api::store::timestamp(Utc::now());
    let mut tx = pool.begin().await?;
    sqlx::query(&dialect.sql(&format!(
        "INSERT INTO people (email_key, email, first_name, last_name, organisation, role, territory, created_at)
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {INVITED})
         SELECT 'avis-' || i || '@exemple.fr', 'avis-' || i || '@exemple.fr', 'Prénom', 'Nom ' || i,
                'Ville de test', 'Chargée de mission',
                CASE WHEN i % 3 = 0 THEN 'Évry-Courcouronnes' WHEN i % 3 = 1 THEN 'Grigny' ELSE NULL END, ?
         FROM n"
    )))
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(&dialect.sql(
        "INSERT INTO registrations (event_id, person_id, status, tracks_json, answers_json,
                structure_type, accessibility_needs, consent_at, created_at, updated_at, queue_key)
         SELECT ?, p.id, 'confirmed', '[]', '{}',
                CASE p.id % 4 WHEN 0 THEN 'collectivite' WHEN 1 THEN 'association'
                              WHEN 2 THEN 'etat' ELSE 'bailleur' END,
                NULL, ?, ?, ?, 'event|session:0'
         FROM people p WHERE p.email_key LIKE 'avis-%' ORDER BY p.id",
    ))
    .bind(event_id)
    .bind(&now)
    .bind(&now)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(&dialect.sql(
        "INSERT INTO registration_sessions (registration_id, idx)
         SELECT id, 0 FROM registrations WHERE event_id = ?",
    ))
    .bind(event_id)
    .execute(&mut *tx)
    .await?;
    let first: i64 =
        sqlx::query_scalar(&dialect.sql("SELECT MIN(id) FROM registrations WHERE event_id = ?"))
            .bind(event_id)
            .fetch_one(&mut *tx)
            .await?;
    sqlx::query(&dialect.sql(
        "INSERT INTO feedback_invitations (questionnaire_id, registration_id, token_hash, sent_at, answered)
         SELECT ?, id, 'banc-' || id, ?, CASE WHEN id - ? < ? THEN 1 ELSE 0 END
         FROM registrations WHERE event_id = ? ORDER BY id",
    ))
    .bind(questionnaire_id)
    .bind(&now)
    .bind(first)
    .bind(RESPONSES)
    .bind(event_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "CREATE TEMPORARY TABLE banc_reponses (n INTEGER PRIMARY KEY, answers_json TEXT NOT NULL)",
    )
    .execute(&mut *tx)
    .await?;
    for n in 0..VARIANTS {
        sqlx::query(&dialect.sql("INSERT INTO banc_reponses (n, answers_json) VALUES (?, ?)"))
            .bind(n)
            .bind(answers(questionnaire, n)?)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(&dialect.sql(&format!(
        "INSERT INTO feedback_responses (questionnaire_id, response_key, registration_id, answers_json,
                submitted, updated_at, structure_type, territory, workshop)
         SELECT ?, 'inscription:' || r.id, r.id,
                REPLACE(v.answers_json, '#N#', CAST(r.id AS TEXT)), 1, ?,
                r.structure_type, p.territory,
                CASE r.id % 3 WHEN 0 THEN 'cartographie' WHEN 1 THEN 'participation' ELSE NULL END
         FROM registrations r
         JOIN people p ON p.id = r.person_id
         JOIN banc_reponses v ON v.n = r.id % {VARIANTS}
         WHERE r.event_id = ? AND r.id - ? < ?
         ORDER BY r.id"
    )))
    .bind(questionnaire_id)
    .bind(&now)
    .bind(event_id)
    .bind(first)
    .bind(RESPONSES)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DROP TABLE banc_reponses")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// One `GET` through the router, its body read chunk by chunk: the status,
/// the time to the last byte and to the first, and the bytes.
async fn measure(
    app: &axum::Router,
    uri: &str,
    cookie: &str,
) -> anyhow::Result<(StatusCode, Duration, Duration, usize)> {
    let started = Instant::now();
    let request = Request::builder()
        .uri(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())?;
    let response = app.clone().oneshot(request).await?;
    let status = response.status();
    let mut first_byte: Option<Duration> = None;
    let mut bytes = 0usize;
    let mut body = response.into_body();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            first_byte.get_or_insert_with(|| started.elapsed());
            bytes += data.len();
        }
    }
    Ok((
        status,
        started.elapsed(),
        first_byte.unwrap_or_default(),
        bytes,
    ))
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The configuration of the bench's endpoint on `data_dir`.
fn config(data_dir: &str, database_url: Option<&str>) -> anyhow::Result<Config> {
    Config::from_lookup(|key| match key {
        "PARVIS_DATA_DIR" => Some(data_dir.to_owned()),
        "PARVIS_DATABASE_URL" => database_url.map(str::to_owned),
        "PARVIS_PUBLIC_URL" => Some("https://parvis.example.org".to_owned()),
        "PARVIS_DEMO" => Some("0".to_owned()),
        _ => None,
    })
}

/// What a measuring process is told by the bench (environment variables).
const CHILD_ENV: [&str; 4] = [
    "PARVIS_BENCH_AVIS_NAME",
    "PARVIS_BENCH_AVIS_DATA_DIR",
    "PARVIS_BENCH_AVIS_COOKIE",
    "PARVIS_BENCH_AVIS_DATABASE_URL",
];

/// Measures one route in a fresh process, so that its peak resident
/// memory is that of an endpoint serving this one request (memory freed
/// by an earlier step stays resident in the allocator, and would hide it).
fn in_fresh_process(
    name: &str,
    data_dir: &str,
    cookie: &str,
    database_url: Option<&str>,
    what: &str,
) -> anyhow::Result<()> {
    let mut command = std::process::Command::new(std::env::current_exe()?);
    command
        .arg("--mesure")
        .arg(what)
        .env(CHILD_ENV[0], name)
        .env(CHILD_ENV[1], data_dir)
        .env(CHILD_ENV[2], cookie);
    match database_url {
        Some(url) => command.env(CHILD_ENV[3], url),
        None => command.env_remove(CHILD_ENV[3]),
    };
    let status = command.status()?;
    anyhow::ensure!(status.success(), "the measure of {what} failed ({status})");
    Ok(())
}

/// The measuring process: one route, printed with its figures and the
/// process's peak resident memory.
async fn measure_one(what: &str) -> anyhow::Result<()> {
    let var = |key: &str| std::env::var(key).map_err(|_| anyhow::anyhow!("{key} is not set"));
    let name = var(CHILD_ENV[0])?;
    let database_url = std::env::var(CHILD_ENV[3]).ok();
    let state =
        AppState::from_config(&config(&var(CHILD_ENV[1])?, database_url.as_deref())?).await?;
    let app = router(state);
    let cookie = var(CHILD_ENV[2])?;
    let base = format!("/api/gestion/organisations/bench/evenements/{SLUG}/avis/a-chaud");
    let peak = || peak_rss_mb().map_or_else(|| "inconnu".to_owned(), |mb| format!("{mb:.0} Mo"));
    if what == "resultats" {
        // Three times: the first, and the best of the others.
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..3 {
            let (status, elapsed, _, bytes) =
                measure(&app, &format!("{base}/resultats"), &cookie).await?;
            anyhow::ensure!(status == StatusCode::OK, "resultats: {status}");
            times.push(elapsed);
            size = bytes;
        }
        let best = times[1..].iter().min().copied().unwrap_or(times[0]);
        println!(
            "{name:<10} tableau de bord, {RESPONSES} réponses × 20 questions : {:.0} ms (budget ≤ 500 ms ; ensuite {:.0} ms), {:.1} Mo de JSON, pic de mémoire {} (budget ≤ 100 Mo)",
            ms(times[0]),
            ms(best),
            size as f64 / 1e6,
            peak(),
        );
        return Ok(());
    }
    let (label, path, budget) = match what {
        "csv" => ("CSV (Excel)", "export.csv?dialecte=excel", Some(1.0)),
        "xlsx" => ("XLSX", "export.xlsx", Some(5.0)),
        "synthese" => ("synthèse CSV", "synthese.csv", None),
        other => anyhow::bail!("unknown measure {other}"),
    };
    let (status, elapsed, first_byte, bytes) =
        measure(&app, &format!("{base}/{path}"), &cookie).await?;
    if matches!(
        status,
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
    ) {
        println!("{name:<10} export {label:<13} : route absente ({status}), pas de mesure");
        return Ok(());
    }
    anyhow::ensure!(status == StatusCode::OK, "{path}: {status}");
    let budget = budget.map_or_else(String::new, |s| format!(" (budget ≤ {s} s)"));
    println!(
        "{name:<10} export {label:<13} : {:.2} s{budget}, premier octet {:.0} ms, {}, pic de mémoire {} (budget ≤ 100 Mo)",
        elapsed.as_secs_f64(),
        ms(first_byte),
        if bytes < 1_000_000 {
            format!("{:.1} Ko", bytes as f64 / 1e3)
        } else {
            format!("{:.1} Mo", bytes as f64 / 1e6)
        },
        peak(),
    );
    Ok(())
}

async fn run(name: &str, database_url: Option<String>) -> anyhow::Result<()> {
    let dir = tempfile::TempDir::new()?;
    let data_dir = dir.path().display().to_string();
    let config = config(&data_dir, database_url.as_deref())?;
    let state = AppState::from_config(&config).await?;
    let store = &state.store;
    let now = Utc::now();
    let organisation = store
        .create_organisation("bench", "Centre de ressources (banc)", now)
        .await?
        .expect("a fresh database");
    let account = store
        .account_for("bench@exemple.fr", "Organisatrice", now)
        .await?;
    store
        .set_member(organisation.id, account.id, Role::Organisateur, now)
        .await?;
    let session = token::generate()?;
    store
        .create_session(
            account.id,
            &session.hash,
            &token::random_hex(32)?,
            "banc",
            now + chrono::Duration::hours(1),
            now,
        )
        .await?;
    let day = Utc::now().date_naive() - chrono::Days::new(2);
    let event_id = store
        .insert_event(&seed::webinar(SLUG, day, None))
        .await?
        .expect("a new event");
    store.assign_events(organisation.id, &[SLUG]).await?;
    let questionnaire = questionnaire()?;
    let questionnaire_id = store
        .create_questionnaire(event_id, &questionnaire, now)
        .await?
        .expect("a new questionnaire");
    store
        .set_questionnaire_status(questionnaire_id, QuestionnaireStatus::Open, now)
        .await?;

    sqlx::any::install_default_drivers();
    let (url, dialect) = match &database_url {
        Some(url) => (url.clone(), Dialect::Postgres),
        None => (
            format!("sqlite://{}", config.database_path().display()),
            Dialect::Sqlite,
        ),
    };
    let pool = AnyPool::connect(&url).await?;
    let started = Instant::now();
    fill(&pool, dialect, event_id, questionnaire_id, &questionnaire).await?;
    if dialect == Dialect::Postgres {
        sqlx::query("ANALYZE").execute(&pool).await?;
    }
    let filled = started.elapsed();
    pool.close().await;

    let cookie = format!("parvis_session={}", session.token);
    for what in ["resultats", "csv", "xlsx", "synthese"] {
        in_fresh_process(name, &data_dir, &cookie, database_url.as_deref(), what)?;
    }

    // Where the dashboard's time goes: reading the responses, matching
    // each one's answers to the questions (once), counting them four times
    // (the figures and the named mode's three breakdowns), the JSON.
    let started = Instant::now();
    let responses: Vec<Response> = store
        .feedback_responses(questionnaire_id)
        .await?
        .into_iter()
        .filter(|r| r.submitted)
        .collect();
    let read = started.elapsed();
    let mut tally = Tally::showing_texts(&questionnaire, TEXTS_SHOWN);
    let mut counted = Counted::default();
    let started = Instant::now();
    for response in &responses {
        tally.read(&response.answers, &mut counted);
    }
    let matched = started.elapsed();
    let mut groups = [(); 3].map(|()| Breakdown::new(&questionnaire));
    let started = Instant::now();
    for response in &responses {
        tally.read(&response.answers, &mut counted);
        tally.add_counted(&counted, true);
        let [structure, territory, workshop] = &mut groups;
        structure.add_counted(response.by_structure_type(), &counted, true);
        territory.add_counted(response.by_territory(), &counted, true);
        workshop.add_counted(response.by_workshop(), &counted, true);
    }
    let counted_four_times = started.elapsed();
    let figures = tally.finish();
    let groups = groups.map(Breakdown::finish);
    let (figures_json, groups_json) = (serde_json::to_vec(&figures)?, serde_json::to_vec(&groups)?);
    println!(
        "{name:<10} (tableau de bord : lecture des {} réponses {:.0} ms, appariement aux questions {:.0} ms, avec les quatre décomptes {:.0} ms ; {:.1} Mo de JSON pour les chiffres, {:.1} Mo pour les trois ventilations)",
        responses.len(),
        ms(read),
        ms(matched),
        ms(counted_four_times),
        figures_json.len() as f64 / 1e6,
        groups_json.len() as f64 / 1e6,
    );
    println!(
        "{name:<10} (préparation des {INVITED} invitations et {RESPONSES} réponses : {:.1} s)",
        filled.as_secs_f64()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, what] = args.as_slice()
        && flag == "--mesure"
    {
        return measure_one(what).await;
    }
    run("SQLite", None).await?;
    if let Ok(url) = std::env::var("PARVIS_BENCH_POSTGRES_URL") {
        run("PostgreSQL", Some(url)).await?;
    }
    Ok(())
}
