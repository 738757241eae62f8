//! Participant feedback on SQLite and on a throwaway PostgreSQL database
//! each: a questionnaire created from a template or posted (French errors
//! keyed), sent to those marked present when attendance was taken and to
//! every confirmed registrant otherwise, answers saved as one goes then
//! submitted (required questions enforced on submission only, hidden
//! answers dropped), named results with breakdowns, anonymous responses
//! stored without any registration id and results without personal data,
//! the one reminder to those who have not answered, edits refused when
//! they take away answered questions or change the anonymity promised,
//! read-only once closed, 404 for another organisation and unknown links.

use axum::http::{Method, StatusCode};
use parvis_api::store::accounts::Role;
use parvis_core::feedback::templates;
use serde_json::{Value, json};
use sqlx::Row;

#[macro_use]
mod common;
use common::app::{App, Backend, Browser, PUBLIC_URL};

const SLUG: &str = "webinaire-avis";

fn avis(org: &str) -> String {
    format!("/api/gestion/organisations/{org}/evenements/{SLUG}/avis")
}

/// An organisation `centre-a` (Alice) with a webinar and three confirmed
/// registrants, and `centre-b` (Bruno); their browsers.
async fn setup(app: &App) -> (Browser, Browser) {
    app.organisation("centre-a", &[("alice@a.example.org", Role::Administrateur)])
        .await;
    app.organisation("centre-b", &[("bruno@b.example.org", Role::Administrateur)])
        .await;
    let store = &app.state.store;
    let day = chrono::Utc::now().date_naive() + chrono::Days::new(30);
    store
        .insert_event(&parvis_api::seed::webinar(SLUG, day, None))
        .await
        .unwrap();
    let centre_a = store.organisation("centre-a").await.unwrap().unwrap();
    store.assign_events(centre_a.id, &[SLUG]).await.unwrap();
    for email in [
        "ana@ville.example.fr",
        "ben@ville.example.fr",
        "chloe@ville.example.fr",
    ] {
        let reply = app.register(SLUG, email).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }
    let alice = app.sign_in("alice@a.example.org").await;
    let bruno = app.sign_in("bruno@b.example.org").await;
    (alice, bruno)
}

/// The feedback tokens emailed to `email`, oldest first.
async fn feedback_tokens(app: &App, email: &str) -> Vec<String> {
    let prefix = format!("{PUBLIC_URL}/avis/");
    app.state
        .store
        // Emails the job runner queued at a later instant (`jobs::run_at`)
        // are due then.
        .claim_due_emails(
            chrono::Utc::now() + chrono::Duration::days(400),
            chrono::Duration::zero(),
            10_000,
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|q| q.email.recipient == email && q.email.body_text.contains(&prefix))
        .map(|q| {
            let token = q.email.body_text.split(&prefix).nth(1).unwrap()[..64].to_owned();
            assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
            token
        })
        .collect()
}

async fn ok(app: &App, method: Method, uri: &str, body: Option<Value>, who: &Browser) -> Value {
    let reply = app.send(method.clone(), uri, body, who).await;
    assert!(
        reply.status.is_success(),
        "{method} {uri}: {} {}",
        reply.status,
        reply.text
    );
    reply.json()
}

/// Sends a request that must be refused as invalid (422), and returns the
/// error's body (`code`, `message`, `fields`).
async fn refused(
    app: &App,
    method: Method,
    uri: impl AsRef<str>,
    body: Option<Value>,
    who: &Browser,
) -> Value {
    let uri = uri.as_ref();
    let reply = app.send(method.clone(), uri, body, who).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{method} {uri}: {}",
        reply.text
    );
    reply.json()
}

fn full_answers() -> Value {
    json!({
        "satisfaction": 5, "objectifs": 4, "intervenants": 5, "utilite": 4,
        "recommandation": 9, "approfondir": true,
        "approfondir-comment": {"choices": ["Une formation"], "other": "Un café"}
    })
}

