//! File storage, on both backends with the same scenarios, over real HTTP
//! through the endpoint's layers: the local directory, and S3 against a
//! real S3-compatible server (`moto_server`, from PyPI's `moto[server]`,
//! installed by `cargo xtask test`). Without `moto_server` the S3 test
//! fails, unless `PARVIS_SKIP_S3=1` asks to skip it.
//!
//! Each backend is built by `AppState::from_config` from settings given as
//! a map, exactly as the server builds it from its environment.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use bytes::Bytes;
use parvis_api::error::AppError;
use parvis_api::files::{Served, content_hash};
use parvis_api::{AppState, Config};
use tempfile::TempDir;

mod common;
use common::moto::Moto;

/// A French name, with what the two forms of `Content-Disposition` make of it.
const NAME: &str = "Synthèse « Vivre ensemble » – été 2025.pdf";
const DISPOSITION: &str = "attachment; filename=\"Synthese ' Vivre ensemble ' - ete 2025.pdf\"; \
     filename*=UTF-8''Synth%C3%A8se%20%C2%AB%20Vivre%20ensemble%20%C2%BB%20%E2%80%93%20%C3%A9t%C3%A9%202025.pdf";

/// A file as the database would describe it.
#[derive(Clone)]
struct Record {
    name: String,
    size: u64,
    etag: String,
}

/// The endpoint's state over one backend, serving
/// `GET /api/essais/{id}` (key `essais/{id}.pdf`) through the same layers
/// as the real routes, on a local port.
struct Site {
    _dir: TempDir,
    state: AppState,
    records: Arc<std::sync::Mutex<HashMap<String, Record>>>,
    base: String,
    client: reqwest::Client,
}

type Records = Arc<std::sync::Mutex<HashMap<String, Record>>>;

async fn download(
    State((state, records)): State<(AppState, Records)>,
    Path(id): Path<String>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let record = records
        .lock()
        .unwrap()
        .get(&id)
        .cloned()
        .ok_or_else(|| AppError::NotFound("Aucun fichier de ce nom.".to_owned()))?;
    let served = Served {
        name: &record.name,
        size: record.size,
        etag: &record.etag,
        content_type: "application/pdf",
    };
    let key = format!("essais/{id}.pdf");
    // `serve` for a GET, `serve_method` for a HEAD (which `serve` answers
    // too, through axum, by reading the file and dropping the body).
    if method == Method::HEAD {
        state
            .files
            .serve_method(&key, &served, &method, &headers)
            .await
    } else {
        state.files.serve(&key, &served, &headers).await
    }
}

