//! Consecutive-failure counters per account (and per trusted device of an account): one row
//! `fail:<kind>:<account>` whose `count` is the number of consecutive failures and whose
//! `expires_at` is the time before which no further attempt may be made (the backoff's "not
//! before"), plus [`FAILURE_RETENTION`].
//!
//! An attempt is **spent before the secret is compared** ([`PersistentLimits::spend_failure_with`]):
//! the count is read, the backoff decides, and the next count is written by one conditional
//! statement (`UPDATE … WHERE count = <read> RETURNING count`, see
//! [`rate_counters::compare_and_set`]). Of any number of concurrent attempts that read the
//! same count exactly one is written; the others read again. So however many requests arrive
//! at once, at most the free budget of them reach the comparison (docs/security.md#30). A
//! success clears the count ([`PersistentLimits::reset_failures`]).

use super::{epoch, Allowance, Backoff, FailureKind, PersistentLimits, FAILURE_RETENTION};
use crate::db::{rate_counters, AnyConnection, DbError};
use chrono::{NaiveDateTime, TimeDelta};

/// How often a spend or a failure re-reads after losing a race before giving up (a spend that
/// keeps losing is refused like a throttled attempt; a failure falls back to a plain count).
const RACE_RETRIES: usize = 8;

/// What the stored row says now: the count to compare against and the decision inputs.
struct Read {
    /// The stored count (`None`: no row), for the compare-and-set.
    stored: Option<i64>,
    /// Consecutive failures that still count (0 once the row has expired).
    failures: u32,
    /// No attempt before this time.
    not_before: Option<NaiveDateTime>,
}

fn read(conn: &mut AnyConnection, key: &str, now: NaiveDateTime) -> Result<Read, DbError> {
    Ok(match rate_counters::get_stored(conn, key, epoch())? {
        None => Read {
            stored: None,
            failures: 0,
            not_before: None,
        },
        Some(c) if c.expires_at <= now => Read {
            stored: Some(c.count),
            failures: 0,
            not_before: None,
        },
        Some(c) => Read {
            stored: Some(c.count),
            failures: u32::try_from(c.count).unwrap_or(u32::MAX),
            not_before: Some(c.expires_at - FAILURE_RETENTION),
        },
    })
}

