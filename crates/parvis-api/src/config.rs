//! Settings, read from the environment (the `cargo xtask run` flags set the
//! same variables).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::NaiveDate;

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `PARVIS_ADDR`: where to listen (default `127.0.0.1:8080`).
    pub addr: SocketAddr,
    /// `PARVIS_DATA_DIR`: the SQLite file, the outbox directory and the
    /// uploaded files (`fichiers/`) (default `./data`).
    pub data_dir: PathBuf,
    /// `PARVIS_PUBLIC_URL`: base of the links in emails (default `http://{addr}`).
    pub public_url: String,
    /// `PARVIS_SMTP_URL`: deliver by SMTP instead of writing `.eml` files,
    /// e.g. `smtps://user:password@smtp.example.org` or `smtp://localhost:2525`.
    pub smtp_url: Option<String>,
    /// `PARVIS_MAIL_FROM`: sender of the emails (default `Parvis <noreply@parvis.localhost>`).
    pub mail_from: String,
    /// `PARVIS_MAIL_CONCURRENCY`: emails sent at once, each SMTP one on a
    /// pooled connection of its own (default 16; lower it for a relay that
    /// limits a client's connections).
    pub mail_concurrency: usize,
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
    /// What the legal pages say: `PARVIS_PUBLISHER_*`, `PARVIS_HOST_*`,
    /// `PARVIS_DPO_EMAIL`, `PARVIS_ACCESSIBILITY_*`... (see [`LegalSettings`]).
    pub legal: LegalSettings,
    /// `PARVIS_S3_BUCKET` and the rest of [`S3Settings`]: uploaded files go
    /// to this S3-compatible bucket instead of `{data_dir}/fichiers`.
    pub s3: Option<S3Settings>,
}

/// Where uploaded files go when they are not kept on the local disk: an
/// S3-compatible bucket (see [`crate::files`]).
#[derive(Clone)]
pub struct S3Settings {
    /// `PARVIS_S3_BUCKET`: the bucket.
    pub bucket: String,
    /// `PARVIS_S3_ENDPOINT`: an S3-compatible server's address
    /// (`https://s3.fr-par.scw.cloud`); AWS when unset. Plain `http://` is
    /// accepted only when written so (a test server).
    pub endpoint: Option<String>,
    /// `PARVIS_S3_REGION`: the bucket's region (default `eu-west-3`, Paris).
    pub region: String,
    /// `AWS_ACCESS_KEY_ID`: with the secret below, the credentials; when
    /// unset, the AWS defaults apply (instance or container role).
    pub access_key_id: Option<String>,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: Option<String>,
    /// `AWS_SESSION_TOKEN`: temporary credentials' token (AWS Lambda sets it).
    pub session_token: Option<String>,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secrets are never printed.
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "…"),
            )
            .field("session_token", &self.session_token.as_ref().map(|_| "…"))
            .finish()
    }
}

