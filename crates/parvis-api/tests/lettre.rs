//! The newsletter on SQLite and on a throwaway PostgreSQL database each:
//! the sign-up's double opt-in (the emailed link's page confirms only when
//! its button is pressed), the same answer for a subscribed address and no
//! new email, French errors by field, the bounds on sign-ups, an issue
//! previewed then sent through the outbox to confirmed subscribers only,
//! delivered with both List-Unsubscribe headers, the one-click POST and the
//! next issue skipping who left, the subscribers' CSV, a dead letter shown
//! as a bounce, and another organisation's organiser getting nothing.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{Duration, Utc};
use http_body_util::BodyExt;
use parvis_api::outbox::QueuedEmail;
use parvis_api::store::accounts::Role;
use parvis_core::lettre::{SIGNED_UP, consent_sentence};
use serde_json::{Value, json};
use sqlx::Row;
use tower::ServiceExt;

#[macro_use]
mod common;
use common::app::{App, Backend, Browser, PUBLIC_URL, Reply};

impl App {
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

    async fn sign_up(&self, organisation: &str, email: &str) -> Reply {
        self.post(
            "/api/lettre",
            json!({ "organisation": organisation, "email": email, "consent": true }),
            Browser::default(),
        )
        .await
    }

    /// The token of the last confirmation email to `email`.
    async fn confirmation_token(&self, email: &str) -> String {
        let queued = self.queued_to(email).await;
        let body = &queued.last().expect("a confirmation email").email.body_text;
        body.split("/lettre/confirmer/").nth(1).unwrap()[..64].to_owned()
    }

    /// A request with a raw body, as a browser's form or a mail client
    /// sends it.
    async fn form(&self, method: Method, uri: &str, body: &str) -> Reply {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_owned()))
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

    /// Signs `email` up to `organisation`'s newsletter and, with
    /// `confirm`, presses the button of its link's page.
    async fn subscribe(&self, organisation: &str, email: &str, confirm: bool) {
        let reply = self.sign_up(organisation, email).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
        if confirm {
            let token = self.confirmation_token(email).await;
            let reply = self
                .form(Method::POST, &format!("/lettre/confirmer/{token}"), "")
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        }
    }

    async fn subscriber_row(&self, email_key: &str) -> sqlx::any::AnyRow {
        sqlx::query(&self.dialect.sql(
            "SELECT consent_text, consented_at, confirmed_at, unsubscribed_at FROM newsletter_subscribers WHERE email_key = ?",
        ))
        .bind(email_key)
        .fetch_one(self.pool().await)
        .await
        .unwrap()
    }

    /// Delivers the outbox through the app's own transport (`.eml` files)
    /// and returns the raw messages written.
    async fn deliver(&self) -> Vec<String> {
        parvis_api::mail::worker::deliver_due(
            self.state.store.as_ref(),
            self.state.mailer.as_ref(),
        )
        .await
        .unwrap();
        let mut messages = Vec::new();
        for entry in std::fs::read_dir(self.data_dir().join("outbox")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "eml") {
                messages.push(std::fs::read_to_string(path).unwrap());
            }
        }
        messages
    }
}

fn lettre(organisation: &str, rest: &str) -> String {
    format!("/api/gestion/organisations/{organisation}/lettre{rest}")
}

