//! The study reports library through the real router, on SQLite and on a
//! throwaway PostgreSQL database each: the catalogue's search (accents and
//! case aside), filters, facets, pages and 422s; a publication's page; a
//! public download (bytes, headers, a range, a 304, counted once); a
//! reserved file refused without a good signature and fetched through the
//! confirmed registrant's email and personal page, never by someone
//! waiting; the back-office's writes, uploads and deletions. The downloads
//! and uploads run again with the files in a real S3-compatible server.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::Utc;
use http_body_util::BodyExt;
use parvis_api::seed;
use parvis_api::store::accounts::Role;
use parvis_api::store::publications::NewFile;
use parvis_core::publications::{
    Catalogue, CheckedPublication, MAX_FILE_BYTES, ManagedPublication, PublicationDraft,
    PublicationFile, PublicationView, check_draft,
};
use serde_json::json;
use tower::ServiceExt;

#[macro_use]
mod common;
use common::app::{App, Backend, Browser, PUBLIC_URL, Reply};
use common::moto::Moto;

/// A request through the router with extra headers and any body.
async fn request(
    app: &App,
    method: Method,
    uri: &str,
    headers: &[(header::HeaderName, &str)],
    body: Vec<u8>,
    browser: &Browser,
) -> Reply {
    let mut builder = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(name, *value);
    }
    if let Some(cookie) = &browser.cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    if let Some(csrf) = &browser.csrf {
        builder = builder.header("x-parvis-csrf", csrf);
    }
    let response = app
        .router
        .clone()
        .oneshot(builder.body(Body::from(body)).unwrap())
        .await
        .unwrap();
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

async fn get(app: &App, uri: &str) -> Reply {
    request(app, Method::GET, uri, &[], Vec::new(), &Browser::default()).await
}

fn draft(title: &str, kind: &str, published_on: &str, themes: &str) -> PublicationDraft {
    PublicationDraft {
        title: title.into(),
        kind: kind.into(),
        authors: "Centre de ressources".into(),
        published_on: published_on.into(),
        summary: format!("Résumé de « {title} »."),
        themes: themes.into(),
        access: "public".into(),
        published: true,
        ..PublicationDraft::default()
    }
}

fn checked(draft: &PublicationDraft) -> CheckedPublication {
    check_draft(draft).unwrap()
}

/// The demo content, with its publications and their files.
async fn demo(backend: Backend) -> Option<App> {
    let app = App::new(backend).await?;
    assert!(seed::seed_demo(&app.state).await.unwrap());
    Some(app)
}

fn ids(catalogue: &Catalogue) -> Vec<&str> {
    catalogue.items.iter().map(|c| c.slug.as_str()).collect()
}

