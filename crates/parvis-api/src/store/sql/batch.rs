//! Group commit: concurrent registrations share one transaction, and so
//! do feedback saves (`store/sql/feedback.rs`), which join the same
//! batches: on SQLite both write, and the batch is this process's one
//! writer for them.
//!
//! A registration joins the open batch (beginning one when there is none:
//! `BEGIN IMMEDIATE` on SQLite, so the batch holds the write lock from its
//! first statement and never upgrades a read lock), does its own work in a
//! savepoint of the batch's transaction (a refused or failing registration
//! rolls back to it alone), and leaves. Only one registration works in the
//! batch at a time (an async mutex, first come first served): on SQLite the
//! batch is the single writer among registrations, so they no longer meet
//! SQLite's busy handler and its sleeps.
//!
//! Whoever leaves the batch when nobody is waiting to join it commits it,
//! for everyone: a lone registration commits at once, and under load the
//! batch grows with the registrations that queued meanwhile, up to
//! [`MAX_BATCH`] members or [`MAX_AGE`] since its first one. Every member
//! is answered after the batch's commit ([`Waiter::committed`]), so a 201
//! still means a committed registration with its email queued.
//!
//! A member whose future is dropped in the middle of its work (a caller
//! that gives up) aborts the batch: its transaction is rolled back and the
//! other members are told to try again ([`Aborted`]), which they do. The
//! commit itself runs on a task of its own, holding the batch's lock, so
//! no caller can cut it short.
//!
//! Batches are used on SQLite only. On PostgreSQL each statement is a
//! network round trip, so one connection working through a batch alone
//! was slower than concurrent transactions (on the 2-core bench machine,
//! 16 connections: 738 registrations/s batched against 884/s without);
//! there each registration keeps its own transaction, quota rows locked
//! per event.
//!
//! Measured on SQLite (release, 16 connections, same machine and load,
//! others' builds running): 1,003/s with a p99 of 280 ms before, 1,816/s
//! with a p99 of 35 ms with batches (mean size 12.5, p50 16, max 16).
//! What is left is the cost of each statement: sqlx's SQLite driver runs
//! a connection on a thread of its own, and every statement is a wake-up
//! of that thread and back (most of the profile), about a dozen per
//! registration in the batch's serial section.

use std::fmt;
use std::sync::Arc;
use std::sync::Mutex as StdMutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use sqlx::AnyPool;
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

use super::{Dialect, Tx};

/// The most registrations one transaction commits.
pub const MAX_BATCH: usize = 64;

/// A batch older than this is committed by the next member to leave it,
/// even if others wait to join: the wait a registration can add to its
/// neighbours' is bounded.
pub const MAX_AGE: Duration = Duration::from_millis(5);

/// How long a member waits for its batch's commit before committing it
/// itself: only when the member expected to commit was given up by its
/// caller before joining.
const RESCUE_AFTER: Duration = Duration::from_millis(25);

/// How often, at most, the batch sizes are logged while registrations come.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// The batches of one store.
#[derive(Default)]
pub struct Batcher {
    open: Arc<Mutex<Open>>,
    /// Registrations waiting to join the batch.
    queued: AtomicUsize,
}

#[derive(Default)]
struct Open {
    tx: Option<Tx<'static>>,
    /// Counts the batches begun, so a late rescuer knows whether its batch
    /// is still the open one.
    generation: u64,
    members: Vec<oneshot::Sender<Outcome>>,
    started: Option<Instant>,
}

/// What a member learns of its batch.
type Outcome = std::result::Result<(), Aborted>;

/// The batch did not commit: nothing of it was stored.
#[derive(Debug, Clone)]
pub struct Aborted {
    /// Why, for the log.
    pub reason: String,
    /// Whether running the registration again in another batch is sound
    /// (nothing of it was stored; the database only lost a race).
    pub retry: bool,
    /// Given up because one of its members was interrupted: not the
    /// database's doing, so not counted against the retries.
    pub interrupted: bool,
}

impl fmt::Display for Aborted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the batch of registrations was not committed: {}",
            self.reason
        )
    }
}

impl std::error::Error for Aborted {}

impl fmt::Debug for Batcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batcher")
            .field("queued", &self.queued.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Whether `error` is a batch aborted that the registration may run again.
pub fn worth_retrying(error: &anyhow::Error) -> bool {
    error
        .chain()
        .any(|cause| cause.downcast_ref::<Aborted>().is_some_and(|a| a.retry))
}

/// Whether `error` is a batch given up because another member of it was
/// interrupted.
pub fn interrupted(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<Aborted>()
            .is_some_and(|a| a.interrupted)
    })
}

