//! The public event documents served from memory (`src/snapshot.rs`), on
//! SQLite and on a throwaway PostgreSQL database each: ETags and 304s, the
//! brotli and gzip copies decoding to the very JSON, the cache headers, a
//! registration and an organiser's edit seen on the next read, drafts and
//! unknown events answered 404 as before, members-only events shown to all
//! without their codes, filtered agendas read as before; and, on
//! PostgreSQL, two replicas built from `Config` on one database, each
//! seeing the other's writes (and a write from outside both) at once.

use std::io::Read as _;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use parvis_api::seed;
use parvis_api::snapshot::CACHE_CONTROL;
use parvis_api::store::accounts::Role;
use parvis_api::{AppState, Config, router};
use parvis_core::api::{EventPublic, EventSummary};
use serde_json::{Value, json};
use tower::ServiceExt;

#[macro_use]
mod common;
use common::app::{App, Backend, Browser, PUBLIC_URL};

const ALICE: &str = "alice@a.example.org";

/// A status, headers and the body as sent (compressed or not).
struct Raw {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .map_or("", |value| value.to_str().unwrap())
    }

    /// The body decoded as its `Content-Encoding` says.
    fn decoded(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self.header(header::CONTENT_ENCODING) {
            "br" => {
                brotli::Decompressor::new(&self.body[..], 4096)
                    .read_to_end(&mut out)
                    .unwrap();
            }
            "gzip" => {
                flate2::read::GzDecoder::new(&self.body[..])
                    .read_to_end(&mut out)
                    .unwrap();
            }
            "" => out = self.body.clone(),
            other => panic!("unexpected coding {other}"),
        }
        out
    }

    fn json(&self) -> Value {
        assert_eq!(self.status, StatusCode::OK);
        serde_json::from_slice(&self.decoded()).unwrap()
    }
}

/// A GET through `router` with these headers.
async fn get(router: &axum::Router, uri: &str, headers: &[(&str, &str)]) -> Raw {
    let mut request = Request::builder().method(Method::GET).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Raw {
        status,
        headers,
        body: body.to_vec(),
    }
}

fn page(slug: &str) -> String {
    format!("/api/events/{slug}")
}

/// Seats taken, all quotas together.
fn taken(page: &Value) -> u64 {
    page["availability"]
        .as_object()
        .unwrap()
        .values()
        .map(|seats| seats["taken"].as_u64().unwrap())
        .sum()
}

async fn seeded(backend: Backend) -> Option<App> {
    let app = App::new(backend).await?;
    assert!(seed::seed_demo(&app.state).await.unwrap());
    Some(app)
}

