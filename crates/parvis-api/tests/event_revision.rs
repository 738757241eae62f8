//! Each event's revision, on SQLite and on a throwaway PostgreSQL
//! database: the database raises it whenever something a registration is
//! checked against changes, whoever writes it (here a pool of the test's
//! own, as another replica or an administrator would), and never for seats
//! taken; the registration route checks forms against a copy of the event
//! kept in memory, and a registration checked against a copy that is no
//! longer the event's definition is checked again against the event as it
//! is, never accepted (nor refused) on the copy's word.

use chrono::Utc;
use parvis_api::seed;
use parvis_api::store::accounts::Role;
use parvis_api::store::publications::NewFile;
use parvis_core::publications::{PublicationDraft, check_draft};
use serde_json::Value;

#[macro_use]
mod common;
use common::app::{App, Backend};

const SLUG: &str = "webinaire-revision";

/// The upcoming webinar of the demo content under [`SLUG`], with 10 seats,
/// as one of `organisation`'s events: its id.
async fn event(app: &App, organisation: i64) -> i64 {
    let now = Utc::now();
    let mut event = seed::demo_events(now.date_naive(), now).remove(0);
    event.public.slug = SLUG.to_owned();
    event.public.capacity = Some(10);
    event.public.waitlist = false;
    app.insert_owned(&event, organisation).await.id
}

async fn revision(app: &App, id: i64) -> i64 {
    sqlx::query_scalar(&app.dialect.sql("SELECT revision FROM events WHERE id = ?"))
        .bind(id)
        .fetch_one(app.pool().await)
        .await
        .unwrap()
}

/// The event's registrations, read from the test's own pool.
async fn registrations(app: &App, id: i64) -> i64 {
    sqlx::query_scalar(
        &app.dialect
            .sql("SELECT COUNT(*) FROM registrations WHERE event_id = ?"),
    )
    .bind(id)
    .fetch_one(app.pool().await)
    .await
    .unwrap()
}

/// Runs `sql`, with `id` bound to each `?`, from the test's own pool.
async fn write(app: &App, sql: &str, id: i64) {
    let sql = app.dialect.sql(sql);
    let mut query = sqlx::query(&sql);
    for _ in 0..sql.matches(['?', '$']).count() {
        query = query.bind(id);
    }
    query.execute(app.pool().await).await.unwrap();
}

async fn the_revision_follows_the_definition_not_the_seats(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (organisation, _) = app
        .member("centre", "alice@centre.example.org", Role::Organisateur)
        .await;
    let id = event(&app, organisation).await;
    let mut last = revision(&app, id).await;
    let mut moved = async |what: &str, expected: bool| {
        let now = revision(&app, id).await;
        assert_eq!(now > last, expected, "{what}: {last} → {now}");
        assert!(now >= last, "{what}: a revision never goes back");
        last = now;
    };

    // Seats taken and given back are not the definition.
    assert_eq!(app.register(SLUG, "a@exemple.fr").await.status, 201);
    moved("a registration", false).await;
    write(
        &app,
        "UPDATE quotas SET taken = taken + 1 WHERE event_id = ?",
        id,
    )
    .await;
    moved("a seat taken", false).await;

    write(
        &app,
        "UPDATE quotas SET capacity = capacity + 5 WHERE event_id = ?",
        id,
    )
    .await;
    moved("a capacity", true).await;
    write(
        &app,
        "INSERT INTO quotas (event_id, key, capacity, taken) VALUES (?, 'atelier', 3, 0)",
        id,
    )
    .await;
    moved("a new quota", true).await;
    write(
        &app,
        "DELETE FROM quotas WHERE event_id = ? AND key = 'atelier'",
        id,
    )
    .await;
    moved("a quota removed", true).await;

    write(
        &app,
        "UPDATE organisations SET sender_name = 'Centre de ressources' WHERE id = ?",
        organisation,
    )
    .await;
    moved("the organisation's sender name", true).await;
    write(
        &app,
        "UPDATE organisations SET sender_name = 'Centre de ressources' WHERE id = ?",
        organisation,
    )
    .await;
    moved("the same sender name again", false).await;

    // A publication linked to the event, then changed, then given a file.
    let store = &app.state.store;
    let now = Utc::now();
    let publication = store
        .create_publication(
            organisation,
            "actes-revision",
            &check_draft(&PublicationDraft {
                title: "Actes du webinaire".into(),
                kind: "actes".into(),
                authors: "Centre de ressources".into(),
                published_on: "2026-01-15".into(),
                summary: "Ce qui s'est dit.".into(),
                access: "inscrits".into(),
                published: true,
                events: vec![SLUG.to_owned()],
                ..PublicationDraft::default()
            })
            .unwrap(),
            now,
        )
        .await
        .unwrap()
        .unwrap();
    moved("a publication linked", true).await;
    write(
        &app,
        "UPDATE publications SET title = 'Actes, revus' WHERE id = ?",
        publication,
    )
    .await;
    moved("the publication's title", true).await;
    store
        .add_publication_file(
            publication,
            &NewFile {
                id: "fichier-revision".into(),
                label: "Actes (PDF)".into(),
                name: "actes.pdf".into(),
                size: 10,
                sha256: "0".repeat(64),
                accessible: false,
                storage_key: "publications/actes.pdf".into(),
            },
            now,
        )
        .await
        .unwrap();
    moved("the publication's file", true).await;
    write(
        &app,
        "DELETE FROM publication_events WHERE publication_id = ?",
        publication,
    )
    .await;
    moved("the publication unlinked", true).await;

    write(
        &app,
        "UPDATE events SET status = 'cancelled' WHERE id = ?",
        id,
    )
    .await;
    moved("the event's row", true).await;
}

