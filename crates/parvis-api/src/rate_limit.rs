//! Rate limits per client (and per event), with bounded memory.
//!
//! Each limit is a [`governor`] keyed GCRA limiter: O(1) work per check, no
//! global lock (a sharded map). Memory is bounded: every
//! [`HOUSEKEEPING_EVERY`] checks, keys whose allowance is full again are
//! forgotten, and if more than [`MAX_KEYS`] clients are still being limited
//! (a flood from that many addresses within the window), the table starts
//! afresh rather than grow. IPv6 clients are counted per /64, the block one
//! subscriber gets, so rotating addresses inside it gains nothing.
//!
//! Counted per process: with replicas, each allows the limit. What must
//! hold across replicas (registrations per client and event) is counted in
//! the database instead.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

/// Checks between two passes of housekeeping.
pub const HOUSEKEEPING_EVERY: u32 = 4096;

/// Most keys tracked at once (about 100 bytes each).
pub const MAX_KEYS: usize = 100_000;

/// The unit a client is counted by: its IPv4 address, or its IPv6 /64.
pub fn client_key(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => u128::from(u32::from(v4)),
            None => u128::from(v6) & !((1u128 << 64) - 1),
        },
    }
}

/// A keyed limit: `burst` attempts at once, refilled over `period`.
pub struct Limiter<K: Hash + Eq + Clone> {
    quota: Option<Quota>,
    inner: RwLock<Arc<DefaultKeyedRateLimiter<K>>>,
    checks: AtomicU32,
    clock: DefaultClock,
}

impl<K: Hash + Eq + Clone> std::fmt::Debug for Limiter<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("quota", &self.quota)
            .finish_non_exhaustive()
    }
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    /// Allows `burst` attempts per `period` and key (`0`: no limit).
    pub fn new(burst: u32, period: Duration) -> Self {
        let quota = NonZeroU32::new(burst).and_then(|burst| {
            Quota::with_period(period / burst.get()).map(|quota| quota.allow_burst(burst))
        });
        let fallback = Quota::per_second(NonZeroU32::MIN);
        Self {
            quota,
            inner: RwLock::new(Arc::new(DefaultKeyedRateLimiter::keyed(
                quota.unwrap_or(fallback),
            ))),
            checks: AtomicU32::new(0),
            clock: DefaultClock::default(),
        }
    }

    /// Allows `per_minute` attempts per minute and key (`0`: no limit).
    pub fn per_minute(per_minute: u32) -> Self {
        Self::new(per_minute, Duration::from_secs(60))
    }

    /// True when this limiter limits anything.
    pub fn is_on(&self) -> bool {
        self.quota.is_some()
    }

    fn current(&self) -> Arc<DefaultKeyedRateLimiter<K>> {
        self.inner
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Counts an attempt; `Err(seconds)` tells how long to wait when over.
    pub fn check(&self, key: &K) -> Result<(), u64> {
        let Some(quota) = self.quota else {
            return Ok(());
        };
        if self
            .checks
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(HOUSEKEEPING_EVERY)
        {
            self.housekeeping(quota);
        }
        self.current().check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    fn housekeeping(&self, quota: Quota) {
        let current = self.current();
        if current.len() <= MAX_KEYS / 2 {
            return;
        }
        current.retain_recent();
        current.shrink_to_fit();
        if current.len() > MAX_KEYS {
            tracing::warn!(
                keys = current.len(),
                "rate limit table full: starting afresh"
            );
            *self
                .inner
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) =
                Arc::new(DefaultKeyedRateLimiter::keyed(quota));
        }
    }

    /// Keys tracked now (for tests and monitoring).
    pub fn tracked(&self) -> usize {
        self.current().len()
    }
}

/// The registration attempts of one client address.
pub type RateLimiter = Limiter<u128>;