async fn copies_decode_to_the_same_json_with_their_own_tags(backend: Backend) {
    let Some(app) = seeded(backend).await else {
        return;
    };
    for uri in ["/api/events".to_owned(), page(seed::UPCOMING_WEBINAR)] {
        let plain = get(&app.router, &uri, &[]).await;
        let brotli = get(
            &app.router,
            &uri,
            &[("accept-encoding", "gzip, deflate, br")],
        )
        .await;
        let gzip = get(&app.router, &uri, &[("accept-encoding", "gzip")]).await;
        assert_eq!(plain.header(header::CONTENT_ENCODING), "", "{uri}");
        assert_eq!(brotli.header(header::CONTENT_ENCODING), "br", "{uri}");
        assert_eq!(gzip.header(header::CONTENT_ENCODING), "gzip", "{uri}");
        assert!(brotli.body.len() < plain.body.len() / 2, "{uri}");
        for copy in [&plain, &brotli, &gzip] {
            assert_eq!(copy.status, StatusCode::OK, "{uri}");
            assert_eq!(copy.decoded(), plain.body, "{uri}: the same bytes");
            assert_eq!(copy.header(header::CONTENT_TYPE), "application/json");
            assert_eq!(copy.header(header::CACHE_CONTROL), CACHE_CONTROL, "{uri}");
            assert_eq!(copy.header(header::VARY), "accept-encoding", "{uri}");
            // The API's headers are still there.
            assert_eq!(copy.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
            assert_eq!(
                copy.header(header::CONTENT_SECURITY_POLICY),
                "default-src 'none'; frame-ancestors 'none'"
            );
        }
        let tags = [&plain, &brotli, &gzip].map(|copy| copy.header(header::ETAG).to_owned());
        assert!(
            tags.iter().all(|tag| tag.starts_with('"')),
            "strong: {tags:?}"
        );
        assert!(
            tags[0] != tags[1] && tags[1] != tags[2] && tags[0] != tags[2],
            "one tag per coding: {tags:?}"
        );
        // What the app reads.
        if uri == "/api/events" {
            let agenda: Vec<EventSummary> = serde_json::from_slice(&plain.body).unwrap();
            assert!(agenda.iter().any(|e| e.slug == seed::UPCOMING_WEBINAR));
        } else {
            let event: EventPublic = serde_json::from_slice(&plain.body).unwrap();
            assert_eq!(event.slug, seed::UPCOMING_WEBINAR);
        }
        // The tag of the copy asked for gets a 304, without a body, with
        // the same headers for caches.
        for (coding, tag) in [("", &tags[0]), ("br", &tags[1]), ("gzip", &tags[2])] {
            let again = get(
                &app.router,
                &uri,
                &[("accept-encoding", coding), ("if-none-match", tag)],
            )
            .await;
            assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri} {coding}");
            assert!(again.body.is_empty());
            assert_eq!(again.header(header::ETAG), tag.as_str());
            assert_eq!(again.header(header::CACHE_CONTROL), CACHE_CONTROL);
            assert_eq!(again.header(header::VARY), "accept-encoding");
            // Weakly compared, among others.
            let weak = format!("\"autre\", W/{tag}");
            let again = get(
                &app.router,
                &uri,
                &[("accept-encoding", coding), ("if-none-match", &weak)],
            )
            .await;
            assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri} {coding}");
        }
        // Another copy's tag is another representation: the body is sent.
        let other = get(
            &app.router,
            &uri,
            &[("accept-encoding", "br"), ("if-none-match", &tags[0])],
        )
        .await;
        assert_eq!(other.status, StatusCode::OK);
        // A HEAD answers the headers alone.
        let head = app
            .router
            .clone()
            .oneshot(
                Request::head(&uri)
                    .header("accept-encoding", "br")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(head.status(), StatusCode::OK);
        assert_eq!(head.headers()[header::ETAG], tags[1].as_str());
    }
}

/// A webinar of 50 seats created and published by Alice of `centre-a`:
/// its slug.
async fn published(app: &App) -> String {
    app.organisation("centre-a", &[(ALICE, Role::Organisateur)])
        .await;
    let alice = app.sign_in(ALICE).await;
    let events = "/api/gestion/organisations/centre-a/evenements";
    let created = app
        .send(Method::POST, events, Some(webinar()), alice.clone())
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let slug = created.json()["slug"].as_str().unwrap().to_owned();
    let published = app
        .send(
            Method::POST,
            format!("{events}/{slug}/publier"),
            Some(json!({})),
            alice,
        )
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.text);
    slug
}

async fn a_registration_is_on_the_next_read(backend: Backend) {
    let Some(app) = seeded(backend).await else {
        return;
    };
    let slug = published(&app).await;
    let uri = page(&slug);
    let before = get(&app.router, &uri, &[("accept-encoding", "br")]).await;
    let tag = before.header(header::ETAG).to_owned();
    assert_eq!(taken(&before.json()), 0);
    let agenda = get(&app.router, "/api/events", &[]).await;
    let agenda_tag = agenda.header(header::ETAG).to_owned();
    for n in 0..3 {
        let registered = app.register(&slug, &format!("p{n}@exemple.fr")).await;
        assert_eq!(
            registered.status,
            StatusCode::CREATED,
            "{}",
            registered.text
        );
        let after = get(
            &app.router,
            &uri,
            &[("accept-encoding", "br"), ("if-none-match", &tag)],
        )
        .await;
        assert_eq!(after.status, StatusCode::OK, "the seats changed");
        assert_ne!(after.header(header::ETAG), tag);
        assert_eq!(taken(&after.json()), taken(&before.json()) + n + 1);
    }
    // The agenda shows no seats: the same content keeps its tag.
    let agenda = get(
        &app.router,
        "/api/events",
        &[("if-none-match", &agenda_tag)],
    )
    .await;
    assert_eq!(agenda.status, StatusCode::NOT_MODIFIED);
}

