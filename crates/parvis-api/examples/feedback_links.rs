//! Bench helper for `cargo xtask bench`'s load test of feedback answers
//! (`PUT /api/avis/{token}`): on the database of a running endpoint, asks
//! every confirmed registrant of an event to answer its hot questionnaire
//! (the webinar template, created when the event has none), as
//! `POST …/avis/a-chaud/envoyer` does, through the same store call, and
//! writes their personal tokens, one a line, to a file. Only their SHA-256
//! is stored, so this is the one way besides reading the emails to know
//! them; the invitation emails are then marked sent, so that the endpoint
//! is not delivering them while the load test measures answering.
//!
//! `cargo run --release -p parvis-api --example feedback_links --
//! <sqlite file | postgres://…> <event slug> <tokens file>`

use std::sync::Mutex;

use chrono::Utc;
use parvis_api::Store;
use parvis_api::mail::feedback::feedback_email;
use parvis_api::store::feedback::{QuestionnaireStatus, Recipient};
use parvis_api::store::sql::{Dialect, SqlStore};
use parvis_core::feedback::{QuestionnaireKind, templates};
use sqlx::AnyPool;

/// Marks the queued invitations of this helper: their Message-ID's start.
const MESSAGE_ID_PREFIX: &str = "<banc-avis-";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [database, slug, out] = args.as_slice() else {
        anyhow::bail!(
            "usage: feedback_links <sqlite file | postgres://…> <event slug> <tokens file>"
        );
    };
    let (store, url, dialect) = if database.starts_with("postgres") {
        (
            SqlStore::open_postgres(database).await?,
            database.clone(),
            Dialect::Postgres,
        )
    } else {
        (
            SqlStore::open_sqlite(std::path::Path::new(database)).await?,
            format!("sqlite://{database}"),
            Dialect::Sqlite,
        )
    };
    let store: &dyn Store = &store;
    let event = store
        .event_by_slug(slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no event {slug}"))?;
    let now = Utc::now();
    let id = match store
        .create_questionnaire(event.id, &templates::webinar(), now)
        .await?
    {
        Some(id) => id,
        None => {
            store
                .questionnaires(event.id)
                .await?
                .into_iter()
                .find(|r| r.questionnaire.kind == QuestionnaireKind::Hot)
                .ok_or_else(|| anyhow::anyhow!("{slug} has no hot questionnaire"))?
                .id
        }
    };
    let record = store
        .questionnaire(event.id, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("questionnaire {id} vanished"))?;
    let recipients: Vec<Recipient> = store
        .expected_at(event.id, 0, false)
        .await?
        .into_iter()
        .map(|e| Recipient {
            registration_id: Some(e.registration_id),
            first_name: e.first_name,
            last_name: e.last_name,
            email: e.email,
        })
        .collect();
    let tokens = Mutex::new(Vec::with_capacity(recipients.len()));
    let compose = |recipient: &Recipient, token: &str, reminder: bool| -> anyhow::Result<_> {
        let mut email = feedback_email(
            &event,
            &record.questionnaire,
            recipient,
            token,
            reminder,
            "https://parvis.example.org",
        )?;
        let mut tokens = tokens.lock().expect("one thread");
        email.message_id = format!("{MESSAGE_ID_PREFIX}{}@parvis.example.org>", tokens.len());
        tokens.push(token.to_owned());
        Ok(email)
    };
    let asked = store
        .invite_feedback(id, &recipients, &compose, now)
        .await?;
    store
        .set_questionnaire_status(id, QuestionnaireStatus::Open, now)
        .await?;

    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(&url).await?;
    sqlx::query(&dialect.sql(&format!(
        "UPDATE outbox SET sent_at = ?, body_text = '' \
         WHERE sent_at IS NULL AND message_id LIKE '{MESSAGE_ID_PREFIX}%'"
    )))
    .bind(parvis_api::store::timestamp(now))
    .execute(&pool)
    .await?;
    pool.close().await;

    let tokens = tokens.into_inner().expect("one thread");
    std::fs::write(out, tokens.join("\n"))?;
    println!(
        "{} personnes invitées à répondre au questionnaire « {} » de {slug}",
        asked.len(),
        record.questionnaire.title
    );
    Ok(())
}