/// Failed tries per key in a fixed window, for secrets typed by people
/// (invitation codes): a key with `max` failures in the window is refused
/// until the window ends, whatever it tries, so a right guess after many
/// wrong ones is refused too. Successful tries cost nothing, so a town hall
/// registering its members with the right code is never slowed down.
pub struct FailureCounter<K: Hash + Eq> {
    max: u32,
    window: Duration,
    failures: dashmap::DashMap<K, (Instant, u32)>,
    checks: AtomicU32,
}

impl<K: Hash + Eq> std::fmt::Debug for FailureCounter<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FailureCounter")
            .field("max", &self.max)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl<K: Hash + Eq + Clone> FailureCounter<K> {
    /// Allows `max` failures per `window` and key.
    pub fn new(max: u32, window: Duration) -> Self {
        Self {
            max,
            window,
            failures: dashmap::DashMap::new(),
            checks: AtomicU32::new(0),
        }
    }

    /// `Err(seconds)` when the key must wait before trying again.
    pub fn check(&self, key: &K, now: Instant) -> Result<(), u64> {
        if self
            .checks
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(HOUSEKEEPING_EVERY)
            && self.failures.len() > MAX_KEYS / 2
        {
            self.failures
                .retain(|_, (start, _)| now.saturating_duration_since(*start) < self.window);
            if self.failures.len() > MAX_KEYS {
                self.failures.clear();
            }
        }
        match self.failures.get(key) {
            Some(entry) => {
                let (start, count) = *entry;
                let elapsed = now.saturating_duration_since(start);
                if count >= self.max && elapsed < self.window {
                    Err((self.window - elapsed).as_secs().max(1))
                } else {
                    Ok(())
                }
            }
            None => Ok(()),
        }
    }

    /// Records a failed try.
    pub fn fail(&self, key: &K, now: Instant) {
        let mut entry = self.failures.entry(key.clone()).or_insert((now, 0));
        if now.saturating_duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_limit_then_says_how_long_to_wait() {
        let limiter = RateLimiter::per_minute(3);
        let address = client_key("192.0.2.1".parse().unwrap());
        for _ in 0..3 {
            assert!(limiter.check(&address).is_ok());
        }
        let wait = limiter.check(&address).unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        let other = client_key("192.0.2.2".parse().unwrap());
        assert!(limiter.check(&other).is_ok(), "addresses are counted apart");
    }

    #[test]
    fn zero_turns_it_off() {
        let limiter = RateLimiter::per_minute(0);
        let address = client_key("192.0.2.1".parse().unwrap());
        for _ in 0..1000 {
            assert!(limiter.check(&address).is_ok());
        }
        assert!(!limiter.is_on());
    }

    #[test]
    fn an_ipv6_subscriber_is_one_client_whatever_address_it_rotates_to() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(client_key(mapped), client_key("192.0.2.1".parse().unwrap()));
    }

    #[test]
    fn failures_lock_a_key_out_until_the_window_ends_and_successes_cost_nothing() {
        let counter = FailureCounter::new(3, Duration::from_secs(3600));
        let start = Instant::now();
        for _ in 0..100 {
            assert!(counter.check(&1u128, start).is_ok(), "no failure yet");
        }
        for _ in 0..3 {
            assert!(counter.check(&1u128, start).is_ok());
            counter.fail(&1u128, start);
        }
        let wait = counter.check(&1u128, start + Duration::from_secs(600));
        assert_eq!(wait, Err(3000));
        assert!(
            counter.check(&2u128, start).is_ok(),
            "keys are counted apart"
        );
        assert!(
            counter
                .check(&1u128, start + Duration::from_secs(3601))
                .is_ok(),
            "a new window"
        );
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_addresses() {
        let limiter = RateLimiter::per_minute(1);
        for n in 0..(MAX_KEYS as u128 * 3) {
            let _ = limiter.check(&(n << 64));
        }
        assert!(
            limiter.tracked() <= MAX_KEYS + HOUSEKEEPING_EVERY as usize,
            "{} keys tracked",
            limiter.tracked()
        );
    }
}
