//! Endpoint tests: in-process through `tower::ServiceExt::oneshot`, and over
//! real HTTP on port 0. Every test runs twice, on its own temporary SQLite
//! file and on its own throwaway PostgreSQL database (see [`store_tests!`]).

use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use parvis_api::mail;
use parvis_api::outbox::{OutgoingEmail, QueuedEmail};
use parvis_api::{AppState, Config, Store, router, seed, token};
use serde_json::{Value, json};
use tempfile::TempDir;
use tower::ServiceExt;

mod common;
use common::{PgDatabase, throwaway_postgres};

const PUBLIC_URL: &str = "https://parvis.example.org";

/// Which store a test runs against; every test runs against both.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

struct TestApp {
    dir: TempDir,
    state: AppState,
    router: Router,
    config: Config,
    _database: Option<PgDatabase>,
}

struct Reply {
    status: StatusCode,
    content_type: String,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

fn registration(email: &str) -> Value {
    json!({
        "first_name": "Camille",
        "last_name": "Martin",
        "email": email,
        "organisation": "Ville de Creil",
        "role": "Cheffe de projet politique de la ville",
        "territory": "Creil, quartier Rouher",
        "consent": true,
        "structure_type": "collectivite"
    })
}

fn upcoming_registrations() -> String {
    format!("/api/events/{}/registrations", seed::UPCOMING_WEBINAR)
}

/// The jobs secret of the tests (32 bytes at least, as the server requires).
const JOBS_TOKEN: &str = "jeton-de-test-0123456789abcdef-0123";

impl TestApp {
    /// A seeded store of the given kind, built from the configuration as
    /// the server builds it; limits off unless a test turns them on.
    async fn new(backend: Backend) -> Option<Self> {
        Self::with_env(
            backend,
            &[
                ("PARVIS_RATE_LIMIT_PER_MINUTE", "0"),
                ("PARVIS_REGISTRATIONS_PER_CLIENT_PER_HOUR", "0"),
            ],
        )
        .await
    }

    /// Same, with these environment variables on top of the test's base
    /// (an empty value means the default).
    async fn with_env(backend: Backend, env: &[(&str, &str)]) -> Option<Self> {
        let dir = TempDir::new().unwrap();
        let database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(throwaway_postgres().await?),
        };
        let mut vars: std::collections::HashMap<String, String> = [
            ("PARVIS_DATA_DIR", dir.path().display().to_string()),
            ("PARVIS_PUBLIC_URL", PUBLIC_URL.to_owned()),
            (
                "PARVIS_MAIL_FROM",
                "Parvis <noreply@parvis.example.org>".to_owned(),
            ),
            ("PARVIS_JOBS_TOKEN", JOBS_TOKEN.to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        if let Some((_, url)) = &database {
            vars.insert("PARVIS_DATABASE_URL".to_owned(), url.clone());
        }
        for (key, value) in env {
            vars.insert((*key).to_owned(), (*value).to_owned());
        }
        let config = Config::from_lookup(|key| vars.get(key).cloned()).unwrap();
        let state = AppState::from_config(&config).await.unwrap();
        assert!(seed::seed_demo(&state).await.unwrap());
        let router = router(state.clone());
        Some(Self {
            dir,
            state,
            router,
            config,
            _database: database.map(|(database, _)| database),
        })
    }

    /// Serves `router` over real HTTP on port 0 with the server's own loop
    /// and limits from the configuration.
    async fn serve(&self, router: Router) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let limits = parvis_api::serve::Limits::from_config(&self.config);
        let server = tokio::spawn(async move {
            parvis_api::serve::serve(listener, router, limits, std::future::pending())
                .await
                .unwrap();
        });
        (addr, server)
    }

    fn store(&self) -> &dyn Store {
        self.state.store.as_ref()
    }

