//! The back-office's sign-in, sessions and isolation, on SQLite and on a
//! throwaway PostgreSQL database each. The isolation test walks the
//! router's own table of back-office routes (`routes::gestion::admin_routes`),
//! so a route added without its guard fails it.

use axum::http::{Method, StatusCode, header};
use parvis_api::routes::gestion::{Guard, admin_routes};
use parvis_api::store::accounts::Role;
use serde_json::json;

#[macro_use]
mod common;
use common::app::{App, Backend, Browser};

async fn every_back_office_route_is_guarded(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    app.organisation(
        "centre-a",
        &[
            ("alice@a.example.org", Role::Administrateur),
            ("carole@a.example.org", Role::Organisateur),
        ],
    )
    .await;
    app.organisation("centre-b", &[("bruno@b.example.org", Role::Administrateur)])
        .await;
    let alice = app.sign_in("alice@a.example.org").await;
    let carole = app.sign_in("carole@a.example.org").await;
    // Routes about one event ({slug}) name one of centre-a's.
    let store = &app.state.store;
    let day = chrono::Utc::now().date_naive() + chrono::Days::new(30);
    store
        .insert_event(&parvis_api::seed::webinar("webinaire-a", day, None))
        .await
        .unwrap();
    let centre_a = store.organisation("centre-a").await.unwrap().unwrap();
    store
        .assign_events(centre_a.id, &["webinaire-a"])
        .await
        .unwrap();
    // Routes about one registration ({id}) name one of that event's.
    let registered = app
        .register("webinaire-a", "camille@ville.example.fr")
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text
    );
    let listed = app
        .send(
            Method::GET,
            "/api/gestion/organisations/centre-a/evenements/webinaire-a/inscrits",
            None,
            alice.clone(),
        )
        .await
        .json();
    let registration_id = listed["registrants"][0]["id"].to_string();
    // Routes about one stakeholder questionnaire ({id} under
    // avis-partenaires) name one of centre-a's.
    let stakeholder_id = store
        .create_stakeholder_questionnaire(
            centre_a.id,
            &parvis_core::feedback::templates::stakeholder(),
            chrono::Utc::now(),
        )
        .await
        .unwrap()
        .to_string();
    // Routes about one newsletter issue ({numero}) name one of centre-a's.
    let alice_account = store
        .account_for("alice@a.example.org", "Alice", chrono::Utc::now())
        .await
        .unwrap();
    let issue_id = store
        .newsletter_create_issue(
            centre_a.id,
            alice_account.id,
            "Lettre",
            "Bonjour",
            chrono::Utc::now(),
        )
        .await
        .unwrap()
        .to_string();
    // Routes about one publication ({publication}, {file}) name one of
    // centre-a's and its file.
    let publication =
        parvis_core::publications::check_draft(&parvis_core::publications::PublicationDraft {
            title: "Rapport A".into(),
            kind: "rapport_etude".into(),
            authors: "Centre A".into(),
            published_on: "2025-01-01".into(),
            summary: "Résumé.".into(),
            access: "public".into(),
            ..Default::default()
        })
        .unwrap();
    let publication_id = store
        .create_publication(centre_a.id, "rapport-a", &publication, chrono::Utc::now())
        .await
        .unwrap()
        .unwrap();
    store
        .add_publication_file(
            publication_id,
            &parvis_api::store::publications::NewFile {
                id: "fichier-a".into(),
                label: "Rapport".into(),
                name: "a.pdf".into(),
                size: 4,
                sha256: "0".repeat(64),
                accessible: false,
                storage_key: format!("publications/{publication_id}/fichier-a.pdf"),
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    app.state
        .files
        .put(
            &format!("publications/{publication_id}/fichier-a.pdf"),
            bytes::Bytes::from_static(b"%PDF"),
        )
        .await
        .unwrap();
    let routes = admin_routes();
    assert!(routes.iter().any(|r| r.guard == Guard::Member));
    assert!(routes.iter().any(|r| r.guard == Guard::Administrator));
    for route in routes {
        let id = if route.path.contains("/avis-partenaires/") {
            &stakeholder_id
        } else {
            &registration_id
        };
        let own = route
            .path
            .replace("{org}", "centre-a")
            .replace("{slug}", "webinaire-a")
            .replace("{id}", id)
            .replace("{numero}", &issue_id)
            .replace("{session}", "0")
            .replace("{avis}", "a-chaud")
            .replace("{publication}", "rapport-a")
            .replace("{file}", "fichier-a");
        let other = route
            .path
            .replace("{org}", "centre-b")
            .replace("{slug}", "webinaire-a")
            .replace("{id}", id)
            .replace("{numero}", &issue_id)
            .replace("{session}", "0")
            .replace("{avis}", "a-chaud")
            .replace("{publication}", "rapport-a")
            .replace("{file}", "fichier-a");
        assert!(
            !own.contains('{'),
            "{}: give its path parameters a value in this test",
            route.path
        );
        let body = (route.method != Method::GET).then(|| json!({}));
        let name = format!("{} {}", route.method, route.path);
        let call = |path: &str, browser: &Browser| {
            app.send(
                route.method.clone(),
                format!("/api{path}"),
                body.clone(),
                browser.clone(),
            )
        };
        if route.guard == Guard::Public {
            // The sign-in steps need neither a session nor a CSRF proof
            // (they take JSON only, which no cross-site form can send).
            let reply = call(&own, &Browser::default()).await;
            assert!(
                ![
                    StatusCode::FORBIDDEN,
                    StatusCode::NOT_FOUND,
                    StatusCode::METHOD_NOT_ALLOWED
                ]
                .contains(&reply.status),
                "{name} is public: {} {}",
                reply.status,
                reply.text
            );
            continue;
        }
        let anonymous = call(&own, &Browser::default()).await;
        assert_eq!(
            anonymous.status,
            StatusCode::UNAUTHORIZED,
            "{name} without a session"
        );
        assert_eq!(anonymous.json()["code"], "unauthorized", "{name}");
        if route.method != Method::GET {
            let no_proof = Browser {
                csrf: None,
                ..alice.clone()
            };
            let reply = call(&own, &no_proof).await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{name} without the CSRF proof"
            );
            let wrong = Browser {
                csrf: Some("0".repeat(64)),
                ..alice.clone()
            };
            assert_eq!(
                call(&own, &wrong).await.status,
                StatusCode::FORBIDDEN,
                "{name} with a wrong proof"
            );
        }
        if matches!(route.guard, Guard::Member | Guard::Administrator) {
            let reply = call(&other, &alice).await;
            assert_eq!(
                reply.status,
                StatusCode::NOT_FOUND,
                "{name} on another organisation: {}",
                reply.text
            );
            assert!(
                !reply.text.contains("centre-b") && !reply.text.contains("bruno"),
                "{name}: {}",
                reply.text
            );
        }
        if route.guard == Guard::Administrator {
            let reply = call(&own, &carole).await;
            assert_eq!(
                reply.status,
                StatusCode::NOT_FOUND,
                "{name} for an organiser who is not administrator"
            );
        }
        // Signing out ends the session: keep it for the routes after.
        if route.path == "/gestion/deconnexion" || route.path == "/gestion/sessions/fermer" {
            continue;
        }
        // Past the guard, the owner gets an answer of the route itself (an
        // empty body may well be refused as such, never as a stranger).
        let reply = call(&own, &alice).await;
        assert!(
            ![
                StatusCode::UNAUTHORIZED,
                StatusCode::FORBIDDEN,
                StatusCode::NOT_FOUND,
                StatusCode::METHOD_NOT_ALLOWED
            ]
            .contains(&reply.status),
            "{name} for its own administrator: {} {}",
            reply.status,
            reply.text
        );
    }
}

