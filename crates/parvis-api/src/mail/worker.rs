//! Outbox delivery: claims due emails, sends them, records the outcome.
//!
//! Emails are claimed with a lease ([`crate::Store::claim_due_emails`]), so
//! two runners (the local task and a scheduler call, or two replicas) never
//! deliver the same email at once. Fresh emails are claimed before retries,
//! so a confirmation never waits behind an address that keeps failing. A
//! failed delivery is retried after 30 s, 1 min, 2 min... ([`backoff`]); after
//! [`MAX_ATTEMPTS`] attempts, or at once when the failure is permanent (the
//! server answered 5xx, the address cannot be parsed), the email becomes a
//! dead letter: logged, counted and listed ([`crate::Store::dead_letters`]),
//! never silently dropped.

use anyhow::Result;
use chrono::Utc;

use super::transport::Mailer;
use crate::store::Store;

/// How many emails one claim takes at most.
const BATCH: u32 = 20;

/// How long a claim lasts: a runner that crashed mid-batch leaves its emails
/// to the next runner after this.
pub fn lease() -> chrono::Duration {
    chrono::Duration::seconds(30)
}

/// The longest a transport may take for one email (the SMTP transport's
/// timeout). A runner stops sending from a batch when its lease has less
/// than this left, so an email is never sent after its claim has expired.
pub const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Delay before the next attempt after `attempts` failures.
pub fn backoff(attempts: i64) -> chrono::Duration {
    let seconds = 30i64.saturating_mul(1 << attempts.clamp(0, 7));
    chrono::Duration::seconds(seconds.min(3600))
}

/// Attempts before an email is given up on (about two hours of retries).
pub const MAX_ATTEMPTS: i64 = 8;

/// What one delivery pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryReport {
    /// Emails handed to the transport.
    pub delivered: usize,
    /// Emails that failed and were rescheduled.
    pub failed: usize,
    /// Emails given up on in this pass.
    pub dead: usize,
}

/// Delivers every email due now.
pub async fn deliver_due(store: &dyn Store, mailer: &dyn Mailer) -> Result<DeliveryReport> {
    deliver_due_at(store, mailer, &Utc::now).await
}

/// Delivers every email due at the times `clock` gives (tests move it
/// forward to reach retries without waiting for them).
pub async fn deliver_due_at(
    store: &dyn Store,
    mailer: &dyn Mailer,
    clock: &(dyn Fn() -> chrono::DateTime<Utc> + Send + Sync),
) -> Result<DeliveryReport> {
    let mut report = DeliveryReport::default();
    loop {
        let claimed_at = clock();
        let claimed = store.claim_due_emails(claimed_at, lease(), BATCH).await?;
        if claimed.is_empty() {
            return Ok(report);
        }
        let last_start = claimed_at + lease() - chrono::Duration::from_std(SEND_TIMEOUT)?;
        let batch_len = claimed.len();
        let mut failed = 0;
        for queued in claimed {
            if clock() > last_start {
                // The rest of the batch goes back to the queue when the
                // lease expires; another pass will take it.
                break;
            }
            match mailer.send(&queued.email).await {
                Ok(()) => {
                    store.mark_sent(queued.id, clock()).await?;
                    report.delivered += 1;
                }
                Err(error) => {
                    failed += 1;
                    let message = format!("{error:#}");
                    let permanent = super::transport::is_permanent(&error);
                    if permanent || queued.attempts + 1 >= MAX_ATTEMPTS {
                        report.dead += 1;
                        tracing::error!(
                            outbox_id = queued.id,
                            attempts = queued.attempts + 1,
                            permanent,
                            error = message,
                            "email given up on (dead letter)"
                        );
                        store
                            .mark_failed(queued.id, &message, None, clock())
                            .await?;
                    } else {
                        let retry_at = clock() + backoff(queued.attempts);
                        tracing::warn!(outbox_id = queued.id, error = message, %retry_at, "email delivery failed; will retry");
                        store
                            .mark_failed(queued.id, &message, Some(retry_at), clock())
                            .await?;
                    }
                }
            }
        }
        report.failed += failed;
        // Everything in this batch failed: the mail server is likely down;
        // leave the rest for the next pass rather than spinning.
        if failed == batch_len {
            return Ok(report);
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
