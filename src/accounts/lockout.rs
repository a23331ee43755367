//! The one account-failure policy, for guests and admins alike (docs/security.md#30).
//!
//! Every failed authentication of an account is counted in [`crate::ratelimit::persistent`]
//! (database counters per account and method, shared by a fleet) and answered with the
//! same exponential backoff, [`Backoff`]: no delay for the first few failures, then a delay
//! that doubles up to a cap. A sign-in attempt is [`spend`]t before the secret is compared, in
//! one atomic step, so concurrent attempts cannot all slip under the budget. A success of
//! that method clears its count; a completed password reset clears every count of the guest.
//!
//! Counts are kept apart by [`Client`]: a browser that holds the account's device cookie
//! ([`super::device`]) has a count of its own; every other client shares the account's
//! "untrusted" count. Failures from elsewhere never pause the owner's own browser.
//!
//! Only the numbers differ, by who signs in:
//!
//! | account | method | counts | free | first delay | cap | hard stop |
//! |---|---|---|---|---|---|---|
//! | guest | password (`/signin`) | `fail:signin:` | `failures_before_backoff` (3) | `failure_backoff_base_seconds` (1 s) | `failure_backoff_max_seconds` (15 min) | `max_consecutive_failures` (100) |
//! | guest | TOTP | `fail:totp:` | as above | | | |
//! | admin | password and TOTP, one count | `fail:admin:` | 5 | 1 min | 60 min | none |
//!
//! An admin has no self-service recovery (no reset flow clears the count), so a hard stop
//! would be the permanent lockout an attacker could impose; the admin backoff stops at an
//! hour instead. A guest who hits the hard stop gets back in by completing a password reset, or
//! through the helpdesk ([`crate::console::guests::Action::Unlock`]).
//!
//! With `rate_limits.enabled = false` (benchmarks only) every account is always allowed.
//!
//! Asking for a reset is not a failure and never counts against the account: anyone who knows
//! an address could otherwise keep its owner out with a few anonymous posts a day. The
//! per-address mail caps bound those requests instead. Wrong TOTP codes at the reset step
//! count here (`fail:totp:`) like any other failed proof.

pub use super::device::Client;
use crate::db::DbError;
use crate::domain::{AdminId, UserId};
use crate::ratelimit::persistent::{
    Allowance, Backoff, FailureKind, PersistentLimits, DEVICE_SEPARATOR,
};