/// What applies to an attempt after `failures`, none before `not_before`.
fn decide(
    backoff: Backoff,
    failures: u32,
    not_before: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Allowance {
    if backoff.delay(failures).is_none() {
        return Allowance::Blocked;
    }
    match not_before {
        Some(t) if t > now => Allowance::NotBefore(t.and_utc()),
        _ => Allowance::Allowed,
    }
}

/// Writes `count`, kept until `expires`, if the row still holds what `r` read: false when a
/// concurrent attempt wrote first (then read again).
fn write_if_unchanged(
    conn: &mut AnyConnection,
    key: &str,
    r: &Read,
    count: i64,
    expires: NaiveDateTime,
) -> Result<bool, DbError> {
    rate_counters::compare_and_set(conn, key, epoch(), r.stored, count, expires)
}

/// The row's expiry after the `failures`-th failure at `now`: not before `now` plus its
/// backoff, kept for [`FAILURE_RETENTION`] after that.
fn expiry_after(backoff: Backoff, failures: u32, now: NaiveDateTime) -> NaiveDateTime {
    now + backoff.delay(failures).unwrap_or(TimeDelta::zero()) + FAILURE_RETENTION
}

/// Counts one failure more than `r` read, at `now` under `backoff`, if the row still holds
/// what `r` read: what the row says then, or `None` when a concurrent attempt wrote first
/// (then read again).
fn count_failure(
    conn: &mut AnyConnection,
    key: &str,
    r: &Read,
    backoff: Backoff,
    now: NaiveDateTime,
) -> Result<Option<Read>, DbError> {
    let next = r.failures.saturating_add(1);
    let expires = expiry_after(backoff, next, now);
    let written = write_if_unchanged(conn, key, r, i64::from(next), expires)?;
    Ok(written.then_some(Read {
        stored: Some(i64::from(next)),
        failures: next,
        not_before: Some(expires - FAILURE_RETENTION),
    }))
}

/// Reads the row and hands it to `step` until `step` settles (`Some`: it wrote, or had nothing
/// to write), at most [`RACE_RETRIES`] times; `step` answers `None` when a concurrent attempt
/// wrote first. `None` when every try lost a race.
fn until_settled<T>(
    this: &PersistentLimits,
    conn: &mut AnyConnection,
    key: &str,
    mut step: impl FnMut(&mut AnyConnection, &Read, NaiveDateTime) -> Result<Option<T>, DbError>,
) -> Result<Option<T>, DbError> {
    for _ in 0..RACE_RETRIES {
        let now = this.now();
        let r = read(conn, key, now)?;
        if let Some(settled) = step(conn, &r, now)? {
            return Ok(Some(settled));
        }
    }
    Ok(None)
}

impl PersistentLimits {
    /// Runs `f` on the counter of `account`'s `kind` failures (its key) as a grouped write;
    /// `off` when the limits are disabled.
    async fn on_failures<T, F>(
        &self,
        account: &impl std::fmt::Display,
        kind: FailureKind,
        off: T,
        mut f: F,
    ) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnMut(&Self, &mut AnyConnection, &str) -> Result<T, DbError> + Send + 'static,
    {
        let key = failure_key(account, kind);
        self.run_enabled(off, move |this, conn| f(this, conn, &key))
            .await
    }

    /// Whether `account` may attempt `kind` now under `backoff` (read only).
    pub async fn failure_allowance_with(
        &self,
        account: &impl std::fmt::Display,
        kind: FailureKind,
        backoff: Backoff,
    ) -> Result<Allowance, DbError> {
        self.on_failures(account, kind, Allowance::Allowed, move |this, conn, key| {
            let now = this.now();
            let r = read(conn, key, now)?;
            Ok(decide(backoff, r.failures, r.not_before, now))
        })
        .await
    }

    /// Spends one attempt of `account` at `kind` before anything is compared: when the
    /// backoff allows an attempt now, it is counted as a failure at once (a success clears it
    /// afterwards) and `Allowed` is returned; otherwise nothing is written and the refusal is
    /// returned. Atomic against every concurrent attempt (see the module documentation).
    pub async fn spend_failure_with(
        &self,
        account: &impl std::fmt::Display,
        kind: FailureKind,
        backoff: Backoff,
    ) -> Result<Allowance, DbError> {
        self.on_failures(account, kind, Allowance::Allowed, move |this, conn, key| {
            let spent = until_settled(this, conn, key, |conn, r, now| {
                let verdict = decide(backoff, r.failures, r.not_before, now);
                if verdict != Allowance::Allowed {
                    return Ok(Some(verdict));
                }
                Ok(count_failure(conn, key, r, backoff, now)?.map(|_| Allowance::Allowed))
            })?;
            // Lost every race: many attempts on this account right now. Refuse this one.
            Ok(spent.unwrap_or_else(|| {
                Allowance::NotBefore((this.now() + TimeDelta::seconds(1)).and_utc())
            }))
        })
        .await
    }

    /// Records a failed proof of `kind` for `account` and returns what applies to the next
    /// attempt under `backoff` (with the configured one: exponential backoff after
    /// `failures_before_backoff`, and `Blocked` at `max_consecutive_failures`, NIST SP
    /// 800-63B). For a failure whose attempt was budgeted elsewhere (a reset token's own TOTP
    /// budget); sign-ins use [`Self::spend_failure_with`].
    pub async fn record_failure_with(
        &self,
        account: &impl std::fmt::Display,
        kind: FailureKind,
        backoff: Backoff,
    ) -> Result<Allowance, DbError> {
        self.on_failures(account, kind, Allowance::Allowed, move |this, conn, key| {
            let counted = until_settled(this, conn, key, |conn, r, now| {
                let written = count_failure(conn, key, r, backoff, now)?;
                Ok(written.map(|w| decide(backoff, w.failures, w.not_before, now)))
            })?;
            if let Some(next) = counted {
                return Ok(next);
            }
            // Still racing: count it anyway (the delay of the current count stays).
            let now = this.now();
            let n = rate_counters::hit(conn, key, epoch(), now + FAILURE_RETENTION)?;
            Ok(decide(
                backoff,
                u32::try_from(n).unwrap_or(u32::MAX),
                None,
                now,
            ))
        })
        .await
    }

    /// Gives back one attempt spent by [`Self::spend_failure_with`] that turned out right but
    /// does not end the sign-in (an admin's password, before the TOTP step): the count goes
    /// back down by one and the next attempt may follow at once. Best effort under races.
    pub async fn refund_failure(
        &self,
        account: &impl std::fmt::Display,
        kind: FailureKind,
    ) -> Result<(), DbError> {
        self.on_failures(account, kind, (), move |this, conn, key| {
            until_settled(this, conn, key, |conn, r, now| {
                if r.failures == 0 {
                    return Ok(Some(()));
                }
                let back = i64::from(r.failures - 1);
                let written = write_if_unchanged(conn, key, r, back, now + FAILURE_RETENTION)?;
                Ok(written.then_some(()))
            })?;
            Ok(())
        })
        .await
    }

    /// Clears the consecutive failures of `kind` after a success of that kind.
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

    /// Clears the failures of `kind` of `account` and of every trusted device of it (whose
    /// counts are kept under `account` + [`DEVICE_SEPARATOR`] + device): a completed password
    /// reset proved the owner.
    pub async fn reset_failures_everywhere(
        &self,
        account: &impl std::fmt::Display,
        kind: FailureKind,
    ) -> Result<(), DbError> {
        let key = failure_key(account, kind);
        self.run(move |_, conn| {
            rate_counters::clear_family(conn, &key, DEVICE_SEPARATOR)?;
            Ok(())
        })
        .await
    }
}

/// Separates an account from one of its trusted devices in a counter key.
pub const DEVICE_SEPARATOR: &str = "/d/";

/// The counter of `kind` failures for one account (a user or admin id, possibly followed by
/// [`DEVICE_SEPARATOR`] and a device).
fn failure_key(account: &impl std::fmt::Display, kind: FailureKind) -> String {
    format!("fail:{}:{account}", kind.as_str())
}
