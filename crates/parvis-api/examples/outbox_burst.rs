//! The outbox under a burst of registrations. 10,000 people register at once
//! through the registration route while the real delivery loop
//! (`jobs::run_forever`, woken by each queued email) delivers their
//! confirmations, through the file transport, then through SMTP to an
//! aiosmtpd this example starts (`python3 -m aiosmtpd`). Every transport is
//! built from `Config`, as the server builds it.
//!
//! For each, prints the burst's registrations per second, the emails per
//! second, and the lag from each registration to its delivery (p50, p99,
//! max, from the outbox's `created_at` and `sent_at`) against the 60 s
//! budget; then the drain rate of 10,000 emails queued while no runner was
//! delivering. On SQLite and, with `PARVIS_BENCH_POSTGRES_URL`, on
//! PostgreSQL. Run by `cargo xtask bench`; fails if an email is missing.

mod common;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use parvis_api::store::parse_timestamp;
use parvis_api::{AppState, Config, jobs, router, seed};
use sqlx::Row;
use tower::ServiceExt;

const REGISTRATIONS: usize = 10_000;
/// Registrations in flight at once, as many browsers would send them.
const CLIENTS: usize = 32;
const BUDGET: Duration = Duration::from_secs(60);

/// An aiosmtpd server storing what it receives in a maildir.
struct Sink {
    child: Child,
    port: u16,
    maildir: PathBuf,
}

impl Sink {
    fn start(maildir: PathBuf) -> anyhow::Result<Self> {
        let installed = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status();
        if !installed.is_ok_and(|status| status.success()) {
            bail!(
                "python3 -m aiosmtpd is missing: `pip install aiosmtpd` (cargo xtask test installs it)"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("failed to start python3 -m aiosmtpd")?;
        let sink = Sink {
            child,
            port,
            maildir,
        };
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if Instant::now() > deadline {
                bail!("aiosmtpd did not start on {addr}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(sink)
    }

    fn received(&self) -> usize {
        count_files(&self.maildir.join("new"), "")
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn count_files(dir: &Path, suffix: &str) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(suffix))
                .count()
        })
        .unwrap_or(0)
}

#[derive(Clone, Copy)]
enum Transport {
    Files,
    Smtp,
}

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::Files => "fichiers",
            Transport::Smtp => "SMTP",
        }
    }
}

/// One store and transport: a data directory, the app wired from `Config`,
/// and what the transport delivered so far.
struct Run {
    state: AppState,
    app: axum::Router,
    pool: sqlx::AnyPool,
    outbox_dir: PathBuf,
    sink: Option<Sink>,
}

impl Run {
    async fn open(
        data_dir: &Path,
        database_url: &str,
        transport: Transport,
    ) -> anyhow::Result<Self> {
        let sink = match transport {
            Transport::Files => None,
            Transport::Smtp => Some(Sink::start(data_dir.join("maildir"))?),
        };
        let smtp_url = sink
            .as_ref()
            .map(|sink| format!("smtp://127.0.0.1:{}", sink.port));
        let data = data_dir.display().to_string();
        let database = database_url.to_owned();
        let config = Config::from_lookup(|key| match key {
            "PARVIS_DATA_DIR" => Some(data.clone()),
            "PARVIS_DATABASE_URL" => Some(database.clone()),
            "PARVIS_SMTP_URL" => smtp_url.clone(),
            "PARVIS_PUBLIC_URL" => Some("https://parvis.example.org".into()),
            "PARVIS_MAIL_FROM" => Some("Parvis <noreply@parvis.example.org>".into()),
            "PARVIS_DEMO" => Some("0".into()),
            "PARVIS_RATE_LIMIT_PER_MINUTE" => Some("0".into()),
            "PARVIS_REGISTRATIONS_PER_CLIENT_PER_HOUR" => Some("0".into()),
            // The rest as the server reads it (PARVIS_MAIL_CONCURRENCY...).
            other => std::env::var(other).ok(),
        })?;
        let state = AppState::from_config(&config).await?;
        let pool = sqlx::AnyPool::connect(database_url).await?;
        Ok(Run {
            app: router(state.clone()),
            state,
            pool,
            outbox_dir: config.outbox_dir(),
            sink,
        })
    }

    /// An event anyone may join, without a capacity: every registration is
    /// confirmed.
    async fn event(&self, slug: &str) -> anyhow::Result<()> {
        let now = chrono::Utc::now();
        let mut event = seed::demo_events(now.date_naive(), now).remove(0);
        event.public.slug = slug.to_owned();
        event.public.capacity = None;
        self.state.store.insert_event(&event).await?;
        Ok(())
    }

