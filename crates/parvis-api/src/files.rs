//! File storage: the study reports' PDFs, in a local directory (the
//! default, `{PARVIS_DATA_DIR}/fichiers`) or in an S3-compatible bucket
//! (`PARVIS_S3_BUCKET`), both through the `object_store` crate.
//!
//! The store only keeps bytes under keys (`publications/…/….pdf`, chosen by
//! the caller); what a file is (its name, size, type and the SHA-256 of its
//! content, its ETag) is the database's. [`Files::serve`] answers a download
//! with the same HTTP semantics on both backends:
//!
//! - `ETag` and `If-None-Match` (`*`, lists, weak tags) → 304;
//! - one `Range` (`bytes=a-b`, `a-`, `-n`) → 206 reading only that part of
//!   the object; past the end → 416; several ranges, or an `If-Range` with
//!   another tag, → the whole file;
//! - a streamed body, never the whole file in memory;
//! - `Content-Disposition: attachment` and `Content-Security-Policy:
//!   sandbox` with `nosniff`: an uploaded file is never rendered by the
//!   browser as a page of the site's origin, whatever its bytes.

use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt as _;
use object_store::path::Path as Key;
use object_store::{
    GetOptions, GetRange, GetResultPayload, ObjectStore, ObjectStoreExt as _, PutPayload,
};
use parvis_core::api::{ApiError, FieldErrors};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::{Digest as _, Sha256};

use crate::config::{Config, S3Settings};
use crate::error::AppError;

/// The store of uploaded files.
#[derive(Clone)]
pub struct Files {
    store: Arc<dyn ObjectStore>,
    backend: &'static str,
}

impl fmt::Debug for Files {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Files")
            .field("backend", &self.backend)
            .field("store", &self.store.to_string())
            .finish()
    }
}

/// What a download says about its file (from the database).
#[derive(Debug, Clone, Copy)]
pub struct Served<'a> {
    /// The file name offered to the browser (`Rapport d'étude.pdf`).
    pub name: &'a str,
    /// Its size in bytes.
    pub size: u64,
    /// The SHA-256 of its content in hex ([`content_hash`], computed at
    /// upload): the ETag.
    pub etag: &'a str,
    /// Its type (`application/pdf`).
    pub content_type: &'a str,
}

