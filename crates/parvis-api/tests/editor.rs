//! The event editor through its routes, on SQLite and on a throwaway
//! PostgreSQL database each: French errors per field, drafts unseen by the
//! public, publication, edition kept in step with registrations, duplicate,
//! cancellation (everyone told, calendars called off), deletion, and
//! another organisation's events out of reach.

use axum::http::{Method, StatusCode};
use parvis_api::store::accounts::Role;
use serde_json::{Value, json};

#[macro_use]
mod common;
use common::app::{App, Backend, Browser};

const ALICE: &str = "alice@a.example.org";
const BOB: &str = "bob@b.example.org";

fn events(org: &str) -> String {
    format!("/api/gestion/organisations/{org}/evenements")
}

fn event(org: &str, slug: &str) -> String {
    format!("{}/{slug}", events(org))
}

/// A webinar in 30 days with two workshops of 1 seat each and a question.
fn webinar() -> Value {
    let date = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    json!({
        "kind": "webinaire",
        "title": "Webinaire mensuel : la participation des habitant·es",
        "summary": "Un échange entre pairs sur les conseils citoyens.",
        "description": "## Au programme\n\nUn **retour d'expérience** puis des échanges.\n\n<script>alert(1)</script>\n\n[Le site](https://exemple.fr)",
        "format": "en_ligne",
        "connection_url": "https://visio.example.org/mensuel",
        "contact_name": "Guillaume Dejardin",
        "contact_email": "contact@a.example.org",
        "sessions": [{
            "date": date, "start": "14:00", "end": "16:00",
            "programme": [{
                "start": "14:30", "end": "15:30", "title": "Ateliers",
                "tracks": [
                    {"title": "Conseils citoyens", "capacity": "1"},
                    {"title": "Budgets participatifs", "capacity": "1"}
                ]
            }]
        }],
        "waitlist": true,
        "questions": [{
            "id": "", "label": "Votre structure a-t-elle un conseil citoyen ?",
            "required": true, "kind": {"type": "yes_no"}
        }],
        "reminders_minutes": [1440, 60]
    })
}

async fn setup(backend: Backend) -> Option<(App, Browser, Browser)> {
    let app = App::new(backend).await?;
    app.organisation("centre-a", &[(ALICE, Role::Organisateur)])
        .await;
    app.organisation("centre-b", &[(BOB, Role::Administrateur)])
        .await;
    let alice = app.sign_in(ALICE).await;
    let bob = app.sign_in(BOB).await;
    Some((app, alice, bob))
}

async fn register(app: &App, slug: &str, email: &str, track: &str) -> StatusCode {
    app.send(
        Method::POST,
        format!("/api/events/{slug}/registrations"),
        Some(json!({
            "first_name": "Camille", "last_name": "Martin", "email": email,
            "organisation": "Ville de Creil", "role": "Cheffe de projet", "territory": "",
            "consent": true, "structure_type": "collectivite", "tracks": [track],
            "answers": {"votre-structure-a-t-elle-un-conseil-citoyen": true}
        })),
        Browser::default(),
    )
    .await
    .status
}