impl S3Settings {
    /// Reads the S3 settings; `None` without `PARVIS_S3_BUCKET`.
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>> {
        let Some(bucket) = get("PARVIS_S3_BUCKET").map(|v| v.trim().to_owned()) else {
            for key in ["PARVIS_S3_ENDPOINT", "PARVIS_S3_REGION"] {
                if get(key).is_some() {
                    anyhow::bail!("{key} is set but PARVIS_S3_BUCKET is not: which bucket?");
                }
            }
            return Ok(None);
        };
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !valid_bucket {
            anyhow::bail!(
                "PARVIS_S3_BUCKET must be a bucket name (3 to 63 lower-case letters, digits, dots or hyphens)"
            );
        }
        let endpoint = get("PARVIS_S3_ENDPOINT")
            .map(|v| v.trim().trim_end_matches('/').to_owned())
            .map(|endpoint| {
                let host = endpoint
                    .strip_prefix("https://")
                    .or_else(|| endpoint.strip_prefix("http://"));
                match host {
                    Some(host) if !host.is_empty() && !host.chars().any(char::is_whitespace) => {
                        Ok(endpoint)
                    }
                    _ => anyhow::bail!(
                        "PARVIS_S3_ENDPOINT must be an http(s) address such as https://s3.fr-par.scw.cloud"
                    ),
                }
            })
            .transpose()?;
        let region = get("PARVIS_S3_REGION")
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| "eu-west-3".to_owned());
        if !region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            anyhow::bail!("PARVIS_S3_REGION must be a region name such as eu-west-3");
        }
        let access_key_id = get("AWS_ACCESS_KEY_ID");
        let secret_access_key = get("AWS_SECRET_ACCESS_KEY");
        if access_key_id.is_some() != secret_access_key.is_some() {
            anyhow::bail!(
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together: set both or neither"
            );
        }
        Ok(Some(Self {
            bucket,
            endpoint,
            region,
            access_key_id,
            secret_access_key,
            session_token: get("AWS_SESSION_TOKEN"),
        }))
    }
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
        let seed_demo = get("PARVIS_DEMO").is_none_or(|v| v != "0");
        let legal = LegalSettings::from_lookup(&get, seed_demo)?;
        let s3 = S3Settings::from_lookup(&get)?;
        Ok(Self {
            legal,
            s3,
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
            mail_concurrency: match number("PARVIS_MAIL_CONCURRENCY", 16)? {
                0 => anyhow::bail!("PARVIS_MAIL_CONCURRENCY must be at least 1"),
                n => usize::try_from(n).context("PARVIS_MAIL_CONCURRENCY is too large")?,
            },
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
            seed_demo,
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

    /// Where uploaded files are kept without `PARVIS_S3_BUCKET`.
    pub fn files_dir(&self) -> PathBuf {
        self.data_dir.join("fichiers")
    }
}

/// On what ground registrations are processed (RGPD, article 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LegalBasis {
    /// Article 6-1-a: the consent given by the form's checkbox (default).
    #[default]
    Consent,
    /// Article 6-1-e: a task carried out in the public interest.
    PublicInterest,
}

/// Conformity with the RGAA, as the accessibility statement declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conformity {
    /// Every RGAA criterion is met.
    Full,
    /// At least half of the criteria are met.
    Partial,
    /// Less than half, or no valid audit.
    NotCompliant,
}

impl Conformity {
    /// The words of the statement: « partiellement conforme »...
    pub fn label(self) -> &'static str {
        match self {
            Self::Full => "totalement conforme",
            Self::Partial => "partiellement conforme",
            Self::NotCompliant => "non conforme",
        }
    }

    /// What an audit's rate of met criteria (in %) makes the site; without
    /// an audit, the RGAA declares it non-compliant.
    pub fn from_audit(rate: Option<f64>) -> Self {
        match rate {
            Some(rate) if rate >= 100.0 => Self::Full,
            Some(rate) if rate >= 50.0 => Self::Partial,
            _ => Self::NotCompliant,
        }
    }
}