/// The SHA-256 of a file's content, in lower-case hex: its ETag.
pub fn content_hash(content: &[u8]) -> String {
    let digest = Sha256::digest(content);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        use std::fmt::Write as _;
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

impl Files {
    /// The store the settings ask for: S3 when `PARVIS_S3_BUCKET` is set,
    /// else `{PARVIS_DATA_DIR}/fichiers`.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        match &config.s3 {
            Some(s3) => Self::s3(s3),
            None => Self::local(&config.files_dir()),
        }
    }

    /// A local directory, created readable by the server's user only.
    pub fn local(dir: &Path) -> anyhow::Result<Self> {
        crate::store::private_dir(dir)
            .with_context(|| format!("failed to create the file directory {}", dir.display()))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .with_context(|| format!("failed to open the file directory {}", dir.display()))?;
        Ok(Self {
            store: Arc::new(store),
            backend: "local",
        })
    }

    /// An S3-compatible bucket: credentials and the rest from the standard
    /// `AWS_*` variables, overridden by the settings.
    pub fn s3(settings: &S3Settings) -> anyhow::Result<Self> {
        let mut builder = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                // S3-compatible servers rarely have a name per bucket.
                .with_virtual_hosted_style_request(false);
        }
        if let (Some(id), Some(secret)) = (&settings.access_key_id, &settings.secret_access_key) {
            builder = builder
                .with_access_key_id(id)
                .with_secret_access_key(secret);
            if let Some(token) = &settings.session_token {
                builder = builder.with_token(token);
            }
        }
        let store = builder.build().with_context(|| {
            format!(
                "PARVIS_S3_BUCKET: cannot use the bucket {}",
                settings.bucket
            )
        })?;
        Ok(Self {
            store: Arc::new(store),
            backend: "s3",
        })
    }

    /// Which backend: `"local"` or `"s3"` (for logs).
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// Stores `content` under `key` (`publications/12/3f2a….pdf`), replacing
    /// what was there.
    pub async fn put(&self, key: &str, content: Bytes) -> anyhow::Result<()> {
        let path = parse_key(key)?;
        self.store
            .put(&path, PutPayload::from_bytes(content))
            .await
            .with_context(|| format!("failed to store the file {key} ({})", self.backend))?;
        Ok(())
    }

    /// Removes the file under `key`; a missing one is not an error.
    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        let path = parse_key(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(anyhow::Error::new(error).context(format!(
                "failed to delete the file {key} ({})",
                self.backend
            ))),
        }
    }

    /// The whole content under `key` (tests, small files).
    pub async fn read(&self, key: &str) -> anyhow::Result<Bytes> {
        let path = parse_key(key)?;
        Ok(self.store.get(&path).await?.bytes().await?)
    }

    /// Answers a download of the file under `key` (`GET`, and `HEAD`
    /// through axum, which drops the body): conditional, ranges, headers.
    /// `Cache-Control` is `private, max-age=0, must-revalidate`; a caller
    /// serving a public file may replace it.
    pub async fn serve(
        &self,
        key: &str,
        file: &Served<'_>,
        request: &HeaderMap,
    ) -> Result<Response, AppError> {
        self.serve_method(key, file, &Method::GET, request).await
    }

    /// [`Files::serve`], knowing the method: a `HEAD` only asks the store
    /// whether the file is there, instead of starting to read it.
    pub async fn serve_method(
        &self,
        key: &str,
        file: &Served<'_>,
        method: &Method,
        request: &HeaderMap,
    ) -> Result<Response, AppError> {
        let path = parse_key(key)?;
        let etag = HeaderValue::from_str(&format!("\"{}\"", file.etag))
            .context("an ETag is a hex digest")?;
        let mut headers = HeaderMap::new();
        headers.insert(header::ETAG, etag);
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, max-age=0, must-revalidate"),
        );
        headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        if none_match(request, file.etag) {
            return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
        }
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(file.content_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        );
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&content_disposition(file.name))
                .context("a Content-Disposition is ASCII")?,
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox"),
        );
        let range = if if_range_holds(request, file.etag) {
            requested_range(request, file.size)
        } else {
            Requested::Whole
        };
        let (status, options) = match range {
            Requested::Whole => (StatusCode::OK, GetOptions::default()),
            Requested::Part(start, end) => {
                headers.insert(
                    header::CONTENT_RANGE,
                    HeaderValue::from_str(&format!("bytes {start}-{}/{}", end - 1, file.size))
                        .context("a Content-Range is ASCII")?,
                );
                (
                    StatusCode::PARTIAL_CONTENT,
                    GetOptions {
                        range: Some(GetRange::Bounded(start..end)),
                        ..GetOptions::default()
                    },
                )
            }
            Requested::Unsatisfiable => {
                return Ok(unsatisfiable(file.size, headers));
            }
        };
        if method == Method::HEAD {
            let length = match options.range {
                Some(GetRange::Bounded(range)) => range.end - range.start,
                _ => file.size,
            };
            return match self.store.head(&path).await {
                Ok(_) => {
                    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
                    Ok((status, headers).into_response())
                }
                Err(error) => Err(self.read_error(key, error)),
            };
        }
        let result = match self.store.get_opts(&path, options).await {
            Ok(result) => result,
            Err(error) => return Err(self.read_error(key, error)),
        };
        if result.meta.size != file.size {
            tracing::error!(
                key,
                backend = self.backend,
                recorded = file.size,
                stored = result.meta.size,
                "a stored file's size differs from its record"
            );
        }
        let length = result.range.end - result.range.start;
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        let backend = self.backend;
        let body = match result.payload {
            // object_store reads a local file 8 KiB per blocking task; in
            // larger chunks, a download goes several times faster.
            GetResultPayload::File(file, _) => Body::from_stream(
                read_file(file, result.range).map(move |chunk| broke_off(chunk, backend)),
            ),
            GetResultPayload::Stream(stream) => {
                Body::from_stream(stream.map(move |chunk| broke_off(chunk, backend)))
            }
        };
        Ok((status, headers, body).into_response())
    }
}

