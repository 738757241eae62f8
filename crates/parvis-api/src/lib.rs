//! The Parvis endpoint: one axum [`Router`] over a [`Store`], plus the email
//! outbox and its delivery worker.
//!
//! The binaries in `src/bin/` are thin: they read [`Config`], open the store,
//! start the outbox worker and hand [`router`] to a server. Everything else
//! is here so tests can call it in-process (`tower::ServiceExt::oneshot`) or
//! over real HTTP on port 0.
//!
//! - [`config`]: settings from the environment.
//! - [`error`]: the one error type and its JSON shape.
//! - [`routes`]: one module per group of routes (`routes::gestion`: the
//!   back-office's, listed in one table with the guard of each).
//! - [`auth`]: back-office sign-in, sessions, CSRF proof, organisation
//!   membership.
//! - [`store`]: the storage trait and its SQLite implementation.
//! - [`mail`]: composing, queueing and delivering emails.
//! - [`outbox`]: the queued messages, shared by the store and the mail
//!   worker (mail → store → outbox, never store → mail).
//! - [`jobs`]: scheduled work (outbox delivery), run locally by a
//!   background task or remotely through `POST /api/jobs/run`.
//! - [`seed`]: the demo content taken from the seed documents.
//! - [`token`]: personal tokens (random, stored hashed).
//! - [`legal`]: the legal pages (mentions légales, données personnelles,
//!   déclaration d'accessibilité), plain HTML rendered at start-up.
//! - [`rate_limit`]: registration attempts per client address.
//! - [`files`]: uploaded files (study reports), in a local directory or an
//!   S3-compatible bucket, and their downloads (ranges, ETags).

pub mod auth;
pub mod client;
pub mod config;
pub mod editor;
pub mod error;
pub mod files;
pub mod http;
pub mod jobs;
pub mod lambda;
pub mod legal;
pub mod lettre_pages;
pub mod mail;
pub mod markdown;
pub mod outbox;
pub mod pdf;
pub mod rate_limit;
pub mod routes;
pub mod seed;
pub mod serve;
pub mod shell;
pub mod snapshot;
pub mod store;
pub mod telemetry;
pub mod token;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::Router;
use mail::transport::Mailer;
use tokio::sync::Notify;

pub use config::Config;
pub use store::Store;

/// The abuse limits, each per process (see [`rate_limit`]).
#[derive(Debug)]
pub struct Limits {
    /// Registration attempts per client and minute.
    pub registrations: rate_limit::Limiter<u128>,
    /// Wrong invitation codes per client and hour.
    pub code_failures_per_client: rate_limit::FailureCounter<u128>,
    /// Wrong invitation codes per event and hour, whoever types them.
    pub code_failures_per_event: rate_limit::FailureCounter<i64>,
}

/// Wrong invitation codes one client may type in an hour.
pub const CODE_FAILURES_PER_CLIENT_PER_HOUR: u32 = 10;
/// Wrong invitation codes one event accepts in an hour, from everyone.
pub const CODE_FAILURES_PER_EVENT_PER_HOUR: u32 = 100;

impl Limits {
    /// `Err(seconds)` when this client, or anyone on this event, typed too
    /// many wrong invitation codes this hour: every try is refused then.
    pub fn code_try(&self, client: u128, event_id: i64, now: Instant) -> Result<(), u64> {
        self.code_failures_per_client.check(&client, now)?;
        self.code_failures_per_event.check(&event_id, now)
    }

    /// Counts a wrong invitation code, for the client and for the event.
    pub fn code_failed(&self, client: u128, event_id: i64, now: Instant) {
        self.code_failures_per_client.fail(&client, now);
        self.code_failures_per_event.fail(&event_id, now);
    }

    fn from_config(config: &Config) -> Self {
        let hour = Duration::from_secs(3600);
        Self {
            registrations: rate_limit::Limiter::per_minute(config.rate_limit_per_minute),
            code_failures_per_client: rate_limit::FailureCounter::new(
                CODE_FAILURES_PER_CLIENT_PER_HOUR,
                hour,
            ),
            code_failures_per_event: rate_limit::FailureCounter::new(
                CODE_FAILURES_PER_EVENT_PER_HOUR,
                hour,
            ),
        }
    }
}

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<dyn Store>,
    /// Base address of the site, for links in emails (no trailing slash).
    pub public_url: Arc<str>,
    /// Woken whenever an email is queued, so delivery starts at once.
    pub outbox_wakeup: Arc<Notify>,
    /// No background runner delivers the outbox (AWS Lambda): an email
    /// queued by a request is delivered in that request, the outbox and the
    /// scheduled `POST /api/jobs/run` being the fallback when it cannot be.
    pub deliver_inline: bool,
    /// How emails leave.
    pub mailer: Arc<dyn Mailer>,
    /// Secret of `POST /api/jobs/run`; the route answers 404 without it.
    pub jobs_token: Option<Arc<str>>,
    /// Rate limits.
    pub limits: Arc<Limits>,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
    /// Registrations one client may make to one event in an hour (0: any).
    pub registrations_per_client_per_hour: u32,
    /// Days after an event's end during which personal links still work.
    pub token_retention_days: u32,
    /// Longest time to receive a request body.
    pub body_timeout: Duration,
    /// What the legal pages say about the organisation.
    pub legal: Arc<config::LegalSettings>,
    /// Uploaded files: a local directory or an S3-compatible bucket.
    pub files: Arc<files::Files>,
    /// The public event documents, served from memory (see [`snapshot`]).
    pub snapshot: Arc<snapshot::Snapshot>,
}