/// What the legal pages (mentions légales, données personnelles,
/// déclaration d'accessibilité) say about the organisation running the
/// site. A missing value is shown as « non renseigné » and logged at start;
/// in demo mode (`PARVIS_DEMO`, on by default) it is replaced by an example
/// from the demo's world, and the pages say so.
#[derive(Debug, Clone, Default)]
pub struct LegalSettings {
    /// `PARVIS_PUBLISHER_NAME`: the publisher, also the data controller.
    pub publisher_name: Option<String>,
    /// `PARVIS_PUBLISHER_ADDRESS`: its postal address (line breaks kept).
    pub publisher_address: Option<String>,
    /// `PARVIS_PUBLISHER_EMAIL`: its contact address.
    pub publisher_email: Option<String>,
    /// `PARVIS_PUBLISHER_PHONE`: its telephone number.
    pub publisher_phone: Option<String>,
    /// `PARVIS_PUBLICATION_DIRECTOR`: the director of publication.
    pub publication_director: Option<String>,
    /// `PARVIS_DPO_EMAIL`: the data protection officer's address.
    pub dpo_email: Option<String>,
    /// `PARVIS_HOST_NAME`: the hosting provider.
    pub host_name: Option<String>,
    /// `PARVIS_HOST_ADDRESS`: its postal address.
    pub host_address: Option<String>,
    /// `PARVIS_HOST_PHONE`: its telephone number.
    pub host_phone: Option<String>,
    /// `PARVIS_HOST_LOCATION`: where the data is stored (« France »...).
    pub host_location: Option<String>,
    /// `PARVIS_SOURCE_URL`: where the running code's source can be had
    /// (AGPL, section 13); optional.
    pub source_url: Option<String>,
    /// `PARVIS_LEGAL_BASIS`: `consentement` (default) or
    /// `mission-interet-public`.
    pub legal_basis: LegalBasis,
    /// `PARVIS_REGISTRATION_RETENTION_MONTHS`: how long the publisher keeps
    /// registrations after their event (Parvis does not delete them itself).
    pub registration_retention_months: Option<u32>,
    /// `PARVIS_ACCESSIBILITY_STATUS`: `totalement-conforme`,
    /// `partiellement-conforme` or `non-conforme`; by default what the
    /// audit's rate makes it (none: non-compliant).
    pub accessibility_status: Option<Conformity>,
    /// `PARVIS_ACCESSIBILITY_AUDIT_RATE`: the share of RGAA criteria met
    /// according to the audit, in % (none: no audit yet).
    pub accessibility_audit_rate: Option<f64>,
    /// `PARVIS_ACCESSIBILITY_AUDIT_DATE`: the audit's date (`YYYY-MM-DD`).
    pub accessibility_audit_date: Option<NaiveDate>,
    /// `PARVIS_ACCESSIBILITY_AUDITOR`: who made the audit.
    pub accessibility_auditor: Option<String>,
    /// `PARVIS_ACCESSIBILITY_DECLARATION_DATE`: the statement's date
    /// (`YYYY-MM-DD`).
    pub accessibility_declaration_date: Option<NaiveDate>,
    /// `PARVIS_ACCESSIBILITY_PLAN_URL`: the multi-year accessibility plan
    /// (schéma pluriannuel).
    pub accessibility_plan_url: Option<String>,
    /// The settings replaced by the demo's examples.
    pub demo_values: Vec<&'static str>,
}

/// The demo's examples: the Essonne resource centre of the seed documents,
/// with reserved example addresses and a number from the range ARCEP keeps
/// for fiction, so nobody real is written to or called.
const DEMO_VALUES: &[(&str, &str)] = &[
    (
        "PARVIS_PUBLISHER_NAME",
        "Centre de ressources politique de la ville en Essonne (CRPVE)",
    ),
    (
        "PARVIS_PUBLISHER_ADDRESS",
        "1 boulevard de l'Écoute-S'il-Pleut\n91000 Évry-Courcouronnes",
    ),
    ("PARVIS_PUBLISHER_EMAIL", "contact@crpve.example.org"),
    ("PARVIS_PUBLISHER_PHONE", "01 99 00 27 75"),
    (
        "PARVIS_PUBLICATION_DIRECTOR",
        "La présidente de l'association",
    ),
    ("PARVIS_DPO_EMAIL", "dpo@crpve.example.org"),
    ("PARVIS_HOST_NAME", "OVH SAS"),
    ("PARVIS_HOST_ADDRESS", "2 rue Kellermann\n59100 Roubaix"),
    ("PARVIS_HOST_PHONE", "1007"),
    ("PARVIS_HOST_LOCATION", "France (Roubaix)"),
    ("PARVIS_REGISTRATION_RETENTION_MONTHS", "12"),
    ("PARVIS_ACCESSIBILITY_DECLARATION_DATE", "2026-11-23"),
    (
        "PARVIS_ACCESSIBILITY_PLAN_URL",
        "https://crpve.example.org/accessibilite/schema-pluriannuel",
    ),
];

/// The settings a complete set of legal pages needs: each missing one is
/// shown as « non renseigné » and logged at start.
const REQUIRED_LEGAL: &[&str] = &[
    "PARVIS_PUBLISHER_NAME",
    "PARVIS_PUBLISHER_ADDRESS",
    "PARVIS_PUBLISHER_EMAIL",
    "PARVIS_PUBLISHER_PHONE",
    "PARVIS_PUBLICATION_DIRECTOR",
    "PARVIS_DPO_EMAIL",
    "PARVIS_HOST_NAME",
    "PARVIS_HOST_ADDRESS",
    "PARVIS_HOST_PHONE",
    "PARVIS_HOST_LOCATION",
    "PARVIS_REGISTRATION_RETENTION_MONTHS",
    "PARVIS_ACCESSIBILITY_DECLARATION_DATE",
    "PARVIS_ACCESSIBILITY_PLAN_URL",
];

