//! The outbox's batched delivery, on SQLite and on a throwaway PostgreSQL
//! database each, with the transports built from `Config` as the server
//! builds them: a batch claim never hands an email to two runners, a batch
//! cut short (a crash between sending and recording, a runner stopped
//! mid-flight) goes out once its lease expires with nothing lost, failures
//! still end as dead letters, and pooled SMTP delivers a whole batch to a
//! real server (`python3 -m aiosmtpd`) over a few reused connections.

use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use parvis_api::mail::worker::{self, MAX_ATTEMPTS, deliver_due, deliver_due_at, lease};
use parvis_api::store::{EventRecord, Origin, Store};
use parvis_api::{AppState, Config, mail, seed, token};
use parvis_core::registration::{RegistrationRequest, check_for_event};
use sqlx::AnyPool;
use tempfile::TempDir;

#[macro_use]
mod common;
use common::app::Backend;
use common::{PgDatabase, throwaway_postgres};

/// The app's state wired from `Config` (with `env` on top), on SQLite or
/// a throwaway PostgreSQL database, with an event anyone may join.
struct Outbox {
    dir: TempDir,
    _database: Option<PgDatabase>,
    state: AppState,
    event: EventRecord,
    pool: AnyPool,
    dialect: Backend,
}

impl Outbox {
    async fn new(backend: Backend, env: &[(&str, String)]) -> Option<Self> {
        let dir = TempDir::new().unwrap();
        let database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(throwaway_postgres().await?),
        };
        let data_dir = dir.path().display().to_string();
        let database_url = database.as_ref().map(|(_, url)| url.clone());
        let config = Config::from_lookup(|key| match key {
            "PARVIS_DATA_DIR" => Some(data_dir.clone()),
            "PARVIS_PUBLIC_URL" => Some("https://parvis.example.org".to_owned()),
            "PARVIS_DATABASE_URL" => database_url.clone(),
            "PARVIS_DEMO" => Some("0".to_owned()),
            _ => env
                .iter()
                .find(|(name, _)| *name == key)
                .map(|(_, value)| value.clone()),
        })
        .unwrap();
        let state = AppState::from_config(&config).await.unwrap();
        let now = Utc::now();
        let mut event = seed::demo_events(now.date_naive(), now).remove(0);
        event.public.slug = "courriels-par-lots".to_owned();
        event.public.capacity = None;
        state.store.insert_event(&event).await.unwrap();
        let event = state
            .store
            .event_by_slug("courriels-par-lots")
            .await
            .unwrap()
            .unwrap();
        let pool = AnyPool::connect(
            &database_url
                .unwrap_or_else(|| format!("sqlite://{}", config.database_path().display())),
        )
        .await
        .unwrap();
        Some(Self {
            dir,
            _database: database.map(|(database, _)| database),
            state,
            event,
            pool,
            dialect: backend,
        })
    }

    fn store(&self) -> &dyn Store {
        self.state.store.as_ref()
    }

    /// Registers `count` people through the store, each registration
    /// queueing its confirmation as the route's does.
    async fn register(&self, prefix: &str, count: usize) {
        let now = Utc::now();
        let compose = mail::composer("https://parvis.example.org", move || now);
        for n in 0..count {
            let request = RegistrationRequest {
                first_name: "Camille".into(),
                last_name: format!("Martin {n}"),
                email: format!("{prefix}-{n}@exemple.fr"),
                organisation: "Ville de Creil".into(),
                role: "Cheffe de projet".into(),
                consent: true,
                structure_type: "collectivite".into(),
                ..Default::default()
            };
            let checked = check_for_event(&self.event.public, &request).unwrap();
            let personal = token::generate().unwrap();
            self.state
                .store
                .register(
                    &self.event,
                    &checked,
                    &personal.token,
                    &Origin::default(),
                    &compose,
                    now,
                )
                .await
                .unwrap();
        }
    }

    async fn pending(&self) -> i64 {
        self.store().stats().await.unwrap().pending_emails
    }

    /// The `.eml` files the file transport wrote.
    fn files(&self) -> usize {
        std::fs::read_dir(self.dir.path().join("outbox"))
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".eml"))
                    .count()
            })
            .unwrap_or(0)
    }

    /// Rewrites a queued email's recipient, as no route would.
    async fn set_recipient(&self, recipient_now: &str, recipient: &str) {
        let sql = match self.dialect {
            Backend::Sqlite => "UPDATE outbox SET recipient = ? WHERE recipient = ?",
            Backend::Postgres => "UPDATE outbox SET recipient = $1 WHERE recipient = $2",
        };
        let done = sqlx::query(sql)
            .bind(recipient)
            .bind(recipient_now)
            .execute(&self.pool)
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 1);
    }
}