/// Runs a write (`attempt`, in a batch or on its own) again while it is
/// given up because another member of its batch was interrupted (20 times
/// at most: it did nothing wrong), or lost a race or a batch worth
/// retrying (three times at most, 5 ms more each time).
pub async fn retried<T, F, Fut>(mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let (mut tries, mut interruptions) = (0, 0);
    loop {
        match attempt().await {
            Err(error) if interruptions < 20 && interrupted(&error) => interruptions += 1,
            Err(error) if tries < 3 && (super::is_retryable(&error) || worth_retrying(&error)) => {
                tries += 1;
                tracing::debug!(
                    attempt = tries,
                    error = format!("{error:#}"),
                    "write retried"
                );
                tokio::time::sleep(Duration::from_millis(5 * tries)).await;
            }
            other => break other,
        }
    }
}

/// Decrements the queue count when a registration stops waiting to join,
/// whether it joined or its caller gave up.
struct Queued<'a>(&'a AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Batcher {
    /// Joins the open batch, beginning one if needed; the member has the
    /// batch's transaction to itself until [`Member::leave`].
    pub async fn join(&self, pool: &AnyPool, dialect: Dialect) -> Result<Member<'_>> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let queued = Queued(&self.queued);
        let mut open = self.open.clone().lock_owned().await;
        drop(queued);
        if open.tx.is_none() {
            // The write lock at once: no upgrade, no busy wait later.
            let tx = super::registrations::begin_write(pool, dialect)
                .await
                .context("failed to begin a batch of registrations")?;
            open.tx = Some(tx);
            open.started = Some(Instant::now());
        }
        Ok(Member {
            open: Some(open),
            batcher: self,
        })
    }
}

/// A registration working in the batch's transaction.
pub struct Member<'b> {
    open: Option<OwnedMutexGuard<Open>>,
    batcher: &'b Batcher,
}

impl<'b> Member<'b> {
    /// The batch's transaction: work in a savepoint of it (`tx.begin()`).
    pub fn tx(&mut self) -> &mut Tx<'static> {
        self.open
            .as_mut()
            .and_then(|open| open.tx.as_mut())
            .expect("a member's batch is open")
    }

    /// Leaves the batch, its work done (or rolled back to its savepoint);
    /// commits the batch when nobody waits to join it, or when it is full
    /// or old enough. The waiter says when the batch has committed.
    pub fn leave(mut self) -> Waiter<'b> {
        let mut open = self.open.take().expect("a member leaves once");
        let (sender, receiver) = oneshot::channel();
        open.members.push(sender);
        let generation = open.generation;
        let bounded = open.members.len() >= MAX_BATCH
            || open.started.is_some_and(|at| at.elapsed() >= MAX_AGE);
        if bounded || self.batcher.queued.load(Ordering::SeqCst) == 0 {
            commit(open);
        } else {
            drop(open);
        }
        Waiter {
            receiver,
            generation,
            batcher: self.batcher,
        }
    }
}

impl Member<'_> {
    /// Leaves the batch with the outcome of this member's work, and gives
    /// it back once the batch has committed: a failure (which left nothing
    /// in the batch) at once, anything else (refusals included: what they
    /// read may be another member's write) only once it is committed.
    pub async fn answer<T>(self, outcome: Result<T>) -> Result<T> {
        let waiter = self.leave();
        let outcome = outcome?;
        waiter.committed().await?;
        Ok(outcome)
    }
}

impl Drop for Member<'_> {
    /// A member dropped before leaving was cut in the middle of its work:
    /// the batch is rolled back (sqlx rolls back a dropped transaction) and
    /// its other members run again.
    fn drop(&mut self) {
        if let Some(mut open) = self.open.take() {
            drop(open.tx.take());
            open.generation += 1;
            open.started = None;
            for member in open.members.drain(..) {
                let _ = member.send(Err(Aborted {
                    reason: "a registration of the batch was interrupted".to_owned(),
                    retry: true,
                    interrupted: true,
                }));
            }
        }
    }
}

