//! The public event documents served from memory: the agenda
//! (`GET /api/events` without filters) and each public event page
//! (`GET /api/events/{slug}`) are read thousands of times per write, so each
//! is kept as its JSON bytes, with its brotli and gzip copies (made on the
//! first request that accepts them) and a strong ETag per copy.
//!
//! These documents are the same for everyone: members-only events are
//! listed and shown to all (only registering needs an invitation), nothing
//! in them depends on who asks, so one copy serves every request.
//!
//! A document is served while all of these hold, and rebuilt (lazily, by
//! one request at a time per document, the others waiting for it) once one
//! fails:
//!
//! - **no write since**: [`Snapshot::bump`] raises a generation, which the
//!   [`track_writes`] layer does after every request that is not a GET,
//!   HEAD or OPTIONS (whatever its answer: a refused request may have
//!   written something first), and the job runner after each run. A
//!   document records the generation read before its own database reads,
//!   so a write that lands while it is built makes it stale at once;
//! - **no write elsewhere** (PostgreSQL, several replicas): triggers raise
//!   `read_versions.version` in every transaction that changes an event,
//!   its seats or its linked publication (migration 0016). Before
//!   answering, a request needs the version read by a query that started
//!   after the request arrived; one such query runs at a time, and it
//!   serves every request that arrived before it started, so a replica
//!   under load pays one indexed read per query round-trip, not per
//!   request. This works unchanged on Lambda, where a listener (LISTEN /
//!   NOTIFY) would be frozen between invocations and could miss or delay
//!   what happened meanwhile;
//! - **time has not changed it**: where registration stands and whether an
//!   event is past are computed at a given instant, so a document expires
//!   at the next opening, closing or end among its events;
//! - **it is younger than [`MAX_AGE`]**: what the rules above cannot see
//!   (a write whose client hung up before its answer, someone editing a
//!   SQLite file by hand) shows within that delay.
//!
//! Answers carry `Cache-Control: public, max-age=0, s-maxage=1,
//! must-revalidate`: a CDN answers a burst from its copy and asks the
//! origin again after one second, while a browser revalidates every time
//! (a 304 without body when nothing changed), so someone who just
//! registered never sees the seat counts from before their own
//! registration. No `stale-while-revalidate`: browsers honour it too.
//! The copies carry `Content-Encoding`, which tower-http's compression
//! layer leaves alone; the plain copy goes only to clients that accept
//! neither brotli nor gzip, which that layer could not compress either.

use std::collections::HashMap;
use std::future::Future;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, Utc};
use parvis_core::api::EventPublic;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::store::Store;

/// The longest a document is served without being rebuilt.
pub const MAX_AGE: Duration = Duration::from_secs(2);

/// What the documents' answers say to caches (see the module's notes).
pub const CACHE_CONTROL: &str = "public, max-age=0, s-maxage=1, must-revalidate";

/// Brotli quality of the copies: about as small as gzip's best for a few
/// kilobytes of JSON, in well under a millisecond.
const BROTLI_QUALITY: i32 = 6;

/// Which document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    /// `GET /api/events`, without filters.
    Agenda,
    /// `GET /api/events/{slug}`.
    Page(String),
}

/// One public document, as it is sent.
#[derive(Debug)]
pub struct Document {
    /// The JSON, as `axum::Json` would write it.
    json: Bytes,
    /// Hex of the first 16 bytes of the JSON's SHA-256: the same content
    /// gives the same tags, on every rebuild and every replica.
    hash: String,
    brotli: OnceLock<Bytes>,
    gzip: OnceLock<Bytes>,
    /// The write generation read before the document's database reads.
    generation: u64,
    /// The shared version read before them (PostgreSQL).
    version: Option<i64>,
    /// When it must be rebuilt anyway (a change of state in time, or
    /// [`MAX_AGE`]).
    expires: DateTime<Utc>,
}

/// The content codings a document is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// Brotli.
    Brotli,
    /// Gzip.
    Gzip,
    /// As is.
    Identity,
}