impl Site {
    /// The state built from these settings (plus a temporary data
    /// directory), served on a free port.
    async fn start(settings: &[(&str, String)]) -> Self {
        let dir = TempDir::new().unwrap();
        let data_dir = dir.path().display().to_string();
        let config = Config::from_lookup(|key| match key {
            "PARVIS_DATA_DIR" => Some(data_dir.clone()),
            "PARVIS_PUBLIC_URL" => Some("https://parvis.example.org".to_owned()),
            "PARVIS_DEMO" => Some("0".to_owned()),
            _ => settings
                .iter()
                .find(|(name, _)| *name == key)
                .map(|(_, value)| value.clone()),
        })
        .expect("the settings are valid");
        let state = AppState::from_config(&config)
            .await
            .expect("the state opens");
        let records: Records = Arc::default();
        let routes = Router::new()
            .route("/api/essais/{id}", get(download))
            .with_state((state.clone(), records.clone()));
        let app = parvis_api::http::finish(routes, &state, &[]);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            _dir: dir,
            state,
            records,
            base,
            client: reqwest::Client::new(),
        }
    }

    /// Stores `content` as file `id`, recorded under `name`.
    async fn upload(&self, id: &str, name: &str, content: &[u8]) -> Record {
        let record = Record {
            name: name.to_owned(),
            size: content.len() as u64,
            etag: content_hash(content),
        };
        self.state
            .files
            .put(&format!("essais/{id}.pdf"), Bytes::copy_from_slice(content))
            .await
            .unwrap();
        self.records
            .lock()
            .unwrap()
            .insert(id.to_owned(), record.clone());
        record
    }

    async fn get(&self, id: &str, headers: &[(&str, &str)]) -> Answer {
        self.request(reqwest::Method::GET, id, headers).await
    }

    async fn request(&self, method: reqwest::Method, id: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = self
            .client
            .request(method, format!("{}/api/essais/{id}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.unwrap();
        Answer {
            status,
            headers,
            body,
        }
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(&name)
            .map_or("", |value| value.to_str().unwrap())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// A PDF-looking content of `size` bytes that no two offsets confuse.
fn content(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    let mut x: u32 = 0x9e37_79b9;
    while bytes.len() < size {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes.truncate(size);
    bytes
}

/// What both backends must do, the same way.
async fn scenarios(site: &Site, backend: &str) {
    assert_eq!(site.state.files.backend(), backend);
    // Several chunks of every backend's stream, and not a round number.
    let pdf = content(3 * 1024 * 1024 + 12_345);
    let size = pdf.len();
    let record = site.upload("rapport", NAME, &pdf).await;
    let etag = format!("\"{}\"", record.etag);
    assert_eq!(
        site.state.files.read("essais/rapport.pdf").await.unwrap(),
        pdf,
        "{backend}: read back"
    );

    // The whole file, with its headers; never compressed, never sniffed,
    // never a page of the site.
    let whole = site
        .get("rapport", &[("accept-encoding", "gzip, br")])
        .await;
    assert_eq!(whole.status, StatusCode::OK, "{backend}");
    assert!(whole.body == pdf, "{backend}: the bytes differ");
    assert_eq!(whole.header(header::CONTENT_LENGTH), size.to_string());
    assert_eq!(whole.header(header::CONTENT_TYPE), "application/pdf");
    assert_eq!(whole.header(header::CONTENT_DISPOSITION), DISPOSITION);
    assert_eq!(whole.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(whole.header(header::CONTENT_SECURITY_POLICY), "sandbox");
    assert_eq!(
        whole.header(header::CACHE_CONTROL),
        "private, max-age=0, must-revalidate"
    );
    assert_eq!(whole.header(header::ACCEPT_RANGES), "bytes");
    assert_eq!(whole.header(header::ETAG), etag);
    assert_eq!(whole.header(header::CONTENT_ENCODING), "");

    // HEAD: the same headers, no body.
    let head = site.request(reqwest::Method::HEAD, "rapport", &[]).await;
    assert_eq!(head.status, StatusCode::OK, "{backend}");
    assert_eq!(head.header(header::CONTENT_LENGTH), size.to_string());
    assert_eq!(head.header(header::ETAG), etag);
    assert_eq!(head.header(header::CONTENT_DISPOSITION), DISPOSITION);
    assert!(head.body.is_empty());
    let head_part = site
        .request(reqwest::Method::HEAD, "rapport", &[("range", "bytes=0-99")])
        .await;
    assert_eq!(head_part.status, StatusCode::PARTIAL_CONTENT, "{backend}");
    assert_eq!(head_part.header(header::CONTENT_LENGTH), "100");
    assert_eq!(
        head_part.header(header::CONTENT_RANGE),
        format!("bytes 0-99/{size}")
    );
    assert!(head_part.body.is_empty());

    // Ranges: first bytes, suffix, open-ended, one across chunks, one
    // running past the end.
    for (range, start, end) in [
        ("bytes=0-99", 0, 100),
        ("bytes=-500", size - 500, size),
        ("bytes=1000000-", 1_000_000, size),
        ("bytes=8000-2100000", 8000, 2_100_001),
        (
            &*format!("bytes={}-{}", size - 10, size + 1000),
            size - 10,
            size,
        ),
        ("bytes=-99999999", 0, size),
    ] {
        let part = site.get("rapport", &[("range", range)]).await;
        assert_eq!(
            part.status,
            StatusCode::PARTIAL_CONTENT,
            "{backend} {range}"
        );
        assert_eq!(
            part.header(header::CONTENT_RANGE),
            format!("bytes {start}-{}/{size}", end - 1),
            "{backend} {range}"
        );
        assert_eq!(
            part.header(header::CONTENT_LENGTH),
            (end - start).to_string()
        );
        assert!(
            part.body == pdf[start..end],
            "{backend} {range}: the bytes differ"
        );
        assert_eq!(part.header(header::CONTENT_DISPOSITION), DISPOSITION);
        assert_eq!(part.header(header::ETAG), etag);
    }

    // Past the end: 416, and the size.
    for range in [
        format!("bytes={size}-"),
        format!("bytes={}-{}", size + 1, size + 9),
    ] {
        let beyond = site.get("rapport", &[("range", &range)]).await;
        assert_eq!(
            beyond.status,
            StatusCode::RANGE_NOT_SATISFIABLE,
            "{backend} {range}"
        );
        assert_eq!(
            beyond.header(header::CONTENT_RANGE),
            format!("bytes */{size}")
        );
        assert_eq!(beyond.json()["code"], "range_not_satisfiable");
    }

    // Several ranges, or a range of another version: the whole file.
    for headers in [
        &[("range", "bytes=0-9,20-29")][..],
        &[
            ("range", "bytes=0-9"),
            ("if-range", "\"une-autre-version\""),
        ][..],
        &[
            ("range", "bytes=0-9"),
            ("if-range", "Tue, 24 Nov 2026 06:00:00 GMT"),
        ][..],
    ] {
        let answer = site.get("rapport", headers).await;
        assert_eq!(answer.status, StatusCode::OK, "{backend} {headers:?}");
        assert!(answer.body == pdf, "{backend} {headers:?}");
    }
    let resumed = site
        .get("rapport", &[("range", "bytes=10-19"), ("if-range", &etag)])
        .await;
    assert_eq!(resumed.status, StatusCode::PARTIAL_CONTENT, "{backend}");
    assert!(resumed.body == pdf[10..20]);

    // The browser's copy is current: 304, nothing sent.
    let weak = format!("W/{etag}");
    let listed = format!("\"autre\", {etag}");
    for tag in [etag.as_str(), weak.as_str(), listed.as_str(), "*"] {
        let current = site
            .get("rapport", &[("if-none-match", tag), ("range", "bytes=0-9")])
            .await;
        assert_eq!(current.status, StatusCode::NOT_MODIFIED, "{backend} {tag}");
        assert!(current.body.is_empty());
        assert_eq!(current.header(header::ETAG), etag);
    }
    let stale = site.get("rapport", &[("if-none-match", "\"autre\"")]).await;
    assert_eq!(stale.status, StatusCode::OK, "{backend}");
    assert!(stale.body == pdf);

    // An empty file is served, and no range of it exists.
    site.upload("vide", "vide.pdf", b"").await;
    let empty = site.get("vide", &[]).await;
    assert_eq!(empty.status, StatusCode::OK, "{backend}");
    assert_eq!(empty.header(header::CONTENT_LENGTH), "0");
    let none = site.get("vide", &[("range", "bytes=0-")]).await;
    assert_eq!(none.status, StatusCode::RANGE_NOT_SATISFIABLE, "{backend}");

    // Replaced content is served as it now is.
    let second = content(10_000);
    let replaced = site.upload("rapport", "rapport.pdf", &second[..]).await;
    let again = site.get("rapport", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, StatusCode::OK, "{backend}");
    assert!(again.body == second);
    assert_eq!(again.header(header::ETAG), format!("\"{}\"", replaced.etag));

    // Deleted: a French 404; deleting again is fine.
    site.state.files.delete("essais/rapport.pdf").await.unwrap();
    let gone = site.get("rapport", &[]).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{backend}");
    assert_eq!(
        gone.json()["message"],
        "Ce fichier n'existe pas ou a été retiré."
    );
    assert_eq!(gone.header(header::CONTENT_DISPOSITION), "");
    let head_gone = site.request(reqwest::Method::HEAD, "rapport", &[]).await;
    assert_eq!(head_gone.status, StatusCode::NOT_FOUND, "{backend}");
    site.state.files.delete("essais/rapport.pdf").await.unwrap();
    site.state.files.delete("essais/jamais.pdf").await.unwrap();
}

#[tokio::test]
async fn local_directory() {
    let site = Site::start(&[]).await;
    scenarios(&site, "local").await;
    // The files are in the data directory, readable by the server only.
    let dir = site._dir.path().join("fichiers");
    assert!(dir.join("essais/vide.pdf").exists());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "{mode:o}");
}

#[tokio::test]
async fn s3_bucket() {
    let Some(moto) = Moto::start() else {
        return;
    };
    let settings = moto.bucket("parvis-essais").await;
    let site = Site::start(&settings).await;
    scenarios(&site, "s3").await;
    // Nothing was written to the data directory.
    assert!(!site._dir.path().join("fichiers").exists());
}

#[test]
fn bad_s3_settings_are_refused_at_startup_by_name() {
    let with = |vars: &[(&str, &str)]| {
        Config::from_lookup(|key| {
            vars.iter()
                .find(|(name, _)| *name == key)
                .map(|(_, value)| (*value).to_owned())
        })
    };
    for (vars, named) in [
        (&[("PARVIS_S3_BUCKET", "Mon Seau")][..], "PARVIS_S3_BUCKET"),
        (
            &[
                ("PARVIS_S3_BUCKET", "parvis"),
                ("PARVIS_S3_ENDPOINT", "s3.example.org"),
            ][..],
            "PARVIS_S3_ENDPOINT",
        ),
        (
            &[
                ("PARVIS_S3_BUCKET", "parvis"),
                ("PARVIS_S3_REGION", "Paris 3"),
            ][..],
            "PARVIS_S3_REGION",
        ),
        (
            &[("PARVIS_S3_ENDPOINT", "https://s3.example.org")][..],
            "PARVIS_S3_BUCKET",
        ),
        (
            &[("PARVIS_S3_BUCKET", "parvis"), ("AWS_ACCESS_KEY_ID", "id")][..],
            "AWS_SECRET_ACCESS_KEY",
        ),
    ] {
        let error = with(vars).unwrap_err();
        assert!(format!("{error:#}").contains(named), "{vars:?}: {error:#}");
    }
    let s3 = with(&[
        ("PARVIS_S3_BUCKET", "parvis-rapports"),
        ("AWS_ACCESS_KEY_ID", "id"),
        ("AWS_SECRET_ACCESS_KEY", "tres-secret"),
    ])
    .unwrap()
    .s3
    .unwrap();
    assert_eq!(s3.region, "eu-west-3");
    assert!(s3.endpoint.is_none());
    // The secret never reaches a log line.
    assert!(!format!("{s3:?}").contains("tres-secret"));
    assert!(with(&[]).unwrap().s3.is_none());
}