async fn a_registration_is_never_decided_on_a_stale_copy_of_its_event(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let (organisation, _) = app
        .member("centre", "alice@centre.example.org", Role::Organisateur)
        .await;
    let id = event(&app, organisation).await;
    // The first registration leaves a copy of the event in memory.
    assert_eq!(app.register(SLUG, "a@exemple.fr").await.status, 201);

    // The organisation renames its sender elsewhere: the next registration
    // is checked again against the event as it is, and accepted; its email
    // carries the new name.
    write(
        &app,
        "UPDATE organisations SET sender_name = 'Centre renommé' WHERE id = ?",
        organisation,
    )
    .await;
    let reply = app.register(SLUG, "b@exemple.fr").await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let sender: Option<String> = sqlx::query_scalar(&app.dialect.sql(
        "SELECT o.sender_name FROM outbox o JOIN registrations r ON r.id = o.registration_id
         JOIN people p ON p.id = r.person_id WHERE p.email_key = ?",
    ))
    .bind("b@exemple.fr")
    .fetch_one(app.pool().await)
    .await
    .unwrap();
    assert_eq!(sender.as_deref(), Some("Centre renommé"));

    // The event is cancelled elsewhere: the copy said it was open, the
    // database says otherwise, and nothing is stored.
    write(
        &app,
        "UPDATE events SET status = 'cancelled' WHERE id = ?",
        id,
    )
    .await;
    let reply = app.register(SLUG, "c@exemple.fr").await;
    assert_eq!(reply.status, 409, "{}", reply.text);
    let body: Value = reply.json();
    assert_eq!(body["code"], "registration_closed", "{body}");
    assert_eq!(registrations(&app, id).await, 2);

    // Published again elsewhere: the copy kept now says cancelled, and its
    // refusal is checked on the event as it is, which takes the
    // registration.
    write(
        &app,
        "UPDATE events SET status = 'published' WHERE id = ?",
        id,
    )
    .await;
    let reply = app.register(SLUG, "d@exemple.fr").await;
    assert_eq!(reply.status, 201, "{}", reply.text);

    // A refusal on the event as it is stands: a form without its
    // address is refused, naming the field, nothing stored.
    let reply = app.register(SLUG, "").await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(
        reply.json()["fields"].get("email").is_some(),
        "{}",
        reply.text
    );
    assert_eq!(registrations(&app, id).await, 3);
}

store_tests!(
    the_revision_follows_the_definition_not_the_seats,
    a_registration_is_never_decided_on_a_stale_copy_of_its_event,
);
