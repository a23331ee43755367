//! The TOTP step: `POST /reset/verify`.

use super::load_live;
use super::token::audit_token;
use crate::db::reset_tokens;
use crate::db::{users, DbError};
use crate::security::{totp, SeedOwner};
use crate::services::Services;
use std::net::IpAddr;

/// What a TOTP submission did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpOutcome {
    Accepted,
    Wrong,
    /// Too many wrong codes: the token is burned.
    Burned,
    /// The token is not (or no longer) usable.
    Invalid,
}

/// `POST /reset/verify`: ±1 step, never the same step twice (the last used step is stored).
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
    // A seed that cannot be opened fails like a wrong code (logged in `open_totp`); the
    // step is still required because the column is set (docs/security.md#24).
    let secret = user
        .totp_secret
        .as_deref()
        .and_then(|stored| svc.open_totp(SeedOwner::User(&user.id), stored));
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
            audit_token(svc, "totp_verified", "success", Some(&token), None, ip).await?;
            return Ok(TotpOutcome::Accepted);
        }
    }
    let tid = token.id.clone();
    let attempts = svc
        .db
        .run(move |c| reset_tokens::record_failed_attempt(c, &tid))
        .await?;
    let burned = attempts >= svc.settings.reset.max_code_attempts as i32;
    if burned {
        let tid = token.id.clone();
        svc.db
            .run(move |c| reset_tokens::revoke(c, &tid, "too_many_totp", now))
            .await?;
    }
    audit_token(
        svc,
        "totp_failed",
        "failure",
        Some(&token),
        burned.then_some("burned"),
        ip,
    )
    .await?;
    Ok(if burned {
        TotpOutcome::Burned
    } else {
        TotpOutcome::Wrong
    })
}
