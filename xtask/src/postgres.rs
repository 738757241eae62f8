//! A PostgreSQL server for the tests and the bench, found or started:
//!
//! 1. `PARVIS_TEST_POSTGRES_URL` when set (an admin URL: the tests create and
//!    drop their own databases on it);
//! 2. otherwise a server at 127.0.0.1:5432 that accepts
//!    `postgres://postgres:postgres@127.0.0.1:5432/postgres` (or the URL in
//!    `PARVIS_LOCAL_POSTGRES_URL`);
//! 3. otherwise, as root with apt (as on CI), Debian's `postgresql` package
//!    is installed if needed and a private throwaway cluster is started on a
//!    free port, then stopped and deleted at the end.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::server::free_port;
use crate::setup::{install_debian, is_root, output};
use crate::sh;

/// A usable server; a private cluster is stopped when this is dropped.
pub struct Postgres {
    /// Admin URL (database `postgres`), for `PARVIS_TEST_POSTGRES_URL`.
    pub admin_url: String,
    /// Kept for its `Drop`, which stops a private server.
    _cluster: Option<Cluster>,
}

struct Cluster {
    bin: PathBuf,
    data: PathBuf,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = as_postgres(&self.bin.join("pg_ctl"))
            .args(["stop", "-m", "immediate", "-D"])
            .arg(&self.data)
            .status();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

fn as_postgres(program: &Path) -> Command {
    let mut command = Command::new("runuser");
    command.args(["-u", "postgres", "--"]).arg(program);
    command
}

fn answers(url: &str) -> bool {
    output(Command::new("psql").args([url, "-tAc", "SELECT 1"])).is_some_and(|o| o.trim() == "1")
}

fn server_bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

/// Finds or starts a server; `None` when none can be had here.
pub fn provide() -> Result<Option<Postgres>> {
    if let Ok(url) = std::env::var("PARVIS_TEST_POSTGRES_URL") {
        return Ok(Some(Postgres {
            admin_url: url,
            _cluster: None,
        }));
    }
    let local: SocketAddr = "127.0.0.1:5432".parse()?;
    if TcpStream::connect_timeout(&local, Duration::from_millis(300)).is_ok() {
        let url = std::env::var("PARVIS_LOCAL_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".into());
        if answers(&url) {
            return Ok(Some(Postgres {
                admin_url: url,
                _cluster: None,
            }));
        }
        println!(
            "Un serveur PostgreSQL répond sur 127.0.0.1:5432 mais refuse {url} ; un serveur privé va être démarré."
        );
    }
    if !is_root() {
        return Ok(None);
    }
    if server_bin_dir().is_none() {
        install_debian(&["postgresql"], "PostgreSQL")?;
    }
    let bin = server_bin_dir().context("initdb not found after installing postgresql")?;
    let port = free_port()?;
    let data = PathBuf::from(format!("/tmp/parvis-pg-{port}"));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data)?;
    sh(Command::new("chown").args(["postgres:postgres"]).arg(&data))?;
    let cluster = Cluster {
        bin: bin.clone(),
        data: data.clone(),
    };
    sh(as_postgres(&bin.join("initdb"))
        .args([
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
            "-D",
        ])
        .arg(&data))?;
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on",
        data.display()
    );
    sh(as_postgres(&bin.join("pg_ctl"))
        .args(["start", "-w", "-t", "60", "-D"])
        .arg(&data)
        .args(["-l"])
        .arg(data.join("server.log"))
        .args(["-o", &options]))?;
    let admin_url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    if !answers(&admin_url) {
        bail!("the private PostgreSQL server does not answer on port {port}");
    }
    println!("PostgreSQL privé démarré : {admin_url}");
    Ok(Some(Postgres {
        admin_url,
        _cluster: Some(cluster),
    }))
}

impl Postgres {
    /// Creates a database for a bench or a smoke test and returns its URL.
    pub fn create_database(&self, name: &str) -> Result<String> {
        let _ = Command::new("psql")
            .args([
                &self.admin_url,
                "-qc",
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            ])
            .status();
        sh(Command::new("psql").args([
            &self.admin_url,
            "-qc",
            &format!("CREATE DATABASE {name}"),
        ]))?;
        let (base, _) = self
            .admin_url
            .rsplit_once('/')
            .context("admin URL without a database")?;
        Ok(format!("{base}/{name}"))
    }
}