    async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            content_type,
            text: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    async fn get(&self, uri: &str) -> Reply {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    async fn post_raw(
        &self,
        uri: &str,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> Reply {
        let mut request = Request::post(uri);
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        self.send(request.body(body.into()).unwrap()).await
    }

    async fn register(&self, slug_path: &str, body: &Value) -> Reply {
        self.post_raw(slug_path, Some("application/json"), body.to_string())
            .await
    }

    /// Emails waiting in the outbox (claimed with a zero lease, so a later
    /// delivery in the same test still finds them).
    async fn queued(&self) -> Vec<QueuedEmail> {
        self.store()
            .claim_due_emails(chrono::Utc::now(), chrono::Duration::zero(), 1000)
            .await
            .unwrap()
    }

    /// Whether a personal token opens a registration.
    async fn opens(&self, token_text: &str) -> bool {
        self.store()
            .registration_by_token(&token::hash(token_text), chrono::Utc::now())
            .await
            .unwrap()
            .is_some()
    }

    fn outbox_dir(&self) -> PathBuf {
        self.dir.path().join("outbox")
    }

    async fn deliver(&self) -> usize {
        mail::worker::deliver_due(self.store(), self.state.mailer.as_ref())
            .await
            .unwrap()
            .delivered
    }

    fn eml_files(&self) -> Vec<String> {
        let mut files: Vec<String> = std::fs::read_dir(self.outbox_dir())
            .map(|dir| {
                dir.map(|entry| entry.unwrap().path())
                    .filter(|path| path.extension().is_some_and(|e| e == "eml"))
                    .map(|path| std::fs::read_to_string(path).unwrap())
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }
}

fn assert_error_shape(reply: &Reply, status: StatusCode, code: &str) -> Value {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert!(
        reply.content_type.starts_with("application/json"),
        "{}",
        reply.content_type
    );
    let body = reply.json();
    assert_eq!(body["code"], code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(body["fields"].is_object(), "{body}");
    body
}

async fn health_answers_ok(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let reply = app.get("/api/health").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["status"], "ok");
}

async fn the_agenda_lists_upcoming_events_first_then_past_ones_most_recent_first(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let reply = app.get("/api/events").await;
    assert_eq!(reply.status, StatusCode::OK);
    let slugs: Vec<String> = reply
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["slug"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        slugs,
        [
            seed::UPCOMING_COMMITTEE,
            seed::UPCOMING_WEBINAR,
            seed::UPCOMING_CYCLE,
            seed::WEBINAR_2025,
            "comite-pilotage-villes-vivre-ensemble-2016-07-01",
            "cycle-qualification-contrat-de-ville-2016",
            "journee-regionale-cohesion-sociale-paca-2011-06-15",
        ]
    );
    let first = &reply.json()[1];
    assert_eq!(first["registration_state"], "open");
    assert_eq!(first["format"], "en_ligne");
    assert!(first.get("connection_url").is_none());
}

async fn the_agenda_filters_by_time_kind_and_words_ignoring_accents(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let count = |reply: Reply| reply.json().as_array().unwrap().len();
    assert_eq!(count(app.get("/api/events?when=upcoming").await), 3);
    assert_eq!(count(app.get("/api/events?when=past").await), 4);
    let cycle = app.get("/api/events?kind=cycle&when=past").await.json();
    assert_eq!(cycle.as_array().unwrap().len(), 1);
    assert_eq!(cycle[0]["session_count"], 4);
    assert_eq!(cycle[0]["city"], "Évry");
    // « cohesion » finds « cohésion » in the PACA day, the committee and
    // the cycle (whose description speaks of it), upcoming first.
    let found = app.get("/api/events?q=COHESION%20sociale").await.json();
    let slugs: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        slugs,
        [
            seed::UPCOMING_COMMITTEE,
            seed::UPCOMING_CYCLE,
            "comite-pilotage-villes-vivre-ensemble-2016-07-01",
            "cycle-qualification-contrat-de-ville-2016",
            "journee-regionale-cohesion-sociale-paca-2011-06-15"
        ]
    );
    assert_eq!(count(app.get("/api/events?q=introuvable").await), 0);
}

async fn bad_agenda_parameters_get_a_french_400(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let body = assert_error_shape(
        &app.get("/api/events?kind=concert").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert!(body["message"].as_str().unwrap().contains("« kind »"));
    assert_error_shape(
        &app.get("/api/events?when=demain").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
}

async fn an_event_page_is_public_but_never_shows_the_connection_link(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let reply = app
        .get(&format!("/api/events/{}", seed::WEBINAR_2025))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(!reply.text.contains("visio.example.org"), "{}", reply.text);
    let event = reply.json();
    assert_eq!(
        event["sessions"][0]["starts_at"],
        "2025-05-13T16:30:00+02:00"
    );
    assert_eq!(
        event["contact"]["email"],
        "guillaume.dejardin@lepoleressources.fr"
    );
    assert_eq!(event["registration_state"], "closed");
    // Its report is its linked publication's page (the file itself is
    // reserved to registrants).
    assert_eq!(
        event["report"]["url"],
        format!("/publications/{}", seed::RESERVED_STUDY)
    );
}

async fn unknown_events_and_api_paths_are_404_in_the_error_shape(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    assert_error_shape(
        &app.get("/api/events/nulle-part").await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error_shape(
        &app.get("/api/nulle-part").await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error_shape(
        &app.register(
            "/api/events/nulle-part/registrations",
            &registration("a@exemple.fr"),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

async fn the_public_calendar_file_has_paris_times_in_utc_and_no_connection_link(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let reply = app
        .get(&format!("/api/events/{}/calendar.ics", seed::WEBINAR_2025))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.content_type.starts_with("text/calendar"));
    assert!(
        reply.text.contains("DTSTART:20250513T143000Z\r\n"),
        "{}",
        reply.text
    );
    assert!(reply.text.contains("DTEND:20250513T160000Z\r\n"));
    assert!(!reply.text.contains("visio.example.org"));
    let cycle = app
        .get("/api/events/cycle-qualification-contrat-de-ville-2016/calendar.ics")
        .await;
    assert_eq!(cycle.text.matches("BEGIN:VEVENT").count(), 4);
    assert!(
        cycle.text.contains("DTSTART:20160310T090000Z"),
        "winter time is UTC+1"
    );
    assert!(
        cycle.text.contains("DTSTART:20160623T080000Z"),
        "summer time is UTC+2"
    );
}

async fn a_registration_is_stored_and_its_confirmation_queued_without_leaking_secrets(
    backend: Backend,
) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let reply = app
        .register(
            &upcoming_registrations(),
            &registration("camille.martin@creil.fr"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["status"], "confirmed");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("e-mail de confirmation")
    );
    assert!(!reply.text.contains("visio.example.org"));
    assert!(!reply.text.contains("/inscription/"));

    let stats = app.store().stats().await.unwrap();
    assert_eq!((stats.people, stats.registrations, stats.emails), (1, 1, 1));
    let queued = app.queued().await;
    let email = &queued[0].email;
    assert_eq!(email.recipient, "camille.martin@creil.fr");
    assert!(
        email
            .body_text
            .contains("https://visio.example.org/parvis/")
    );
    // The reserved study, through a link signed for registrants.
    assert!(
        email.body_text.contains(&format!(
            "https://parvis.example.org/api/publications/{}/fichiers/",
            seed::RESERVED_STUDY
        )) && email.body_text.contains("&signature="),
        "{}",
        email.body_text
    );
    // The personal link carries a token whose hash, and only its hash, is stored.
    let token = email
        .body_text
        .split("https://parvis.example.org/inscription/")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    assert_eq!(token.len(), 64);
    assert!(app.opens(token).await, "the token's hash is stored");
    assert!(
        app.store()
            .registration_by_token(token, chrono::Utc::now())
            .await
            .unwrap()
            .is_none(),
        "the token itself is not stored"
    );
}

async fn registering_twice_creates_nothing_new_and_sends_the_confirmation_again(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let first = app
        .register(
            &upcoming_registrations(),
            &registration("camille.martin@creil.fr"),
        )
        .await;
    let second = app
        .register(
            &upcoming_registrations(),
            &registration("  Camille.Martin@CREIL.fr "),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(second.status, first.status);
    assert_eq!(
        second.text, first.text,
        "a replay answers as the first time"
    );
    let stats = app.store().stats().await.unwrap();
    assert_eq!((stats.people, stats.registrations, stats.emails), (1, 1, 2));
    // Every personal link sent works.
    let tokens: Vec<String> = app
        .queued()
        .await
        .iter()
        .map(|q| q.email.body_text.split("/inscription/").nth(1).unwrap()[..64].to_owned())
        .collect();
    assert_ne!(tokens[0], tokens[1]);
    assert!(app.opens(&tokens[0]).await);
    assert!(app.opens(&tokens[1]).await);
}

async fn registering_after_closing_is_a_409_with_a_clear_message(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let reply = app
        .register(
            &format!("/api/events/{}/registrations", seed::WEBINAR_2025),
            &registration("a@exemple.fr"),
        )
        .await;
    let body = assert_error_shape(&reply, StatusCode::CONFLICT, "registration_closed");
    assert_eq!(
        body["message"],
        "Les inscriptions à cet événement sont closes."
    );
    assert_eq!(app.store().stats().await.unwrap().registrations, 0);
}

async fn invalid_fields_are_all_listed_in_french_with_a_422(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let reply = app
        .register(
            &upcoming_registrations(),
            &json!({"email": "pas-une-adresse", "first_name": "  ", "consent": false}),
        )
        .await;
    let body = assert_error_shape(&reply, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let fields = body["fields"].as_object().unwrap();
    let names: Vec<&str> = fields.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "consent",
            "email",
            "first_name",
            "last_name",
            "organisation",
            "role",
            "structure_type"
        ]
    );
    assert_eq!(
        fields["first_name"][0],
        "Le champ « Prénom » est obligatoire."
    );
    assert!(
        fields["email"][0]
            .as_str()
            .unwrap()
            .contains("n'est pas valide")
    );
    assert!(body["message"].as_str().unwrap().contains("Prénom"));
    assert_eq!(app.store().stats().await.unwrap().people, 0);
}

async fn unreadable_requests_get_the_error_shape(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let path = upcoming_registrations();
    assert_error_shape(
        &app.post_raw(&path, Some("application/json"), "{\"email\": ")
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert_error_shape(
        &app.post_raw(&path, Some("application/json"), "{\"consent\": \"oui\"}")
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert_error_shape(
        &app.post_raw(&path, None, registration("a@exemple.fr").to_string())
            .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    let huge = json!({"first_name": "x".repeat(70 * 1024)}).to_string();
    assert_error_shape(
        &app.post_raw(&path, Some("application/json"), huge).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
}

async fn the_outbox_delivers_each_email_once_as_an_eml_file_and_forgets_the_body(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    app.register(
        &upcoming_registrations(),
        &registration("camille.martin@creil.fr"),
    )
    .await;
    app.register(
        &upcoming_registrations(),
        &registration("dominique.petit@valenciennes-metropole.fr"),
    )
    .await;
    assert_eq!(app.deliver().await, 2);
    assert_eq!(app.deliver().await, 0, "nothing is delivered twice");
    let files = app.eml_files();
    assert_eq!(files.len(), 2);
    for file in &files {
        assert!(file.contains("Content-Type: text/calendar"), "{file}");
        assert!(file.contains("filename=\"invitation.ics\""));
        assert!(file.contains("Message-ID: <"));
        assert!(file.contains("Subject: =?utf-8?") || file.contains("Subject: Inscription"));
    }
    let stats = app.store().stats().await.unwrap();
    assert_eq!(stats.pending_emails, 0);
    assert!(app.queued().await.is_empty());
}

async fn the_confirmation_writes_dates_the_french_way_and_carries_every_link(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let event = app
        .store()
        .event_by_slug(seed::WEBINAR_2025)
        .await
        .unwrap()
        .unwrap();
    let record = parvis_api::store::RegistrationRecord {
        id: 1,
        event_id: event.id,
        status: parvis_api::store::Status::Confirmed,
        first_name: "Camille".into(),
        last_name: "Martin".into(),
        email: "camille@exemple.fr".into(),
        tracks: vec![],
        sessions: vec![0],
        calendar_sequence: 1,
    };
    let notice = parvis_api::store::Notice {
        kind: parvis_api::store::NoticeKind::Registered,
        registration: &record,
        token: "abc123",
        sequence: 1,
        sent_sessions: None,
    };
    let email = mail::compose(&event, &notice, PUBLIC_URL, chrono::Utc::now()).unwrap();
    assert!(
        email
            .body_text
            .contains("mardi 13 mai 2025, 16 h 30 – 18 h"),
        "{}",
        email.body_text
    );
    assert!(email.body_text.contains(&format!(
        "https://visio.example.org/parvis/{}",
        seed::WEBINAR_2025
    )));
    assert!(
        email
            .body_text
            .contains("https://parvis.example.org/inscription/abc123")
    );
    // The reserved study, through a link signed for registrants.
    assert!(
        email.body_text.contains(&format!(
            "https://parvis.example.org/api/publications/{}/fichiers/",
            seed::RESERVED_STUDY
        )) && email.body_text.contains("&signature="),
        "{}",
        email.body_text
    );
    assert!(
        email
            .body_text
            .contains("guillaume.dejardin@lepoleressources.fr")
    );
    let ics = email.ics.unwrap();
    assert!(ics.contains("DTSTART:20250513T143000Z"));
    assert!(
        ics.replace("\r\n ", "").contains("visio.example.org"),
        "the registrant's calendar carries the link"
    );
    assert!(email.subject.starts_with("Inscription confirmée : "));
}

async fn the_endpoint_answers_over_real_http(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let (addr, server) = app.serve(app.router.clone()).await;
    let client = reqwest::Client::new();
    let base = format!("http://{addr}");
    let health = client
        .get(format!("{base}/api/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let events: Value = client
        .get(format!("{base}/api/events?when=upcoming"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(events[1]["slug"], seed::UPCOMING_WEBINAR);
    let created = client
        .post(format!("{base}{}", upcoming_registrations()))
        .json(&registration("sacha.leroy@angers.fr"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let invalid = client
        .post(format!("{base}{}", upcoming_registrations()))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), 422);
    let error: parvis_core::api::ApiError = invalid.json().await.unwrap();
    assert_eq!(error.fields.0.len(), 7);
    assert_eq!(app.store().stats().await.unwrap().registrations, 1);
    server.abort();
}

async fn the_jobs_route_needs_its_secret_and_delivers_the_outbox(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    app.register(
        &upcoming_registrations(),
        &registration("camille.martin@creil.fr"),
    )
    .await;
    let run = |authorization: Option<&str>| {
        let mut request = Request::post("/api/jobs/run");
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        request.body(Body::empty()).unwrap()
    };
    assert_error_shape(
        &app.send(run(None)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    assert_error_shape(
        &app.send(run(Some("Bearer faux"))).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    assert_eq!(app.eml_files().len(), 0);
    let reply = app.send(run(Some(&format!("Bearer {JOBS_TOKEN}")))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["emails"]["delivered"], 1);
    assert_eq!(app.eml_files().len(), 1);
    // The scheme is case-insensitive (RFC 9110).
    let again = app.send(run(Some(&format!("bearer {JOBS_TOKEN}")))).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.json()["emails"]["delivered"], 0);

    // Without a configured secret the route does not exist.
    let Some(closed) = TestApp::with_env(backend, &[("PARVIS_JOBS_TOKEN", "")]).await else {
        return;
    };
    assert_error_shape(
        &closed
            .send(run(Some(&format!("Bearer {JOBS_TOKEN}"))))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

async fn overlapping_runners_deliver_each_email_exactly_once(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    for n in 0..40 {
        let reply = app
            .register(
                &upcoming_registrations(),
                &registration(&format!("personne{n}@exemple.fr")),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED);
    }
    // Four runners at once, as a local task, a scheduler and replicas would,
    // each with a transport that records what it is asked to send.
    let mailers: Vec<Recording> = (0..4).map(|_| Recording::default()).collect();
    let runs = mailers
        .iter()
        .map(|mailer| mail::worker::deliver_due(app.store(), mailer));
    let reports = futures_join_all(runs).await;
    let delivered: usize = reports.into_iter().map(|r| r.unwrap().delivered).sum();
    assert_eq!(delivered, 40);
    let sent: Vec<String> = mailers
        .iter()
        .flat_map(|m| m.0.lock().unwrap().clone())
        .collect();
    assert_eq!(sent.len(), 40, "one send per email");
    let unique: std::collections::BTreeSet<&String> = sent.iter().collect();
    assert_eq!(unique.len(), 40, "no email sent twice");
    assert_eq!(app.store().stats().await.unwrap().pending_emails, 0);
}

/// A transport that records the Message-IDs it is asked to send, and yields
/// once per email so that concurrent runners really interleave.
#[derive(Default)]
struct Recording(std::sync::Mutex<Vec<String>>);

#[async_trait::async_trait]
impl parvis_api::mail::transport::Mailer for Recording {
    async fn send(&self, email: &OutgoingEmail) -> anyhow::Result<()> {
        tokio::task::yield_now().await;
        self.0.lock().unwrap().push(email.message_id.clone());
        Ok(())
    }
}

async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let handles: Vec<_> = futures.map(Box::pin).collect();
    let mut outputs = Vec::new();
    let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
    // Poll all together: a tiny join_all, to avoid a dependency for one test.
    std::future::poll_fn(|cx| {
        let mut done = true;
        for slot in pending.iter_mut() {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(output) => {
                        outputs.push(output);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs
}

async fn an_email_that_cannot_be_sent_now_is_kept_and_retried_later(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    app.register(
        &upcoming_registrations(),
        &registration("camille.martin@creil.fr"),
    )
    .await;
    // The outbox directory becomes a file: every delivery fails.
    let outbox = app.outbox_dir();
    std::fs::remove_dir_all(&outbox).unwrap();
    std::fs::write(&outbox, "pas un dossier").unwrap();
    let report = mail::worker::deliver_due(app.store(), app.state.mailer.as_ref())
        .await
        .unwrap();
    assert_eq!((report.delivered, report.failed), (0, 1));
    assert_eq!(app.store().stats().await.unwrap().pending_emails, 1);
    assert!(
        app.queued().await.is_empty(),
        "not retried before its backoff"
    );
    let later = app
        .store()
        .claim_due_emails(
            chrono::Utc::now() + chrono::Duration::seconds(31),
            chrono::Duration::zero(),
            10,
        )
        .await
        .unwrap();
    assert_eq!(later.len(), 1, "retried after 30 s");
    assert_eq!(later[0].attempts, 1);
    assert!(
        later[0].email.body_text.contains("/inscription/"),
        "the body is kept until delivered"
    );
}

async fn seeding_again_or_concurrently_changes_nothing(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    assert!(!seed::seed_if_empty(app.store()).await.unwrap());
    assert!(!seed::seed_demo(&app.state).await.unwrap());
    let now = chrono::Utc::now();
    for event in seed::demo_events(now.date_naive(), now) {
        assert_eq!(app.store().insert_event(&event).await.unwrap(), None);
    }
    assert_eq!(
        app.get("/api/events")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        7
    );
    assert_eq!(app.get("/api/publications").await.json()["total"], 4);
}

async fn lambda_events_are_answered_by_the_same_router(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let events = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
    let call = |file: &str| {
        let json = std::fs::read_to_string(events.join(file)).unwrap();
        let request = lambda_http::request::from_str(&json).unwrap();
        let router = app.router.clone();
        async move {
            let response = router.oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            (status, serde_json::from_slice::<Value>(&bytes).unwrap())
        }
    };
    let (status, body) = call("health.json").await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    let (status, body) = call("events-upcoming.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body[1]["slug"], seed::UPCOMING_WEBINAR);
    let (status, body) = call("register.json").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "confirmed");
    let (status, body) = call("register-invalid.json").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["fields"]["email"][0]
            .as_str()
            .unwrap()
            .contains("n'est pas valide")
    );
    assert_eq!(app.store().stats().await.unwrap().registrations, 1);
}

fn registration_with(email: &str, extra: Value) -> Value {
    let mut body = registration(email);
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

/// Stores a copy of the upcoming webinar under `slug`, changed by `adjust`.
async fn custom_event(
    app: &TestApp,
    slug: &str,
    adjust: impl FnOnce(&mut parvis_api::store::NewEvent),
) -> String {
    let now = chrono::Utc::now();
    let mut event = seed::demo_events(now.date_naive(), now).remove(0);
    event.public.slug = slug.to_owned();
    adjust(&mut event);
    app.store().insert_event(&event).await.unwrap().unwrap();
    format!("/api/events/{slug}/registrations")
}

fn token_of(email: &QueuedEmail) -> String {
    email.email.body_text.split("/inscription/").nth(1).unwrap()[..64].to_owned()
}

async fn emails_to(app: &TestApp, recipient: &str) -> Vec<QueuedEmail> {
    app.queued()
        .await
        .into_iter()
        .filter(|q| q.email.recipient == recipient)
        .collect()
}

/// Sends one registration for each address to `path` all at once, each
/// on a connection of its own through real HTTP, and returns their answers'
/// bodies, every one a 201.
async fn register_at_once(app: &TestApp, path: &str, emails: Vec<String>) -> Vec<Value> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(axum::serve(listener, app.router.clone()).into_future());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(emails.len())
        .build()
        .unwrap();
    let attempts: Vec<_> = emails
        .iter()
        .map(|email| {
            let request = client
                .post(format!("{base}{path}"))
                .json(&registration(email))
                .send();
            tokio::spawn(request)
        })
        .collect();
    let mut bodies = Vec::with_capacity(attempts.len());
    for attempt in attempts {
        let response = attempt.await.unwrap().unwrap();
        assert_eq!(response.status(), 201);
        bodies.push(response.json().await.unwrap());
    }
    server.abort();
    bodies
}

async fn a_hundred_seats_and_a_thousand_simultaneous_attempts_confirm_exactly_a_hundred(
    backend: Backend,
) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let path = custom_event(&app, "cent-places", |event| {
        event.public.capacity = Some(100);
        event.public.waitlist = true;
    })
    .await;
    let emails = (0..1000).map(|n| format!("p{n}@exemple.fr")).collect();
    let mut statuses = std::collections::BTreeMap::new();
    for body in register_at_once(&app, &path, emails).await {
        *statuses
            .entry(body["status"].as_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    assert_eq!(statuses.get("confirmed"), Some(&100), "{statuses:?}");
    assert_eq!(statuses.get("waitlisted"), Some(&900));
    let stats = app.store().stats().await.unwrap();
    assert_eq!((stats.confirmed, stats.waitlisted), (100, 900));
    let event = app.get("/api/events/cent-places").await.json();
    assert_eq!(
        event["availability"]["event"],
        json!({"capacity": 100, "taken": 100})
    );
}

/// One person sending the same form many times at once, through as many
/// connections (a double click, a client retrying): one registration, one
/// seat, one confirmation; every answer a 201 about that registration.
/// On PostgreSQL, concurrent transactions each find no earlier
/// registration, and all but one meet the unique index: those write
/// nothing and give their seat back.
async fn one_person_registering_twenty_times_at_once_holds_one_seat(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let path = custom_event(&app, "vingt-fois", |event| {
        event.public.capacity = Some(5);
        event.public.waitlist = true;
    })
    .await;
    let emails = vec!["double-clic@exemple.fr".to_owned(); 20];
    for body in register_at_once(&app, &path, emails).await {
        assert_eq!(body["status"], "confirmed", "{body}");
    }
    let stats = app.store().stats().await.unwrap();
    assert_eq!((stats.registrations, stats.confirmed), (1, 1));
    let event = app.get("/api/events/vingt-fois").await.json();
    assert_eq!(
        event["availability"]["event"],
        json!({"capacity": 5, "taken": 1})
    );
    // The confirmation, and the daily few sent again to replays.
    let emails = emails_to(&app, "double-clic@exemple.fr").await.len();
    let bound = 1 + usize::try_from(parvis_api::store::MAX_RESENDS_PER_DAY).unwrap();
    assert!((1..=bound).contains(&emails), "{emails} emails");
}

async fn a_full_event_without_waiting_list_refuses_clearly(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let path = custom_event(&app, "deux-places", |event| event.public.capacity = Some(2)).await;
    for n in 0..2 {
        assert_eq!(
            app.register(&path, &registration(&format!("p{n}@exemple.fr")))
                .await
                .status,
            StatusCode::CREATED
        );
    }
    let body = assert_error_shape(
        &app.register(&path, &registration("p3@exemple.fr")).await,
        StatusCode::CONFLICT,
        "full",
    );
    assert!(body["message"].as_str().unwrap().contains("complet"));
    assert_eq!(app.store().stats().await.unwrap().registrations, 2);
}

async fn a_cancellation_promotes_the_first_in_line_who_then_gets_the_link(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let path = custom_event(&app, "une-place", |event| {
        event.public.capacity = Some(1);
        event.public.waitlist = true;
    })
    .await;
    app.register(&path, &registration("premiere@exemple.fr"))
        .await;
    let waiting = app
        .register(&path, &registration("seconde@exemple.fr"))
        .await
        .json();
    assert_eq!(waiting["status"], "waitlisted");
    assert!(waiting["message"].as_str().unwrap().contains("rang 1"));
    let third = app
        .register(&path, &registration("troisieme@exemple.fr"))
        .await
        .json();
    assert!(third["message"].as_str().unwrap().contains("rang 2"));
    let waitlisted_email = &emails_to(&app, "seconde@exemple.fr").await[0].email;
    assert!(
        waitlisted_email.subject.contains("rang 1"),
        "{}",
        waitlisted_email.subject
    );
    assert!(
        !waitlisted_email.body_text.contains("visio.example.org"),
        "no link while waiting"
    );
    assert!(waitlisted_email.ics.is_none(), "no calendar while waiting");

    let first = emails_to(&app, "premiere@exemple.fr").await;
    let token = token_of(&first[0]);
    let cancelled = app
        .post_raw(
            &format!("/api/registrations/{token}/cancel"),
            None,
            Body::empty(),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
    assert_eq!(cancelled.json()["status"], "cancelled");

    let promoted: Vec<QueuedEmail> = emails_to(&app, "seconde@exemple.fr").await;
    let promotion = &promoted.last().unwrap().email;
    assert!(
        promotion.subject.starts_with("Une place s'est libérée"),
        "{}",
        promotion.subject
    );
    assert!(
        promotion
            .body_text
            .contains("https://visio.example.org/parvis/")
    );
    assert!(promotion.ics.as_deref().unwrap().contains("BEGIN:VEVENT"));
    let view = app
        .get(&format!("/api/registrations/{}", token_of(&promoted[0])))
        .await
        .json();
    assert_eq!(view["status"], "confirmed");
    let third_view = app
        .get(&format!(
            "/api/registrations/{}",
            token_of(&emails_to(&app, "troisieme@exemple.fr").await[0])
        ))
        .await
        .json();
    assert_eq!(
        (third_view["status"].as_str(), third_view["rank"].as_u64()),
        (Some("waitlisted"), Some(1))
    );
    let stats = app.store().stats().await.unwrap();
    assert_eq!((stats.confirmed, stats.waitlisted), (1, 1));
}

async fn workshops_have_their_own_seats_and_waiting_lists(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let path = format!("/api/events/{}/registrations", seed::UPCOMING_COMMITTEE);
    let member = |n: usize, track: &str| {
        registration_with(
            &format!("membre{n}@exemple.fr"),
            json!({
                "invitation_code": seed::DEMO_INVITATION_CODE,
                "tracks": [track],
                "answers": {"dejeuner": true}
            }),
        )
    };
    let missing = app.register(&path, &registration_with("x@exemple.fr", json!({"invitation_code": seed::DEMO_INVITATION_CODE, "answers": {"dejeuner": true}}))).await;
    let body = assert_error_shape(&missing, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert!(
        body["fields"]["tracks"][0]
            .as_str()
            .unwrap()
            .contains("Choisissez un atelier")
    );
    for n in 0..8 {
        let reply = app
            .register(&path, &member(n, "observation-partagee"))
            .await;
        assert_eq!(reply.json()["status"], "confirmed", "{}", reply.text);
    }
    assert_eq!(
        app.register(&path, &member(8, "observation-partagee"))
            .await
            .json()["status"],
        "waitlisted"
    );
    assert_eq!(
        app.register(&path, &member(9, "place-des-habitants"))
            .await
            .json()["status"],
        "confirmed"
    );
    for n in 10..17 {
        assert_eq!(
            app.register(&path, &member(n, "place-des-habitants"))
                .await
                .json()["status"],
            "confirmed"
        );
    }
    // Each workshop has its own queue: the first person waiting for the
    // second workshop is first in line there.
    let second_queue = app
        .register(&path, &member(17, "place-des-habitants"))
        .await
        .json();
    assert_eq!(second_queue["status"], "waitlisted");
    assert!(
        second_queue["message"].as_str().unwrap().contains("rang 1"),
        "{second_queue}"
    );
    let event = app
        .get(&format!("/api/events/{}", seed::UPCOMING_COMMITTEE))
        .await
        .json();
    assert_eq!(
        event["availability"]["track:observation-partagee"]["taken"],
        8
    );
    assert_eq!(
        event["availability"]["track:place-des-habitants"]["taken"],
        8
    );

    // A waiting member moves to the other workshop, where seats are left.
    let token = token_of(&emails_to(&app, "membre8@exemple.fr").await[0]);
    let change = app
        .send(
            Request::patch(format!("/api/registrations/{token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"tracks": ["place-des-habitants"]}).to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(change.status, StatusCode::OK, "{}", change.text);
    assert_eq!(change.json()["tracks"], json!(["place-des-habitants"]));
}

async fn members_only_events_need_an_invitation_link_or_code(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let path = format!("/api/events/{}/registrations", seed::UPCOMING_COMMITTEE);
    let base = json!({"tracks": ["observation-partagee"], "answers": {"dejeuner": false}});
    let refused = app
        .register(
            &path,
            &registration_with("curieux@exemple.fr", base.clone()),
        )
        .await;
    let body = assert_error_shape(&refused, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert!(
        body["fields"]["invitation_code"][0]
            .as_str()
            .unwrap()
            .contains("réservé aux membres")
    );
    let mut wrong = base.clone();
    wrong["invitation_code"] = json!("MAUVAIS-CODE");
    let body = assert_error_shape(
        &app.register(&path, &registration_with("curieux@exemple.fr", wrong))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert!(
        body["fields"]["invitation_code"][0]
            .as_str()
            .unwrap()
            .contains("n'est pas valide")
    );
    let mut good = base.clone();
    good["invitation_code"] = json!(" vivre-ensemble ");
    assert_eq!(
        app.register(&path, &registration_with("invitee@exemple.fr", good))
            .await
            .status,
        StatusCode::CREATED
    );
    // Typing a member's address lets nobody in: members register through
    // their personal invitation link (tests/invitations.rs).
    let typed = app
        .register(
            &path,
            &registration_with("maud.gallay@odas.example.org", base),
        )
        .await;
    let body = assert_error_shape(&typed, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert!(
        body["fields"]["invitation_code"][0]
            .as_str()
            .unwrap()
            .contains("réservé aux membres")
    );
    let page = app
        .get(&format!("/api/events/{}", seed::UPCOMING_COMMITTEE))
        .await;
    assert!(!page.text.to_lowercase().contains("vivre-ensemble\\\""));
    assert!(!page.text.contains("invitation_code_hashes"));
}

async fn a_cycle_can_be_taken_day_by_day_with_one_calendar_entry_per_day(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let path = format!("/api/events/{}/registrations", seed::UPCOMING_CYCLE);
    let missing = app
        .register(
            &path,
            &registration_with("a@exemple.fr", json!({"sessions": [0, 2]})),
        )
        .await;
    let body = assert_error_shape(&missing, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert!(
        body["fields"]["answers.portage-epci"][0]
            .as_str()
            .unwrap()
            .contains("demande une réponse")
    );
    let reply = app
        .register(
            &path,
            &registration_with(
                "a@exemple.fr",
                json!({"sessions": [2, 0], "answers": {"portage-epci": true, "experience": "4"}}),
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let email = &emails_to(&app, "a@exemple.fr").await[0];
    let ics = email.email.ics.as_deref().unwrap();
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2, "{ics}");
    assert!(
        email.email.body_text.contains("Journée")
            || email.email.body_text.matches(" h – ").count() == 2
    );
    let view = app
        .get(&format!("/api/registrations/{}", token_of(email)))
        .await
        .json();
    assert_eq!(view["sessions"], json!([0, 2]));
    let event = app
        .get(&format!("/api/events/{}", seed::UPCOMING_CYCLE))
        .await
        .json();
    assert_eq!(event["availability"]["session:0"]["taken"], 1);
    assert_eq!(event["availability"]["session:1"]["taken"], 0);
    let personal = app
        .get(&format!(
            "/api/registrations/{}/calendar.ics",
            token_of(email)
        ))
        .await;
    assert_eq!(personal.status, StatusCode::OK);
    assert_eq!(personal.text.matches("BEGIN:VEVENT").count(), 2);
}

async fn a_wrong_personal_link_says_nothing(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    for token in ["abc", &"0".repeat(64), &"z".repeat(64)] {
        let body = assert_error_shape(
            &app.get(&format!("/api/registrations/{token}")).await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
        assert_eq!(
            body["message"],
            "Ce lien d'inscription n'est pas valide. Utilisez le lien reçu par e-mail."
        );
    }
}

async fn reminders_are_queued_once_however_many_runners_overlap(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let soon = chrono::Utc::now() + chrono::Duration::minutes(50);
    let path = custom_event(&app, "bientot", |event| {
        let session = &mut event.public.sessions[0];
        session.starts_at = soon.fixed_offset();
        session.ends_at = (soon + chrono::Duration::hours(1)).fixed_offset();
        event.public.registration.closes_at = soon.fixed_offset();
    })
    .await;
    for n in 0..5 {
        app.register(&path, &registration(&format!("r{n}@exemple.fr")))
            .await;
    }
    let runs = (0..3).map(|_| parvis_api::jobs::run_once(&app.state));
    let reports = futures_join_all(runs).await;
    let reminders: usize = reports.into_iter().map(|r| r.unwrap().reminders).sum();
    assert_eq!(
        reminders, 5,
        "one reminder per registrant (the 1-hour one; the 1-day one is past)"
    );
    assert_eq!(
        parvis_api::jobs::run_once(&app.state)
            .await
            .unwrap()
            .reminders,
        0
    );
    let files = app.eml_files();
    let reminder = files
        .iter()
        .find(|f| {
            f.contains("Subject: Rappel")
                || f.contains("UmFwcGVs")
                || f.contains("=?utf-8?b?UmFwcGVs")
        })
        .expect("a reminder in the outbox");
    assert!(reminder.contains("invitation.ics"));
}

async fn the_honeypot_and_the_rate_limit_stop_bots_not_people(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let bot = app
        .register(
            &upcoming_registrations(),
            &registration_with("bot@exemple.fr", json!({"website": "http://spam.example"})),
        )
        .await;
    assert_eq!(
        bot.status,
        StatusCode::CREATED,
        "a bot sees the usual answer"
    );
    assert_eq!(
        app.store().stats().await.unwrap().registrations,
        0,
        "but nothing is stored"
    );

    // The limit comes from the environment, as on the server; a client
    // writing X-Forwarded-For (trusting no proxy by default) gains nothing.
    let Some(limited) = TestApp::with_env(backend, &[("PARVIS_RATE_LIMIT_PER_MINUTE", "2")]).await
    else {
        return;
    };
    let attempt = |n: usize| {
        let mut request = Request::post(upcoming_registrations())
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-forwarded-for", format!("198.51.100.{n}"))
            .body(Body::from(
                registration(&format!("humain{n}@exemple.fr")).to_string(),
            ))
            .unwrap();
        request.extensions_mut().insert(axum::extract::ConnectInfo(
            "203.0.113.7:40000".parse::<std::net::SocketAddr>().unwrap(),
        ));
        request
    };
    for n in 0..2 {
        assert_eq!(limited.send(attempt(n)).await.status, StatusCode::CREATED);
    }
    let refused = limited.router.clone().oneshot(attempt(3)).await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().get(header::RETRY_AFTER).is_some());
    let body: Value =
        serde_json::from_slice(&refused.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["code"], "rate_limited");
    assert!(body["message"].as_str().unwrap().contains("Réessayez dans"));
}

async fn someone_waiting_who_switches_to_a_workshop_with_seats_is_confirmed(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let path = format!("/api/events/{}/registrations", seed::UPCOMING_COMMITTEE);
    let member = |n: usize| {
        registration_with(
            &format!("membre{n}@exemple.fr"),
            json!({
                "invitation_code": seed::DEMO_INVITATION_CODE,
                "tracks": ["observation-partagee"],
                "answers": {"dejeuner": true}
            }),
        )
    };
    for n in 0..8 {
        assert_eq!(
            app.register(&path, &member(n)).await.json()["status"],
            "confirmed"
        );
    }
    assert_eq!(
        app.register(&path, &member(8)).await.json()["status"],
        "waitlisted"
    );
    let token = token_of(&emails_to(&app, "membre8@exemple.fr").await[0]);
    let change = app
        .send(
            Request::patch(format!("/api/registrations/{token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"tracks": ["place-des-habitants"]}).to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(change.status, StatusCode::OK, "{}", change.text);
    assert_eq!(change.json()["status"], "confirmed");
    let event = app
        .get(&format!("/api/events/{}", seed::UPCOMING_COMMITTEE))
        .await
        .json();
    assert_eq!(
        event["availability"]["track:place-des-habitants"]["taken"],
        1
    );
    assert_eq!(
        event["availability"]["track:observation-partagee"]["taken"],
        8
    );
    let changed = emails_to(&app, "membre8@exemple.fr").await;
    let last = &changed.last().unwrap().email;
    assert!(
        last.subject.starts_with("Inscription modifiée"),
        "{}",
        last.subject
    );
    assert!(
        last.ics.is_some(),
        "confirmed now: the calendar file comes with it"
    );
}

/// Runs each test against both stores: `sqlite::name` and `postgres::name`.
macro_rules! store_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })*
        }
    };
}

store_tests!(
    health_answers_ok,
    the_agenda_lists_upcoming_events_first_then_past_ones_most_recent_first,
    the_agenda_filters_by_time_kind_and_words_ignoring_accents,
    bad_agenda_parameters_get_a_french_400,
    an_event_page_is_public_but_never_shows_the_connection_link,
    unknown_events_and_api_paths_are_404_in_the_error_shape,
    the_public_calendar_file_has_paris_times_in_utc_and_no_connection_link,
    a_registration_is_stored_and_its_confirmation_queued_without_leaking_secrets,
    registering_twice_creates_nothing_new_and_sends_the_confirmation_again,
    registering_after_closing_is_a_409_with_a_clear_message,
    invalid_fields_are_all_listed_in_french_with_a_422,
    unreadable_requests_get_the_error_shape,
    the_outbox_delivers_each_email_once_as_an_eml_file_and_forgets_the_body,
    the_confirmation_writes_dates_the_french_way_and_carries_every_link,
    the_endpoint_answers_over_real_http,
    the_jobs_route_needs_its_secret_and_delivers_the_outbox,
    overlapping_runners_deliver_each_email_exactly_once,
    an_email_that_cannot_be_sent_now_is_kept_and_retried_later,
    seeding_again_or_concurrently_changes_nothing,
    lambda_events_are_answered_by_the_same_router,
    a_hundred_seats_and_a_thousand_simultaneous_attempts_confirm_exactly_a_hundred,
    one_person_registering_twenty_times_at_once_holds_one_seat,
    a_full_event_without_waiting_list_refuses_clearly,
    a_cancellation_promotes_the_first_in_line_who_then_gets_the_link,
    workshops_have_their_own_seats_and_waiting_lists,
    members_only_events_need_an_invitation_link_or_code,
    a_cycle_can_be_taken_day_by_day_with_one_calendar_entry_per_day,
    a_wrong_personal_link_says_nothing,
    reminders_are_queued_once_however_many_runners_overlap,
    the_honeypot_and_the_rate_limit_stop_bots_not_people,
    someone_waiting_who_switches_to_a_workshop_with_seats_is_confirmed,
    the_default_limit_applies_over_real_http_and_a_spoofed_header_does_not_bypass_it,
    every_answer_carries_the_security_headers,
    app_routes_answer_200_unknown_ones_404_and_event_pages_preview,
    slow_idle_and_excess_connections_are_bounded,
    on_lambda_the_source_ip_of_the_request_context_is_the_client,
    waiting_ranks_follow_chosen_days_and_a_cancellation_promotes_who_can_be_served,
    a_waiting_list_of_thousands_costs_a_cancellation_little,
    two_people_swapping_workshops_at_once_never_deadlock_and_counts_stay_exact,
    clients_disconnecting_mid_registration_leave_no_partial_work,
    replays_resend_the_confirmation_three_times_a_day_and_never_rename_anyone,
    one_client_cannot_take_every_seat_of_an_event,
    members_only_answers_reveal_no_roster_and_codes_cannot_be_guessed,
    failing_emails_become_dead_letters_and_never_delay_fresh_ones,
    personal_links_expire_after_the_event_and_the_retention_period,
    the_database_refuses_an_unknown_registration_status,
    the_database_the_outbox_and_its_files_are_private,
    with_address_confirmation_a_seat_is_held_until_confirmed_then_released,
    build_files_go_out_precompressed_and_cached_for_good,
    keep_alive_requests_are_not_stalled_by_nagle,
    the_agenda_search_looks_into_the_venue_the_town_the_organiser_and_the_description,
    emails_come_from_the_organisation_and_replies_go_to_the_contact,
    a_full_workshop_is_named_and_the_one_with_seats_pointed_to,
    a_registrants_calendar_entries_keep_their_uid_climb_in_sequence_and_are_called_off,
    only_people_who_had_calendar_entries_get_them_removed_and_a_comeback_outranks_the_removal,
    the_confirmation_answer_shows_what_and_where_masked_with_calendar_links_once_seated,
    a_lookup_resends_the_personal_links_and_answers_alike_for_any_address,
    the_personal_page_gives_the_connection_link_once_seated_and_edits_answers,
);

async fn the_default_limit_applies_over_real_http_and_a_spoofed_header_does_not_bypass_it(
    backend: Backend,
) {
    // The defaults, exactly as a fresh server reads them.
    let Some(app) = TestApp::with_env(backend, &[]).await else {
        return;
    };
    assert_eq!(app.config.rate_limit_per_minute, 120);
    let (addr, server) = app.serve(app.router.clone()).await;
    let client = reqwest::Client::new();
    let url = format!("http://{addr}{}", upcoming_registrations());
    let mut statuses = Vec::new();
    for n in 0..121 {
        let reply = client
            .post(&url)
            .header("x-forwarded-for", format!("198.51.100.{}", n % 250))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        statuses.push(reply.status().as_u16());
    }
    assert!(statuses[..120].iter().all(|s| *s == 422), "{statuses:?}");
    assert_eq!(statuses[120], 429);
    server.abort();

    // Behind a trusted proxy, the hop it appended names the client.
    let Some(proxied) = TestApp::with_env(
        backend,
        &[
            ("PARVIS_RATE_LIMIT_PER_MINUTE", "2"),
            ("PARVIS_TRUSTED_PROXIES", "127.0.0.0/8"),
        ],
    )
    .await
    else {
        return;
    };
    let (addr, server) = proxied.serve(proxied.router.clone()).await;
    let url = format!("http://{addr}{}", upcoming_registrations());
    let send = |forwarded: &'static str| {
        client
            .post(&url)
            .header("x-forwarded-for", forwarded)
            .json(&json!({}))
            .send()
    };
    assert_eq!(send("1.1.1.1, 203.0.113.1").await.unwrap().status(), 422);
    assert_eq!(send("2.2.2.2, 203.0.113.1").await.unwrap().status(), 422);
    assert_eq!(
        send("3.3.3.3, 203.0.113.1").await.unwrap().status(),
        429,
        "a fake first hop changes nothing"
    );
    assert_eq!(
        send("203.0.113.2").await.unwrap().status(),
        422,
        "another client has its own allowance"
    );
    server.abort();
}

async fn every_answer_carries_the_security_headers(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    for path in ["/api/events", "/api/health", "/api/nowhere"] {
        let response = app
            .router
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let headers = response.headers();
        // An API answer opened as a page may load and frame nothing.
        assert_eq!(
            headers[header::CONTENT_SECURITY_POLICY],
            "default-src 'none'; frame-ancestors 'none'",
            "{path}"
        );
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
        // The agenda is the same for everyone: caches may keep it briefly
        // (issue 12); every other answer, no.
        let cache = match path {
            "/api/events" => parvis_api::snapshot::CACHE_CONTROL,
            _ => "no-store",
        };
        assert_eq!(headers[header::CACHE_CONTROL], cache, "{path}");
        assert!(
            headers[header::STRICT_TRANSPORT_SECURITY]
                .to_str()
                .unwrap()
                .contains("max-age="),
            "the public address is https"
        );
    }
    // Over plain http (a local installation), no HSTS.
    let Some(local) =
        TestApp::with_env(backend, &[("PARVIS_PUBLIC_URL", "http://127.0.0.1:8080")]).await
    else {
        return;
    };
    let response = local
        .router
        .clone()
        .oneshot(Request::get("/api/health").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert!(
        !response
            .headers()
            .contains_key(header::STRICT_TRANSPORT_SECURITY)
    );
}

/// A built app as trunk writes it: an inline module loader, a file, a folder.
fn fake_app_dir(root: &std::path::Path) -> PathBuf {
    let dir = root.join("dist");
    std::fs::create_dir_all(dir.join("rapports")).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\">\
         <meta name=\"description\" content=\"Agenda\"><title>Parvis</title>\
         <script type=\"module\">import init from '/parvis.js';await init();</script>\
         </head><body></body></html>",
    )
    .unwrap();
    std::fs::write(dir.join("rapports").join("rapport.pdf"), b"%PDF-1.4").unwrap();
    std::fs::write(dir.join("robots.txt"), b"User-agent: *").unwrap();
    // The event and registration pages' build, with its own loader.
    std::fs::create_dir_all(dir.join("inscription")).unwrap();
    std::fs::write(
        dir.join("inscription/index.html"),
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\">\
         <meta name=\"description\" content=\"Agenda\"><title>Inscription</title>\
         <script type=\"module\">import init from '/inscription/inscription.js';await init();</script>\
         </head><body></body></html>",
    )
    .unwrap();
    std::fs::write(
        dir.join("inscription/inscription-0123456789abcdef.js"),
        b"//",
    )
    .unwrap();
    // The back-office's home build and one of its areas'.
    for (folder, loader) in [("gestion", "gestion"), ("gestion/avis", "gestion_avis")] {
        std::fs::create_dir_all(dir.join(folder)).unwrap();
        std::fs::write(
            dir.join(folder).join("index.html"),
            format!(
                "<!DOCTYPE html><html lang=\"fr\"><head><title>Gestion</title>\
                 <script type=\"module\">import init from '/{folder}/{loader}.js';await init();</script>\
                 </head><body></body></html>"
            ),
        )
        .unwrap();
    }
    // A hashed build file, with the copies the build compresses ahead.
    let wasm = dir.join("parvis-0123456789abcdef_bg.wasm");
    std::fs::write(&wasm, vec![b'w'; 200_000]).unwrap();
    std::fs::write(
        dir.join("parvis-0123456789abcdef_bg.wasm.br"),
        b"brotli copy",
    )
    .unwrap();
    std::fs::write(dir.join("parvis-0123456789abcdef_bg.wasm.gz"), b"gzip copy").unwrap();
    dir
}

async fn build_files_go_out_precompressed_and_cached_for_good(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let dist = fake_app_dir(app.dir.path());
    let site = parvis_api::router_with_app(app.state.clone(), &dist).unwrap();
    let get = |path: &str, encoding: &str| {
        let request = Request::get(path)
            .header(header::ACCEPT_ENCODING, encoding)
            .body(Body::empty())
            .unwrap();
        site.clone().oneshot(request)
    };
    let wasm = "/parvis-0123456789abcdef_bg.wasm";
    let br = get(wasm, "br, gzip").await.unwrap();
    assert_eq!(br.status(), StatusCode::OK);
    assert_eq!(br.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(
        br.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert!(
        br.headers()[header::VARY]
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("accept-encoding")
    );
    let body = br.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"brotli copy");
    let gz = get(wasm, "gzip").await.unwrap();
    assert_eq!(gz.headers()[header::CONTENT_ENCODING], "gzip");
    let plain = get(wasm, "identity").await.unwrap();
    assert!(!plain.headers().contains_key(header::CONTENT_ENCODING));
    assert_eq!(
        plain.into_body().collect().await.unwrap().to_bytes().len(),
        200_000
    );
    // A file gets what applies to files; documents get the whole policy.
    let file = get(wasm, "br").await.unwrap();
    assert_eq!(file.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(!file.headers().contains_key(header::CONTENT_SECURITY_POLICY));
    let robots = get("/robots.txt", "br").await.unwrap();
    assert_eq!(
        robots.headers()[header::CACHE_CONTROL],
        "public, max-age=3600"
    );
    let shell = get("/", "br").await.unwrap();
    assert_eq!(shell.headers()[header::CACHE_CONTROL], "no-cache");
    assert!(
        shell
            .headers()
            .contains_key(header::CONTENT_SECURITY_POLICY)
    );
    // The shell goes out precompressed (once, at start-up) too.
    assert_eq!(shell.headers()[header::CONTENT_ENCODING], "br");
    let compressed = shell.into_body().collect().await.unwrap().to_bytes();
    let mut html = Vec::new();
    brotli::BrotliDecompress(&mut &compressed[..], &mut html).unwrap();
    assert!(String::from_utf8(html).unwrap().contains("import init"));
    // Documents and API answers are compressed on the way out.
    let events = get("/api/events", "br").await.unwrap();
    assert_eq!(events.headers()[header::CONTENT_ENCODING], "br");
    let plain = get("/api/events", "identity").await.unwrap();
    assert!(!plain.headers().contains_key(header::CONTENT_ENCODING));
    let body = plain.into_body().collect().await.unwrap().to_bytes();
    assert!(serde_json::from_slice::<Value>(&body).is_ok());
}

async fn keep_alive_requests_are_not_stalled_by_nagle(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let dist = fake_app_dir(app.dir.path());
    let site = parvis_api::router_with_app(app.state.clone(), &dist).unwrap();
    let (addr, server) = app.serve(site).await;
    // One keep-alive connection, as a browser holds one.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .unwrap();
    for path in ["/", "/parvis-0123456789abcdef_bg.wasm"] {
        let mut times = Vec::new();
        for _ in 0..30 {
            let started = std::time::Instant::now();
            let response = client
                .get(format!("http://{addr}{path}"))
                .header(header::ACCEPT_ENCODING, "identity")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.bytes().await.unwrap();
            times.push(started.elapsed());
        }
        times.sort();
        // Nagle's algorithm meeting delayed ACKs stalls each response ~40 ms.
        assert!(
            times[15] < std::time::Duration::from_millis(10),
            "{path}: median {:?}",
            times[15]
        );
    }
    server.abort();
}

async fn app_routes_answer_200_unknown_ones_404_and_event_pages_preview(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let dist = fake_app_dir(app.dir.path());
    let site = parvis_api::router_with_app(app.state.clone(), &dist).unwrap();
    let get = |path: &str| {
        let site = site.clone();
        let request = Request::get(path).body(Body::empty()).unwrap();
        async move {
            let response = site.oneshot(request).await.unwrap();
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            (
                status,
                headers,
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        }
    };
    let token = "ab".repeat(32);
    for path in [
        "/".to_owned(),
        format!("/evenements/{}", seed::UPCOMING_WEBINAR),
        format!("/evenements/{}/confirmation", seed::UPCOMING_WEBINAR),
        format!("/inscription/{token}"),
        "/retrouver-mon-inscription".to_owned(),
        "/?q=Evry".to_owned(),
    ] {
        let (status, headers, body) = get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(body.contains("import init"), "{path}: the shell");
        // The agenda is the root build's; the other pages are the
        // registration build's, which the agenda never downloads.
        assert_eq!(
            body.contains("/inscription/inscription.js"),
            !path.starts_with("/?") && path != "/",
            "{path}: its build's shell"
        );
        assert!(
            body.contains(r#"<meta name="parvis-accessibilite" content="non conforme">"#),
            "{path}: the accessibility status for the footer"
        );
        assert_eq!(
            body.contains(r#"<link rel="preload" href="/api/events" as="fetch" crossorigin>"#),
            path == "/",
            "{path}: only the plain agenda asks for its events ahead"
        );
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache", "{path}");
        // The inline loader runs under the CSP: it is allowed by its hash.
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(headers.contains_key("permissions-policy"), "{path}");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
    let (_, _, page) = get(&format!("/evenements/{}", seed::UPCOMING_WEBINAR)).await;
    assert!(
        page.contains("<meta property=\"og:title\" content=\"Articuler contrats"),
        "{page}"
    );
    assert!(page.contains("og:description"));
    assert!(page.contains(&format!(
        "<meta property=\"og:url\" content=\"{PUBLIC_URL}/evenements/{}\">",
        seed::UPCOMING_WEBINAR
    )));
    assert!(page.contains("– Parvis</title>"));

    let (status, _, body) = get("/evenements/cet-evenement-n-existe-pas").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        body.contains("/inscription/inscription.js"),
        "the event page says the event is unknown"
    );
    // Each back-office page is its area's build's; an area not built is
    // the agenda's 404.
    let org = "/gestion/organisations/crpve";
    for (path, loader) in [
        ("/gestion/".to_owned(), Some("/gestion/gestion.js")),
        ("/gestion/connexion".to_owned(), Some("/gestion/gestion.js")),
        (format!("{org}/evenements/w"), Some("/gestion/gestion.js")),
        (
            format!("{org}/evenements/w/avis"),
            Some("/gestion/avis/gestion_avis.js"),
        ),
        (
            format!("{org}/avis-partenaires/3/resultats"),
            Some("/gestion/avis/gestion_avis.js"),
        ),
        (format!("{org}/evenements/w/inscrits"), None),
    ] {
        let (status, headers, body) = get(&path).await;
        match loader {
            Some(loader) => {
                assert_eq!(status, StatusCode::OK, "{path}");
                assert!(body.contains(loader), "{path}: {body}");
                // Its inline loader is allowed by its hash.
                use base64::Engine as _;
                use sha2::Digest as _;
                let digest = sha2::Sha256::digest(
                    format!("import init from '{loader}';await init();").as_bytes(),
                );
                let hash = base64::engine::general_purpose::STANDARD.encode(digest);
                let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
                assert!(csp.contains(&hash), "{path}: {csp}");
            }
            None => assert_eq!(status, StatusCode::NOT_FOUND, "{path}"),
        }
    }
    // The registration build's files share the personal pages' prefix.
    let (status, _, body) = get("/inscription/inscription-0123456789abcdef.js").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "//"));
    let (status, _, body) = get("/nulle-part").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        body.contains("import init from '/parvis.js'"),
        "an unknown address is the agenda build's not-found page"
    );
    assert_eq!(get("/robots.txt").await.0, StatusCode::OK);
    assert_eq!(get("/rapports/rapport.pdf").await.0, StatusCode::OK);
    // A folder never redirects (no scheme-relative //rapports/).
    for path in ["//rapports", "/rapports", "//rapports/"] {
        let (status, headers, _) = get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!headers.contains_key(header::LOCATION), "{path}");
    }
    // Paths no file system holds: never a 500.
    assert_eq!(get("/a%00b").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(
        get(&format!("/{}", "a".repeat(300))).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&format!("/rapports/{}.pdf", "b".repeat(5000))).await.0,
        StatusCode::NOT_FOUND
    );
    // The API keeps its JSON 404.
    let (status, headers, _) = get("/api/nowhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}

async fn slow_idle_and_excess_connections_are_bounded(backend: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Some(app) = TestApp::with_env(
        backend,
        &[
            ("PARVIS_HEADER_TIMEOUT_SECONDS", "2"),
            ("PARVIS_MAX_CONNECTIONS", "2"),
        ],
    )
    .await
    else {
        return;
    };
    let (addr, server) = app.serve(app.router.clone()).await;
    let started = std::time::Instant::now();
    // Half a request head, then silence: closed at the deadline.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // An idle connection, sending nothing at all.
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    // A third connection waits for one of the two to go: the limit is 2.
    let mut third = tokio::net::TcpStream::connect(addr).await.unwrap();
    third
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        third.read_to_end(&mut answer),
    )
    .await
    .expect("the third connection is served once a slot frees")
    .unwrap();
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(1500),
        "served only after the slow ones were closed ({:?})",
        started.elapsed()
    );
    for stream in [&mut slow, &mut idle] {
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            stream.read_to_end(&mut rest),
        )
        .await;
        assert!(closed.is_ok(), "closed within 30 s");
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    server.abort();
}

async fn on_lambda_the_source_ip_of_the_request_context_is_the_client(backend: Backend) {
    let Some(app) = TestApp::with_env(backend, &[("PARVIS_RATE_LIMIT_PER_MINUTE", "2")]).await
    else {
        return;
    };
    let function = parvis_api::lambda::router(app.router.clone());
    let events = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
    let template: Value = serde_json::from_str(
        &std::fs::read_to_string(events.join("register-invalid.json")).unwrap(),
    )
    .unwrap();
    let call = |source_ip: &str, forwarded: &str| {
        let mut event = template.clone();
        event["requestContext"]["http"]["sourceIp"] = json!(source_ip);
        event["headers"]["x-forwarded-for"] = json!(forwarded);
        let request = lambda_http::request::from_str(&event.to_string()).unwrap();
        let function = function.clone();
        async move { function.oneshot(request).await.unwrap().status() }
    };
    assert_eq!(
        call("192.0.2.10", "1.1.1.1").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        call("192.0.2.10", "2.2.2.2").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        call("192.0.2.10", "3.3.3.3").await,
        StatusCode::TOO_MANY_REQUESTS,
        "the header does not make another client"
    );
    assert_eq!(
        call("192.0.2.11", "3.3.3.3").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another source address does"
    );
}

/// A copy of the upcoming cycle under `slug`, changed by `adjust`.
async fn custom_cycle(
    app: &TestApp,
    slug: &str,
    adjust: impl FnOnce(&mut parvis_api::store::NewEvent),
) -> String {
    let now = chrono::Utc::now();
    let mut event = seed::demo_events(now.date_naive(), now)
        .into_iter()
        .find(|e| e.public.slug == seed::UPCOMING_CYCLE)
        .unwrap();
    event.public.slug = slug.to_owned();
    adjust(&mut event);
    app.store().insert_event(&event).await.unwrap().unwrap();
    format!("/api/events/{slug}/registrations")
}

async fn view_of_email(app: &TestApp, email: &str) -> Value {
    let token = token_of(emails_to(app, email).await.last().unwrap());
    app.get(&format!("/api/registrations/{token}")).await.json()
}

async fn waiting_ranks_follow_chosen_days_and_a_cancellation_promotes_who_can_be_served(
    backend: Backend,
) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let path = custom_cycle(&app, "cycle-deux-places", |event| {
        event.public.day_selection = true;
        event.public.waitlist = true;
        event.public.capacity = None;
        for session in &mut event.public.sessions {
            session.capacity = Some(1);
        }
    })
    .await;
    let day = |email: &str, days: Value| {
        registration_with(
            email,
            json!({"sessions": days, "answers": {"portage-epci": true, "experience": "4"}}),
        )
    };
    let register = |body: Value| {
        let app = &app;
        let path = path.clone();
        async move {
            let reply = app.register(&path, &body).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
            reply.json()["status"].as_str().unwrap().to_owned()
        }
    };
    assert_eq!(register(day("a@exemple.fr", json!([0]))).await, "confirmed");
    assert_eq!(register(day("b@exemple.fr", json!([1]))).await, "confirmed");
    assert_eq!(
        register(day("c@exemple.fr", json!([0]))).await,
        "waitlisted"
    );
    assert_eq!(
        register(day("d@exemple.fr", json!([1]))).await,
        "waitlisted"
    );
    assert_eq!(
        register(day("e@exemple.fr", json!([0, 1]))).await,
        "waitlisted"
    );
    // Each wish is its own queue: D waits for day 2 only, first in line.
    for email in ["c@exemple.fr", "d@exemple.fr", "e@exemple.fr"] {
        assert_eq!(view_of_email(&app, email).await["rank"], 1, "{email}");
    }
    assert_eq!(
        register(day("f@exemple.fr", json!([1]))).await,
        "waitlisted"
    );
    assert_eq!(view_of_email(&app, "f@exemple.fr").await["rank"], 2);

    // A frees day 1: C (day 1 only) is served; E also needs day 2, still full.
    let token = token_of(&emails_to(&app, "a@exemple.fr").await[0]);
    let cancelled = app
        .post_raw(&format!("/api/registrations/{token}/cancel"), None, "")
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
    assert_eq!(
        view_of_email(&app, "c@exemple.fr").await["status"],
        "confirmed"
    );
    assert_eq!(
        view_of_email(&app, "e@exemple.fr").await["status"],
        "waitlisted"
    );
    // B frees day 2: D, first in its queue, is served before F.
    let token = token_of(&emails_to(&app, "b@exemple.fr").await[0]);
    app.post_raw(&format!("/api/registrations/{token}/cancel"), None, "")
        .await;
    assert_eq!(
        view_of_email(&app, "d@exemple.fr").await["status"],
        "confirmed"
    );
    let f = view_of_email(&app, "f@exemple.fr").await;
    assert_eq!(
        (f["status"].as_str(), f["rank"].as_u64()),
        (Some("waitlisted"), Some(1))
    );
    let stats = app.store().stats().await.unwrap();
    assert_eq!((stats.confirmed, stats.waitlisted), (2, 2));
}

async fn a_waiting_list_of_thousands_costs_a_cancellation_little(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let path = custom_event(&app, "liste-longue", |event| {
        event.public.capacity = Some(1);
        event.public.waitlist = true;
    })
    .await;
    let now = chrono::Utc::now();
    let event = app
        .store()
        .event_by_slug("liste-longue")
        .await
        .unwrap()
        .unwrap();
    // Fill through the store (fast), then cancel through the API.
    assert_eq!(
        app.register(&path, &registration("premier@exemple.fr"))
            .await
            .json()["status"],
        "confirmed"
    );
    let compose = mail::composer(PUBLIC_URL, move || now);
    for n in 0..2000 {
        let request: parvis_core::registration::RegistrationRequest =
            serde_json::from_value(registration(&format!("attente{n}@exemple.fr"))).unwrap();
        let checked = parvis_core::registration::check_for_event(&event.public, &request).unwrap();
        app.store()
            .register(
                &event,
                &checked,
                &token::generate().unwrap().token,
                &Default::default(),
                &compose,
                now,
            )
            .await
            .unwrap();
    }
    let token = token_of(&emails_to(&app, "premier@exemple.fr").await[0]);
    let started = std::time::Instant::now();
    let cancelled = app
        .post_raw(&format!("/api/registrations/{token}/cancel"), None, "")
        .await;
    assert_eq!(cancelled.status, StatusCode::OK);
    let elapsed = started.elapsed();
    let stats = app.store().stats().await.unwrap();
    assert_eq!((stats.confirmed, stats.waitlisted), (1, 1999));
    assert_eq!(
        view_of_email(&app, "attente0@exemple.fr").await["status"],
        "confirmed"
    );
    assert_eq!(view_of_email(&app, "attente1@exemple.fr").await["rank"], 1);
    // Not a timing assertion (the bench measures it): a sanity bound that
    // the old walk of the whole list (seconds per thousand) would exceed.
    assert!(elapsed < std::time::Duration::from_secs(5), "{elapsed:?}");
}

async fn two_people_swapping_workshops_at_once_never_deadlock_and_counts_stay_exact(
    backend: Backend,
) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let path = format!("/api/events/{}/registrations", seed::UPCOMING_COMMITTEE);
    let member = |email: &str, track: &str| {
        registration_with(
            email,
            json!({"invitation_code": seed::DEMO_INVITATION_CODE, "tracks": [track], "answers": {"dejeuner": true}}),
        )
    };
    for (email, track) in [
        ("un@exemple.fr", "observation-partagee"),
        ("deux@exemple.fr", "place-des-habitants"),
    ] {
        assert_eq!(
            app.register(&path, &member(email, track)).await.status,
            StatusCode::CREATED
        );
    }
    let token_one = token_of(&emails_to(&app, "un@exemple.fr").await[0]);
    let token_two = token_of(&emails_to(&app, "deux@exemple.fr").await[0]);
    let change = |token: String, track: &'static str| {
        let router = app.router.clone();
        tokio::spawn(async move {
            let request = Request::patch(format!("/api/registrations/{token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json!({"tracks": [track]}).to_string()))
                .unwrap();
            router.oneshot(request).await.unwrap().status()
        })
    };
    for round in 0..200 {
        let (to_one, to_two) = if round % 2 == 0 {
            ("place-des-habitants", "observation-partagee")
        } else {
            ("observation-partagee", "place-des-habitants")
        };
        let a = change(token_one.clone(), to_one);
        let b = change(token_two.clone(), to_two);
        assert_eq!(a.await.unwrap(), StatusCode::OK, "round {round}");
        assert_eq!(b.await.unwrap(), StatusCode::OK, "round {round}");
    }
    let event = app
        .get(&format!("/api/events/{}", seed::UPCOMING_COMMITTEE))
        .await
        .json();
    assert_eq!(
        event["availability"]["track:observation-partagee"]["taken"],
        1
    );
    assert_eq!(
        event["availability"]["track:place-des-habitants"]["taken"],
        1
    );
    let one = app
        .get(&format!("/api/registrations/{token_one}"))
        .await
        .json();
    assert_eq!(one["tracks"], json!(["observation-partagee"]));
}

async fn clients_disconnecting_mid_registration_leave_no_partial_work(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let path = custom_event(&app, "vingt-places", |event| {
        event.public.capacity = Some(20);
        event.public.waitlist = true;
    })
    .await;
    let (addr, server) = app.serve(app.router.clone()).await;
    let mut attempts = Vec::new();
    for n in 0..200u64 {
        let url = format!("http://{addr}{path}");
        attempts.push(tokio::spawn(async move {
            // Each client gives up after a few milliseconds: many hang up
            // while their registration is being written.
            let client = reqwest::Client::builder()
                .timeout(std::time::Duration::from_millis(1 + n % 15))
                .build()
                .unwrap();
            client
                .post(url)
                .json(&registration(&format!("pressee{n}@exemple.fr")))
                .send()
                .await
                .is_ok()
        }));
    }
    let mut answered = 0;
    for attempt in attempts {
        answered += usize::from(attempt.await.unwrap());
    }
    // Let the writes whose clients left finish.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    server.abort();
    let stats = app.store().stats().await.unwrap();
    let event = app.get("/api/events/vingt-places").await.json();
    assert_eq!(
        event["availability"]["event"]["taken"].as_i64().unwrap(),
        stats.confirmed,
        "seats taken equal confirmed registrations ({answered} answered)"
    );
    assert!(stats.confirmed <= 20);
    assert_eq!(
        stats.emails, stats.registrations,
        "every registration has its email queued, and only those"
    );
    assert_eq!(stats.people, stats.registrations);
}

/// A request as it arrives from `peer` over TCP.
fn from_peer(mut request: Request<Body>, peer: &str) -> Request<Body> {
    request.extensions_mut().insert(axum::extract::ConnectInfo(
        format!("{peer}:40000")
            .parse::<std::net::SocketAddr>()
            .unwrap(),
    ));
    request
}

fn post_json(path: &str, body: &Value) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

async fn replays_resend_the_confirmation_three_times_a_day_and_never_rename_anyone(
    backend: Backend,
) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let victim = "camille.martin@creil.fr";
    assert_eq!(
        app.register(&upcoming_registrations(), &registration(victim))
            .await
            .status,
        StatusCode::CREATED
    );
    let mut replay = registration(victim);
    replay["first_name"] = json!("Quelqu'un");
    replay["last_name"] = json!("D'autre");
    for _ in 0..10 {
        let reply = app.register(&upcoming_registrations(), &replay).await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "the same answer every time"
        );
        assert_eq!(reply.json()["status"], "confirmed");
    }
    let emails = emails_to(&app, victim).await;
    assert_eq!(emails.len(), 4, "the first confirmation and three re-sends");
    for queued in &emails {
        assert!(
            queued.email.body_text.contains("Camille"),
            "greeted by the stored name"
        );
        assert!(!queued.email.body_text.contains("Quelqu'un"));
    }
    // A new registration to another event with the same address keeps the
    // stored name too.
    let other = custom_event(&app, "autre-webinaire", |_| {}).await;
    app.register(&other, &replay).await;
    let last = emails_to(&app, victim).await.pop().unwrap();
    assert!(last.email.body_text.contains("Camille"));
    assert!(!last.email.body_text.contains("Quelqu'un"));
}

async fn one_client_cannot_take_every_seat_of_an_event(backend: Backend) {
    let Some(app) = TestApp::with_env(
        backend,
        &[
            ("PARVIS_RATE_LIMIT_PER_MINUTE", "0"),
            ("PARVIS_REGISTRATIONS_PER_CLIENT_PER_HOUR", "3"),
        ],
    )
    .await
    else {
        return;
    };
    let path = upcoming_registrations();
    for n in 0..3 {
        let body = registration(&format!("jetable{n}@exemple.fr"));
        let reply = app
            .send(from_peer(post_json(&path, &body), "203.0.113.5"))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED);
    }
    let fourth = app
        .send(from_peer(
            post_json(&path, &registration("jetable3@exemple.fr")),
            "203.0.113.5",
        ))
        .await;
    let body = assert_error_shape(&fourth, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(body["message"].as_str().unwrap().contains("dernière heure"));
    // A replay is not a new registration; another client has its own cap;
    // another event too.
    let replay = app
        .send(from_peer(
            post_json(&path, &registration("jetable0@exemple.fr")),
            "203.0.113.5",
        ))
        .await;
    assert_eq!(replay.status, StatusCode::CREATED);
    let other_client = app
        .send(from_peer(
            post_json(&path, &registration("membre@exemple.fr")),
            "203.0.113.6",
        ))
        .await;
    assert_eq!(other_client.status, StatusCode::CREATED);
    let other_event = custom_event(&app, "autre-evenement", |_| {}).await;
    let elsewhere = app
        .send(from_peer(
            post_json(&other_event, &registration("jetable3@exemple.fr")),
            "203.0.113.5",
        ))
        .await;
    assert_eq!(elsewhere.status, StatusCode::CREATED);
    assert_eq!(app.store().stats().await.unwrap().registrations, 5);
}

async fn members_only_answers_reveal_no_roster_and_codes_cannot_be_guessed(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let path = format!("/api/events/{}/registrations", seed::UPCOMING_COMMITTEE);
    let invalid = |email: &str| {
        let mut body = registration_with(
            email,
            json!({"tracks": ["observation-partagee"], "answers": {"dejeuner": true}}),
        );
        body["first_name"] = json!("");
        body
    };
    let member = app
        .register(&path, &invalid("maud.gallay@odas.example.org"))
        .await;
    let stranger = app.register(&path, &invalid("inconnu@exemple.fr")).await;
    assert_eq!(member.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        member.json()["fields"],
        stranger.json()["fields"],
        "the same answer whether or not the address is on the roster"
    );

    let attempt = |code: &str, email: &str, peer: &str| {
        from_peer(
            post_json(
                &path,
                &registration_with(
                    email,
                    json!({"invitation_code": code, "tracks": ["observation-partagee"], "answers": {"dejeuner": true}}),
                ),
            ),
            peer,
        )
    };
    for n in 0..10 {
        let reply = app
            .send(attempt(
                &format!("CODE-{n}"),
                "devin@exemple.fr",
                "203.0.113.9",
            ))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.text
        );
    }
    // Past ten wrong codes, even the right one is refused for the hour.
    let locked = app
        .send(attempt(
            seed::DEMO_INVITATION_CODE,
            "devin@exemple.fr",
            "203.0.113.9",
        ))
        .await;
    assert_error_shape(&locked, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // A member elsewhere is not slowed down, however many register.
    for n in 0..12 {
        let reply = app
            .send(attempt(
                seed::DEMO_INVITATION_CODE,
                &format!("membre{n}@exemple.fr"),
                "198.51.100.20",
            ))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }
}

/// A transport that refuses some recipients, for good or for now.
struct Refusing;

#[async_trait::async_trait]
impl parvis_api::mail::transport::Mailer for Refusing {
    async fn send(&self, email: &OutgoingEmail) -> anyhow::Result<()> {
        if email.recipient.starts_with("definitif") {
            return Err(anyhow::Error::new(
                parvis_api::mail::transport::PermanentFailure("550 no such user".into()),
            ));
        }
        if email.recipient.starts_with("panne") {
            anyhow::bail!("421 try again later");
        }
        Ok(())
    }
}

async fn failing_emails_become_dead_letters_and_never_delay_fresh_ones(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    for email in ["definitif@exemple.fr", "panne@exemple.fr"] {
        app.register(&upcoming_registrations(), &registration(email))
            .await;
    }
    let store = app.store();
    let report = mail::worker::deliver_due(store, &Refusing).await.unwrap();
    assert_eq!((report.delivered, report.failed, report.dead), (0, 2, 1));
    let dead = store.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1, "a permanent refusal is not retried");
    assert_eq!(dead[0].recipient, "definitif@exemple.fr");
    assert!(dead[0].last_error.contains("550"));

    // The transient failure is retried with backoff until it is given up on;
    // meanwhile a fresh confirmation is claimed before it.
    let mut at = chrono::Utc::now();
    for attempt in 1..mail::worker::MAX_ATTEMPTS {
        at += mail::worker::backoff(attempt) + chrono::Duration::seconds(1);
        if attempt == 3 {
            app.register(&upcoming_registrations(), &registration("frais@exemple.fr"))
                .await;
            let claimed = store
                .claim_due_emails(at, chrono::Duration::zero(), 1)
                .await
                .unwrap();
            assert_eq!(
                claimed[0].email.recipient, "frais@exemple.fr",
                "fresh first"
            );
        }
        let clock = move || at;
        mail::worker::deliver_due_at(store, &Refusing, &clock)
            .await
            .unwrap();
    }
    let stats = store.stats().await.unwrap();
    assert_eq!(
        (stats.pending_emails, stats.dead_emails),
        (0, 2),
        "{stats:?}"
    );
    let dead = store.dead_letters(10).await.unwrap();
    assert_eq!(dead[0].recipient, "panne@exemple.fr");
    assert_eq!(dead[0].attempts, mail::worker::MAX_ATTEMPTS);
}

async fn personal_links_expire_after_the_event_and_the_retention_period(backend: Backend) {
    let Some(app) = TestApp::with_env(backend, &[("PARVIS_TOKEN_RETENTION_DAYS", "30")]).await
    else {
        return;
    };
    app.register(
        &upcoming_registrations(),
        &registration("camille@exemple.fr"),
    )
    .await;
    let token = token_of(&emails_to(&app, "camille@exemple.fr").await[0]);
    assert!(app.opens(&token).await);
    let event = app
        .store()
        .event_by_slug(seed::UPCOMING_WEBINAR)
        .await
        .unwrap()
        .unwrap();
    let end = event
        .public
        .sessions
        .last()
        .unwrap()
        .ends_at
        .with_timezone(&chrono::Utc);
    let hash = token::hash(&token);
    let store = app.store();
    assert!(
        store
            .registration_by_token(&hash, end + chrono::Duration::days(29))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .registration_by_token(&hash, end + chrono::Duration::days(31))
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    assert!(
        store
            .purge_expired(end + chrono::Duration::days(31))
            .await
            .unwrap()
            >= 1
    );
    assert!(!app.opens(&token).await, "forgotten once purged");
}

async fn the_database_refuses_an_unknown_registration_status(backend: Backend) {
    use sqlx::Connection;
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    app.register(
        &upcoming_registrations(),
        &registration("camille@exemple.fr"),
    )
    .await;
    let update = "UPDATE registrations SET status = 'inconnu'";
    let refused = match &app.config.database_url {
        Some(url) => {
            let mut connection = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query(update).execute(&mut connection).await.is_err()
        }
        None => {
            let url = format!("sqlite://{}", app.config.database_path().display());
            let mut connection = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query(update).execute(&mut connection).await.is_err()
        }
    };
    assert!(refused, "the CHECK constraint holds");
}

async fn the_database_the_outbox_and_its_files_are_private(backend: Backend) {
    use std::os::unix::fs::PermissionsExt;
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    app.register(
        &upcoming_registrations(),
        &registration("camille@exemple.fr"),
    )
    .await;
    assert_eq!(app.deliver().await, 1);
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&app.outbox_dir()), 0o700);
    let eml = std::fs::read_dir(app.outbox_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|e| e == "eml"))
        .unwrap();
    assert_eq!(mode(&eml), 0o600);
    if app.config.database_url.is_none() {
        assert_eq!(mode(&app.config.database_path()), 0o600);
        assert_eq!(mode(&app.config.data_dir), 0o700);
    }
}

async fn with_address_confirmation_a_seat_is_held_until_confirmed_then_released(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let path = custom_event(&app, "confirmation-adresse", |event| {
        event.public.capacity = Some(1);
        event.public.waitlist = true;
        event.public.address_confirmation = true;
    })
    .await;
    let first = app.register(&path, &registration("squat@exemple.fr")).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(first.json()["status"], "pending");
    let held = emails_to(&app, "squat@exemple.fr").await;
    assert!(
        held[0].email.subject.starts_with("Confirmez votre adresse"),
        "{}",
        held[0].email.subject
    );
    assert!(
        held[0].email.ics.is_none(),
        "no calendar before the address is confirmed"
    );
    assert!(!held[0].email.body_text.contains("visio.example.org"));
    assert_eq!(
        app.register(&path, &registration("membre@exemple.fr"))
            .await
            .json()["status"],
        "waitlisted",
        "the held seat is not given twice"
    );

    // Nobody confirms: after 30 minutes the job releases the seat, tells the
    // holder, and the next in line gets it (to confirm in turn).
    let event = app
        .store()
        .event_by_slug("confirmation-adresse")
        .await
        .unwrap()
        .unwrap();
    let later = chrono::Utc::now() + chrono::Duration::minutes(31);
    let compose = mail::composer(PUBLIC_URL, move || later);
    let squatter = app
        .store()
        .registration_by_token(&token::hash(&token_of(&held[0])), chrono::Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.store()
            .confirm_address(&event, squatter.id, &compose, later)
            .await
            .unwrap(),
        parvis_api::store::AddressConfirmed::Expired,
        "too late to confirm"
    );
    assert_eq!(
        app.store()
            .release_expired_holds(&compose, later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        app.store()
            .release_expired_holds(&compose, later)
            .await
            .unwrap(),
        0,
        "once"
    );
    // Those emails are dated by the job's clock, half an hour ahead.
    let due = app
        .store()
        .claim_due_emails(later, chrono::Duration::zero(), 1000)
        .await
        .unwrap();
    let last_to = |recipient: &str| {
        due.iter()
            .rfind(|q| q.email.recipient == recipient)
            .unwrap()
            .clone()
    };
    assert!(
        last_to("squat@exemple.fr")
            .email
            .subject
            .starts_with("Place libérée")
    );
    let promoted = last_to("membre@exemple.fr");
    assert!(
        promoted
            .email
            .subject
            .starts_with("Confirmez votre adresse")
    );
    let token = token_of(&promoted);
    let member = app.get(&format!("/api/registrations/{token}")).await.json();
    assert_eq!(member["status"], "pending");

    // The member confirms through the personal link: the seat is theirs, and
    // the full confirmation (calendar file) follows.
    let confirmed = app
        .post_raw(&format!("/api/registrations/{token}/confirm"), None, "")
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text);
    assert_eq!(confirmed.json()["status"], "confirmed");
    let last = emails_to(&app, "membre@exemple.fr").await.pop().unwrap();
    assert!(last.email.ics.is_some());
    assert!(last.email.subject.starts_with("Inscription confirmée"));
    let stats = app.store().stats().await.unwrap();
    assert_eq!(
        (stats.confirmed, stats.pending, stats.waitlisted),
        (1, 0, 0)
    );
    let event = app.get("/api/events/confirmation-adresse").await.json();
    assert_eq!(event["availability"]["event"]["taken"], 1);
}

async fn the_agenda_search_looks_into_the_venue_the_town_the_organiser_and_the_description(
    backend: Backend,
) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let slugs = |q: &'static str| {
        let app = &app;
        async move {
            let list = app.get(&format!("/api/events?q={q}")).await.json();
            list.as_array()
                .unwrap()
                .iter()
                .map(|e| e["slug"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    // The town of the venue, accents ignored either way.
    for q in ["%C3%89vry", "evry", "EVRY"] {
        assert!(
            slugs(q).await.contains(&seed::UPCOMING_CYCLE.to_owned()),
            "{q}"
        );
    }
    // The organiser's acronym.
    assert!(
        slugs("CRPVE")
            .await
            .contains(&seed::UPCOMING_CYCLE.to_owned())
    );
    // A town named in the description only.
    assert!(
        slugs("Creil")
            .await
            .contains(&seed::UPCOMING_COMMITTEE.to_owned())
    );
    assert!(slugs("Tombouctou").await.is_empty());
}

async fn emails_come_from_the_organisation_and_replies_go_to_the_contact(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    app.register(
        &upcoming_registrations(),
        &registration("camille@exemple.fr"),
    )
    .await;
    let path = format!("/api/events/{}/registrations", seed::UPCOMING_COMMITTEE);
    app.register(
        &path,
        &registration_with(
            "membre@exemple.fr",
            json!({"invitation_code": seed::DEMO_INVITATION_CODE, "tracks": ["observation-partagee"], "answers": {"dejeuner": true}}),
        ),
    )
    .await;
    // An in-person event without a venue says so, in the email and in the
    // calendar file.
    let committee = &emails_to(&app, "membre@exemple.fr").await[0].email;
    assert!(
        committee
            .body_text
            .contains("Lieu : lieu communiqué ultérieurement"),
        "{}",
        committee.body_text
    );
    let ics = committee.ics.as_deref().unwrap().replace("\r\n ", "");
    assert!(
        ics.contains("LOCATION:Lieu communiqué ultérieurement"),
        "{ics}"
    );
    assert_eq!(committee.reply_to, None, "no contact address, no Reply-To");

    assert_eq!(app.deliver().await, 2);
    let files = app.eml_files();
    let webinar = files
        .iter()
        .find(|f| f.contains("camille@exemple.fr"))
        .unwrap()
        .replace("\r\n ", " ");
    let from = webinar.lines().find(|l| l.starts_with("From: ")).unwrap();
    // The organisation's name (encoded: it has accents) over the site's address.
    assert!(from.contains("<noreply@parvis.example.org>"), "{from}");
    assert!(from.contains("=?utf-8?"), "{from}");
    assert!(
        webinar.contains("Reply-To: guillaume.dejardin@lepoleressources.fr"),
        "{webinar}"
    );
    let member = files
        .iter()
        .find(|f| f.contains("membre@exemple.fr"))
        .unwrap();
    assert!(!member.contains("Reply-To:"));
}

async fn a_full_workshop_is_named_and_the_one_with_seats_pointed_to(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let member = |email: &str, track: &str| {
        registration_with(
            email,
            json!({"invitation_code": seed::DEMO_INVITATION_CODE, "tracks": [track], "answers": {"dejeuner": true}}),
        )
    };
    let path = format!("/api/events/{}/registrations", seed::UPCOMING_COMMITTEE);
    for n in 0..8 {
        app.register(
            &path,
            &member(&format!("m{n}@exemple.fr"), "observation-partagee"),
        )
        .await;
    }
    let waiting = app
        .register(
            &path,
            &member("neuvieme@exemple.fr", "observation-partagee"),
        )
        .await
        .json();
    assert_eq!(waiting["status"], "waitlisted");
    let message = waiting["message"].as_str().unwrap();
    assert!(message.starts_with("L'atelier « "), "{message}");
    assert!(message.contains("est complet"), "{message}");
    assert!(
        message.contains("Il reste des places pour l'atelier « "),
        "{message}"
    );
    assert!(message.contains("(8 places)"), "{message}");
    assert!(!message.contains("L'événement est complet"), "{message}");
    let email = &emails_to(&app, "neuvieme@exemple.fr").await[0].email;
    assert!(
        email
            .body_text
            .contains("est complet : vous êtes inscrit·e sur sa liste d'attente, au rang 1.")
    );
    assert!(
        email
            .body_text
            .contains("Il reste des places pour l'atelier « ")
    );

    // Without a waiting list, the refusal names the workshop too.
    let now = chrono::Utc::now();
    let mut event = seed::demo_events(now.date_naive(), now)
        .into_iter()
        .find(|e| e.public.slug == seed::UPCOMING_COMMITTEE)
        .unwrap();
    event.public.slug = "comite-sans-attente".to_owned();
    event.public.waitlist = false;
    app.store().insert_event(&event).await.unwrap().unwrap();
    let path = "/api/events/comite-sans-attente/registrations";
    for n in 0..8 {
        app.register(
            path,
            &member(&format!("s{n}@exemple.fr"), "observation-partagee"),
        )
        .await;
    }
    let refused = app
        .register(path, &member("refuse@exemple.fr", "observation-partagee"))
        .await;
    let body = assert_error_shape(&refused, StatusCode::CONFLICT, "full");
    let message = body["message"].as_str().unwrap();
    assert!(message.starts_with("L'atelier « "), "{message}");
    assert!(
        message.contains("Il reste des places pour l'atelier « "),
        "{message}"
    );
}

/// A calendar file as a real iCalendar parser reads it.
#[derive(Debug)]
struct ParsedCalendar {
    method: String,
    entries: Vec<ParsedEntry>,
}

/// One `VEVENT` of a [`ParsedCalendar`].
#[derive(Debug)]
struct ParsedEntry {
    uid: String,
    sequence: u32,
    status: String,
    /// `CN` parameter and value of `ORGANIZER`.
    organizer: Option<(Option<String>, String)>,
}

impl ParsedCalendar {
    fn uids(&self, status: &str) -> std::collections::BTreeSet<String> {
        self.entries
            .iter()
            .filter(|entry| entry.status == status)
            .map(|entry| entry.uid.clone())
            .collect()
    }

    /// The one `SEQUENCE` every entry of the file carries.
    fn sequence(&self) -> u32 {
        let first = self.entries.first().expect("a calendar entry").sequence;
        assert!(
            self.entries.iter().all(|entry| entry.sequence == first),
            "{self:?}"
        );
        first
    }
}

fn parse_calendar(ics: &str) -> ParsedCalendar {
    use icalendar::parser::{Property, read_calendar, unfold};
    let unfolded = unfold(ics);
    let calendar = read_calendar(&unfolded).unwrap_or_else(|error| panic!("{error}\n{ics}"));
    let value = |properties: &[Property<'_>], name: &str| {
        properties
            .iter()
            .find(|property| property.name.as_str() == name)
            .map(|property| property.val.as_str().to_owned())
    };
    let method = value(&calendar.properties, "METHOD").expect("METHOD");
    let entries = calendar
        .components
        .iter()
        .filter(|component| component.name.as_str() == "VEVENT")
        .map(|event| ParsedEntry {
            uid: value(&event.properties, "UID").expect("UID"),
            sequence: value(&event.properties, "SEQUENCE")
                .expect("SEQUENCE")
                .parse()
                .expect("SEQUENCE is a number"),
            status: value(&event.properties, "STATUS").expect("STATUS"),
            organizer: event.find_prop("ORGANIZER").map(|organizer| {
                let cn = organizer
                    .params
                    .iter()
                    .find(|param| param.key.as_str() == "CN")
                    .and_then(|param| param.val.as_ref())
                    .map(|val| val.as_str().trim_matches('"').to_owned());
                (cn, organizer.val.as_str().to_owned())
            }),
        })
        .collect();
    ParsedCalendar { method, entries }
}

fn uids(days: &[usize]) -> std::collections::BTreeSet<String> {
    days.iter()
        .map(|day| format!("{}-{}@parvis.example.org", seed::UPCOMING_CYCLE, day + 1))
        .collect()
}

async fn change_days(app: &TestApp, token: &str, days: Value) {
    let change = app
        .send(
            Request::patch(format!("/api/registrations/{token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"tracks": [], "sessions": days}).to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(change.status, StatusCode::OK, "{}", change.text);
}

async fn personal_calendar(app: &TestApp, token: &str) -> ParsedCalendar {
    let reply = app
        .get(&format!("/api/registrations/{token}/calendar.ics"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    parse_calendar(&reply.text)
}

async fn a_registrants_calendar_entries_keep_their_uid_climb_in_sequence_and_are_called_off(
    backend: Backend,
) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let path = format!("/api/events/{}/registrations", seed::UPCOMING_CYCLE);
    let reply = app
        .register(
            &path,
            &registration_with(
                "a@exemple.fr",
                json!({"sessions": [0, 1, 2], "answers": {"portage-epci": true}}),
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);

    // The confirmation: the three days, confirmed, from the organiser.
    let confirmation = emails_to(&app, "a@exemple.fr").await.remove(0);
    let token = token_of(&confirmation);
    let first = parse_calendar(confirmation.email.ics.as_deref().unwrap());
    assert_eq!(first.method, "PUBLISH");
    assert_eq!(first.uids("CONFIRMED"), uids(&[0, 1, 2]), "{first:?}");
    assert_eq!(first.entries.len(), 3);
    assert_eq!(
        first.entries[0].organizer,
        Some((
            Some("Centre de ressources politique de la ville en Essonne (CRPVE)".to_owned()),
            "mailto:chmission1@crpve91.fr".to_owned()
        )),
        "{first:?}"
    );
    let first_sequence = first.sequence();
    assert!(first_sequence >= 1, "{first:?}");
    assert_eq!(
        personal_calendar(&app, &token).await.sequence(),
        first_sequence,
        "the download carries the version last sent, and raises nothing"
    );

    // Day 2 dropped: the change publishes days 1 and 3 and calls off day 2,
    // under the same UIDs, at a higher sequence.
    change_days(&app, &token, json!([0, 2])).await;
    let change = emails_to(&app, "a@exemple.fr").await.pop().unwrap().email;
    assert!(
        change.subject.starts_with("Inscription modifiée"),
        "{}",
        change.subject
    );
    let second = parse_calendar(change.ics.as_deref().unwrap());
    assert_eq!(second.method, "PUBLISH");
    assert_eq!(second.uids("CONFIRMED"), uids(&[0, 2]), "{second:?}");
    assert_eq!(second.uids("CANCELLED"), uids(&[1]), "{second:?}");
    let second_sequence = second.sequence();
    assert!(second_sequence > first_sequence, "{second:?}");
    assert!(
        change
            .body_text
            .contains("en retire celles que vous avez quittées")
    );
    let download = personal_calendar(&app, &token).await;
    assert_eq!(download.sequence(), second_sequence);
    assert_eq!(download.uids("CONFIRMED"), uids(&[0, 2]));

    // Nothing dropped this time: nothing called off.
    change_days(&app, &token, json!([0, 2, 3])).await;
    let third = parse_calendar(
        emails_to(&app, "a@exemple.fr")
            .await
            .pop()
            .unwrap()
            .email
            .ics
            .as_deref()
            .unwrap(),
    );
    assert_eq!(third.uids("CONFIRMED"), uids(&[0, 2, 3]), "{third:?}");
    assert!(third.uids("CANCELLED").is_empty(), "{third:?}");
    let third_sequence = third.sequence();
    assert!(third_sequence > second_sequence);

    // The cancellation removes every day the calendar holds.
    let cancelled = app
        .post_raw(&format!("/api/registrations/{token}/cancel"), None, "")
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
    let cancellation = emails_to(&app, "a@exemple.fr").await.pop().unwrap().email;
    assert!(cancellation.subject.starts_with("Inscription annulée"));
    assert!(
        cancellation
            .body_text
            .contains("retire l'événement de votre agenda"),
        "{}",
        cancellation.body_text
    );
    let last = parse_calendar(cancellation.ics.as_deref().unwrap());
    assert_eq!(last.method, "CANCEL");
    assert_eq!(last.uids("CANCELLED"), uids(&[0, 2, 3]), "{last:?}");
    assert_eq!(last.entries.len(), 3);
    assert!(last.sequence() > third_sequence);

    // The public file is nobody's registration: sequence 0, same UIDs.
    let public = app
        .get(&format!(
            "/api/events/{}/calendar.ics",
            seed::UPCOMING_CYCLE
        ))
        .await;
    let public = parse_calendar(&public.text);
    assert_eq!(public.method, "PUBLISH");
    assert_eq!(public.sequence(), 0);
    assert_eq!(public.uids("CONFIRMED"), uids(&[0, 1, 2, 3]));

    // Delivered, each attachment says its own method.
    assert_eq!(app.deliver().await, 4);
    let files = app.eml_files();
    assert_eq!(
        files
            .iter()
            .filter(|file| file.contains("method=CANCEL"))
            .count(),
        1
    );
    assert_eq!(
        files
            .iter()
            .filter(|file| file.contains("method=PUBLISH"))
            .count(),
        3
    );
}

async fn only_people_who_had_calendar_entries_get_them_removed_and_a_comeback_outranks_the_removal(
    backend: Backend,
) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let path = custom_cycle(&app, "cycle-une-place", |event| {
        event.public.capacity = None;
        for session in &mut event.public.sessions {
            session.capacity = Some(1);
        }
    })
    .await;
    let day_one = |email: &str| {
        registration_with(
            email,
            json!({"sessions": [0], "answers": {"portage-epci": true}}),
        )
    };
    for (email, status) in [
        ("a@exemple.fr", "confirmed"),
        ("b@exemple.fr", "waitlisted"),
        ("c@exemple.fr", "waitlisted"),
    ] {
        let reply = app.register(&path, &day_one(email)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        assert_eq!(reply.json()["status"], status);
    }
    let uid = "cycle-une-place-1@parvis.example.org".to_owned();

    // Someone who only waited had nothing in their calendar.
    let token = token_of(&emails_to(&app, "b@exemple.fr").await[0]);
    app.post_raw(&format!("/api/registrations/{token}/cancel"), None, "")
        .await;
    let cancellation = emails_to(&app, "b@exemple.fr").await.pop().unwrap().email;
    assert!(cancellation.subject.starts_with("Inscription annulée"));
    assert!(cancellation.ics.is_none(), "nothing to remove");
    assert!(!cancellation.body_text.contains("invitation.ics"));

    // A cancels: the day leaves their calendar; C is promoted and gets it.
    let token = token_of(&emails_to(&app, "a@exemple.fr").await[0]);
    app.post_raw(&format!("/api/registrations/{token}/cancel"), None, "")
        .await;
    let removal = parse_calendar(
        emails_to(&app, "a@exemple.fr")
            .await
            .pop()
            .unwrap()
            .email
            .ics
            .as_deref()
            .unwrap(),
    );
    assert_eq!(removal.method, "CANCEL");
    assert_eq!(removal.uids("CANCELLED"), [uid.clone()].into());
    let promotion = emails_to(&app, "c@exemple.fr").await.pop().unwrap().email;
    assert!(promotion.subject.starts_with("Une place s'est libérée"));
    let promoted = parse_calendar(promotion.ics.as_deref().unwrap());
    assert_eq!(promoted.method, "PUBLISH");
    assert_eq!(promoted.uids("CONFIRMED"), [uid.clone()].into());
    assert!(promoted.uids("CANCELLED").is_empty());

    // A comes back (waiting now): no calendar while waiting. Once C leaves,
    // A is promoted: the day comes back at a sequence above the removal's.
    let reply = app.register(&path, &day_one("a@exemple.fr")).await;
    assert_eq!(reply.json()["status"], "waitlisted", "{}", reply.text);
    assert!(
        emails_to(&app, "a@exemple.fr")
            .await
            .pop()
            .unwrap()
            .email
            .ics
            .is_none()
    );
    let token = token_of(&emails_to(&app, "c@exemple.fr").await[0]);
    app.post_raw(&format!("/api/registrations/{token}/cancel"), None, "")
        .await;
    let back = parse_calendar(
        emails_to(&app, "a@exemple.fr")
            .await
            .pop()
            .unwrap()
            .email
            .ics
            .as_deref()
            .unwrap(),
    );
    assert_eq!(back.method, "PUBLISH");
    assert_eq!(back.uids("CONFIRMED"), [uid].into());
    assert!(back.sequence() > removal.sequence(), "{back:?} {removal:?}");
}

fn patch_json(path: &str, body: &Value) -> Request<Body> {
    Request::patch(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

async fn the_confirmation_answer_shows_what_and_where_masked_with_calendar_links_once_seated(
    backend: Backend,
) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let reply = app
        .register(
            &upcoming_registrations(),
            &registration("C.Martin@Creil.fr"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let answer = reply.json();
    assert_eq!(answer["sent_to"], "c…@creil.fr");
    assert!(
        answer["event_title"]
            .as_str()
            .unwrap()
            .contains("Articuler contrats")
    );
    assert_eq!(answer["dates"].as_array().unwrap().len(), 1);
    let links = &answer["calendar"][0];
    let google = links["google"].as_str().unwrap();
    assert!(
        google.starts_with("https://calendar.google.com/calendar/render?action=TEMPLATE&text="),
        "{google}"
    );
    assert!(
        google.contains("&dates=") && google.contains("Z/"),
        "{google}"
    );
    assert!(
        links["outlook"]
            .as_str()
            .unwrap()
            .starts_with("https://outlook.office.com/calendar/0/action/compose?")
    );
    for secret in ["visio.example.org", "inscription/", "martin", "Martin"] {
        assert!(!reply.text.contains(secret), "{secret} in {}", reply.text);
    }

    let path = custom_event(&app, "une-place", |event| {
        event.public.capacity = Some(1);
        event.public.waitlist = true;
    })
    .await;
    app.register(&path, &registration("premiere@exemple.fr"))
        .await;
    let waiting = app
        .register(&path, &registration("seconde@exemple.fr"))
        .await
        .json();
    assert_eq!(waiting["status"], "waitlisted");
    assert_eq!(waiting["rank"], 1);
    assert_eq!(waiting["calendar"], json!([]), "no calendar before a seat");
}

async fn a_lookup_resends_the_personal_links_and_answers_alike_for_any_address(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let known = "alix.retrouve@ville.example.fr";
    app.register(&upcoming_registrations(), &registration(known))
        .await;
    assert_eq!(emails_to(&app, known).await.len(), 1);
    let lookup = |email: &str, website: &str| {
        post_json(
            "/api/registrations/lookup",
            &json!({"email": email, "website": website}),
        )
    };
    let first = app.send(lookup("Alix.Retrouve@ville.example.fr", "")).await;
    let unknown = app.send(lookup("personne@ville.example.fr", "")).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.text);
    assert_eq!((first.status, &first.text), (unknown.status, &unknown.text));
    assert!(
        first.json()["message"]
            .as_str()
            .unwrap()
            .contains("lien personnel")
    );
    let emails = emails_to(&app, known).await;
    assert_eq!(emails.len(), 2, "the personal link went again");
    assert!(
        app.opens(&token_of(&emails[1])).await,
        "with a working link"
    );
    assert!(
        emails_to(&app, "personne@ville.example.fr")
            .await
            .is_empty()
    );
    // Within the daily bound of re-sends, however often it is asked.
    for _ in 0..5 {
        assert_eq!(
            app.send(lookup(known, "")).await.status,
            StatusCode::ACCEPTED
        );
    }
    assert_eq!(
        emails_to(&app, known).await.len(),
        4,
        "the first email and three re-sends"
    );
    // Bots filling the hidden field get the answer and nobody an email.
    let other = "bot.cible@ville.example.fr";
    app.register(&upcoming_registrations(), &registration(other))
        .await;
    let bot = app.send(lookup(other, "http://spam.example")).await;
    assert_eq!((bot.status, &bot.text), (unknown.status, &unknown.text));
    assert_eq!(emails_to(&app, other).await.len(), 1);
    // A mistyped address is named, in French.
    let wrong = app.send(lookup("pas-une-adresse", "")).await;
    let body = assert_error_shape(&wrong, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert!(
        body["fields"]["email"][0]
            .as_str()
            .unwrap()
            .contains("adresse"),
        "{body}"
    );
}

async fn the_personal_page_gives_the_connection_link_once_seated_and_edits_answers(
    backend: Backend,
) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let email = "yanis.jour-j@ville.example.fr";
    let mut body = registration(email);
    body["accessibility_needs"] = json!("Sous-titrage");
    app.register(&upcoming_registrations(), &body).await;
    let token = token_of(&emails_to(&app, email).await[0]);
    let page = format!("/api/registrations/{token}");
    let view = app.get(&page).await.json();
    assert!(
        view["connection_url"]
            .as_str()
            .unwrap()
            .starts_with("https://visio.example.org/")
    );
    assert_eq!(view["accessibility_needs"], "Sous-titrage");
    assert_eq!(view["can_edit_answers"], true);

    let sessions = view["sessions"].clone();
    let changed = app
        .send(patch_json(&page, &json!({"tracks": [], "sessions": sessions, "accessibility_needs": "Interprétation en LSF"})))
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(
        app.get(&page).await.json()["accessibility_needs"],
        "Interprétation en LSF"
    );
    let too_long = app
        .send(patch_json(
            &page,
            &json!({"tracks": [], "sessions": sessions, "accessibility_needs": "x".repeat(501)}),
        ))
        .await;
    let body = assert_error_shape(&too_long, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert!(
        body["fields"]["accessibility_needs"][0]
            .as_str()
            .unwrap()
            .contains("Besoins d'accessibilité"),
        "{body}"
    );

    // The committee's question is answered again from the personal page.
    let committee = format!("/api/events/{}/registrations", seed::UPCOMING_COMMITTEE);
    let member = "membre.reponses@exemple.fr";
    let reply = app
        .register(&committee, &registration_with(member, json!({
            "invitation_code": "VIVRE-ENSEMBLE", "tracks": ["observation-partagee"], "answers": {"dejeuner": false}
        })))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let member_page = format!(
        "/api/registrations/{}",
        token_of(&emails_to(&app, member).await[0])
    );
    let view = app.get(&member_page).await.json();
    assert_eq!(view["answers"]["dejeuner"], false);
    assert_eq!(
        view["connection_url"],
        Value::Null,
        "an in-person event has no connection link"
    );
    let same_choices = json!({"tracks": view["tracks"], "sessions": view["sessions"], "answers": {"dejeuner": true}});
    assert_eq!(
        app.send(patch_json(&member_page, &same_choices))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&member_page).await.json()["answers"]["dejeuner"],
        true
    );
    let unanswered = json!({"tracks": view["tracks"], "sessions": view["sessions"], "answers": {}});
    let refused = app.send(patch_json(&member_page, &unanswered)).await;
    let body = assert_error_shape(&refused, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert!(
        body["fields"]["answers.dejeuner"][0]
            .as_str()
            .unwrap()
            .contains("Déjeunerez-vous"),
        "{body}"
    );
    assert_eq!(
        emails_to(&app, member).await.len(),
        1,
        "editing answers sends no email"
    );

    // Someone waiting has no connection link; a cancelled registration
    // cannot be edited.
    let path = custom_event(&app, "une-place", |event| {
        event.public.capacity = Some(1);
        event.public.waitlist = true;
    })
    .await;
    app.register(&path, &registration("premiere@exemple.fr"))
        .await;
    app.register(&path, &registration("attend@exemple.fr"))
        .await;
    let waiting = format!(
        "/api/registrations/{}",
        token_of(&emails_to(&app, "attend@exemple.fr").await[0])
    );
    assert_eq!(
        app.get(&waiting).await.json()["connection_url"],
        Value::Null
    );
    assert_eq!(
        app.send(post_json(&format!("{waiting}/cancel"), &json!({})))
            .await
            .status,
        StatusCode::OK
    );
    let closed = app
        .send(patch_json(
            &waiting,
            &json!({"tracks": [], "sessions": [0], "accessibility_needs": "LSF"}),
        ))
        .await;
    assert_error_shape(&closed, StatusCode::CONFLICT, "change_closed");
}
