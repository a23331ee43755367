//! In-process limits (governor, GCRA): one keyed limiter per route group and one unkeyed
//! ceiling on `POST /reset`. State is per instance and resets on restart (docs/security.md#43:
//! the persistent limits are what survive). [`Limiters::prune`] runs on a timer so a flood
//! from many addresses cannot grow memory without bound.

use super::groups::Limiter;
use crate::config::{QuotaSettings, RateLimitSettings};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What a keyed limiter counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LimitKey {
    /// A client address. IPv6 is keyed by its /64, the block one subscriber usually holds, so
    /// rotating through it does not buy fresh quota.
    Ip(IpAddr),
    /// The SHA-256 of an authenticated API key's id.
    ApiKey([u8; 32]),
}

impl LimitKey {
    /// The key for a client address (IPv6 masked to its /64).
    pub fn ip(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V6(v6) => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                LimitKey::Ip(IpAddr::V6(bits.into()))
            }
            v4 => LimitKey::Ip(v4),
        }
    }

    /// The key for an authenticated API key (by its id: a made-up bearer value never gets a
    /// bucket of its own).
    pub fn api_key(key_id: &str) -> Self {
        LimitKey::ApiKey(Sha256::digest(key_id.as_bytes()).into())
    }

    /// A stable text form for counter keys and logs: the (masked) address, or `key:` and the
    /// first 16 hex characters of the API key's hash.
    pub fn describe(&self) -> String {
        match self {
            LimitKey::Ip(ip) => ip.to_string(),
            LimitKey::ApiKey(h) => format!("key:{}", hex::encode(&h[..8])),
        }
    }
}

/// A refused request: which limiter, and how long until it would pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub limiter: Limiter,
    pub wait: Duration,
}

impl Limited {
    /// The `Retry-After` value: the wait rounded up to whole seconds, at least 1.
    pub fn retry_after_seconds(&self) -> u64 {
        let secs = self.wait.as_secs() + u64::from(self.wait.subsec_nanos() > 0);
        secs.max(1)
    }
}

type Keyed<C> =
    RateLimiter<LimitKey, DashMapStateStore<LimitKey>, C, NoOpMiddleware<<C as Clock>::Instant>>;
type Direct<C> = RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// Every in-process limiter of the instance.
pub struct Limiters<C: Clock = DefaultClock> {
    enabled: bool,
    clock: C,
    public_forms: Keyed<C>,
    token_pages: Keyed<C>,
    admin_login: Keyed<C>,
    admin: Keyed<C>,
    api: Keyed<C>,
    api_unauthenticated: Keyed<C>,
    reset_global: Direct<C>,
    sign_in_global: Direct<C>,
    /// Addresses the API refused for unknown keys, until when: later requests from them are
    /// refused before the key is looked up (see [`Limiters::api_address_refused`]).
    api_refused: Mutex<HashMap<LimitKey, Instant>>,
}

impl<C: Clock> std::fmt::Debug for Limiters<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiters")
            .field("enabled", &self.enabled)
            .field("keys", &self.total_keys())
            .finish()
    }
}

/// The governor quota for a setting. Validation has ensured both numbers are at least 1; a 0
/// that slipped through would become 1 rather than panic.
pub fn quota(q: QuotaSettings) -> Quota {
    let nz = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(nz(q.per_minute)).allow_burst(nz(q.burst))
}

impl Limiters<DefaultClock> {
    /// The production limiters on governor's monotonic clock.
    pub fn new(settings: &RateLimitSettings) -> Self {
        Self::with_clock(settings, DefaultClock::default())
    }
}

