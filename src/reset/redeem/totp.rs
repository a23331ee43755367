//! The TOTP step: `POST /reset/verify`.

use super::load_live;
use super::token::audit_token;
use crate::accounts::lockout::{self, Account, Client, Method};
use crate::db::reset_tokens;
use crate::db::{users, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::domain::TokenId;
use crate::ratelimit::persistent::Allowance;
use crate::security::{totp, SeedOwner};
use crate::services::Services;
use chrono::NaiveDateTime;
use std::net::IpAddr;

/// What a TOTP submission did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpOutcome {
    Accepted,
    /// Wrong code; `tries_left` is what the token's budget still allows (`None` when the
    /// account's backoff held the try back and nothing was spent).
    Wrong {
        tries_left: Option<u32>,
    },
    /// Too many wrong codes: the token is burned.
    Burned,
    /// The token is not (or no longer) usable.
    Invalid,
}

/// `POST /reset/verify`: ±1 step, never the same step twice (the last used step is stored).
///
/// Each try first spends one unit of the token's budget in one `UPDATE … RETURNING`; the code
/// is compared only within `max_code_attempts`, so concurrent tries compare at most the budget
/// (docs/security.md#25). A wrong code also counts toward the account's TOTP failure backoff
/// (cleared by a completed reset), which is checked before anything is spent.
pub async fn verify_totp(
    svc: &Services,
    token_id: &str,
    code: &str,
    ip: Option<IpAddr>,
) -> Result<TotpOutcome, DbError> {
    let Some((token, user, _)) = load_live(svc, token_id).await? else {
        return Ok(TotpOutcome::Invalid);
    };
    let now = svc.now();
    let limits = &svc.rate_limits.persistent;
    let uid = user.user_id();
    // The account's backoff spaces out tokens (someone holding the mailbox can ask for more):
    // it holds back a token's first try, and the hard stop holds back every try. Within a
    // token the budget paces the tries.
    let throttled = match lockout::allowance(
        limits,
        Account::Guest(&uid),
        Method::Totp,
        &Client::Untrusted,
    )
    .await?
    {
        Allowance::Allowed => false,
        Allowance::NotBefore(_) => token.attempts == 0,
        Allowance::Blocked => true,
    };
    if throttled {
        // Looks like a wrong code; spends nothing, compares nothing.
        audit_token(
            svc,
            Event::TotpFailed,
            Outcome::Denied,
            Some(&token),
            Some("backoff"),
            ip,
        )
        .await?;
        return Ok(TotpOutcome::Wrong { tries_left: None });
    }
    let max = svc.settings.reset.max_code_attempts as i32;
    let tid = token.id.clone();
    let spent = svc
        .db
        .run(move |c| reset_tokens::spend_attempt(c, &tid))
        .await?;
    if spent > max {
        burn(svc, &token.id, now).await?;
        audit_token(
            svc,
            Event::TotpRefused,
            Outcome::Denied,
            Some(&token),
            Some("burned"),
            ip,
        )
        .await?;
        return Ok(TotpOutcome::Burned);
    }
    // A seed that cannot be opened fails like a wrong code (logged in `open_totp`); the
    // step is still required because the column is set (docs/security.md#24).
    let secret = user
        .totp_secret
        .as_deref()
        .and_then(|stored| svc.open_totp(SeedOwner::User(user.id.as_str()), stored));
    let unix = svc.clock.now().timestamp().max(0) as u64;
    let step = secret
        .as_ref()
        .and_then(|s| totp::verify(s, code, unix, user.totp_last_step));
    if let Some(step) = step {
        let uid = user.user_id();
        let tid = token.id.clone();
        let recorded = svc
            .db
            .run(move |c| {
                let recorded = users::record_totp_step(c, &uid, step)?;
                if recorded {
                    reset_tokens::mark_totp_verified(c, &tid, now)?;
                }
                Ok(recorded)
            })
            .await?;
        if recorded {
            audit_token(
                svc,
                Event::TotpVerified,
                Outcome::Success,
                Some(&token),
                None,
                ip,
            )
            .await?;
            return Ok(TotpOutcome::Accepted);
        }
    }
    lockout::record_failure(
        limits,
        Account::Guest(&uid),
        Method::Totp,
        &Client::Untrusted,
    )
    .await?;
    let burned = spent >= max;
    if burned {
        burn(svc, &token.id, now).await?;
    }
    audit_token(
        svc,
        Event::TotpFailed,
        Outcome::Failure,
        Some(&token),
        burned.then_some("burned"),
        ip,
    )
    .await?;
    Ok(if burned {
        TotpOutcome::Burned
    } else {
        TotpOutcome::Wrong {
            tries_left: u32::try_from(max - spent).ok(),
        }
    })
}

/// Revokes a token whose TOTP budget is spent.
async fn burn(svc: &Services, token: &TokenId, now: NaiveDateTime) -> Result<(), DbError> {
    let tid = token.clone();
    svc.db
        .run(move |c| reset_tokens::revoke(c, &tid, "too_many_totp", now))
        .await
}