impl Coding {
    /// The coding for a request's `Accept-Encoding`: brotli, else gzip,
    /// when accepted with a quality above 0 (`*` included), else none.
    pub fn for_request(headers: &HeaderMap) -> Self {
        let mut brotli = None;
        let mut gzip = None;
        let mut any = None;
        for item in headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
        {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let accepted = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .next_back()
                .is_none_or(|q| q.trim().parse::<f32>().is_ok_and(|q| q > 0.0));
            match name.as_str() {
                "br" => brotli = Some(accepted),
                "gzip" | "x-gzip" => gzip = Some(accepted),
                "*" => any = Some(accepted),
                _ => {}
            }
        }
        if brotli.or(any) == Some(true) {
            Coding::Brotli
        } else if gzip.or(any) == Some(true) {
            Coding::Gzip
        } else {
            Coding::Identity
        }
    }
}

impl Document {
    fn new(json: Vec<u8>, generation: u64, version: Option<i64>, expires: DateTime<Utc>) -> Self {
        let digest = Sha256::digest(&json);
        let hash = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        Self {
            json: Bytes::from(json),
            hash,
            brotli: OnceLock::new(),
            gzip: OnceLock::new(),
            generation,
            version,
            expires,
        }
    }

    /// The JSON, uncompressed.
    pub fn json(&self) -> &Bytes {
        &self.json
    }

    /// The strong ETag of the document in `coding` (each coding is a
    /// representation of its own, with a tag of its own).
    pub fn etag(&self, coding: Coding) -> String {
        match coding {
            Coding::Brotli => format!("\"{}-br\"", self.hash),
            Coding::Gzip => format!("\"{}-gz\"", self.hash),
            Coding::Identity => format!("\"{}\"", self.hash),
        }
    }

    /// The body in `coding`, compressed once.
    pub fn body(&self, coding: Coding) -> Bytes {
        match coding {
            Coding::Identity => self.json.clone(),
            Coding::Brotli => self
                .brotli
                .get_or_init(|| {
                    let mut out = Vec::with_capacity(self.json.len() / 4);
                    let params = brotli::enc::BrotliEncoderParams {
                        quality: BROTLI_QUALITY,
                        ..Default::default()
                    };
                    brotli::BrotliCompress(&mut &self.json[..], &mut out, &params)
                        .expect("compressing to memory cannot fail");
                    Bytes::from(out)
                })
                .clone(),
            Coding::Gzip => self
                .gzip
                .get_or_init(|| {
                    let mut encoder = flate2::write::GzEncoder::new(
                        Vec::with_capacity(self.json.len() / 4),
                        flate2::Compression::new(6),
                    );
                    encoder
                        .write_all(&self.json)
                        .expect("compressing to memory cannot fail");
                    Bytes::from(encoder.finish().expect("compressing to memory cannot fail"))
                })
                .clone(),
        }
    }

    fn fresh(&self, generation: u64, version: Option<i64>, now: DateTime<Utc>) -> bool {
        self.generation == generation && self.version >= version && now < self.expires
    }

    /// The answer to a request with these headers: the body in the coding
    /// it accepts, or a 304 when it holds that copy's tag already.
    pub fn answer(&self, request: &HeaderMap) -> Response {
        let coding = Coding::for_request(request);
        let etag = self.etag(coding);
        let held = request
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|tag| tag.trim())
            // If-None-Match compares weakly: `W/` does not matter.
            .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag);
        let mut response = if held {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            response
        } else {
            let mut response = Response::new(Body::from(self.body(coding)));
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            match coding {
                Coding::Brotli => {
                    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
                }
                Coding::Gzip => {
                    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                }
                Coding::Identity => {}
            }
            response
        };
        let headers = response.headers_mut();
        headers.insert(
            header::ETAG,
            HeaderValue::from_str(&etag).expect("hex in quotes is a header value"),
        );
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        );
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        response
    }
}

