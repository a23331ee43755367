//! The last step: `POST /reset/new` checks the new password, re-checks the policy, and consumes
//! the token in one transaction with everything that goes with a changed password.

use super::token::{audit_token, denied_now};
use super::{load_live, Next};
use crate::db::audit::{self};
use crate::db::reset_tokens;
use crate::db::{users, DbError};
use crate::domain::password::{PasswordContext, PasswordRejection};
use crate::domain::EmailAddress;
use crate::jobs::{self, JobKind};
use crate::reset::evaluate::PasswordChangedJob;
use crate::services::Services;
use std::net::IpAddr;

/// What setting the new password did.
#[derive(Debug)]
pub enum CompleteOutcome {
    Done,
    /// The password was refused; the reason goes next to the field.
    Rejected(PasswordRejection),
    /// Not usable: bad, expired, superseded, revoked, or the TOTP step was skipped.
    Invalid,
    /// Another submission with the same token won.
    AlreadyUsed,
    /// The TOTP step has not been passed yet (the password is left alone).
    TotpPending,
}

/// `POST /reset/new`.
pub async fn complete(
    svc: &Services,
    token_id: &str,
    password: &str,
    confirm: &str,
    ip: Option<IpAddr>,
) -> Result<CompleteOutcome, DbError> {
    let Some((token, user, tenant)) = load_live(svc, token_id).await? else {
        let id = token_id.to_string();
        let used = svc
            .db
            .run(move |c| reset_tokens::find_by_id(c, &id))
            .await?
            .is_some_and(|t| t.used_at.is_some());
        return Ok(if used {
            CompleteOutcome::AlreadyUsed
        } else {
            CompleteOutcome::Invalid
        });
    };
    if Next::of(&token, &user) == Next::Totp {
        audit_token(
            svc,
            "step_skipped",
            "failure",
            Some(&token),
            Some("totp_required"),
            ip,
        )
        .await?;
        return Ok(CompleteOutcome::TotpPending);
    }
    let Ok(email) = EmailAddress::parse(&user.email) else {
        return Ok(CompleteOutcome::Invalid);
    };
    let tenant_name = tenant.as_ref().map(|t| t.name.clone()).unwrap_or_default();
    let new_password = match svc.settings.password_policy().check(
        password,
        confirm,
        &PasswordContext::for_account(&email, &tenant_name),
    ) {
        Ok(p) => p,
        Err(r) => return Ok(CompleteOutcome::Rejected(r)),
    };
    let secret = new_password.into_secret();
    // The tenant may have been taken over, or its plan dropped, since the link was opened.
    if denied_now(svc, &token, &user, ip).await? {
        return Ok(CompleteOutcome::Invalid);
    }
    // Argon2 on the blocking pool, bounded (never on an async worker thread): the
    // "same as the current password" verify and the new hash under one permit (two argon2
    // runs; docs/architecture.md#the-reset-flow-end-to-end needs the verify, docs/performance.md, scenario D).
    let Some(hash) = svc
        .hasher
        .hash_unless_same(secret, user.password_hash.as_deref())
        .await
        .map_err(DbError::Unexpected)?
    else {
        return Ok(CompleteOutcome::Rejected(PasswordRejection::SameAsCurrent));
    };
    let now = svc.now();
    let payload = serde_json::to_string(&PasswordChangedJob {
        user_id: user.id.clone(),
        changed_at: now,
        ip,
    })
    .map_err(anyhow::Error::from)?;
    let max_attempts = svc.settings.jobs.max_attempts;
    let mut done_event = crate::reset::event(now, "reset_completed", "success", ip);
    done_event.tenant_id = Some(token.tenant_id.clone());
    done_event.user_id = Some(user.id.clone());
    done_event.email = Some(user.email.clone());
    let tid = token.id.clone();
    let uid = user.user_id();
    // One transaction: all-old or all-new (docs/security.md#43).
    let won = svc
        .db
        .run(move |c| {
            use crate::db::WriteTransaction as _;
            c.write_transaction::<bool, DbError, _>(|c| {
                if !reset_tokens::consume(c, &tid, now)? {
                    return Ok(false);
                }
                users::set_password(c, &uid, &hash, now)?;
                reset_tokens::revoke_all_for_user(c, &uid, "password_changed", now)?;
                jobs::queue::enqueue(
                    c,
                    JobKind::PasswordChanged.as_str(),
                    &payload,
                    now,
                    max_attempts,
                )?;
                audit::insert(c, &done_event)?;
                Ok(true)
            })
        })
        .await?;
    if !won {
        audit_token(
            svc,
            "token_reused",
            "failure",
            Some(&token),
            Some("used"),
            ip,
        )
        .await?;
        return Ok(CompleteOutcome::AlreadyUsed);
    }
    svc.jobs_wakeup.notify_one();
    crate::telemetry::metrics::reset_completed();
    // A proven reset clears the account's failure counters (the real user is back in).
    crate::accounts::lockout::clear_after_reset(&svc.rate_limits.persistent, &user.user_id())
        .await?;
    Ok(CompleteOutcome::Done)
}