async fn double_opt_in_confirms_only_when_the_button_is_pressed(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    app.organisation("centre-a", &[]).await;
    let first = app.sign_up("centre-a", " Camille@Ville.example.fr ").await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.text);
    assert_eq!(first.json()["message"], SIGNED_UP);

    // The address, the consent shown and its date are stored, unconfirmed.
    let row = app.subscriber_row("camille@ville.example.fr").await;
    assert_eq!(
        row.get::<String, _>("consent_text"),
        consent_sentence("Centre centre-a")
    );
    assert!(!row.get::<String, _>("consented_at").is_empty());
    assert_eq!(row.get::<Option<String>, _>("confirmed_at"), None);

    // The email says the organisation's name and the link, nothing typed.
    let queued = app.queued_to("Camille@ville.example.fr").await;
    assert_eq!(queued.len(), 1);
    let email = &queued[0].email;
    assert!(
        email.subject.contains("Centre centre-a"),
        "{}",
        email.subject
    );
    assert_eq!(email.list_unsubscribe, None);
    let token = app.confirmation_token("Camille@ville.example.fr").await;
    assert!(
        email
            .body_text
            .contains(&format!("{PUBLIC_URL}/lettre/confirmer/{token}")),
        "{}",
        email.body_text
    );
    // The token is stored hashed only.
    let stored: i64 = sqlx::query_scalar(
        &app.dialect
            .sql("SELECT COUNT(*) FROM newsletter_confirmations WHERE token_hash = ?"),
    )
    .bind(parvis_api::token::hash(&token))
    .fetch_one(app.pool().await)
    .await
    .unwrap();
    assert_eq!(stored, 1);

    // Opening the link (a mail scanner does) shows a form, confirms nothing.
    let page = app
        .get_as(format!("/lettre/confirmer/{token}"), Browser::default())
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(
        page.text.contains("Confirmer mon inscription"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains(&format!(
            "<form method=\"post\" action=\"/lettre/confirmer/{token}\">"
        )),
        "{}",
        page.text
    );
    assert!(page.text.contains("C…@ville.example.fr"), "{}", page.text);
    assert_eq!(
        page.header(header::CONTENT_SECURITY_POLICY),
        parvis_api::lettre_pages::CONTENT_SECURITY_POLICY
    );
    let row = app.subscriber_row("camille@ville.example.fr").await;
    assert_eq!(row.get::<Option<String>, _>("confirmed_at"), None);

    // The button's POST confirms.
    let done = app
        .form(Method::POST, &format!("/lettre/confirmer/{token}"), "")
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert!(done.text.contains("Inscription confirmée"), "{}", done.text);
    let row = app.subscriber_row("camille@ville.example.fr").await;
    assert!(row.get::<Option<String>, _>("confirmed_at").is_some());
    // Again: nothing changes, the page says it is confirmed.
    let again = app
        .form(Method::POST, &format!("/lettre/confirmer/{token}"), "")
        .await;
    assert_eq!(again.status, StatusCode::OK);
    let page = app
        .get_as(format!("/lettre/confirmer/{token}"), Browser::default())
        .await;
    assert!(page.text.contains("déjà confirmée"), "{}", page.text);

    // Signing up again: the same answer, no new email.
    let before = app.queued_to("Camille@ville.example.fr").await.len();
    let second = app.sign_up("centre-a", "camille@ville.example.fr").await;
    assert_eq!((second.status, &second.text), (first.status, &first.text));
    assert_eq!(
        app.queued_to("Camille@ville.example.fr").await.len(),
        before
    );
    // And the same answer for an address never seen.
    let other = app.sign_up("centre-a", "dominique@ville.example.fr").await;
    assert_eq!((other.status, &other.text), (first.status, &first.text));

    // Unknown and malformed links: 404 pages.
    for path in [
        format!("/lettre/confirmer/{}", "0".repeat(64)),
        "/lettre/confirmer/abc".to_owned(),
    ] {
        let reply = app.get_as(&path, Browser::default()).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert!(reply.text.contains("Lien introuvable"), "{}", reply.text);
    }
}

async fn bad_input_is_refused_in_french_by_field(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    app.organisation("centre-a", &[]).await;
    let refused = app
        .post(
            "/api/lettre",
            json!({ "organisation": "centre-a", "email": "camille.ville.fr", "consent": false }),
            Browser::default(),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = refused.json();
    assert!(
        body["fields"]["email"][0]
            .as_str()
            .unwrap()
            .contains("L'adresse e-mail n'est pas valide"),
        "{body}"
    );
    assert!(
        body["fields"]["consentement"][0]
            .as_str()
            .unwrap()
            .starts_with("Cochez la case"),
        "{body}"
    );
    let unknown = app
        .post(
            "/api/lettre",
            json!({ "organisation": "nulle-part", "email": "a@ville.example.fr", "consentement": true }),
            Browser::default(),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown.json()["fields"]["organisation"][0]
            .as_str()
            .unwrap()
            .contains("n'existe pas")
    );
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM newsletter_subscribers")
        .fetch_one(app.pool().await)
        .await
        .unwrap();
    assert_eq!(count, 0, "nothing stored");
    assert!(app.queued().await.is_empty());
}

async fn sign_ups_are_bounded_per_address_and_per_client(backend: Backend) {
    let Some(mut app) = App::new(backend).await else {
        return;
    };
    app.organisation("centre-a", &[]).await;
    // An address not confirmed gets three confirmation emails a day, and
    // the same answer afterwards.
    for _ in 0..5 {
        let reply = app.sign_up("centre-a", "cible@ville.example.fr").await;
        assert_eq!(reply.status, StatusCode::ACCEPTED);
        assert_eq!(reply.json()["message"], SIGNED_UP);
    }
    assert_eq!(app.queued_to("cible@ville.example.fr").await.len(), 3);

    // Per client: the registrations' limiter (2 a minute here).
    let hour = StdDuration::from_secs(3600);
    let mut state = app.state.clone();
    state.limits = Arc::new(parvis_api::Limits {
        registrations: parvis_api::rate_limit::Limiter::per_minute(2),
        code_failures_per_client: parvis_api::rate_limit::FailureCounter::new(10, hour),
        code_failures_per_event: parvis_api::rate_limit::FailureCounter::new(100, hour),
    });
    app.router = parvis_api::router(state);
    for n in 0..2 {
        let reply = app
            .sign_up("centre-a", &format!("p{n}@ville.example.fr"))
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    }
    let limited = app.sign_up("centre-a", "p9@ville.example.fr").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        limited.json()["message"]
            .as_str()
            .unwrap()
            .contains("Réessayez")
    );
    assert!(app.queued_to("p9@ville.example.fr").await.is_empty());
}

