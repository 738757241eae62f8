//! Members-only events by invitation, through the routes, on SQLite and on
//! a throwaway PostgreSQL database each: a pasted list with bad lines and
//! duplicates, invitation emails with personal links, registration through
//! a link (for the invited address only, and only to its event), no oracle
//! of who is invited, codes shown once and stored hashed, revocation,
//! resends within their bound, the list of who registered, another
//! organisation's event out of reach, and the audit log.

use axum::http::{Method, StatusCode};
use parvis_api::store::NewEvent;
use parvis_api::store::accounts::Role;
use parvis_api::{seed, token};
use serde_json::{Value, json};

#[macro_use]
mod common;
use common::app::{App, Backend, Browser, PUBLIC_URL, Reply};

const ALICE: &str = "alice@a.example.org";
const BOB: &str = "bob@b.example.org";

fn invitations(org: &str, slug: &str) -> String {
    format!("/api/gestion/organisations/{org}/evenements/{slug}/invitations")
}

fn codes(org: &str, slug: &str) -> String {
    format!("/api/gestion/organisations/{org}/evenements/{slug}/codes-invitation")
}

/// A members-only webinar in a month.
fn members_only(slug: &str) -> NewEvent {
    let day = chrono::Utc::now().date_naive() + chrono::Days::new(30);
    let mut event = seed::webinar(slug, day, None);
    event.public.members_only = true;
    event
}

/// The organisation `a` (Alice, administrator) with `events`, and the
/// organisation `b` (Bob); Alice signed in.
async fn setup(app: &App, events: &[NewEvent]) -> Browser {
    app.organisation("a", &[(ALICE, Role::Administrateur)])
        .await;
    app.organisation("b", &[(BOB, Role::Administrateur)]).await;
    let store = &app.state.store;
    let a = store.organisation("a").await.unwrap().unwrap();
    for event in events {
        store.insert_event(event).await.unwrap().unwrap();
        store
            .assign_events(a.id, &[event.public.slug.as_str()])
            .await
            .unwrap();
    }
    app.sign_in(ALICE).await
}

/// The form a person fills in, with a link's token or a code.
fn form(email: &str, token: &str, code: &str) -> Value {
    json!({
        "first_name": "Camille", "last_name": "Martin", "email": email,
        "organisation": "Ville de Creil", "role": "Cheffe de projet", "territory": "",
        "consent": true, "structure_type": "collectivite",
        "invitation_token": token, "invitation_code": code
    })
}

async fn register(app: &App, slug: &str, body: Value) -> Reply {
    app.send(
        Method::POST,
        format!("/api/events/{slug}/registrations"),
        Some(body),
        Browser::default(),
    )
    .await
}

/// The tokens of every invitation email queued to `email` (none is
/// delivered in these tests), oldest first.
async fn links_to(app: &App, slug: &str, email: &str) -> Vec<String> {
    let prefix = format!("{PUBLIC_URL}/evenements/{slug}?invitation=");
    app.state
        .store
        .claim_due_emails(chrono::Utc::now(), chrono::Duration::zero(), 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|q| q.email.recipient == email && q.email.subject.starts_with("Invitation : "))
        .map(|q| {
            let body = q.email.body_text;
            let token = body.split(&prefix).nth(1).expect("a personal link")[..64].to_owned();
            assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
            token
        })
        .collect()
}

async fn list(app: &App, browser: &Browser, slug: &str) -> Value {
    let reply = app
        .send(Method::GET, invitations("a", slug), None, browser)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()
}