/// The last shared version read, and when its query started.
#[derive(Debug, Default)]
struct Remote {
    last: Mutex<Option<(Instant, i64)>>,
    /// Held while a query runs: one at a time.
    query: tokio::sync::Mutex<()>,
}

impl Remote {
    /// A version read by a query that started after `arrival`.
    async fn version_since(&self, store: &dyn Store, arrival: Instant) -> anyhow::Result<i64> {
        let _turn = self.query.lock().await;
        if let Some((started, version)) = *self.last.lock().expect("not poisoned")
            && started > arrival
        {
            return Ok(version);
        }
        let started = Instant::now();
        let version = store
            .read_version()
            .await?
            .ok_or_else(|| anyhow::anyhow!("a shared store has a version"))?;
        let mut last = self.last.lock().expect("not poisoned");
        if last.is_none_or(|(at, _)| at < started) {
            *last = Some((started, version));
        }
        Ok(version)
    }
}

/// The documents of one process.
#[derive(Debug, Default)]
pub struct Snapshot {
    generation: AtomicU64,
    documents: Mutex<HashMap<Key, Arc<Document>>>,
    /// The lock of each document being built, while it is.
    building: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
    remote: Remote,
}

/// What a build gives: the value to send, and the instants at which time
/// changes it.
type Built<T> = (T, Vec<DateTime<Utc>>);

impl Snapshot {
    /// An empty snapshot: every document is built on its first request.
    pub fn new() -> Self {
        Self::default()
    }

    /// Says something may have changed: every document is rebuilt on its
    /// next request.
    pub fn bump(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The agenda without filters, as `GET /api/events` sends it.
    pub async fn agenda(&self, store: &Arc<dyn Store>) -> Result<Arc<Document>, AppError> {
        self.document(store, Key::Agenda, || async {
            let now = Utc::now();
            let events = store
                .list_events(&crate::store::EventFilter::default(), now)
                .await?;
            let mut changes = Vec::new();
            for event in &events {
                changes.extend(changes_of(event));
                // An event becomes past, and moves in the order, at its end.
                if let Some(last) = event.sessions.last() {
                    changes.push(last.ends_at.with_timezone(&Utc));
                }
            }
            let summaries: Vec<_> = events
                .iter()
                .map(|event| crate::routes::events::summary(event, now))
                .collect();
            Ok((summaries, changes))
        })
        .await
    }

    /// A public event page, as `GET /api/events/{slug}` sends it; an
    /// unknown slug or a draft is the same 404 as before, and is not kept.
    pub async fn page(
        &self,
        state: &crate::AppState,
        slug: &str,
    ) -> Result<Arc<Document>, AppError> {
        self.document(&state.store, Key::Page(slug.to_owned()), || async {
            let record = crate::routes::events::find(state, slug).await?;
            // Without a report of its own, the page links to its
            // publication's.
            let public = crate::store::publications::public_page(record);
            let changes = changes_of(&public).collect();
            Ok((public, changes))
        })
        .await
    }

    async fn document<T, F, Fut>(
        &self,
        store: &Arc<dyn Store>,
        key: Key,
        build: F,
    ) -> Result<Arc<Document>, AppError>
    where
        T: serde::Serialize,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Built<T>, AppError>>,
    {
        let version = if store.shared() {
            Some(
                self.remote
                    .version_since(store.as_ref(), Instant::now())
                    .await?,
            )
        } else {
            None
        };
        if let Some(document) = self.fresh(&key, version) {
            return Ok(document);
        }
        let lock = self
            .building
            .lock()
            .expect("not poisoned")
            .entry(key.clone())
            .or_default()
            .clone();
        let built = {
            let _turn = lock.lock().await;
            // Built by the request this one waited for?
            match self.fresh(&key, version) {
                Some(document) => Ok(document),
                None => self.build(&key, version, build).await,
            }
        };
        let mut building = self.building.lock().expect("not poisoned");
        // The last one out forgets the lock (the map holds one reference,
        // this request another).
        if Arc::strong_count(&lock) == 2 {
            building.remove(&key);
        }
        built
    }

    fn fresh(&self, key: &Key, version: Option<i64>) -> Option<Arc<Document>> {
        let generation = self.generation.load(Ordering::Acquire);
        let document = self
            .documents
            .lock()
            .expect("not poisoned")
            .get(key)
            .cloned()?;
        document
            .fresh(generation, version, Utc::now())
            .then_some(document)
    }

    async fn build<T, F, Fut>(
        &self,
        key: &Key,
        version: Option<i64>,
        build: F,
    ) -> Result<Arc<Document>, AppError>
    where
        T: serde::Serialize,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Built<T>, AppError>>,
    {
        // Read before the database: a write landing meanwhile makes this
        // document stale at once.
        let generation = self.generation.load(Ordering::Acquire);
        let started = Utc::now();
        let built = build().await;
        let (value, changes) = match built {
            Ok(built) => built,
            Err(error) => {
                // A page gone (deleted, back to draft) is forgotten.
                if matches!(error, AppError::NotFound(_)) {
                    self.documents.lock().expect("not poisoned").remove(key);
                }
                return Err(error);
            }
        };
        let json = serde_json::to_vec(&value).map_err(anyhow::Error::from)?;
        let expires = changes.into_iter().filter(|at| *at > started).fold(
            started + chrono::Duration::from_std(MAX_AGE).expect("a short delay"),
            DateTime::min,
        );
        let document = Arc::new(Document::new(json, generation, version, expires));
        self.documents
            .lock()
            .expect("not poisoned")
            .insert(key.clone(), document.clone());
        Ok(document)
    }
}

/// The instants at which where registration stands changes.
fn changes_of(event: &EventPublic) -> impl Iterator<Item = DateTime<Utc>> + '_ {
    event
        .registration
        .opens_at
        .iter()
        .chain([&event.registration.closes_at])
        .map(|at| at.with_timezone(&Utc))
}