async fn sign_in_works_once_by_link_or_code_and_says_nothing_of_unknown_addresses(
    backend: Backend,
) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    app.organisation("centre-a", &[("alice@a.example.org", Role::Administrateur)])
        .await;
    let known = app.ask_sign_in("Alice@A.example.org").await;
    let unknown = app.ask_sign_in("personne@a.example.org").await;
    assert_eq!(known.status, StatusCode::ACCEPTED, "{}", known.text);
    assert_eq!((known.status, &known.text), (unknown.status, &unknown.text));
    assert!(
        app.sign_in_secrets("personne@a.example.org")
            .await
            .is_none()
    );
    let (token, code) = app.sign_in_secrets("alice@a.example.org").await.unwrap();
    assert_eq!(code.len(), 6, "{code}");

    // The link works once.
    let link = |token: &str| {
        app.send(
            Method::POST,
            "/api/gestion/connexion/lien",
            Some(json!({ "jeton": token })),
            Browser::default(),
        )
    };
    let first = link(&token).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let cookie = first.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.starts_with("parvis_session=")
            && cookie.contains("; HttpOnly; SameSite=Lax;")
            && cookie.ends_with("; Secure"),
        "{cookie}"
    );
    assert_eq!(
        first.json()["organisations"][0]["organisation"]["slug"],
        "centre-a"
    );
    assert_eq!(first.json()["organisations"][0]["role"], "administrateur");
    assert_eq!(
        link(&token).await.status,
        StatusCode::UNAUTHORIZED,
        "a link works once"
    );
    // Its code went with it.
    let by_code = |code: &str| {
        app.send(
            Method::POST,
            "/api/gestion/connexion/code",
            Some(json!({ "email": "alice@a.example.org", "code": code })),
            Browser::default(),
        )
    };
    assert_eq!(
        by_code(&code).await.status,
        StatusCode::UNAUTHORIZED,
        "the code of a used link"
    );

    // A code works from another browser, once; five wrong codes burn it.
    app.ask_sign_in("alice@a.example.org").await;
    let (_, code) = app.sign_in_secrets("alice@a.example.org").await.unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_eq!(by_code(wrong).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        by_code(&code).await.status,
        StatusCode::UNAUTHORIZED,
        "burnt after five wrong codes"
    );
    app.ask_sign_in("alice@a.example.org").await;
    let (_, code) = app.sign_in_secrets("alice@a.example.org").await.unwrap();
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let signed = by_code(&spaced).await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.text);
    assert_eq!(
        by_code(&code).await.status,
        StatusCode::UNAUTHORIZED,
        "a code works once"
    );

    // Links expire after 15 minutes.
    app.ask_sign_in("alice@a.example.org").await;
    let (token, _) = app.sign_in_secrets("alice@a.example.org").await.unwrap();
    let later = chrono::Utc::now() + chrono::Duration::minutes(16);
    let hash = parvis_api::token::hash(&token);
    assert!(
        app.state
            .store
            .use_sign_in_link(&hash, later)
            .await
            .unwrap()
            .is_none()
    );

    // At most five sign-in emails an hour to one address: four were sent.
    assert_eq!(app.emails_to("alice@a.example.org").await, 4);
    for _ in 0..3 {
        let reply = app.ask_sign_in("alice@a.example.org").await;
        assert_eq!(
            (reply.status, &reply.text),
            (unknown.status, &unknown.text),
            "the same answer"
        );
    }
    assert_eq!(
        app.emails_to("alice@a.example.org").await,
        5,
        "nothing past the fifth of the hour"
    );

    // A mistyped address is named in French.
    let reply = app.ask_sign_in("pas-une-adresse").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.json()["fields"]["email"][0].is_string(),
        "{}",
        reply.text
    );
}

