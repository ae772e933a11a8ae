//! Slowing down password guessing: per account (its e-mail, known or not) and per client
//! address, a few failed sign-ins are free; after that each attempt waits for a delay
//! that doubles with every further failure (429 with `Retry-After` until then). Failures
//! are forgotten after a quiet period. Attempts in flight are capped too, so that a burst
//! of concurrent guesses is turned away before any password is hashed.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Failed sign-ins of one account before delays begin.
pub const FREE_FAILURES_PER_ACCOUNT: u32 = 5;
/// Failed sign-ins from one address before delays begin (several people may share it).
pub const FREE_FAILURES_PER_ADDRESS: u32 = 20;
/// Sign-ins in flight at once for one account, and from one address.
pub const IN_FLIGHT_PER_ACCOUNT: u32 = 2;
pub const IN_FLIGHT_PER_ADDRESS: u32 = 4;
/// The longest delay.
pub const MAX_DELAY: Duration = Duration::from_secs(300);
/// Failures older than this are forgotten.
pub const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// Entries kept at most (an attacker cycling e-mails or addresses cannot grow it).
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(IpAddr),
}

#[derive(Debug, Default)]
struct Entry {
    failures: u32,
    last_failure: Option<Instant>,
    in_flight: u32,
}

impl Entry {
    /// How long until the next attempt may run; zero when it may now.
    fn wait(&mut self, free: u32, in_flight_cap: u32, now: Instant) -> Duration {
        if let Some(at) = self.last_failure
            && now.duration_since(at) >= FORGET_AFTER
        {
            self.failures = 0;
            self.last_failure = None;
        }
        if self.in_flight >= in_flight_cap {
            return Duration::from_secs(1);
        }
        let (Some(at), true) = (self.last_failure, self.failures >= free) else {
            return Duration::ZERO;
        };
        let steps = (self.failures - free).min(16);
        let delay = Duration::from_secs(1u64 << steps).min(MAX_DELAY);
        (at + delay).saturating_duration_since(now)
    }
}

#[derive(Default)]
pub struct LoginThrottle {
    entries: Mutex<HashMap<Key, Entry>>,
}

/// A sign-in allowed to run; `finish` says how it went (dropping it unfinished counts as
/// neither success nor failure, e.g. a hashing error).
pub struct Attempt {
    throttle: Arc<LoginThrottle>,
    keys: Vec<Key>,
}

impl LoginThrottle {
    fn entries(&self) -> MutexGuard<'_, HashMap<Key, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a sign-in of `email` (none: an account being created) from `address`;
    /// `Err(wait)` when it must wait that long first.
    pub fn begin(
        self: &Arc<Self>,
        email: Option<&str>,
        address: Option<IpAddr>,
    ) -> Result<Attempt, Duration> {
        let now = Instant::now();
        let mut keys = Vec::new();
        if let Some(e) = email {
            // Longer than any address can be: the key stays small whatever is sent.
            let e: String = e.chars().take(strm_model::rules::EMAIL_MAX).collect();
            keys.push((
                Key::Account(crate::accounts::normalize_email(&e)),
                FREE_FAILURES_PER_ACCOUNT,
                IN_FLIGHT_PER_ACCOUNT,
            ));
        }
        if let Some(a) = address {
            keys.push((
                Key::Address(a),
                FREE_FAILURES_PER_ADDRESS,
                IN_FLIGHT_PER_ADDRESS,
            ));
        }
        let mut entries = self.entries();
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| {
                e.in_flight > 0
                    || e.last_failure
                        .is_some_and(|at| now.duration_since(at) < FORGET_AFTER)
            });
            if entries.len() >= MAX_ENTRIES {
                entries.retain(|_, e| e.in_flight > 0);
            }
        }
        let wait = keys
            .iter()
            .filter_map(|(k, free, cap)| Some(entries.get_mut(k)?.wait(*free, *cap, now)))
            .max()
            .unwrap_or_default();
        if !wait.is_zero() {
            return Err(wait);
        }
        for (k, _, _) in &keys {
            entries.entry(k.clone()).or_default().in_flight += 1;
        }
        Ok(Attempt {
            throttle: self.clone(),
            keys: keys.into_iter().map(|(k, _, _)| k).collect(),
        })
    }
}

