//! Settings, read from the environment (the `cargo xtask run` flags set the
//! same variables).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `PARVIS_ADDR`: where to listen (default `127.0.0.1:8080`).
    pub addr: SocketAddr,
    /// `PARVIS_DATA_DIR`: the SQLite file and the outbox directory (default `./data`).
    pub data_dir: PathBuf,
    /// `PARVIS_PUBLIC_URL`: base of the links in emails (default `http://{addr}`).
    pub public_url: String,
    /// `PARVIS_SMTP_URL`: deliver by SMTP instead of writing `.eml` files,
    /// e.g. `smtps://user:password@smtp.example.org` or `smtp://localhost:2525`.
    pub smtp_url: Option<String>,
    /// `PARVIS_MAIL_FROM`: sender of the emails (default `Parvis <noreply@parvis.localhost>`).
    pub mail_from: String,
    /// `PARVIS_APP_DIR`: the built app to serve (default `./dist` when it exists).
    pub app_dir: Option<PathBuf>,
    /// `PARVIS_DATABASE_URL`: `postgres://...` for PostgreSQL, `sqlite://path`
    /// for another SQLite file; default: `{data_dir}/parvis.sqlite3`.
    pub database_url: Option<String>,
    /// `PARVIS_JOBS_TOKEN`: shared secret of `POST /api/jobs/run`; the
    /// route is disabled when unset.
    pub jobs_token: Option<String>,
    /// `PARVIS_JOBS_INTERVAL_SECONDS`: how often the local server runs the
    /// scheduled jobs (default 5; `0` disables the local runner, for
    /// deployments where a scheduler calls the jobs route).
    pub jobs_interval_seconds: u64,
    /// `PARVIS_DEMO`: seed the demo content into an empty database
    /// (default `1`; set `0` in production).
    pub seed_demo: bool,
    /// `PARVIS_RATE_LIMIT_PER_MINUTE`: registration attempts allowed per
    /// client address and minute (default 120; `0` turns the limit off).
    pub rate_limit_per_minute: u32,
    /// `PARVIS_SQLITE_SYNC`: `normal` (default: every acknowledged write
    /// survives a crash of the process) or `full` (it also survives a power
    /// loss, costing about 20 % of the registration throughput).
    pub sqlite_full_sync: bool,
}

impl Config {
    /// Reads the settings from the environment.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads the settings from any lookup function (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |key: &str| get(key).filter(|value| !value.trim().is_empty());
        let addr: SocketAddr = get("PARVIS_ADDR")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .context("PARVIS_ADDR must be an address such as 127.0.0.1:8080")?;
        let data_dir = PathBuf::from(get("PARVIS_DATA_DIR").unwrap_or_else(|| "data".into()));
        let public_url = get("PARVIS_PUBLIC_URL")
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_owned();
        let app_dir = get("PARVIS_APP_DIR")
            .map(PathBuf::from)
            .or_else(|| Some(PathBuf::from("dist")).filter(|dir| dir.join("index.html").exists()));
        Ok(Self {
            addr,
            data_dir,
            public_url,
            smtp_url: get("PARVIS_SMTP_URL"),
            mail_from: get("PARVIS_MAIL_FROM")
                .unwrap_or_else(|| "Parvis <noreply@parvis.localhost>".into()),
            app_dir,
            database_url: get("PARVIS_DATABASE_URL"),
            jobs_token: get("PARVIS_JOBS_TOKEN"),
            jobs_interval_seconds: get("PARVIS_JOBS_INTERVAL_SECONDS")
                .map(|v| v.parse())
                .transpose()
                .context("PARVIS_JOBS_INTERVAL_SECONDS must be a number of seconds")?
                .unwrap_or(5),
            seed_demo: get("PARVIS_DEMO").is_none_or(|v| v != "0"),
            rate_limit_per_minute: get("PARVIS_RATE_LIMIT_PER_MINUTE")
                .map(|v| v.parse())
                .transpose()
                .context("PARVIS_RATE_LIMIT_PER_MINUTE must be a whole number")?
                .unwrap_or(120),
            sqlite_full_sync: match get("PARVIS_SQLITE_SYNC").as_deref() {
                None | Some("normal") => false,
                Some("full") => true,
                Some(other) => {
                    anyhow::bail!("PARVIS_SQLITE_SYNC must be normal or full, not {other}")
                }
            },
        })
    }

    /// The SQLite database file.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("parvis.sqlite3")
    }

    /// Where the file transport writes `.eml` files.
    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_suit_a_newcomer() {
        let config = Config::from_lookup(|_| None).unwrap();
        assert_eq!(config.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(config.public_url, "http://127.0.0.1:8080");
        assert_eq!(config.database_path(), PathBuf::from("data/parvis.sqlite3"));
        assert!(config.smtp_url.is_none());
    }

    #[test]
    fn environment_overrides_defaults() {
        let config = Config::from_lookup(|key| match key {
            "PARVIS_ADDR" => Some("0.0.0.0:9000".into()),
            "PARVIS_PUBLIC_URL" => Some("https://parvis.example.org/".into()),
            "PARVIS_DATA_DIR" => Some("/var/lib/parvis".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(config.addr.port(), 9000);
        assert_eq!(config.public_url, "https://parvis.example.org");
        assert_eq!(config.outbox_dir(), PathBuf::from("/var/lib/parvis/outbox"));
    }

    #[test]
    fn a_bad_address_is_a_clear_error() {
        let error = Config::from_lookup(|key| (key == "PARVIS_ADDR").then(|| "nowhere".into()))
            .unwrap_err();
        assert!(error.to_string().contains("PARVIS_ADDR"));
    }
}
