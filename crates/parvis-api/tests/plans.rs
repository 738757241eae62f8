//! The plans PostgreSQL gives the registrations' hot statements on a new
//! database, before any statistics exist: the first minutes of a
//! deployment, when an announced event opens. Without statistics the
//! planner costs every index alike; these tests check that the one each
//! statement is written for wins, so no registration reads its event's
//! earlier registrations one by one (see migration 0017).

use parvis_api::store::sql::{Dialect, SqlStore, person_upsert};
use sqlx::{Connection, Executor, Row};

mod common;

/// The plan PostgreSQL caches for `sql` once it stops planning per call
/// (its generic plan), as text.
async fn generic_plan(connection: &mut sqlx::PgConnection, sql: &str, args: &str) -> String {
    connection
        .execute("SET plan_cache_mode = force_generic_plan")
        .await
        .unwrap();
    connection
        .execute(format!("PREPARE hot AS {sql}").as_str())
        .await
        .unwrap();
    let rows = connection
        .fetch_all(format!("EXPLAIN EXECUTE hot({args})").as_str())
        .await
        .unwrap();
    connection.execute("DEALLOCATE hot").await.unwrap();
    rows.iter()
        .map(|row| row.get::<String, _>(0))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn a_registration_finds_the_earlier_one_through_the_unique_index() {
    let Some((_database, url)) = common::throwaway_postgres().await else {
        return;
    };
    // Migrated as the server does it.
    let store = SqlStore::open_url(&url).await.unwrap();
    assert_eq!(store.dialect(), Dialect::Postgres);
    let mut connection = sqlx::PgConnection::connect(&url).await.unwrap();
    let statistics: f64 = sqlx::query_scalar(
        "SELECT reltuples::float8 FROM pg_class WHERE relname = 'registrations'",
    )
    .fetch_one(&mut connection)
    .await
    .unwrap();
    assert!(
        statistics < 0.0,
        "the table must not have been analysed yet, for this test to mean something"
    );
    let plan = generic_plan(
        &mut connection,
        &person_upsert(Dialect::Postgres),
        "'a@exemple.fr', 'a@exemple.fr', 'A', 'B', '', '', NULL, '2026-01-01T00:00:00Z', 1, 1, 1",
    )
    .await;
    assert_eq!(
        plan.matches("Index Scan using registrations_event_person on registrations")
            .count(),
        2,
        "both look-ups of the earlier registration must go through the unique index:\n{plan}"
    );
    assert!(
        !plan.contains("Filter: (person_id"),
        "no look-up may filter an event's registrations one by one:\n{plan}"
    );
}
