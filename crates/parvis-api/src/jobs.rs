//! Scheduled work behind one runner: releasing seats held for an address
//! that was not confirmed in time, reminders before each session, forgetting
//! expired personal links and per-client counts, automatic feedback
//! questionnaires and their reminders, and the outbox delivery.
//!
//! Locally, [`run_forever`] runs the jobs every few seconds and whenever an
//! email is queued. Serverless, a scheduler calls `POST /api/jobs/run`
//! (see [`crate::routes::jobs`]). Both may overlap safely: work is claimed
//! in the database, never held in memory.

use std::time::Duration;

use anyhow::Result;
use serde::Serialize;

use crate::AppState;
use crate::mail::worker::{self, DeliveryReport};
use crate::routes::avis::FeedbackRun;

/// What one run of the jobs did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobReport {
    /// Seats released because an address was not confirmed in time.
    pub released: usize,
    /// Reminders queued (before each session, at the event's offsets).
    pub reminders: usize,
    /// Automatic feedback invitations and reminders queued.
    pub feedback: FeedbackRun,
    /// The outbox delivery.
    pub emails: DeliveryReport,
    /// Expired rows forgotten (personal links, per-client counts).
    pub purged: u64,
}

/// Runs every job once: reminders first, so they leave in the same run.
pub async fn run_once(state: &AppState) -> Result<JobReport> {
    run_at(state, chrono::Utc::now()).await
}

/// Runs every job once as if it were `now` (tests move the clock past an
/// event's end this way).
pub async fn run_at(state: &AppState, now: chrono::DateTime<chrono::Utc>) -> Result<JobReport> {
    let compose = crate::mail::composer(state.public_url.clone(), move || now);
    let released = state.store.release_expired_holds(&compose, now).await?;
    state.snapshot.bump();
    let reminders = state.store.queue_due_reminders(&compose, now).await?;
    let feedback = crate::routes::avis::run_due(state, now).await?;
    let purged = state.store.purge_expired(now).await?;
    Ok(JobReport {
        released,
        reminders,
        feedback,
        emails: worker::deliver_due(state.store.as_ref(), state.mailer.as_ref()).await?,
        purged,
    })
}

/// Runs every job each `interval`, and delivers the outbox as soon as an
/// email is queued (the other jobs, which scan tables, keep to the interval
/// so a burst of registrations does not pay for them), forever.
pub async fn run_forever(state: AppState, interval: Duration) {
    let mut everything = true;
    loop {
        let result = if everything {
            run_once(&state).await.map(|_| ())
        } else {
            worker::deliver_due(state.store.as_ref(), state.mailer.as_ref())
                .await
                .map(|_| ())
        };
        if let Err(error) = result {
            tracing::error!(error = format!("{error:#}"), "scheduled jobs failed");
        }
        everything = tokio::select! {
            () = state.outbox_wakeup.notified() => {
                // Let a burst of registrations gather, so one claim takes
                // them all rather than one claim per email.
                tokio::time::sleep(Duration::from_millis(100)).await;
                false
            }
            () = tokio::time::sleep(interval) => true,
        };
    }
}