async fn a_batch_claim_never_hands_an_email_to_two_runners(backend: Backend) {
    let Some(outbox) = Outbox::new(backend, &[]).await else {
        return;
    };
    outbox.register("lot", 300).await;
    // Six runners claiming batches at once, as replicas would: each keeps
    // what it claimed (its lease runs) and claims again until none is due.
    let claimers = (0..6).map(|_| async {
        let mut mine = Vec::new();
        loop {
            let claimed = outbox
                .store()
                .claim_due_emails(Utc::now(), lease(), 25)
                .await
                .unwrap();
            if claimed.is_empty() {
                return mine;
            }
            assert!(claimed.len() <= 25);
            mine.extend(claimed.into_iter().map(|queued| queued.id));
            tokio::task::yield_now().await;
        }
    });
    let claimed: Vec<i64> = futures_util::future::join_all(claimers)
        .await
        .into_iter()
        .flatten()
        .collect();
    let unique: BTreeSet<i64> = claimed.iter().copied().collect();
    assert_eq!(claimed.len(), 300, "every email claimed once");
    assert_eq!(unique.len(), 300, "no email claimed twice");

    // After the leases, three real runners deliver them together: the sends
    // they count add up to the emails, none sent twice.
    let later = || Utc::now() + lease() + chrono::Duration::seconds(1);
    let mailer = outbox.state.mailer.clone();
    // The file transport (no PARVIS_SMTP_URL), built from the configuration
    // as the server builds it: PARVIS_MAIL_CONCURRENCY's default of 16 is
    // for SMTP's connections, files go two at a time.
    assert_eq!(
        mailer.parallel_sends(),
        parvis_api::mail::transport::FILE_WRITERS,
        "the file transport writes in parallel, within its bound"
    );
    let runs = (0..3).map(|_| deliver_due_at(outbox.store(), mailer.as_ref(), &later));
    let delivered: usize = futures_util::future::join_all(runs)
        .await
        .into_iter()
        .map(|report| report.unwrap().delivered)
        .sum();
    assert_eq!(delivered, 300);
    assert_eq!(outbox.pending().await, 0);
    assert_eq!(outbox.files(), 300);
}

async fn an_interrupted_batch_goes_out_after_its_lease_and_none_is_lost(backend: Backend) {
    let Some(outbox) = Outbox::new(backend, &[]).await else {
        return;
    };
    outbox.register("coupure", 60).await;
    let mailer = outbox.state.mailer.clone();
    // A runner claims a batch, sends part of it and dies before recording
    // anything.
    let claimed = outbox
        .store()
        .claim_due_emails(Utc::now(), lease(), 40)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 40);
    for queued in &claimed[..15] {
        mailer.send(&queued.email).await.unwrap();
    }
    // Meanwhile another runner takes only what nobody holds.
    let report = deliver_due(outbox.store(), mailer.as_ref()).await.unwrap();
    assert_eq!(report.delivered, 20, "the claimed batch is left alone");
    assert_eq!(outbox.pending().await, 40);
    // Once the lease has expired, the whole batch goes out, the part already
    // sent included (the file transport keeps the first copy).
    let later = || Utc::now() + lease() + chrono::Duration::seconds(1);
    let report = deliver_due_at(outbox.store(), mailer.as_ref(), &later)
        .await
        .unwrap();
    assert_eq!((report.delivered, report.failed), (40, 0));
    assert_eq!(outbox.pending().await, 0);
    assert_eq!(outbox.files(), 60);

    // A runner stopped mid-flight (its task dropped, as a Lambda's time
    // running out drops it) loses nothing either.
    outbox.register("arret", 200).await;
    let cut = tokio::time::timeout(
        Duration::from_millis(2),
        deliver_due(outbox.store(), mailer.as_ref()),
    )
    .await;
    assert!(cut.is_err(), "the runner was stopped before it was done");
    let mut delivered = 0;
    for _ in 0..3 {
        delivered += deliver_due_at(outbox.store(), mailer.as_ref(), &later)
            .await
            .unwrap()
            .delivered;
    }
    assert!(delivered <= 200);
    assert_eq!(outbox.pending().await, 0, "nothing is left behind");
    assert_eq!(outbox.files(), 260, "every email delivered, once");
}

async fn failures_in_a_batch_still_become_dead_letters(backend: Backend) {
    let Some(outbox) = Outbox::new(backend, &[]).await else {
        return;
    };
    outbox.register("lot", 30).await;
    // One address of the batch cannot be written in a message: refused for
    // good, while the rest of the batch goes out.
    outbox
        .set_recipient("lot-7@exemple.fr", "pas une adresse")
        .await;
    let report = deliver_due(outbox.store(), outbox.state.mailer.as_ref())
        .await
        .unwrap();
    assert_eq!((report.delivered, report.failed, report.dead), (29, 1, 1));
    let dead = outbox.store().dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].recipient, "pas une adresse");
    assert_eq!(dead[0].attempts, 1);
    assert_eq!(outbox.files(), 29);
}

