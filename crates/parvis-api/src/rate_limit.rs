//! Registration attempts per client address and minute.
//!
//! Generous by default (120 a minute: a whole town hall may sit behind one
//! address), configurable with `PARVIS_RATE_LIMIT_PER_MINUTE`, `0` turning
//! it off. Counted per process: with replicas, each allows the limit.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A fixed one-minute window per address.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    /// A limiter allowing `per_minute` attempts (0: unlimited).
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt; `Err(seconds)` tells how long to wait when over.
    pub fn check(&self, address: IpAddr, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let minute = Duration::from_secs(60);
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < minute);
        }
        let (start, count) = windows.entry(address).or_insert((now, 0));
        if now.duration_since(*start) >= minute {
            *start = now;
            *count = 0;
        }
        if *count >= self.per_minute {
            let wait = minute.saturating_sub(now.duration_since(*start));
            return Err(wait.as_secs().max(1));
        }
        *count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_limit_then_says_how_long_to_wait() {
        let limiter = RateLimiter::new(3);
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(address, start).is_ok());
        }
        assert_eq!(
            limiter.check(address, start + Duration::from_secs(15)),
            Err(45)
        );
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(
            limiter.check(other, start).is_ok(),
            "addresses are counted apart"
        );
        assert!(
            limiter
                .check(address, start + Duration::from_secs(61))
                .is_ok(),
            "a new minute"
        );
    }

    #[test]
    fn zero_turns_it_off() {
        let limiter = RateLimiter::new(0);
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..1000 {
            assert!(limiter.check(address, Instant::now()).is_ok());
        }
    }
}