/// Commits the open batch, tells its members, and counts its size, on a
/// task of its own that keeps the batch's lock until the commit is over:
/// a caller giving up cannot cut a commit short, and the next batch begins
/// after it.
fn commit(mut open: OwnedMutexGuard<Open>) {
    if open.tx.is_none() {
        return;
    }
    tokio::spawn(async move { commit_now(&mut open).await });
}

async fn commit_now(open: &mut Open) {
    let Some(tx) = open.tx.take() else {
        return;
    };
    let members = std::mem::take(&mut open.members);
    open.generation += 1;
    open.started = None;
    let outcome = tx.commit().await.map_err(|error| {
        let error = anyhow::Error::from(error);
        Aborted {
            retry: super::is_retryable(&error),
            reason: format!("{error:#}"),
            interrupted: false,
        }
    });
    if let Err(aborted) = &outcome {
        tracing::error!(members = members.len(), "{aborted}");
    }
    record(members.len());
    for member in members {
        let _ = member.send(outcome.clone());
    }
}

/// A member that left its batch, waiting for its commit.
pub struct Waiter<'b> {
    receiver: oneshot::Receiver<Outcome>,
    generation: u64,
    batcher: &'b Batcher,
}

impl Waiter<'_> {
    /// Returns once the batch has committed; an error when it did not.
    pub async fn committed(mut self) -> Result<()> {
        loop {
            tokio::select! {
                outcome = &mut self.receiver => {
                    return match outcome {
                        Ok(outcome) => Ok(outcome?),
                        Err(_) => Err(anyhow::anyhow!(
                            "the batch of registrations ended without saying whether it committed"
                        )),
                    };
                }
                () = tokio::time::sleep(RESCUE_AFTER) => {
                    // The member expected to commit never joined (its caller
                    // gave up while it waited): commit the batch from here.
                    let open = self.batcher.open.clone().lock_owned().await;
                    if open.generation == self.generation {
                        commit(open);
                    }
                }
            }
        }
    }
}

/// The distribution of batch sizes (writes per commit: registrations and
/// feedback saves) since the process started, over every store it opened.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BatchStats {
    /// Batches committed (or whose commit failed).
    pub batches: u64,
    /// Writes they held (registrations and feedback saves).
    pub writes: u64,
    pub mean: f64,
    pub p50: usize,
    pub p90: usize,
    pub p99: usize,
    pub max: usize,
}

impl fmt::Display for BatchStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} batches, {} writes, size mean {:.1}, p50 {}, p90 {}, p99 {}, max {}",
            self.batches, self.writes, self.mean, self.p50, self.p90, self.p99, self.max
        )
    }
}

struct Sizes {
    /// `counts[n]`: batches of `n` members.
    counts: [u64; MAX_BATCH + 1],
    last_logged: Option<Instant>,
}

static SIZES: StdMutex<Sizes> = StdMutex::new(Sizes {
    counts: [0; MAX_BATCH + 1],
    last_logged: None,
});

fn record(size: usize) {
    let due = {
        let mut sizes = SIZES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        sizes.counts[size.min(MAX_BATCH)] += 1;
        let now = Instant::now();
        match sizes.last_logged {
            Some(at) if now.duration_since(at) < LOG_EVERY => false,
            Some(_) => {
                sizes.last_logged = Some(now);
                true
            }
            None => {
                // The first batch starts the clock.
                sizes.last_logged = Some(now);
                false
            }
        }
    };
    if due {
        log_batch_stats();
    }
}

/// The batch sizes so far.
pub fn batch_stats() -> BatchStats {
    let counts = SIZES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .counts;
    let batches: u64 = counts.iter().sum();
    let writes: u64 = counts
        .iter()
        .enumerate()
        .map(|(size, &n)| size as u64 * n)
        .sum();
    if batches == 0 {
        return BatchStats::default();
    }
    let quantile = |q: f64| {
        let rank = ((batches as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (size, &n) in counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return size;
            }
        }
        MAX_BATCH
    };
    BatchStats {
        batches,
        writes,
        mean: writes as f64 / batches as f64,
        p50: quantile(0.50),
        p90: quantile(0.90),
        p99: quantile(0.99),
        max: counts.iter().rposition(|&n| n > 0).unwrap_or(0),
    }
}

/// Logs the batch sizes so far (at INFO, `write batches: …`), when
/// there were any: every 10 s while registrations come, and once when the
/// server stops.
pub fn log_batch_stats() {
    let stats = batch_stats();
    if stats.batches > 0 {
        tracing::info!("write batches: {stats}");
    }
}
