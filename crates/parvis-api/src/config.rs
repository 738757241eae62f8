//! Settings, read from the environment (the `cargo xtask run` flags set the
//! same variables).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

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
    /// `PARVIS_TRUSTED_PROXIES`: reverse proxies (CIDR blocks, separated by
    /// commas or spaces) whose `X-Forwarded-For` is believed; empty by
    /// default, so the peer address is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `PARVIS_REGISTRATIONS_PER_CLIENT_PER_HOUR`: registrations one client
    /// address may make to one event in an hour (default 50: a whole town
    /// hall behind one address; `0`: no cap).
    pub registrations_per_client_per_hour: u32,
    /// `PARVIS_HEADER_TIMEOUT_SECONDS`: the local server closes a
    /// connection that has not sent a whole request head within this time,
    /// idle keep-alive connections included (default 10).
    pub header_timeout: Duration,
    /// `PARVIS_BODY_TIMEOUT_SECONDS`: longest time to receive a request body
    /// (default 10).
    pub body_timeout: Duration,
    /// `PARVIS_MAX_CONNECTIONS`: connections the local server holds at once;
    /// further ones wait in the kernel's backlog (default 512).
    pub max_connections: usize,
    /// `PARVIS_TOKEN_RETENTION_DAYS`: personal links stop working this many
    /// days after the end of their event (default 90).
    pub token_retention_days: u32,
}

/// The shortest secret `PARVIS_JOBS_TOKEN` may be.
pub const MIN_JOBS_TOKEN_BYTES: usize = 32;

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
        let number = |key: &str, default: u64| -> Result<u64> {
            get(key)
                .map(|v| v.trim().parse::<u64>())
                .transpose()
                .with_context(|| format!("{key} must be a whole number"))
                .map(|v| v.unwrap_or(default))
        };
        let jobs_token = get("PARVIS_JOBS_TOKEN");
        if let Some(token) = &jobs_token
            && token.len() < MIN_JOBS_TOKEN_BYTES
        {
            anyhow::bail!(
                "PARVIS_JOBS_TOKEN must be at least {MIN_JOBS_TOKEN_BYTES} bytes long (e.g. `openssl rand -hex 32`)"
            );
        }
        let trusted_proxies = get("PARVIS_TRUSTED_PROXIES")
            .unwrap_or_default()
            .split([',', ' '])
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse::<ipnet::IpNet>()
                    .or_else(|_| part.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .with_context(|| {
                        format!(
                            "PARVIS_TRUSTED_PROXIES: « {part} » is not an address or a CIDR block"
                        )
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        let seconds = |key: &str, default: u64| -> Result<Duration> {
            match number(key, default)? {
                0 => anyhow::bail!("{key} must be at least 1 second"),
                n => Ok(Duration::from_secs(n)),
            }
        };
        Ok(Self {
            trusted_proxies,
            registrations_per_client_per_hour: u32::try_from(number(
                "PARVIS_REGISTRATIONS_PER_CLIENT_PER_HOUR",
                50,
            )?)
            .context("PARVIS_REGISTRATIONS_PER_CLIENT_PER_HOUR is too large")?,
            header_timeout: seconds("PARVIS_HEADER_TIMEOUT_SECONDS", 10)?,
            body_timeout: seconds("PARVIS_BODY_TIMEOUT_SECONDS", 10)?,
            max_connections: usize::try_from(number("PARVIS_MAX_CONNECTIONS", 512)?.max(1))
                .context("PARVIS_MAX_CONNECTIONS is too large")?,
            token_retention_days: u32::try_from(number("PARVIS_TOKEN_RETENTION_DAYS", 90)?)
                .context("PARVIS_TOKEN_RETENTION_DAYS is too large")?,
            addr,
            data_dir,
            public_url,
            smtp_url: get("PARVIS_SMTP_URL"),
            mail_from: get("PARVIS_MAIL_FROM")
                .unwrap_or_else(|| "Parvis <noreply@parvis.localhost>".into()),
            app_dir,
            database_url: get("PARVIS_DATABASE_URL"),
            jobs_token,
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

    #[test]
    fn a_short_jobs_secret_is_refused_at_startup() {
        let short = Config::from_lookup(|key| (key == "PARVIS_JOBS_TOKEN").then(|| "court".into()));
        assert!(short.unwrap_err().to_string().contains("at least 32 bytes"));
        let long = Config::from_lookup(|key| {
            (key == "PARVIS_JOBS_TOKEN").then(|| "0123456789abcdef0123456789abcdef".into())
        });
        assert!(long.unwrap().jobs_token.is_some());
    }

    #[test]
    fn trusted_proxies_are_cidr_blocks_or_addresses() {
        let config = Config::from_lookup(|key| {
            (key == "PARVIS_TRUSTED_PROXIES").then(|| "10.0.0.0/8, 192.0.2.1 2001:db8::/32".into())
        })
        .unwrap();
        assert_eq!(config.trusted_proxies.len(), 3);
        assert!(
            Config::from_lookup(|_| None)
                .unwrap()
                .trusted_proxies
                .is_empty()
        );
        let bad =
            Config::from_lookup(|key| (key == "PARVIS_TRUSTED_PROXIES").then(|| "proxy".into()));
        assert!(
            bad.unwrap_err()
                .to_string()
                .contains("PARVIS_TRUSTED_PROXIES")
        );
    }
}