/// The layer that says every request that may write (not GET, HEAD or
/// OPTIONS) changed the documents, once it has its answer.
pub async fn track_writes(
    State(snapshot): State<Arc<Snapshot>>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let response = next.run(request).await;
    if !safe {
        snapshot.bump();
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(value: &str) -> Coding {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, value.parse().unwrap());
        Coding::for_request(&headers)
    }

    #[test]
    fn the_coding_follows_accept_encoding() {
        assert_eq!(Coding::for_request(&HeaderMap::new()), Coding::Identity);
        assert_eq!(accepting("gzip, deflate, br, zstd"), Coding::Brotli);
        assert_eq!(accepting("gzip"), Coding::Gzip);
        assert_eq!(accepting("br;q=0, gzip;q=0.5"), Coding::Gzip);
        assert_eq!(accepting("br;q=0, gzip;q=0"), Coding::Identity);
        assert_eq!(accepting("*"), Coding::Brotli);
        assert_eq!(accepting("identity"), Coding::Identity);
        assert_eq!(accepting("deflate"), Coding::Identity);
    }

    #[test]
    fn a_document_answers_304_to_its_own_tag_only() {
        let document = Document::new(b"[1,2,3]".to_vec(), 0, None, Utc::now());
        let mut request = HeaderMap::new();
        request.insert(header::ACCEPT_ENCODING, "br".parse().unwrap());
        let first = document.answer(&request);
        assert_eq!(first.status(), StatusCode::OK);
        let tag = first.headers()[header::ETAG].clone();
        assert!(tag.to_str().unwrap().ends_with("-br\""));
        request.insert(header::IF_NONE_MATCH, tag.clone());
        let again = document.answer(&request);
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(again.headers()[header::ETAG], tag);
        assert_eq!(again.headers()[header::CACHE_CONTROL], CACHE_CONTROL);
        // The plain copy's tag is another representation's.
        request.remove(header::ACCEPT_ENCODING);
        assert_eq!(document.answer(&request).status(), StatusCode::OK);
    }
}
