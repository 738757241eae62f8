//! The registrants desk of the back-office, on SQLite and on a throwaway
//! PostgreSQL database each: manual promotion from the waiting list (past
//! the order with a free seat; refused, then over capacity on request,
//! without one), registration on someone's behalf (the public form's
//! checks and French errors, the confirmation email, the origin recorded),
//! an event's dead letters listed and resent, messages to a group of
//! registrants with their preview and count and the daily bound, the audit
//! lines of each, and 404 for another organisation's event.

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use parvis_api::outbox::QueuedEmail;
use parvis_api::seed;
use parvis_api::store::accounts::Role;
use parvis_api::store::{EventRecord, NewEvent};
use parvis_core::registration::RegistrationRequest;
use serde_json::json;

#[macro_use]
mod common;
use common::app::{App, Backend, Browser as Member};

const SLUG: &str = "atelier-guichet";

impl App {
    /// An organisation with one organiser, signed in.
    async fn organiser(&self, slug: &str, email: &str) -> (i64, Member) {
        self.signed_in(slug, email, Role::Organisateur).await
    }

    /// Registers `email` through the store, as the public route does.
    async fn register_person(&self, event: &EventRecord, email: &str) {
        self.registration_id(event, &person(email)).await;
    }

    /// The emails waiting in the outbox (no runner delivers them in these
    /// tests), read again at each call.
    async fn queued(&self) -> Vec<QueuedEmail> {
        self.state
            .store
            .claim_due_emails(Utc::now(), Duration::zero(), 10_000)
            .await
            .unwrap()
    }

    async fn queued_to(&self, recipient: &str) -> Vec<QueuedEmail> {
        self.queued()
            .await
            .into_iter()
            .filter(|q| q.email.recipient == recipient)
            .collect()
    }

    /// Forgets every queued email, as a delivery would.
    async fn deliver_all(&self) {
        for email in self.queued().await {
            self.state
                .store
                .mark_sent(email.id, Utc::now())
                .await
                .unwrap();
        }
    }

    /// The registrants' list: (email, status, rank) in order.
    async fn lines(&self, member: &Member, org: &str) -> Vec<(String, String, Option<u64>)> {
        let list = self.get_as(registrants(org, SLUG), member).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text);
        list.json()["registrants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|line| {
                (
                    line["email"].as_str().unwrap().to_owned(),
                    line["status"].as_str().unwrap().to_owned(),
                    line["rank"].as_u64(),
                )
            })
            .collect()
    }

    async fn id_of(&self, member: &Member, org: &str, email: &str) -> i64 {
        let list = self.get_as(registrants(org, SLUG), member).await;
        list.json()["registrants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|line| line["email"] == email)
            .unwrap_or_else(|| panic!("{email} is listed"))["id"]
            .as_i64()
            .unwrap()
    }

    async fn audit(&self, member: &Member, org: &str, action: &str) -> Vec<String> {
        // The journal is for administrators: read it from the database.
        let _ = member;
        let sql = self.dialect.sql(
            "SELECT l.detail FROM audit_log l JOIN organisations o ON o.id = l.organisation_id
             WHERE o.slug = ? AND l.action = ? ORDER BY l.id",
        );
        sqlx::query_scalar(&sql)
            .bind(org)
            .bind(action)
            .fetch_all(self.pool().await)
            .await
            .unwrap()
    }

    /// Seats taken and capacity of the event's own quota.
    async fn event_seats(&self, event: &EventRecord) -> (i64, i64) {
        let sql = self
            .dialect
            .sql("SELECT taken, capacity FROM quotas WHERE event_id = ? AND key = 'event'");
        sqlx::query_as(&sql)
            .bind(event.id)
            .fetch_one(self.pool().await)
            .await
            .unwrap()
    }
}

fn registrants(org: &str, slug: &str) -> String {
    format!("/api/gestion/organisations/{org}/evenements/{slug}/inscrits")
}

fn event_path(org: &str, slug: &str) -> String {
    format!("/api/gestion/organisations/{org}/evenements/{slug}")
}

fn person(email: &str) -> RegistrationRequest {
    let local = email.split('@').next().unwrap();
    RegistrationRequest {
        first_name: local.to_owned(),
        last_name: "Martin".to_owned(),
        email: email.to_owned(),
        organisation: "Ville de Creil".to_owned(),
        role: "Chargée de mission".to_owned(),
        consent: true,
        structure_type: "collectivite".to_owned(),
        ..Default::default()
    }
}