async fn the_catalogue_searches_filters_counts_and_pages(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let store = &app.state.store;
    let now = Utc::now();
    let (a, _) = app
        .member("centre-a", "alice@a.example.org", Role::Organisateur)
        .await;
    let (b, _) = app
        .member("centre-b", "bruno@b.example.org", Role::Organisateur)
        .await;
    store
        .create_publication(
            a,
            "cohesion",
            &checked(&draft(
                "La COHÉSION sociale à Creil",
                "rapport_etude",
                "2018-01-15",
                "Cohésion sociale\nParticipation",
            )),
            now,
        )
        .await
        .unwrap()
        .unwrap();
    store
        .create_publication(
            b,
            "actes-paca",
            &checked(&PublicationDraft {
                authors: "Thomas Kirzsbaum, Voisins & Citoyens en Méditerranée".into(),
                ..draft(
                    "Actes de la journée régionale",
                    "actes",
                    "2011-06-16",
                    "Cohésion sociale",
                )
            }),
            now,
        )
        .await
        .unwrap()
        .unwrap();
    let mut hidden = draft(
        "Brouillon sur la cohésion",
        "synthese",
        "2024-03-01",
        "Secret",
    );
    hidden.published = false;
    store
        .create_publication(a, "brouillon", &checked(&hidden), now)
        .await
        .unwrap()
        .unwrap();
    for n in 0..23 {
        store
            .create_publication(
                a,
                &format!("fiche-{n:02}"),
                &checked(&draft(
                    &format!("Fiche expérience numéro {n}"),
                    "fiche_experience",
                    &format!("2020-02-{:02}", n + 1),
                    "Jeunesse",
                )),
                now,
            )
            .await
            .unwrap()
            .unwrap();
    }
    let read = |uri: String| {
        let app = &app;
        async move { get(app, &uri).await.read::<Catalogue>() }
    };
    // Accents and case aside, every word.
    assert_eq!(
        ids(&read("/api/publications?q=cohesion".into()).await),
        ["cohesion", "actes-paca"],
        "« cohesion » finds « Cohésion » (a title, a theme)"
    );
    for q in [
        "cohesion creil",
        "COHÉSION Creil",
        "Cohésion   CREIL",
        "sociale creil",
    ] {
        let found = read(format!("/api/publications?q={}", urlencode(q))).await;
        assert_eq!(ids(&found), ["cohesion"], "{q}");
        assert_eq!(found.total, 1);
    }
    // The authors are searched too, accents and case aside.
    for q in ["kirzsbaum", "CITOYENS EN MEDITERRANEE"] {
        let found = read(format!("/api/publications?q={}", urlencode(q))).await;
        assert_eq!(ids(&found), ["actes-paca"], "{q}");
    }
    // The summary and the themes are searched too; drafts never.
    let found = read("/api/publications?q=participation".into()).await;
    assert_eq!(ids(&found), ["cohesion"]);
    assert_eq!(read("/api/publications?q=secret".into()).await.total, 0);
    assert_eq!(read("/api/publications?q=brouillon".into()).await.total, 0);
    // Filters, each exact.
    let found = read("/api/publications?type=actes".into()).await;
    assert_eq!(ids(&found), ["actes-paca"]);
    let found = read(format!(
        "/api/publications?theme={}",
        urlencode("Cohésion sociale")
    ))
    .await;
    assert_eq!(ids(&found), ["cohesion", "actes-paca"], "newest first");
    assert_eq!(
        read("/api/publications?theme=cohesion".into()).await.total,
        0
    );
    let found = read("/api/publications?annee=2011".into()).await;
    assert_eq!(ids(&found), ["actes-paca"]);
    let found = read("/api/publications?organisation=centre-b".into()).await;
    assert_eq!(ids(&found), ["actes-paca"]);
    let found = read("/api/publications?organisation=centre-a&q=cohesion&annee=2011".into()).await;
    assert_eq!(found.total, 0);
    // Pages of 20, newest first, the count over all of them.
    let first = read("/api/publications".into()).await;
    assert_eq!((first.total, first.page, first.per_page), (25, 1, 20));
    assert_eq!(first.items.len(), 20);
    assert_eq!(first.items[0].slug, "fiche-22", "2020-02-23 is the newest");
    let second = read("/api/publications?page=2".into()).await;
    assert_eq!(second.items.len(), 5);
    assert_eq!(second.items.last().unwrap().slug, "actes-paca");
    let beyond = read("/api/publications?page=3".into()).await;
    assert!(beyond.items.is_empty());
    assert_eq!(beyond.total, 25);
    // Facets over the whole published catalogue, whatever the filters.
    let facets = read("/api/publications?type=actes".into()).await.facets;
    let count = |list: &[parvis_core::publications::Facet], value: &str| {
        list.iter().find(|f| f.value == value).map(|f| f.count)
    };
    assert_eq!(count(&facets.kinds, "fiche_experience"), Some(23));
    assert_eq!(
        facets
            .kinds
            .iter()
            .find(|f| f.value == "rapport_etude")
            .unwrap()
            .label,
        "Rapport d'étude"
    );
    assert_eq!(
        count(&facets.kinds, "synthese"),
        None,
        "the draft is not counted"
    );
    assert_eq!(count(&facets.themes, "Cohésion sociale"), Some(2));
    assert_eq!(count(&facets.themes, "Secret"), None);
    assert_eq!(count(&facets.years, "2020"), Some(23));
    assert_eq!(
        facets
            .years
            .iter()
            .map(|f| f.value.as_str())
            .collect::<Vec<_>>(),
        ["2020", "2018", "2011"]
    );
    assert_eq!(count(&facets.organisations, "centre-b"), Some(1));
    assert_eq!(
        facets
            .organisations
            .iter()
            .find(|f| f.value == "centre-b")
            .unwrap()
            .label,
        "Centre centre-b"
    );
    // A write changes the facets (their cache follows the catalogue).
    store
        .create_publication(
            b,
            "synthese",
            &checked(&draft("Synthèse", "synthese", "2019-05-05", "Jeunesse")),
            now,
        )
        .await
        .unwrap()
        .unwrap();
    let facets = read("/api/publications".into()).await.facets;
    assert_eq!(count(&facets.kinds, "synthese"), Some(1));
    assert_eq!(count(&facets.themes, "Jeunesse"), Some(24));
    // Bad values: a 422 naming each parameter, in French.
    for (query, field) in [
        ("type=roman", "type"),
        ("annee=deux-mille", "annee"),
        ("annee=20111", "annee"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("organisation=Centre%20A", "organisation"),
        (&format!("q={}", "x".repeat(201)), "q"),
        (&format!("q={}", ["mot"; 11].join("+")), "q"),
    ] {
        let reply = get(&app, &format!("/api/publications?{query}")).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let body = reply.json();
        assert_eq!(body["code"], "validation");
        let fields: Vec<&String> = body["fields"].as_object().unwrap().keys().collect();
        assert_eq!(fields, [field], "{query}: {body}");
        assert!(!reply.text.contains("roman"), "no echo: {}", reply.text);
    }
    // A draft's page is a 404, in French.
    let reply = get(&app, "/api/publications/brouillon").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap()
            .contains("publication")
    );
}

