//! The Lambda entry point, proven with the real runtime interface:
//! `cargo lambda watch` (PyPI package `cargo-lambda`) emulates the Lambda
//! control plane locally, and `cargo lambda invoke` sends it the API Gateway
//! v2 / function URL events kept in `crates/parvis-api/events/`.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::server::free_port;
use crate::setup::output;
use crate::{cargo, sh};

/// Installs cargo-lambda from PyPI when missing.
pub fn ensure_cargo_lambda() -> Result<()> {
    if output(cargo().args(["lambda", "--help"])).is_some() {
        return Ok(());
    }
    sh(Command::new("python3").args(["-m", "pip", "install", "--quiet", "cargo-lambda"]))?;
    // pyenv installs console scripts behind shims that need a rehash.
    let _ = Command::new("pyenv").arg("rehash").status();
    if output(cargo().args(["lambda", "--help"])).is_none() {
        bail!(
            "cargo-lambda was installed but `cargo lambda` does not run: is pip's bin directory on PATH?"
        );
    }
    Ok(())
}

/// `cargo lambda watch`, killed with its whole process group when dropped.
struct Watch(Child);

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.wait();
    }
}

/// Each event file, the status it must get and a text its body must hold.
const CASES: [(&str, u16, &str); 4] = [
    ("health.json", 200, "\"ok\""),
    (
        "events-upcoming.json",
        200,
        "webinaire-ceq-2030-ctg-restitution",
    ),
    ("register.json", 201, "confirmed"),
    ("register-invalid.json", 422, "n'est pas valide"),
];

/// Starts the function under `cargo lambda watch`, built as it is deployed
/// (without SQLite) and on the PostgreSQL database `database_url`, and
/// invokes it with every event file, checking each response.
pub fn smoke_test(root: &Path, database_url: &str) -> Result<()> {
    ensure_cargo_lambda()?;
    let settings = function_settings(root, database_url)?;
    let port = free_port()?.to_string();
    let env = settings
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join(",");
    println!("» cargo lambda watch --bin parvis-lambda, on PostgreSQL (port {port})");
    let child = cargo()
        .args([
            "lambda",
            "watch",
            "--ignore-changes",
            "-p",
            "parvis-api",
            "--bin",
            "parvis-lambda",
            "--no-default-features",
        ])
        .args(["--invoke-port", &port, "--env-var", &env])
        .stdout(Stdio::null())
        .process_group(0)
        .spawn()
        .context("could not start cargo lambda watch")?;
    let _watch = Watch(child);
    // The first invocation waits for the debug build.
    check_cases(root, &port, "parvis-lambda", Duration::from_secs(600))?;
    // The same build with the same settings but the PostgreSQL address must
    // refuse to start and say which setting is missing, rather than open a
    // SQLite file on a disk that goes with the instance.
    let out = Command::new(root.join("target/debug/parvis-lambda"))
        .env_clear()
        .envs(
            settings
                .iter()
                .filter(|(name, _)| *name != "PARVIS_DATABASE_URL")
                .map(|(name, value)| (*name, value)),
        )
        .output()
        .context("could not run target/debug/parvis-lambda")?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() || !stderr.contains("PARVIS_DATABASE_URL") {
        bail!("without PARVIS_DATABASE_URL the function must refuse, naming it; got: {stderr}");
    }
    println!("  sans PARVIS_DATABASE_URL : refus ✓");
    Ok(())
}

