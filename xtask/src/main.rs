//! `cargo xtask`: the project's own tool belt.
//!
//! - `run`: install what is missing, build the app (trunk, release) and the
//!   endpoint, start it, print the address.
//! - `test`: every check of the project, the same locally and in CI.
//! - `bench`: sizes of the app and throughput/latency of the endpoint.
//! - `setup`: only install what is missing.
//! - `lambda`: build the Lambda function as it is deployed.
//!
//! Modules: [`setup`] installs tools, [`postgres`] finds or starts a
//! PostgreSQL server, [`server`] starts the endpoint as a child process,
//! [`lambda`] drives `cargo lambda`, [`http`] is a tiny HTTP/1.1 client for
//! health checks and the load generator, [`test`] and [`bench`] are the two
//! long commands.

mod bench;
mod compress;
mod http;
mod lambda;
mod postgres;
mod server;
mod setup;
mod test;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  run     [--addr A] [--data-dir D] [--public-url U] [--smtp-url S]
          install what is missing, build the app and the endpoint, start Parvis
  test    run every check (format, lints, unit, integration, browser, end-to-end)
  bench   print app sizes and endpoint throughput/latency
  setup   install what is missing (wasm target, trunk, wasm-bindgen, npm tools)
  lambda  build the AWS Lambda function as it is deployed (target/lambda/parvis-lambda/bootstrap)";

fn main() {
    if let Err(error) = run() {
        eprintln!("xtask: erreur : {error:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("run") => run_parvis(&root, &args[1..]),
        Some("test") => test::all(&root),
        Some("bench") => bench::all(&root),
        Some("setup") => setup::build_tools(&root),
        Some("lambda") => {
            let binary = lambda::build(&root)?;
            println!(
                "{} ({:.1} Mo)",
                binary.display(),
                std::fs::metadata(&binary)?.len() as f64 / 1e6
            );
            Ok(())
        }
        Some("-h" | "--help" | "help") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

/// The workspace root (the parent of `xtask/`).
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Runs a command, echoing it, and fails with its name when it fails.
pub fn sh(command: &mut Command) -> Result<()> {
    let shown = format!("{command:?}").replace('"', "");
    println!("» {shown}");
    let status = command
        .status()
        .with_context(|| format!("could not start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

/// `cargo` with the same toolchain as this xtask.
pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// PATH with `node_modules/.bin` first (wasm-opt from npm's binaryen) and
/// cargo's bin directory (trunk, wasm-bindgen).
pub fn tool_path(root: &Path) -> String {
    let mut parts = vec![root.join("node_modules/.bin").display().to_string()];
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        parts.push(Path::new(&home).join("bin").display().to_string());
    } else if let Some(home) = std::env::var_os("HOME") {
        parts.push(Path::new(&home).join(".cargo/bin").display().to_string());
    }
    parts.push(std::env::var("PATH").unwrap_or_default());
    parts.join(":")
}

/// Builds the agenda in release into `dist/`, the event and registration
/// pages into `dist/inscription/`, the back-office into `dist/gestion/` (its
/// areas into its subfolders), the
/// feedback page into `dist/avis/` and the publications catalogue into
/// `dist/publications/` with trunk, offline, then precompresses every file.
pub fn build_app(root: &Path) -> Result<()> {
    let flags = wasm_rustflags(root);
    sh(Command::new("trunk")
        .args(["build", "--release", "--offline"])
        .env("PATH", tool_path(root))
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", &flags)
        .current_dir(root))?;
    // The other pages are builds of their own, each under its prefix, so
    // the public first visit never downloads them (built after the agenda,
    // which empties dist/): the event, registration and personal pages
    // (/evenements/{slug}, /inscription/{token}…), the back-office
    // (/gestion/), the participants' feedback page (/avis/{token}) and the
    // publications catalogue (/publications, /publications/{slug}). The
    // files of the registration, feedback and catalogue builds share a page's
    // prefix (`/avis/avis-<hash>.js`), which the shell tells from tokens and
    // slugs by their dot.
    for (dist, public_url, entry) in [
        ("dist/inscription", "/inscription/", "inscription.html"),
        ("dist/gestion", "/gestion/", "gestion.html"),
        // The back-office's areas, each under the home build's folder
        // (built after it, which empties dist/gestion/).
        (
            "dist/gestion/editeur",
            "/gestion/editeur/",
            "gestion-editeur.html",
        ),
        (
            "dist/gestion/inscrits",
            "/gestion/inscrits/",
            "gestion-inscrits.html",
        ),
        ("dist/gestion/avis", "/gestion/avis/", "gestion-avis.html"),
        (
            "dist/gestion/publications",
            "/gestion/publications/",
            "gestion-publications.html",
        ),
        ("dist/avis", "/avis/", "avis.html"),
        ("dist/publications", "/publications/", "publications.html"),
    ] {
        sh(Command::new("trunk")
            .args(["build", "--release=true", "--offline=true", "--dist", dist])
            .args(["--public-url", public_url, entry])
            .env("PATH", tool_path(root))
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", &flags)
            .current_dir(root))?;
    }
    compress::precompress(&root.join("dist"))
}

/// The release wasm's compiler flags: those of `.cargo/config.toml`, plus
/// short source paths. Panic messages keep the file of their location, and
/// `/root/.cargo/registry/src/index.crates.io-…/` in front of each of a
/// hundred files costs 2 KB of brotli on every first visit.
fn wasm_rustflags(root: &Path) -> String {
    let mut flags = vec!["--cfg erase_components".to_owned()];
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
    if let Some(registries) = cargo_home.map(|home| home.join("registry/src"))
        && let Ok(entries) = std::fs::read_dir(registries)
    {
        for entry in entries.flatten() {
            flags.push(format!("--remap-path-prefix={}=/c", entry.path().display()));
        }
    }
    flags.push(format!("--remap-path-prefix={}=/p", root.display()));
    flags.join(" ")
}

/// Installs what is missing, builds the release app into `dist/` and the
/// release server; returns the server's path.
pub fn build_release(root: &Path) -> Result<PathBuf> {
    setup::build_tools(root)?;
    build_app(root)?;
    sh(cargo().args([
        "build",
        "--release",
        "-p",
        "parvis-api",
        "--bin",
        "parvis-server",
    ]))?;
    Ok(root.join("target/release/parvis-server"))
}

fn run_parvis(root: &Path, args: &[String]) -> Result<()> {
    let mut env: Vec<(&str, String)> = Vec::new();
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        let key = match flag.as_str() {
            "--addr" => "PARVIS_ADDR",
            "--data-dir" => "PARVIS_DATA_DIR",
            "--public-url" => "PARVIS_PUBLIC_URL",
            "--smtp-url" => "PARVIS_SMTP_URL",
            other => bail!("unknown flag `{other}`\n\n{USAGE}"),
        };
        let value = iter
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        env.push((key, value.clone()));
    }
    let server = build_release(root)?;
    let mut command = Command::new(server);
    command.env("PARVIS_APP_DIR", root.join("dist"));
    for (key, value) in env {
        command.env(key, value);
    }
    println!("Démarrage de Parvis (Ctrl+C pour arrêter)…");
    sh(&mut command)
}
