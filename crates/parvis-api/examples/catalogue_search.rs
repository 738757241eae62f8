//! Bench of the publications catalogue: 10,000 varied publications of five
//! organisations stored through the store, then 400 varied searches
//! (words with and without accents, kinds, themes, years, organisations,
//! pages, and combinations) through the router in-process, each timed from
//! request to last byte. Prints p50 and p99 on SQLite and, with
//! `PARVIS_BENCH_POSTGRES_URL`, on PostgreSQL (target: p99 ≤ 20 ms).

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Utc;
use http_body_util::BodyExt;
use parvis_api::{AppState, Config, router};
use parvis_core::publications::{PublicationDraft, check_draft, encode_query_value};
use tower::ServiceExt;

const PUBLICATIONS: usize = 10_000;
const QUERIES: usize = 400;

const ORGANISATIONS: [(&str, &str); 5] = [
    (
        "crpve",
        "Centre de ressources politique de la ville en Essonne",
    ),
    (
        "pole-ressources",
        "Pôle ressources Ville et développement social",
    ),
    ("odas", "Observatoire national de l'action sociale"),
    ("drjscs-paca", "DRJSCS Provence-Alpes-Côte d'Azur"),
    ("resovilles", "Résovilles"),
];

const KINDS: [&str; 5] = [
    "rapport_etude",
    "actes",
    "programme",
    "synthese",
    "fiche_experience",
];

const THEMES: [&str; 12] = [
    "Cohésion sociale",
    "Politique de la ville",
    "Participation des habitants",
    "Éducation",
    "Emploi et insertion",
    "Santé",
    "Jeunesse",
    "Renouvellement urbain",
    "Égalité femmes-hommes",
    "Observation sociale",
    "Prévention de la délinquance",
    "Numérique",
];

const SUBJECTS: [&str; 16] = [
    "la gouvernance locale",
    "les contrats de ville",
    "l'observation partagée",
    "la coopération entre acteurs",
    "les conseils citoyens",
    "la réussite éducative",
    "l'accès aux droits",
    "la médiation sociale",
    "les quartiers prioritaires",
    "la petite enfance",
    "l'habitat indigne",
    "la mobilité des jeunes",
    "les centres sociaux",
    "la lutte contre les discriminations",
    "l'économie sociale et solidaire",
    "la tranquillité publique",
];

const PLACES: [&str; 10] = [
    "Creil",
    "Évry",
    "Marseille",
    "Le Havre",
    "Angers",
    "Strasbourg",
    "Villeurbanne",
    "Nanterre",
    "Grigny",
    "Nice",
];

fn config(data_dir: &str, database_url: Option<&str>) -> anyhow::Result<Config> {
    Config::from_lookup(|key| match key {
        "PARVIS_DATA_DIR" => Some(data_dir.to_owned()),
        "PARVIS_DATABASE_URL" => database_url.map(str::to_owned),
        "PARVIS_PUBLIC_URL" => Some("https://parvis.example.org".to_owned()),
        "PARVIS_DEMO" => Some("0".to_owned()),
        _ => None,
    })
}

/// Publication `n`: its kind, year, themes, place and words vary with `n`.
fn draft(n: usize) -> PublicationDraft {
    let subject = SUBJECTS[n % SUBJECTS.len()];
    let place = PLACES[(n / 7) % PLACES.len()];
    let year = 2005 + (n * 7) % 21;
    let themes = [THEMES[n % THEMES.len()], THEMES[(n / 3 + 5) % THEMES.len()]];
    PublicationDraft {
        title: format!("Étude n° {n} sur {subject} à {place}"),
        kind: KINDS[n % KINDS.len()].to_owned(),
        authors: format!("{}, avec les acteurs de {place}", ORGANISATIONS[n % 5].1),
        published_on: format!("{year}-{:02}-{:02}", 1 + n % 12, 1 + n % 28),
        summary: format!(
            "Cette publication revient sur {subject} dans les quartiers de {place} : \
             diagnostic partagé, entretiens avec les habitant·es et les professionnel·les, \
             pistes d'action pour les politiques locales de cohésion sociale.\n\n\
             Elle propose des préconisations sur la coordination des dispositifs, \
             l'évaluation des actions et la mobilisation du droit commun ({n})."
        ),
        themes: themes.join("\n"),
        territories: place.to_owned(),
        access: if n.is_multiple_of(10) {
            "inscrits"
        } else {
            "public"
        }
        .to_owned(),
        published: !n.is_multiple_of(50),
        ..PublicationDraft::default()
    }
}

