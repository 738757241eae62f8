//! Outbox delivery: claims due emails, sends them, records the outcome.
//!
//! Emails are claimed with a lease ([`crate::Store::claim_due_emails`]), a
//! batch at a time, so two runners (the local task and a scheduler call, or
//! two replicas) never deliver the same email at once. Fresh emails are
//! claimed before retries, so a confirmation never waits behind an address
//! that keeps failing. The transport gets up to
//! [`Mailer::parallel_sends`] emails at once (`PARVIS_MAIL_CONCURRENCY`);
//! the next batch is claimed as soon as the last one is handed over, and
//! deliveries are recorded together ([`crate::Store::mark_sent_many`]). A
//! failed delivery is retried after 30 s, 1 min, 2 min... ([`backoff`]);
//! after [`MAX_ATTEMPTS`] attempts, or at once when the failure is permanent
//! (the server answered 5xx, the address cannot be parsed), the email
//! becomes a dead letter: logged, counted and listed
//! ([`crate::Store::dead_letters`]), never silently dropped.
//!
//! Delivery is at least once: an email sent but not yet recorded when the
//! runner stops (a crash, a Lambda's time running out) goes out again once
//! its lease expires, with the same Message-ID (and the file transport
//! keeps the first copy).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::{DateTime, Utc};
use futures_util::StreamExt as _;
use futures_util::stream::FuturesUnordered;

use super::transport::Mailer;
use crate::outbox::QueuedEmail;
use crate::store::Store;

/// How many emails one claim takes at least; with parallel sends, four
/// rounds of them (at most 500).
const BATCH: u32 = 20;

/// Sent emails are recorded together once a batch's worth is waiting, or
/// when the oldest has waited this long.
const MARK_AFTER: Duration = Duration::from_millis(200);

/// How long a claim lasts: a runner that crashed mid-batch leaves its emails
/// to the next runner after this.
pub fn lease() -> chrono::Duration {
    chrono::Duration::seconds(30)
}

/// The longest a transport may take for one email (the SMTP transport's
/// timeout). A runner starts no send when its claim has less than this
/// left, so an email is never sent after its claim has expired.
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

/// Emails claimed at once for a transport taking `parallel` at a time.
fn claim_size(parallel: usize) -> u32 {
    u32::try_from(parallel.saturating_mul(4))
        .unwrap_or(u32::MAX)
        .clamp(BATCH, 500)
}

/// One claim's emails, as their sends end.
#[derive(Default)]
struct Batch {
    /// Neither sent nor failed yet.
    left: usize,
    delivered: usize,
    failed: usize,
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
    clock: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
) -> Result<DeliveryReport> {
    let parallel = mailer.parallel_sends().max(1);
    let claim_size = claim_size(parallel);
    let mut report = DeliveryReport::default();
    // Claimed and not yet handed over: the email, the last instant its
    // claim lets a send start, its batch.
    let mut waiting: VecDeque<(QueuedEmail, DateTime<Utc>, usize)> = VecDeque::new();
    let mut batches: Vec<Batch> = Vec::new();
    let mut sending = FuturesUnordered::new();
    // Sent, not yet recorded, and since when the first of them waits.
    let mut sent: Vec<i64> = Vec::new();
    let mut unrecorded_since = Instant::now();
    let mut claiming = true;
    loop {
        // Hand emails over up to the transport's bound, claiming the next
        // batch as soon as none is waiting.
        while sending.len() < parallel {
            if let Some((queued, last_start, batch)) = waiting.pop_front() {
                if clock() > last_start {
                    // Too late for this claim: the email goes back to the
                    // queue when the lease expires; another pass takes it.
                    batches[batch].left -= 1;
                    continue;
                }
                sending.push(async move {
                    let result = mailer.send(&queued.email).await;
                    (queued, batch, result)
                });
                continue;
            }
            if !claiming {
                break;
            }
            let claimed_at = clock();
            let claimed = store
                .claim_due_emails(claimed_at, lease(), claim_size)
                .await?;
            if claimed.is_empty() {
                claiming = false;
                break;
            }
            let last_start = claimed_at + lease() - chrono::Duration::from_std(SEND_TIMEOUT)?;
            batches.push(Batch {
                left: claimed.len(),
                ..Batch::default()
            });
            let batch = batches.len() - 1;
            waiting.extend(claimed.into_iter().map(|q| (q, last_start, batch)));
        }
        let Some((queued, batch, result)) = sending.next().await else {
            break;
        };
        batches[batch].left -= 1;
        match result {
            Ok(()) => {
                if sent.is_empty() {
                    unrecorded_since = Instant::now();
                }
                sent.push(queued.id);
                batches[batch].delivered += 1;
                report.delivered += 1;
            }
            Err(error) => {
                batches[batch].failed += 1;
                report.failed += 1;
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
        let done = &batches[batch];
        if done.left == 0 && done.delivered == 0 && done.failed > 0 {
            // Everything in this batch failed: the mail server is likely
            // down; what is claimed is tried, the rest waits for the next
            // pass rather than being spun through.
            claiming = false;
        }
        if sent.len() >= claim_size as usize || unrecorded_since.elapsed() >= MARK_AFTER {
            store.mark_sent_many(&sent, clock()).await?;
            sent.clear();
        }
    }
    if !sent.is_empty() {
        store.mark_sent_many(&sent, clock()).await?;
    }
    Ok(report)
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
