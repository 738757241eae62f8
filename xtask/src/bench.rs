//! `cargo xtask bench`: figures, never assertions.
//!
//! - Sizes of the release app (wasm and JS, raw, gzip, brotli), and the ten
//!   biggest crates and items of the public and back-office wasm as shipped
//!   (`tests/perf/wasm_top.py`, with twiggy installed from crates.io when
//!   missing).
//! - The agenda's first visit: bytes on the wire, then the time to first
//!   paint and to the agenda in Chromium throttled to slow 4G with a CPU
//!   four times slower (`tests/perf/slow-4g.mjs`).
//! - The machine's ceilings, with the same load generator (the
//!   `ceiling_server` example): axum answering a constant, and axum writing
//!   one SQLite row with one commit per request.
//! - Throughput and p50/p99 latency of `GET /api/events` (agenda) and
//!   `GET /api/events/{slug}` (event page), sent as a browser sends them
//!   (`Accept-Encoding: br, gzip`), and of `POST .../registrations` (distinct
//!   emails) against a release build of the endpoint on loopback, on SQLite
//!   and on PostgreSQL side by side, each beside its ratio to the ceiling and
//!   its target. The load generator is bounded: a fixed number of
//!   connections for a fixed duration, then it stops. After the loads: the
//!   server's peak resident memory, and the write batches' size
//!   distribution the server logs when it stops.
//! - The same with one registration in five on a full workshop (waiting
//!   list), and the reminder job over 10,000 registrations.
//! - Email delivery after a burst of 10,000 registrations (the
//!   `outbox_burst` example), through the file transport and through SMTP
//!   to aiosmtpd: emails per second and the lag from registration to
//!   delivery (budget: 60 s).
//! - Throughput and p50/p99 latency of feedback answers
//!   (`PUT /api/avis/{token}`, a whole questionnaire submitted through a
//!   distinct personal link each, everyone registered above being asked by
//!   the `feedback_links` example), beside the registrations.
//! - The back-office's CSV and XLSX exports of 100,000 registrants through
//!   the router: time, size and peak resident memory, against the budgets
//!   (CSV ≤ 1 s, XLSX ≤ 5 s, 100 MB).
//! - Feedback at scale, 100,000 responses to a 20-question questionnaire
//!   (the `feedback_results` example): the results dashboard and the
//!   responses' CSV and XLSX exports through the router, each in a fresh
//!   process: time, size and peak resident memory, against the budgets
//!   (dashboard ≤ 500 ms, CSV ≤ 1 s, XLSX ≤ 5 s, 100 MB).
//! - Downloads of a 10 MB PDF from the local file store through
//!   `GET /api/publications/{slug}/fichiers/{id}`, against the same file
//!   served as a static file by the same server (the `file_download`
//!   example): MB/s and downloads per second, sequential and concurrent.
//! - Catalogue search p99 over 10,000 publications (the `catalogue_search`
//!   example): 400 varied searches and filters through the router, on
//!   SQLite and PostgreSQL (target p99 ≤ 20 ms).
//! - Cold start: process exec to the first 200 on `/api/health`, median of 20.
//! - Size of the Lambda function binary.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::http::Connection;
use crate::server::Server;
use crate::{build_release, cargo, lambda, postgres, sh};

/// Upcoming copy of the webinar, open for registration in the demo data.
const WEBINAR: &str = "webinaire-ceq-2030-ctg-restitution";
/// Upcoming members-only committee, whose workshops have 8 seats each.
const COMMITTEE: &str = "comite-pilotage-villes-vivre-ensemble-prochain";

