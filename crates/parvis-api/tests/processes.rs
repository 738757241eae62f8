//! Tests with real endpoint processes (the `parvis-server` binary):
//! crash safety under SIGKILL on both stores, and two replicas sharing one
//! PostgreSQL database.

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use parvis_api::Store;
use parvis_api::store::StoreStats;
use parvis_api::store::sql::SqlStore;
use serde_json::json;
use tempfile::TempDir;

mod common;

const WEBINAR: &str = "webinaire-ceq-2030-ctg-restitution";

/// A running `parvis-server`, killed (SIGKILL) when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    async fn start(data_dir: &Path, database_url: Option<&str>) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_parvis-server"));
        command
            .env("PARVIS_ADDR", addr.to_string())
            .env("PARVIS_DATA_DIR", data_dir)
            .env("PARVIS_PUBLIC_URL", "https://parvis.example.org")
            .env("PARVIS_APP_DIR", data_dir.join("no-app"))
            .env("PARVIS_JOBS_INTERVAL_SECONDS", "1")
            .env("PARVIS_RATE_LIMIT_PER_MINUTE", "0")
            .env("PARVIS_REGISTRATIONS_PER_CLIENT_PER_HOUR", "0")
            .env_remove("PARVIS_SMTP_URL")
            .env("PARVIS_LOG", "error")
            .stdout(Stdio::null());
        match database_url {
            Some(url) => command.env("PARVIS_DATABASE_URL", url),
            None => command.env_remove("PARVIS_DATABASE_URL"),
        };
        let child = command.spawn().unwrap();
        let server = Self { child, addr };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(response) = client.get(server.url("/api/health")).send().await
                && response.status() == 200
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("parvis-server did not answer on {addr}");
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn kill(mut self) {
        // std's kill() sends SIGKILL on Unix: no shutdown code runs.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn body(email: &str) -> serde_json::Value {
    json!({
        "first_name": "Alex", "last_name": "Durand", "email": email,
        "organisation": "Ville de Strasbourg", "role": "Chargé d'observation",
        "territory": "", "consent": true, "structure_type": "collectivite"
    })
}

/// Recipients of the `.eml` files in the outbox, with their counts.
fn delivered(outbox: &Path) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for entry in std::fs::read_dir(outbox).into_iter().flatten() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "eml") {
            let text = std::fs::read_to_string(&path).unwrap();
            let to = text
                .lines()
                .find_map(|line| line.strip_prefix("To: "))
                .expect("a To header")
                .trim()
                .to_owned();
            *counts.entry(to).or_insert(0) += 1;
        }
    }
    counts
}

