//! Abuse limits: a request rate per account, and a cap on failed
//! authentications per peer address (so tokens cannot be guessed by
//! trying). Both are kept in this process's memory: with several replicas,
//! each enforces them on the requests it receives.

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
}

/// Failed authentications of one address in the current minute.
#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

const MINUTE: Duration = Duration::from_secs(60);

impl Limits {
    pub fn new(settings: &LimitsConfig) -> Limits {
        let per_second = NonZeroU32::new(settings.requests_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(settings.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Limits {
            rate: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
            failures: Mutex::new(HashMap::new()),
            failures_allowed: settings.failed_authentications_per_minute,
        }
    }

    /// Counts a request of `account`; `Err` holds how long to wait.
    pub fn admit(&self, account: AccountId) -> Result<(), Duration> {
        self.rate.check_key(&account).map_err(|not_until| {
            not_until.wait_time_from(governor::clock::DefaultClock::default().now())
        })
    }

    /// `Err` (how long to wait) when `peer` failed to authenticate too often lately.
    pub fn check_peer(&self, peer: IpAddr) -> Result<(), Duration> {
        let failures = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match failures.get(&peer) {
            Some(window)
                if window.started.elapsed() < MINUTE
                    && window.failures >= self.failures_allowed =>
            {
                Err(MINUTE.saturating_sub(window.started.elapsed()))
            }
            _ => Ok(()),
        }
    }

    /// Counts a failed authentication from `peer`.
    pub fn failed(&self, peer: IpAddr) {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        // Forget finished minutes, so that the table stays small.
        if failures.len() > 10_000 {
            failures.retain(|_, window| window.started.elapsed() < MINUTE);
        }
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
        window.failures += 1;
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
    fn an_address_that_keeps_failing_is_refused_for_the_minute() {
        let limits = Limits::new(&LimitsConfig {
            requests_per_second: 1,
            burst: 1,
            failed_authentications_per_minute: 2,
            ..LimitsConfig::default()
        });
        let peer: IpAddr = "192.0.2.7".parse().unwrap();
        assert!(limits.check_peer(peer).is_ok());
        limits.failed(peer);
        assert!(limits.check_peer(peer).is_ok());
        limits.failed(peer);
        let wait = limits.check_peer(peer).unwrap_err();
        assert!(wait <= MINUTE);
        assert!(limits.check_peer("192.0.2.8".parse().unwrap()).is_ok());
    }
}