/// Runs the whole bench and prints its figures.
pub fn all(root: &Path) -> Result<()> {
    let binary = build_release(root)?;
    println!("\n== Taille de l'agenda (dist/, build release, toute première visite) ==");
    sizes(&root.join("dist"), Some(150))?;
    contributors(root, "parvis")?;
    println!(
        "\n== Taille des pages d'événement et d'inscription (dist/inscription/, chargées par leurs liens) =="
    );
    sizes(&root.join("dist/inscription"), None)?;
    contributors(root, "inscription")?;
    // The back-office, one build per area, each within the budget: an
    // organiser downloads the area they open.
    for (dir, bin, what) in [
        ("", "gestion", "accueil, connexion, page d'un événement"),
        ("editeur", "gestion_editeur", "éditeur d'événements"),
        (
            "inscrits",
            "gestion_inscrits",
            "inscrit·es, présence, invitations",
        ),
        ("avis", "gestion_avis", "questionnaires d'avis et résultats"),
        (
            "publications",
            "gestion_publications",
            "publications et lettre",
        ),
    ] {
        println!(
            "\n== Taille de l'espace de gestion : {what} (dist/gestion/{dir}, jamais chargé par le public) =="
        );
        sizes(&root.join("dist/gestion").join(dir), Some(300))?;
        contributors(root, bin)?;
    }
    println!(
        "\n== Taille de la page d'avis (dist/avis/, chargée par le seul lien d'un questionnaire) =="
    );
    sizes(&root.join("dist/avis"), None)?;
    println!("\n== Taille du catalogue des publications (dist/publications/) ==");
    sizes(&root.join("dist/publications"), None)?;

    println!(
        "\n== Première visite de l'agenda depuis le serveur de Parvis (brotli, octets reçus) =="
    );
    {
        let data = root.join("target/bench-data-visit");
        if data.exists() {
            std::fs::remove_dir_all(&data)?;
        }
        let server = Server::start(&binary, &data, Some(&root.join("dist")), None, true)?;
        first_visit(server.addr)?;
        println!(
            "\n== Première visite sur un téléphone lent (Chromium : 4G lente, processeur ÷ 4, cache vide) =="
        );
        crate::setup::test_tools(root)?;
        sh(Command::new("node")
            .arg("tests/perf/slow-4g.mjs")
            .env("PARVIS_URL", format!("http://{}", server.addr))
            .current_dir(root))?;
    }

    let postgres = postgres::provide()?;
    let duration = Duration::from_secs(5);
    let connections = 16;
    println!(
        "\n== Plafonds de cette machine (même générateur de charge : {connections} connexions, {} s) ==",
        duration.as_secs()
    );
    let ceilings = ceilings(root, connections, duration)?;
    println!(
        "\n== Endpoint (release, loopback, {connections} connexions, {} s par mesure) ==",
        duration.as_secs()
    );
    let mut stores = vec![("SQLite", None)];
    match &postgres {
        Some(server) => stores.push(("PostgreSQL", Some(server.create_database("parvis_bench")?))),
        None => println!("(PostgreSQL introuvable : mesures PostgreSQL ignorées)"),
    }
    for (name, database_url) in stores {
        let data = root.join(format!("target/bench-data-{}", name.to_lowercase()));
        if data.exists() {
            std::fs::remove_dir_all(&data)?;
        }
        let server = Server::start_logged(&binary, &[], &data, database_url.as_deref())?;
        // Reads as a browser sends them, accepting compressed answers.
        let get = load_with(server.addr, connections, duration, BROWSER, |_| {
            ("GET", "/api/events".to_owned(), None)
        })?;
        get.print(&format!("{name:<10} GET /api/events (agenda)"));
        get.against(&ceilings.hello, "≥ 20 000 req/s, p99 ≤ 5 ms");
        let page = load_with(server.addr, connections, duration, BROWSER, |_| {
            ("GET", format!("/api/events/{WEBINAR}"), None)
        })?;
        page.print(&format!("{name:<10} GET /api/events/{{slug}} (page)"));
        page.against(&ceilings.hello, "≥ 20 000 req/s, p99 ≤ 5 ms");
        let counter = Arc::new(AtomicU64::new(0));
        let post = load(server.addr, connections, duration, move |_| {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            (
                "POST",
                format!("/api/events/{WEBINAR}/registrations"),
                Some(format!(
                    r#"{{"first_name":"Prénom","last_name":"Nom {n}","email":"bench-{n}@exemple.fr","organisation":"Ville de test","role":"Chargée de mission","territory":"","consent":true,"structure_type":"collectivite"}}"#
                )),
            )
        })?;
        post.print(&format!(
            "{name:<10} POST /api/events/{{slug}}/registrations"
        ));
        post.against(
            &ceilings.insert,
            if name == "SQLite" {
                "≥ 5 000/s, p99 ≤ 20 ms"
            } else {
                "≥ 2 000/s, p99 ≤ 20 ms"
            },
        );
        // One registration in five goes to a workshop that is full after
        // its first 8 seats: the waiting-list path.
        let counter = Arc::new(AtomicU64::new(0));
        let mixed = load(server.addr, connections, duration, move |_| {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let (slug, extra) = if n.is_multiple_of(5) {
                (
                    COMMITTEE,
                    r#","invitation_code":"VIVRE-ENSEMBLE","tracks":["observation-partagee"],"answers":{"dejeuner":true}"#,
                )
            } else {
                (WEBINAR, "")
            };
            (
                "POST",
                format!("/api/events/{slug}/registrations"),
                Some(format!(
                    r#"{{"first_name":"Prénom","last_name":"Nom {n}","email":"mixte-{n}@exemple.fr","organisation":"Ville de test","role":"Chargée de mission","territory":"","consent":true,"structure_type":"collectivite"{extra}}}"#
                )),
            )
        })?;
        mixed.print(&format!("{name:<10} POST 20 % liste d'attente"));
        // Feedback answers: everyone registered above is asked, then each
        // request submits a whole questionnaire through a link of its own.
        let database =
            database_url.unwrap_or_else(|| data.join("parvis.sqlite3").display().to_string());
        let tokens = Arc::new(feedback_links(&data, &database)?);
        let counter = Arc::new(AtomicU64::new(0));
        let links = tokens.clone();
        let answers = load(server.addr, connections, duration, move |_| {
            let n = counter.fetch_add(1, Ordering::Relaxed) as usize;
            (
                "PUT",
                format!("/api/avis/{}", links[n % links.len()]),
                Some(format!(
                    r#"{{"answers":{{"satisfaction":{},"objectifs":4,"intervenants":5,"utilite":3,"organisation":4,"recommandation":{},"points-forts":"Les retours d'expérience {n}","approfondir":true,"approfondir-comment":{{"choices":["Une formation"],"other":"Un atelier"}}}},"submit":true}}"#,
                    1 + n % 5,
                    n % 11
                )),
            )
        })?;
        answers.print(&format!("{name:<10} PUT /api/avis/{{jeton}} (réponses)"));
        if answers.requests > tokens.len() {
            println!(
                "{:<52} ({} liens : au-delà, un lien répond une seconde fois)",
                "",
                tokens.len()
            );
        }
        match server.peak_rss_mb() {
            Some(mb) => println!(
                "{name:<10} mémoire résidente maximale du serveur : {mb:.1} Mo (budget ≤ 64 Mo)"
            ),
            None => println!("{name:<10} mémoire résidente : illisible"),
        }
        let log = server.stop()?;
        match log.lines().rfind(|l| l.contains("write batches:")) {
            Some(line) => println!(
                "{name:<10} lots d'écritures (inscriptions et réponses d'avis, validation groupée) : {}",
                line.split("write batches:").nth(1).unwrap_or("").trim()
            ),
            None => println!("{name:<10} lots d'écritures : aucune statistique dans le journal"),
        }
    }
    println!("\n== Tâche de rappel (10 000 inscriptions confirmées, séance dans 30 min) ==");
    example("reminder_job", "parvis_bench_rappels", postgres.as_ref())?;
    println!(
        "\n== Courriels : rafale de 10 000 inscriptions, fichiers puis SMTP (aiosmtpd) ; budget : chaque confirmation remise dans les 60 s =="
    );
    example("outbox_burst", "parvis_bench_courriels", postgres.as_ref())?;
    println!("\n== Annulation avec 20 000 personnes en liste d'attente (cible p99 ≤ 10 ms) ==");
    example("waitlist_cancel", "parvis_bench_attente", postgres.as_ref())?;
    println!(
        "\n== Export des inscrit·es (100 000 inscriptions ; budgets : CSV ≤ 1 s, XLSX ≤ 5 s, mémoire ≤ 100 Mo) =="
    );
    example(
        "export_registrants",
        "parvis_bench_export",
        postgres.as_ref(),
    )?;
    println!(
        "\n== Avis : 100 000 réponses à 20 questions (budgets : tableau de bord ≤ 500 ms, CSV ≤ 1 s, XLSX ≤ 5 s, mémoire ≤ 100 Mo) =="
    );
    example("feedback_results", "parvis_bench_avis", postgres.as_ref())?;
    println!(
        "\n== Catalogue des publications : recherche sur 10 000 publications (cible p99 ≤ 20 ms) =="
    );
    example(
        "catalogue_search",
        "parvis_bench_catalogue",
        postgres.as_ref(),
    )?;
    println!(
        "\n== Téléchargement d'un PDF de 10 Mo : stockage local par la route des publications, puis fichier statique =="
    );
    example("file_download", "parvis_bench_fichiers", None)?;

    println!(
        "\n== Fonction Lambda (cargo lambda build --profile lambda-release --compiler cargo --no-default-features : sans SQLite, sans tables de déroulement) =="
    );
    let lambda = lambda::build(root)?;
    println!(
        "{:<40} {:>8.1} Mo (budget ≤ 8 Mo)",
        "bootstrap (parvis-lambda)",
        std::fs::metadata(&lambda)?.len() as f64 / 1e6
    );
    match &postgres {
        Some(server) => {
            println!("Ce binaire, sur PostgreSQL, par l'API d'exécution de cargo lambda :");
            lambda::check_deployed(
                root,
                &lambda,
                &server.create_database("parvis_bench_lambda")?,
            )?;
        }
        None => println!("!!! PostgreSQL introuvable : ce binaire n'est pas essayé."),
    }
    drop(postgres);

    println!(
        "\n== Démarrage à froid (exec → premier 200 sur /api/health, SQLite, 20 démarrages) =="
    );
    cold_start(&binary, &root.join("target/bench-data-sqlite"))?;
    Ok(())
}

