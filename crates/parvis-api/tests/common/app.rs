//! One app per test, on SQLite or on a throwaway PostgreSQL database, wired
//! from `Config` as production wires it, with a browser that signs in to
//! the back-office through the emailed link (or with a session made in
//! the store, for tests that sign in many times), and a raw pool on the
//! same database for what no route writes.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use parvis_api::store::accounts::Role;
use parvis_api::store::sql::Dialect;
use parvis_api::store::{EventRecord, NewEvent, Origin};
use parvis_api::{AppState, Config, mail, router, token};
use parvis_core::registration::{RegistrationRequest, check_for_event};
use serde_json::{Value, json};
use sqlx::AnyPool;
use tempfile::TempDir;
use tokio::sync::OnceCell;
use tower::ServiceExt;

use super::{PgDatabase, throwaway_postgres};

pub const PUBLIC_URL: &str = "https://parvis.example.org";

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct App {
    _dir: TempDir,
    _database: Option<PgDatabase>,
    pub state: AppState,
    pub router: Router,
    /// The store's dialect, for SQL written by a test.
    pub dialect: Dialect,
    /// Where the database is, for [`App::pool`] (and a second replica).
    pub database_url: String,
    pool: OnceCell<AnyPool>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body as it came (a file to read back).
    pub body: Bytes,
    /// The body as text (lossy).
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// The body as `T`, after checking the answer is 200.
    pub fn read<T: serde::de::DeserializeOwned>(&self) -> T {
        assert_eq!(self.status, StatusCode::OK, "{}", self.text);
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("unexpected shape ({e}): {}", self.text))
    }

    /// A header's value, or `""`.
    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .map_or("", |value| value.to_str().unwrap())
    }
}

/// The body of a request.
pub enum Sent {
    Nothing,
    Json(Value),
    /// A file's bytes, as `text/csv`.
    Csv(Vec<u8>),
}

/// A browser: its session cookie and CSRF proof once signed in.
#[derive(Clone, Default)]
pub struct Browser {
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

impl App {
    pub async fn new(backend: Backend) -> Option<Self> {
        Self::build(backend, false).await
    }

    /// The app as AWS Lambda runs it: no background runner, so emails leave
    /// within the request that queued them.
    pub async fn without_runner(backend: Backend) -> Option<Self> {
        Self::build(backend, true).await
    }

    pub async fn build(backend: Backend, deliver_inline: bool) -> Option<Self> {
        Self::configured(backend, deliver_inline, &[]).await
    }

    /// The app with more settings, read as the server reads its
    /// environment (the file storage's S3 bucket...).
    pub async fn with_settings(backend: Backend, settings: &[(&str, String)]) -> Option<Self> {
        Self::configured(backend, false, settings).await
    }

    async fn configured(
        backend: Backend,
        deliver_inline: bool,
        settings: &[(&str, String)],
    ) -> Option<Self> {
        let dir = TempDir::new().unwrap();
        let database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(throwaway_postgres().await?),
        };
        let data_dir = dir.path().display().to_string();
        let database_url = database.as_ref().map(|(_, url)| url.clone());
        let config = Config::from_lookup(|key| match key {
            "PARVIS_DATA_DIR" => Some(data_dir.clone()),
            "PARVIS_PUBLIC_URL" => Some(PUBLIC_URL.to_owned()),
            "PARVIS_DATABASE_URL" => database_url.clone(),
            "PARVIS_RATE_LIMIT_PER_MINUTE" => Some("0".to_owned()),
            _ => settings
                .iter()
                .find(|(name, _)| *name == key)
                .map(|(_, value)| value.clone()),
        })
        .unwrap();
        let mut state = AppState::from_config(&config).await.unwrap();
        state.deliver_inline = deliver_inline;
        let (database_url, dialect) = match database_url {
            Some(url) => (url, Dialect::Postgres),
            None => (
                format!("sqlite://{}", config.database_path().display()),
                Dialect::Sqlite,
            ),
        };
        Some(Self {
            router: router(state.clone()),
            state,
            _dir: dir,
            _database: database.map(|(database, _)| database),
            dialect,
            database_url,
            pool: OnceCell::new(),
        })
    }

