//! Tests with real endpoint processes (the `parvis-server` binary):
//! crash safety under SIGKILL on both stores (registrations and their
//! emails, feedback answers), and two replicas sharing one PostgreSQL
//! database.

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

// ---- Feedback answers under SIGKILL ----

/// The event whose questionnaire the crash test answers.
const AVIS_EVENT: &str = "webinaire-avis-crash";
/// Its registrants, each asked once.
const AVIS_PEOPLE: usize = 160;
/// Concurrent participants' clients; each owns `AVIS_PEOPLE / AVIS_CLIENTS`
/// personal links.
const AVIS_CLIENTS: usize = 8;

/// An organiser's browser: the session cookie and its CSRF proof.
struct Organiser {
    cookie: String,
    csrf: String,
}

impl Organiser {
    fn send(
        &self,
        client: &reqwest::Client,
        method: reqwest::Method,
        url: String,
    ) -> reqwest::RequestBuilder {
        client
            .request(method, url)
            .header("cookie", &self.cookie)
            .header("x-parvis-csrf", &self.csrf)
    }
}

/// An organisation `centre` owning the webinar `AVIS_EVENT`, and a session
/// of its administrator, made in the store as the test app does.
async fn feedback_organiser(store: &dyn Store) -> Organiser {
    use parvis_api::store::accounts::Role;
    let now = chrono::Utc::now();
    let organisation = store
        .create_organisation("centre", "Centre de ressources", now)
        .await
        .unwrap()
        .unwrap();
    let account = store
        .account_for("alice@centre.example.org", "Alice Martin", now)
        .await
        .unwrap();
    store
        .set_member(organisation.id, account.id, Role::Administrateur, now)
        .await
        .unwrap();
    let session = parvis_api::token::generate().unwrap();
    let csrf = parvis_api::token::random_hex(32).unwrap();
    store
        .create_session(
            account.id,
            &session.hash,
            &csrf,
            "tests",
            now + chrono::Duration::days(1),
            now,
        )
        .await
        .unwrap();
    let day = now.date_naive() + chrono::Days::new(30);
    store
        .insert_event(&parvis_api::seed::webinar(AVIS_EVENT, day, None))
        .await
        .unwrap()
        .unwrap();
    store
        .assign_events(organisation.id, &[AVIS_EVENT])
        .await
        .unwrap();
    Organiser {
        cookie: format!("parvis_session={}", session.token),
        csrf,
    }
}

/// The personal feedback links in the `.eml` files of the outbox.
fn feedback_tokens(outbox: &Path) -> BTreeMap<String, String> {
    let mut tokens = BTreeMap::new();
    let prefix = "https://parvis.example.org/avis/";
    for entry in std::fs::read_dir(outbox).into_iter().flatten() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "eml") {
            continue;
        }
        let Ok(raw) = std::fs::read_to_string(&path) else {
            continue;
        };
        // Quoted-printable: soft line breaks and `=3D` for `=`.
        let text = raw
            .replace("=\r\n", "")
            .replace("=\n", "")
            .replace("=3D", "=");
        if let Some(after) = text.split(prefix).nth(1) {
            let token: String = after.chars().take(64).collect();
            assert!(
                token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()),
                "a broken link in {}: {token}",
                path.display()
            );
            let to = text
                .lines()
                .find_map(|line| line.strip_prefix("To: "))
                .expect("a To header")
                .trim()
                .to_owned();
            tokens.insert(token, to);
        }
    }
    tokens
}

/// Every answer of the webinar template, the long text carrying `version`.
fn answers(version: u32, submit: bool) -> serde_json::Value {
    json!({
        "answers": {
            "satisfaction": 1 + version % 5, "objectifs": 4, "intervenants": 5, "utilite": 3,
            "recommandation": version % 11, "approfondir": false,
            "points-forts": format!("version {version}")
        },
        "submit": submit
    })
}

