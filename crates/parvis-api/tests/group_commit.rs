//! Group commit of registrations, on SQLite and on a throwaway PostgreSQL
//! database: many registrations at once are each answered only once
//! committed (read back through a pool of the test's own), and a
//! registration that is refused or fails inside a batch leaves its
//! neighbours whole; callers giving up mid-batch lose nothing of the
//! others' registrations and leave none half-written.

use std::sync::Arc;

use chrono::Utc;
use parvis_api::store::{EventRecord, Notice, Origin, Registered};
use parvis_api::{Store, mail, seed, token};
use parvis_core::registration::{RegistrationRequest, check_for_event};
use serde_json::json;
use sqlx::AnyPool;

#[macro_use]
mod common;
use common::app::{App, Backend, PUBLIC_URL};

/// Stores a copy of the upcoming webinar under `slug`, `capacity` seats,
/// with or without a waiting list.
async fn event(app: &App, slug: &str, capacity: u32, waitlist: bool) -> EventRecord {
    let now = Utc::now();
    let mut event = seed::demo_events(now.date_naive(), now).remove(0);
    event.public.slug = slug.to_owned();
    event.public.capacity = Some(capacity);
    event.public.waitlist = waitlist;
    let store = &app.state.store;
    store.insert_event(&event).await.unwrap().unwrap();
    store.event_by_slug(slug).await.unwrap().unwrap()
}

fn request(email: &str) -> RegistrationRequest {
    serde_json::from_value(json!({
        "first_name": "Camille", "last_name": "Martin", "email": email,
        "organisation": "Ville de Creil", "role": "Cheffe de projet",
        "territory": "", "consent": true, "structure_type": "collectivite"
    }))
    .unwrap()
}

/// Registers `email` through the store as the route does, from a client of
/// its own (or `client` with a cap of 3 an hour); composing the email
/// fails for addresses starting with `echec`, after the registration has
/// taken its seat and written its rows.
async fn register(
    store: Arc<dyn Store>,
    event: EventRecord,
    email: String,
    client: Option<&'static str>,
) -> anyhow::Result<Registered> {
    let checked = check_for_event(&event.public, &request(&email)).unwrap();
    let now = Utc::now();
    let composer = mail::composer(PUBLIC_URL, move || now);
    let compose = move |event: &EventRecord, notice: &Notice<'_>| {
        if notice.registration.email.starts_with("echec") {
            anyhow::bail!("this email cannot be composed");
        }
        composer(event, notice)
    };
    let origin = Origin {
        client_hash: token::hash(client.unwrap_or(&email)),
        hourly_cap: if client.is_some() { 3 } else { 0 },
        registered_by: None,
    };
    let personal = token::generate().unwrap();
    store
        .register(&event, &checked, &personal.token, &origin, &compose, now)
        .await
}

/// What another connection sees of `email`: its registrations (by status)
/// and its queued emails, committed only.
async fn seen(pool: &AnyPool, app: &App, email: &str) -> (Vec<String>, i64) {
    let statuses: Vec<String> = sqlx::query_scalar(&app.dialect.sql(
        "SELECT r.status FROM registrations r JOIN people p ON p.id = r.person_id WHERE p.email_key = ?",
    ))
    .bind(email)
    .fetch_all(pool)
    .await
    .unwrap();
    let emails: i64 = sqlx::query_scalar(&app.dialect.sql(
        "SELECT COUNT(*) FROM outbox o JOIN registrations r ON r.id = o.registration_id
         JOIN people p ON p.id = r.person_id WHERE p.email_key = ?",
    ))
    .bind(email)
    .fetch_one(pool)
    .await
    .unwrap();
    (statuses, emails)
}

async fn count(app: &App, sql: &str, event_id: i64) -> i64 {
    sqlx::query_scalar(&app.dialect.sql(sql))
        .bind(event_id)
        .fetch_one(app.pool().await)
        .await
        .unwrap()
}