impl Files {
    /// The error of a file that cannot be read: 404 when it is missing.
    fn read_error(&self, key: &str, error: object_store::Error) -> AppError {
        match error {
            object_store::Error::NotFound { .. } => {
                tracing::warn!(key, backend = self.backend, "a recorded file is missing");
                missing()
            }
            error => AppError::Internal(
                anyhow::Error::new(error)
                    .context(format!("failed to read the file {key} ({})", self.backend)),
            ),
        }
    }
}

/// What a download reads from a local file at a time.
const FILE_CHUNK: usize = 128 * 1024;

/// `range` of a local file, [`FILE_CHUNK`] bytes per blocking read.
fn read_file(
    file: std::fs::File,
    range: Range<u64>,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let file = Arc::new(file);
    futures_util::stream::try_unfold(range, move |range| {
        let file = file.clone();
        async move {
            if range.start >= range.end {
                return Ok(None);
            }
            let want = usize::try_from(range.end - range.start)
                .unwrap_or(usize::MAX)
                .min(FILE_CHUNK);
            let at = range.start;
            let chunk = tokio::task::spawn_blocking(move || {
                use std::os::unix::fs::FileExt as _;
                let mut buffer = vec![0; want];
                let read = file.read_at(&mut buffer, at)?;
                if read == 0 {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the file ended before its recorded size",
                    ));
                }
                buffer.truncate(read);
                Ok(Bytes::from(buffer))
            })
            .await
            .map_err(std::io::Error::other)??;
            let next = range.start + chunk.len() as u64;
            Ok(Some((chunk, next..range.end)))
        }
    })
}

/// Logs a chunk that could not be read: the download breaks off there.
fn broke_off<T, E: fmt::Display>(chunk: Result<T, E>, backend: &'static str) -> Result<T, E> {
    chunk.inspect_err(|error| {
        tracing::error!(
            error = %error,
            backend,
            "a file download broke off while reading the store"
        );
    })
}

/// The French 404 of a missing file.
fn missing() -> AppError {
    AppError::NotFound("Ce fichier n'existe pas ou a été retiré.".to_owned())
}

/// A store key from our own (checked) key text.
fn parse_key(key: &str) -> anyhow::Result<Key> {
    Key::parse(key).with_context(|| format!("not a valid file key: {key}"))
}

/// What the `Range` header asks for, once checked against the size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Requested {
    /// No range, several, or one that cannot be read: the whole file.
    Whole,
    /// Bytes `start..end` (end excluded).
    Part(u64, u64),
    /// A range past the end: 416.
    Unsatisfiable,
}

/// Reads a single `bytes=` range (RFC 9110, 14.1.2); anything the server
/// does not support (other units, several ranges) or cannot read means the
/// whole file, as the RFC allows.
fn requested_range(request: &HeaderMap, size: u64) -> Requested {
    let mut values = request.get_all(header::RANGE).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return Requested::Whole;
    };
    let Some(spec) = value.to_str().ok().map(str::trim).and_then(|v| {
        v.get(..6)
            .filter(|unit| unit.eq_ignore_ascii_case("bytes="))
            .map(|_| &v[6..])
    }) else {
        return Requested::Whole;
    };
    if spec.contains(',') {
        return Requested::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Requested::Whole;
    };
    let number = |text: &str| {
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u64>().ok())
            .flatten()
    };
    match (first.trim(), last.trim()) {
        ("", suffix) => match number(suffix) {
            None => Requested::Whole,
            Some(0) => Requested::Unsatisfiable,
            Some(_) if size == 0 => Requested::Unsatisfiable,
            Some(n) => Requested::Part(size - n.min(size), size),
        },
        (first, "") => match number(first) {
            None => Requested::Whole,
            Some(start) if start >= size => Requested::Unsatisfiable,
            Some(start) => Requested::Part(start, size),
        },
        (first, last) => match (number(first), number(last)) {
            (Some(start), Some(last)) if start <= last => {
                if start >= size {
                    Requested::Unsatisfiable
                } else {
                    Requested::Part(start, last.min(size - 1) + 1)
                }
            }
            _ => Requested::Whole,
        },
    }
}

