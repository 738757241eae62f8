//! Bench of the registrant exports: one event with 100,000 registrations
//! (two workshops, two days, four questions, one in ten waiting, one in ten
//! cancelled), then its CSV and XLSX exports end to end through the router,
//! as a member's browser asks for them, the body read chunk by chunk and
//! counted, never kept. Prints each export's time and size, and the peak
//! resident memory of the process during it (`VmHWM`, reset before each
//! export through `/proc/self/clear_refs`), against the issue's budgets:
//! CSV ≤ 1 s, XLSX ≤ 5 s, peak RSS ≤ 100 MB. Figures, never assertions.
//!
//! The registrations are written by three SQL statements, not by the
//! registration path (its own bench is `cargo xtask bench`'s load test):
//! what is measured here is reading them back.
//!
//! On SQLite and, with `PARVIS_BENCH_POSTGRES_URL`, on PostgreSQL.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;
use http_body_util::BodyExt;
use parvis_api::store::accounts::Role;
use parvis_api::store::sql::Dialect;
use parvis_api::{AppState, Config, router, seed, token};
use parvis_core::api::{ProgrammeItem, Track};
use parvis_core::questions::{Question, QuestionKind};
use sqlx::AnyPool;
use tower::ServiceExt;

const REGISTRATIONS: u32 = 100_000;
const SLUG: &str = "bench-export";

/// The process's peak resident memory since the last reset, in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Resets the peak to the current resident memory (Linux ≥ 4.0).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn event() -> parvis_api::store::NewEvent {
    let mut event = seed::webinar(SLUG, Utc::now().date_naive() + chrono::Days::new(60), None);
    let public = &mut event.public;
    public.day_selection = true;
    let mut first = public.sessions[0].clone();
    first.programme = vec![ProgrammeItem {
        start: Some("16:30".to_owned()),
        end: Some("18:00".to_owned()),
        title: "Ateliers".to_owned(),
        details: Vec::new(),
        tracks: ["cartographie", "participation"]
            .into_iter()
            .map(|id| Track {
                id: id.to_owned(),
                title: format!("Atelier {id}"),
                details: Vec::new(),
                capacity: None,
            })
            .collect(),
    }];
    let mut second = first.clone();
    second.programme = Vec::new();
    second.starts_at += chrono::Duration::days(7);
    second.ends_at += chrono::Duration::days(7);
    public.sessions = vec![first, second];
    let question = |id: &str, label: &str, kind| Question {
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
                min: None,
                max: None,
            },
        ),
        question("arrivee", "Date d'arrivée", QuestionKind::Date),
        question("dejeuner", "Déjeuner sur place", QuestionKind::YesNo),
        question("remarque", "Remarque", QuestionKind::ShortText),
    ];
    event
}