async fn an_unreachable_relay_ends_in_dead_letters_after_the_retries(backend: Backend) {
    // Nothing listens on this port: every attempt fails for now.
    let port = free_port();
    let Some(outbox) = Outbox::new(
        backend,
        &[("PARVIS_SMTP_URL", format!("smtp://127.0.0.1:{port}"))],
    )
    .await
    else {
        return;
    };
    outbox.register("panne", 50).await;
    let mailer = outbox.state.mailer.clone();
    let mut at = Utc::now();
    let mut failed = 0;
    for attempt in 0..MAX_ATTEMPTS {
        let clock = move || at;
        let report = deliver_due_at(outbox.store(), mailer.as_ref(), &clock)
            .await
            .unwrap();
        assert_eq!(report.delivered, 0);
        failed += report.failed;
        at += worker::backoff(attempt) + chrono::Duration::seconds(1);
    }
    assert_eq!(failed as i64, 50 * MAX_ATTEMPTS, "each tried every time");
    let stats = outbox.store().stats().await.unwrap();
    assert_eq!((stats.pending_emails, stats.dead_emails), (0, 50));
    let dead = outbox.store().dead_letters(100).await.unwrap();
    assert!(dead.iter().all(|letter| letter.attempts == MAX_ATTEMPTS));
}

async fn pooled_smtp_delivers_a_whole_batch_over_a_few_connections(backend: Backend) {
    let port = free_port();
    let dir = TempDir::new().unwrap();
    let maildir = dir.path().join("maildir");
    let Some(outbox) = Outbox::new(
        backend,
        &[
            ("PARVIS_SMTP_URL", format!("smtp://127.0.0.1:{port}")),
            ("PARVIS_MAIL_CONCURRENCY", "4".to_owned()),
        ],
    )
    .await
    else {
        return;
    };
    let _sink = Sink::start(port, &maildir);
    outbox.register("smtp", 200).await;
    let mailer = outbox.state.mailer.clone();
    assert_eq!(mailer.parallel_sends(), 4);
    let report = deliver_due(outbox.store(), mailer.as_ref()).await.unwrap();
    assert_eq!((report.delivered, report.failed), (200, 0));
    assert_eq!(outbox.pending().await, 0);
    let messages = received(&maildir);
    assert_eq!(messages.len(), 200, "every email arrived");
    let ids: BTreeSet<&str> = messages.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids.len(), 200, "none twice");
    let recipients: BTreeSet<&str> = messages.iter().map(|m| m.to.as_str()).collect();
    assert_eq!(recipients.len(), 200, "each to its own registrant");
    // aiosmtpd notes each message's peer: the batch went over the pool's
    // few connections, reused from one email to the next (about one per
    // parallel send: lettre hands a connection back to its pool from a task
    // of its own, so a send starting at that instant may open one more).
    let connections: BTreeSet<&str> = messages.iter().map(|m| m.peer.as_str()).collect();
    assert!(
        (1..=8).contains(&connections.len()),
        "{} connections for 200 emails",
        connections.len()
    );
    // A second batch reuses the connections left open.
    outbox.register("encore", 20).await;
    let report = deliver_due(outbox.store(), mailer.as_ref()).await.unwrap();
    assert_eq!(report.delivered, 20);
    let messages = received(&maildir);
    assert_eq!(messages.len(), 220);
    let again: BTreeSet<&str> = messages.iter().map(|m| m.peer.as_str()).collect();
    assert!(
        again.len() <= connections.len() + 2,
        "{} connections, then {} in all",
        connections.len(),
        again.len()
    );
}

store_tests!(
    a_batch_claim_never_hands_an_email_to_two_runners,
    an_interrupted_batch_goes_out_after_its_lease_and_none_is_lost,
    failures_in_a_batch_still_become_dead_letters,
    an_unreachable_relay_ends_in_dead_letters_after_the_retries,
    pooled_smtp_delivers_a_whole_batch_over_a_few_connections,
);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An aiosmtpd server storing what it receives in a maildir.
struct Sink(Child);

impl Sink {
    fn start(port: u16, maildir: &Path) -> Self {
        let child = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd (pip install aiosmtpd; cargo xtask test installs it)");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not start on {addr}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Sink(child)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Received {
    message_id: String,
    to: String,
    /// The client's address and port as aiosmtpd saw them: one per
    /// connection.
    peer: String,
}

fn received(maildir: &Path) -> Vec<Received> {
    let new: PathBuf = maildir.join("new");
    std::fs::read_dir(new)
        .into_iter()
        .flatten()
        .map(|entry| {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let header = |name: &str| {
                text.lines()
                    .find_map(|line| line.strip_prefix(name))
                    .unwrap_or_default()
                    .trim()
                    .to_owned()
            };
            Received {
                message_id: header("Message-ID: "),
                to: header("To: "),
                peer: header("X-Peer: "),
            }
        })
        .collect()
}