/// Whose failures are counted.
#[derive(Debug, Clone, Copy)]
pub enum Account<'a> {
    Guest(&'a UserId),
    Admin(&'a AdminId),
    /// A guest sign-in for an address no account has, under the key
    /// [`PersistentLimits::address_key`] gives it: counted like an account, so an unknown
    /// address costs the same database work and backs off the same way (docs/security.md#12).
    UnknownGuest(&'a str),
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
        (Account::UnknownGuest(_), Method::Password) => FailureKind::SignIn,
        (Account::UnknownGuest(_), Method::Totp) => FailureKind::Totp,
        // One count for both steps: the TOTP step cannot be used to guess past the pause.
        (Account::Admin(_), _) => FailureKind::Admin,
    }
}

fn backoff(limits: &PersistentLimits, account: Account<'_>) -> Backoff {
    match account {
        Account::Guest(_) | Account::UnknownGuest(_) => limits.configured_backoff(),
        Account::Admin(_) => ADMIN_BACKOFF,
    }
}

/// The counter's account: the account itself for untrusted clients, the account and the
/// device id for a browser holding the account's device cookie.
fn id(account: Account<'_>, client: &Client) -> String {
    let base = match account {
        Account::Guest(u) => u.to_string(),
        Account::Admin(a) => a.to_string(),
        Account::UnknownGuest(key) => key.to_string(),
    };
    match client {
        Client::Untrusted => base,
        Client::Device(d) => format!("{base}{DEVICE_SEPARATOR}{d}"),
    }
}

/// The counter one attempt of `account` at `method` from `client` goes to, and its backoff.
struct Counter {
    id: String,
    kind: FailureKind,
    backoff: Backoff,
}

fn counter(
    limits: &PersistentLimits,
    account: Account<'_>,
    method: Method,
    client: &Client,
) -> Counter {
    Counter {
        id: id(account, client),
        kind: kind(account, method),
        backoff: backoff(limits, account),
    }
}

/// Whether `account` may try `method` now from `client` (read only: for a page that decides
/// whether to show a step; a sign-in [`spend`]s instead).
pub async fn allowance(
    limits: &PersistentLimits,
    account: Account<'_>,
    method: Method,
    client: &Client,
) -> Result<Allowance, DbError> {
    let c = counter(limits, account, method, client);
    limits
        .failure_allowance_with(&c.id, c.kind, c.backoff)
        .await
}

/// Whether `account` may try `method` now from `client`: [`allowance`] is
/// [`Allowance::Allowed`].
pub async fn is_allowed(
    limits: &PersistentLimits,
    account: Account<'_>,
    method: Method,
    client: &Client,
) -> Result<bool, DbError> {
    Ok(allowance(limits, account, method, client).await? == Allowance::Allowed)
}

/// Spends one attempt of `account` at `method` from `client`, **before** the secret is
/// compared: `Allowed` means compare now (the attempt already counts as a failure; call
/// [`record_success`] when it succeeds); anything else means do not compare (nothing was
/// counted). One atomic step, however many attempts race (docs/security.md#30).
pub async fn spend(
    limits: &PersistentLimits,
    account: Account<'_>,
    method: Method,
    client: &Client,
) -> Result<Allowance, DbError> {
    let c = counter(limits, account, method, client);
    let verdict = limits.spend_failure_with(&c.id, c.kind, c.backoff).await?;
    Ok(counted(account, verdict))
}

/// `verdict`, counted in the lockout metric when it refuses an attempt.
fn counted(account: Account<'_>, verdict: Allowance) -> Allowance {
    if verdict != Allowance::Allowed {
        let who = match account {
            Account::Guest(_) | Account::UnknownGuest(_) => "guest",
            Account::Admin(_) => "admin",
        };
        crate::telemetry::metrics::lockout(who);
    }
    verdict
}

/// Counts one failure whose attempt was budgeted elsewhere (a reset token's own TOTP budget)
/// and returns what applies to the next attempt.
pub async fn record_failure(
    limits: &PersistentLimits,
    account: Account<'_>,
    method: Method,
    client: &Client,
) -> Result<Allowance, DbError> {
    let c = counter(limits, account, method, client);
    let next = limits.record_failure_with(&c.id, c.kind, c.backoff).await?;
    Ok(counted(account, next))
}

/// An attempt [`spend`]t on a right secret that does not end the sign-in (an admin's
/// password, before the TOTP step): it no longer counts, and the next step may follow at
/// once. The count itself is cleared only when the sign-in completes.
pub async fn refund(
    limits: &PersistentLimits,
    account: Account<'_>,
    method: Method,
    client: &Client,
) -> Result<(), DbError> {
    let c = counter(limits, account, method, client);
    limits.refund_failure(&c.id, c.kind).await
}

/// A success of `method` from `client`: that client's count starts again (the untrusted
/// count of the account is left as it is when a trusted browser signs in).
pub async fn record_success(
    limits: &PersistentLimits,
    account: Account<'_>,
    method: Method,
    client: &Client,
) -> Result<(), DbError> {
    let c = counter(limits, account, method, client);
    limits.reset_failures(&c.id, c.kind).await
}

/// A completed password reset proved the guest: every failure count of the account, from
/// every client, is cleared (the real user is back in).
pub async fn clear_after_reset(limits: &PersistentLimits, user: &UserId) -> Result<(), DbError> {
    clear_everywhere(limits, Account::Guest(user)).await
}

/// Clears every failure count of `account`, from every client (a completed reset, an admin's
/// completed set-up).
pub async fn clear_everywhere(
    limits: &PersistentLimits,
    account: Account<'_>,
) -> Result<(), DbError> {
    for method in [Method::Password, Method::Totp] {
        limits
            .reset_failures_everywhere(&id(account, &Client::Untrusted), kind(account, method))
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn admins_pause_after_five_failures_doubling_from_a_minute_to_an_hour() {
        let minutes = |n| ADMIN_BACKOFF.delay(n).map(|d| d.num_minutes());
        assert_eq!(ADMIN_BACKOFF.delay(0), Some(TimeDelta::zero()));
        assert_eq!(ADMIN_BACKOFF.delay(4), Some(TimeDelta::zero()));
        assert_eq!(minutes(5), Some(1));
        assert_eq!(minutes(6), Some(2));
        assert_eq!(minutes(8), Some(8));
        assert_eq!(minutes(11), Some(60));
        // No hard stop for admins: never a permanent lockout.
        assert_eq!(minutes(u32::MAX), Some(60));
    }

    #[test]
    fn an_admin_counts_both_steps_together_and_apart_from_guests() {
        let (u, a) = (UserId::generate(), AdminId::generate());
        assert_eq!(
            kind(Account::Admin(&a), Method::Password),
            FailureKind::Admin
        );
        assert_eq!(kind(Account::Admin(&a), Method::Totp), FailureKind::Admin);
        assert_eq!(
            kind(Account::Guest(&u), Method::Password),
            FailureKind::SignIn
        );
        assert_eq!(kind(Account::Guest(&u), Method::Totp), FailureKind::Totp);
    }
}