/// The ten biggest crates and items of a bundle's wasm as shipped (twiggy,
/// through `tests/perf/wasm_top.py`, which runs wasm-bindgen and wasm-opt
/// as trunk does but keeps the names): where the bytes go.
fn contributors(root: &Path, bin: &str) -> Result<()> {
    let twiggy = crate::setup::twiggy(root)?;
    let path = twiggy
        .get_envs()
        .find(|(key, _)| *key == "PATH")
        .and_then(|(_, value)| value.map(std::ffi::OsStr::to_owned))
        .unwrap_or_default();
    sh(Command::new("python3")
        .args(["tests/perf/wasm_top.py", bin, "10"])
        .env("PATH", path)
        .current_dir(root))
}

/// Request headers of a browser's API calls.
const BROWSER: &[(&str, &str)] = &[("Accept-Encoding", "br, gzip")];

/// The machine's own limits, measured with the same load generator.
struct Ceilings {
    hello: Figures,
    insert: Figures,
}

/// Starts the `ceiling_server` example twice: axum answering a constant,
/// then axum writing one SQLite row per request with a commit each.
fn ceilings(root: &Path, connections: usize, duration: Duration) -> Result<Ceilings> {
    sh(cargo().args([
        "build",
        "--quiet",
        "--release",
        "-p",
        "parvis-api",
        "--example",
        "ceiling_server",
    ]))?;
    let binary = root.join("target/release/examples/ceiling_server");
    let data = root.join("target/bench-data-ceiling");
    if data.exists() {
        std::fs::remove_dir_all(&data)?;
    }
    let server = Server::start_logged(&binary, &["hello"], &data, None)?;
    let hello = load(server.addr, connections, duration, |_| {
        ("GET", "/hello".to_owned(), None)
    })?;
    hello.print("axum « hello » (plafond des lectures)");
    drop(server);
    let server = Server::start_logged(&binary, &["insert"], &data, None)?;
    let counter = Arc::new(AtomicU64::new(0));
    let insert = load(server.addr, connections, duration, move |_| {
        let n = counter.fetch_add(1, Ordering::Relaxed);
        (
            "POST",
            "/insert".to_owned(),
            Some(format!(
                r#"{{"first_name":"Prénom","last_name":"Nom {n}","email":"plafond-{n}@exemple.fr"}}"#
            )),
        )
    })?;
    insert.print("axum + SQLite, 1 INSERT et 1 commit par requête");
    Ok(Ceilings { hello, insert })
}