/// A webinar of `capacity` seats with a waiting list, in a month.
fn event(slug: &str, capacity: u32) -> NewEvent {
    let day = Utc::now().date_naive() + chrono::Days::new(30);
    let mut event = seed::webinar(slug, day, None);
    event.public.capacity = Some(capacity);
    event.public.waitlist = true;
    event
}

fn token_of(email: &QueuedEmail) -> String {
    email.email.body_text.split("/inscription/").nth(1).unwrap()[..64].to_owned()
}

async fn manual_promotion_with_and_without_a_free_seat(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (organisation, alice) = app.organiser("centre-a", "alice@a.example.org").await;
    let event = app.insert_owned(&event(SLUG, 1), organisation).await;
    for email in [
        "anne@ville.example.fr",
        "bruno@ville.example.fr",
        "chloe@ville.example.fr",
        "denis@ville.example.fr",
    ] {
        app.register_person(&event, email).await;
    }
    app.deliver_all().await;
    let chloe = app
        .id_of(&alice, "centre-a", "chloe@ville.example.fr")
        .await;
    let promote = |id: i64| format!("{}/{id}/promouvoir", registrants("centre-a", SLUG));

    // No free seat: refused, unless the organiser goes over the capacity.
    let refused = app.post(promote(chloe), json!({}), &alice).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert_eq!(refused.json()["code"], "full");
    assert!(
        refused.json()["message"]
            .as_str()
            .unwrap()
            .contains("Dépasser la capacité"),
        "{}",
        refused.text
    );
    assert_eq!(app.event_seats(&event).await, (1, 1), "nothing changed");
    assert!(app.queued_to("chloe@ville.example.fr").await.is_empty());
    let over = app
        .post(promote(chloe), json!({"depasser": true}), &alice)
        .await;
    assert_eq!(over.status, StatusCode::OK, "{}", over.text);
    assert!(
        over.json()["message"]
            .as_str()
            .unwrap()
            .contains("capacité dépassée"),
        "{}",
        over.text
    );
    assert_eq!(app.event_seats(&event).await, (2, 1), "one seat over");
    let emails = app.queued_to("chloe@ville.example.fr").await;
    assert_eq!(emails.len(), 1);
    assert!(
        emails[0]
            .email
            .subject
            .starts_with("Une place s'est libérée"),
        "{}",
        emails[0].email.subject
    );
    // The personal link of the email opens her registration, confirmed.
    let token = token_of(&emails[0]);
    let mine = app
        .get_as(format!("/api/registrations/{token}"), &Member::default())
        .await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
    assert_eq!(mine.json()["status"], "confirmed");
    app.deliver_all().await;
    assert_eq!(
        app.lines(&alice, "centre-a").await,
        vec![
            (
                "anne@ville.example.fr".to_owned(),
                "confirmed".to_owned(),
                None
            ),
            (
                "bruno@ville.example.fr".to_owned(),
                "waitlisted".to_owned(),
                Some(1)
            ),
            (
                "chloe@ville.example.fr".to_owned(),
                "confirmed".to_owned(),
                None
            ),
            (
                "denis@ville.example.fr".to_owned(),
                "waitlisted".to_owned(),
                Some(2)
            ),
        ]
    );

    // A cancellation brings the event back to its capacity: nobody waiting
    // is promoted, since no seat is free.
    let anne = app.id_of(&alice, "centre-a", "anne@ville.example.fr").await;
    let cancelled = app
        .post(
            format!("{}/{anne}/annuler", registrants("centre-a", SLUG)),
            json!({}),
            &alice,
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
    assert_eq!(app.event_seats(&event).await, (1, 1));
    assert!(app.queued_to("bruno@ville.example.fr").await.is_empty());

    // A free seat (the capacity raised, as the event editor does): the
    // organiser promotes Denis past Bruno, who keeps waiting.
    let raise = app
        .dialect
        .sql("UPDATE quotas SET capacity = 2 WHERE event_id = ? AND key = 'event'");
    sqlx::query(&raise)
        .bind(event.id)
        .execute(app.pool().await)
        .await
        .unwrap();
    let denis = app
        .id_of(&alice, "centre-a", "denis@ville.example.fr")
        .await;
    let promoted = app.post(promote(denis), json!({}), &alice).await;
    assert_eq!(promoted.status, StatusCode::OK, "{}", promoted.text);
    assert!(
        !promoted.json()["message"]
            .as_str()
            .unwrap()
            .contains("dépassée")
    );
    assert_eq!(app.event_seats(&event).await, (2, 2));
    assert_eq!(app.queued_to("denis@ville.example.fr").await.len(), 1);
    assert!(app.queued_to("bruno@ville.example.fr").await.is_empty());
    let lines = app.lines(&alice, "centre-a").await;
    assert_eq!(
        lines[1],
        (
            "bruno@ville.example.fr".to_owned(),
            "waitlisted".to_owned(),
            Some(1)
        )
    );
    assert_eq!(lines[3].1, "confirmed");

    // Someone not waiting cannot be promoted; another event's id is unknown.
    let again = app.post(promote(denis), json!({}), &alice).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert_eq!(again.json()["code"], "not_waiting");
    for unknown in [
        (denis + 1000).to_string(),
        i64::MIN.to_string(),
        "0".to_owned(),
        "abc".to_owned(),
    ] {
        let reply = app
            .post(
                format!("{}/{unknown}/promouvoir", registrants("centre-a", SLUG)),
                json!({}),
                &alice,
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{unknown}: {}",
            reply.text
        );
    }

    let audit = app.audit(&alice, "centre-a", "promotion").await;
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert!(
        audit[0].contains("chloe@ville.example.fr") && audit[0].contains("capacité dépassée"),
        "{audit:?}"
    );
    assert!(
        audit[1].contains("denis@ville.example.fr") && !audit[1].contains("dépassée"),
        "{audit:?}"
    );
}

async fn an_organiser_registers_someone_on_their_behalf(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (organisation, alice) = app.organiser("centre-a", "alice@a.example.org").await;
    let mut members_only = event(SLUG, 1);
    // Members only, and registration closed: organisers register anyway.
    members_only.public.members_only = true;
    members_only.public.registration.closes_at = Utc::now().fixed_offset() - Duration::hours(1);
    let event = app.insert_owned(&members_only, organisation).await;
    let add = format!("{}/ajouter", registrants("centre-a", SLUG));

    // The public form's checks, each field named in French.
    let refused = app
        .post(
            &add,
            json!({"first_name": "", "email": "pas-une-adresse", "consent": true,
                   "structure_type": "collectivite", "organisation": "Ville", "role": "Élue",
                   "last_name": "Durand"}),
            &alice,
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    let fields = &refused.json()["fields"];
    assert!(
        fields["first_name"][0].as_str().unwrap().len() > 5,
        "{fields}"
    );
    assert!(
        fields["email"][0].as_str().unwrap().contains("adresse"),
        "{fields}"
    );
    assert!(fields.get("invitation_code").is_none(), "{fields}");

    let done = app
        .post(
            &add,
            serde_json::to_value(person("emma@ville.example.fr")).unwrap(),
            &alice,
        )
        .await;
    assert_eq!(done.status, StatusCode::CREATED, "{}", done.text);
    assert_eq!(done.json()["status"], "confirmed");
    let emails = app.queued_to("emma@ville.example.fr").await;
    assert_eq!(emails.len(), 1, "the confirmation");
    assert!(emails[0].email.subject.starts_with("Inscription confirmée"));
    assert!(emails[0].email.body_text.contains("/inscription/"));
    // The event is full: the next one waits.
    let waiting = app
        .post(
            &add,
            serde_json::to_value(person("farid@ville.example.fr")).unwrap(),
            &alice,
        )
        .await;
    assert_eq!(waiting.status, StatusCode::CREATED, "{}", waiting.text);
    assert_eq!(waiting.json()["status"], "waitlisted");
    assert!(
        waiting.json()["message"]
            .as_str()
            .unwrap()
            .contains("rang 1")
    );
    // Again: nothing new, the confirmation goes again.
    let again = app
        .post(
            &add,
            serde_json::to_value(person("emma@ville.example.fr")).unwrap(),
            &alice,
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert!(
        again.json()["message"]
            .as_str()
            .unwrap()
            .contains("déjà inscrit")
    );

    // The origin: the organiser's account, on the registrations they made.
    app.register_person(&event, "gaelle@ville.example.fr").await;
    let sql = app.dialect.sql(
        "SELECT p.email, r.registered_by, a.email AS organiser FROM registrations r
         JOIN people p ON p.id = r.person_id LEFT JOIN accounts a ON a.id = r.registered_by
         WHERE r.event_id = ? ORDER BY r.id",
    );
    let rows: Vec<(String, Option<i64>, Option<String>)> = sqlx::query_as(&sql)
        .bind(event.id)
        .fetch_all(app.pool().await)
        .await
        .unwrap();
    assert_eq!(
        rows.iter()
            .map(|(email, _, organiser)| (email.as_str(), organiser.as_deref()))
            .collect::<Vec<_>>(),
        vec![
            ("emma@ville.example.fr", Some("alice@a.example.org")),
            ("farid@ville.example.fr", Some("alice@a.example.org")),
            ("gaelle@ville.example.fr", None),
        ]
    );
    let audit = app.audit(&alice, "centre-a", "inscription").await;
    assert_eq!(audit.len(), 3, "{audit:?}");
    assert!(audit[0].contains("emma@ville.example.fr") && audit[0].contains("confirmée"));
    assert!(audit[1].contains("liste d'attente (rang 1)"), "{audit:?}");
    assert!(audit[2].contains("confirmation renvoyée"), "{audit:?}");
}

async fn dead_letters_are_listed_and_resent(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (organisation, alice) = app.organiser("centre-a", "alice@a.example.org").await;
    let (other_org, _) = app.organiser("centre-b", "bruno@b.example.org").await;
    let event = app.insert_owned(&event(SLUG, 10), organisation).await;
    let elsewhere = app.insert_owned(&event_named("ailleurs"), other_org).await;
    app.register_person(&event, "henri@ville.example.fr").await;
    app.register_person(&event, "ines@ville.example.fr").await;
    app.register_person(&elsewhere, "jules@ville.example.fr")
        .await;
    // Henri's and Jules's confirmations are refused for good.
    for email in app.queued().await {
        if email.email.recipient == "ines@ville.example.fr" {
            app.state
                .store
                .mark_sent(email.id, Utc::now())
                .await
                .unwrap();
        } else {
            app.state
                .store
                .mark_failed(email.id, "550 5.1.1 mailbox unavailable", None, Utc::now())
                .await
                .unwrap();
        }
    }
    assert!(app.queued().await.is_empty());
    let listed = app
        .get_as(
            format!("{}/courriels-en-echec", event_path("centre-a", SLUG)),
            &alice,
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let letters = listed.json();
    let letters = letters.as_array().unwrap();
    assert_eq!(letters.len(), 1, "only this event's: {letters:?}");
    assert_eq!(letters[0]["recipient"], "henri@ville.example.fr");
    assert_eq!(letters[0]["name"], "henri Martin");
    assert_eq!(letters[0]["last_error"], "550 5.1.1 mailbox unavailable");
    assert!(
        letters[0]["subject"]
            .as_str()
            .unwrap()
            .starts_with("Inscription confirmée")
    );
    let id = letters[0]["id"].as_i64().unwrap();
    let jules = app.state.store.dead_letters(10).await.unwrap();
    let jules = jules
        .iter()
        .find(|l| l.recipient == "jules@ville.example.fr")
        .unwrap()
        .id;

    // Another event's letter cannot be resent from this one.
    let resend = |id: i64| {
        format!(
            "{}/courriels-en-echec/{id}/renvoyer",
            event_path("centre-a", SLUG)
        )
    };
    let refused = app.post(resend(jules), json!({}), &alice).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert_eq!(refused.json()["code"], "not_dead_letter");
    let resent = app.post(resend(id), json!({}), &alice).await;
    assert_eq!(resent.status, StatusCode::OK, "{}", resent.text);
    let queued = app.queued().await;
    assert_eq!(queued.len(), 1, "Henri's email is due again");
    assert_eq!(queued[0].email.recipient, "henri@ville.example.fr");
    assert_eq!(queued[0].attempts, 0, "with fresh attempts");
    assert!(queued[0].email.body_text.contains("/inscription/"));
    let listed = app
        .get_as(
            format!("{}/courriels-en-echec", event_path("centre-a", SLUG)),
            &alice,
        )
        .await;
    assert_eq!(listed.json(), json!([]));
    // Twice: it is no dead letter any more.
    assert_eq!(
        app.post(resend(id), json!({}), &alice).await.status,
        StatusCode::CONFLICT
    );
    let audit = app.audit(&alice, "centre-a", "renvoi").await;
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert!(audit[0].contains("henri@ville.example.fr"), "{audit:?}");
}

fn event_named(slug: &str) -> NewEvent {
    event(slug, 10)
}

async fn writing_to_the_waiting_list_with_a_preview_and_a_daily_bound(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (organisation, alice) = app.organiser("centre-a", "alice@a.example.org").await;
    let event = app.insert_owned(&event(SLUG, 1), organisation).await;
    for email in [
        "karim@ville.example.fr",
        "lea@ville.example.fr",
        "marc@ville.example.fr",
    ] {
        app.register_person(&event, email).await;
    }
    let marc = app.id_of(&alice, "centre-a", "marc@ville.example.fr").await;
    let cancel = app
        .post(
            format!("{}/{marc}/annuler", registrants("centre-a", SLUG)),
            json!({}),
            &alice,
        )
        .await;
    assert_eq!(cancel.status, StatusCode::OK);
    app.register_person(&event, "nora@ville.example.fr").await;
    app.deliver_all().await;
    let messages = format!("{}/messages", event_path("centre-a", SLUG));
    let preview = format!("{messages}/apercu");

    // Every field checked, in French.
    let refused = app
        .post(
            &preview,
            json!({"destinataires": "atelier:inconnu", "objet": "", "message": " "}),
            &alice,
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    let fields = &refused.json()["fields"];
    assert_eq!(
        fields["destinataires"][0],
        "Cet atelier n'existe pas pour cet événement."
    );
    assert_eq!(fields["objet"][0], "Indiquez l'objet du message.");
    assert_eq!(fields["message"][0], "Écrivez le message.");

    // The preview: to the waiting list only (Léa and Nora; Marc cancelled).
    let message = json!({
        "destinataires": "attente",
        "objet": "Changement de salle",
        "message": "Bonjour,\nla salle change : rendez-vous salle B.",
    });
    let shown = app.post(&preview, message.clone(), &alice).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    let shown = shown.json();
    assert_eq!(shown["count"], 2);
    assert_eq!(shown["sent_today"], 0);
    assert_eq!(shown["daily_limit"], 3);
    let body = shown["body"].as_str().unwrap();
    assert!(body.starts_with("Bonjour [prénom],"), "{body}");
    assert!(body.contains("rendez-vous salle B."), "{body}");
    assert!(
        body.contains("[lien personnel de chaque personne]"),
        "{body}"
    );
    assert!(app.queued().await.is_empty(), "a preview sends nothing");

    let sent = app.post(&messages, message.clone(), &alice).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    assert_eq!(sent.json()["count"], 2);
    let queued = app.queued().await;
    let mut recipients: Vec<&str> = queued.iter().map(|q| q.email.recipient.as_str()).collect();
    recipients.sort_unstable();
    assert_eq!(
        recipients,
        ["lea@ville.example.fr", "nora@ville.example.fr"]
    );
    for email in &queued {
        assert!(email.email.subject.starts_with("Changement de salle"));
        assert!(email.email.body_text.contains("rendez-vous salle B."));
        let token = token_of(email);
        let opened = app
            .get_as(format!("/api/registrations/{token}"), &Member::default())
            .await;
        assert_eq!(opened.status, StatusCode::OK, "each email's own link works");
        assert_eq!(opened.json()["status"], "waitlisted");
    }
    assert!(
        queued[0].email.sender_name.is_some(),
        "signed with the organisation's sender name"
    );
    app.deliver_all().await;

    // Two more messages today, to everyone; the fourth is refused.
    let everyone = json!({"destinataires": "tous", "objet": "Rappel", "message": "À bientôt."});
    for _ in 0..2 {
        let sent = app.post(&messages, everyone.clone(), &alice).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
        assert_eq!(sent.json()["count"], 3, "Karim, Léa, Nora");
    }
    app.deliver_all().await;
    let refused = app.post(&messages, everyone.clone(), &alice).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert_eq!(refused.json()["code"], "daily_limit");
    assert!(app.queued().await.is_empty(), "nothing sent past the bound");
    let log = app.get_as(&messages, &alice).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    let log = log.json();
    assert_eq!(log["sent_today"], 3);
    assert_eq!(log["messages"].as_array().unwrap().len(), 3);
    assert_eq!(log["messages"][2]["audience"], "attente");
    assert_eq!(log["messages"][2]["recipients"], 2);
    assert_eq!(log["messages"][0]["who"], "alice@a.example.org");
    // A day later, the bound is free again.
    let back = app
        .dialect
        .sql("UPDATE registrant_messages SET created_at = ? WHERE event_id = ?");
    sqlx::query(&back)
        .bind(parvis_api::store::timestamp(
            Utc::now() - Duration::hours(25),
        ))
        .bind(event.id)
        .execute(app.pool().await)
        .await
        .unwrap();
    let sent = app.post(&messages, everyone, &alice).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);

    let audit = app.audit(&alice, "centre-a", "message").await;
    assert_eq!(audit.len(), 4, "{audit:?}");
    assert!(
        audit[0].contains("Changement de salle")
            && audit[0].contains("la liste d'attente")
            && audit[0].contains("2 e-mails"),
        "{audit:?}"
    );
}

async fn another_organisation_s_event_does_not_exist(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (_, alice) = app.organiser("centre-a", "alice@a.example.org").await;
    let (other, _) = app.organiser("centre-b", "bruno@b.example.org").await;
    let theirs = app.insert_owned(&event("le-leur", 1), other).await;
    app.register_person(&theirs, "olga@ville.example.fr").await;
    app.register_person(&theirs, "paul@ville.example.fr").await;
    let sql = app
        .dialect
        .sql("SELECT id FROM registrations WHERE event_id = ? ORDER BY id DESC");
    let waiting: i64 = sqlx::query_scalar(&sql)
        .bind(theirs.id)
        .fetch_all(app.pool().await)
        .await
        .unwrap()[0];
    app.deliver_all().await;
    for org in ["centre-a", "centre-b"] {
        let base = event_path(org, "le-leur");
        let calls = [
            (
                Method::POST,
                format!("{base}/inscrits/{waiting}/promouvoir"),
                Some(json!({"depasser": true})),
            ),
            (
                Method::POST,
                format!("{base}/inscrits/ajouter"),
                Some(serde_json::to_value(person("quentin@ville.example.fr")).unwrap()),
            ),
            (Method::GET, format!("{base}/courriels-en-echec"), None),
            (
                Method::POST,
                format!("{base}/courriels-en-echec/1/renvoyer"),
                Some(json!({})),
            ),
            (Method::GET, format!("{base}/messages"), None),
            (
                Method::POST,
                format!("{base}/messages"),
                Some(json!({"destinataires": "tous", "objet": "A", "message": "B"})),
            ),
            (
                Method::POST,
                format!("{base}/messages/apercu"),
                Some(json!({"destinataires": "tous", "objet": "A", "message": "B"})),
            ),
        ];
        for (method, path, body) in calls {
            let reply = app.send(method.clone(), &path, body, &alice).await;
            assert_eq!(
                reply.status,
                StatusCode::NOT_FOUND,
                "{method} {path}: {}",
                reply.text
            );
            assert!(
                !reply.text.contains("le-leur") && !reply.text.contains("olga"),
                "{}",
                reply.text
            );
        }
    }
    assert!(app.queued().await.is_empty(), "nothing was sent");
    let sql = app
        .dialect
        .sql("SELECT status FROM registrations WHERE id = ?");
    let status: String = sqlx::query_scalar(&sql)
        .bind(waiting)
        .fetch_one(app.pool().await)
        .await
        .unwrap();
    assert_eq!(status, "waitlisted");
}

async fn simultaneous_messages_never_pass_the_daily_bound(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (organisation, alice) = app.organiser("centre-a", "alice@a.example.org").await;
    let event = app.insert_owned(&event(SLUG, 10), organisation).await;
    app.register_person(&event, "rose@ville.example.fr").await;
    app.deliver_all().await;
    let messages = format!("{}/messages", event_path("centre-a", SLUG));
    let body = json!({"destinataires": "tous", "objet": "Rappel", "message": "À demain."});
    let replies =
        futures_util::future::join_all((0..6).map(|_| app.post(&messages, body.clone(), &alice)))
            .await;
    let mut statuses: Vec<u16> = replies.iter().map(|r| r.status.as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [200, 200, 200, 409, 409, 409],
        "{:?}",
        replies.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
    assert_eq!(app.queued_to("rose@ville.example.fr").await.len(), 3);
}

store_tests!(
    manual_promotion_with_and_without_a_free_seat,
    an_organiser_registers_someone_on_their_behalf,
    dead_letters_are_listed_and_resent,
    writing_to_the_waiting_list_with_a_preview_and_a_daily_bound,
    another_organisation_s_event_does_not_exist,
    simultaneous_messages_never_pass_the_daily_bound,
);
