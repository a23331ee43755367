//! Persistent, cluster-wide limits (DESIGN.md §6): counters in the database, so they hold
//! across restarts and across instances that share PostgreSQL. Every hit is one atomic UPSERT
//! ([`crate::db::rate_counters::hit`]).
//!
//! | limit | key | window |
//! |---|---|---|
//! | reset mails per address | `mail:h:`/`mail:d:` + HMAC(address) | fixed UTC hour / UTC day |
//! | reset attempts per account | `reset:` + user id | rolling 24 h (one row per attempt) |
//! | failed sign-ins / TOTPs | `fail:<kind>:` + user id | consecutive, until a success |
//! | wrong codes per flow | `code:` + HMAC(flow key) | the flow's life (24 h) |
//! | reset requests per tenant | `tenant:` + tenant id | fixed `tenant_burst_window_minutes` |
//! | audited limit hits | `hit:<limiter>:` + HMAC(key) | fixed `hit_audit_window_minutes` |
//!
//! Addresses and flow keys are stored only as an HMAC under a key derived from the master key
//! (instances sharing a database share the master key, so they share the counters).
//!
//! With `rate_limits.enabled = false` every method is a no-op that answers "allowed".
//! Time comes from the injected [`Clock`](crate::clock::Clock).

use super::groups::Limiter;
use super::inprocess::LimitKey;
use crate::clock::SharedClock;
use crate::config::RateLimitSettings;
use crate::db::audit::{self, NewAuditEvent};
use crate::db::{rate_counters, AnyConnection, Db, DbError};
use crate::domain::{EmailAddress, TenantId, UserId};
use chrono::{DateTime, DurationRound, NaiveDateTime, TimeDelta, Utc};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Consecutive-failure counters live this long after the last failure.
const FAILURE_RETENTION: TimeDelta = TimeDelta::days(90);
/// A code flow's counter outlives any flow (tokens live ≤ 24 h, NIST).
const FLOW_RETENTION: TimeDelta = TimeDelta::hours(24);
/// The rolling window of the per-account reset attempt limit.
const ATTEMPT_WINDOW: TimeDelta = TimeDelta::hours(24);

/// Which kind of authentication failed (each has its own consecutive count, so a correct
/// password does not reset the TOTP failures and vice versa).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    SignIn,
    Totp,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::SignIn => "signin",
            FailureKind::Totp => "totp",
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
    /// (SECURITY.md #30: no DoS lockout).
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

/// The backoff after `failures` consecutive failures: none for the first
/// `failures_before_backoff`, then `base`, doubling, capped at `max`; `None` once the hard
/// stop is reached.
pub fn backoff(failures: u32, s: &RateLimitSettings) -> Option<TimeDelta> {
    if failures >= s.max_consecutive_failures {
        return None;
    }
    if failures <= s.failures_before_backoff {
        return Some(TimeDelta::zero());
    }
    let doublings = (failures - s.failures_before_backoff - 1).min(32);
    let secs = s
        .failure_backoff_base_seconds
        .saturating_mul(1u64 << doublings)
        .min(s.failure_backoff_max_seconds);
    Some(TimeDelta::seconds(
        i64::try_from(secs).unwrap_or(i64::MAX / 1000),
    ))
}

