//! Persistent, cluster-wide limits (docs/operations.md#rate-limits): counters in the database, so they hold
//! across restarts and across instances that share PostgreSQL. Every hit is one atomic UPSERT
//! ([`crate::db::rate_counters::hit`]).
//!
//! | limit | key | window |
//! |---|---|---|
//! | reset mails per address | `mail:h:`/`mail:d:` + HMAC(address) | fixed UTC hour / UTC day |
//! | failed sign-ins / TOTPs | `fail:<kind>:` + account id (`/d/<device>` for a trusted device) | consecutive, until a success |
//! | reset requests per tenant | `tenant:` + tenant id | fixed `tenant_burst_window_minutes` |
//! | audited limit hits | `hit:<limiter>:` + HMAC(key) | fixed `hit_audit_window_minutes` |
//!
//! Two services count in the same table with keys of their own: the tries of a reset flow's
//! code (`reset_code_flow:` + the flow id's hash, for the flow's life, `reset::redeem::code`) and
//! a domain takeover's verifications (`takeover_verify:` + tenant id, fixed UTC hour,
//! `onboarding::takeover`).
//!
//! Addresses and limiter keys are stored only as an HMAC under a key derived from the master key
//! (instances sharing a database share the master key, so they share the counters).
//!
//! With `rate_limits.enabled = false` every method is a no-op that answers "allowed".
//! Time comes from the injected [`Clock`](crate::services::clock::Clock).

mod counters;
mod failures;
#[cfg(test)]
mod tests;

use super::groups::Limiter;
use super::inprocess::LimitKey;
use crate::config::RateLimitSettings;
use crate::db::{AnyConnection, Db, DbError};
use crate::services::clock::SharedClock;
use chrono::{DateTime, DurationRound, NaiveDateTime, TimeDelta, Utc};

pub use failures::DEVICE_SEPARATOR;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Consecutive-failure counters live this long after the last failure.
const FAILURE_RETENTION: TimeDelta = TimeDelta::days(90);

/// Which kind of authentication failed (each has its own consecutive count, so a correct
/// password does not reset the TOTP failures and vice versa).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// A guest's password at `/signin`.
    SignIn,
    /// A guest's TOTP code.
    Totp,
    /// An admin's sign-in, password and TOTP steps together.
    Admin,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::SignIn => "signin",
            FailureKind::Totp => "totp",
            FailureKind::Admin => "admin",
        }
    }
}

/// Whether an account may try a method (sign-in, TOTP) now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowance {
    /// Go ahead.
    Allowed,
    /// Exponential backoff: not before this time (answer 429 with
    /// [`Allowance::retry_after_seconds`]).
    NotBefore(DateTime<Utc>),
    /// `max_consecutive_failures` reached (NIST SP 800-63B: ≤ 100): refuse this method until a
    /// success elsewhere (a completed password reset) calls
    /// [`PersistentLimits::reset_failures`]. The reset flow itself is never blocked by it
    /// (docs/security.md#30: no DoS lockout).
    Blocked,
}

impl Allowance {
    /// Seconds until an attempt may be made (for `Retry-After`), `None` when allowed now or
    /// blocked.
    pub fn retry_after_seconds(&self, now: DateTime<Utc>) -> Option<u64> {
        match self {
            Allowance::NotBefore(t) if *t > now => {
                let ms = (*t - now).num_milliseconds().max(0) as u64;
                Some(ms.div_ceil(1000).max(1))
            }
            _ => None,
        }
    }
}

/// The shape of a consecutive-failure backoff: no delay for the first `free_failures`, then
/// `base_seconds`, doubling with every further failure, capped at `max_seconds`; at
/// `hard_stop` (when set) the method is refused until a success elsewhere clears the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub free_failures: u32,
    pub base_seconds: u64,
    pub max_seconds: u64,
    pub hard_stop: Option<u32>,
}

impl Backoff {
    /// The backoff the `rate_limits` settings describe (guest sign-in and TOTP).
    pub fn of_settings(s: &RateLimitSettings) -> Self {
        Self {
            free_failures: s.failures_before_backoff,
            base_seconds: s.failure_backoff_base_seconds,
            max_seconds: s.failure_backoff_max_seconds,
            hard_stop: Some(s.max_consecutive_failures),
        }
    }

