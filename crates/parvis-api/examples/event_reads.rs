//! Throughput and latency of the public event documents served from memory
//! (`src/snapshot.rs`): the agenda and an event page, as a browser asks for
//! them (`Accept-Encoding: br, gzip`), as a revalidation (`If-None-Match`:
//! 304), and without compression; on SQLite, and on PostgreSQL when
//! `PARVIS_BENCH_POSTGRES_URL` names a server (a throwaway database is
//! created there and dropped).
//!
//! The endpoint runs in this process on the server's own loop
//! (`serve::serve`, two worker threads), loaded over loopback by blocking
//! keep-alive connections like `cargo xtask bench`'s generator.
//!
//! `cargo run --release -p parvis-api --example event_reads`
//! (`PARVIS_BENCH_SECONDS`, default 5 per measure; `PARVIS_BENCH_CONNECTIONS`,
//! default 16).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use parvis_api::{AppState, Config, router, seed};
use sqlx::{Connection as _, Executor};

const WEBINAR: &str = seed::UPCOMING_WEBINAR;

fn main() -> anyhow::Result<()> {
    let seconds: u64 = std::env::var("PARVIS_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let connections: usize = std::env::var("PARVIS_BENCH_CONNECTIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(16);
    let duration = Duration::from_secs(seconds);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut stores = vec![("SQLite", None)];
    if let Ok(url) = std::env::var("PARVIS_BENCH_POSTGRES_URL") {
        stores.push(("PostgreSQL", Some(url)));
    }
    println!("{connections} connections, {seconds} s per measure");
    for (name, admin_url) in stores {
        let dir = tempfile::tempdir()?;
        let database = match &admin_url {
            Some(admin) => Some(runtime.block_on(throwaway(admin))?),
            None => None,
        };
        let data_dir = dir.path().display().to_string();
        let database_url = database.clone();
        let config = Config::from_lookup(|key| match key {
            "PARVIS_DATA_DIR" => Some(data_dir.clone()),
            "PARVIS_PUBLIC_URL" => Some("http://127.0.0.1".to_owned()),
            "PARVIS_DATABASE_URL" => database_url.clone(),
            "PARVIS_LOG" | "RUST_LOG" => Some("warn".to_owned()),
            _ => None,
        })?;
        let addr = runtime.block_on(async {
            let state = AppState::from_config(&config).await?;
            seed::seed_demo(&state).await?;
            let app = router(state);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let limits = parvis_api::serve::Limits::from_config(&config);
            tokio::spawn(async move {
                let _ =
                    parvis_api::serve::serve(listener, app, limits, std::future::pending()).await;
            });
            anyhow::Ok(addr)
        })?;
        let page = format!("/api/events/{WEBINAR}");
        let tag = Connection::open(addr)?
            .get(&page, &[("Accept-Encoding", "br, gzip")])?
            .etag;
        let measures: [Measure; 4] = [
            (
                "GET /api/events (br)",
                "/api/events".to_owned(),
                vec![("Accept-Encoding", "br, gzip".to_owned())],
            ),
            (
                "GET /api/events/{slug} (br)",
                page.clone(),
                vec![("Accept-Encoding", "br, gzip".to_owned())],
            ),
            (
                "GET /api/events/{slug} (304)",
                page.clone(),
                vec![
                    ("Accept-Encoding", "br, gzip".to_owned()),
                    ("If-None-Match", tag),
                ],
            ),
            ("GET /api/events/{slug} (plain)", page.clone(), Vec::new()),
        ];
        for (label, path, headers) in measures {
            let figures = load(addr, connections, duration, &path, &headers)?;
            println!(
                "{name:<10} {label:<32} {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  ({} non-2xx/304)",
                figures.rate, figures.p50, figures.p99, figures.errors
            );
        }
        if let (Some(admin), Some(url)) = (&admin_url, &database) {
            runtime.block_on(drop_database(admin, url))?;
        }
    }
    Ok(())
}

/// A label, a path and the request's headers.
type Measure = (&'static str, String, Vec<(&'static str, String)>);

struct Figures {
    rate: f64,
    p50: f64,
    p99: f64,
    errors: usize,
}

fn load(
    addr: SocketAddr,
    connections: usize,
    duration: Duration,
    path: &str,
    headers: &[(&str, String)],
) -> anyhow::Result<Figures> {
    let start = Instant::now();
    let deadline = start + duration;
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let path = path.to_owned();
            let headers: Vec<(String, String)> = headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect();
            std::thread::spawn(move || -> anyhow::Result<(Vec<Duration>, usize)> {
                let mut connection = Connection::open(addr)?;
                let headers: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let mut latencies = Vec::new();
                let mut errors = 0;
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    let response = connection.get(&path, &headers)?;
                    latencies.push(sent.elapsed());
                    if !(200..300).contains(&response.status) && response.status != 304 {
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
            .map_err(|_| anyhow::anyhow!("a worker panicked"))??;
        latencies.append(&mut own);
        errors += own_errors;
    }
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort();
    let at = |q: f64| {
        latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)].as_secs_f64()
            * 1000.0
    };
    Ok(Figures {
        rate: latencies.len() as f64 / elapsed,
        p50: at(0.50),
        p99: at(0.99),
        errors,
    })
}

struct Response {
    status: u16,
    etag: String,
}

/// One keep-alive HTTP/1.1 connection.
struct Connection {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Connection {
    fn open(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        Ok(Self {
            writer: stream.try_clone()?,
            reader: BufReader::new(stream),
        })
    }

    fn get(&mut self, path: &str, headers: &[(&str, &str)]) -> anyhow::Result<Response> {
        let mut request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        self.writer.write_all(request.as_bytes())?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow::anyhow!("bad status line {line:?}"))?;
        let mut length = 0usize;
        let mut etag = String::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse()?;
                } else if name.eq_ignore_ascii_case("etag") {
                    etag = value.trim().to_owned();
                }
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok(Response { status, etag })
    }
}

async fn throwaway(admin_url: &str) -> anyhow::Result<String> {
    let name = format!("parvis_bench_reads_{}", parvis_api::token::random_hex(6)?);
    let mut admin = sqlx::PgConnection::connect(admin_url).await?;
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await?;
    let (base, _) = admin_url
        .rsplit_once('/')
        .ok_or_else(|| anyhow::anyhow!("a URL ending in /database"))?;
    Ok(format!("{base}/{name}"))
}

async fn drop_database(admin_url: &str, url: &str) -> anyhow::Result<()> {
    let name = url.rsplit('/').next().unwrap_or_default();
    let mut admin = sqlx::PgConnection::connect(admin_url).await?;
    admin
        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await?;
    Ok(())
}