async fn sessions_are_listed_and_ended_one_by_one_or_everywhere(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    app.organisation("centre-a", &[("alice@a.example.org", Role::Administrateur)])
        .await;
    let laptop = app.sign_in("alice@a.example.org").await;
    let phone = app.sign_in("alice@a.example.org").await;
    let listed = app
        .send(Method::GET, "/api/gestion/sessions", None, &laptop)
        .await
        .json();
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
    let other = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap()["id"]
        .clone();
    let ended = app
        .send(
            Method::POST,
            "/api/gestion/sessions/fermer",
            Some(json!({ "session": other })),
            &laptop,
        )
        .await;
    assert_eq!(ended.status, StatusCode::NO_CONTENT, "{}", ended.text);
    assert_eq!(
        app.send(Method::GET, "/api/gestion/moi", None, &phone)
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "the phone is signed out"
    );
    assert_eq!(
        app.send(Method::GET, "/api/gestion/moi", None, &laptop)
            .await
            .status,
        StatusCode::OK
    );

    let tablet = app.sign_in("alice@a.example.org").await;
    let everywhere = app
        .send(
            Method::POST,
            "/api/gestion/sessions/fermer",
            Some(json!({})),
            &tablet,
        )
        .await;
    assert_eq!(everywhere.status, StatusCode::NO_CONTENT);
    assert!(
        everywhere.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    for browser in [&laptop, &tablet] {
        assert_eq!(
            app.send(Method::GET, "/api/gestion/moi", None, browser)
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }

    // Sign-ins are in the organisation's audit log, for its administrators.
    let again = app.sign_in("alice@a.example.org").await;
    let log = app
        .send(
            Method::GET,
            "/api/gestion/organisations/centre-a/journal",
            None,
            &again,
        )
        .await
        .json();
    let sign_ins = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "connexion")
        .count();
    assert_eq!(sign_ins, 4, "{log}");
    assert_eq!(log[0]["who"], "alice@a.example.org");
    let out = app
        .send(
            Method::POST,
            "/api/gestion/deconnexion",
            Some(json!({})),
            &again,
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.send(Method::GET, "/api/gestion/moi", None, &again)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

/// The `.eml` files the file transport wrote for `recipient`.
fn delivered_to(app: &App, recipient: &str) -> usize {
    let outbox = app.data_dir().join("outbox");
    std::fs::read_dir(outbox)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| {
                    std::fs::read_to_string(e.path())
                        .is_ok_and(|text| text.to_lowercase().contains(&format!("to: {recipient}")))
                })
                .count()
        })
        .unwrap_or(0)
}

