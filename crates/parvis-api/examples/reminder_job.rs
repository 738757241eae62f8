//! Times the reminder job over 10,000 confirmed registrations whose session
//! starts within the hour, on SQLite and (with `PARVIS_BENCH_POSTGRES_URL`)
//! on PostgreSQL. Run by `cargo xtask bench`; prints figures only.

mod common;

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use parvis_api::mail::transport::FileMailer;
use parvis_api::store::Store;
use parvis_api::store::sql::SqlStore;
use parvis_api::{AppState, mail, seed};
use parvis_core::registration::check_for_event;

const REGISTRATIONS: usize = 10_000;

async fn run(name: &str, store: SqlStore, outbox: std::path::PathBuf) -> anyhow::Result<()> {
    let soon = Utc::now() + chrono::Duration::minutes(30);
    let mut event = seed::demo_events(Utc::now().date_naive(), Utc::now()).remove(0);
    event.public.slug = "bench-rappels".to_owned();
    event.public.sessions[0].starts_at = soon.fixed_offset();
    event.public.sessions[0].ends_at = (soon + chrono::Duration::hours(1)).fixed_offset();
    event.public.registration.closes_at = soon.fixed_offset();
    store.insert_event(&event).await?;
    let config = parvis_api::Config::from_lookup(|key| match key {
        "PARVIS_PUBLIC_URL" => Some("https://parvis.example.org".into()),
        "PARVIS_MAIL_FROM" => Some("Parvis <noreply@parvis.example.org>".into()),
        _ => None,
    })?;
    let state = AppState::new(
        Arc::new(store),
        Arc::new(FileMailer::new(outbox, &config.mail_from)?),
        &config,
    )?;
    let record = state
        .store
        .event_by_slug("bench-rappels")
        .await?
        .expect("just inserted");
    let now = Utc::now();
    let compose = mail::composer("https://parvis.example.org", move || now);
    let started = Instant::now();
    for n in 0..REGISTRATIONS {
        let request = common::request("rappel", n);
        let checked =
            check_for_event(&record.public, &request).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let token = parvis_api::token::generate()?;
        state
            .store
            .register(
                &record,
                &checked,
                &token.token,
                &parvis_api::store::Origin::default(),
                &compose,
                now,
            )
            .await?;
    }
    let filled = started.elapsed();
    let started = Instant::now();
    let queued = state
        .store
        .queue_due_reminders(&compose, Utc::now())
        .await?;
    let elapsed = started.elapsed();
    println!(
        "{name:<10} tâche de rappel sur {REGISTRATIONS} inscriptions : {:.2} s ({queued} rappels mis en file, {:.0} rappels/s ; préparation {:.1} s)",
        elapsed.as_secs_f64(),
        queued as f64 / elapsed.as_secs_f64(),
        filled.as_secs_f64()
    );
    let again = state
        .store
        .queue_due_reminders(&compose, Utc::now())
        .await?;
    assert_eq!(again, 0, "a second run queues nothing");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::TempDir::new()?;
    let sqlite = SqlStore::open_sqlite(&dir.path().join("bench.sqlite3")).await?;
    run("SQLite", sqlite, dir.path().join("outbox-sqlite")).await?;
    if let Ok(url) = std::env::var("PARVIS_BENCH_POSTGRES_URL") {
        let postgres = SqlStore::open_postgres(&url).await?;
        run("PostgreSQL", postgres, dir.path().join("outbox-postgres")).await?;
    }
    Ok(())
}