async fn created_and_published(app: &App, alice: &Browser) -> String {
    let created = app
        .send(
            Method::POST,
            events("centre-a"),
            Some(webinar()),
            alice.clone(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let slug = created.json()["slug"].as_str().unwrap().to_owned();
    let published = app
        .send(
            Method::POST,
            format!("{}/publier", event("centre-a", &slug)),
            Some(json!({})),
            alice.clone(),
        )
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.text);
    slug
}

async fn errors_name_each_field_in_french_and_nothing_is_stored(backend: Backend) {
    let Some((app, alice, _)) = setup(backend).await else {
        return;
    };
    let mut draft = webinar();
    draft["title"] = json!("  ");
    draft["sessions"][0]["date"] = json!("12/03/2026");
    draft["sessions"][0]["programme"][0]["tracks"][1]["capacity"] = json!("beaucoup");
    draft["connection_url"] = json!("visio.example.org");
    draft["questions"][0]["kind"] = json!({"type": "single_choice", "options": ["Oui"]});
    draft["format"] = json!("sur_la_lune");
    let reply = app
        .send(Method::POST, events("centre-a"), Some(draft), alice.clone())
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    let message = reply.json()["message"].as_str().unwrap().to_owned();
    assert!(
        message.starts_with("Le formulaire contient des erreurs : ")
            && message.contains("Titre")
            && message.contains("Date 1 › Date")
            && !message.contains("Champ"),
        "the fields are named: {message}"
    );
    let fields = &reply.json()["fields"];
    for (field, words) in [
        ("title", "obligatoire"),
        ("sessions.0.date", "AAAA-MM-JJ"),
        (
            "sessions.0.programme.0.tracks.1.capacity",
            "nombre de places",
        ),
        ("format", "format"),
        ("questions.0.options", "deux réponses"),
    ] {
        let message = fields[field][0]
            .as_str()
            .unwrap_or_else(|| panic!("{field}: {fields}"));
        assert!(message.contains(words), "{field}: {message}");
    }
    let list = app
        .send(Method::GET, events("centre-a"), None, alice.clone())
        .await
        .json();
    assert_eq!(list, json!([]), "nothing stored");
}

async fn a_draft_is_unseen_until_published_and_its_page_is_sanitised(backend: Backend) {
    let Some((app, alice, _)) = setup(backend).await else {
        return;
    };
    let created = app
        .send(
            Method::POST,
            events("centre-a"),
            Some(webinar()),
            alice.clone(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let slug = created.json()["slug"].as_str().unwrap().to_owned();
    assert_eq!(slug, "webinaire-mensuel-la-participation-des-habitant-es");
    let public = format!("/api/events/{slug}");
    let unseen = app
        .send(Method::GET, &public, None, Browser::default())
        .await;
    assert_eq!(
        unseen.status,
        StatusCode::NOT_FOUND,
        "a draft is not public"
    );
    let agenda = app
        .send(Method::GET, "/api/events", None, Browser::default())
        .await;
    assert!(!agenda.text.contains(&slug));
    assert_eq!(
        register(&app, &slug, "camille@creil.example.fr", "conseils-citoyens").await,
        StatusCode::NOT_FOUND,
        "nobody registers to a draft"
    );
    // The organiser's list shows it as a draft.
    let list = app
        .send(Method::GET, events("centre-a"), None, alice.clone())
        .await
        .json();
    assert_eq!(list[0]["slug"], slug.as_str());
    assert_eq!(list[0]["status"], "draft");
    // Published, it is on the agenda with its sanitised description.
    app.send(
        Method::POST,
        format!("{}/publier", event("centre-a", &slug)),
        Some(json!({})),
        alice.clone(),
    )
    .await;
    let page = app
        .send(Method::GET, &public, None, Browser::default())
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let page = page.json();
    let html = page["description_html"].as_str().unwrap();
    assert!(html.contains("<h3>Au programme</h3>"), "{html}");
    assert!(
        html.contains("<strong>retour d'expérience</strong>")
            || html.contains("<strong>retour d&#39;expérience</strong>")
            || html.contains("<strong>retour d’expérience</strong>"),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    assert!(
        html.contains("&lt;script&gt;"),
        "raw HTML shown as text: {html}"
    );
    assert!(html.contains(r#"rel="noopener noreferrer""#));
    assert!(
        !page.to_string().contains("visio.example.org/mensuel"),
        "the connection link is never public"
    );
    let tracks: Vec<&str> = page["sessions"][0]["programme"][0]["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(tracks, ["conseils-citoyens", "budgets-participatifs"]);
    let agenda = app
        .send(Method::GET, "/api/events", None, Browser::default())
        .await;
    assert!(agenda.text.contains(&slug));
    // The editor opens what was typed, Markdown included.
    let opened = app
        .send(
            Method::GET,
            format!("{}/edition", event("centre-a", &slug)),
            None,
            alice.clone(),
        )
        .await
        .json();
    assert_eq!(opened["status"], "published");
    assert_eq!(opened["draft"]["description"], webinar()["description"]);
    assert_eq!(opened["draft"]["sessions"][0]["start"], "14:00");
    assert_eq!(
        opened["draft"]["connection_url"],
        "https://visio.example.org/mensuel"
    );
    assert_eq!(opened["deletable"], true);
    // Unpublished, it leaves the agenda again.
    app.send(
        Method::POST,
        format!("{}/depublier", event("centre-a", &slug)),
        Some(json!({})),
        alice.clone(),
    )
    .await;
    assert_eq!(
        app.send(Method::GET, &public, None, Browser::default())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Every step is in the audit log.
    let log = app
        .state
        .store
        .audit_log(
            app.state
                .store
                .organisation("centre-a")
                .await
                .unwrap()
                .unwrap()
                .id,
            50,
        )
        .await
        .unwrap();
    let lines: Vec<&str> = log.iter().map(|entry| entry.detail.as_str()).collect();
    for words in ["créé (brouillon)", "publié", "retiré de l'agenda"] {
        assert!(
            lines.iter().any(|line| line.contains(words)),
            "{words}: {lines:?}"
        );
    }
}

async fn edits_keep_registrations_whole_and_more_seats_promote_the_waiting(backend: Backend) {
    let Some((app, alice, _)) = setup(backend).await else {
        return;
    };
    let slug = created_and_published(&app, &alice).await;
    assert_eq!(
        register(&app, &slug, "une@creil.example.fr", "conseils-citoyens").await,
        StatusCode::CREATED
    );
    assert_eq!(
        register(&app, &slug, "deux@creil.example.fr", "conseils-citoyens").await,
        StatusCode::CREATED,
        "the waiting list"
    );
    let edition = format!("{}/edition", event("centre-a", &slug));
    let opened = app
        .send(Method::GET, &edition, None, alice.clone())
        .await
        .json();
    assert_eq!(opened["active_registrations"], 2);
    assert_eq!(opened["deletable"], false);
    // A workshop someone chose cannot go.
    let mut fewer = opened["draft"].clone();
    fewer["sessions"][0]["programme"][0]["tracks"]
        .as_array_mut()
        .unwrap()
        .remove(0);
    fewer["sessions"][0]["programme"][0]["tracks"]
        .as_array_mut()
        .unwrap()
        .push(json!({"title": "Tables de quartier"}));
    let refused = app
        .send(Method::PUT, &edition, Some(fewer), alice.clone())
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    assert!(
        refused.json()["fields"]["sessions"][0]
            .as_str()
            .unwrap()
            .contains("Conseils citoyens")
    );
    // Nor fewer seats than are taken: 0 is refused by the rules, and the
    // field is named.
    let mut none = opened["draft"].clone();
    none["sessions"][0]["programme"][0]["tracks"][0]["capacity"] = json!("0");
    let refused = app
        .send(Method::PUT, &edition, Some(none), alice.clone())
        .await;
    assert!(
        refused.json()["fields"]["sessions.0.programme.0.tracks.0.capacity"][0]
            .as_str()
            .is_some(),
        "{}",
        refused.text
    );
    // Two seats: the person waiting is promoted and told.
    let mut more = opened["draft"].clone();
    more["sessions"][0]["programme"][0]["tracks"][0]["capacity"] = json!("2");
    more["title"] = json!("Webinaire mensuel : participation des habitant·es (nouveau titre)");
    more["slug"] = json!("une-autre-adresse");
    let saved = app
        .send(Method::PUT, &edition, Some(more), alice.clone())
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let page = app
        .send(
            Method::GET,
            format!("/api/events/{slug}"),
            None,
            Browser::default(),
        )
        .await
        .json();
    assert_eq!(
        page["title"],
        "Webinaire mensuel : participation des habitant·es (nouveau titre)"
    );
    assert_eq!(page["slug"], slug.as_str(), "the address never changes");
    assert_eq!(
        page["availability"]["track:conseils-citoyens"],
        json!({"capacity": 2, "taken": 2})
    );
    let queued = app
        .state
        .store
        .claim_due_emails(chrono::Utc::now(), chrono::Duration::zero(), 1000)
        .await
        .unwrap();
    assert!(
        queued
            .iter()
            .any(|q| q.email.recipient == "deux@creil.example.fr"
                && q.email.subject.starts_with("Une place s'est libérée"))
    );
}

async fn a_new_hour_tells_the_confirmed_with_an_updated_calendar(backend: Backend) {
    let Some((app, alice, _)) = setup(backend).await else {
        return;
    };
    let slug = created_and_published(&app, &alice).await;
    assert_eq!(
        register(&app, &slug, "une@creil.example.fr", "conseils-citoyens").await,
        StatusCode::CREATED
    );
    assert_eq!(
        register(&app, &slug, "deux@creil.example.fr", "conseils-citoyens").await,
        StatusCode::CREATED,
        "the waiting list"
    );
    let sent_before = |queued: &[parvis_api::outbox::QueuedEmail]| {
        queued
            .iter()
            .filter(|q| q.email.subject.starts_with("Événement modifié"))
            .map(|q| (q.email.recipient.clone(), q.email.ics.clone()))
            .collect::<Vec<_>>()
    };
    let store = &app.state.store;
    let drain = || async {
        store
            .claim_due_emails(
                chrono::Utc::now() + chrono::Duration::hours(1),
                chrono::Duration::hours(2),
                1000,
            )
            .await
            .unwrap()
    };
    drain().await;
    let edition = format!("{}/edition", event("centre-a", &slug));
    let mut draft = app
        .send(Method::GET, &edition, None, alice.clone())
        .await
        .json()["draft"]
        .clone();
    // A new title alone tells nobody.
    draft["title"] = json!("Webinaire mensuel : un titre plus court");
    let saved = app
        .send(Method::PUT, &edition, Some(draft.clone()), alice.clone())
        .await;
    assert_eq!(
        saved.json()["message"],
        "Les modifications sont enregistrées."
    );
    assert!(sent_before(&drain().await).is_empty());
    // A new hour tells the confirmed registrant, with the calendar updated.
    draft["sessions"][0]["start"] = json!("15:00");
    let saved = app
        .send(Method::PUT, &edition, Some(draft), alice.clone())
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    assert!(
        saved.json()["message"]
            .as_str()
            .unwrap()
            .contains("prévenue")
    );
    let told = sent_before(&drain().await);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].0, "une@creil.example.fr");
    let ics = told[0].1.as_deref().expect("a calendar file");
    assert!(ics.contains("METHOD:PUBLISH"), "{ics}");
    // The confirmation carried SEQUENCE:1: this file outranks it.
    assert!(
        ics.contains("SEQUENCE:2"),
        "the entry sent first is replaced: {ics}"
    );
    let start = chrono::Utc::now() + chrono::Duration::days(30);
    let expected = parvis_api::editor::paris(start.date_naive().and_hms_opt(15, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc)
        .format("DTSTART:%Y%m%dT%H%M%SZ")
        .to_string();
    assert!(ics.contains(&expected), "{expected} in {ics}");
}

async fn a_duplicate_is_a_draft_under_a_free_address(backend: Backend) {
    let Some((app, alice, _)) = setup(backend).await else {
        return;
    };
    let slug = created_and_published(&app, &alice).await;
    let mut copies = Vec::new();
    for _ in 0..2 {
        let copy = app
            .send(
                Method::POST,
                format!("{}/dupliquer", event("centre-a", &slug)),
                Some(json!({})),
                alice.clone(),
            )
            .await;
        assert_eq!(copy.status, StatusCode::CREATED, "{}", copy.text);
        copies.push(copy.json()["slug"].as_str().unwrap().to_owned());
    }
    assert_eq!(copies, [format!("{slug}-copie"), format!("{slug}-copie-2")]);
    let opened = app
        .send(
            Method::GET,
            format!("{}/edition", event("centre-a", &copies[0])),
            None,
            alice.clone(),
        )
        .await
        .json();
    assert_eq!(opened["status"], "draft");
    assert_eq!(opened["draft"]["title"], webinar()["title"]);
    assert_eq!(
        opened["draft"]["connection_url"],
        webinar()["connection_url"]
    );
}

async fn a_cancelled_event_tells_everyone_and_calls_off_their_calendars(backend: Backend) {
    let Some((app, alice, _)) = setup(backend).await else {
        return;
    };
    let slug = created_and_published(&app, &alice).await;
    for (email, track) in [
        ("une@creil.example.fr", "conseils-citoyens"),
        ("deux@creil.example.fr", "budgets-participatifs"),
        ("trois@creil.example.fr", "conseils-citoyens"),
    ] {
        assert_eq!(
            register(&app, &slug, email, track).await,
            StatusCode::CREATED
        );
    }
    // What registration sent first is out of the way.
    app.state
        .store
        .claim_due_emails(chrono::Utc::now(), chrono::Duration::hours(1), 1000)
        .await
        .unwrap();
    let cancelled = app
        .send(
            Method::POST,
            format!("{}/annuler", event("centre-a", &slug)),
            Some(json!({})),
            alice.clone(),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
    assert!(
        cancelled.json()["message"]
            .as_str()
            .unwrap()
            .contains("3 personnes")
    );
    let queued = app
        .state
        .store
        .claim_due_emails(
            chrono::Utc::now() + chrono::Duration::hours(2),
            chrono::Duration::zero(),
            1000,
        )
        .await
        .unwrap();
    let told: Vec<_> = queued
        .iter()
        .filter(|q| q.email.subject.starts_with("Événement annulé"))
        .collect();
    assert_eq!(told.len(), 3, "every registrant, waiting or not");
    for email in told {
        if email.email.recipient == "trois@creil.example.fr" {
            // Only ever waiting: no calendar entry was sent, none to remove.
            assert!(email.email.ics.is_none());
            continue;
        }
        let ics = email.email.ics.as_deref().expect("a calendar file");
        assert!(ics.contains("METHOD:CANCEL"), "{ics}");
        assert!(ics.contains("STATUS:CANCELLED"), "{ics}");
        assert!(!email.email.body_text.contains("visio.example.org/mensuel"));
    }
    let page = app
        .send(
            Method::GET,
            format!("/api/events/{slug}"),
            None,
            Browser::default(),
        )
        .await
        .json();
    assert_eq!(page["cancelled"], true);
    assert_eq!(page["registration_state"], "closed");
    assert_eq!(
        register(&app, &slug, "quatre@creil.example.fr", "conseils-citoyens").await,
        StatusCode::CONFLICT,
        "registration is closed"
    );
    // Cancelled stays cancelled.
    let republished = app
        .send(
            Method::POST,
            format!("{}/publier", event("centre-a", &slug)),
            Some(json!({})),
            alice.clone(),
        )
        .await;
    assert_eq!(republished.status, StatusCode::CONFLICT);
}

async fn only_an_event_nobody_registered_to_is_deleted(backend: Backend) {
    let Some((app, alice, _)) = setup(backend).await else {
        return;
    };
    let slug = created_and_published(&app, &alice).await;
    let copy = app
        .send(
            Method::POST,
            format!("{}/dupliquer", event("centre-a", &slug)),
            Some(json!({})),
            alice.clone(),
        )
        .await
        .json()["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        register(&app, &slug, "une@creil.example.fr", "conseils-citoyens").await,
        StatusCode::CREATED
    );
    let refused = app
        .send(
            Method::DELETE,
            event("centre-a", &slug),
            None,
            alice.clone(),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert!(
        refused.json()["message"]
            .as_str()
            .unwrap()
            .contains("Annulez-le")
    );
    // Invitations and a code do not keep it: nobody registered.
    let edition = format!("{}/edition", event("centre-a", &copy));
    let mut draft = app
        .send(Method::GET, &edition, None, alice.clone())
        .await
        .json()["draft"]
        .clone();
    draft["members_only"] = json!(true);
    let saved = app
        .send(Method::PUT, &edition, Some(draft), alice.clone())
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let invited = app
        .send(
            Method::POST,
            format!("{}/invitations", event("centre-a", &copy)),
            Some(json!({"adresses": "membre@creil.example.fr"})),
            alice.clone(),
        )
        .await;
    assert!(invited.status.is_success(), "{}", invited.text);
    let code = app
        .send(
            Method::POST,
            format!("{}/codes-invitation", event("centre-a", &copy)),
            Some(json!({"libelle": "Comité"})),
            alice.clone(),
        )
        .await;
    assert!(code.status.is_success(), "{}", code.text);
    let deleted = app
        .send(
            Method::DELETE,
            event("centre-a", &copy),
            None,
            alice.clone(),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    let list = app
        .send(Method::GET, events("centre-a"), None, alice.clone())
        .await
        .json();
    let slugs: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, [slug.as_str()]);
    assert_eq!(list[0]["confirmed"], 1);
}

async fn another_organisation_s_events_are_out_of_reach(backend: Backend) {
    let Some((app, alice, bob)) = setup(backend).await else {
        return;
    };
    let slug = created_and_published(&app, &alice).await;
    for (method, path, body) in [
        (
            Method::GET,
            format!("{}/edition", event("centre-a", &slug)),
            None,
        ),
        (
            Method::PUT,
            format!("{}/edition", event("centre-a", &slug)),
            Some(webinar()),
        ),
        (
            Method::POST,
            format!("{}/annuler", event("centre-a", &slug)),
            Some(json!({})),
        ),
        (Method::DELETE, event("centre-a", &slug), None),
        // Their own organisation's address does not reach it either.
        (
            Method::GET,
            format!("{}/edition", event("centre-b", &slug)),
            None,
        ),
        (
            Method::POST,
            format!("{}/dupliquer", event("centre-b", &slug)),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("{}/annuler", event("centre-b", &slug)),
            Some(json!({})),
        ),
        (Method::DELETE, event("centre-b", &slug), None),
    ] {
        let reply = app.send(method.clone(), &path, body, bob.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {}",
            reply.text
        );
    }
    let list = app
        .send(Method::GET, events("centre-b"), None, bob.clone())
        .await
        .json();
    assert_eq!(list, json!([]));
    // Still published, still whole.
    let page = app
        .send(
            Method::GET,
            format!("/api/events/{slug}"),
            None,
            Browser::default(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.json()["cancelled"], false);
}

store_tests!(
    errors_name_each_field_in_french_and_nothing_is_stored,
    a_draft_is_unseen_until_published_and_its_page_is_sanitised,
    edits_keep_registrations_whole_and_more_seats_promote_the_waiting,
    a_new_hour_tells_the_confirmed_with_an_updated_calendar,
    a_duplicate_is_a_draft_under_a_free_address,
    a_cancelled_event_tells_everyone_and_calls_off_their_calendars,
    only_an_event_nobody_registered_to_is_deleted,
    another_organisation_s_events_are_out_of_reach,
);