/// What a browser downloads on a first visit of the agenda: the page, each
/// file it names, and the agenda's API call; prints each and the total on
/// the wire (budget: 150 KB).
fn first_visit(addr: std::net::SocketAddr) -> Result<()> {
    let mut connection = crate::http::Connection::open(addr)?;
    let accept = [("Accept-Encoding", "br, gzip")];
    let index = connection.request_with("GET", "/", None, &accept)?;
    // The page as text, to find the files it names (not counted).
    let page = connection.request("GET", "/", None)?.body;
    // Feeds announced in the head (`<link rel="alternate">`) are for feed
    // readers: a browser does not download them.
    let page: String = page
        .split_inclusive('>')
        .filter(|tag| !(tag.contains("<link") && tag.contains("rel=\"alternate\"")))
        .collect();
    let mut paths: Vec<String> = Vec::new();
    for attribute in ["href=\"", "src=\"", "from '", "module_or_path: '"] {
        for piece in page.split(attribute).skip(1) {
            let end = piece.find(['"', '\'']).unwrap_or(0);
            let path = &piece[..end];
            if path.starts_with('/') && !path.starts_with("//") && path != "/" {
                paths.push(path.to_owned());
            }
        }
    }
    // The agenda's API call, once even when the page preloads it (the
    // browser then reuses the preloaded answer).
    paths.push("/api/events".to_owned());
    paths.sort();
    paths.dedup();
    let mut total = index.wire;
    println!("{:<48} {:>8.1} Ko", "/", kb(index.wire));
    for path in &paths {
        let response = connection.request_with("GET", path, None, &accept)?;
        if response.status != 200 {
            bail!("{path} answered {}", response.status);
        }
        total += response.wire;
        println!("{path:<48} {:>8.1} Ko", kb(response.wire));
    }
    println!(
        "{:<48} {:>8.1} Ko en {} requêtes (budget : 150 Ko)",
        "total",
        kb(total),
        paths.len() + 1
    );
    Ok(())
}

