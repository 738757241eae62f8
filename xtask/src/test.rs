//! `cargo xtask test`: every check of the project, in the order that fails
//! fastest. CI (`.ci/run`) calls exactly this.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::server::Server;
use crate::{build_app, cargo, lambda, postgres, setup, sh, tool_path};

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
    // The Lambda function's feature set (no SQLite) is linted too.
    sh(cargo().args([
        "clippy",
        "-p",
        "parvis-api",
        "--bins",
        "--no-default-features",
        "--",
        "-D",
        "warnings",
    ]))?;
    // The endpoint's suites run on SQLite and on PostgreSQL.
    let postgres = postgres::provide()?;
    // Examples are the bench's programs: clippy above has checked that they
    // build, and linking each of them again here would only cost time and disk.
    let mut native = cargo();
    native.args([
        "test",
        "--workspace",
        "--exclude",
        "parvis",
        "--lib",
        "--bins",
        "--tests",
    ]);
    match &postgres {
        Some(server) => {
            native.env("PARVIS_TEST_POSTGRES_URL", &server.admin_url);
        }
        // No server: a failure, unless skipping was asked for by name.
        None => {
            if !std::env::var("PARVIS_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
                bail!(
                    "PostgreSQL introuvable : définissez PARVIS_TEST_POSTGRES_URL, lancez la \
                     commande en root avec apt, ou PARVIS_SKIP_POSTGRES=1 pour ignorer sciemment \
                     la suite PostgreSQL et l'essai Lambda"
                );
            }
            println!("\n!!! PARVIS_SKIP_POSTGRES=1 : la suite PostgreSQL est IGNORÉE (SKIPPED).\n");
            native
                .env_remove("PARVIS_TEST_POSTGRES_URL")
                .env("PARVIS_SKIP_POSTGRES", "1");
        }
    }
    sh(&mut native)?;
    // The same router under the real Lambda runtime interface, on
    // PostgreSQL as deployed.
    match &postgres {
        Some(server) => lambda::smoke_test(root, &server.create_database("parvis_lambda")?)?,
        None => println!("\n!!! PARVIS_SKIP_POSTGRES=1 : l'essai Lambda est IGNORÉ (SKIPPED).\n"),
    }
    drop(postgres);
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
        None,
        false,
    )?;
    sh(Command::new("node")
        .args(["--test", "--test-concurrency=1", "tests/e2e/"])
        .env("PARVIS_URL", format!("http://{}", server.addr))
        .env("PARVIS_OUTBOX", data.join("outbox"))
        .current_dir(root))
}
