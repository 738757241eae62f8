//! Bench of file downloads: a 10 MB PDF of a public demo publication from
//! the local file store, through the real route
//! (`GET /api/publications/{slug}/fichiers/{id}`: the publication read,
//! `Files::serve`, the download counted), against the same bytes served as
//! a static file of the app by the same server (`router_with_app`, the
//! server's own HTTP loop, on loopback). Prints MB/s and downloads per
//! second for 20 downloads one after the other, then 8 clients downloading
//! 5 times each at once. Every download is checked: status, length, and
//! the first of each kind byte for byte.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use parvis_api::files::content_hash;
use parvis_api::store::publications::NewFile;
use parvis_api::{AppState, Config, router_with_app, seed, serve};
use parvis_core::publications::{Access, paths};

/// The file's size: 10 MB.
const SIZE: usize = 10 * 1000 * 1000;
const SEQUENTIAL: usize = 20;
const CLIENTS: usize = 8;
const PER_CLIENT: usize = 5;

/// PDF-looking bytes that no two offsets confuse.
fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    while bytes.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes.truncate(size);
    bytes
}

/// Downloads `url` once, reading the body as it comes; its length, and
/// its bytes when `keep`.
async fn download(
    client: &reqwest::Client,
    url: &str,
    keep: bool,
) -> anyhow::Result<(usize, Vec<u8>)> {
    let mut response = client.get(url).send().await?;
    if response.status() != reqwest::StatusCode::OK {
        bail!("{url} answered {}", response.status());
    }
    let mut length = 0;
    let mut kept = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        length += chunk.len();
        if keep {
            kept.extend_from_slice(&chunk);
        }
    }
    if length != SIZE {
        bail!("{url} sent {length} bytes instead of {SIZE}");
    }
    Ok((length, kept))
}

/// Prints the throughput of `count` downloads of `SIZE` bytes in `elapsed`.
fn print(name: &str, count: usize, elapsed: Duration) {
    let seconds = elapsed.as_secs_f64();
    println!(
        "{name:<52} {:>7.0} Mo/s   {:>6.1} téléchargements/s   ({count} × 10 Mo en {:.2} s)",
        (count * SIZE) as f64 / 1e6 / seconds,
        count as f64 / seconds,
        seconds
    );
}

/// Measures `url`: one checked download, then sequential and concurrent ones.
async fn measure(name: &str, url: &str, expected: &[u8]) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let (_, bytes) = download(&client, url, true).await?;
    if bytes != expected {
        bail!("{url}: the bytes differ from the file's");
    }
    let started = Instant::now();
    for _ in 0..SEQUENTIAL {
        download(&client, url, false).await?;
    }
    print(
        &format!("{name}, l'un après l'autre"),
        SEQUENTIAL,
        started.elapsed(),
    );
    let started = Instant::now();
    let url: Arc<str> = url.into();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                for _ in 0..PER_CLIENT {
                    download(&client, &url, false).await?;
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for client in clients {
        client.await??;
    }
    print(
        &format!("{name}, {CLIENTS} clients à la fois"),
        CLIENTS * PER_CLIENT,
        started.elapsed(),
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::TempDir::new()?;
    let data_dir = dir.path().join("data");
    let app_dir = dir.path().join("app");
    std::fs::create_dir_all(&app_dir)?;
    std::fs::write(
        app_dir.join("index.html"),
        "<!DOCTYPE html><html lang=\"fr\"><head><title>Parvis</title></head><body></body></html>",
    )?;
    let content = pdf(SIZE);
    std::fs::write(app_dir.join("rapport-10mo.pdf"), &content)?;
    let (data, app) = (
        data_dir.display().to_string(),
        app_dir.display().to_string(),
    );
    let config = Config::from_lookup(|key| match key {
        "PARVIS_DATA_DIR" => Some(data.clone()),
        "PARVIS_APP_DIR" => Some(app.clone()),
        "PARVIS_RATE_LIMIT_PER_MINUTE" => Some("0".to_owned()),
        _ => None,
    })?;
    let state = AppState::from_config(&config).await?;
    seed::seed_demo(&state).await?;

    // A public demo publication gets the 10 MB file, as an upload would.
    let slug = seed::publications()
        .into_iter()
        .find(|p| p.draft.published && p.draft.access == Access::Public.as_str())
        .context("a public demo publication")?
        .draft
        .slug;
    let record = state
        .store
        .publication(&slug)
        .await?
        .context("the demo publication is stored")?;
    let file = NewFile {
        id: "bench10mo".to_owned(),
        label: "Rapport complet".to_owned(),
        name: "Rapport d'étude complet.pdf".to_owned(),
        size: SIZE as u64,
        sha256: content_hash(&content),
        accessible: false,
        storage_key: format!("publications/{}/bench10mo.pdf", record.id),
    };
    state
        .files
        .put(&file.storage_key, content.clone().into())
        .await?;
    state
        .store
        .add_publication_file(record.id, &file, Utc::now())
        .await?;

    let app = router_with_app(state, Path::new(&app_dir))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let limits = serve::Limits::from_config(&config);
    tokio::spawn(serve::serve(listener, app, limits, std::future::pending()));

    measure(
        "GET /api/publications/{slug}/fichiers/{id}",
        &format!("{base}{}", paths::file(&slug, &file.id)),
        &content,
    )
    .await?;
    measure(
        "GET /rapport-10mo.pdf (fichier statique)",
        &format!("{base}/rapport-10mo.pdf"),
        &content,
    )
    .await?;
    Ok(())
}