impl Attempt {
    /// Records the outcome: a failure counts against the account and the address; a
    /// success forgets the account's failures (the address's stay: an attacker with an
    /// account of their own must not be able to reset them).
    pub fn finish(self, success: bool) {
        let now = Instant::now();
        let mut entries = self.throttle.entries();
        for key in &self.keys {
            if let Some(e) = entries.get_mut(key) {
                match (success, key) {
                    (false, _) => {
                        e.failures = e.failures.saturating_add(1);
                        e.last_failure = Some(now);
                    }
                    (true, Key::Account(_)) => {
                        e.failures = 0;
                        e.last_failure = None;
                    }
                    (true, Key::Address(_)) => {}
                }
            }
        }
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        let mut entries = self.throttle.entries();
        for key in &self.keys {
            if let Some(e) = entries.get_mut(key) {
                e.in_flight = e.in_flight.saturating_sub(1);
                if e.in_flight == 0 && e.failures == 0 {
                    entries.remove(key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u8) -> Option<IpAddr> {
        Some(IpAddr::from([10, 0, 0, n]))
    }

    #[test]
    fn a_few_failures_are_free_then_each_waits_longer() {
        let t = Arc::new(LoginThrottle::default());
        for _ in 0..FREE_FAILURES_PER_ACCOUNT {
            t.begin(Some("a@b.c"), ip(1)).unwrap().finish(false);
        }
        let wait = t
            .begin(Some("A@b.c"), ip(2))
            .err()
            .expect("the account waits, from any address");
        assert!(
            wait > Duration::from_millis(900) && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(
            t.begin(Some("other@b.c"), ip(2)).is_ok(),
            "other accounts do not wait"
        );
        // Failures of many accounts from one address make that address wait.
        for n in 0..FREE_FAILURES_PER_ADDRESS {
            t.begin(Some(&format!("u{n}@b.c")), ip(3))
                .unwrap()
                .finish(false);
        }
        assert!(t.begin(Some("fresh@b.c"), ip(3)).is_err());
        assert!(t.begin(Some("fresh@b.c"), ip(4)).is_ok());
    }

    #[test]
    fn delays_double_and_are_capped() {
        let mut e = Entry::default();
        let now = Instant::now();
        e.last_failure = Some(now);
        let mut last = Duration::ZERO;
        for failures in 5..40 {
            e.failures = failures;
            let wait = e.wait(5, 10, now);
            assert!(wait >= last && wait <= MAX_DELAY, "{failures}: {wait:?}");
            last = wait;
        }
        assert_eq!(last, MAX_DELAY);
        assert_eq!(
            e.wait(5, 10, now + FORGET_AFTER),
            Duration::ZERO,
            "forgotten"
        );
    }

    #[test]
    fn concurrent_attempts_are_capped_and_success_clears_the_account() {
        let t = Arc::new(LoginThrottle::default());
        let held: Vec<_> = (0..IN_FLIGHT_PER_ADDRESS)
            .map(|n| t.begin(Some(&format!("p{n}@b.c")), ip(1)).unwrap())
            .collect();
        assert!(
            t.begin(Some("q@b.c"), ip(1)).is_err(),
            "too many at once from one address"
        );
        drop(held);
        assert!(t.begin(Some("q@b.c"), ip(1)).is_ok());
        for _ in 0..FREE_FAILURES_PER_ACCOUNT - 1 {
            t.begin(Some("a@b.c"), ip(5)).unwrap().finish(false);
        }
        t.begin(Some("a@b.c"), ip(5)).unwrap().finish(true);
        t.begin(Some("a@b.c"), ip(5)).unwrap().finish(false);
        assert!(
            t.begin(Some("a@b.c"), ip(5)).is_ok(),
            "the success reset the account"
        );
        assert!(
            t.entries().len() <= 3,
            "idle entries without failures are dropped"
        );
    }
}