async fn without_a_runner_emails_leave_within_the_request(backend: Backend) {
    let Some(app) = App::without_runner(backend).await else {
        return;
    };
    parvis_api::seed::seed_if_empty(app.state.store.as_ref())
        .await
        .unwrap();
    let asked = app.ask_sign_in(parvis_api::seed::DEMO_ORGANISER).await;
    assert_eq!(asked.status, StatusCode::ACCEPTED);
    assert_eq!(
        delivered_to(&app, parvis_api::seed::DEMO_ORGANISER),
        1,
        "the sign-in email left at once"
    );
    let registered = app
        .register(
            parvis_api::seed::UPCOMING_WEBINAR,
            "camille@ville.example.fr",
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text
    );
    assert_eq!(
        delivered_to(&app, "camille@ville.example.fr"),
        1,
        "the confirmation left at once"
    );
    assert_eq!(
        app.emails_to("camille@ville.example.fr").await,
        0,
        "nothing left in the outbox"
    );
}

async fn the_agenda_is_every_organisation_s_and_filters_by_one(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    parvis_api::seed::seed_if_empty(app.state.store.as_ref())
        .await
        .unwrap();
    let get = |uri: &str| app.send(Method::GET, uri.to_owned(), None, Browser::default());
    let all = get("/api/events").await.json().as_array().unwrap().len();
    assert!(all >= 5);
    // A second organisation takes the webinar.
    let now = chrono::Utc::now();
    let other = app
        .state
        .store
        .create_organisation("pole-ressources", "Pôle ressources", now)
        .await
        .unwrap()
        .unwrap();
    app.state
        .store
        .create_organisation("sans-evenement", "Sans événement", now)
        .await
        .unwrap();
    app.state
        .store
        .assign_events(other.id, &[parvis_api::seed::UPCOMING_WEBINAR])
        .await
        .unwrap();
    let organisations = get("/api/organisations").await.json();
    let slugs: Vec<&str> = organisations
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        slugs,
        ["demo", "pole-ressources"],
        "only organisations with events, by name"
    );
    let theirs = get("/api/events?organisation=pole-ressources").await.json();
    assert_eq!(theirs.as_array().unwrap().len(), 1);
    assert_eq!(theirs[0]["slug"], parvis_api::seed::UPCOMING_WEBINAR);
    let demo = get("/api/events?organisation=demo")
        .await
        .json()
        .as_array()
        .unwrap()
        .len();
    assert_eq!(demo, all - 1);
    assert_eq!(
        get("/api/events?organisation=sans-evenement").await.json(),
        json!([])
    );
    let bad = get("/api/events?organisation=P%C3%B4le").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.json()["message"]
            .as_str()
            .unwrap()
            .contains("organisation")
    );
}

