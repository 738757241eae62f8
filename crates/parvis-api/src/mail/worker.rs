//! The outbox worker: delivers due emails, retries failures with backoff.
//!
//! Locally it runs as a background task woken whenever an email is queued
//! (and every few seconds for retries). A failed delivery is retried after
//! 30 s, 1 min, 2 min... up to one hour between attempts; nothing is dropped.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use chrono::Utc;
use tokio::sync::Notify;

use super::transport::Mailer;
use crate::store::Store;

/// How many emails one pass delivers at most.
const BATCH: u32 = 50;

/// Delay before the next attempt after `attempts` failures.
pub fn backoff(attempts: i64) -> chrono::Duration {
    let seconds = 30i64.saturating_mul(1 << attempts.clamp(0, 7));
    chrono::Duration::seconds(seconds.min(3600))
}

/// Delivers every email due now; returns how many were delivered.
pub async fn deliver_due(store: &dyn Store, mailer: &dyn Mailer) -> Result<usize> {
    let mut delivered = 0;
    loop {
        let due = store.due_emails(Utc::now(), BATCH).await?;
        if due.is_empty() {
            return Ok(delivered);
        }
        let batch_len = due.len();
        let mut failed = 0;
        for queued in due {
            match mailer.send(&queued.email).await {
                Ok(()) => {
                    store.mark_sent(queued.id, Utc::now()).await?;
                    delivered += 1;
                }
                Err(error) => {
                    failed += 1;
                    let retry_at = Utc::now() + backoff(queued.attempts);
                    tracing::warn!(outbox_id = queued.id, error = format!("{error:#}"), %retry_at, "email delivery failed; will retry");
                    store
                        .mark_failed(queued.id, &format!("{error:#}"), retry_at)
                        .await?;
                }
            }
        }
        // Everything in this batch failed: the mail server is likely down;
        // leave the rest for the next pass rather than spinning.
        if failed == batch_len {
            return Ok(delivered);
        }
    }
}

/// Runs forever: a pass at every wake-up, and at least every `poll`.
pub async fn run(
    store: Arc<dyn Store>,
    mailer: Arc<dyn Mailer>,
    wakeup: Arc<Notify>,
    poll: Duration,
) {
    loop {
        if let Err(error) = deliver_due(store.as_ref(), mailer.as_ref()).await {
            tracing::error!(error = format!("{error:#}"), "outbox pass failed");
        }
        tokio::select! {
            () = wakeup.notified() => {}
            () = tokio::time::sleep(poll) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped_at_one_hour() {
        assert_eq!(backoff(0).num_seconds(), 30);
        assert_eq!(backoff(1).num_seconds(), 60);
        assert_eq!(backoff(3).num_seconds(), 240);
        assert_eq!(backoff(50).num_seconds(), 3600);
    }
}
