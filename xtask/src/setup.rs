//! Installs what the build and the tests need, only when it is missing:
//! the wasm32 target, trunk 0.21.14, wasm-bindgen-cli at the Cargo.lock
//! version, npm packages (`npm ci`), and for the tests Chromium and
//! chromedriver from Debian's packages.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{cargo, sh, tool_path};

/// The trunk version known to work with rustc 1.95.
const TRUNK_VERSION: &str = "0.21.14";

/// Standard output of a command that succeeded.
pub fn output(command: &mut Command) -> Option<String> {
    command
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The `wasm-bindgen` version in Cargo.lock.
pub fn locked_wasm_bindgen(root: &Path) -> Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("Cargo.lock is missing")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    bail!("wasm-bindgen is not in Cargo.lock")
}

/// Everything `cargo xtask run` needs.
pub fn build_tools(root: &Path) -> Result<()> {
    let path = tool_path(root);
    let targets =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if !targets
        .lines()
        .any(|t| t.trim() == "wasm32-unknown-unknown")
    {
        sh(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    let trunk =
        output(Command::new("trunk").arg("--version").env("PATH", &path)).unwrap_or_default();
    if !trunk.contains(TRUNK_VERSION) {
        sh(cargo().args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]))?;
    }
    let wanted = locked_wasm_bindgen(root)?;
    let bindgen = output(
        Command::new("wasm-bindgen")
            .arg("--version")
            .env("PATH", &path),
    )
    .unwrap_or_default();
    if bindgen.split_whitespace().nth(1) != Some(wanted.as_str()) {
        // Not --locked: one of its locked dependencies is not in the registry.
        sh(cargo().args(["install", "wasm-bindgen-cli", "--version", &wanted]))?;
    }
    npm_ci(root)?;
    sh(cargo().args(["fetch"]))
}

fn npm_ci(root: &Path) -> Result<()> {
    if output(Command::new("npm").arg("--version")).is_none() {
        install_debian(&["nodejs", "npm"], "Node.js et npm")?;
    }
    let stamp = root.join("node_modules/.package-lock.json");
    let lock = root.join("package-lock.json");
    let fresh = match (stamp.metadata(), lock.metadata()) {
        (Ok(stamp), Ok(lock)) => stamp.modified()? >= lock.modified()?,
        _ => false,
    };
    if !fresh || !root.join("node_modules/.bin/wasm-opt").exists() {
        sh(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(root))?;
    }
    Ok(())
}

/// Whether this runs as root (and may install Debian packages).
pub fn is_root() -> bool {
    output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}

/// Installs Debian packages, or says exactly what to install.
pub fn install_debian(packages: &[&str], what: &str) -> Result<()> {
    if !is_root() || output(Command::new("apt-get").arg("--version")).is_none() {
        bail!(
            "{what} manque. Installez-le puis relancez : sudo apt-get install {}",
            packages.join(" ")
        );
    }
    sh(Command::new("apt-get").arg("update").arg("-q"))?;
    sh(Command::new("apt-get")
        .args(["install", "-y", "-q", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// Everything `cargo xtask test` needs on top of the build tools.
pub fn test_tools(root: &Path) -> Result<()> {
    build_tools(root)?;
    let missing: Vec<&str> = [
        ("/usr/bin/chromium", "chromium"),
        ("/usr/bin/chromedriver", "chromium-driver"),
    ]
    .into_iter()
    .filter(|(path, _)| !Path::new(path).exists())
    .map(|(_, package)| package)
    .collect();
    if !missing.is_empty() {
        install_debian(&missing, "Chromium (navigateur des tests)")?;
    }
    // A real SMTP server for the email reliability test.
    if output(Command::new("python3").args(["-c", "import aiosmtpd"])).is_none() {
        sh(Command::new("python3").args(["-m", "pip", "install", "--quiet", "aiosmtpd"]))?;
    }
    // A real spreadsheet reader for the organiser journey's XLSX export.
    if output(Command::new("python3").args(["-c", "import openpyxl"])).is_none() {
        sh(Command::new("python3").args(["-m", "pip", "install", "--quiet", "openpyxl"]))?;
    }
    // A real S3-compatible server for the file storage test.
    if output(Command::new("moto_server").arg("--help")).is_none()
        && output(Command::new("python3").args(["-c", "import moto.server"])).is_none()
    {
        sh(Command::new("python3").args(["-m", "pip", "install", "--quiet", "moto[server]"]))?;
    }
    if !Path::new(&format!("{}/.cargo/config.toml", root.display())).exists() {
        bail!(".cargo/config.toml is missing");
    }
    Ok(())
}

/// Version of twiggy, the wasm size profiler the bench runs.
const TWIGGY_VERSION: &str = "0.8.0";

/// Installs twiggy from crates.io when missing; returns its command name.
pub fn twiggy(root: &Path) -> Result<Command> {
    let path = tool_path(root);
    let version =
        output(Command::new("twiggy").arg("--version").env("PATH", &path)).unwrap_or_default();
    if !version.contains(TWIGGY_VERSION) {
        sh(cargo().args(["install", "twiggy", "--version", TWIGGY_VERSION, "--locked"]))?;
    }
    let mut command = Command::new("twiggy");
    command.env("PATH", path);
    Ok(command)
}