impl LegalSettings {
    /// Reads the legal settings; `demo` fills the missing required ones
    /// with the demo's examples.
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>, demo: bool) -> Result<Self> {
        let text = |key: &str| {
            get(key).map(|v| v.trim().to_owned()).or_else(|| {
                DEMO_VALUES
                    .iter()
                    .find(|(name, _)| *name == key)
                    .filter(|_| demo)
                    .map(|(_, example)| (*example).to_owned())
            })
        };
        let email = |key: &str| -> Result<_> {
            text(key)
                .map(|value| {
                    parvis_core::email::EmailAddress::parse(&value)
                        .map(|address| address.as_str().to_owned())
                        .map_err(|_| anyhow::anyhow!("{key} must be an email address"))
                })
                .transpose()
        };
        let date = |key: &str| -> Result<_> {
            text(key)
                .map(|value| {
                    NaiveDate::parse_from_str(&value, "%Y-%m-%d")
                        .with_context(|| format!("{key} must be a date such as 2025-05-13"))
                })
                .transpose()
        };
        let url = |key: &str| -> Result<_> {
            let value = text(key);
            if let Some(value) = &value {
                let absolute = value.starts_with("https://") || value.starts_with("http://");
                let local = value.starts_with('/') && !value.starts_with("//");
                if !(absolute || local) || value.chars().any(char::is_whitespace) {
                    anyhow::bail!("{key} must be an http(s) address or a path starting with /");
                }
            }
            Ok(value)
        };
        let settings = Self {
            publisher_name: text("PARVIS_PUBLISHER_NAME"),
            publisher_address: text("PARVIS_PUBLISHER_ADDRESS"),
            publisher_email: email("PARVIS_PUBLISHER_EMAIL")?,
            publisher_phone: text("PARVIS_PUBLISHER_PHONE"),
            publication_director: text("PARVIS_PUBLICATION_DIRECTOR"),
            dpo_email: email("PARVIS_DPO_EMAIL")?,
            host_name: text("PARVIS_HOST_NAME"),
            host_address: text("PARVIS_HOST_ADDRESS"),
            host_phone: text("PARVIS_HOST_PHONE"),
            host_location: text("PARVIS_HOST_LOCATION"),
            source_url: url("PARVIS_SOURCE_URL")?,
            legal_basis: match get("PARVIS_LEGAL_BASIS").as_deref().map(str::trim) {
                None | Some("consentement") => LegalBasis::Consent,
                Some("mission-interet-public") => LegalBasis::PublicInterest,
                Some(other) => anyhow::bail!(
                    "PARVIS_LEGAL_BASIS must be consentement or mission-interet-public, not {other}"
                ),
            },
            registration_retention_months: text("PARVIS_REGISTRATION_RETENTION_MONTHS")
                .map(|v| v.parse::<u32>())
                .transpose()
                .context("PARVIS_REGISTRATION_RETENTION_MONTHS must be a whole number of months")?,
            accessibility_status: match get("PARVIS_ACCESSIBILITY_STATUS").as_deref().map(str::trim)
            {
                None => None,
                Some("totalement-conforme") => Some(Conformity::Full),
                Some("partiellement-conforme") => Some(Conformity::Partial),
                Some("non-conforme") => Some(Conformity::NotCompliant),
                Some(other) => anyhow::bail!(
                    "PARVIS_ACCESSIBILITY_STATUS must be totalement-conforme, \
                     partiellement-conforme or non-conforme, not {other}"
                ),
            },
            accessibility_audit_rate: get("PARVIS_ACCESSIBILITY_AUDIT_RATE")
                .map(|v| {
                    v.trim()
                        .trim_end_matches('%')
                        .trim()
                        .replace(',', ".")
                        .parse::<f64>()
                        .ok()
                        .filter(|rate| (0.0..=100.0).contains(rate))
                        .context(
                            "PARVIS_ACCESSIBILITY_AUDIT_RATE must be a percentage between 0 and 100",
                        )
                })
                .transpose()?,
            accessibility_audit_date: date("PARVIS_ACCESSIBILITY_AUDIT_DATE")?,
            accessibility_auditor: text("PARVIS_ACCESSIBILITY_AUDITOR"),
            accessibility_declaration_date: date("PARVIS_ACCESSIBILITY_DECLARATION_DATE")?,
            accessibility_plan_url: url("PARVIS_ACCESSIBILITY_PLAN_URL")?,
            demo_values: DEMO_VALUES
                .iter()
                .map(|(key, _)| *key)
                .filter(|key| demo && get(key).is_none())
                .collect(),
        };
        if settings.accessibility_audit_rate.is_none()
            && (settings.accessibility_audit_date.is_some()
                || settings.accessibility_auditor.is_some())
        {
            anyhow::bail!(
                "PARVIS_ACCESSIBILITY_AUDIT_DATE and PARVIS_ACCESSIBILITY_AUDITOR describe an audit: \
                 PARVIS_ACCESSIBILITY_AUDIT_RATE must give its result"
            );
        }
        Ok(settings)
    }

    /// The declared conformity: the setting, or what the audit makes it.
    pub fn conformity(&self) -> Conformity {
        self.accessibility_status
            .unwrap_or_else(|| Conformity::from_audit(self.accessibility_audit_rate))
    }

    /// The required settings that are missing (shown as « non renseigné »).
    pub fn missing(&self) -> Vec<&'static str> {
        let audited = self.accessibility_audit_rate.is_some();
        let present = |key: &str| match key {
            "PARVIS_PUBLISHER_NAME" => self.publisher_name.is_some(),
            "PARVIS_PUBLISHER_ADDRESS" => self.publisher_address.is_some(),
            "PARVIS_PUBLISHER_EMAIL" => self.publisher_email.is_some(),
            "PARVIS_PUBLISHER_PHONE" => self.publisher_phone.is_some(),
            "PARVIS_PUBLICATION_DIRECTOR" => self.publication_director.is_some(),
            "PARVIS_DPO_EMAIL" => self.dpo_email.is_some(),
            "PARVIS_HOST_NAME" => self.host_name.is_some(),
            "PARVIS_HOST_ADDRESS" => self.host_address.is_some(),
            "PARVIS_HOST_PHONE" => self.host_phone.is_some(),
            "PARVIS_HOST_LOCATION" => self.host_location.is_some(),
            "PARVIS_REGISTRATION_RETENTION_MONTHS" => self.registration_retention_months.is_some(),
            "PARVIS_ACCESSIBILITY_DECLARATION_DATE" => {
                self.accessibility_declaration_date.is_some()
            }
            "PARVIS_ACCESSIBILITY_PLAN_URL" => self.accessibility_plan_url.is_some(),
            _ => true,
        };
        let mut missing: Vec<&'static str> = REQUIRED_LEGAL
            .iter()
            .copied()
            .filter(|key| !present(key))
            .collect();
        if audited && self.accessibility_audit_date.is_none() {
            missing.push("PARVIS_ACCESSIBILITY_AUDIT_DATE");
        }
        if audited && self.accessibility_auditor.is_none() {
            missing.push("PARVIS_ACCESSIBILITY_AUDITOR");
        }
        missing
    }

    /// What is worth a warning at start: missing settings, and a declared
    /// conformity the audit does not support.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        let missing = self.missing();
        if !missing.is_empty() {
            warnings.push(format!(
                "legal pages: {} not set, shown as « non renseigné »",
                missing.join(", ")
            ));
        }
        if let Some(declared) = self.accessibility_status {
            let audited = Conformity::from_audit(self.accessibility_audit_rate);
            if declared != audited {
                warnings.push(format!(
                    "legal pages: PARVIS_ACCESSIBILITY_STATUS says « {} » but the audit makes the site « {} » \
                     (without an audit, the RGAA declares a site non-compliant)",
                    declared.label(),
                    audited.label()
                ));
            }
        }
        warnings
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

    fn with(vars: &[(&str, &str)]) -> Result<Config> {
        Config::from_lookup(|key| {
            vars.iter()
                .find(|(name, _)| *name == key)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn the_demo_fills_the_legal_pages_and_production_lists_what_is_missing() {
        let demo = with(&[]).unwrap().legal;
        assert!(demo.missing().is_empty(), "{:?}", demo.missing());
        assert!(demo.warnings().is_empty());
        assert!(demo.demo_values.contains(&"PARVIS_PUBLISHER_NAME"));
        assert_eq!(demo.legal_basis, LegalBasis::Consent);

        let production = with(&[
            ("PARVIS_DEMO", "0"),
            ("PARVIS_PUBLISHER_NAME", "Pôle ressources"),
        ])
        .unwrap()
        .legal;
        assert!(production.demo_values.is_empty());
        assert_eq!(
            production.publisher_name.as_deref(),
            Some("Pôle ressources")
        );
        let missing = production.missing();
        assert!(!missing.contains(&"PARVIS_PUBLISHER_NAME"));
        assert!(missing.contains(&"PARVIS_DPO_EMAIL"));
        assert_eq!(missing.len(), REQUIRED_LEGAL.len() - 1);
        assert!(production.warnings()[0].contains("PARVIS_HOST_NAME"));

        // A value set in demo mode is the organisation's, not an example.
        let mixed = with(&[("PARVIS_HOST_NAME", "Scaleway")]).unwrap().legal;
        assert_eq!(mixed.host_name.as_deref(), Some("Scaleway"));
        assert!(!mixed.demo_values.contains(&"PARVIS_HOST_NAME"));
    }

    #[test]
    fn without_an_audit_the_site_is_declared_non_compliant() {
        let none = with(&[]).unwrap().legal;
        assert_eq!(none.conformity(), Conformity::NotCompliant);
        let audited = with(&[
            ("PARVIS_ACCESSIBILITY_AUDIT_RATE", "75,5 %"),
            ("PARVIS_ACCESSIBILITY_AUDIT_DATE", "2025-03-14"),
            ("PARVIS_ACCESSIBILITY_AUDITOR", "Access42"),
        ])
        .unwrap()
        .legal;
        assert_eq!(audited.accessibility_audit_rate, Some(75.5));
        assert_eq!(audited.conformity(), Conformity::Partial);
        assert_eq!(Conformity::from_audit(Some(100.0)), Conformity::Full);
        assert_eq!(Conformity::from_audit(Some(49.9)), Conformity::NotCompliant);
        // A declared status the audit does not support is kept, and warned about.
        let claimed = with(&[("PARVIS_ACCESSIBILITY_STATUS", "partiellement-conforme")])
            .unwrap()
            .legal;
        assert_eq!(claimed.conformity(), Conformity::Partial);
        assert!(
            claimed
                .warnings()
                .iter()
                .any(|w| w.contains("PARVIS_ACCESSIBILITY_STATUS"))
        );
    }

    #[test]
    fn bad_legal_settings_are_refused_at_startup_by_name() {
        for (key, bad) in [
            ("PARVIS_PUBLISHER_EMAIL", "pas une adresse"),
            ("PARVIS_DPO_EMAIL", "dpo@"),
            ("PARVIS_ACCESSIBILITY_DECLARATION_DATE", "13/05/2025"),
            ("PARVIS_ACCESSIBILITY_AUDIT_RATE", "120"),
            ("PARVIS_ACCESSIBILITY_STATUS", "conforme"),
            ("PARVIS_ACCESSIBILITY_PLAN_URL", "javascript:alert(1)"),
            ("PARVIS_SOURCE_URL", "//ailleurs.example.org"),
            ("PARVIS_LEGAL_BASIS", "interet-legitime"),
            ("PARVIS_REGISTRATION_RETENTION_MONTHS", "un an"),
        ] {
            let error = with(&[(key, bad)]).unwrap_err();
            assert!(format!("{error:#}").contains(key), "{key}: {error:#}");
        }
        let orphan = with(&[("PARVIS_ACCESSIBILITY_AUDITOR", "Access42")]).unwrap_err();
        assert!(
            orphan
                .to_string()
                .contains("PARVIS_ACCESSIBILITY_AUDIT_RATE")
        );
    }
}
