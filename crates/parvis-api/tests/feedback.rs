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
        .claim_due_emails(chrono::Utc::now(), chrono::Duration::zero(), 10_000)
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
    let reply = app
        .send(
            Method::POST,
            &list,
            Some(json!({"modele": "tombola"})),
            &alice,
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert!(
        reply.json()["fields"]["modele"][0]
            .as_str()
            .unwrap()
            .contains("modèle")
    );
    let reply = app
        .send(
            Method::POST,
            &list,
            Some(json!({"questionnaire": {"kind": "hot", "title": " ", "questions": []}})),
            &alice,
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    let fields = reply.json()["fields"].clone();
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
    let reply = app
        .send(
            Method::PUT,
            &form_uri,
            Some(json!({"answers": {"satisfaction": 4}, "submit": true})),
            &nobody,
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    let message = reply.json()["fields"]["answers.objectifs"][0].clone();
    assert!(
        message.as_str().unwrap().contains("demande une réponse"),
        "{message}"
    );
    let reply = app
        .send(
            Method::PUT,
            &form_uri,
            Some(json!({"answers": {"satisfaction": 9}, "submit": false})),
            &nobody,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.json()["fields"].get("answers.satisfaction").is_some());
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
    let reply = app.send(Method::PUT, &one, Some(named), &alice).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert!(reply.json()["fields"].get("anonymous").is_some());
    let mut fewer = questionnaire.clone();
    fewer["questions"].as_array_mut().unwrap().remove(0);
    let reply = app.send(Method::PUT, &one, Some(fewer), &alice).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert!(
        reply.json()["fields"]["questions"][0]
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

store_tests!(
    named_feedback_from_template_to_results,
    anonymous_feedback_to_confirmed_registrants_with_one_reminder,
    a_questionnaire_past_its_closing_is_read_only,
);