    /// The delay after `failures` consecutive failures; `None` once the hard stop is reached.
    pub fn delay(&self, failures: u32) -> Option<TimeDelta> {
        if self.hard_stop.is_some_and(|stop| failures >= stop) {
            return None;
        }
        if failures <= self.free_failures {
            return Some(TimeDelta::zero());
        }
        let doublings = (failures - self.free_failures - 1).min(32);
        let secs = self
            .base_seconds
            .saturating_mul(1u64 << doublings)
            .min(self.max_seconds);
        Some(TimeDelta::seconds(
            i64::try_from(secs).unwrap_or(i64::MAX / 1000),
        ))
    }
}

/// The backoff after `failures` consecutive failures under the `rate_limits` settings: none
/// for the first `failures_before_backoff`, then `base`, doubling, capped at `max`; `None` once
/// the hard stop is reached.
pub fn backoff(failures: u32, s: &RateLimitSettings) -> Option<TimeDelta> {
    Backoff::of_settings(s).delay(failures)
}

/// The persistent limits service. Cheap to clone; every method is async and takes its own
/// connection.
#[derive(Clone)]
pub struct PersistentLimits {
    db: Db,
    clock: SharedClock,
    settings: Arc<RateLimitSettings>,
    hash_key: Arc<[u8; 32]>,
    /// (limiter, key) → the audit window last audited by this instance: a flood of limited
    /// requests reaches the database once per key and window, not once per request.
    audited: Arc<Mutex<HashMap<(Limiter, LimitKey), NaiveDateTime>>>,
}

impl std::fmt::Debug for PersistentLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersistentLimits")
            .field("enabled", &self.settings.enabled)
            .finish_non_exhaustive()
    }
}

fn epoch() -> NaiveDateTime {
    DateTime::<Utc>::UNIX_EPOCH.naive_utc()
}

/// The start of the fixed window of length `len` that holds `now`.
fn window(now: NaiveDateTime, len: TimeDelta) -> NaiveDateTime {
    now.duration_trunc(len).unwrap_or(now)
}

fn minutes(n: u32) -> TimeDelta {
    TimeDelta::minutes(i64::from(n))
}

impl PersistentLimits {
    /// `hash_key` keys the HMAC that stands in for addresses and limiter keys in counter keys;
    /// pass `settings.master_key.derive("latchkey/ratelimit/keys")`.
    pub fn new(
        db: Db,
        clock: SharedClock,
        settings: RateLimitSettings,
        hash_key: [u8; 32],
    ) -> Self {
        Self {
            db,
            clock,
            settings: Arc::new(settings),
            hash_key: Arc::new(hash_key),
            audited: Arc::default(),
        }
    }

    /// Whether limits are on.
    pub fn enabled(&self) -> bool {
        self.settings.enabled
    }

    /// The failure backoff of the `rate_limits` settings.
    pub fn configured_backoff(&self) -> Backoff {
        Backoff::of_settings(&self.settings)
    }

    fn now(&self) -> NaiveDateTime {
        // Millisecond precision: both backends store it exactly, so a window start read back
        // compares equal to the one written.
        let now = self.clock.now_naive();
        now.duration_trunc(TimeDelta::milliseconds(1))
            .unwrap_or(now)
    }

    /// The failure-count key of a sign-in for an address no account has: `addr:` and an HMAC
    /// of the address (never stored in clear), so it cannot collide with a user id.
    pub fn address_key(&self, address: &str) -> String {
        format!("addr:{}", self.hashed(address))
    }

    fn hashed(&self, text: &str) -> String {
        hex::encode(crate::security::hmac_sha256(
            self.hash_key.as_ref(),
            text.as_bytes(),
        ))
    }

    async fn run<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Self, &mut AnyConnection) -> Result<T, DbError> + Send + 'static,
    {
        let this = self.clone();
        self.db.run(move |conn| f(&this, conn)).await
    }

    /// A grouped write ([`Db::run_grouped`]) when the limits are enabled; `off` without touching the database when
    /// `rate_limits.enabled = false`.
    async fn run_enabled<T, F>(&self, off: T, mut f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnMut(&Self, &mut AnyConnection) -> Result<T, DbError> + Send + 'static,
    {
        if !self.enabled() {
            return Ok(off);
        }
        // Counter hits are small writes on hot paths (every reset request, every mail): on
        // SQLite they join the group commit instead of contending for the writer lock.
        let this = self.clone();
        self.db.run_grouped(move |conn| f(&this, conn)).await
    }
}