async fn wait_until_delivered(store: &dyn Store) -> StoreStats {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let stats = store.stats().await.unwrap();
        if stats.pending_emails == 0 || Instant::now() > deadline {
            return stats;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends registrations from 8 concurrent clients until `stop` is set;
/// returns the addresses that got a 201.
async fn stream_registrations(
    base: String,
    stop: Arc<Mutex<bool>>,
    prefix: &'static str,
) -> Vec<String> {
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..8)
        .map(|worker| {
            let (base, stop, acknowledged) = (base.clone(), stop.clone(), acknowledged.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let mut n = 0;
                while !*stop.lock().unwrap() {
                    n += 1;
                    let email = format!("{prefix}-{worker}-{n}@exemple.fr");
                    let sent = client
                        .post(format!("{base}/api/events/{WEBINAR}/registrations"))
                        .json(&body(&email))
                        .send()
                        .await;
                    match sent {
                        Ok(response) if response.status() == 201 => {
                            acknowledged.lock().unwrap().push(email)
                        }
                        Ok(response) => panic!("unexpected status {}", response.status()),
                        // The server was killed: this request may or may not
                        // have been stored, but it was never acknowledged.
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    for client in clients {
        client.await.unwrap();
    }
    Arc::try_unwrap(acknowledged).unwrap().into_inner().unwrap()
}

async fn crash_mid_stream_loses_nothing(data: &TempDir, database_url: Option<String>) {
    let open_store = || async {
        match &database_url {
            Some(url) => SqlStore::open_postgres(url).await.unwrap(),
            None => SqlStore::open_sqlite(&data.path().join("parvis.sqlite3"))
                .await
                .unwrap(),
        }
    };
    let server = Server::start(data.path(), database_url.as_deref()).await;
    let stop = Arc::new(Mutex::new(false));
    let stream = tokio::spawn(stream_registrations(server.url(""), stop.clone(), "crash"));
    // Let registrations flow, then kill the process in the middle of them.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill();
    *stop.lock().unwrap() = true;
    let acknowledged = stream.await.unwrap();
    assert!(
        acknowledged.len() > 20,
        "only {} registrations before the crash",
        acknowledged.len()
    );

    let restarted = Server::start(data.path(), database_url.as_deref()).await;
    let store = open_store().await;
    let stats = wait_until_delivered(&store).await;
    assert_eq!(
        stats.pending_emails, 0,
        "every queued email is delivered after restart"
    );
    assert!(stats.registrations >= acknowledged.len() as i64);
    let counts = delivered(&data.path().join("outbox"));
    for email in &acknowledged {
        assert_eq!(
            counts.get(email),
            Some(&1),
            "{email} got a 201: its email must be delivered exactly once"
        );
    }
    assert!(counts.values().all(|&n| n == 1), "no email delivered twice");
    assert_eq!(
        counts.len() as i64,
        stats.emails,
        "every stored registration has its one email"
    );
    drop(restarted);
}

#[tokio::test]
async fn sqlite_a_crash_mid_stream_loses_no_acknowledged_registration_or_email() {
    let data = TempDir::new().unwrap();
    crash_mid_stream_loses_nothing(&data, None).await;
}

#[tokio::test]
async fn postgres_a_crash_mid_stream_loses_no_acknowledged_registration_or_email() {
    let Some((_database, url)) = common::throwaway_postgres().await else {
        return;
    };
    let data = TempDir::new().unwrap();
    crash_mid_stream_loses_nothing(&data, Some(url)).await;
}

#[tokio::test]
async fn postgres_two_replicas_store_each_registration_once_and_send_each_email_once() {
    let Some((_database, url)) = common::throwaway_postgres().await else {
        return;
    };
    let data = TempDir::new().unwrap();
    let replicas = [
        Server::start(data.path(), Some(&url)).await,
        Server::start(data.path(), Some(&url)).await,
    ];
    let client = reqwest::Client::new();
    let mut requests = Vec::new();
    let mut send = |replica: &Server, email: String| {
        let request = client
            .post(replica.url(&format!("/api/events/{WEBINAR}/registrations")))
            .json(&body(&email))
            .send();
        requests.push(tokio::spawn(request));
    };
    // 200 people, alternately on each replica, all at once.
    for n in 0..200 {
        send(&replicas[n % 2], format!("replica-{n}@exemple.fr"));
    }
    // 20 double clicks landing on both machines at once.
    for n in 0..20 {
        send(&replicas[0], format!("double-{n}@exemple.fr"));
        send(&replicas[1], format!("double-{n}@exemple.fr"));
    }
    for request in requests {
        assert_eq!(request.await.unwrap().unwrap().status(), 201);
    }
    let store = SqlStore::open_postgres(&url).await.unwrap();
    let stats = wait_until_delivered(&store).await;
    assert_eq!(
        (stats.people, stats.registrations),
        (220, 220),
        "each person stored once"
    );
    // A repeated registration sends its confirmation again, by design.
    assert_eq!(stats.emails, 240);
    assert_eq!(stats.pending_emails, 0);
    let counts = delivered(&data.path().join("outbox"));
    assert_eq!(
        counts.values().sum::<usize>(),
        240,
        "every queued email delivered once, none lost"
    );
    for n in 0..200 {
        assert_eq!(counts.get(&format!("replica-{n}@exemple.fr")), Some(&1));
    }
    for n in 0..20 {
        assert_eq!(counts.get(&format!("double-{n}@exemple.fr")), Some(&2));
    }
}

/// The sign-in link of the last email to `recipient` in the outbox files.
fn sign_in_token(outbox: &Path, recipient: &str) -> Option<String> {
    let mut found = None;
    let mut files: Vec<_> = std::fs::read_dir(outbox)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for file in files {
        let raw = std::fs::read_to_string(&file).ok()?;
        // Quoted-printable: soft line breaks and `=3D` for `=`.
        let text = raw
            .replace("=\r\n", "")
            .replace("=\n", "")
            .replace("=3D", "=");
        if text.to_lowercase().contains(&recipient.to_lowercase())
            && let Some(after) = text.split("#jeton=").nth(1)
        {
            found = Some(after[..64].to_owned());
        }
    }
    found
}

#[tokio::test]
async fn the_first_organisation_and_its_administrator_come_from_one_command() {
    let data = TempDir::new().unwrap();
    let command = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_parvis-server"))
            .args(args)
            .env("PARVIS_DATA_DIR", data.path())
            .env("PARVIS_PUBLIC_URL", "https://parvis.example.org")
            .env("PARVIS_DEMO", "0")
            .env("PARVIS_LOG", "error")
            .env_remove("PARVIS_DATABASE_URL")
            .env_remove("PARVIS_SMTP_URL")
            .output()
            .unwrap()
    };
    let refused = command(&[
        "create-organisation",
        "--slug",
        "Pôle Ressources",
        "--name",
        "x",
        "--admin-email",
        "a@b.fr",
        "--admin-name",
        "A",
    ]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--slug"),
        "{refused:?}"
    );
    let created = command(&[
        "create-organisation",
        "--slug",
        "pole-ressources",
        "--name",
        "Pôle ressources Ville et développement social",
        "--admin-email",
        "Direction@Pole-Ressources.example.org",
        "--admin-name",
        "Nadia Exemple",
    ]);
    assert!(created.status.success(), "{created:?}");
    assert!(
        String::from_utf8_lossy(&created.stdout).contains("pole-ressources"),
        "{created:?}"
    );
    // Twice is harmless: the same organisation, the same administrator.
    assert!(
        command(&[
            "create-organisation",
            "--slug",
            "pole-ressources",
            "--name",
            "Pôle ressources Ville et développement social",
            "--admin-email",
            "direction@pole-ressources.example.org",
            "--admin-name",
            "Nadia Exemple",
        ])
        .status
        .success()
    );

    // The administrator signs in on the server of the same data directory.
    let server = Server::start(data.path(), None).await;
    let client = reqwest::Client::new();
    let asked = client
        .post(server.url("/api/gestion/connexion"))
        .json(&serde_json::json!({ "email": "direction@pole-ressources.example.org" }))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 202);
    let outbox = data.path().join("outbox");
    let deadline = Instant::now() + Duration::from_secs(20);
    let token = loop {
        if let Some(token) = sign_in_token(&outbox, "direction@pole-ressources.example.org") {
            break token;
        }
        assert!(
            Instant::now() < deadline,
            "no sign-in email in {}",
            outbox.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let signed = client
        .post(server.url("/api/gestion/connexion/lien"))
        .json(&serde_json::json!({ "jeton": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 200);
    let me: serde_json::Value = signed.json().await.unwrap();
    assert_eq!(me["organisations"].as_array().unwrap().len(), 1, "{me}");
    assert_eq!(
        me["organisations"][0]["organisation"]["slug"],
        "pole-ressources"
    );
    assert_eq!(me["organisations"][0]["role"], "administrateur");
}
