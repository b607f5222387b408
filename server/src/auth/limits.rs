//! Abuse limits: a request rate per account, and failed authentications
//! per peer address answered later and later (so tokens cannot be guessed
//! by trying, and a script that keeps failing is slowed down). Both are kept
//! in this process's memory: with several replicas, each enforces them on
//! the requests it receives.
//!
//! Failures are slowed down, never refused: one address can stand for a
//! whole France Services building behind one NAT, and a broken script there
//! must not lock its neighbours out. Valid credentials from an address that
//! keeps failing are served at once.

use std::{
    collections::HashMap,
    net::IpAddr,
    num::NonZeroU32,
    sync::Mutex,
    time::{Duration, Instant},
};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock as _};
use relais_core::org::AccountId;

use crate::config::LimitsConfig;

/// The limits of this process.
#[derive(Debug)]
pub struct Limits {
    rate: DefaultKeyedRateLimiter<AccountId>,
    failures: Mutex<HashMap<IpAddr, Window>>,
    failures_allowed: u32,
    first_delay: Duration,
    max_delay: Duration,
}

/// Failed authentications of one address in the current minute.
#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

const MINUTE: Duration = Duration::from_secs(60);

/// The addresses whose failures are counted at once, at most: beyond, the
/// address whose minute ends first is forgotten, so that a flood of
/// addresses (an IPv6 prefix has plenty) cannot fill the memory.
const ADDRESSES: usize = 10_000;

impl Limits {
    pub fn new(settings: &LimitsConfig) -> Limits {
        let per_second = NonZeroU32::new(settings.requests_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(settings.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Limits {
            rate: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
            failures: Mutex::new(HashMap::new()),
            failures_allowed: settings.failed_authentications_per_minute,
            first_delay: Duration::from_millis(settings.failed_authentication_delay_ms),
            max_delay: Duration::from_millis(settings.failed_authentication_max_delay_ms),
        }
    }

    /// Counts a request of `account`; `Err` holds how long to wait.
    pub fn admit(&self, account: AccountId) -> Result<(), Duration> {
        self.rate.check_key(&account).map_err(|not_until| {
            not_until.wait_time_from(governor::clock::DefaultClock::default().now())
        })
    }

    /// Counts a failed authentication from `peer`, and says how long to hold
    /// its answer back: not at all within the allowance, then the first
    /// delay, doubled at each further failure of the minute, up to the cap.
    pub fn failed(&self, peer: IpAddr) -> Duration {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if failures.len() >= ADDRESSES && !failures.contains_key(&peer) {
            failures.retain(|_, window| window.started.elapsed() < MINUTE);
            if failures.len() >= ADDRESSES
                && let Some(oldest) = failures
                    .iter()
                    .min_by_key(|(_, window)| window.started)
                    .map(|(address, _)| *address)
            {
                failures.remove(&oldest);
            }
        }
        let now = Instant::now();
        let window = failures.entry(peer).or_insert(Window {
            started: now,
            failures: 0,
        });
        if window.started.elapsed() >= MINUTE {
            *window = Window {
                started: now,
                failures: 0,
            };
        }
        window.failures = window.failures.saturating_add(1);
        self.delay(window.failures.saturating_sub(self.failures_allowed))
    }

    /// The delay of the `excess`-th failure beyond the allowance.
    fn delay(&self, excess: u32) -> Duration {
        match excess {
            0 => Duration::ZERO,
            n => self
                .first_delay
                .saturating_mul(1 << (n - 1).min(31))
                .min(self.max_delay),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_beyond_its_burst_is_told_to_wait() {
        let limits = Limits::new(&LimitsConfig {
            requests_per_second: 1,
            burst: 3,
            failed_authentications_per_minute: 2,
            ..LimitsConfig::default()
        });
        let account = AccountId::generate();
        for _ in 0..3 {
            assert!(limits.admit(account).is_ok());
        }
        let wait = limits.admit(account).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(
            limits.admit(AccountId::generate()).is_ok(),
            "other accounts are not held back"
        );
    }

    #[test]
    fn failures_beyond_the_allowance_wait_twice_as_long_each_time_up_to_the_cap() {
        let limits = Limits::new(&LimitsConfig {
            failed_authentications_per_minute: 2,
            failed_authentication_delay_ms: 100,
            failed_authentication_max_delay_ms: 350,
            ..LimitsConfig::default()
        });
        let peer: IpAddr = "192.0.2.7".parse().unwrap();
        let delays: Vec<Duration> = (0..7).map(|_| limits.failed(peer)).collect();
        let expected = [0, 0, 100, 200, 350, 350, 350].map(Duration::from_millis);
        assert_eq!(delays, expected);
        assert_eq!(
            limits.failed("192.0.2.8".parse().unwrap()),
            Duration::ZERO,
            "another address starts afresh"
        );
    }

    #[test]
    fn the_addresses_counted_stay_bounded() {
        let limits = Limits::new(&LimitsConfig::default());
        for n in 0..u32::try_from(ADDRESSES).unwrap() + 10 {
            limits.failed(IpAddr::from(n.to_be_bytes()));
        }
        let counted = limits.failures.lock().unwrap().len();
        assert_eq!(counted, ADDRESSES);
    }
}