    /// The app's data directory (SQLite file, outbox of the files mailer).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// A pool of its own on the app's database, opened on first use: for
    /// what no route writes (hostile names, dates in the past).
    pub async fn pool(&self) -> &AnyPool {
        self.pool
            .get_or_init(|| async {
                sqlx::any::install_default_drivers();
                AnyPool::connect(&self.database_url).await.unwrap()
            })
            .await
    }

    /// A `GET` with a session cookie (`name=value`).
    pub async fn get(&self, uri: impl AsRef<str>, cookie: &str) -> Reply {
        let browser = Browser {
            cookie: Some(cookie.to_owned()),
            csrf: None,
        };
        self.send(Method::GET, uri, None, browser).await
    }

    pub async fn send(
        &self,
        method: Method,
        uri: impl AsRef<str>,
        body: Option<Value>,
        browser: impl std::borrow::Borrow<Browser>,
    ) -> Reply {
        let sent = body.map_or(Sent::Nothing, Sent::Json);
        self.send_body(method, uri, sent, browser).await
    }

    /// A `GET` from `browser`.
    pub async fn get_as(
        &self,
        uri: impl AsRef<str>,
        browser: impl std::borrow::Borrow<Browser>,
    ) -> Reply {
        self.send(Method::GET, uri, None, browser).await
    }

    /// A `POST` of JSON from `browser`.
    pub async fn post(
        &self,
        uri: impl AsRef<str>,
        body: Value,
        browser: impl std::borrow::Borrow<Browser>,
    ) -> Reply {
        self.send(Method::POST, uri, Some(body), browser).await
    }