    /// `count` registrations through the route, `CLIENTS` at a time;
    /// returns how long they took.
    async fn register(&self, slug: &str, prefix: &str, count: usize) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for client in 0..CLIENTS {
            let app = self.app.clone();
            let (slug, prefix) = (slug.to_owned(), prefix.to_owned());
            tasks.spawn(async move {
                for n in (client..count).step_by(CLIENTS) {
                    let form = serde_json::to_string(&common::request(&prefix, n))?;
                    let request = Request::post(format!("/api/events/{slug}/registrations"))
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(Body::from(form))?;
                    let status = app.clone().oneshot(request).await?.status();
                    if status != StatusCode::CREATED {
                        bail!("registration {n} answered {status}");
                    }
                }
                anyhow::Ok(())
            });
        }
        while let Some(done) = tasks.join_next().await {
            done??;
        }
        Ok(started.elapsed())
    }

    /// Waits until the outbox is empty; how long that took.
    async fn drained(&self) -> anyhow::Result<Duration> {
        let started = Instant::now();
        loop {
            let stats = self.state.store.stats().await?;
            if stats.dead_emails > 0 {
                bail!("{} emails became dead letters", stats.dead_emails);
            }
            if stats.pending_emails == 0 {
                return Ok(started.elapsed());
            }
            if started.elapsed() > Duration::from_secs(600) {
                bail!("{} emails still waiting after 10 min", stats.pending_emails);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Emails delivered by the transport so far.
    fn delivered(&self) -> usize {
        match &self.sink {
            Some(sink) => sink.received(),
            None => count_files(&self.outbox_dir, ".eml"),
        }
    }

    /// The last outbox row's id (0 when empty).
    async fn last_id(&self) -> anyhow::Result<i64> {
        let row = sqlx::query("SELECT COALESCE(MAX(id), 0) AS last FROM outbox")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("last")?)
    }

    /// Each email's lag (`sent_at - created_at`), in seconds, sorted, and
    /// the span from the first registration to the last delivery, for the
    /// outbox rows after `after`.
    async fn lags(&self, after: i64) -> anyhow::Result<(Vec<f64>, f64)> {
        let rows = sqlx::query(&format!(
            "SELECT created_at, sent_at FROM outbox WHERE id > {after}"
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut lags = Vec::with_capacity(rows.len());
        let (mut first, mut last) = (None, None);
        for row in &rows {
            let created = parse_timestamp(&row.try_get::<String, _>("created_at")?)?;
            let sent: Option<String> = row.try_get("sent_at")?;
            let sent = parse_timestamp(&sent.context("an email was not sent")?)?;
            lags.push((sent - created).as_seconds_f64());
            first = Some(first.map_or(created, |f: chrono::DateTime<_>| f.min(created)));
            last = Some(last.map_or(sent, |l: chrono::DateTime<_>| l.max(sent)));
        }
        lags.sort_by(f64::total_cmp);
        let span = match (first, last) {
            (Some(first), Some(last)) => (last - first).as_seconds_f64(),
            _ => 0.0,
        };
        Ok((lags, span))
    }
}

fn percentile(sorted: &[f64], p: usize) -> f64 {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

async fn bench(
    name: &str,
    data_dir: &Path,
    database_url: &str,
    transport: Transport,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(data_dir)?;
    let run = Run::open(data_dir, database_url, transport).await?;
    let label = format!("{name:<10} {:<8}", transport.name());
    let slug = format!("bench-courriels-{}", transport.name().to_lowercase());
    run.event(&slug).await?;

    // A burst, with the delivery loop running as on the server.
    let before = run.last_id().await?;
    let runner = tokio::spawn(jobs::run_forever(run.state.clone(), Duration::from_secs(5)));
    let took = run.register(&slug, "rafale", REGISTRATIONS).await?;
    let drained = run.drained().await?;
    runner.abort();
    let _ = runner.await;
    if run.delivered() != REGISTRATIONS {
        bail!(
            "{label}: {} emails delivered instead of {REGISTRATIONS}",
            run.delivered()
        );
    }
    let (lags, span) = run.lags(before).await?;
    if lags.len() != REGISTRATIONS {
        bail!(
            "{label}: {} emails queued instead of {REGISTRATIONS}",
            lags.len()
        );
    }
    let max = lags[lags.len() - 1];
    println!(
        "{label} rafale de {REGISTRATIONS} inscriptions : {:.0} inscriptions/s, {:.0} courriels/s (tous remis {:.1} s après la fin de la rafale) ; délai inscription → remise p50 {:.2} s, p99 {:.2} s, max {:.2} s (budget {} s : {})",
        REGISTRATIONS as f64 / took.as_secs_f64(),
        REGISTRATIONS as f64 / span,
        drained.as_secs_f64(),
        percentile(&lags, 50),
        percentile(&lags, 99),
        max,
        BUDGET.as_secs(),
        if max <= BUDGET.as_secs_f64() {
            "tenu"
        } else {
            "DÉPASSÉ"
        }
    );

    // A backlog: emails queued while no runner delivers, then drained.
    let filled = run.register(&slug, "attente", REGISTRATIONS).await?;
    let started = Instant::now();
    let runner = tokio::spawn(jobs::run_forever(run.state.clone(), Duration::from_secs(5)));
    run.drained().await?;
    let drain = started.elapsed();
    runner.abort();
    let _ = runner.await;
    if run.delivered() != 2 * REGISTRATIONS {
        bail!(
            "{label}: {} emails delivered instead of {}",
            run.delivered(),
            2 * REGISTRATIONS
        );
    }
    println!(
        "{label} {REGISTRATIONS} courriels en attente : vidés en {:.1} s, {:.0} courriels/s (mis en file en {:.1} s)",
        drain.as_secs_f64(),
        REGISTRATIONS as f64 / drain.as_secs_f64(),
        filled.as_secs_f64()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::TempDir::new()?;
    let postgres = std::env::var("PARVIS_BENCH_POSTGRES_URL").ok();
    for transport in [Transport::Files, Transport::Smtp] {
        let data = dir.path().join(format!("sqlite-{}", transport.name()));
        let url = format!("sqlite://{}", data.join("parvis.sqlite3").display());
        bench("SQLite", &data, &url, transport).await?;
        if let Some(url) = &postgres {
            let data = dir.path().join(format!("postgres-{}", transport.name()));
            bench("PostgreSQL", &data, url, transport).await?;
        }
    }
    Ok(())
}