async fn administrators_manage_the_team_but_never_remove_the_last_administrator(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    app.organisation("centre-a", &[("alice@a.example.org", Role::Administrateur)])
        .await;
    let alice = app.sign_in("alice@a.example.org").await;
    let team = "/api/gestion/organisations/centre-a/equipe";
    let added = app
        .send(Method::POST, team, Some(json!({"email": "Carole@A.example.org", "name": "Carole Durand", "role": "organisateur"})), alice.clone())
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    let listed = app
        .send(Method::GET, team, None, alice.clone())
        .await
        .json();
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
    // The new organiser signs in and sees the organisation, not its team.
    let carole = app.sign_in("carole@a.example.org").await;
    let me = app
        .send(Method::GET, "/api/gestion/moi", None, carole.clone())
        .await
        .json();
    assert_eq!(me["organisations"][0]["role"], "organisateur");
    assert_eq!(
        app.send(Method::GET, team, None, carole).await.status,
        StatusCode::NOT_FOUND
    );
    // A bad request names its fields.
    let bad = app
        .send(
            Method::POST,
            team,
            Some(json!({"email": "x", "name": "", "role": "chef"})),
            alice.clone(),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["email", "name", "role"] {
        assert!(
            bad.json()["fields"][field][0].is_string(),
            "{field}: {}",
            bad.text
        );
    }
    // The last administrator stays.
    let remove = format!("{team}/retirer");
    let refused = app
        .send(
            Method::POST,
            &remove,
            Some(json!({"email": "alice@a.example.org"})),
            alice.clone(),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    let removed = app
        .send(
            Method::POST,
            &remove,
            Some(json!({"email": "carole@a.example.org"})),
            alice.clone(),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);
    assert_eq!(removed.json().as_array().unwrap().len(), 1);
    let log = app
        .send(
            Method::GET,
            "/api/gestion/organisations/centre-a/journal",
            None,
            alice,
        )
        .await
        .json();
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "equipe" && e["detail"].as_str().unwrap().contains("retiré")),
        "{log}"
    );
}

async fn the_organisation_s_sender_name_signs_its_events_emails(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    parvis_api::seed::seed_if_empty(app.state.store.as_ref())
        .await
        .unwrap();
    let admin = app.sign_in(parvis_api::seed::DEMO_ORGANISER).await;
    let settings = "/api/gestion/organisations/demo/reglages";
    let current = app
        .send(Method::GET, settings, None, admin.clone())
        .await
        .json();
    assert_eq!(
        current["sender_name"], "",
        "each event's organiser signs by default"
    );
    let bad = app
        .send(Method::POST, settings, Some(json!({"organisation_name": "", "sender_name": "http://spam.example", "contact_email": "pas-une-adresse"})), admin.clone())
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["organisation_name", "sender_name", "contact_email"] {
        assert!(
            bad.json()["fields"][field][0].is_string(),
            "{field}: {}",
            bad.text
        );
    }
    let changed = app
        .send(Method::POST, settings, Some(json!({"organisation_name": "CRPVE Essonne", "sender_name": "CRPVE – centre de ressources", "contact_email": "contact@crpve.example.org"})), admin.clone())
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let registered = app
        .register(
            parvis_api::seed::UPCOMING_WEBINAR,
            "camille@ville.example.fr",
        )
        .await;
    assert_eq!(registered.status, StatusCode::CREATED);
    let queued = app
        .state
        .store
        .claim_due_emails(chrono::Utc::now(), chrono::Duration::zero(), 1000)
        .await
        .unwrap();
    let confirmation = queued
        .iter()
        .find(|q| q.email.recipient == "camille@ville.example.fr")
        .unwrap();
    assert_eq!(
        confirmation.email.sender_name.as_deref(),
        Some("CRPVE – centre de ressources")
    );
    let me = app
        .send(Method::GET, "/api/gestion/moi", None, admin.clone())
        .await
        .json();
    assert_eq!(
        me["organisations"][0]["organisation"]["name"],
        "CRPVE Essonne"
    );
    let log = app
        .send(
            Method::GET,
            "/api/gestion/organisations/demo/journal",
            None,
            admin,
        )
        .await
        .json();
    assert_eq!(log[0]["action"], "reglages", "{log}");
}