    /// A request with any body.
    pub async fn send_body(
        &self,
        method: Method,
        uri: impl AsRef<str>,
        sent: Sent,
        browser: impl std::borrow::Borrow<Browser>,
    ) -> Reply {
        let browser = browser.borrow();
        let uri = uri.as_ref();
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(cookie) = &browser.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(csrf) = &browser.csrf {
            request = request.header("x-parvis-csrf", csrf);
        }
        let request = match sent {
            Sent::Nothing => request.body(Body::empty()),
            Sent::Json(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            Sent::Csv(bytes) => request
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(bytes)),
        }
        .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            text: String::from_utf8_lossy(&body).into_owned(),
            body,
        }
    }

    /// An organisation with its members.
    pub async fn organisation(&self, slug: &str, members: &[(&str, Role)]) {
        let store = &self.state.store;
        let now = chrono::Utc::now();
        let organisation = store
            .create_organisation(slug, &format!("Centre {slug}"), now)
            .await
            .unwrap()
            .unwrap();
        for (email, role) in members {
            let account = store
                .account_for(email, "Camille Martin", now)
                .await
                .unwrap();
            store
                .set_member(organisation.id, account.id, *role, now)
                .await
                .unwrap();
        }
    }

    /// `email` as a member of organisation `slug` (created if need be),
    /// signed in by a session made in the store, as many times as a test
    /// likes (the emailed link is limited per hour): the organisation's id
    /// and the session cookie.
    pub async fn member(&self, slug: &str, email: &str, role: Role) -> (i64, String) {
        let (organisation, browser) = self.signed_in(slug, email, role).await;
        (organisation, browser.cookie.unwrap())
    }

    /// As [`App::member`], with the session's CSRF proof too: the
    /// organisation's id and the browser.
    pub async fn signed_in(&self, slug: &str, email: &str, role: Role) -> (i64, Browser) {
        let store = &self.state.store;
        let now = chrono::Utc::now();
        let organisation = match store.organisation(slug).await.unwrap() {
            Some(organisation) => organisation,
            None => store
                .create_organisation(slug, &format!("Centre {slug}"), now)
                .await
                .unwrap()
                .unwrap(),
        };
        let account = store
            .account_for(email, "Camille Martin", now)
            .await
            .unwrap();
        store
            .set_member(organisation.id, account.id, role, now)
            .await
            .unwrap();
        let session = token::generate().unwrap();
        let csrf = token::random_hex(32).unwrap();
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
        (
            organisation.id,
            Browser {
                cookie: Some(format!("parvis_session={}", session.token)),
                csrf: Some(csrf),
            },
        )
    }

    /// Inserts `event` as one of `organisation`'s: the stored event.
    pub async fn insert_owned(&self, event: &NewEvent, organisation: i64) -> EventRecord {
        let store = &self.state.store;
        store.insert_event(event).await.unwrap().unwrap();
        store
            .assign_events(organisation, &[event.public.slug.as_str()])
            .await
            .unwrap();
        store
            .event_by_slug(&event.public.slug)
            .await
            .unwrap()
            .unwrap()
    }

    /// Registers through the store, as the registration route does: the
    /// registration's id.
    pub async fn registration_id(&self, event: &EventRecord, request: &RegistrationRequest) -> i64 {
        let checked = check_for_event(&event.public, request)
            .unwrap_or_else(|e| panic!("{} refused: {e:?}", request.email));
        let now = chrono::Utc::now();
        let compose = mail::composer(PUBLIC_URL, move || now);
        let personal = token::generate().unwrap();
        self.state
            .store
            .register(
                event,
                &checked,
                &personal.token,
                &Origin::default(),
                &compose,
                now,
            )
            .await
            .unwrap();
        self.state
            .store
            .registration_by_token(&token::hash(&personal.token), now)
            .await
            .unwrap()
            .unwrap()
            .id
    }

    /// How many emails went to `email`.
    pub async fn emails_to(&self, email: &str) -> usize {
        self.state
            .store
            .claim_due_emails(chrono::Utc::now(), chrono::Duration::zero(), 1000)
            .await
            .unwrap()
            .iter()
            .filter(|q| q.email.recipient == email)
            .count()
    }

    /// The link token and code of the last sign-in email to `email`.
    pub async fn sign_in_secrets(&self, email: &str) -> Option<(String, String)> {
        let queued = self
            .state
            .store
            .claim_due_emails(chrono::Utc::now(), chrono::Duration::zero(), 1000)
            .await
            .unwrap();
        let body = queued
            .iter()
            .rev()
            .find(|q| q.email.recipient.eq_ignore_ascii_case(email))?
            .email
            .body_text
            .clone();
        let token = body.split("#jeton=").nth(1).unwrap()[..64].to_owned();
        let code: String = body
            .split("ce code dans la page de connexion : ")
            .nth(1)
            .unwrap()
            .chars()
            .take(7)
            .filter(char::is_ascii_digit)
            .collect();
        Some((token, code))
    }

    /// Registers `email` to the event `slug` through the public route.
    pub async fn register(&self, slug: &str, email: &str) -> Reply {
        self.send(
            Method::POST,
            format!("/api/events/{slug}/registrations"),
            Some(json!({
                "first_name": "Camille", "last_name": "Martin", "email": email,
                "organisation": "Ville de Creil", "role": "Cheffe de projet", "territory": "",
                "consent": true, "structure_type": "collectivite"
            })),
            Browser::default(),
        )
        .await
    }

    pub async fn ask_sign_in(&self, email: &str) -> Reply {
        self.send(
            Method::POST,
            "/api/gestion/connexion",
            Some(json!({ "email": email })),
            &Browser::default(),
        )
        .await
    }

    /// Signs `email` in through the emailed link.
    pub async fn sign_in(&self, email: &str) -> Browser {
        let asked = self.ask_sign_in(email).await;
        assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.text);
        let (token, _) = self.sign_in_secrets(email).await.expect("a sign-in email");
        let reply = self
            .send(
                Method::POST,
                "/api/gestion/connexion/lien",
                Some(json!({ "jeton": token })),
                &Browser::default(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        browser_of(&reply)
    }
}

pub fn browser_of(reply: &Reply) -> Browser {
    let set_cookie = reply.headers[header::SET_COOKIE].to_str().unwrap();
    Browser {
        cookie: Some(set_cookie.split(';').next().unwrap().to_owned()),
        csrf: Some(reply.json()["csrf_token"].as_str().unwrap().to_owned()),
    }
}