impl<C: Clock + Clone> Limiters<C> {
    /// Limiters on any governor clock (tests use `FakeRelativeClock`).
    pub fn with_clock(settings: &RateLimitSettings, clock: C) -> Self {
        let keyed = |q: QuotaSettings| {
            RateLimiter::new(quota(q), DashMapStateStore::default(), clock.clone())
        };
        Self {
            enabled: settings.enabled,
            public_forms: keyed(settings.public_forms),
            token_pages: keyed(settings.token_pages),
            admin_login: keyed(settings.admin_login),
            admin: keyed(settings.admin),
            api: keyed(settings.api),
            api_unauthenticated: keyed(settings.api_unauthenticated),
            reset_global: RateLimiter::new(
                quota(settings.reset_global),
                InMemoryState::default(),
                clock.clone(),
            ),
            sign_in_global: RateLimiter::new(
                quota(settings.sign_in_global),
                InMemoryState::default(),
                clock.clone(),
            ),
            api_refused: Mutex::default(),
            clock,
        }
    }
}

impl<C: Clock> Limiters<C> {
    /// Whether limits are on (`rate_limits.enabled`).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn keyed(&self, limiter: Limiter) -> Option<&Keyed<C>> {
        match limiter {
            Limiter::PublicForms => Some(&self.public_forms),
            Limiter::TokenPages => Some(&self.token_pages),
            Limiter::AdminLogin => Some(&self.admin_login),
            Limiter::Admin => Some(&self.admin),
            Limiter::Api => Some(&self.api),
            Limiter::ApiUnauthenticated => Some(&self.api_unauthenticated),
            Limiter::ResetGlobal | Limiter::SignInGlobal => None,
        }
    }

    /// Counts one request against `limiter` for `key` (the global ceilings ignore the key).
    /// `Err` says how long until the request would pass. Always `Ok` when disabled.
    pub fn check(&self, limiter: Limiter, key: &LimitKey) -> Result<(), Limited> {
        if !self.enabled {
            return Ok(());
        }
        let outcome = match (self.keyed(limiter), limiter) {
            (Some(l), _) => l.check_key(key),
            (None, Limiter::SignInGlobal) => self.sign_in_global.check(),
            (None, _) => self.reset_global.check(),
        };
        outcome.map(|_| ()).map_err(|not_until| Limited {
            limiter,
            wait: not_until.wait_time_from(self.clock.now()),
        })
    }

    /// Counts one API request with a missing or unknown key against the address's
    /// [`Limiter::ApiUnauthenticated`] budget; a refusal is remembered for its wait, so the
    /// address's next requests are refused by [`Self::api_address_refused`] before any key is
    /// looked up.
    pub fn check_api_address(&self, key: &LimitKey) -> Result<(), Limited> {
        let outcome = self.check(Limiter::ApiUnauthenticated, key);
        if let Err(limited) = &outcome {
            self.api_refused
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(*key, Instant::now() + limited.wait);
        }
        outcome
    }

    /// Whether the address is still refused for an earlier run of unknown keys (no budget
    /// is spent by asking).
    pub fn api_address_refused(&self, key: &LimitKey) -> Option<Limited> {
        if !self.enabled {
            return None;
        }
        let refused = self.api_refused.lock().unwrap_or_else(|p| p.into_inner());
        let until = *refused.get(key)?;
        let wait = until.checked_duration_since(Instant::now())?;
        Some(Limited {
            limiter: Limiter::ApiUnauthenticated,
            wait,
        })
    }

    /// Drops every key whose state is indistinguishable from a fresh one and returns the
    /// memory (governor's `retain_recent` + `shrink_to_fit`). Run on a timer.
    pub fn prune(&self) {
        for l in [
            &self.public_forms,
            &self.token_pages,
            &self.admin_login,
            &self.admin,
            &self.api,
            &self.api_unauthenticated,
        ] {
            l.retain_recent();
            l.shrink_to_fit();
        }
        let now = Instant::now();
        let mut refused = self.api_refused.lock().unwrap_or_else(|p| p.into_inner());
        refused.retain(|_, until| *until > now);
        refused.shrink_to_fit();
    }

    /// Keys held by one limiter (0 for the unkeyed ceiling).
    pub fn len(&self, limiter: Limiter) -> usize {
        self.keyed(limiter).map_or(0, |l| l.len())
    }

    /// Keys held by all limiters together.
    pub fn total_keys(&self) -> usize {
        Limiter::ALL.iter().map(|l| self.len(*l)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    fn settings() -> RateLimitSettings {
        RateLimitSettings {
            public_forms: QuotaSettings::new(60, 2),
            reset_global: QuotaSettings::new(6, 3),
            ..RateLimitSettings::default()
        }
    }

    fn key(n: u32) -> LimitKey {
        LimitKey::ip(IpAddr::V4(n.into()))
    }

    #[test]
    fn under_the_burst_passes_and_over_it_waits_one_period() {
        let clock = FakeRelativeClock::default();
        let l = Limiters::with_clock(&settings(), clock.clone());
        assert!(l.check(Limiter::PublicForms, &key(1)).is_ok());
        assert!(l.check(Limiter::PublicForms, &key(1)).is_ok());
        let limited = l.check(Limiter::PublicForms, &key(1)).unwrap_err();
        assert_eq!(limited.limiter, Limiter::PublicForms);
        assert_eq!(limited.retry_after_seconds(), 1);
        // Another address is unaffected.
        assert!(l.check(Limiter::PublicForms, &key(2)).is_ok());
        clock.advance(Duration::from_secs(1));
        assert!(l.check(Limiter::PublicForms, &key(1)).is_ok());
    }

    #[test]
    fn retry_after_rounds_up_the_wait() {
        let clock = FakeRelativeClock::default();
        let l = Limiters::with_clock(&settings(), clock.clone());
        for _ in 0..3 {
            assert!(l.check(Limiter::ResetGlobal, &key(1)).is_ok());
        }
        // 6 per minute: one every 10 s.
        let limited = l.check(Limiter::ResetGlobal, &key(2)).unwrap_err();
        assert_eq!(limited.retry_after_seconds(), 10);
        clock.advance(Duration::from_millis(9_500));
        let limited = l.check(Limiter::ResetGlobal, &key(3)).unwrap_err();
        assert_eq!(limited.retry_after_seconds(), 1);
        clock.advance(Duration::from_millis(500));
        assert!(l.check(Limiter::ResetGlobal, &key(3)).is_ok());
    }

    #[test]
    fn disabled_limiters_always_pass() {
        let s = RateLimitSettings {
            enabled: false,
            ..settings()
        };
        let l = Limiters::with_clock(&s, FakeRelativeClock::default());
        for _ in 0..100 {
            assert!(l.check(Limiter::PublicForms, &key(1)).is_ok());
            assert!(l.check(Limiter::ResetGlobal, &key(1)).is_ok());
        }
        assert_eq!(l.total_keys(), 0);
    }

    #[test]
    fn ipv6_addresses_share_their_slash_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(LimitKey::ip(a), LimitKey::ip(b));
        assert_ne!(LimitKey::ip(a), LimitKey::ip(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(
            LimitKey::ip(mapped),
            LimitKey::Ip("192.0.2.1".parse().unwrap())
        );
    }

    #[test]
    fn pruning_forgets_idle_keys_only() {
        let clock = FakeRelativeClock::default();
        let l = Limiters::with_clock(&settings(), clock.clone());
        l.check(Limiter::PublicForms, &key(1)).unwrap();
        l.check(Limiter::PublicForms, &key(1)).unwrap();
        clock.advance(Duration::from_millis(500));
        l.check(Limiter::PublicForms, &key(2)).unwrap();
        l.prune();
        assert_eq!(l.len(Limiter::PublicForms), 2);
        // governor keeps a key one emission interval (here 1 s) past its theoretical
        // arrival time (key 1: 2 s, key 2: 1.5 s).
        clock.advance(Duration::from_millis(2_100));
        l.prune();
        assert_eq!(l.len(Limiter::PublicForms), 1);
        clock.advance(Duration::from_millis(500));
        l.prune();
        assert_eq!(l.len(Limiter::PublicForms), 0);
    }
}