fn urlencode(text: &str) -> String {
    parvis_core::publications::encode_query_value(text)
}

async fn a_public_publication_downloads_with_ranges_etags_and_counts(backend: Backend) {
    let Some(app) = demo(backend).await else {
        return;
    };
    public_download(&app).await;
}

/// The public download's checks, on an app holding the demo content.
async fn public_download(app: &App) {
    let demo = seed::publications()
        .into_iter()
        .find(|p| p.draft.slug == "villes-et-vivre-ensemble-gouvernance-locale-cohesion-sociale")
        .unwrap();
    let slug = demo.draft.slug.clone();
    let view: PublicationView = get(app, &format!("/api/publications/{slug}")).await.read();
    assert_eq!(view.title, demo.draft.title);
    assert_eq!(view.organisation.slug, seed::DEMO_ORGANISATION);
    assert_eq!(
        view.events[0].slug,
        "comite-pilotage-villes-vivre-ensemble-2016-07-01"
    );
    assert!(view.themes.contains(&"Cohésion sociale".to_owned()));
    let file = &view.files[0];
    let expected = demo.pdf(&demo.files[0]);
    assert_eq!(file.size, expected.len() as u64);
    assert!(
        file.description().starts_with("PDF – "),
        "{}",
        file.description()
    );
    let url = parvis_core::publications::paths::file(&slug, &file.id);

    let whole = get(app, &url).await;
    assert_eq!(whole.status, StatusCode::OK, "{}", whole.text);
    assert_eq!(whole.body.as_ref(), expected.as_slice(), "the bytes stored");
    assert_eq!(whole.header(header::CONTENT_TYPE), "application/pdf");
    assert_eq!(whole.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert!(
        whole
            .header(header::CONTENT_DISPOSITION)
            .starts_with("attachment")
    );
    assert!(whole.header(header::CACHE_CONTROL).starts_with("public"));
    let etag = whole.header(header::ETAG).to_owned();
    assert_eq!(
        etag,
        format!("\"{}\"", parvis_api::files::content_hash(&expected))
    );

    let head = request(
        app,
        Method::GET,
        &url,
        &[(header::RANGE, "bytes=0-99")],
        Vec::new(),
        &Browser::default(),
    )
    .await;
    assert_eq!(head.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(head.body.as_ref(), &expected[..100]);
    let rest = request(
        app,
        Method::GET,
        &url,
        &[(header::RANGE, "bytes=100-")],
        Vec::new(),
        &Browser::default(),
    )
    .await;
    assert_eq!(rest.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(rest.body.as_ref(), &expected[100..]);
    let cached = request(
        app,
        Method::GET,
        &url,
        &[(header::IF_NONE_MATCH, &etag)],
        Vec::new(),
        &Browser::default(),
    )
    .await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    let probe = request(
        app,
        Method::HEAD,
        &url,
        &[],
        Vec::new(),
        &Browser::default(),
    )
    .await;
    assert_eq!(probe.status, StatusCode::OK);
    // Counted: the whole file and the range from 0, not the rest of that
    // download, the 304 or the HEAD.
    let record = app.state.store.publication(&slug).await.unwrap().unwrap();
    let downloads = app.state.store.downloads(record.id).await.unwrap();
    assert_eq!(downloads.len(), 1);
    assert_eq!(downloads[0].count, 2);
    assert_eq!(
        downloads[0].month,
        Utc::now()
            .with_timezone(&chrono_tz::Europe::Paris)
            .format("%Y-%m")
            .to_string()
    );
    // An unknown file or publication is a 404.
    assert_eq!(
        get(
            app,
            &parvis_core::publications::paths::file(&slug, "inconnu")
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(app, "/api/publications/inconnue/fichiers/x")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The PACA day links to its proceedings (a report, not its programme);
    // the agenda says a report is there, once per event.
    let event = get(
        app,
        "/api/events/journee-regionale-cohesion-sociale-paca-2011-06-15",
    )
    .await
    .json();
    assert_eq!(
        event["report"]["url"],
        "/publications/actes-journee-regionale-cohesion-sociale-paca-2011"
    );
    let agenda = get(app, "/api/events").await.json();
    let report = |slug: &str| {
        agenda
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["slug"] == slug)
            .unwrap()["report"]["url"]
            .clone()
    };
    assert_eq!(
        report("journee-regionale-cohesion-sociale-paca-2011-06-15"),
        "/publications/actes-journee-regionale-cohesion-sociale-paca-2011"
    );
    // The reserved study's card leads to its page, which says how to get it.
    assert_eq!(
        report(seed::UPCOMING_WEBINAR),
        format!("/publications/{}", seed::RESERVED_STUDY)
    );
    assert!(report(seed::UPCOMING_CYCLE).is_null());
    // The catalogue lists the four demo publications.
    let catalogue: Catalogue = get(app, "/api/publications").await.read();
    assert_eq!(catalogue.total, 4);
    assert_eq!(catalogue.items[0].slug, seed::RESERVED_STUDY);
    assert!(catalogue.items.iter().all(|c| c.file.is_some()));
}

/// The address in an email's text that starts with `prefix`.
fn link_in(body: &str, prefix: &str) -> Option<String> {
    let start = body.find(prefix)?;
    Some(
        body[start..]
            .split(char::is_whitespace)
            .next()
            .unwrap()
            .to_owned(),
    )
}

async fn email_to(app: &App, email: &str) -> String {
    app.state
        .store
        .claim_due_emails(Utc::now(), chrono::Duration::zero(), 1000)
        .await
        .unwrap()
        .into_iter()
        .rev()
        .find(|q| q.email.recipient == email)
        .map(|q| q.email.body_text)
        .expect("an email")
}

async fn a_reserved_file_goes_to_confirmed_registrants_only(backend: Backend) {
    let Some(app) = demo(backend).await else {
        return;
    };
    reserved_download(&app).await;
}

/// The reserved file's checks, on an app holding the demo content.
async fn reserved_download(app: &App) {
    let slug = seed::RESERVED_STUDY;
    let view: PublicationView = get(app, &format!("/api/publications/{slug}")).await.read();
    assert_eq!(view.access, parvis_core::publications::Access::Inscrits);
    let file = view.files[0].clone();
    let plain = parvis_core::publications::paths::file(slug, &file.id);
    // Someone who knows (or guesses) the address gets the explanation.
    for uri in [
        plain.clone(),
        format!("{plain}?expire=99999999999&signature={}", "0".repeat(64)),
        format!("{plain}?expire=abc&signature=zz"),
        format!("{plain}?signature={}", "a".repeat(64)),
    ] {
        let reply = get(app, &uri).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{uri}");
        assert_eq!(
            reply.header(header::CONTENT_TYPE),
            "text/html; charset=utf-8"
        );
        assert_eq!(reply.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert!(
            reply.text.contains("réservé aux inscrit·es"),
            "{}",
            reply.text
        );
        assert!(
            reply
                .text
                .contains(&format!("href=\"/evenements/{}\"", seed::UPCOMING_WEBINAR))
        );
        assert!(
            reply
                .text
                .contains(&format!("href=\"/publications/{slug}\""))
        );
        assert!(!reply.text.contains("%PDF"));
        assert!(
            reply
                .header(header::CONTENT_SECURITY_POLICY)
                .starts_with("default-src 'none'")
        );
    }
    // A good signature past its expiry.
    let expired = parvis_api::routes::publications::signed_file_url(
        &app.state,
        slug,
        &file.id,
        Utc::now() - chrono::Duration::hours(1),
    )
    .await
    .unwrap();
    let reply = get(app, &expired).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.text.contains("expiré"), "{}", reply.text);
    // Another file's signature does not open this one.
    let other = parvis_api::routes::publications::signed_file_url(
        &app.state,
        slug,
        "autre",
        Utc::now() + chrono::Duration::hours(1),
    )
    .await
    .unwrap();
    let query = other.split_once('?').unwrap().1;
    assert_eq!(
        get(app, &format!("{plain}?{query}")).await.status,
        StatusCode::FORBIDDEN
    );

    // A confirmed registrant's confirmation carries a signed link that works.
    let registered = app
        .register(seed::UPCOMING_WEBINAR, "camille@ville.example.fr")
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text
    );
    assert_eq!(registered.json()["status"], "confirmed");
    let body = email_to(app, "camille@ville.example.fr").await;
    let link = link_in(&body, &format!("{PUBLIC_URL}{plain}?expire=")).expect(&body);
    assert!(link.contains("&signature="), "{link}");
    let local = link.strip_prefix(PUBLIC_URL).unwrap();
    let reply = get(app, local).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let study = seed::publications()
        .into_iter()
        .find(|p| p.draft.slug == slug)
        .unwrap();
    assert_eq!(reply.body.as_ref(), study.pdf(&study.files[0]).as_slice());
    assert!(reply.header(header::CACHE_CONTROL).starts_with("private"));
    // It expires when the personal link does: the event's end plus the
    // retention period.
    let expire: i64 = local
        .split("expire=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let event = app
        .state
        .store
        .event_by_slug(seed::UPCOMING_WEBINAR)
        .await
        .unwrap()
        .unwrap();
    let end = event.public.sessions.last().unwrap().ends_at.timestamp();
    assert_eq!(
        expire,
        end + i64::from(app.state.token_retention_days) * 86_400
    );
    // The personal page carries it too.
    let personal = link_in(&body, &format!("{PUBLIC_URL}/inscription/")).unwrap();
    let token = personal.rsplit('/').next().unwrap();
    let page = get(app, &format!("/api/registrations/{token}"))
        .await
        .json();
    let report = page["event"]["report"]["url"].as_str().unwrap();
    assert!(
        report.starts_with(&format!("{plain}?expire=")) && report.contains("signature="),
        "{report}"
    );
    assert_eq!(get(app, report).await.status, StatusCode::OK);
    // The public event page shows the publication's page, never the file.
    let public = get(app, &format!("/api/events/{}", seed::UPCOMING_WEBINAR)).await;
    assert_eq!(
        public.json()["report"]["url"],
        format!("/publications/{slug}")
    );
    assert!(!public.text.contains("signature"));

    // Someone on the waiting list gets no signed link, by email or page.
    let store = &app.state.store;
    let demo_org = store
        .organisation(seed::DEMO_ORGANISATION)
        .await
        .unwrap()
        .unwrap();
    let day = Utc::now().date_naive() + chrono::Days::new(20);
    let mut full = seed::webinar("webinaire-complet", day, None);
    full.public.capacity = Some(1);
    full.public.waitlist = true;
    app.insert_owned(&full, demo_org.id).await;
    let mut fields = checked(&draft("Étude réservée", "rapport_etude", "2025-01-01", ""));
    fields.access = parvis_core::publications::Access::Inscrits;
    fields.events = vec!["webinaire-complet".into()];
    let id = store
        .create_publication(demo_org.id, "etude-reservee", &fields, Utc::now())
        .await
        .unwrap()
        .unwrap();
    let bytes = parvis_api::pdf::document("Étude réservée", &["Texte."]);
    let key = format!("publications/{id}/f1.pdf");
    app.state
        .files
        .put(&key, bytes.clone().into())
        .await
        .unwrap();
    store
        .add_publication_file(
            id,
            &NewFile {
                id: "f1".into(),
                label: "Rapport".into(),
                name: "etude.pdf".into(),
                size: bytes.len() as u64,
                sha256: parvis_api::files::content_hash(&bytes),
                accessible: false,
                storage_key: key,
            },
            Utc::now(),
        )
        .await
        .unwrap();
    let first = app
        .register("webinaire-complet", "premiere@ville.example.fr")
        .await;
    assert_eq!(first.json()["status"], "confirmed");
    let second = app
        .register("webinaire-complet", "seconde@ville.example.fr")
        .await;
    assert_eq!(second.json()["status"], "waitlisted", "{}", second.text);
    let confirmed = email_to(app, "premiere@ville.example.fr").await;
    assert!(
        confirmed.contains("/api/publications/etude-reservee/fichiers/f1?expire="),
        "{confirmed}"
    );
    let waiting = email_to(app, "seconde@ville.example.fr").await;
    assert!(!waiting.contains("signature="), "{waiting}");
    assert!(!waiting.contains("/fichiers/"), "{waiting}");
    let personal = link_in(&waiting, &format!("{PUBLIC_URL}/inscription/")).unwrap();
    let token = personal.rsplit('/').next().unwrap();
    let page = get(app, &format!("/api/registrations/{token}")).await;
    assert!(!page.text.contains("signature="), "{}", page.text);
    assert_eq!(
        page.json()["event"]["report"]["url"],
        "/publications/etude-reservee"
    );
}

async fn organisers_manage_their_publications_and_files(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    organisers_files(&app).await;
}

/// The back-office's checks, on an empty app.
async fn organisers_files(app: &App) {
    let (a, alice) = app
        .signed_in("centre-a", "alice@a.example.org", Role::Organisateur)
        .await;
    let (b, bruno) = app
        .signed_in("centre-b", "bruno@b.example.org", Role::Administrateur)
        .await;
    let day = Utc::now().date_naive() + chrono::Days::new(30);
    app.insert_owned(&seed::webinar("webinaire-a", day, None), a)
        .await;
    app.insert_owned(&seed::webinar("webinaire-b", day, None), b)
        .await;
    let base = parvis_core::publications::paths::organisation("centre-a");

    // Every faulty field at once, named, in French.
    let reply = app.post(&base, json!({"title": "", "kind": "roman", "authors": "", "published_on": "2025-02-30", "summary": "", "access": "public"}), &alice).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = reply.json()["fields"].clone();
    for field in ["title", "kind", "authors", "published_on", "summary"] {
        assert!(fields[field][0].as_str().is_some(), "{field}: {fields}");
    }
    assert!(fields["title"][0].as_str().unwrap().contains("titre"));
    // Only the organisation's own events.
    let mut good = draft(
        "Rapport d'activité 2025",
        "rapport_etude",
        "2025-06-01",
        "Politique de la ville",
    );
    good.events = vec!["webinaire-b".into()];
    let reply = app
        .post(&base, serde_json::to_value(&good).unwrap(), &alice)
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.json()["fields"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["events"]
    );
    good.events = vec!["webinaire-a".into()];
    let reply = app
        .post(&base, serde_json::to_value(&good).unwrap(), &alice)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let created: ManagedPublication = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(created.publication.slug, "rapport-d-activite-2025");
    assert_eq!(created.publication.events[0].slug, "webinaire-a");
    // The same title again gets an address of its own.
    let again = app
        .post(&base, serde_json::to_value(&good).unwrap(), &alice)
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(
        again.json()["publication"]["slug"],
        "rapport-d-activite-2025-2"
    );
    // A chosen address already taken is named.
    let mut taken = good.clone();
    taken.slug = "rapport-d-activite-2025".into();
    let reply = app
        .post(&base, serde_json::to_value(&taken).unwrap(), &alice)
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.json()["fields"]["slug"][0].is_string());

    let one = parvis_core::publications::paths::managed("centre-a", "rapport-d-activite-2025");
    let upload = parvis_core::publications::paths::upload("centre-a", "rapport-d-activite-2025");
    // A real PDF is taken.
    let pdf = parvis_api::pdf::document("Rapport d'activité 2025", &["Bilan de l'année."]);
    let reply = request(
        app,
        Method::POST,
        &format!("{upload}?nom=Rapport%202025.pdf&libelle=Rapport&accessible=1"),
        &[(header::CONTENT_TYPE, "application/pdf")],
        pdf.clone(),
        &alice,
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let file: PublicationFile = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(
        (
            file.name.as_str(),
            file.label.as_str(),
            file.size,
            file.accessible
        ),
        ("Rapport 2025.pdf", "Rapport", pdf.len() as u64, true)
    );
    // A text file renamed .pdf is not, whatever its name says.
    let reply = request(
        app,
        Method::POST,
        &format!("{upload}?nom=rapport.pdf"),
        &[(header::CONTENT_TYPE, "application/pdf")],
        b"<html><script>alert(1)</script></html>".to_vec(),
        &alice,
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.json()["fields"]["fichier"][0]
            .as_str()
            .unwrap()
            .starts_with("Le fichier n'est pas un PDF")
    );
    // Too large: refused while read, the limit said.
    let mut huge = pdf.clone();
    huge.resize(usize::try_from(MAX_FILE_BYTES).unwrap() + 1, b' ');
    let reply = request(
        app,
        Method::POST,
        &format!("{upload}?nom=gros.pdf"),
        &[(header::CONTENT_TYPE, "application/pdf")],
        huge,
        &alice,
    )
    .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        reply.json()["message"].as_str().unwrap().contains("40 Mo"),
        "{}",
        reply.text
    );

    // Published, it is in the catalogue with its file.
    let mut published = good.clone();
    published.summary = "Un bilan.\n\nDeux paragraphes.".into();
    let reply = request(
        app,
        Method::PUT,
        &one,
        &[(header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(&published).unwrap(),
        &alice,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let catalogue: Catalogue = get(app, "/api/publications?q=bilan").await.read();
    assert_eq!(ids(&catalogue), ["rapport-d-activite-2025"]);
    assert_eq!(catalogue.items[0].file.as_ref().unwrap().id, file.id);
    let downloaded = get(
        app,
        &parvis_core::publications::paths::file("rapport-d-activite-2025", &file.id),
    )
    .await;
    assert_eq!(downloaded.body.as_ref(), pdf.as_slice());
    let listed = app
        .get_as(&base, &alice)
        .await
        .read::<Vec<ManagedPublication>>();
    let mine = listed
        .iter()
        .find(|m| m.publication.slug == "rapport-d-activite-2025")
        .unwrap();
    assert_eq!(mine.total_downloads, 1);
    assert_eq!(mine.downloads[0].count, 1);
    assert_eq!(listed.len(), 2);

    // Reserved, the file is refused to the public, but the organisers
    // fetch it from the back-office, and that is no download.
    let own_file = parvis_core::publications::paths::managed_file(
        "centre-a",
        "rapport-d-activite-2025",
        &file.id,
    );
    let put = |access: &str| {
        let mut draft = published.clone();
        draft.access = access.to_owned();
        serde_json::to_vec(&draft).unwrap()
    };
    let json = [(header::CONTENT_TYPE, "application/json")];
    let reply = request(app, Method::PUT, &one, &json, put("inscrits"), &alice).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let refused = get(
        app,
        &parvis_core::publications::paths::file("rapport-d-activite-2025", &file.id),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let own = app.get_as(&own_file, &alice).await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.body.as_ref(), pdf.as_slice());
    let listed = app
        .get_as(&base, &alice)
        .await
        .read::<Vec<ManagedPublication>>();
    let mine = listed
        .iter()
        .find(|m| m.publication.slug == "rapport-d-activite-2025")
        .unwrap();
    assert_eq!(mine.total_downloads, 1);
    let reply = request(app, Method::PUT, &one, &json, put("public"), &alice).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // The new-publication form's address is no publication's.
    let mut reserved_slug = good.clone();
    reserved_slug.slug = "nouvelle".into();
    let reply = app
        .post(&base, serde_json::to_value(&reserved_slug).unwrap(), &alice)
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.json()["fields"]["slug"][0].is_string());

    // Another organisation's member sees none of it.
    for (method, uri) in [
        (Method::GET, one.clone()),
        (Method::PUT, one.clone()),
        (Method::DELETE, one.clone()),
        (Method::POST, format!("{upload}?nom=x.pdf")),
        (Method::GET, own_file.clone()),
        (
            Method::DELETE,
            parvis_core::publications::paths::managed_file(
                "centre-a",
                "rapport-d-activite-2025",
                &file.id,
            ),
        ),
    ] {
        let body = if method == Method::POST {
            pdf.clone()
        } else {
            serde_json::to_vec(&published).unwrap()
        };
        let reply = request(
            app,
            method.clone(),
            &uri,
            &[(header::CONTENT_TYPE, "application/json")],
            body,
            &bruno,
        )
        .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {uri}");
    }
    let theirs = app
        .get_as(
            parvis_core::publications::paths::organisation("centre-b"),
            &bruno,
        )
        .await
        .read::<Vec<ManagedPublication>>();
    assert!(theirs.is_empty());

    // Deleting a file removes it from the storage.
    let record = app
        .state
        .store
        .publication("rapport-d-activite-2025")
        .await
        .unwrap()
        .unwrap();
    let key = record.files[0].storage_key.clone();
    assert!(app.state.files.read(&key).await.is_ok());
    let reply = request(
        app,
        Method::DELETE,
        &parvis_core::publications::paths::managed_file(
            "centre-a",
            "rapport-d-activite-2025",
            &file.id,
        ),
        &[],
        Vec::new(),
        &alice,
    )
    .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    assert!(app.state.files.read(&key).await.is_err());
    // Deleting the publication takes its files with it.
    let reply = request(
        app,
        Method::POST,
        &format!("{upload}?nom=second.pdf"),
        &[],
        pdf.clone(),
        &alice,
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let record = app
        .state
        .store
        .publication("rapport-d-activite-2025")
        .await
        .unwrap()
        .unwrap();
    let key = record.files[0].storage_key.clone();
    let reply = request(app, Method::DELETE, &one, &[], Vec::new(), &alice).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(app.state.files.read(&key).await.is_err());
    assert!(
        app.state
            .store
            .publication("rapport-d-activite-2025")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        get(app, "/api/publications?q=bilan")
            .await
            .read::<Catalogue>()
            .total,
        0
    );

    // Every write is in the audit log.
    let log = app.state.store.audit_log(a, 100).await.unwrap();
    let actions: Vec<&str> = log
        .iter()
        .filter(|e| e.action == "publication")
        .map(|e| e.detail.as_str())
        .collect();
    assert!(actions.iter().any(|d| d.contains("créée")), "{actions:?}");
    assert!(actions.iter().any(|d| d.contains("modifiée")));
    assert!(actions.iter().any(|d| d.contains("ajouté")));
    assert!(actions.iter().any(|d| d.contains("retiré")));
    assert!(actions.iter().any(|d| d.contains("supprimée")));
}

/// The same downloads and uploads with the files in a real S3-compatible
/// server (moto), the storage read from the settings as the server reads
/// its environment: nothing lands in the data directory.
#[tokio::test]
async fn the_library_keeps_its_files_in_s3_when_configured() {
    let Some(moto) = Moto::start() else {
        return;
    };
    let settings = moto.bucket("parvis-demo").await;
    let app = App::with_settings(Backend::Sqlite, &settings)
        .await
        .unwrap();
    assert!(seed::seed_demo(&app.state).await.unwrap());
    public_download(&app).await;
    reserved_download(&app).await;
    assert!(!app.data_dir().join("fichiers").exists());
    let settings = moto.bucket("parvis-organisateurs").await;
    let app = App::with_settings(Backend::Sqlite, &settings)
        .await
        .unwrap();
    organisers_files(&app).await;
    assert!(!app.data_dir().join("fichiers").exists());
}

store_tests!(
    the_catalogue_searches_filters_counts_and_pages,
    a_public_publication_downloads_with_ranges_etags_and_counts,
    a_reserved_file_goes_to_confirmed_registrants_only,
    organisers_manage_their_publications_and_files,
);
