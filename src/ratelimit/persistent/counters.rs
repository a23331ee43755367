//! The limits themselves, one database counter each, keyed as in the table of the parent
//! module.

use super::{
    epoch, minutes, window, Allowance, Backoff, FailureKind, PersistentLimits, ATTEMPT_WINDOW,
    FAILURE_RETENTION, FLOW_RETENTION,
};
use crate::db::audit::{self, NewAuditEvent};
use crate::db::{rate_counters, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::domain::{EmailAddress, TenantId, UserId};
use crate::ratelimit::groups::Limiter;
use crate::ratelimit::inprocess::LimitKey;
use chrono::{NaiveDateTime, TimeDelta};
use std::net::IpAddr;

impl PersistentLimits {
    // --- per target address -------------------------------------------------------------

    /// Whether one more reset mail may go to `address` now, counting it if so: at most
    /// `mails_per_address_hour` per fixed UTC clock hour and `mails_per_address_day` per
    /// UTC day. Past that the caller still shows the uniform page (docs/security.md#11, #28) but
    /// sends nothing. A refusal by the hourly cap does not use up the daily one.
    pub async fn mail_allowed(&self, address: &EmailAddress) -> Result<bool, DbError> {
        let address = address.as_str().to_string();
        self.run_enabled(true, move |this, conn| {
            let now = this.now();
            let h = this.hashed(&address);
            let hour = TimeDelta::hours(1);
            let hour_start = window(now, hour);
            let n =
                rate_counters::hit(conn, &format!("mail:h:{h}"), hour_start, hour_start + hour)?;
            if n > i64::from(this.settings.mails_per_address_hour) {
                return Ok(false);
            }
            let day = TimeDelta::days(1);
            let day_start = window(now, day);
            let n = rate_counters::hit(conn, &format!("mail:d:{h}"), day_start, day_start + day)?;
            Ok(n <= i64::from(this.settings.mails_per_address_day))
        })
        .await
    }

    // --- per account -------------------------------------------------------------------

    /// Not used by the reset flow any more (asking for a reset never locks an account); kept
    /// for the operator tooling that reads the counter.
    ///
    /// Records one reset attempt for an account and returns `Some(locked_until)` when it is
    /// one more than `reset_attempts_per_day` in the rolling 24 hours: the caller then sets
    /// `users.locked_until`, audits `account_locked` and treats the request as rule 5
    /// (`account_locked`). Call it only for attempts not already refused by an active lock,
    /// so the lock is not extended for ever by someone else's requests.
    pub async fn record_reset_attempt(
        &self,
        user: &UserId,
    ) -> Result<Option<NaiveDateTime>, DbError> {
        let key = format!("reset:{user}");
        self.run_enabled(None, move |this, conn| {
            let now = this.now();
            // One row per attempt (window_start = its time): the sum over the last 24 h is an
            // exact rolling window.
            rate_counters::hit(conn, &key, now, now + ATTEMPT_WINDOW)?;
            let attempts = rate_counters::sum_since(conn, &key, now - ATTEMPT_WINDOW, now)?;
            let lock = TimeDelta::hours(i64::from(this.settings.lockout_hours));
            Ok((attempts > i64::from(this.settings.reset_attempts_per_day)).then(|| now + lock))
        })
        .await
    }

    /// Whether `account` may attempt `kind` now (check before verifying a password or TOTP),
    /// under the configured backoff.
    pub async fn failure_allowance(
        &self,
        account: &impl std::fmt::Display,
        kind: FailureKind,
    ) -> Result<Allowance, DbError> {
        self.failure_allowance_with(account, kind, self.configured_backoff())
            .await
    }

    /// [`Self::failure_allowance`] under the given backoff.
    pub async fn failure_allowance_with(
        &self,
        account: &impl std::fmt::Display,
        kind: FailureKind,
        backoff: Backoff,
    ) -> Result<Allowance, DbError> {
        self.failures(account, kind, backoff, Step::Check).await
    }

    /// Records a failed sign-in or TOTP for `account` and returns what applies to the next
    /// attempt under the configured backoff: exponential backoff after
    /// `failures_before_backoff`, and `Blocked` at `max_consecutive_failures` (NIST SP
    /// 800-63B).
    pub async fn record_failure(
        &self,
        account: &impl std::fmt::Display,
        kind: FailureKind,
    ) -> Result<Allowance, DbError> {
        self.record_failure_with(account, kind, self.configured_backoff())
            .await
    }

    /// [`Self::record_failure`] under the given backoff.
    pub async fn record_failure_with(
        &self,
        account: &impl std::fmt::Display,
        kind: FailureKind,
        backoff: Backoff,
    ) -> Result<Allowance, DbError> {
        self.failures(account, kind, backoff, Step::Record).await
    }

    /// Reads (or counts one more of) the consecutive `kind` failures of `account` and says
    /// what applies to the next attempt.
    async fn failures(
        &self,
        account: &impl std::fmt::Display,
        kind: FailureKind,
        backoff: Backoff,
        step: Step,
    ) -> Result<Allowance, DbError> {
        let key = failure_key(account, kind);
        self.run_enabled(Allowance::Allowed, move |this, conn| {
            let now = this.now();
            let (failures, last_failure) = match step {
                Step::Record => {
                    let n = rate_counters::hit(conn, &key, epoch(), now + FAILURE_RETENTION)?;
                    (n, now)
                }
                Step::Check => match rate_counters::get(conn, &key, epoch(), now)? {
                    None => return Ok(Allowance::Allowed),
                    // The row's expiry is pushed to last failure + retention on every failure.
                    Some(c) => (c.count, c.expires_at - FAILURE_RETENTION),
                },
            };
            let failures = u32::try_from(failures).unwrap_or(u32::MAX);
            Ok(allowance(backoff, failures, last_failure, now))
        })
        .await
    }

    /// Clears the consecutive failures of `kind` after a success of that kind (and of every
    /// kind after a completed password reset).
    pub async fn reset_failures(
        &self,
        account: &impl std::fmt::Display,
        kind: FailureKind,
    ) -> Result<(), DbError> {
        let key = failure_key(account, kind);
        self.run(move |_, conn| {
            rate_counters::clear(conn, &key)?;
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
        let key = format!("code:{}", self.hashed(flow_key));
        self.run_enabled(0, move |this, conn| {
            let n = rate_counters::hit(conn, &key, epoch(), this.now() + FLOW_RETENTION)?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        })
        .await
    }

    // --- per tenant --------------------------------------------------------------------

    /// Counts one reset request for a tenant; `true` exactly once per fixed window of
    /// `tenant_burst_window_minutes`, on the request that goes beyond
    /// `tenant_burst_threshold`: the caller audits `tenant_reset_burst`. Never blocks.
    pub async fn record_tenant_request(&self, tenant: &TenantId) -> Result<bool, DbError> {
        let key = format!("tenant:{tenant}");
        self.run_enabled(false, move |this, conn| {
            let len = minutes(this.settings.tenant_burst_window_minutes);
            let start = window(this.now(), len);
            let n = rate_counters::hit(conn, &key, start, start + len)?;
            Ok(n == i64::from(this.settings.tenant_burst_threshold) + 1)
        })
        .await
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
            let mut event = NewAuditEvent::new(now, "guest", Event::RateLimited, Outcome::Denied);
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

/// Whether [`PersistentLimits::failures`] only reads the count or adds one failure first.
#[derive(Clone, Copy)]
enum Step {
    Check,
    Record,
}

/// The counter of `kind` failures for one account (a user or admin id).
fn failure_key(account: &impl std::fmt::Display, kind: FailureKind) -> String {
    format!("fail:{}:{account}", kind.as_str())
}

/// What applies to the next attempt after `failures`, the last at `last`.
fn allowance(
    backoff: Backoff,
    failures: u32,
    last: NaiveDateTime,
    now: NaiveDateTime,
) -> Allowance {
    match backoff.delay(failures) {
        None => Allowance::Blocked,
        Some(delay) if last + delay > now => Allowance::NotBefore((last + delay).and_utc()),
        Some(_) => Allowance::Allowed,
    }
}