async fn an_organiser_cancels_a_registration_and_the_waiting_list_moves_up(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    app.organisation("centre-a", &[("alice@a.example.org", Role::Organisateur)])
        .await;
    let store = &app.state.store;
    let day = chrono::Utc::now().date_naive() + chrono::Days::new(30);
    let mut event = parvis_api::seed::webinar("une-place", day, None);
    event.public.capacity = Some(1);
    event.public.waitlist = true;
    store.insert_event(&event).await.unwrap();
    let centre_a = store.organisation("centre-a").await.unwrap().unwrap();
    store
        .assign_events(centre_a.id, &["une-place"])
        .await
        .unwrap();
    for email in ["premiere@ville.example.fr", "seconde@ville.example.fr"] {
        let reply = app.register("une-place", email).await;
        assert_eq!(reply.status, StatusCode::CREATED);
    }
    let alice = app.sign_in("alice@a.example.org").await;
    let list = "/api/gestion/organisations/centre-a/evenements/une-place/inscrits";
    let before = app
        .send(Method::GET, list, None, alice.clone())
        .await
        .json();
    let first = before["registrants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["email"] == "premiere@ville.example.fr")
        .unwrap()["id"]
        .clone();
    let cancel = format!("{list}/{first}/annuler");
    let done = app
        .send(Method::POST, &cancel, Some(json!({})), alice.clone())
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let after = app
        .send(Method::GET, list, None, alice.clone())
        .await
        .json();
    let status = |email: &str| {
        after["registrants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["email"] == email)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("premiere@ville.example.fr"), "cancelled");
    assert_eq!(
        status("seconde@ville.example.fr"),
        "confirmed",
        "the waiting list moved up"
    );
    let queued = store
        .claim_due_emails(chrono::Utc::now(), chrono::Duration::zero(), 1000)
        .await
        .unwrap();
    assert!(
        queued
            .iter()
            .any(|q| q.email.recipient == "premiere@ville.example.fr"
                && q.email.subject.starts_with("Inscription annulée"))
    );
    assert!(
        queued
            .iter()
            .any(|q| q.email.recipient == "seconde@ville.example.fr"
                && q.email.subject.starts_with("Une place s'est libérée"))
    );
    // Another event's registration, or an unknown one, does not exist here.
    let elsewhere =
        "/api/gestion/organisations/centre-a/evenements/une-place/inscrits/999999/annuler";
    assert_eq!(
        app.send(Method::POST, &elsewhere, Some(json!({})), alice.clone())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Twice is harmless.
    assert_eq!(
        app.send(Method::POST, &cancel, Some(json!({})), alice)
            .await
            .status,
        StatusCode::OK
    );
}

store_tests!(
    every_back_office_route_is_guarded,
    sign_in_works_once_by_link_or_code_and_says_nothing_of_unknown_addresses,
    sessions_are_listed_and_ended_one_by_one_or_everywhere,
    without_a_runner_emails_leave_within_the_request,
    the_agenda_is_every_organisation_s_and_filters_by_one,
    administrators_manage_the_team_but_never_remove_the_last_administrator,
    the_organisation_s_sender_name_signs_its_events_emails,
    an_organiser_cancels_a_registration_and_the_waiting_list_moves_up,
);