/// The function's settings for both checks, on the PostgreSQL database
/// `database_url`, with an emptied data directory (the outbox, the files).
fn function_settings(root: &Path, database_url: &str) -> Result<[(&'static str, String); 4]> {
    let data = root.join("target/lambda-data");
    if data.exists() {
        std::fs::remove_dir_all(&data)?;
    }
    Ok([
        ("PARVIS_DATA_DIR", data.display().to_string()),
        ("PARVIS_DATABASE_URL", database_url.to_owned()),
        ("PARVIS_PUBLIC_URL", "https://parvis.example.org".to_owned()),
        ("PARVIS_LOG", "warn".to_owned()),
    ])
}

/// Invokes the function `function` with every event file, checking each
/// response; an invocation is retried until `limit` while the function is
/// not up yet.
fn check_cases(root: &Path, port: &str, function: &str, limit: Duration) -> Result<()> {
    let events = root.join("crates/parvis-api/events");
    for (file, status, needle) in CASES {
        let response = invoke(port, function, &events.join(file), limit)?;
        let json: serde_json::Value = serde_json::from_str(&response)
            .with_context(|| format!("{file}: the answer is not JSON: {response}"))?;
        let got = json["statusCode"].as_u64().unwrap_or_default();
        let body = json["body"].as_str().unwrap_or_default();
        if got != u64::from(status) || !body.contains(needle) {
            bail!("{file}: expected {status} with {needle:?}, got {got}: {body}");
        }
        println!("  {file}: {got} ✓");
    }
    Ok(())
}

/// Runs the deployed binary itself (what [`build`] produced, not a debug
/// build) against the runtime API of `cargo lambda watch --only-lambda-apis`,
/// on the PostgreSQL database `database_url`, and checks every event file's
/// response: the bench's proof that the function it measures works.
pub fn check_deployed(root: &Path, binary: &Path, database_url: &str) -> Result<()> {
    ensure_cargo_lambda()?;
    let settings = function_settings(root, database_url)?;
    let port = free_port()?.to_string();
    let api = cargo()
        .args([
            "lambda",
            "watch",
            "--only-lambda-apis",
            "--invoke-port",
            &port,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .context("could not start cargo lambda watch --only-lambda-apis")?;
    let _api = Watch(api);
    let function = Command::new(binary)
        .env_clear()
        .env(
            "AWS_LAMBDA_RUNTIME_API",
            format!("http://127.0.0.1:{port}/.rt"),
        )
        .env("AWS_LAMBDA_FUNCTION_NAME", "_")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .envs(settings)
        .stdout(Stdio::null())
        .process_group(0)
        .spawn()
        .with_context(|| format!("could not start {}", binary.display()))?;
    let _function = Watch(function);
    // With `--only-lambda-apis`, the runtime API at `/.rt` serves the
    // function named `_`.
    check_cases(root, &port, "_", Duration::from_secs(60))
}

/// Invokes the function, retrying while it is still being built.
fn invoke(port: &str, function: &str, event: &Path, limit: Duration) -> Result<String> {
    let start = Instant::now();
    loop {
        let out = cargo()
            .args([
                "lambda",
                "invoke",
                function,
                "--invoke-port",
                port,
                "--output-format",
                "json",
                "--data-file",
            ])
            .arg(event)
            .output()?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        if start.elapsed() > limit {
            bail!(
                "cargo lambda invoke failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_secs(2));
    }
}

/// Builds the function as Lambda deploys it (`cargo xtask lambda`, and the
/// bench's size figure): the size-optimised `lambda-release` profile, and
/// a position-dependent executable (`-C relocation-model=static`). A
/// position-independent one carries a relocation for every pointer in its
/// tables (1.6 MB of `.rela.dyn`, and 1.7 MB of `.data.rel.ro` patched at
/// each start); Lambda loads the executable alone, so it gains nothing from
/// being movable. It is built without the `sqlite` feature: a function's
/// disk goes with its instance, so it runs on PostgreSQL only.
///
/// It carries no unwind tables either. It aborts on panic, so nothing
/// unwinds, and it is stripped, so a backtrace could only list bare
/// addresses: the panic's message and source line, which are all the log
/// shows, need no tables. The linker makes no `.eh_frame_hdr` (nor the
/// program header that points the unwinder at it, so a backtrace asked for
/// finds no tables and stops, instead of reading a removed section), and
/// `objcopy` then removes `.eh_frame`: 1.2 MB. Returns the binary's path.
pub fn build(root: &Path) -> Result<std::path::PathBuf> {
    ensure_cargo_lambda()?;
    sh(cargo()
        .env(
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS",
            "-C relocation-model=static -C link-arg=-Wl,--no-eh-frame-hdr",
        )
        .args([
            "lambda",
            "build",
            // Built for size: see `[profile.lambda-release]` in Cargo.toml.
            "--profile",
            "lambda-release",
            "--compiler",
            "cargo",
            "-p",
            "parvis-api",
            "--bin",
            "parvis-lambda",
            "--no-default-features",
        ])
        .current_dir(root))?;
    let binary = root.join("target/lambda/parvis-lambda/bootstrap");
    if !binary.exists() {
        bail!("{} was not produced", binary.display());
    }
    sh(Command::new("objcopy")
        .args(["--remove-section", ".eh_frame"])
        .arg(&binary))?;
    Ok(binary)
}