/// The persistent limits service. Cheap to clone; the lead calls it from handlers (async
/// methods) or from inside a blocking database closure (the `*_on` methods).
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
    /// `hash_key` keys the HMAC that stands in for addresses and flow keys in counter keys;
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

    fn now(&self) -> NaiveDateTime {
        // Millisecond precision: both backends store it exactly, so a window start read back
        // compares equal to the one written.
        let now = self.clock.now_naive();
        now.duration_trunc(TimeDelta::milliseconds(1))
            .unwrap_or(now)
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

    // --- per target address -------------------------------------------------------------

    /// Whether one more reset mail may go to `address` now, counting it if so: at most
    /// `mails_per_address_hour` per fixed UTC clock hour and `mails_per_address_day` per
    /// UTC day. Past that the caller still shows the uniform page (SECURITY.md #11, #28) but
    /// sends nothing. A refusal by the hourly cap does not use up the daily one.
    pub async fn mail_allowed(&self, address: &EmailAddress) -> Result<bool, DbError> {
        if !self.enabled() {
            return Ok(true);
        }
        let address = address.as_str().to_string();
        self.run(move |this, conn| this.mail_allowed_on(conn, &address))
            .await
    }

    /// [`Self::mail_allowed`] on a connection the caller holds (address already normalised).
    pub fn mail_allowed_on(
        &self,
        conn: &mut AnyConnection,
        address: &str,
    ) -> Result<bool, DbError> {
        if !self.enabled() {
            return Ok(true);
        }
        let now = self.now();
        let h = self.hashed(address);
        let hour = TimeDelta::hours(1);
        let hour_start = window(now, hour);
        let n = rate_counters::hit(conn, &format!("mail:h:{h}"), hour_start, hour_start + hour)?;
        if n > i64::from(self.settings.mails_per_address_hour) {
            return Ok(false);
        }
        let day = TimeDelta::days(1);
        let day_start = window(now, day);
        let n = rate_counters::hit(conn, &format!("mail:d:{h}"), day_start, day_start + day)?;
        Ok(n <= i64::from(self.settings.mails_per_address_day))
    }

    // --- per account -------------------------------------------------------------------

    /// Records one reset attempt for an account and returns `Some(locked_until)` when it is
    /// one more than `reset_attempts_per_day` in the rolling 24 hours: the caller then sets
    /// `users.locked_until`, audits `account_locked` and treats the request as rule 5
    /// (`account_locked`). Call it only for attempts not already refused by an active lock,
    /// so the lock is not extended for ever by someone else's requests.
    pub async fn record_reset_attempt(
        &self,
        user: &UserId,
    ) -> Result<Option<NaiveDateTime>, DbError> {
        if !self.enabled() {
            return Ok(None);
        }
        let user = user.clone();
        self.run(move |this, conn| this.record_reset_attempt_on(conn, &user))
            .await
    }

    /// [`Self::record_reset_attempt`] on a connection the caller holds.
    pub fn record_reset_attempt_on(
        &self,
        conn: &mut AnyConnection,
        user: &UserId,
    ) -> Result<Option<NaiveDateTime>, DbError> {
        if !self.enabled() {
            return Ok(None);
        }
        let now = self.now();
        let key = format!("reset:{user}");
        // One row per attempt (window_start = its time): the sum over the last 24 h is an
        // exact rolling window.
        rate_counters::hit(conn, &key, now, now + ATTEMPT_WINDOW)?;
        let attempts = rate_counters::sum_since(conn, &key, now - ATTEMPT_WINDOW, now)?;
        if attempts > i64::from(self.settings.reset_attempts_per_day) {
            Ok(Some(
                now + TimeDelta::hours(i64::from(self.settings.lockout_hours)),
            ))
        } else {
            Ok(None)
        }
    }

    /// Whether `user` may attempt `kind` now (check before verifying a password or TOTP).
    pub async fn failure_allowance(
        &self,
        user: &UserId,
        kind: FailureKind,
    ) -> Result<Allowance, DbError> {
        if !self.enabled() {
            return Ok(Allowance::Allowed);
        }
        let user = user.clone();
        self.run(move |this, conn| this.failure_allowance_on(conn, &user, kind))
            .await
    }

    /// [`Self::failure_allowance`] on a connection the caller holds.
    pub fn failure_allowance_on(
        &self,
        conn: &mut AnyConnection,
        user: &UserId,
        kind: FailureKind,
    ) -> Result<Allowance, DbError> {
        if !self.enabled() {
            return Ok(Allowance::Allowed);
        }
        let now = self.now();
        let key = failure_key(user, kind);
        let Some(counter) = rate_counters::get(conn, &key, epoch(), now)? else {
            return Ok(Allowance::Allowed);
        };
        // The row's expiry is pushed to last failure + retention on every failure.
        let last_failure = counter.expires_at - FAILURE_RETENTION;
        let failures = u32::try_from(counter.count).unwrap_or(u32::MAX);
        Ok(self.allowance(failures, last_failure, now))
    }

    fn allowance(&self, failures: u32, last: NaiveDateTime, now: NaiveDateTime) -> Allowance {
        match backoff(failures, &self.settings) {
            None => Allowance::Blocked,
            Some(delay) if last + delay > now => Allowance::NotBefore((last + delay).and_utc()),
            Some(_) => Allowance::Allowed,
        }
    }

    /// Records a failed sign-in or TOTP for `user` and returns what applies to the next
    /// attempt: exponential backoff after `failures_before_backoff`, and `Blocked` at
    /// `max_consecutive_failures` (NIST SP 800-63B).
    pub async fn record_failure(
        &self,
        user: &UserId,
        kind: FailureKind,
    ) -> Result<Allowance, DbError> {
        if !self.enabled() {
            return Ok(Allowance::Allowed);
        }
        let user = user.clone();
        self.run(move |this, conn| this.record_failure_on(conn, &user, kind))
            .await
    }

    /// [`Self::record_failure`] on a connection the caller holds.
    pub fn record_failure_on(
        &self,
        conn: &mut AnyConnection,
        user: &UserId,
        kind: FailureKind,
    ) -> Result<Allowance, DbError> {
        if !self.enabled() {
            return Ok(Allowance::Allowed);
        }
        let now = self.now();
        let n = rate_counters::hit(
            conn,
            &failure_key(user, kind),
            epoch(),
            now + FAILURE_RETENTION,
        )?;
        Ok(self.allowance(u32::try_from(n).unwrap_or(u32::MAX), now, now))
    }

    /// Clears the consecutive failures of `kind` after a success of that kind (and of every
    /// kind after a completed password reset).
    pub async fn reset_failures(&self, user: &UserId, kind: FailureKind) -> Result<(), DbError> {
        let user = user.clone();
        self.run(move |_, conn| {
            rate_counters::clear(conn, &failure_key(&user, kind))?;
            Ok(())
        })
        .await
    }

    // --- per token / flow --------------------------------------------------------------

    /// Records one wrong code (or TOTP) for a flow and returns how many there have been; the
    /// caller burns the flow at `reset.max_code_attempts` (5). `flow_key` is any stable
    /// identifier of the flow or token (it is stored only as an HMAC). Returns 0 when
    /// disabled.
    pub async fn record_code_failure(&self, flow_key: &str) -> Result<u32, DbError> {
        if !self.enabled() {
            return Ok(0);
        }
        let flow_key = flow_key.to_string();
        self.run(move |this, conn| this.record_code_failure_on(conn, &flow_key))
            .await
    }

    /// [`Self::record_code_failure`] on a connection the caller holds.
    pub fn record_code_failure_on(
        &self,
        conn: &mut AnyConnection,
        flow_key: &str,
    ) -> Result<u32, DbError> {
        if !self.enabled() {
            return Ok(0);
        }
        let key = format!("code:{}", self.hashed(flow_key));
        let now = self.now();
        let n = rate_counters::hit(conn, &key, epoch(), now + FLOW_RETENTION)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    // --- per tenant --------------------------------------------------------------------

    /// Counts one reset request for a tenant; `true` exactly once per fixed window of
    /// `tenant_burst_window_minutes`, on the request that goes beyond
    /// `tenant_burst_threshold`: the caller audits `tenant_reset_burst`. Never blocks.
    pub async fn record_tenant_request(&self, tenant: &TenantId) -> Result<bool, DbError> {
        if !self.enabled() {
            return Ok(false);
        }
        let tenant = tenant.clone();
        self.run(move |this, conn| this.record_tenant_request_on(conn, &tenant))
            .await
    }

    /// [`Self::record_tenant_request`] on a connection the caller holds.
    pub fn record_tenant_request_on(
        &self,
        conn: &mut AnyConnection,
        tenant: &TenantId,
    ) -> Result<bool, DbError> {
        if !self.enabled() {
            return Ok(false);
        }
        let now = self.now();
        let len = minutes(self.settings.tenant_burst_window_minutes);
        let start = window(now, len);
        let n = rate_counters::hit(conn, &format!("tenant:{tenant}"), start, start + len)?;
        Ok(n == i64::from(self.settings.tenant_burst_threshold) + 1)
    }

    // --- limit hits --------------------------------------------------------------------

    /// Audits a refused request once per limiter, key and window (`hit_audit_window_minutes`)
    /// across the cluster: the first hit of a window writes a `rate_limited` / `denied` row
    /// with the limiter as reason; later ones only count. Returns whether this call wrote it.
    pub async fn record_limit_hit(
        &self,
        limiter: Limiter,
        key: LimitKey,
        ip: IpAddr,
    ) -> Result<bool, DbError> {
        let now = self.now();
        let len = minutes(self.settings.hit_audit_window_minutes);
        let start = window(now, len);
        {
            let mut seen = self.audited.lock().unwrap_or_else(|p| p.into_inner());
            if seen.get(&(limiter, key)) == Some(&start) {
                return Ok(false);
            }
            seen.insert((limiter, key), start);
        }
        let counter_key = format!("hit:{}:{}", limiter.name(), self.hashed(&key.describe()));
        self.run(move |_, conn| {
            let n = rate_counters::hit(conn, &counter_key, start, start + len)?;
            if n != 1 {
                return Ok(false);
            }
            let mut event = NewAuditEvent::new(now, "guest", "rate_limited", "denied");
            event.reason = Some(limiter.name().to_string());
            event.ip = Some(ip.to_string());
            event.detail = Some(
                serde_json::json!({
                    "limiter": limiter.name(),
                    "keyed_by": match key { LimitKey::Ip(_) => "ip", LimitKey::ApiKey(_) => "api_key" },
                    "window_minutes": len.num_minutes(),
                })
                .to_string(),
            );
            audit::insert(conn, &event)?;
            Ok(true)
        })
        .await
    }

    // --- housekeeping ------------------------------------------------------------------

    /// Deletes expired counters and forgets local audit marks of past windows.
    pub async fn sweep(&self) -> Result<usize, DbError> {
        let now = self.now();
        let current = window(now, minutes(self.settings.hit_audit_window_minutes));
        self.audited
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, w| *w >= current);
        self.run(move |_, conn| rate_counters::sweep(conn, now))
            .await
    }
}