/// Runs a bench example of the endpoint crate (release), on SQLite and, when
/// a server is at hand, on a fresh PostgreSQL database named `database`.
fn example(name: &str, database: &str, postgres: Option<&postgres::Postgres>) -> Result<()> {
    let mut command = cargo();
    command.args([
        "run",
        "--quiet",
        "--release",
        "-p",
        "parvis-api",
        "--example",
        name,
    ]);
    if let Some(server) = postgres {
        command.env(
            "PARVIS_BENCH_POSTGRES_URL",
            server.create_database(database)?,
        );
    }
    sh(&mut command)
}

/// Asks every confirmed registrant of the webinar to answer its feedback
/// questionnaire, on the database of the running endpoint (`database`: its
/// SQLite file or PostgreSQL URL), through the `feedback_links` example:
/// their personal tokens.
fn feedback_links(data: &Path, database: &str) -> Result<Vec<String>> {
    let file = data.join("bench-feedback-tokens.txt");
    sh(cargo()
        .args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "parvis-api",
            "--example",
            "feedback_links",
            "--",
            database,
            WEBINAR,
        ])
        .arg(&file))?;
    let tokens: Vec<String> = std::fs::read_to_string(&file)?
        .lines()
        .map(str::to_owned)
        .collect();
    if tokens.is_empty() {
        bail!("nobody to ask for feedback on {WEBINAR}");
    }
    Ok(tokens)
}

/// Starts the server 20 times on an existing data directory and prints the
/// median time from exec to the first successful health check.
fn cold_start(binary: &Path, data: &Path) -> Result<()> {
    let mut times = Vec::new();
    for _ in 0..20 {
        let port = crate::server::free_port()?;
        let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse()?;
        let started = Instant::now();
        let mut child = std::process::Command::new(binary)
            .env("PARVIS_ADDR", addr.to_string())
            .env("PARVIS_DATA_DIR", data)
            .env("PARVIS_APP_DIR", data.join("no-app"))
            .env_remove("PARVIS_DATABASE_URL")
            .stdout(std::process::Stdio::null())
            .spawn()?;
        let elapsed = loop {
            if crate::http::get(addr, "/api/health").is_ok_and(|r| r.status == 200) {
                break started.elapsed();
            }
            if started.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                bail!("the server did not answer within 30 s");
            }
            std::thread::sleep(Duration::from_micros(500));
        };
        child.kill()?;
        child.wait()?;
        times.push(elapsed);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "médiane {:.1} ms   min {:.1} ms   max {:.1} ms   (objectif ≤ 50 ms)",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1])
    );
    Ok(())
}

