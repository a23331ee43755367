//! The one account-failure policy, for guests and admins alike (docs/security.md#30).
//!
//! Every failed authentication of an account is counted in [`crate::ratelimit::persistent`]
//! (one database counter per account and method, shared by a fleet) and answered with the
//! same exponential backoff, [`Backoff`]: no delay for the first few failures, then a delay
//! that doubles up to a cap. A success of that method clears its count; a completed password
//! reset clears every count of the guest. Only the numbers differ, by who signs in:
//!
//! | account | method | counts | free | first delay | cap | hard stop |
//! |---|---|---|---|---|---|---|
//! | guest | password (`/signin`) | `fail:signin:` | `failures_before_backoff` (3) | `failure_backoff_base_seconds` (1 s) | `failure_backoff_max_seconds` (15 min) | `max_consecutive_failures` (100) |
//! | guest | TOTP | `fail:totp:` | as above | | | |
//! | admin | password and TOTP, one count | `fail:admin:` | 5 | 1 min | 60 min | none |
//!
//! An admin has no self-service recovery (no reset flow clears the count), so a hard stop
//! would be the permanent lockout an attacker could impose; the admin backoff stops at an
//! hour instead. A guest who hits the hard stop gets back in by completing a password reset.
//!
//! With `rate_limits.enabled = false` (benchmarks only) every account is always allowed.
//!
//! Separately, the reset flow counts reset *requests* per account (not failures):
//! [`count_reset_request`] locks the account for `lockout_hours` past
//! `reset_attempts_per_day`, and that lock (`users.locked_until`, policy rule 5) is what the
//! helpdesk clears.

use super::User;
use crate::db::audit::{self, NewAuditEvent};
use crate::db::{users, DbError};
use crate::domain::{AdminId, UserId};
use crate::ratelimit::persistent::{Allowance, Backoff, FailureKind, PersistentLimits};
use crate::services::Services;
use chrono::NaiveDateTime;
use std::net::IpAddr;

/// Whose failures are counted.
#[derive(Debug, Clone, Copy)]
pub enum Account<'a> {
    Guest(&'a UserId),
    Admin(&'a AdminId),
}

/// Which proof failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Password,
    Totp,
}

/// The admins' backoff: five failures free, then 1, 2, 4 … minutes, at most an hour.
pub const ADMIN_BACKOFF: Backoff = Backoff {
    free_failures: 4,
    base_seconds: 60,
    max_seconds: 60 * 60,
    hard_stop: None,
};

fn kind(account: Account<'_>, method: Method) -> FailureKind {
    match (account, method) {
        (Account::Guest(_), Method::Password) => FailureKind::SignIn,
        (Account::Guest(_), Method::Totp) => FailureKind::Totp,
        // One count for both steps: the TOTP step cannot be used to guess past the pause.
        (Account::Admin(_), _) => FailureKind::Admin,
    }
}

fn backoff(limits: &PersistentLimits, account: Account<'_>) -> Backoff {
    match account {
        Account::Guest(_) => limits.configured_backoff(),
        Account::Admin(_) => ADMIN_BACKOFF,
    }
}

fn id(account: Account<'_>) -> String {
    match account {
        Account::Guest(u) => u.to_string(),
        Account::Admin(a) => a.to_string(),
    }
}

/// Whether `account` may try `method` now (ask before verifying anything).
pub async fn allowance(
    limits: &PersistentLimits,
    account: Account<'_>,
    method: Method,
) -> Result<Allowance, DbError> {
    limits
        .failure_allowance_with(
            &id(account),
            kind(account, method),
            backoff(limits, account),
        )
        .await
}

/// Whether `account` may try `method` now: [`allowance`] is [`Allowance::Allowed`].
pub async fn is_allowed(
    limits: &PersistentLimits,
    account: Account<'_>,
    method: Method,
) -> Result<bool, DbError> {
    Ok(allowance(limits, account, method).await? == Allowance::Allowed)
}

/// Counts one failure and returns what applies to the next attempt.
pub async fn record_failure(
    limits: &PersistentLimits,
    account: Account<'_>,
    method: Method,
) -> Result<Allowance, DbError> {
    let next = limits
        .record_failure_with(
            &id(account),
            kind(account, method),
            backoff(limits, account),
        )
        .await?;
    if next != Allowance::Allowed {
        let who = match account {
            Account::Guest(_) => "guest",
            Account::Admin(_) => "admin",
        };
        crate::telemetry::metrics::lockout(who);
    }
    Ok(next)
}

/// A success of `method`: its count starts again.
pub async fn record_success(
    limits: &PersistentLimits,
    account: Account<'_>,
    method: Method,
) -> Result<(), DbError> {
    limits
        .reset_failures(&id(account), kind(account, method))
        .await
}

/// A completed password reset proved the guest: every failure count of the account is
/// cleared (the real user is back in).
pub async fn clear_after_reset(limits: &PersistentLimits, user: &UserId) -> Result<(), DbError> {
    for method in [Method::Password, Method::Totp] {
        record_success(limits, Account::Guest(user), method).await?;
    }
    Ok(())
}

/// Counts one reset request against `user` (`reset_attempts_per_day` in a rolling 24 h, then
/// a lock of `lockout_hours`). When this request goes past the limit, locks the account,
/// audits `account_locked` and returns the end of the lock. A lock already in force refuses
/// the request without counting it (or anyone could keep the account locked for ever).
pub async fn count_reset_request(
    svc: &Services,
    user: &User,
    ip: Option<IpAddr>,
) -> Result<Option<NaiveDateTime>, DbError> {
    let now = svc.now();
    if user.locked_until.is_some_and(|u| u > now) {
        return Ok(None);
    }
    let limits = &svc.rate_limits.persistent;
    let Some(until) = limits.record_reset_attempt(&user.user_id()).await? else {
        return Ok(None);
    };
    let uid = user.user_id();
    let mut e = NewAuditEvent::new(now, "system", "account_locked", "denied");
    e.ip = ip.map(|i| i.to_string());
    e.tenant_id = Some(user.tenant_id.clone());
    e.user_id = Some(user.id.clone());
    e.reason = Some("too_many_reset_attempts".into());
    e.detail = Some(serde_json::json!({ "locked_until": until }).to_string());
    svc.db
        .run(move |c| {
            users::lock_until(c, &uid, until)?;
            audit::insert(c, &e)
        })
        .await?;
    crate::telemetry::metrics::lockout("guest");
    Ok(Some(until))
}