/// What one personal link saw: the last version answered with a 200, and
/// the last version sent (one more when a request was cut by the crash).
#[derive(Debug, Clone, Copy, Default)]
struct Answered {
    acknowledged: Option<u32>,
    sent: Option<u32>,
}

/// Answers through the links from [`AVIS_CLIENTS`] concurrent clients
/// until `stop` is set or the server dies. Each client owns its links and
/// alternates a first answer (a submission) on a new link and a new
/// version on one it already answered, so that the crash lands among both.
/// Counts the 200s in `acknowledged_count`; returns what each link saw.
async fn stream_answers(
    base: String,
    tokens: Vec<String>,
    stop: Arc<Mutex<bool>>,
    acknowledged_count: Arc<std::sync::atomic::AtomicUsize>,
) -> BTreeMap<String, Answered> {
    let share = tokens.len() / AVIS_CLIENTS;
    let clients: Vec<_> = tokens
        .chunks(share)
        .map(|own| {
            let own = own.to_vec();
            let (base, stop, count) = (base.clone(), stop.clone(), acknowledged_count.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let mut seen: Vec<Answered> = vec![Answered::default(); own.len()];
                let mut started = 0;
                let mut step = 0usize;
                while !*stop.lock().unwrap() {
                    step += 1;
                    let index = if started == 0 || (step.is_multiple_of(2) && started < own.len()) {
                        started += 1;
                        started - 1
                    } else {
                        (step * 7) % started
                    };
                    let version = seen[index].sent.map_or(1, |v| v + 1);
                    seen[index].sent = Some(version);
                    let sent = client
                        .put(format!("{base}/api/avis/{}", own[index]))
                        .json(&answers(version, true))
                        .send()
                        .await;
                    match sent {
                        Ok(response) if response.status() == 200 => {
                            seen[index].acknowledged = Some(version);
                            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        }
                        Ok(response) => panic!(
                            "unexpected status {}: {}",
                            response.status(),
                            response.text().await.unwrap_or_default()
                        ),
                        // The server was killed: this answer may or may not
                        // have been stored, but it was never acknowledged.
                        Err(_) => break,
                    }
                }
                own.into_iter().zip(seen).collect::<Vec<_>>()
            })
        })
        .collect();
    let mut seen = BTreeMap::new();
    for client in clients {
        seen.extend(client.await.unwrap());
    }
    seen
}

