//! Email reliability against a real SMTP server (`python3 -m aiosmtpd`,
//! installed by `cargo xtask test`), stopped and restarted mid-run: every
//! email arrives, none twice.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, header};
use parvis_api::mail::worker::deliver_due_at;
use parvis_api::{AppState, Config, Store, router, seed};
use serde_json::json;
use tempfile::TempDir;
use tower::ServiceExt;

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

    fn stop(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// (Message-ID, To) of every message in the maildir.
fn received(maildir: &Path) -> Vec<(String, String)> {
    let mut messages = Vec::new();
    for entry in std::fs::read_dir(maildir.join("new")).into_iter().flatten() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let header = |name: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(name))
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        messages.push((header("Message-ID: "), header("To: ")));
    }
    messages.sort();
    messages
}

async fn register(app: &axum::Router, n: usize) {
    let body = json!({
        "first_name": "Sacha", "last_name": "Leroy", "email": format!("smtp{n}@exemple.fr"),
        "organisation": "Ville d'Angers", "role": "Chargé de mission", "territory": "",
        "consent": true, "structure_type": "collectivite"
    });
    let request = Request::post(format!(
        "/api/events/{}/registrations",
        seed::UPCOMING_WEBINAR
    ))
    .header(header::CONTENT_TYPE, "application/json")
    .body(Body::from(body.to_string()))
    .unwrap();
    assert_eq!(app.clone().oneshot(request).await.unwrap().status(), 201);
}

#[tokio::test]
async fn every_email_arrives_once_across_an_smtp_outage() {
    let dir = TempDir::new().unwrap();
    let maildir = dir.path().join("maildir");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Wired from the environment as the server is: SMTP from PARVIS_SMTP_URL.
    let data_dir = dir.path().to_path_buf();
    let config = Config::from_lookup(|key| match key {
        "PARVIS_DATA_DIR" => Some(data_dir.display().to_string()),
        "PARVIS_SMTP_URL" => Some(format!("smtp://127.0.0.1:{port}")),
        "PARVIS_MAIL_FROM" => Some("Parvis <noreply@parvis.example.org>".into()),
        "PARVIS_PUBLIC_URL" => Some("https://parvis.example.org".into()),
        "PARVIS_RATE_LIMIT_PER_MINUTE" => Some("0".into()),
        _ => None,
    })
    .unwrap();
    let state = AppState::from_config(&config).await.unwrap();
    seed::seed_if_empty(state.store.as_ref()).await.unwrap();
    let mailer = state.mailer.clone();
    let app = router(state.clone());
    let store: &dyn Store = state.store.as_ref();

    let sink = Sink::start(port, &maildir);
    for n in 0..10 {
        register(&app, n).await;
    }
    let report = deliver_due_at(store, mailer.as_ref(), &chrono::Utc::now)
        .await
        .unwrap();
    assert_eq!((report.delivered, report.failed), (10, 0));
    assert_eq!(received(&maildir).len(), 10);

    // The mail server goes down mid-run: emails wait in the outbox.
    sink.stop();
    for n in 10..20 {
        register(&app, n).await;
    }
    let report = deliver_due_at(store, mailer.as_ref(), &chrono::Utc::now)
        .await
        .unwrap();
    assert_eq!(report.delivered, 0);
    assert!(report.failed >= 1);
    assert_eq!(store.stats().await.unwrap().pending_emails, 10);

    // It comes back; the retries (30 s later) deliver everything.
    let _sink = Sink::start(port, &maildir);
    let later = || chrono::Utc::now() + chrono::Duration::seconds(90);
    let mut delivered = 0;
    for _ in 0..5 {
        delivered += deliver_due_at(store, mailer.as_ref(), &later)
            .await
            .unwrap()
            .delivered;
        if store.stats().await.unwrap().pending_emails == 0 {
            break;
        }
    }
    assert_eq!(delivered, 10);
    assert_eq!(store.stats().await.unwrap().pending_emails, 0);
    let messages = received(&maildir);
    assert_eq!(messages.len(), 20, "every email arrived");
    let ids: std::collections::BTreeSet<&String> = messages.iter().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), 20, "none twice");
    for n in 0..20 {
        assert_eq!(
            messages
                .iter()
                .filter(|(_, to)| *to == format!("smtp{n}@exemple.fr"))
                .count(),
            1
        );
    }
}