async fn named_feedback_from_template_to_results(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (alice, bruno) = setup(&app).await;
    let list = avis("centre-a");

    // Creation: French errors keyed, then a template, once per kind.
    let reply = refused(
        &app,
        Method::POST,
        &list,
        Some(json!({"modele": "tombola"})),
        &alice,
    )
    .await;
    assert!(
        reply["fields"]["modele"][0]
            .as_str()
            .unwrap()
            .contains("modèle")
    );
    let reply = refused(
        &app,
        Method::POST,
        &list,
        Some(json!({"questionnaire": {"kind": "hot", "title": " ", "questions": []}})),
        &alice,
    )
    .await;
    let fields = reply["fields"].clone();
    assert!(fields.get("questionnaire.title").is_some(), "{fields}");
    let created = app
        .send(
            Method::POST,
            &list,
            Some(json!({"modele": "webinaire"})),
            &alice,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let created = created.json();
    assert_eq!(created["status"], "draft");
    assert_eq!(created["questionnaire"]["kind"], "hot");
    assert_eq!(created["invited"], 0);
    let again = app
        .send(
            Method::POST,
            &list,
            Some(json!({"modele": "journee"})),
            &alice,
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    let lines = ok(&app, Method::GET, &list, None, &alice).await;
    assert_eq!(lines.as_array().unwrap().len(), 1);
    assert_eq!(lines[0]["avis"], "a-chaud");

    // Another organisation: 404, through its own address or ours.
    let one = format!("{list}/a-chaud");
    for uri in [one.clone(), format!("{}/a-chaud", avis("centre-b"))] {
        let reply = app.send(Method::GET, &uri, None, &bruno).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}: {}", reply.text);
    }
    let reply = app
        .send(
            Method::POST,
            format!("{}/a-chaud/envoyer", avis("centre-b")),
            Some(json!({})),
            &bruno,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // Attendance taken: only Ana, marked present, is asked.
    let roll_uri = format!("/api/gestion/organisations/centre-a/evenements/{SLUG}/presence/0");
    let roll = ok(&app, Method::GET, &roll_uri, None, &alice).await;
    let ana_id = roll["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|line| line["email"] == "ana@ville.example.fr")
        .unwrap()["registration"]
        .clone();
    ok(
        &app,
        Method::PUT,
        &roll_uri,
        Some(json!({"registration": ana_id, "present": true})),
        &alice,
    )
    .await;
    let sent = ok(
        &app,
        Method::POST,
        &format!("{one}/envoyer"),
        Some(json!({})),
        &alice,
    )
    .await;
    assert_eq!(sent["sent"], 1, "{sent}");
    assert_eq!(sent["attendees_only"], true);
    let tokens = feedback_tokens(&app, "ana@ville.example.fr").await;
    assert_eq!(tokens.len(), 1);
    assert!(
        feedback_tokens(&app, "ben@ville.example.fr")
            .await
            .is_empty()
    );
    // Sending again asks nobody twice.
    let sent = ok(
        &app,
        Method::POST,
        &format!("{one}/envoyer"),
        Some(json!({})),
        &alice,
    )
    .await;
    assert_eq!(sent["sent"], 0);
    let token = &tokens[0];
    let form_uri = format!("/api/avis/{token}");
    let nobody = Browser::default();

    // The form: editable, named, the conditional question hidden.
    let form = ok(&app, Method::GET, &form_uri, None, &nobody).await;
    assert_eq!(form["editable"], true);
    assert_eq!(form["submitted"], false);
    assert_eq!(form["event_slug"], SLUG);
    assert!(
        form["anonymity_notice"]
            .as_str()
            .unwrap()
            .contains("n'est pas anonyme")
    );
    let visible: Vec<&str> = form["visible"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(visible.contains(&"satisfaction"));
    assert!(!visible.contains(&"approfondir-comment"));

    // A partial save: required questions may wait, hidden answers dropped.
    let saved = ok(
        &app,
        Method::PUT,
        &form_uri,
        Some(json!({"answers": {"satisfaction": 4, "approfondir": false,
                                "approfondir-comment": ["Une formation"]}, "submit": false})),
        &nobody,
    )
    .await;
    assert_eq!(saved["submitted"], false);
    assert_eq!(saved["answers"]["satisfaction"], 4);
    assert!(
        saved["answers"].get("approfondir-comment").is_none(),
        "{saved}"
    );
    let form = ok(&app, Method::GET, &form_uri, None, &nobody).await;
    assert_eq!(form["answers"]["approfondir"], false);

    // Submission enforces required questions, in French, keyed.
    let reply = refused(
        &app,
        Method::PUT,
        &form_uri,
        Some(json!({"answers": {"satisfaction": 4}, "submit": true})),
        &nobody,
    )
    .await;
    let message = reply["fields"]["answers.objectifs"][0].clone();
    assert!(
        message.as_str().unwrap().contains("demande une réponse"),
        "{message}"
    );
    let reply = refused(
        &app,
        Method::PUT,
        &form_uri,
        Some(json!({"answers": {"satisfaction": 9}, "submit": false})),
        &nobody,
    )
    .await;
    assert!(reply["fields"].get("answers.satisfaction").is_some());
    let submitted = ok(
        &app,
        Method::PUT,
        &form_uri,
        Some(json!({"answers": full_answers(), "submit": true})),
        &nobody,
    )
    .await;
    assert_eq!(submitted["submitted"], true);
    assert_eq!(
        submitted["answers"]["approfondir-comment"],
        json!({"choices": ["Une formation"], "other": "Un café"})
    );

    // A submitted response stays submitted and complete: a later draft
    // leaving a required question blank is refused, naming it, and the
    // submission stands; a complete draft is saved, still submitted.
    let reply = refused(
        &app,
        Method::PUT,
        &form_uri,
        Some(json!({"answers": {"satisfaction": 3}, "submit": false})),
        &nobody,
    )
    .await;
    assert!(reply["fields"].get("answers.objectifs").is_some());
    let form = ok(&app, Method::GET, &form_uri, None, &nobody).await;
    assert_eq!(form["submitted"], true);
    assert_eq!(form["answers"]["satisfaction"], 5);
    let again = ok(
        &app,
        Method::PUT,
        &form_uri,
        Some(json!({"answers": full_answers(), "submit": false})),
        &nobody,
    )
    .await;
    assert_eq!(again["submitted"], true, "{again}");

    // Named mode keeps the registration and its fields for breakdowns.
    let pool = app.pool().await;
    let row =
        sqlx::query("SELECT registration_id, structure_type, submitted FROM feedback_responses")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(
        Some(row.try_get::<i64, _>("registration_id").unwrap()),
        ana_id.as_i64()
    );
    assert_eq!(
        row.try_get::<String, _>("structure_type").unwrap(),
        "collectivite"
    );
    assert_eq!(row.try_get::<i64, _>("submitted").unwrap(), 1);

    let results = ok(&app, Method::GET, &format!("{one}/resultats"), None, &alice).await;
    assert_eq!(results["submitted"], 1);
    assert_eq!(results["response_rate"], 100);
    assert_eq!(results["anonymous"], false);
    assert_eq!(
        results["breakdowns"]["structure_type"][0]["name"], "collectivite",
        "{results}"
    );
    assert_eq!(results["not_answered"], json!([]));
    let satisfaction = results["summary"]["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == "satisfaction")
        .unwrap()
        .clone();
    assert_eq!(satisfaction["answered"], 1);

    // Nobody left to remind.
    let reminded = ok(
        &app,
        Method::POST,
        &format!("{one}/relancer"),
        Some(json!({})),
        &alice,
    )
    .await;
    assert_eq!(reminded["sent"], 0);

    // Closed: read-only, in French.
    let closed = ok(
        &app,
        Method::POST,
        &format!("{one}/fermer"),
        Some(json!({})),
        &alice,
    )
    .await;
    assert_eq!(closed["status"], "closed");
    let form = ok(&app, Method::GET, &form_uri, None, &nobody).await;
    assert_eq!(form["editable"], false);
    assert_eq!(form["answers"]["satisfaction"], 5);
    let reply = app
        .send(
            Method::PUT,
            &form_uri,
            Some(json!({"answers": full_answers(), "submit": true})),
            &nobody,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text);
    assert!(reply.json()["message"].as_str().unwrap().contains("clos"));
    let reply = app
        .send(
            Method::POST,
            &format!("{one}/envoyer"),
            Some(json!({})),
            &alice,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);

    // Audit lines.
    let store = &app.state.store;
    let centre_a = store.organisation("centre-a").await.unwrap().unwrap();
    let log = store.audit_log(centre_a.id, 100).await.unwrap();
    for action in ["avis", "avis_envoi", "avis_relance"] {
        assert!(
            log.iter().any(|line| line.action == action),
            "{action}: {log:?}"
        );
    }
}

async fn anonymous_feedback_to_confirmed_registrants_with_one_reminder(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (alice, _) = setup(&app).await;
    let list = avis("centre-a");
    let one = format!("{list}/a-chaud");
    let mut questionnaire = serde_json::to_value(templates::webinar()).unwrap();
    questionnaire["anonymous"] = json!(true);
    let reply = app
        .send(
            Method::POST,
            &list,
            Some(json!({"questionnaire": questionnaire.clone()})),
            &alice,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);

    // No attendance taken: every confirmed registrant is asked.
    let sent = ok(
        &app,
        Method::POST,
        &format!("{one}/envoyer"),
        Some(json!({})),
        &alice,
    )
    .await;
    assert_eq!(sent["sent"], 3, "{sent}");
    assert_eq!(sent["attendees_only"], false);
    let ana = feedback_tokens(&app, "ana@ville.example.fr").await;
    let ben = feedback_tokens(&app, "ben@ville.example.fr").await;
    assert_eq!((ana.len(), ben.len()), (1, 1));
    let nobody = Browser::default();
    let form = ok(
        &app,
        Method::GET,
        &format!("/api/avis/{}", ana[0]),
        None,
        &nobody,
    )
    .await;
    assert!(
        form["anonymity_notice"]
            .as_str()
            .unwrap()
            .starts_with("Ce questionnaire est anonyme")
    );
    ok(
        &app,
        Method::PUT,
        &format!("/api/avis/{}", ana[0]),
        Some(json!({"answers": full_answers(), "submit": true})),
        &nobody,
    )
    .await;
    // Ben saves part of his answers.
    ok(
        &app,
        Method::PUT,
        &format!("/api/avis/{}", ben[0]),
        Some(json!({"answers": {"satisfaction": 2}, "submit": false})),
        &nobody,
    )
    .await;

    // Nothing stored leads from a person to their answer.
    let pool = app.pool().await;
    let rows = sqlx::query(
        "SELECT registration_id, structure_type, territory, workshop, updated_at, response_key
         FROM feedback_responses",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    let hashes: Vec<String> = sqlx::query("SELECT token_hash FROM feedback_invitations")
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get("token_hash").unwrap())
        .collect();
    for row in &rows {
        assert!(
            row.try_get::<Option<i64>, _>("registration_id")
                .unwrap()
                .is_none()
        );
        for column in ["structure_type", "territory", "workshop"] {
            assert!(
                row.try_get::<Option<String>, _>(column).unwrap().is_none(),
                "{column}"
            );
        }
        let updated: String = row.try_get("updated_at").unwrap();
        assert!(updated.ends_with("T00:00:00.000000Z"), "{updated}");
        let key: String = row.try_get("response_key").unwrap();
        assert!(!hashes.contains(&key));
        assert!(!key.contains("inscription"));
    }

    // Results: figures, no breakdown, nobody named.
    let results = app
        .send(Method::GET, format!("{one}/resultats"), None, &alice)
        .await;
    assert_eq!(results.status, StatusCode::OK, "{}", results.text);
    assert!(
        !results.text.contains("@ville.example.fr"),
        "{}",
        results.text
    );
    assert!(!results.text.contains("Camille"), "{}", results.text);
    let results = results.json();
    assert_eq!(results["anonymous"], true);
    assert!(results.get("breakdowns").is_none());
    assert_eq!(results["submitted"], 1);
    assert_eq!(results["in_progress"], 1);
    assert_eq!(results["response_rate"], 33);
    assert_eq!(results["not_answered"], json!([]));

    // One reminder, to those who have not submitted, never twice.
    let reminded = ok(
        &app,
        Method::POST,
        &format!("{one}/relancer"),
        Some(json!({})),
        &alice,
    )
    .await;
    assert_eq!(reminded["sent"], 2, "{reminded}");
    assert_eq!(feedback_tokens(&app, "ana@ville.example.fr").await.len(), 1);
    let ben = feedback_tokens(&app, "ben@ville.example.fr").await;
    assert_eq!(ben.len(), 2);
    let reminded = ok(
        &app,
        Method::POST,
        &format!("{one}/relancer"),
        Some(json!({})),
        &alice,
    )
    .await;
    assert_eq!(reminded["sent"], 0);
    // Ben's first link still finds his saved answers; the reminder's opens
    // a fresh form (anonymous: the two cannot be joined), and once he
    // submits through one, the other refuses.
    let first = ok(
        &app,
        Method::GET,
        &format!("/api/avis/{}", ben[0]),
        None,
        &nobody,
    )
    .await;
    assert_eq!(first["answers"]["satisfaction"], 2);
    ok(
        &app,
        Method::PUT,
        &format!("/api/avis/{}", ben[1]),
        Some(json!({"answers": full_answers(), "submit": true})),
        &nobody,
    )
    .await;
    let reply = app
        .send(
            Method::PUT,
            format!("/api/avis/{}", ben[0]),
            Some(json!({"answers": full_answers(), "submit": true})),
            &nobody,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text);

    // Edits: the anonymity promised and answered questions stay.
    let mut named = questionnaire.clone();
    named["anonymous"] = json!(false);
    let reply = refused(&app, Method::PUT, &one, Some(named), &alice).await;
    assert!(reply["fields"].get("anonymous").is_some());
    let mut fewer = questionnaire.clone();
    fewer["questions"].as_array_mut().unwrap().remove(0);
    let reply = refused(&app, Method::PUT, &one, Some(fewer), &alice).await;
    assert!(
        reply["fields"]["questions"][0]
            .as_str()
            .unwrap()
            .contains("déjà des réponses")
    );
    let mut reworded = questionnaire.clone();
    reworded["questions"][0]["label"] = json!("Êtes-vous satisfait·e du webinaire ?");
    reworded["closes"] = json!("2020-01-01T00:00:00+01:00");
    let edited = ok(&app, Method::PUT, &one, Some(reworded), &alice).await;
    assert_eq!(
        edited["questionnaire"]["questions"][0]["label"],
        "Êtes-vous satisfait·e du webinaire ?"
    );
    // Long past its closing (and the retention period): the link expired.
    let form = app
        .send(Method::GET, format!("/api/avis/{}", ana[0]), None, &nobody)
        .await;
    assert_eq!(
        form.status,
        StatusCode::NOT_FOUND,
        "a 2020 closing is long expired"
    );
}

async fn a_questionnaire_past_its_closing_is_read_only(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (alice, _) = setup(&app).await;
    let list = avis("centre-a");
    let one = format!("{list}/a-chaud");
    ok(
        &app,
        Method::POST,
        &list,
        Some(json!({"modele": "webinaire"})),
        &alice,
    )
    .await;
    ok(
        &app,
        Method::POST,
        &format!("{one}/envoyer"),
        Some(json!({})),
        &alice,
    )
    .await;
    let token = feedback_tokens(&app, "chloe@ville.example.fr")
        .await
        .remove(0);
    let mut questionnaire = serde_json::to_value(templates::webinar()).unwrap();
    let yesterday = chrono::Utc::now() - chrono::Duration::days(1);
    questionnaire["closes"] = json!(yesterday.to_rfc3339());
    ok(&app, Method::PUT, &one, Some(questionnaire), &alice).await;
    let nobody = Browser::default();
    let form = ok(
        &app,
        Method::GET,
        &format!("/api/avis/{token}"),
        None,
        &nobody,
    )
    .await;
    assert_eq!(form["editable"], false);
    let reply = app
        .send(
            Method::PUT,
            format!("/api/avis/{token}"),
            Some(json!({"answers": {"satisfaction": 3}, "submit": false})),
            &nobody,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text);
    assert_eq!(reply.json()["code"], "feedback_closed");

    // An event nobody registered to can still be deleted with its draft
    // questionnaire.
    let store = &app.state.store;
    let day = chrono::Utc::now().date_naive() + chrono::Days::new(40);
    store
        .insert_event(&parvis_api::seed::webinar("sans-inscrit", day, None))
        .await
        .unwrap();
    let centre_a = store.organisation("centre-a").await.unwrap().unwrap();
    store
        .assign_events(centre_a.id, &["sans-inscrit"])
        .await
        .unwrap();
    let event = "/api/gestion/organisations/centre-a/evenements/sans-inscrit";
    // The cycle template rates each day of the event; the cold one is due
    // its delay after the end.
    let cycle = ok(
        &app,
        Method::POST,
        &format!("{event}/avis"),
        Some(json!({"modele": "cycle"})),
        &alice,
    )
    .await;
    let rows = cycle["questionnaire"]["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["kind"]["type"] == "matrix")
        .unwrap()["kind"]["rows"]
        .clone();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert!(rows[0].as_str().unwrap().starts_with("J1 – "), "{rows}");
    let cold = ok(
        &app,
        Method::POST,
        &format!("{event}/avis"),
        Some(json!({"modele": "a-froid"})),
        &alice,
    )
    .await;
    assert_eq!(cold["avis"], "a-froid");
    assert!(cold["send_at"].is_string(), "{cold}");
    let lines = ok(&app, Method::GET, &format!("{event}/avis"), None, &alice).await;
    assert_eq!(lines.as_array().unwrap().len(), 2);
    ok(&app, Method::DELETE, event, None, &alice).await;
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM feedback_questionnaires")
        .fetch_one(app.pool().await)
        .await
        .unwrap();
    assert_eq!(left, 1, "only the webinar's questionnaire is left");

    // Unknown and malformed links: 404, in French.
    for uri in [
        format!("/api/avis/{}", "0".repeat(64)),
        "/api/avis/abc".to_owned(),
    ] {
        let reply = app.send(Method::GET, &uri, None, &nobody).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(
            reply.json()["message"]
                .as_str()
                .unwrap()
                .contains("lien de questionnaire")
        );
    }
}

/// The end of the webinar's last session.
async fn event_end(app: &App) -> chrono::DateTime<chrono::Utc> {
    let event = app.state.store.event_by_slug(SLUG).await.unwrap().unwrap();
    event.public.sessions.last().unwrap().ends_at.to_utc()
}

async fn automatic_questionnaires_go_out_after_the_event_and_remind_once(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (alice, _) = setup(&app).await;
    let list = avis("centre-a");
    let hot = ok(
        &app,
        Method::POST,
        &list,
        Some(json!({"modele": "webinaire"})),
        &alice,
    )
    .await;
    assert_eq!(hot["questionnaire"]["automatic"], true, "{hot}");
    assert_eq!(hot["questionnaire"]["send_delay_hours"], 2);
    let end = event_end(&app).await;
    let due = end + chrono::Duration::hours(2);
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(hot["send_at"].as_str().unwrap()).unwrap(),
        due,
        "{hot}"
    );
    // The cold one is made manual: it never goes by itself.
    let mut cold = ok(
        &app,
        Method::POST,
        &list,
        Some(json!({"modele": "a-froid"})),
        &alice,
    )
    .await;
    cold["questionnaire"]["automatic"] = json!(false);
    let cold = ok(
        &app,
        Method::PUT,
        &format!("{list}/a-froid"),
        Some(cold["questionnaire"].clone()),
        &alice,
    )
    .await;
    assert!(cold.get("send_at").is_none(), "{cold}");

    let run = |at| parvis_api::jobs::run_at(&app.state, at);
    let report = run(due - chrono::Duration::minutes(1)).await.unwrap();
    assert_eq!(report.feedback.invited, 0);
    assert!(
        feedback_tokens(&app, "ana@ville.example.fr")
            .await
            .is_empty()
    );
    let report = run(due + chrono::Duration::minutes(1)).await.unwrap();
    assert_eq!(report.feedback.invited, 3);
    let tokens = feedback_tokens(&app, "ana@ville.example.fr").await;
    assert_eq!(tokens.len(), 1);
    // Once: later runs, and a second runner, ask nobody again.
    let (again, twin) = tokio::join!(
        run(due + chrono::Duration::minutes(2)),
        run(due + chrono::Duration::minutes(2))
    );
    assert_eq!(
        again.unwrap().feedback.invited + twin.unwrap().feedback.invited,
        0
    );
    let view = ok(&app, Method::GET, &format!("{list}/a-chaud"), None, &alice).await;
    assert_eq!(view["status"], "open", "{view}");
    assert_eq!(view["invited"], 3);
    assert!(view.get("send_at").is_none(), "{view}");
    assert!(view["sent_at"].is_string(), "{view}");

    let reply = app
        .send(
            Method::PUT,
            &format!("/api/avis/{}", tokens[0]),
            Some(json!({"answers": full_answers(), "submit": true})),
            Browser::default(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    // The reminder: 7 days later, to the two who have not answered, once.
    let sent = due + chrono::Duration::minutes(1);
    let report = run(sent + chrono::Duration::days(7) - chrono::Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(report.feedback.reminded, 0);
    let report = run(sent + chrono::Duration::days(7) + chrono::Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(report.feedback.reminded, 2);
    // (Every email queued so far: the invitation, then the reminder.)
    assert_eq!(feedback_tokens(&app, "ben@ville.example.fr").await.len(), 2);
    assert_eq!(feedback_tokens(&app, "ana@ville.example.fr").await.len(), 1);
    let report = run(sent + chrono::Duration::days(8)).await.unwrap();
    assert_eq!(report.feedback.reminded, 0);

    // The manual cold questionnaire is still a draft 61 days on.
    let report = run(end + chrono::Duration::days(61)).await.unwrap();
    assert_eq!(report.feedback.invited, 0);
    let cold = ok(&app, Method::GET, &format!("{list}/a-froid"), None, &alice).await;
    assert_eq!(cold["status"], "draft", "{cold}");
}

/// A request to a feedback link from a browser with its own key.
async fn from_browser(
    app: &App,
    method: Method,
    token: &str,
    body: Option<Value>,
    key: Option<&str>,
) -> common::app::Reply {
    let mut request = axum::http::Request::builder()
        .method(method)
        .uri(format!("/api/avis/{token}"));
    if let Some(key) = key {
        request = request.header(parvis_core::feedback::api::BROWSER_HEADER, key);
    }
    let request = match body {
        Some(body) => request
            .header(axum::http::header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from(body.to_string())),
        None => request.body(axum::body::Body::empty()),
    }
    .unwrap();
    let response = tower::ServiceExt::oneshot(app.router.clone(), request)
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    common::app::Reply {
        status,
        headers,
        text: String::from_utf8_lossy(&body).into_owned(),
        body,
    }
}

async fn the_public_link_takes_one_answer_per_browser_linked_to_nobody(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (alice, bruno) = setup(&app).await;
    let list = avis("centre-a");
    ok(
        &app,
        Method::POST,
        &list,
        Some(json!({"modele": "webinaire"})),
        &alice,
    )
    .await;
    let link_route = format!("{list}/a-chaud/lien-public");
    // Not for another organisation.
    let reply = app
        .send(
            Method::POST,
            avis("centre-b") + "/a-chaud/lien-public",
            None,
            &bruno,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
    let view = ok(&app, Method::POST, &link_route, None, &alice).await;
    assert_eq!(view["status"], "open", "{view}");
    let link = view["public_link"].as_str().unwrap().to_owned();
    let token = link
        .strip_prefix(&format!("{PUBLIC_URL}/avis/"))
        .unwrap()
        .to_owned();
    assert_eq!(token.len(), 64, "{link}");

    let first = "0123456789abcdef0123456789abcdef";
    let second = "fedcba9876543210fedcba9876543210";
    let reply = from_browser(&app, Method::GET, &token, None, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let form = reply.json();
    assert_eq!(form["public_link"], true);
    assert_eq!(form["answers"], json!({}));
    assert_eq!(form["editable"], true);
    // Without its key, a browser cannot save.
    let reply = from_browser(
        &app,
        Method::PUT,
        &token,
        Some(json!({"answers": {"satisfaction": 4}})),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap()
            .contains("navigateur"),
        "{}",
        reply.text
    );
    // Each browser its own response, kept as it goes.
    let reply = from_browser(
        &app,
        Method::PUT,
        &token,
        Some(json!({"answers": {"satisfaction": 4}})),
        Some(first),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let again = from_browser(&app, Method::GET, &token, None, Some(first))
        .await
        .json();
    assert_eq!(again["answers"], json!({"satisfaction": 4}));
    let other = from_browser(&app, Method::GET, &token, None, Some(second))
        .await
        .json();
    assert_eq!(other["answers"], json!({}));
    let reply = from_browser(
        &app,
        Method::PUT,
        &token,
        Some(json!({"answers": full_answers(), "submit": true})),
        Some(second),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["submitted"], true);

    let results = ok(
        &app,
        Method::GET,
        &format!("{list}/a-chaud/resultats"),
        None,
        &alice,
    )
    .await;
    assert_eq!(results["submitted"], 1, "{results}");
    assert_eq!(results["public_answers"], 1, "{results}");
    assert_eq!(results["in_progress"], 1, "{results}");
    assert!(results["response_rate"].is_null(), "{results}");
    let view = ok(&app, Method::GET, &format!("{list}/a-chaud"), None, &alice).await;
    assert_eq!(view["public_answers"], 1, "{view}");
    // Linked to nobody, and dated to the day only.
    let rows = sqlx::query(
        "SELECT registration_id, updated_at, source, structure_type FROM feedback_responses",
    )
    .fetch_all(app.pool().await)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        assert!(
            row.try_get::<Option<i64>, _>("registration_id")
                .unwrap()
                .is_none()
        );
        assert!(
            row.try_get::<Option<String>, _>("structure_type")
                .unwrap()
                .is_none()
        );
        assert_eq!(row.try_get::<String, _>("source").unwrap(), "public");
        let updated: String = row.try_get("updated_at").unwrap();
        assert!(updated.ends_with("T00:00:00.000000Z"), "{updated}");
    }

    // At most 50 new responses an hour from one address.
    for i in 0..48 {
        let key = format!("{i:032x}");
        let reply = from_browser(
            &app,
            Method::PUT,
            &token,
            Some(json!({"answers": {}})),
            Some(&key),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{i}: {}", reply.text);
    }
    let reply = from_browser(
        &app,
        Method::PUT,
        &token,
        Some(json!({"answers": {}})),
        Some(&format!("{:032x}", 99)),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.text
    );
    // A browser that already has its response may still change it.
    let reply = from_browser(
        &app,
        Method::PUT,
        &token,
        Some(json!({"answers": {"satisfaction": 3}})),
        Some(first),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    // A new link replaces the old one; withdrawn, neither works.
    let view = ok(&app, Method::POST, &link_route, None, &alice).await;
    let renewed = view["public_link"].as_str().unwrap().to_owned();
    assert_ne!(renewed, link);
    let reply = from_browser(&app, Method::GET, &token, None, Some(first)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
    let view = ok(&app, Method::DELETE, &link_route, None, &alice).await;
    assert!(view.get("public_link").is_none(), "{view}");
    let renewed_token = renewed.rsplit('/').next().unwrap();
    let reply = from_browser(&app, Method::GET, renewed_token, None, Some(first)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
}

async fn stakeholders_are_asked_by_address_list_and_answer_by_their_own_link(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (alice, bruno) = setup(&app).await;
    let list = "/api/gestion/organisations/centre-a/avis-partenaires";
    let reply = refused(
        &app,
        Method::POST,
        list,
        Some(json!({"modele": "tombola"})),
        &alice,
    )
    .await;
    assert!(reply["fields"]["modele"].is_array(), "{reply}");
    let created = app.send(Method::POST, list, Some(json!({})), &alice).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let created = created.json();
    assert_eq!(created["questionnaire"]["kind"], "stakeholder", "{created}");
    assert_eq!(created["status"], "draft");
    // Never sent by itself: it has no event to follow.
    assert!(created.get("send_at").is_none(), "{created}");
    let id = created["avis"].as_str().unwrap().to_owned();
    let one = format!("{list}/{id}");
    // Another organisation sees none of it.
    let theirs = format!("/api/gestion/organisations/centre-b/avis-partenaires/{id}");
    assert_eq!(
        app.send(Method::GET, &theirs, None, &bruno).await.status,
        StatusCode::NOT_FOUND
    );
    let listed = ok(
        &app,
        Method::GET,
        "/api/gestion/organisations/centre-b/avis-partenaires",
        None,
        &bruno,
    )
    .await;
    assert_eq!(listed, json!([]));
    // An event's route does not take it.
    let reply = refused(
        &app,
        Method::POST,
        format!("{one}/envoyer"),
        Some(json!({"adresses": ""})),
        &alice,
    )
    .await;
    assert!(
        reply["fields"]["adresses"][0]
            .as_str()
            .unwrap()
            .contains("adresse")
    );

    let sent = ok(
        &app,
        Method::POST,
        &format!("{one}/envoyer"),
        Some(json!({"adresses": "Fanny Financeur <fanny@financeur.example.org>\nIgor@Intervenant.example.org; pas-une-adresse\nfanny@financeur.example.org"})),
        &alice,
    )
    .await;
    assert_eq!(sent["sent"], 2, "{sent}");
    assert_eq!(sent["problems"].as_array().unwrap().len(), 1, "{sent}");
    assert_eq!(sent["problems"][0]["line"], 2, "{sent}");
    // Sending again reaches only the addresses added since.
    let again = ok(
        &app,
        Method::POST,
        &format!("{one}/envoyer"),
        Some(json!({"adresses": "fanny@financeur.example.org\npaula@partenaire.example.org"})),
        &alice,
    )
    .await;
    assert_eq!(again["sent"], 1, "{again}");
    assert_eq!(again["already"], 1, "{again}");

    let email = app
        .state
        .store
        .claim_due_emails(chrono::Utc::now(), chrono::Duration::zero(), 10_000)
        .await
        .unwrap()
        .into_iter()
        .find(|q| q.email.recipient == "fanny@financeur.example.org")
        .unwrap()
        .email;
    let centre = app
        .state
        .store
        .organisation("centre-a")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(email.sender_name.as_deref(), Some(centre.name.as_str()));
    assert!(
        email.body_text.contains(&centre.name),
        "{}",
        email.body_text
    );
    let tokens = feedback_tokens(&app, "fanny@financeur.example.org").await;
    assert_eq!(tokens.len(), 1);
    assert_eq!(
        feedback_tokens(&app, "igor@intervenant.example.org")
            .await
            .len(),
        1
    );
    let form = ok(
        &app,
        Method::GET,
        &format!("/api/avis/{}", tokens[0]),
        None,
        &Browser::default(),
    )
    .await;
    assert_eq!(form["event_slug"], "", "{form}");
    assert_eq!(form["editable"], true, "{form}");
    let answers = json!({"profil": "Financeur", "appreciation": 5, "recommandation": 10});
    let reply = app
        .send(
            Method::PUT,
            &format!("/api/avis/{}", tokens[0]),
            Some(json!({"answers": answers, "submit": true})),
            Browser::default(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    let results = ok(&app, Method::GET, &format!("{one}/resultats"), None, &alice).await;
    assert_eq!(results["invited"], 3, "{results}");
    assert_eq!(results["submitted"], 1, "{results}");
    assert_eq!(results["response_rate"], 33, "{results}");
    let waiting: Vec<&str> = results["not_answered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        waiting,
        [
            "igor@intervenant.example.org",
            "paula@partenaire.example.org"
        ],
        "{results}"
    );
    assert!(results.get("comparison").is_none(), "{results}");
    // The exports name the stakeholder who answered, from the list.
    let csv = app
        .send(
            Method::GET,
            format!("{one}/export.csv?dialecte=standard"),
            None,
            &alice,
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text);
    let line = csv
        .text
        .lines()
        .find(|line| line.contains("fanny@financeur.example.org"))
        .unwrap_or_else(|| panic!("{}", csv.text));
    assert!(line.contains("Financeur"), "{line}");
    assert!(!csv.text.contains("igor@"), "{}", csv.text);
    let summary = app
        .send(
            Method::GET,
            format!("{one}/synthese.csv?dialecte=standard"),
            None,
            &alice,
        )
        .await;
    assert_eq!(summary.status, StatusCode::OK, "{}", summary.text);
    assert!(summary.text.contains("Financeur"), "{}", summary.text);
    let theirs = format!("/api/gestion/organisations/centre-b/avis-partenaires/{id}/export.csv");
    assert_eq!(
        app.send(Method::GET, &theirs, None, &bruno).await.status,
        StatusCode::NOT_FOUND
    );
    let reminded = ok(&app, Method::POST, &format!("{one}/relancer"), None, &alice).await;
    assert_eq!(reminded["sent"], 2, "{reminded}");
    let closed = ok(&app, Method::POST, &format!("{one}/fermer"), None, &alice).await;
    assert_eq!(closed["status"], "closed");
    let listed = ok(&app, Method::GET, list, None, &alice).await;
    assert_eq!(listed[0]["answered"], 1, "{listed}");
    assert_eq!(listed[0]["invited"], 3, "{listed}");
    // The response is linked to its invitation, not to any registration.
    let row = sqlx::query("SELECT registration_id, response_key FROM feedback_responses")
        .fetch_one(app.pool().await)
        .await
        .unwrap();
    assert!(
        row.try_get::<Option<i64>, _>("registration_id")
            .unwrap()
            .is_none()
    );
    assert!(
        row.try_get::<String, _>("response_key")
            .unwrap()
            .starts_with("contact:")
    );
}

/// Sixteen people saving at once: each save is acknowledged only once it
/// is committed (read back from another connection), and on SQLite the
/// saves go through the batches of writes (group commit).
async fn saves_at_once_are_each_committed(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (alice, _) = setup(&app).await;
    let mut people = vec![
        "ana@ville.example.fr".to_owned(),
        "ben@ville.example.fr".to_owned(),
        "chloe@ville.example.fr".to_owned(),
    ];
    for i in 0..13 {
        let email = format!("personne{i}@ville.example.fr");
        let reply = app.register(SLUG, &email).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        people.push(email);
    }
    let list = avis("centre-a");
    ok(
        &app,
        Method::POST,
        &list,
        Some(json!({"modele": "webinaire"})),
        &alice,
    )
    .await;
    let sent = ok(
        &app,
        Method::POST,
        &format!("{list}/a-chaud/envoyer"),
        Some(json!({})),
        &alice,
    )
    .await;
    assert_eq!(sent["sent"], 16, "{sent}");
    let mut tokens = Vec::new();
    for email in &people {
        let mine = feedback_tokens(&app, email).await;
        assert_eq!(mine.len(), 1, "{email}");
        tokens.extend(mine);
    }
    let before = parvis_api::store::sql::batch_stats();
    let nobody = Browser::default();
    let saves = tokens.iter().map(|token| {
        app.send(
            Method::PUT,
            format!("/api/avis/{token}"),
            Some(json!({"answers": full_answers(), "submit": true})),
            &nobody,
        )
    });
    for reply in futures_util::future::join_all(saves).await {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    let pool = app.pool().await;
    let submitted: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM feedback_responses WHERE submitted = 1")
            .fetch_one(pool)
            .await
            .unwrap();
    let answered: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM feedback_invitations WHERE answered = 1")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!((submitted, answered), (16, 16));
    if matches!(backend, Backend::Sqlite) {
        let after = parvis_api::store::sql::batch_stats();
        assert!(after.writes >= before.writes + 16, "{before} → {after}");
    }
}

/// A personal link opens its own response, among responses under the
/// link's other possible keys (its anonymous key, a stakeholder address's,
/// as another mode would have left them), and its event as it is now,
/// read with the link.
async fn a_link_opens_its_own_response_and_its_event_as_it_is(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (alice, _) = setup(&app).await;
    let list = avis("centre-a");
    ok(
        &app,
        Method::POST,
        &list,
        Some(json!({"modele": "webinaire"})),
        &alice,
    )
    .await;
    ok(
        &app,
        Method::POST,
        &format!("{list}/a-chaud/envoyer"),
        Some(json!({})),
        &alice,
    )
    .await;
    let token = feedback_tokens(&app, "ana@ville.example.fr")
        .await
        .remove(0);
    let form_uri = format!("/api/avis/{token}");
    let nobody = Browser::default();
    ok(
        &app,
        Method::PUT,
        &form_uri,
        Some(json!({"answers": {"satisfaction": 4}, "submit": false})),
        &nobody,
    )
    .await;
    let pool = app.pool().await;
    let row = sqlx::query(
        &app.dialect
            .sql("SELECT questionnaire_id, id FROM feedback_invitations WHERE token_hash = ?"),
    )
    .bind(parvis_api::token::hash(&token))
    .fetch_one(pool)
    .await
    .unwrap();
    let (questionnaire, invitation): (i64, i64) = (row.get(0), row.get(1));
    for key in [
        parvis_api::store::feedback::response_key(true, 0, &token),
        format!("contact:{invitation}"),
    ] {
        sqlx::query(&app.dialect.sql(
            "INSERT INTO feedback_responses (questionnaire_id, response_key, answers_json, submitted, updated_at)
             VALUES (?, ?, '{\"satisfaction\": 1}', 0, '2026-01-01T00:00:00Z')",
        ))
        .bind(questionnaire)
        .bind(key)
        .execute(pool)
        .await
        .unwrap();
    }
    let event = app.state.store.event_by_slug(SLUG).await.unwrap().unwrap();
    let form = ok(&app, Method::GET, &form_uri, None, &nobody).await;
    assert_eq!(form["answers"]["satisfaction"], 4, "{form}");
    assert_eq!(form["event_slug"], SLUG);
    assert_eq!(form["event_title"], event.public.title.as_str());

    // Renamed meanwhile: the next save names the event as it is.
    sqlx::query(&app.dialect.sql(
        "UPDATE events SET data_json = REPLACE(data_json, ?, 'Webinaire renommé') WHERE slug = ?",
    ))
    .bind(&event.public.title)
    .bind(SLUG)
    .execute(pool)
    .await
    .unwrap();
    let saved = ok(
        &app,
        Method::PUT,
        &form_uri,
        Some(json!({"answers": {"satisfaction": 5}, "submit": false})),
        &nobody,
    )
    .await;
    assert_eq!(saved["answers"]["satisfaction"], 5, "{saved}");
    assert_eq!(saved["event_title"], "Webinaire renommé");
    // The other keys' responses were left alone.
    let others: Vec<String> = sqlx::query_scalar(&app.dialect.sql(
        "SELECT answers_json FROM feedback_responses WHERE questionnaire_id = ? AND response_key <> ?",
    ))
    .bind(questionnaire)
    .bind(format!("inscription:{}", row_registration(&app, invitation).await))
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(others.len(), 2, "{others:?}");
    assert!(others.iter().all(|a| a.contains('1')), "{others:?}");

    // Without a response of its own, the link opens none of theirs.
    sqlx::query(
        &app.dialect
            .sql("DELETE FROM feedback_responses WHERE questionnaire_id = ? AND response_key = ?"),
    )
    .bind(questionnaire)
    .bind(format!(
        "inscription:{}",
        row_registration(&app, invitation).await
    ))
    .execute(pool)
    .await
    .unwrap();
    let form = ok(&app, Method::GET, &form_uri, None, &nobody).await;
    assert_eq!(form["answers"], json!({}), "{form}");
    assert_eq!(form["submitted"], false);
}

/// The registration an invitation was sent for.
async fn row_registration(app: &App, invitation: i64) -> i64 {
    sqlx::query_scalar(
        &app.dialect
            .sql("SELECT registration_id FROM feedback_invitations WHERE id = ?"),
    )
    .bind(invitation)
    .fetch_one(app.pool().await)
    .await
    .unwrap()
}

store_tests!(
    a_link_opens_its_own_response_and_its_event_as_it_is,
    named_feedback_from_template_to_results,
    anonymous_feedback_to_confirmed_registrants_with_one_reminder,
    a_questionnaire_past_its_closing_is_read_only,
    automatic_questionnaires_go_out_after_the_event_and_remind_once,
    the_public_link_takes_one_answer_per_browser_linked_to_nobody,
    stakeholders_are_asked_by_address_list_and_answer_by_their_own_link,
    saves_at_once_are_each_committed,
);