async fn many_registrations_are_answered_once_committed_and_a_failing_one_spares_its_neighbours(
    backend: Backend,
) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let before = parvis_api::store::sql::batch_stats();
    let event = event(&app, "quarante-places", 40, false).await;
    let pool = app.pool().await;
    let people_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people")
        .fetch_one(pool)
        .await
        .unwrap();
    let app = &app;
    let attempts: Vec<_> = (0..150)
        .map(|n| {
            let (email, client) = match n % 10 {
                0 => (format!("echec{n}@exemple.fr"), None),
                5 => (format!("groupe{n}@exemple.fr"), Some("un-seul-client")),
                7 => (format!("perime{n}@exemple.fr"), None),
                _ => (format!("p{n}@exemple.fr"), None),
            };
            let store = app.state.store.clone();
            // A copy of the event from before its last change.
            let event = if email.starts_with("perime") {
                EventRecord {
                    revision: event.revision - 1,
                    ..event.clone()
                }
            } else {
                event.clone()
            };
            async move {
                let outcome = register(store, event, email.clone(), client).await;
                // Read at once, from another connection: an answered
                // registration is already committed, with its email.
                let seen = seen(pool, app, &email).await;
                (email, outcome, seen)
            }
        })
        .collect();
    let results = futures_util::future::join_all(attempts).await;
    let mut done = 0;
    let mut capped_done = 0;
    let mut too_many = 0;
    let mut changed = 0;
    for (email, outcome, (statuses, emails)) in results {
        match outcome {
            Ok(Registered::Done(outcome)) => {
                assert!(!email.starts_with("echec"), "{email}");
                assert!(!outcome.existing, "{email}");
                assert_eq!(
                    statuses,
                    ["confirmed"],
                    "{email} answered before its commit"
                );
                assert_eq!(emails, 1, "{email}: its email is committed with it");
                done += 1;
                capped_done += usize::from(email.starts_with("groupe"));
            }
            Ok(Registered::Full) => {
                assert_eq!((statuses.len(), emails), (0, 0), "{email}");
            }
            Ok(Registered::TooManyFromClient) => {
                assert!(email.starts_with("groupe"), "{email}");
                assert_eq!((statuses.len(), emails), (0, 0), "{email}");
                too_many += 1;
            }
            Ok(Registered::Changed) => {
                assert!(email.starts_with("perime"), "{email}");
                assert_eq!((statuses.len(), emails), (0, 0), "{email}");
                changed += 1;
            }
            Err(error) => {
                assert!(email.starts_with("echec"), "{email}: {error:#}");
                assert!(format!("{error:#}").contains("cannot be composed"));
                // Rolled back to its savepoint: no seat, no row, no email.
                assert_eq!((statuses.len(), emails), (0, 0), "{email}");
            }
        }
    }
    assert_eq!(done, 40, "every seat taken, none twice");
    assert_eq!(changed, 15, "every stale copy refused");
    assert!(
        capped_done <= 3 && too_many >= 12,
        "{capped_done} {too_many}"
    );
    let id = event.id;
    assert_eq!(
        count(
            app,
            "SELECT taken FROM quotas WHERE event_id = ? AND key = 'event'",
            id
        )
        .await,
        40
    );
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) FROM registrations WHERE event_id = ?",
            id
        )
        .await,
        40
    );
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) FROM outbox o JOIN registrations r ON r.id = o.registration_id WHERE r.event_id = ?",
            id
        )
        .await,
        40
    );
    // The refused and failed attempts' people were rolled back with them.
    let people: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(people - people_before, 40);
    if matches!(backend, Backend::Sqlite) {
        let after = parvis_api::store::sql::batch_stats();
        assert!(after.batches > before.batches, "{after}");
        assert!(
            after.max > 1,
            "registrations at once share a batch: {after}"
        );
    }
}

async fn callers_giving_up_mid_batch_leave_whole_registrations_or_none(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let event = event(&app, "mille-places", 1000, true).await;
    let mut kept = Vec::new();
    let mut given_up = Vec::new();
    for n in 0..120u64 {
        let store = app.state.store.clone();
        let task = tokio::spawn(register(
            store,
            event.clone(),
            format!("p{n}@exemple.fr"),
            None,
        ));
        if n % 3 == 0 {
            given_up.push((n, task));
        } else {
            kept.push((n, task));
        }
    }
    // Give some of them up at various moments of their batches.
    for (n, task) in &given_up {
        for _ in 0..(n % 7) {
            tokio::task::yield_now().await;
        }
        task.abort();
    }
    let pool = app.pool().await;
    for (n, task) in kept {
        let outcome = task.await.unwrap().unwrap();
        assert!(matches!(outcome, Registered::Done(_)), "{n}: {outcome:?}");
        let (statuses, emails) = seen(pool, &app, &format!("p{n}@exemple.fr")).await;
        assert_eq!((statuses.len(), emails), (1, 1), "{n}");
    }
    for (_, task) in given_up {
        let _ = task.await;
    }
    // Whatever was given up is whole or absent: one seat, one row and one
    // email per registration stored.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let id = event.id;
    let registrations = count(
        &app,
        "SELECT COUNT(*) FROM registrations WHERE event_id = ?",
        id,
    )
    .await;
    assert!((80..=120).contains(&registrations), "{registrations}");
    assert_eq!(
        count(
            &app,
            "SELECT taken FROM quotas WHERE event_id = ? AND key = 'event'",
            id
        )
        .await,
        registrations
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM outbox o JOIN registrations r ON r.id = o.registration_id WHERE r.event_id = ?",
            id
        )
        .await,
        registrations
    );
    let tokens = count(
        &app,
        "SELECT COUNT(*) FROM registration_tokens t JOIN registrations r ON r.id = t.registration_id WHERE r.event_id = ?",
        id,
    )
    .await;
    assert_eq!(tokens, registrations);
    // The store still registers afterwards.
    let outcome = register(
        app.state.store.clone(),
        event,
        "apres@exemple.fr".to_owned(),
        None,
    )
    .await
    .unwrap();
    assert!(matches!(outcome, Registered::Done(_)));
}

store_tests!(
    many_registrations_are_answered_once_committed_and_a_failing_one_spares_its_neighbours,
    callers_giving_up_mid_batch_leave_whole_registrations_or_none,
);