async fn an_organiser_s_edit_and_publication_are_on_the_next_read(backend: Backend) {
    let Some(app) = seeded(backend).await else {
        return;
    };
    app.organisation("centre-a", &[(ALICE, Role::Organisateur)])
        .await;
    let alice = app.sign_in(ALICE).await;
    let agenda = get(&app.router, "/api/events", &[("accept-encoding", "br")]).await;
    let agenda_tag = agenda.header(header::ETAG).to_owned();
    let count = agenda.json().as_array().unwrap().len();

    let events = "/api/gestion/organisations/centre-a/evenements";
    let created = app
        .send(Method::POST, events, Some(webinar()), alice.clone())
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let slug = created.json()["slug"].as_str().unwrap().to_owned();
    // A draft is no one's: the same 404 as an unknown event, never kept.
    let draft = get(&app.router, &page(&slug), &[]).await;
    let unknown = get(&app.router, &page("personne-ne-connait"), &[]).await;
    for missing in [&draft, &unknown] {
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.header(header::CACHE_CONTROL), "no-store");
        assert!(missing.header(header::ETAG).is_empty());
    }
    assert_eq!(draft.body, unknown.body);
    let body: Value = serde_json::from_slice(&draft.body).unwrap();
    assert_eq!(body["code"], "not_found");
    assert_eq!(
        body["message"],
        "Cet événement n'existe pas ou a été retiré de l'agenda."
    );
    let unchanged = get(
        &app.router,
        "/api/events",
        &[("accept-encoding", "br"), ("if-none-match", &agenda_tag)],
    )
    .await;
    assert_eq!(
        unchanged.status,
        StatusCode::NOT_MODIFIED,
        "a draft is unseen"
    );

    let published = app
        .send(
            Method::POST,
            format!("{events}/{slug}/publier"),
            Some(json!({})),
            alice.clone(),
        )
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.text);
    let agenda = get(
        &app.router,
        "/api/events",
        &[("accept-encoding", "br"), ("if-none-match", &agenda_tag)],
    )
    .await;
    assert_eq!(agenda.status, StatusCode::OK);
    assert_ne!(agenda.header(header::ETAG), agenda_tag);
    let listed = agenda.json();
    assert_eq!(listed.as_array().unwrap().len(), count + 1);
    assert!(listed.as_array().unwrap().iter().any(|e| e["slug"] == slug));
    let shown = get(&app.router, &page(&slug), &[]).await;
    let page_tag = shown.header(header::ETAG).to_owned();
    assert_eq!(shown.json()["title"], webinar()["title"]);

    // An edit of the title: on the page and in the agenda at once.
    let edition = format!("{events}/{slug}/edition");
    let mut draft = app
        .send(Method::GET, &edition, None, alice.clone())
        .await
        .json()["draft"]
        .clone();
    draft["title"] = json!("Webinaire mensuel : les tables de quartier");
    let saved = app
        .send(Method::PUT, &edition, Some(draft), alice.clone())
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let shown = get(&app.router, &page(&slug), &[("if-none-match", &page_tag)]).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(
        shown.json()["title"],
        "Webinaire mensuel : les tables de quartier"
    );
    let agenda = get(&app.router, "/api/events", &[]).await.json();
    assert!(
        agenda.as_array().unwrap().iter().any(
            |e| e["slug"] == slug && e["title"] == "Webinaire mensuel : les tables de quartier"
        )
    );

    // Withdrawn, it is gone from both, as before.
    let withdrawn = app
        .send(
            Method::POST,
            format!("{events}/{slug}/depublier"),
            Some(json!({})),
            alice.clone(),
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{}", withdrawn.text);
    assert_eq!(
        get(&app.router, &page(&slug), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    let agenda = get(&app.router, "/api/events", &[]).await.json();
    assert!(!agenda.as_array().unwrap().iter().any(|e| e["slug"] == slug));
}

async fn members_only_events_read_the_same_for_everyone(backend: Backend) {
    let Some(app) = seeded(backend).await else {
        return;
    };
    let uri = page(seed::UPCOMING_COMMITTEE);
    let anonymous = get(&app.router, &uri, &[]).await;
    let page_json = anonymous.json();
    assert_eq!(page_json["members_only"], true);
    assert!(!anonymous.body.windows(4).any(|w| w == b"hash"));
    let text = String::from_utf8(anonymous.body.clone()).unwrap();
    assert!(!text.to_lowercase().contains("vivre-ensemble\\\""));
    // Someone signed in to the back-office reads the very same document.
    let (_, cookie) = app
        .member(
            seed::DEMO_ORGANISATION,
            seed::DEMO_ORGANISER,
            Role::Administrateur,
        )
        .await;
    let signed_in = app.get(&uri, &cookie).await;
    assert_eq!(signed_in.status, StatusCode::OK);
    assert_eq!(signed_in.body.to_vec(), anonymous.body);
    // Registering still needs an invitation: the page changes nothing.
    let refused = app
        .register(seed::UPCOMING_COMMITTEE, "curieux@exemple.fr")
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The agenda lists it, marked.
    let agenda = get(&app.router, "/api/events", &[]).await.json();
    let listed = agenda
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["slug"] == seed::UPCOMING_COMMITTEE)
        .expect("members-only events are listed");
    assert_eq!(listed["members_only"], true);
}

async fn filtered_agendas_are_read_as_before(backend: Backend) {
    let Some(app) = seeded(backend).await else {
        return;
    };
    let whole: Vec<EventSummary> =
        serde_json::from_slice(&get(&app.router, "/api/events", &[]).await.body).unwrap();
    let upcoming = get(&app.router, "/api/events?when=upcoming", &[]).await;
    assert_eq!(upcoming.status, StatusCode::OK);
    assert_eq!(upcoming.header(header::CACHE_CONTROL), "no-store");
    assert!(upcoming.header(header::ETAG).is_empty());
    let upcoming: Vec<EventSummary> = serde_json::from_slice(&upcoming.body).unwrap();
    let expected: Vec<&str> = whole
        .iter()
        .filter(|e| !e.is_past)
        .map(|e| e.slug.as_str())
        .collect();
    assert_eq!(
        upcoming.iter().map(|e| e.slug.as_str()).collect::<Vec<_>>(),
        expected
    );
    // Empty parameters are no filter: the snapshot answers.
    let empty = get(&app.router, "/api/events?kind=&organisation=", &[]).await;
    assert_eq!(empty.header(header::CACHE_CONTROL), CACHE_CONTROL);
    // A bad filter is the same 400 as before.
    let bad = get(&app.router, "/api/events?kind=concert", &[]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

/// A webinar in 30 days, as the editor takes it.
fn webinar() -> Value {
    let date = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    json!({
        "kind": "webinaire",
        "title": "Webinaire mensuel : la participation des habitant·es",
        "summary": "Un échange entre pairs sur les conseils citoyens.",
        "description": "Un retour d'expérience puis des échanges.",
        "format": "en_ligne",
        "connection_url": "https://visio.example.org/mensuel",
        "contact_name": "Guillaume Dejardin",
        "contact_email": "contact@a.example.org",
        "sessions": [{"date": date, "start": "14:00", "end": "16:00"}],
        "capacity": "50",
        "waitlist": true,
        "reminders_minutes": [1440]
    })
}

store_tests!(
    copies_decode_to_the_same_json_with_their_own_tags,
    a_registration_is_on_the_next_read,
    an_organiser_s_edit_and_publication_are_on_the_next_read,
    members_only_events_read_the_same_for_everyone,
    filtered_agendas_are_read_as_before,
);

/// Two replicas as production runs them: each its own `AppState` and
/// router from `Config`, on one PostgreSQL database.
#[tokio::test]
async fn postgres_replicas_see_each_other_s_writes_at_once() {
    let Some(first) = seeded(Backend::Postgres).await else {
        return;
    };
    let dir = tempfile::TempDir::new().unwrap();
    let data_dir = dir.path().display().to_string();
    let database_url = first.database_url.clone();
    let config = Config::from_lookup(|key| match key {
        "PARVIS_DATA_DIR" => Some(data_dir.clone()),
        "PARVIS_PUBLIC_URL" => Some(PUBLIC_URL.to_owned()),
        "PARVIS_DATABASE_URL" => Some(database_url.clone()),
        "PARVIS_RATE_LIMIT_PER_MINUTE" => Some("0".to_owned()),
        _ => None,
    })
    .unwrap();
    let second_state = AppState::from_config(&config).await.unwrap();
    let second = router(second_state);

    let seated = published(&first).await;
    // The second replica keeps the page and the agenda.
    let uri = page(&seated);
    let before = get(&second, &uri, &[("accept-encoding", "br")]).await;
    let tag = before.header(header::ETAG).to_owned();
    let seats = taken(&before.json());
    let agenda_tag = get(&second, "/api/events", &[])
        .await
        .header(header::ETAG)
        .to_owned();
    assert_eq!(
        get(
            &second,
            &uri,
            &[("accept-encoding", "br"), ("if-none-match", &tag)]
        )
        .await
        .status,
        StatusCode::NOT_MODIFIED
    );

    // A registration through the first: on the second's next read.
    let registered = first.register(&seated, "replique@exemple.fr").await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text
    );
    let after = get(
        &second,
        &uri,
        &[("accept-encoding", "br"), ("if-none-match", &tag)],
    )
    .await;
    assert_eq!(
        after.status,
        StatusCode::OK,
        "the second replica saw the seat go"
    );
    assert_eq!(taken(&after.json()), seats + 1);

    // An organiser publishing through the first: in the second's agenda.
    let alice: Browser = first.sign_in(ALICE).await;
    let events = "/api/gestion/organisations/centre-a/evenements";
    let created = first
        .send(
            Method::POST,
            events,
            Some({
                let mut other = webinar();
                other["title"] = json!("Webinaire mensuel : les budgets participatifs");
                other
            }),
            alice.clone(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let slug = created.json()["slug"].as_str().unwrap().to_owned();
    assert_eq!(
        get(&second, &page(&slug), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    let published = first
        .send(
            Method::POST,
            format!("{events}/{slug}/publier"),
            Some(json!({})),
            alice.clone(),
        )
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.text);
    let agenda = get(&second, "/api/events", &[("if-none-match", &agenda_tag)]).await;
    assert_eq!(agenda.status, StatusCode::OK);
    assert!(
        agenda
            .json()
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["slug"] == slug)
    );
    assert_eq!(get(&second, &page(&slug), &[]).await.status, StatusCode::OK);

    // A write from neither replica (an administrator in psql): the
    // triggers tell both.
    let shown = get(&second, &page(&slug), &[]).await;
    let shown_tag = shown.header(header::ETAG).to_owned();
    sqlx::query("UPDATE quotas SET capacity = capacity + 10 WHERE event_id = (SELECT id FROM events WHERE slug = $1)")
        .bind(&slug)
        .execute(first.pool().await)
        .await
        .unwrap();
    for replica in [&first.router, &second] {
        let reread = get(replica, &page(&slug), &[("if-none-match", &shown_tag)]).await;
        assert_eq!(reread.status, StatusCode::OK, "the new capacity is seen");
        assert_eq!(reread.json()["availability"]["event"]["capacity"], 60);
    }
    // A no-op write (the invitations' lock) changes nothing.
    let version = |pool| async move {
        sqlx::query_scalar::<_, i64>("SELECT version FROM read_versions WHERE id = 1")
            .fetch_one(pool)
            .await
            .unwrap()
    };
    let at = version(first.pool().await).await;
    sqlx::query("UPDATE events SET slug = slug")
        .execute(first.pool().await)
        .await
        .unwrap();
    assert_eq!(version(first.pool().await).await, at);
}
