//! Compression of the built app: the sizes the bench prints, and the
//! brotli and gzip copies written next to each text file of `dist/`, so the
//! server (or a CDN) sends them without compressing on any request.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// The file kinds worth compressing (the PDFs and images already are).
const TEXT: &[&str] = &[
    "wasm", "js", "css", "html", "svg", "txt", "json", "xml", "ics",
];

/// Gzip at its best level.
pub fn gzip(raw: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(raw)?;
    Ok(encoder.finish()?)
}

/// Brotli at its best quality.
pub fn brotli(raw: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    brotli::BrotliCompress(
        &mut &raw[..],
        &mut out,
        &brotli::enc::BrotliEncoderParams {
            quality: 11,
            lgwin: 22,
            ..Default::default()
        },
    )?;
    Ok(out)
}

/// Writes `file.br` and `file.gz` next to every text file below `dir`.
pub fn precompress(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("{} is missing", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            precompress(&path)?;
            continue;
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if !TEXT.contains(&ext) {
            continue;
        }
        let raw = std::fs::read(&path)?;
        let mut name = path.as_os_str().to_owned();
        name.push(".br");
        std::fs::write(&name, brotli(&raw)?)?;
        let mut name = path.as_os_str().to_owned();
        name.push(".gz");
        std::fs::write(&name, gzip(&raw)?)?;
    }
    Ok(())
}