fn one_click_token(message: &str) -> String {
    let line = message
        .lines()
        .find(|line| line.starts_with("List-Unsubscribe: "))
        .unwrap_or_else(|| panic!("no List-Unsubscribe header:\n{message}"));
    line.split("/api/lettre/desinscription/").nth(1).unwrap()[..64].to_owned()
}

async fn an_issue_reaches_confirmed_subscribers_who_leave_in_one_click(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (_, organiser) = app
        .signed_in("centre-a", "carole@a.example.org", Role::Organisateur)
        .await;
    app.subscribe("centre-a", "anne@ville.example.fr", true)
        .await;
    app.subscribe("centre-a", "bruno@ville.example.fr", true)
        .await;
    app.subscribe("centre-a", "claire@ville.example.fr", false)
        .await;
    // Confirmation emails leave first.
    app.deliver().await;

    let issue = json!({
        "objet": "Lettre de mai",
        "texte": "## Au sommaire\n\nLa journée **CTG** : [le programme](https://crpve.example.org/p)."
    });
    let refused = app
        .post(
            lettre("centre-a", "/apercu"),
            json!({ "objet": "", "texte": "" }),
            &organiser,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.json()["fields"]["objet"][0].is_string());
    assert!(refused.json()["fields"]["texte"][0].is_string());
    let preview: Value = app
        .post(lettre("centre-a", "/apercu"), issue.clone(), &organiser)
        .await
        .read();
    assert_eq!(preview["recipients"], 2);
    assert_eq!(preview["subject"], "Lettre de mai");
    let text = preview["text"].as_str().unwrap();
    assert!(
        text.starts_with(
            "Au sommaire\n-----------\n\nLa journée CTG : le programme (https://crpve.example.org/p).\n\n-- \n"
        ),
        "{text}"
    );
    assert!(text.contains("Se désinscrire en un clic"), "{text}");

    let created = app
        .post(lettre("centre-a", "/numeros"), issue.clone(), &organiser)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json()["id"].as_i64().unwrap();
    let sent: Value = app
        .post(
            lettre("centre-a", &format!("/numeros/{id}/envoyer")),
            json!({}),
            &organiser,
        )
        .await
        .read();
    assert_eq!(sent["count"], 2, "{sent}");
    // Sending twice does not send twice.
    let again: Value = app
        .post(
            lettre("centre-a", &format!("/numeros/{id}/envoyer")),
            json!({}),
            &organiser,
        )
        .await
        .read();
    assert_eq!(again["count"], 2);
    let queued = app.queued().await;
    let mut recipients: Vec<&str> = queued.iter().map(|q| q.email.recipient.as_str()).collect();
    recipients.sort();
    assert_eq!(
        recipients,
        ["anne@ville.example.fr", "bruno@ville.example.fr"],
        "confirmed subscribers only, once each"
    );
    // Each email is the preview with its own unsubscribe link.
    let body = &queued[0].email.body_text;
    let link = body.trim_end().rsplit('\n').next().unwrap();
    assert!(
        link.starts_with(&format!("{PUBLIC_URL}/lettre/desinscription/")),
        "{body}"
    );
    assert_eq!(
        *body,
        text.replace(parvis_api::mail::newsletter::PREVIEW_LINK, link)
    );

    // Delivered with both headers (RFC 2369, RFC 8058), and the link in
    // the body; the outbox forgets the header once sent.
    let messages = app.deliver().await;
    let to_anne = messages
        .iter()
        .find(|m| m.contains("To: anne@ville.example.fr") && m.contains("Lettre de mai"))
        .expect("anne's issue delivered");
    assert!(
        to_anne.contains(&format!(
            "List-Unsubscribe: <{PUBLIC_URL}/api/lettre/desinscription/"
        )),
        "{to_anne}"
    );
    assert!(
        to_anne.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{to_anne}"
    );
    let token = one_click_token(to_anne);
    assert!(
        to_anne.contains(&format!("/lettre/desinscription/{token}")),
        "{to_anne}"
    );
    let left: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE list_unsubscribe IS NOT NULL")
            .fetch_one(app.pool().await)
            .await
            .unwrap();
    assert_eq!(left, 0, "the header's link is forgotten once delivered");

    // Opening the link shows a button and unsubscribes nobody.
    let page = app
        .get_as(
            format!("/lettre/desinscription/{token}"),
            Browser::default(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Me désinscrire"), "{}", page.text);
    let page = app
        .get_as(
            format!("/api/lettre/desinscription/{token}"),
            Browser::default(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Me désinscrire"), "{}", page.text);
    let row = app.subscriber_row("anne@ville.example.fr").await;
    assert_eq!(row.get::<Option<String>, _>("unsubscribed_at"), None);

    // The mail client's one-click POST unsubscribes, and again is harmless.
    for _ in 0..2 {
        let done = app
            .form(
                Method::POST,
                &format!("/api/lettre/desinscription/{token}"),
                "List-Unsubscribe=One-Click",
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        assert!(done.text.contains("désinscrit·e"), "{}", done.text);
    }
    let row = app.subscriber_row("anne@ville.example.fr").await;
    assert!(row.get::<Option<String>, _>("unsubscribed_at").is_some());
    let unknown = app
        .form(
            Method::POST,
            &format!("/api/lettre/desinscription/{}", "f".repeat(64)),
            "List-Unsubscribe=One-Click",
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // The next issue skips her.
    let next = app
        .post(
            lettre("centre-a", "/numeros"),
            json!({ "objet": "Lettre de juin", "texte": "Bonjour" }),
            &organiser,
        )
        .await
        .json();
    let sent: Value = app
        .post(
            lettre("centre-a", &format!("/numeros/{}/envoyer", next["id"])),
            json!({}),
            &organiser,
        )
        .await
        .read();
    assert_eq!(sent["count"], 1);
    let queued = app.queued().await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].email.recipient, "bruno@ville.example.fr");

    let overview: Value = app.get_as(lettre("centre-a", ""), &organiser).await.read();
    assert_eq!(overview["subscribers"]["confirmed"], 1);
    assert_eq!(overview["subscribers"]["pending"], 1);
    assert_eq!(overview["subscribers"]["unsubscribed"], 1);
    assert_eq!(overview["issues"][0]["subject"], "Lettre de juin");
    assert_eq!(overview["issues"][0]["recipients"], 1);
    assert_eq!(overview["issues"][1]["recipients"], 2);
    assert!(overview["issues"][1]["sent_at"].is_string());

    // Re-signing up after leaving asks for a confirmation again.
    app.sign_up("centre-a", "anne@ville.example.fr").await;
    assert_eq!(app.queued_to("anne@ville.example.fr").await.len(), 1);

    // Sign-ups never confirmed are forgotten once their links have expired;
    // confirmed and unsubscribed addresses stay.
    let later = chrono::Utc::now()
        + chrono::Duration::days(parvis_api::store::lettre::CONFIRMATION_DAYS + 1);
    app.state.store.purge_expired(later).await.unwrap();
    let overview: Value = app.get_as(lettre("centre-a", ""), &organiser).await.read();
    assert_eq!(overview["subscribers"]["pending"], 0);
    assert_eq!(overview["subscribers"]["confirmed"], 1);
    assert_eq!(overview["subscribers"]["unsubscribed"], 1);

    let organisation = app
        .state
        .store
        .organisation("centre-a")
        .await
        .unwrap()
        .unwrap();
    let log = app
        .state
        .store
        .audit_log(organisation.id, 50)
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|l| l.action.as_str()).collect();
    assert!(actions.contains(&"lettre"), "{actions:?}");
    assert!(actions.contains(&"lettre_envoi"), "{actions:?}");
}

async fn subscribers_export_and_bounces(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (organisation, organiser) = app
        .signed_in("centre-a", "carole@a.example.org", Role::Organisateur)
        .await;
    app.subscribe("centre-a", "=1+1@ville.example.fr", true)
        .await;
    app.subscribe("centre-a", "bruno@ville.example.fr", false)
        .await;
    let csv = app
        .get_as(
            lettre("centre-a", "/abonnes.csv?dialecte=standard"),
            &organiser,
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text);
    assert!(
        csv.header(header::CONTENT_DISPOSITION)
            .starts_with("attachment")
    );
    let mut reader = csv::Reader::from_reader(csv.body.as_ref());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "Adresse e-mail",
            "Statut",
            "Consentement",
            "Consentement donné le",
            "Adresse confirmée le",
            "Désinscrit·e le"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][0], "'=1+1@ville.example.fr", "formula neutralised");
    assert_eq!(&rows[0][1], "Inscrit·e");
    assert_eq!(&rows[0][2], consent_sentence("Centre centre-a"));
    assert!(
        rows[0][3].ends_with('Z') && rows[0][4].ends_with('Z'),
        "{:?}",
        rows[0]
    );
    assert_eq!(&rows[1][1], "En attente de confirmation");
    assert_eq!(&rows[1][4], "");
    let excel = app
        .get_as(lettre("centre-a", "/abonnes.csv"), &organiser)
        .await;
    assert!(
        excel
            .body
            .starts_with("\u{feff}Adresse e-mail;Statut;".as_bytes())
    );

    // An issue's email given up on is a bounce, with its address and reason.
    let id = app
        .post(
            lettre("centre-a", "/numeros"),
            json!({ "objet": "Lettre de mai", "texte": "Bonjour" }),
            &organiser,
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    app.post(
        lettre("centre-a", &format!("/numeros/{id}/envoyer")),
        json!({}),
        &organiser,
    )
    .await
    .read::<Value>();
    let issue_email = app
        .queued()
        .await
        .into_iter()
        .find(|q| q.email.subject == "Lettre de mai")
        .unwrap();
    app.state
        .store
        .mark_failed(
            issue_email.id,
            "550 5.1.1 mailbox unavailable",
            None,
            Utc::now(),
        )
        .await
        .unwrap();
    let bounces: Value = app
        .get_as(lettre("centre-a", "/retours"), &organiser)
        .await
        .read();
    assert_eq!(bounces.as_array().unwrap().len(), 1, "{bounces}");
    assert_eq!(bounces[0]["recipient"], "=1+1@ville.example.fr");
    assert_eq!(bounces[0]["reason"], "550 5.1.1 mailbox unavailable");
    assert_eq!(bounces[0]["subject"], "Lettre de mai");
    let overview: Value = app.get_as(lettre("centre-a", ""), &organiser).await.read();
    assert_eq!(overview["issues"][0]["bounces"], 1);
    let log = app.state.store.audit_log(organisation, 50).await.unwrap();
    assert!(log.iter().any(|l| l.action == "export"));
}

async fn another_organisation_gets_nothing(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (_, carole) = app
        .signed_in("centre-a", "carole@a.example.org", Role::Organisateur)
        .await;
    let (_, bruno) = app
        .signed_in("centre-b", "bruno@b.example.org", Role::Organisateur)
        .await;
    app.subscribe("centre-a", "anne@ville.example.fr", true)
        .await;
    let id = app
        .post(
            lettre("centre-a", "/numeros"),
            json!({ "objet": "Lettre", "texte": "Bonjour" }),
            &carole,
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    for path in ["", "/retours", "/abonnes.csv"] {
        let reply = app.get_as(lettre("centre-a", path), &bruno).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
    let reply = app
        .post(
            lettre("centre-a", &format!("/numeros/{id}/envoyer")),
            json!({}),
            &bruno,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    // Through their own organisation's path, centre-a's issue is unknown.
    let reply = app
        .post(
            lettre("centre-b", &format!("/numeros/{id}/envoyer")),
            json!({}),
            &bruno,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(
        app.queued_to("anne@ville.example.fr").await.len() == 1,
        "only her confirmation"
    );
    let csv = app
        .get_as(lettre("centre-b", "/abonnes.csv?dialecte=standard"), &bruno)
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(!csv.text.contains("anne"), "{}", csv.text);
    let overview: Value = app.get_as(lettre("centre-b", ""), &bruno).await.read();
    assert_eq!(overview["subscribers"]["confirmed"], 0);
    assert!(overview["issues"].as_array().unwrap().is_empty());
}

store_tests!(
    double_opt_in_confirms_only_when_the_button_is_pressed,
    bad_input_is_refused_in_french_by_field,
    sign_ups_are_bounded_per_address_and_per_client,
    an_issue_reaches_confirmed_subscribers_who_leave_in_one_click,
    subscribers_export_and_bounces,
    another_organisation_gets_nothing,
);