fn status_of(list: &Value, email: &str) -> (String, bool) {
    let line = list["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|line| line["email"] == email)
        .unwrap_or_else(|| panic!("{email} is not listed: {list}"));
    (
        line["status"].as_str().unwrap().to_owned(),
        line["through_link"].as_bool().unwrap(),
    )
}

async fn audit_actions(app: &App, browser: &Browser) -> Vec<(String, String)> {
    let reply = app
        .send(
            Method::GET,
            "/api/gestion/organisations/a/journal",
            None,
            browser,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            (
                line["action"].as_str().unwrap().to_owned(),
                line["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn a_pasted_list_is_invited_and_people_register_through_their_link(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let alice = setup(&app, &[members_only("comite"), members_only("autre")]).await;
    let reply = app
        .send(
            Method::POST,
            invitations("a", "comite"),
            Some(json!({"adresses": "camille@ville.fr\npas une adresse\nAlex <alex@asso.org>; Camille@Ville.fr\n\n   \nlou@@asso.org"})),
            &alice,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let report = reply.json();
    assert_eq!(
        report["invited"],
        json!(["camille@ville.fr", "alex@asso.org"])
    );
    // The domain is lower-cased; the same address twice is sent once.
    assert_eq!(report["already"], json!(["Camille@ville.fr"]));
    let problems: Vec<(u64, String)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap(),
                p["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(problems[0].0, 2);
    assert!(
        problems[0].1.starts_with("Ligne 2 : « pas une adresse »"),
        "{problems:?}"
    );
    assert_eq!(problems[1].0, 6);
    assert!(
        report["message"]
            .as_str()
            .unwrap()
            .contains("2 invitations envoyées"),
        "{report}"
    );

    // Each address got its own link; only its hash is stored.
    let camille = links_to(&app, "comite", "camille@ville.fr").await;
    let alex = links_to(&app, "comite", "alex@asso.org").await;
    assert_eq!((camille.len(), alex.len()), (1, 1));
    assert_ne!(camille[0], alex[0]);
    let store = &app.state.store;
    assert!(
        store
            .invitation_by_token(&camille[0])
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .invitation_by_token(&token::hash(&camille[0]))
            .await
            .unwrap()
            .unwrap()
            .email,
        "camille@ville.fr"
    );

    // Inviting again sends nothing.
    let again = app
        .send(
            Method::POST,
            invitations("a", "comite"),
            Some(json!({"adresses": "alex@asso.org"})),
            &alice,
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.json()["invited"], json!([]));
    assert_eq!(links_to(&app, "comite", "alex@asso.org").await, alex);
    // Nothing valid at all: a French error on the field.
    let nothing = app
        .send(
            Method::POST,
            invitations("a", "comite"),
            Some(json!({"adresses": "bonjour\n"})),
            &alice,
        )
        .await;
    assert_eq!(
        nothing.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        nothing.text
    );
    assert!(
        nothing.json()["fields"]["adresses"][0]
            .as_str()
            .unwrap()
            .contains("Ligne 1")
    );

    // The link opens the form with the invited address.
    let opened = app
        .send(
            Method::POST,
            "/api/events/comite/invitation",
            Some(json!({"jeton": camille[0]})),
            Browser::default(),
        )
        .await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.text);
    assert_eq!(opened.json(), json!({"email": "camille@ville.fr"}));
    // Another event's link opens nothing, nor does a made-up one.
    for (slug, jeton) in [("autre", camille[0].clone()), ("comite", "0".repeat(64))] {
        let refused = app
            .send(
                Method::POST,
                format!("/api/events/{slug}/invitation"),
                Some(json!({ "jeton": jeton })),
                Browser::default(),
            )
            .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.text);
    }
    let elsewhere = register(&app, "autre", form("camille@ville.fr", &camille[0], "")).await;
    assert_eq!(
        elsewhere.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        elsewhere.text
    );
    assert!(
        elsewhere.json()["fields"]["invitation_code"][0]
            .as_str()
            .unwrap()
            .contains("lien d'invitation n'est pas")
    );

    // No oracle: an invited address typed without its link is answered as
    // an unknown one.
    let invited = register(&app, "comite", form("alex@asso.org", "", "")).await;
    let unknown = register(&app, "comite", form("inconnu@ville.fr", "", "")).await;
    assert_eq!(invited.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invited.status, unknown.status);
    assert_eq!(invited.json()["fields"], unknown.json()["fields"]);
    assert_eq!(invited.json()["message"], unknown.json()["message"]);

    // Through the link, the registration is the invited address's,
    // whatever was typed.
    let registered = register(&app, "comite", form("quelquun@autre.fr", &camille[0], "")).await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text
    );
    assert_eq!(registered.json()["sent_to"], "c…@ville.fr");
    let confirmations = app
        .state
        .store
        .claim_due_emails(chrono::Utc::now(), chrono::Duration::zero(), 10_000)
        .await
        .unwrap();
    assert!(
        confirmations
            .iter()
            .any(|q| q.email.recipient == "camille@ville.fr"
                && !q.email.subject.starts_with("Invitation")),
        "the confirmation goes to the invited address"
    );
    assert!(
        !confirmations
            .iter()
            .any(|q| q.email.recipient == "quelquun@autre.fr")
    );

    let listed = list(&app, &alice, "comite").await;
    assert_eq!(
        status_of(&listed, "camille@ville.fr"),
        ("inscrite".to_owned(), true)
    );
    assert_eq!(
        status_of(&listed, "alex@asso.org"),
        ("invitee".to_owned(), false)
    );
    assert_eq!(listed["members_only"], true);
    assert_eq!(listed["emails_left_today"], 998);
    assert!(
        !listed.to_string().contains(&camille[0]),
        "no token is listed"
    );

    let actions = audit_actions(&app, &alice).await;
    assert!(
        actions.iter().any(|(action, detail)| action == "invitation"
            && detail.contains("2 envoyée(s)")
            && detail.contains("2 ligne(s) ignorée(s)")),
        "{actions:?}"
    );
}

async fn codes_are_shown_once_stored_hashed_and_revocable(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let alice = setup(&app, &[members_only("comite")]).await;
    let unlabelled = app
        .send(
            Method::POST,
            codes("a", "comite"),
            Some(json!({"libelle": "  "})),
            &alice,
        )
        .await;
    assert_eq!(
        unlabelled.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unlabelled.text
    );
    assert!(
        unlabelled.json()["fields"]["libelle"][0]
            .as_str()
            .unwrap()
            .contains("libellé")
    );

    let created = app
        .send(
            Method::POST,
            codes("a", "comite"),
            Some(json!({"libelle": "Réseau des délégués"})),
            &alice,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let created = created.json();
    let code = created["code"].as_str().unwrap().to_owned();
    // 16 symbols of 5 bits: 80 bits, at least the 60 asked.
    let symbols = code.chars().filter(|c| *c != '-').count();
    assert_eq!(symbols, token::CODE_SYMBOLS);
    assert!(token::CODE_BITS >= 60 && symbols * 5 >= 60);
    let id = created["line"]["id"].as_i64().unwrap();

    // Listed by its label, never shown again; stored as its hash.
    let listed = list(&app, &alice, "comite").await;
    assert_eq!(listed["codes"][0]["label"], "Réseau des délégués");
    assert_eq!(listed["codes"][0]["uses"], 0);
    assert!(!listed.to_string().contains(&code));
    let store = &app.state.store;
    let event = store.event_by_slug("comite").await.unwrap().unwrap();
    assert!(
        store
            .valid_invitation_code(event.id, &token::invitation_code_hash(&code))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .valid_invitation_code(event.id, &code)
            .await
            .unwrap()
            .is_none()
    );

    // It lets people in, typed in lower case, and counts them.
    let typed = code.to_lowercase();
    let first = register(&app, "comite", form("membre1@ville.fr", "", &typed)).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(list(&app, &alice, "comite").await["codes"][0]["uses"], 1);

    let revoked = app
        .send(
            Method::POST,
            format!("{}/{id}/revoquer", codes("a", "comite")),
            None,
            &alice,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    let refused = register(&app, "comite", form("membre2@ville.fr", "", &code)).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    assert!(
        refused.json()["fields"]["invitation_code"][0]
            .as_str()
            .unwrap()
            .contains("n'est pas valide")
    );
    let again = app
        .send(
            Method::POST,
            format!("{}/{id}/revoquer", codes("a", "comite")),
            None,
            &alice,
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert!(list(&app, &alice, "comite").await["codes"][0]["revoked_at"].is_string());

    let actions: Vec<String> = audit_actions(&app, &alice)
        .await
        .into_iter()
        .map(|(action, _)| action)
        .collect();
    assert!(
        actions.contains(&"code_invitation".to_owned()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"code_invitation_revoque".to_owned()),
        "{actions:?}"
    );
}

async fn resends_renew_the_link_within_their_bound(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let alice = setup(&app, &[members_only("comite")]).await;
    let reply = app
        .send(
            Method::POST,
            invitations("a", "comite"),
            Some(json!({"adresses": "rose@ville.fr, lea@ville.fr"})),
            &alice,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let first = links_to(&app, "comite", "rose@ville.fr").await;
    let listed = list(&app, &alice, "comite").await;
    let id_of = |email: &str| {
        listed["invitations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["email"] == email)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (rose, lea) = (id_of("rose@ville.fr"), id_of("lea@ville.fr"));
    let resend = |id: String| {
        app.send(
            Method::POST,
            format!("{}/{id}/renvoyer", invitations("a", "comite")),
            None,
            &alice,
        )
    };
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(resend(rose.to_string()).await.status.as_u16());
    }
    assert_eq!(
        statuses,
        [200, 200, 429],
        "three emails a day, the first included"
    );
    let links = links_to(&app, "comite", "rose@ville.fr").await;
    assert_eq!(links.len(), 3);
    assert_eq!(links[0], first[0]);
    // The earlier link stops working; the last one works.
    let old = register(&app, "comite", form("rose@ville.fr", &first[0], "")).await;
    assert_eq!(old.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", old.text);
    let new = register(&app, "comite", form("rose@ville.fr", &links[2], "")).await;
    assert_eq!(new.status, StatusCode::CREATED, "{}", new.text);
    // Lea registers with a code instead: still shown registered, and she is
    // sent nothing more.
    let created = app
        .send(
            Method::POST,
            codes("a", "comite"),
            Some(json!({"libelle": "Tous"})),
            &alice,
        )
        .await;
    let code = created.json()["code"].as_str().unwrap().to_owned();
    let by_code = register(&app, "comite", form("lea@ville.fr", "", &code)).await;
    assert_eq!(by_code.status, StatusCode::CREATED, "{}", by_code.text);
    let listed = list(&app, &alice, "comite").await;
    assert_eq!(
        status_of(&listed, "lea@ville.fr"),
        ("inscrite".to_owned(), false)
    );
    assert_eq!(resend(lea.to_string()).await.status, StatusCode::CONFLICT);
    for id in ["999999", "abc", "0"] {
        assert_eq!(
            resend(id.to_owned()).await.status,
            StatusCode::CONFLICT,
            "{id}"
        );
    }
    let actions: Vec<String> = audit_actions(&app, &alice)
        .await
        .into_iter()
        .map(|(action, _)| action)
        .collect();
    assert_eq!(
        actions.iter().filter(|a| *a == "invitation_renvoi").count(),
        2,
        "two resends went out"
    );
}

async fn another_organisation_s_event_and_the_bounds(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let day = chrono::Utc::now().date_naive() + chrono::Days::new(30);
    let open = seed::webinar("ouvert", day, None);
    let alice = setup(&app, &[members_only("comite"), open]).await;
    let bob = app.sign_in(BOB).await;
    for org in ["a", "b"] {
        for (method, path, body) in [
            (Method::GET, invitations(org, "comite"), None),
            (
                Method::POST,
                invitations(org, "comite"),
                Some(json!({"adresses": "x@y.fr"})),
            ),
            (
                Method::POST,
                format!("{}/1/renvoyer", invitations(org, "comite")),
                None,
            ),
            (
                Method::POST,
                codes(org, "comite"),
                Some(json!({"libelle": "x"})),
            ),
        ] {
            let reply = app.send(method.clone(), &path, body, &bob).await;
            assert_eq!(
                reply.status,
                StatusCode::NOT_FOUND,
                "{method} {path}: {}",
                reply.text
            );
        }
    }
    // An event open to all takes no invitations.
    let public = app
        .send(
            Method::POST,
            invitations("a", "ouvert"),
            Some(json!({"adresses": "x@y.fr"})),
            &alice,
        )
        .await;
    assert_eq!(public.status, StatusCode::CONFLICT, "{}", public.text);
    // 500 addresses a request at most.
    let many: Vec<String> = (0..501).map(|n| format!("membre{n}@ville.fr")).collect();
    let too_many = app
        .send(
            Method::POST,
            invitations("a", "comite"),
            Some(json!({"adresses": many.join("\n")})),
            &alice,
        )
        .await;
    assert_eq!(
        too_many.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        too_many.text
    );
    assert!(
        too_many.json()["fields"]["adresses"][0]
            .as_str()
            .unwrap()
            .contains("501 adresses")
    );
    // Without the CSRF proof, nothing is written.
    let forged = Browser {
        csrf: None,
        ..alice.clone()
    };
    let reply = app
        .send(
            Method::POST,
            invitations("a", "comite"),
            Some(json!({"adresses": "x@y.fr"})),
            &forged,
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    assert!(
        list(&app, &alice, "comite").await["invitations"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

/// After the event and the retention period, the purge forgets the
/// invitations: their links, and the addresses of whoever never registered.
async fn invitations_are_forgotten_after_the_retention_period(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let event = members_only("oublis");
    let end = event
        .public
        .sessions
        .last()
        .unwrap()
        .ends_at
        .with_timezone(&chrono::Utc);
    let alice = setup(&app, &[event]).await;
    let invited = app
        .send(
            Method::POST,
            invitations("a", "oublis"),
            Some(json!({"adresses": "une@creil.example.fr\ndeux@creil.example.fr"})),
            alice.clone(),
        )
        .await;
    assert!(invited.status.is_success(), "{}", invited.text);
    let token = links_to(&app, "oublis", "une@creil.example.fr")
        .await
        .remove(0);
    let store = &app.state.store;
    // Within the retention period (90 days by default), nothing goes.
    store
        .purge_expired(end + chrono::Duration::days(89))
        .await
        .unwrap();
    assert_eq!(
        list(&app, &alice, "oublis").await["invitations"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(
        store
            .purge_expired(end + chrono::Duration::days(91))
            .await
            .unwrap()
            >= 2
    );
    assert_eq!(list(&app, &alice, "oublis").await["invitations"], json!([]));
    let opened = app
        .send(
            Method::POST,
            "/api/events/oublis/invitation",
            Some(json!({"jeton": token})),
            Browser::default(),
        )
        .await;
    assert_eq!(opened.status, StatusCode::NOT_FOUND, "{}", opened.text);
}

store_tests!(
    a_pasted_list_is_invited_and_people_register_through_their_link,
    codes_are_shown_once_stored_hashed_and_revocable,
    resends_renew_the_link_within_their_bound,
    another_organisation_s_event_and_the_bounds,
    invitations_are_forgotten_after_the_retention_period,
);