/// Query `n` of the bench: words, filters, pages and their mixes.
fn query(n: usize) -> String {
    let word = |i: usize| match i % 6 {
        0 => "cohesion".to_owned(),
        1 => "COHÉSION sociale".to_owned(),
        2 => PLACES[i % PLACES.len()].to_lowercase(),
        3 => "gouvernance locale".to_owned(),
        4 => "habitant".to_owned(),
        _ => format!("etude {}", i * 37 % PUBLICATIONS),
    };
    let q = |text: String| format!("q={}", encode_query_value(&text));
    let parts: Vec<String> = match n % 10 {
        0 => vec![],
        1 => vec![q(word(n))],
        2 => vec![format!("type={}", KINDS[n % 5])],
        3 => vec![format!(
            "theme={}",
            encode_query_value(THEMES[n % THEMES.len()])
        )],
        4 => vec![format!("annee={}", 2005 + n % 21)],
        5 => vec![format!("organisation={}", ORGANISATIONS[n % 5].0)],
        6 => vec![format!("page={}", 1 + n % 25)],
        7 => vec![q(word(n)), format!("type={}", KINDS[n % 5])],
        8 => vec![
            format!("theme={}", encode_query_value(THEMES[n % THEMES.len()])),
            format!("annee={}", 2005 + n % 21),
            format!("page={}", 1 + n % 3),
        ],
        _ => vec![
            q(PLACES[n % PLACES.len()].to_owned()),
            format!("organisation={}", ORGANISATIONS[n % 5].0),
        ],
    };
    if parts.is_empty() {
        "/api/publications".to_owned()
    } else {
        format!("/api/publications?{}", parts.join("&"))
    }
}

async fn run(name: &str, database_url: Option<String>) -> anyhow::Result<()> {
    let dir = tempfile::TempDir::new()?;
    let data_dir = dir.path().display().to_string();
    let config = config(&data_dir, database_url.as_deref())?;
    let state = AppState::from_config(&config).await?;
    let store = &state.store;
    let now = Utc::now();
    let mut organisations = Vec::new();
    for (slug, title) in ORGANISATIONS {
        let organisation = store
            .create_organisation(slug, title, now)
            .await?
            .expect("a fresh database");
        organisations.push(organisation.id);
    }
    let started = Instant::now();
    for n in 0..PUBLICATIONS {
        let mut draft = draft(n);
        // Reserved ones need an event: here, none is linked (the catalogue
        // does not read links).
        let mut checked = {
            let access = std::mem::replace(&mut draft.access, "public".to_owned());
            let mut checked = check_draft(&draft).map_err(|e| anyhow::anyhow!("{e:?}"))?;
            checked.access =
                parvis_core::publications::Access::parse(&access).expect("a known access");
            checked
        };
        checked.events.clear();
        store
            .create_publication(
                organisations[n % organisations.len()],
                &format!("publication-{n}"),
                &checked,
                now,
            )
            .await?
            .expect("a new address");
    }
    let filled = started.elapsed();
    if database_url.is_some() {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(database_url.as_deref().unwrap_or_default()).await?;
        sqlx::query("ANALYZE").execute(&pool).await?;
        pool.close().await;
    }
    let app = router(state.clone());
    let call = |uri: String| {
        let app = app.clone();
        async move {
            let started = Instant::now();
            let response = app.oneshot(Request::get(&uri).body(Body::empty())?).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            let elapsed = started.elapsed();
            anyhow::ensure!(status == StatusCode::OK, "{uri}: {status}");
            Ok::<_, anyhow::Error>((elapsed, body.len()))
        }
    };
    // Warm-up: connections opened, statements prepared.
    for n in 0..20 {
        call(query(n)).await?;
    }
    let mut times: Vec<Duration> = Vec::with_capacity(QUERIES);
    let mut bytes = 0;
    for n in 0..QUERIES {
        let (elapsed, size) = call(query(n)).await?;
        times.push(elapsed);
        bytes += size;
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<10} catalogue search p99 over 10,000 publications : p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (cible p99 ≤ 20 ms ; {QUERIES} recherches variées, {:.1} Ko de JSON en moyenne ; préparation {:.1} s)",
        ms(times[QUERIES / 2]),
        ms(times[QUERIES * 99 / 100]),
        ms(times[QUERIES - 1]),
        bytes as f64 / QUERIES as f64 / 1e3,
        filled.as_secs_f64(),
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