impl AppState {
    /// Builds the state from a store, a mail transport and the settings;
    /// fails when the file storage cannot be opened (an unwritable data
    /// directory, an unusable bucket setting).
    pub fn new(
        store: Arc<dyn Store>,
        mailer: Arc<dyn Mailer>,
        config: &Config,
    ) -> anyhow::Result<Self> {
        let files = files::Files::from_config(config)?;
        tracing::debug!(backend = files.backend(), "file storage opened");
        Ok(Self {
            store,
            public_url: config.public_url.trim_end_matches('/').into(),
            outbox_wakeup: Arc::new(Notify::new()),
            deliver_inline: false,
            mailer,
            jobs_token: config
                .jobs_token
                .as_deref()
                .filter(|t| !t.is_empty())
                .map(Arc::from),
            limits: Arc::new(Limits::from_config(config)),
            trusted_proxies: config.trusted_proxies.clone().into(),
            registrations_per_client_per_hour: config.registrations_per_client_per_hour,
            token_retention_days: config.token_retention_days,
            body_timeout: config.body_timeout,
            legal: Arc::new(config.legal.clone()),
            files: Arc::new(files),
            snapshot: Arc::new(snapshot::Snapshot::new()),
        })
    }

    /// Says an email was queued: the background runner is woken, or, without
    /// one, the outbox is delivered now, within a few seconds at most (what
    /// is not sent stays queued for the scheduled run).
    pub async fn email_queued(&self) {
        if !self.deliver_inline {
            self.outbox_wakeup.notify_one();
            return;
        }
        let delivery = mail::worker::deliver_due(self.store.as_ref(), self.mailer.as_ref());
        match tokio::time::timeout(Duration::from_secs(5), delivery).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "delivery in the request failed; the outbox keeps the email"
                );
            }
            Err(_) => {
                tracing::warn!("delivery in the request took too long; the outbox keeps the email")
            }
        }
    }

    /// Builds everything from the configuration: store (SQLite or
    /// PostgreSQL), mail transport (files or SMTP), secrets and limits.
    pub async fn from_config(config: &Config) -> anyhow::Result<Self> {
        let store = store::open(config).await?;
        let mailer = mail::transport::from_config(config)?;
        Self::new(store, mailer, config)
    }

    /// True when the site is served over https (HSTS, `Secure` cookies).
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// The whole API, under `/api`, and the legal pages (without the app's
/// stylesheet), with the security headers, request logs and body timeout
/// every answer gets.
pub fn router(state: AppState) -> Router {
    let app = routes::router()
        .with_state(state.clone())
        .merge(legal::router(&state, None))
        .merge(lettre_pages::router(&state, None));
    http::finish(app, &state, &[])
}

/// The API plus the built app (see [`shell`]): its files, and its own
/// routes answered by `index.html` so they work on reload; the legal pages
/// take the app's stylesheet.
pub fn router_with_app(state: AppState, app_dir: &Path) -> anyhow::Result<Router> {
    let index = app_dir.join("index.html");
    let html = std::fs::read_to_string(&index)
        .with_context(|| format!("failed to read {}", index.display()))?;
    // Every page says how accessible the site is (RGAA): the app's footer
    // reads it from this tag.
    let accessibility = |html: String| {
        html.replacen(
            "</head>",
            &format!(
                "<meta name=\"parvis-accessibilite\" content=\"{}\">\n</head>",
                state.legal.conformity().label()
            ),
            1,
        )
    };
    let agenda = Arc::new(shell::Shell::from_html(accessibility(html)));
    // A build of its own under dist/, read when it is there.
    let build = |dir: &str| std::fs::read_to_string(app_dir.join(dir).join("index.html")).ok();
    let shells = shell::Shells {
        // The event, registration and personal pages, public.
        inscription: build("inscription")
            .map(|html| Arc::new(shell::Shell::from_html(accessibility(html)))),
        // The back-office, a build per area (dist/gestion/, and its areas'
        // subfolders).
        gestion: parvis_core::gestion::Bundle::ALL
            .into_iter()
            .filter_map(|bundle| {
                let html = build(&format!("gestion/{}", bundle.dir()))?;
                Some((bundle, Arc::new(shell::Shell::from_html(html))))
            })
            .collect(),
        // The feedback page (`/avis/{token}`), public: it says how
        // accessible the site is too.
        avis: build("avis").map(|html| Arc::new(shell::Shell::from_html(accessibility(html)))),
        // The publications catalogue, public.
        publications: build("publications")
            .map(|html| Arc::new(shell::Shell::from_html(accessibility(html)))),
        agenda: agenda.clone(),
    };
    let script_hashes = shells.script_hashes();
    let app = routes::router()
        .with_state(state.clone())
        .merge(legal::router(&state, Some(agenda.template())))
        .merge(lettre_pages::router(&state, Some(agenda.template())))
        .merge(shell::router(state.clone(), shells, app_dir));
    Ok(http::finish(app, &state, &script_hashes))
}
