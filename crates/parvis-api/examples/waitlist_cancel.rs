//! Bench of a cancellation with a long waiting list: an event with one seat
//! and 20,000 people waiting; each cancellation frees the seat and promotes
//! the next in line. Prints p50 and p99 over 200 cancellations on SQLite
//! and, with `PARVIS_BENCH_POSTGRES_URL`, on PostgreSQL (target: p99 ≤ 10 ms).

mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use parvis_api::store::sql::SqlStore;
use parvis_api::store::{EventRecord, Origin, Store};
use parvis_api::{mail, seed, token};
use parvis_core::registration::check_for_event;

const WAITING: usize = 20_000;
const CANCELS: usize = 200;

async fn run(name: &str, store: SqlStore) -> anyhow::Result<()> {
    let now = Utc::now();
    let mut event = seed::demo_events(now.date_naive(), now).remove(0);
    event.public.slug = "bench-liste-attente".to_owned();
    event.public.capacity = Some(1);
    event.public.waitlist = true;
    store.insert_event(&event).await?;
    let record: EventRecord = store
        .event_by_slug("bench-liste-attente")
        .await?
        .expect("just inserted");
    let compose = mail::composer("https://parvis.example.org", move || now);
    let started = Instant::now();
    let mut tokens = Vec::with_capacity(WAITING + 1);
    for n in 0..=WAITING {
        let request = common::request("attente", n);
        let checked =
            check_for_event(&record.public, &request).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let personal = token::generate()?;
        store
            .register(
                &record,
                &checked,
                &personal.token,
                &Origin::default(),
                &compose,
                now,
            )
            .await?;
        tokens.push(personal.token);
    }
    let filled = started.elapsed();
    let mut times: Vec<Duration> = Vec::with_capacity(CANCELS);
    for token in tokens.iter().take(CANCELS) {
        let registration = store
            .registration_by_token(&token::hash(token), Utc::now())
            .await?
            .expect("a stored token");
        let event = store
            .event_by_slug("bench-liste-attente")
            .await?
            .expect("the event");
        let started = Instant::now();
        store
            .cancel(&event, registration.id, &compose, Utc::now())
            .await?;
        times.push(started.elapsed());
    }
    let stats = store.stats().await?;
    assert_eq!(stats.confirmed, 1, "each cancellation promoted the next");
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<10} annulation avec {WAITING} en attente : p50 {:.2} ms, p99 {:.2} ms ({CANCELS} annulations ; préparation {:.1} s)",
        ms(times[CANCELS / 2]),
        ms(times[CANCELS * 99 / 100]),
        filled.as_secs_f64()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::TempDir::new()?;
    let sqlite = SqlStore::open_sqlite(&dir.path().join("bench.sqlite3")).await?;
    run("SQLite", sqlite).await?;
    if let Ok(url) = std::env::var("PARVIS_BENCH_POSTGRES_URL") {
        run("PostgreSQL", SqlStore::open_postgres(&url).await?).await?;
    }
    Ok(())
}
