//! `cargo xtask test`: every check of the project, in the order that fails
//! fastest. CI (`.ci/run`) calls exactly this.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::server::Server;
use crate::{build_app, cargo, setup, sh, tool_path};

/// Runs every check.
pub fn all(root: &Path) -> Result<()> {
    setup::test_tools(root)?;
    sh(cargo().args(["fmt", "--all", "--", "--check"]))?;
    sh(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    sh(cargo().args(["test", "--workspace", "--exclude", "parvis"]))?;
    // The shared crate must keep building for the browser.
    sh(cargo().args([
        "check",
        "-p",
        "parvis-core",
        "--target",
        "wasm32-unknown-unknown",
    ]))?;
    // The app's own logic natively, then its components in headless Chromium.
    sh(cargo().args(["test", "-p", "parvis", "--lib"]))?;
    sh(cargo()
        .args(["test", "-p", "parvis", "--target", "wasm32-unknown-unknown"])
        .env("PATH", tool_path(root)))?;
    end_to_end(root)?;
    println!("\nTous les tests sont passés.");
    Ok(())
}

/// Builds the release app, starts the endpoint on a fresh data directory and
/// runs the Playwright journeys (with axe-core) against it.
fn end_to_end(root: &Path) -> Result<()> {
    build_app(root)?;
    sh(cargo().args(["build", "-p", "parvis-api", "--bin", "parvis-server"]))?;
    let data = root.join("target/e2e-data");
    if data.exists() {
        std::fs::remove_dir_all(&data).context("failed to clear target/e2e-data")?;
    }
    let server = Server::start(
        &root.join("target/debug/parvis-server"),
        &data,
        Some(&root.join("dist")),
        false,
    )?;
    sh(Command::new("node")
        .args(["--test", "--test-concurrency=1", "tests/e2e/"])
        .env("PARVIS_URL", format!("http://{}", server.addr))
        .env("PARVIS_OUTBOX", data.join("outbox"))
        .current_dir(root))
}