fn sizes(dist: &Path, budget_kb: Option<u32>) -> Result<()> {
    let mut total = (0, 0, 0);
    for entry in std::fs::read_dir(dist).context("dist/ is missing")? {
        let path = entry?.path();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if ext != "wasm" && ext != "js" {
            continue;
        }
        let raw = std::fs::read(&path)?;
        let gzip = crate::compress::gzip(&raw)?.len();
        let br = crate::compress::brotli(&raw)?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        println!(
            "{name:<40} brut {:>8.1} Ko  gzip {:>7.1} Ko  brotli {:>7.1} Ko",
            kb(raw.len()),
            kb(gzip),
            kb(br.len())
        );
        total = (total.0 + raw.len(), total.1 + gzip, total.2 + br.len());
    }
    let budget = budget_kb.map_or_else(String::new, |kb| format!(" (budget : {kb} Ko brotli)"));
    println!(
        "{:<40} brut {:>8.1} Ko  gzip {:>7.1} Ko  brotli {:>7.1} Ko{budget}",
        "total wasm + js",
        kb(total.0),
        kb(total.1),
        kb(total.2)
    );
    Ok(())
}

fn kb(bytes: usize) -> f64 {
    bytes as f64 / 1000.0
}

struct Figures {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Figures {
    fn print(&self, name: &str) {
        let pct = |p: f64| {
            let index = ((self.latencies.len() as f64 * p) as usize)
                .min(self.latencies.len().saturating_sub(1));
            self.latencies
                .get(index)
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        println!(
            "{name:<52} {:>8.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms   ({} requêtes, {} erreurs)",
            self.requests as f64 / self.elapsed.as_secs_f64(),
            pct(0.50),
            pct(0.99),
            self.requests,
            self.errors
        );
    }
}

impl Figures {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    /// The ratio to a ceiling measured in the same run, and the target.
    fn against(&self, ceiling: &Figures, target: &str) {
        println!(
            "{:<52} {:>8.2} × le plafond   (cible : {target})",
            "",
            self.rate() / ceiling.rate()
        );
    }
}

type RequestFn = dyn Fn(usize) -> (&'static str, String, Option<String>) + Send + Sync;

fn load(
    addr: std::net::SocketAddr,
    connections: usize,
    duration: Duration,
    make: impl Fn(usize) -> (&'static str, String, Option<String>) + Send + Sync + 'static,
) -> Result<Figures> {
    load_with(addr, connections, duration, &[], make)
}

/// The load generator: `connections` keep-alive connections, each sending
/// the request `make` builds, one after the other, until `duration` ends.
fn load_with(
    addr: std::net::SocketAddr,
    connections: usize,
    duration: Duration,
    headers: &'static [(&'static str, &'static str)],
    make: impl Fn(usize) -> (&'static str, String, Option<String>) + Send + Sync + 'static,
) -> Result<Figures> {
    let make: Arc<RequestFn> = Arc::new(make);
    let start = Instant::now();
    let deadline = start + duration;
    let workers: Vec<_> = (0..connections)
        .map(|worker| {
            let make = make.clone();
            std::thread::spawn(move || -> Result<(Vec<Duration>, usize)> {
                let mut connection = Connection::open(addr)?;
                let mut latencies = Vec::new();
                let mut errors = 0;
                while Instant::now() < deadline {
                    let (method, path, body) = make(worker);
                    let sent = Instant::now();
                    let response =
                        connection.request_with(method, &path, body.as_deref(), headers)?;
                    latencies.push(sent.elapsed());
                    if !(200..300).contains(&response.status) {
                        errors += 1;
                    }
                }
                Ok((latencies, errors))
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (mut own, own_errors) = worker
            .join()
            .map_err(|_| anyhow::anyhow!("a load worker panicked"))??;
        latencies.append(&mut own);
        errors += own_errors;
    }
    let elapsed = start.elapsed();
    if latencies.is_empty() {
        bail!("no request completed");
    }
    latencies.sort();
    Ok(Figures {
        requests: latencies.len(),
        errors,
        elapsed,
        latencies,
    })
}