fn failure_key(user: &UserId, kind: FailureKind) -> String {
    format!("fail:{}:{user}", kind.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_free_then_doubles_up_to_the_cap_then_stops() {
        let s = RateLimitSettings::default();
        assert_eq!(backoff(0, &s), Some(TimeDelta::zero()));
        assert_eq!(backoff(3, &s), Some(TimeDelta::zero()));
        assert_eq!(backoff(4, &s), Some(TimeDelta::seconds(1)));
        assert_eq!(backoff(5, &s), Some(TimeDelta::seconds(2)));
        assert_eq!(backoff(8, &s), Some(TimeDelta::seconds(16)));
        assert_eq!(backoff(20, &s), Some(TimeDelta::seconds(900)));
        assert_eq!(backoff(99, &s), Some(TimeDelta::seconds(900)));
        // NIST SP 800-63B: no more than 100 consecutive failed attempts.
        assert_eq!(backoff(100, &s), None);
        assert_eq!(backoff(u32::MAX, &s), None);
    }

    #[test]
    fn windows_are_fixed_and_aligned() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 11, 26)
            .unwrap()
            .and_hms_milli_opt(13, 47, 12, 345)
            .unwrap();
        assert_eq!(
            window(t, TimeDelta::hours(1)).to_string(),
            "2026-11-26 13:00:00"
        );
        assert_eq!(
            window(t, TimeDelta::days(1)).to_string(),
            "2026-11-26 00:00:00"
        );
        assert_eq!(window(t, minutes(10)).to_string(), "2026-11-26 13:40:00");
    }

    #[test]
    fn retry_after_rounds_up() {
        let now = Utc::now();
        let a = Allowance::NotBefore(now + TimeDelta::milliseconds(1500));
        assert_eq!(a.retry_after_seconds(now), Some(2));
        assert_eq!(Allowance::Allowed.retry_after_seconds(now), None);
        assert_eq!(
            Allowance::NotBefore(now - TimeDelta::seconds(1)).retry_after_seconds(now),
            None
        );
    }
}