/// The entity tags of an `If-None-Match` or `If-Range` header, without
/// their quotes; `W/` (weak) is noted.
fn tags(value: &str) -> impl Iterator<Item = (bool, &str)> {
    value.split(',').filter_map(|tag| {
        let tag = tag.trim();
        let (weak, tag) = match tag.strip_prefix("W/") {
            Some(rest) => (true, rest),
            None => (false, tag),
        };
        let tag = tag.strip_prefix('"')?.strip_suffix('"')?;
        Some((weak, tag))
    })
}

/// True when `If-None-Match` names this file (weak comparison, `*`
/// included): the client's copy is current.
fn none_match(request: &HeaderMap, etag: &str) -> bool {
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.trim() == "*" || tags(value).any(|(_, tag)| tag == etag))
}

/// True when there is no `If-Range`, or when it names this file strongly:
/// a range of another version (or a date, as no `Last-Modified` is sent)
/// means the whole file.
fn if_range_holds(request: &HeaderMap, etag: &str) -> bool {
    match request.get(header::IF_RANGE) {
        None => true,
        Some(value) => value.to_str().is_ok_and(|value| {
            let value = value.trim();
            value.starts_with('"')
                && tags(value)
                    .next()
                    .is_some_and(|(weak, tag)| !weak && tag == etag)
        }),
    }
}

/// The 416 of a range past the end, with the size in `Content-Range`; a
/// JSON body in the one error shape.
fn unsatisfiable(size: u64, mut headers: HeaderMap) -> Response {
    for name in [
        header::CONTENT_DISPOSITION,
        header::CONTENT_TYPE,
        header::CONTENT_SECURITY_POLICY,
    ] {
        headers.remove(name);
    }
    headers.insert(
        header::CONTENT_RANGE,
        HeaderValue::from_str(&format!("bytes */{size}")).expect("digits are ASCII"),
    );
    let body = ApiError {
        code: "range_not_satisfiable".to_owned(),
        message: format!("La partie demandée dépasse la fin du fichier ({size} octets)."),
        fields: FieldErrors::default(),
    };
    (StatusCode::RANGE_NOT_SATISFIABLE, headers, axum::Json(body)).into_response()
}

/// The characters RFC 8187 lets through unencoded in `filename*`.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment; filename="ascii"; filename*=UTF-8''encoded`: the name as
/// given for browsers that read RFC 6266's `filename*`, and an ASCII copy
/// (accents dropped) for the others. Path separators and control
/// characters become `_` in both.
pub fn content_disposition(name: &str) -> String {
    let clean: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_control() || c == '/' || c == '\\' {
                '_'
            } else {
                c
            }
        })
        .collect();
    let clean = if clean.is_empty() {
        "document.pdf".to_owned()
    } else {
        clean
    };
    let mut ascii = String::with_capacity(clean.len());
    for c in clean.chars() {
        match c {
            '"' => ascii.push('\''),
            c if c.is_ascii() => ascii.push(c),
            c => ascii.push_str(fold(c)),
        }
    }
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        utf8_percent_encode(&clean, ATTR_CHAR)
    )
}