/// 100,000 people and their registrations to the event, in one
/// transaction: even ids chose the first workshop and both days, odd ids
/// the second workshop and the first day; one in ten waits, one in ten
/// cancelled.
async fn fill(pool: &AnyPool, dialect: Dialect, event_id: i64) -> anyhow::Result<()> {
    let now = parvis_api::store::timestamp(Utc::now());
    let mut tx = pool.begin().await?;
    sqlx::query(&dialect.sql(&format!(
        "INSERT INTO people (email_key, email, first_name, last_name, organisation, role, territory, created_at)
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {REGISTRATIONS})
         SELECT 'bench-' || i || '@exemple.fr', 'bench-' || i || '@exemple.fr', 'Prénom', 'Nom ' || i,
                'Ville de test', 'Chargée de mission',
                CASE WHEN i % 3 = 0 THEN 'Évry-Courcouronnes' ELSE NULL END, ?
         FROM n"
    )))
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(&dialect.sql(
        "INSERT INTO registrations (event_id, person_id, status, tracks_json, answers_json,
                structure_type, accessibility_needs, consent_at, created_at, updated_at, queue_key)
         SELECT ?, p.id,
                CASE WHEN p.id % 10 = 0 THEN 'waitlisted' WHEN p.id % 10 = 5 THEN 'cancelled' ELSE 'confirmed' END,
                CASE WHEN p.id % 2 = 0 THEN '[\"cartographie\"]' ELSE '[\"participation\"]' END,
                '{\"effectif\":\"3\",\"arrivee\":\"2031-03-10\",\"dejeuner\":true,\"remarque\":\"Arrivée en train, départ à 17 h\"}',
                'collectivite',
                CASE WHEN p.id % 50 = 0 THEN 'Boucle magnétique' ELSE NULL END,
                ?, ?, ?,
                CASE WHEN p.id % 2 = 0 THEN 'event|session:0|session:1|track:cartographie'
                     ELSE 'event|session:0|track:participation' END
         FROM people p WHERE p.email_key LIKE 'bench-%' ORDER BY p.id",
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
    sqlx::query(&dialect.sql(
        "INSERT INTO registration_sessions (registration_id, idx)
         SELECT id, 1 FROM registrations WHERE event_id = ? AND queue_key LIKE '%session:1%'",
    ))
    .bind(event_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn run(name: &str, database_url: Option<String>) -> anyhow::Result<()> {
    let dir = tempfile::TempDir::new()?;
    let data_dir = dir.path().display().to_string();
    let config = Config::from_lookup(|key| match key {
        "PARVIS_DATA_DIR" => Some(data_dir.clone()),
        "PARVIS_DATABASE_URL" => database_url.clone(),
        "PARVIS_PUBLIC_URL" => Some("https://parvis.example.org".to_owned()),
        _ => None,
    })?;
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
    let event_id = store.insert_event(&event()).await?.expect("a new event");
    store.assign_events(organisation.id, &[SLUG]).await?;

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
    fill(&pool, dialect, event_id).await?;
    if dialect == Dialect::Postgres {
        sqlx::query("ANALYZE").execute(&pool).await?;
    }
    let filled = started.elapsed();
    pool.close().await;

    let app = router(state.clone());
    let cookie = format!("parvis_session={}", session.token);
    for (format, budget) in [("csv", 1.0), ("xlsx", 5.0)] {
        let reset = reset_peak();
        let started = Instant::now();
        let request = Request::builder()
            .uri(format!(
                "/api/gestion/organisations/bench/evenements/{SLUG}/inscrits/export.{format}"
            ))
            .header(header::COOKIE, &cookie)
            .body(Body::empty())?;
        let response = app.clone().oneshot(request).await?;
        anyhow::ensure!(
            response.status() == StatusCode::OK,
            "export.{format}: {}",
            response.status()
        );
        let mut first_byte: Option<Duration> = None;
        let mut bytes = 0usize;
        let mut body = response.into_body();
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame?.into_data() {
                first_byte.get_or_insert_with(|| started.elapsed());
                bytes += data.len();
            }
        }
        let elapsed = started.elapsed();
        let peak = peak_rss_mb()
            .map(|mb| {
                format!(
                    "{mb:.0} Mo{}",
                    if reset { "" } else { " (depuis le début)" }
                )
            })
            .unwrap_or_else(|| "inconnu".to_owned());
        println!(
            "{name:<10} export {:<4} {REGISTRATIONS} inscriptions : {:.2} s (budget ≤ {budget} s ; premier octet {:.0} ms), {:.1} Mo, pic de mémoire {peak} (budget ≤ 100 Mo)",
            format.to_uppercase(),
            elapsed.as_secs_f64(),
            first_byte.unwrap_or_default().as_secs_f64() * 1000.0,
            bytes as f64 / 1e6,
        );
    }
    println!(
        "{name:<10} (préparation des {REGISTRATIONS} inscriptions : {:.1} s)",
        filled.as_secs_f64()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run("SQLite", None).await?;
    if let Ok(url) = std::env::var("PARVIS_BENCH_POSTGRES_URL") {
        run("PostgreSQL", Some(url)).await?;
    }
    Ok(())
}