async fn crash_mid_answers_loses_nothing(data: &TempDir, database_url: Option<String>) {
    let store: Arc<dyn Store> = Arc::new(match &database_url {
        Some(url) => SqlStore::open_postgres(url).await.unwrap(),
        None => SqlStore::open_sqlite(&data.path().join("parvis.sqlite3"))
            .await
            .unwrap(),
    });
    let organiser = feedback_organiser(store.as_ref()).await;
    let server = Server::start(data.path(), database_url.as_deref()).await;
    let client = reqwest::Client::new();

    // Registrants, through the public route.
    let registrations: Vec<_> = (0..AVIS_PEOPLE)
        .map(|n| {
            let request = client
                .post(server.url(&format!("/api/events/{AVIS_EVENT}/registrations")))
                .json(&body(&format!("avis-{n}@exemple.fr")))
                .send();
            tokio::spawn(request)
        })
        .collect();
    for registration in registrations {
        assert_eq!(registration.await.unwrap().unwrap().status(), 201);
    }

    // The questionnaire, from the webinar template, sent to all of them.
    let avis = server.url(&format!(
        "/api/gestion/organisations/centre/evenements/{AVIS_EVENT}/avis"
    ));
    let created = organiser
        .send(&client, reqwest::Method::POST, avis.clone())
        .json(&json!({"modele": "webinaire"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    let sent = organiser
        .send(
            &client,
            reqwest::Method::POST,
            format!("{avis}/a-chaud/envoyer"),
        )
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    let sent: serde_json::Value = sent.json().await.unwrap();
    assert_eq!(sent["sent"], AVIS_PEOPLE, "{sent}");

    // Each person's link, from the emails delivered to the outbox.
    let outbox = data.path().join("outbox");
    let deadline = Instant::now() + Duration::from_secs(60);
    let tokens = loop {
        let tokens = feedback_tokens(&outbox);
        if tokens.len() == AVIS_PEOPLE {
            break tokens;
        }
        assert!(
            Instant::now() < deadline,
            "{} feedback links of {AVIS_PEOPLE} in {}",
            tokens.len(),
            outbox.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let tokens: Vec<String> = tokens.into_keys().collect();

    // Answers flow; the process is killed once half the first answers
    // and as many new versions are acknowledged.
    let stop = Arc::new(Mutex::new(false));
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let stream = tokio::spawn(stream_answers(
        server.url(""),
        tokens.clone(),
        stop.clone(),
        count.clone(),
    ));
    let deadline = Instant::now() + Duration::from_secs(20);
    while count.load(std::sync::atomic::Ordering::SeqCst) < AVIS_PEOPLE && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.kill();
    *stop.lock().unwrap() = true;
    let seen = stream.await.unwrap();
    let acknowledged: Vec<(&String, u32)> = seen
        .iter()
        .filter_map(|(token, answered)| answered.acknowledged.map(|v| (token, v)))
        .collect();
    assert!(
        acknowledged.len() > 20,
        "only {} links answered before the crash",
        acknowledged.len()
    );
    assert!(
        acknowledged.len() < AVIS_PEOPLE,
        "the crash came after every link was answered: nothing was in flight"
    );

    // After restart, each acknowledged answer is there, submitted, at the
    // version acknowledged or at the one in flight when the process died.
    let restarted = Server::start(data.path(), database_url.as_deref()).await;
    for (token, version) in &acknowledged {
        let form = client
            .get(restarted.url(&format!("/api/avis/{token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), 200);
        let form: serde_json::Value = form.json().await.unwrap();
        assert_eq!(form["submitted"], true, "{token}: {form}");
        let stored = form["answers"]["points-forts"].as_str().unwrap_or_default();
        let in_flight = seen[*token].sent.filter(|sent| sent > version);
        assert!(
            stored == format!("version {version}")
                || in_flight.is_some_and(|v| stored == format!("version {v}")),
            "{token} acknowledged version {version}, found {stored:?}"
        );
    }
    // The results count each of them, and at most the one in flight more
    // per client.
    let results = organiser
        .send(
            &client,
            reqwest::Method::GET,
            restarted.url(&format!(
                "/api/gestion/organisations/centre/evenements/{AVIS_EVENT}/avis/a-chaud/resultats"
            )),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(results.status(), 200);
    let results: serde_json::Value = results.json().await.unwrap();
    let submitted = results["submitted"].as_u64().unwrap() as usize;
    assert_eq!(results["invited"], AVIS_PEOPLE, "{}", results["invited"]);
    assert!(
        (acknowledged.len()..=acknowledged.len() + AVIS_CLIENTS).contains(&submitted),
        "{submitted} submitted responses for {} acknowledged",
        acknowledged.len()
    );
    assert_eq!(
        results["summary"]["questions"][0]["answered"].as_u64(),
        Some(submitted as u64),
        "{}",
        results["summary"]["questions"][0]
    );
    drop(restarted);
}

#[tokio::test]
async fn sqlite_a_crash_mid_stream_loses_no_acknowledged_feedback_answer() {
    let data = TempDir::new().unwrap();
    crash_mid_answers_loses_nothing(&data, None).await;
}

#[tokio::test]
async fn postgres_a_crash_mid_stream_loses_no_acknowledged_feedback_answer() {
    let Some((_database, url)) = common::throwaway_postgres().await else {
        return;
    };
    let data = TempDir::new().unwrap();
    crash_mid_answers_loses_nothing(&data, Some(url)).await;
}