/// A non-ASCII character's nearest ASCII spelling (French letters and
/// common punctuation), `_` for the rest.
fn fold(c: char) -> &'static str {
    match c {
        'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => "a",
        'À' | 'Â' | 'Ä' | 'Á' | 'Ã' | 'Å' => "A",
        'é' | 'è' | 'ê' | 'ë' => "e",
        'É' | 'È' | 'Ê' | 'Ë' => "E",
        'î' | 'ï' | 'í' | 'ì' => "i",
        'Î' | 'Ï' | 'Í' | 'Ì' => "I",
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' => "o",
        'Ô' | 'Ö' | 'Ó' | 'Ò' | 'Õ' => "O",
        'ù' | 'û' | 'ü' | 'ú' => "u",
        'Ù' | 'Û' | 'Ü' | 'Ú' => "U",
        'ç' => "c",
        'Ç' => "C",
        'ÿ' => "y",
        'Ÿ' => "Y",
        'ñ' => "n",
        'Ñ' => "N",
        'œ' => "oe",
        'Œ' => "OE",
        'æ' => "ae",
        'Æ' => "AE",
        '’' | '‘' => "'",
        '«' | '»' | '“' | '”' => "'",
        '–' | '—' => "-",
        '·' => ".",
        '\u{a0}' | '\u{202f}' => " ",
        _ => "_",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(value: &str, size: u64) -> Requested {
        let mut headers = HeaderMap::new();
        headers.insert(header::RANGE, HeaderValue::from_str(value).unwrap());
        requested_range(&headers, size)
    }

    #[test]
    fn single_byte_ranges_are_read_and_others_mean_the_whole_file() {
        assert_eq!(range("bytes=0-99", 1000), Requested::Part(0, 100));
        assert_eq!(range("bytes=900-", 1000), Requested::Part(900, 1000));
        assert_eq!(range("bytes=-100", 1000), Requested::Part(900, 1000));
        assert_eq!(range("bytes=-5000", 1000), Requested::Part(0, 1000));
        assert_eq!(range("bytes=990-2000", 1000), Requested::Part(990, 1000));
        assert_eq!(range("BYTES=1-1", 1000), Requested::Part(1, 2));
        assert_eq!(range("bytes=1000-", 1000), Requested::Unsatisfiable);
        assert_eq!(range("bytes=1000-1001", 1000), Requested::Unsatisfiable);
        assert_eq!(range("bytes=-0", 1000), Requested::Unsatisfiable);
        assert_eq!(range("bytes=0-", 0), Requested::Unsatisfiable);
        assert_eq!(range("bytes=0-1,5-6", 1000), Requested::Whole);
        assert_eq!(range("bytes=5-1", 1000), Requested::Whole);
        assert_eq!(range("bytes=a-b", 1000), Requested::Whole);
        assert_eq!(range("bytes=+1-2", 1000), Requested::Whole);
        assert_eq!(range("items=0-1", 1000), Requested::Whole);
        assert_eq!(range("bytes=", 1000), Requested::Whole);
        assert_eq!(requested_range(&HeaderMap::new(), 1000), Requested::Whole);
    }

    #[test]
    fn if_none_match_compares_weakly_and_if_range_strongly() {
        let with = |name, value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(name, HeaderValue::from_str(value).unwrap());
            headers
        };
        assert!(none_match(&with(header::IF_NONE_MATCH, "\"abc\""), "abc"));
        assert!(none_match(&with(header::IF_NONE_MATCH, "W/\"abc\""), "abc"));
        assert!(none_match(
            &with(header::IF_NONE_MATCH, "\"x\", W/\"abc\""),
            "abc"
        ));
        assert!(none_match(&with(header::IF_NONE_MATCH, "*"), "abc"));
        assert!(!none_match(&with(header::IF_NONE_MATCH, "\"abcd\""), "abc"));
        assert!(!none_match(&with(header::IF_NONE_MATCH, "abc"), "abc"));
        assert!(!none_match(&HeaderMap::new(), "abc"));
        assert!(if_range_holds(&HeaderMap::new(), "abc"));
        assert!(if_range_holds(&with(header::IF_RANGE, "\"abc\""), "abc"));
        assert!(!if_range_holds(&with(header::IF_RANGE, "W/\"abc\""), "abc"));
        assert!(!if_range_holds(&with(header::IF_RANGE, "\"old\""), "abc"));
        assert!(!if_range_holds(
            &with(header::IF_RANGE, "Tue, 24 Nov 2026 06:00:00 GMT"),
            "abc"
        ));
    }

    #[test]
    fn a_french_name_gets_an_ascii_copy_and_an_encoded_original() {
        assert_eq!(
            content_disposition("Synthèse « Vivre ensemble » 2025.pdf"),
            "attachment; filename=\"Synthese ' Vivre ensemble ' 2025.pdf\"; \
             filename*=UTF-8''Synth%C3%A8se%20%C2%AB%20Vivre%20ensemble%20%C2%BB%202025.pdf"
        );
        assert_eq!(
            content_disposition("../a\"b\r\n.pdf"),
            "attachment; filename=\".._a'b__.pdf\"; filename*=UTF-8''.._a%22b__.pdf"
        );
        assert_eq!(
            content_disposition("Œuvre d’été.pdf"),
            "attachment; filename=\"OEuvre d'ete.pdf\"; \
             filename*=UTF-8''%C5%92uvre%20d%E2%80%99%C3%A9t%C3%A9.pdf"
        );
        assert!(content_disposition("").contains("document.pdf"));
    }

    #[test]
    fn the_content_hash_is_sha256_hex() {
        assert_eq!(
            content_hash(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
