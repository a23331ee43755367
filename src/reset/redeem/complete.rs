//! The last step: `POST /reset/new` checks the new password, re-checks the policy, and consumes
//! the token in one transaction with everything that goes with a changed password.

use super::token::{audit_token, denied_with, load_live_for_check, LiveForCheck};
use super::Next;
use crate::db::audit::{self};
use crate::db::reset_tokens;
use crate::db::{users, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::domain::password::PasswordRejection;
use crate::jobs;
use crate::passwords::TenantOf;
use crate::reset::notice::PasswordChangedJob;
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
    /// The directory refused the password (its policy); the token is kept.
    DirectoryRejected(crate::directory::Rejection),
    /// The directory could not be reached; nothing was changed, the token is kept.
    DirectoryUnavailable,
}

/// `POST /reset/new`.
pub async fn complete(
    svc: &Services,
    token_id: &str,
    password: &str,
    confirm: &str,
    ip: Option<IpAddr>,
    lang: Option<crate::i18n::Lang>,
    browser: crate::domain::user_agent::BrowserWords,
) -> Result<CompleteOutcome, DbError> {
    let Some(live) = load_live_for_check(svc, token_id).await? else {
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
    let LiveForCheck {
        token,
        user,
        tenant,
        address_tenant,
    } = live;
    if Next::of(&token, &user) == Next::Totp {
        audit_token(
            svc,
            Event::StepSkipped,
            Outcome::Failure,
            Some(&token),
            Some("totp_required"),
            ip,
        )
        .await?;
        return Ok(CompleteOutcome::TotpPending);
    }
    let owner = tenant.as_ref().map_or(TenantOf::None, TenantOf::Tenant);
    let new_password = match svc
        .passwords
        .check_new(password, confirm, &user.email, owner)
        .await?
    {
        Ok(p) => p,
        Err(r) => return Ok(CompleteOutcome::Rejected(r)),
    };
    let secret = new_password.into_secret();
    // The tenant may have been taken over, or its plan dropped, since the link was opened.
    // With a directory, the facts are read from it now: if it cannot answer, nothing changes.
    match denied_with(svc, &token, &user, address_tenant, ip).await {
        Ok(true) => return Ok(CompleteOutcome::Invalid),
        Ok(false) => {}
        Err(DbError::Unavailable(e)) if svc.directory.ldap().is_some() => {
            tracing::warn!(error = %e, "facts unavailable at /reset/new; nothing was changed");
            return Ok(CompleteOutcome::DirectoryUnavailable);
        }
        Err(e) => return Err(e),
    }
    let hash = match svc.directory.ldap() {
        Some(ldap) => {
            use super::directory_write::{write, Written};
            match write(svc, ldap, &user, &token, &secret, ip).await? {
                Written::Done => None,
                Written::Rejected(r) => return Ok(CompleteOutcome::DirectoryRejected(r)),
                Written::Unavailable => return Ok(CompleteOutcome::DirectoryUnavailable),
                Written::Gone => return Ok(CompleteOutcome::Invalid),
            }
        }
        None => {
            // Argon2 on the blocking pool, bounded (never on an async worker thread): the
            // "same as the current password" verify and the new hash under one permit (two
            // argon2 runs; see docs/performance.md).
            let Some(hash) = svc
                .hasher
                .hash_unless_same(secret, user.password_hash.as_deref())
                .await
                .map_err(DbError::Unexpected)?
            else {
                return Ok(CompleteOutcome::Rejected(PasswordRejection::SameAsCurrent));
            };
            Some(hash)
        }
    };
    let now = svc.now();
    let notice = PasswordChangedJob {
        user_id: user.user_id(),
        changed_at: now,
        ip,
        lang,
        browser: Some(browser),
    };
    let max_attempts = svc.settings.jobs.max_attempts;
    let mut done_event = crate::reset::event(now, Event::ResetCompleted, Outcome::Success, ip);
    done_event.tenant_id = Some(token.tenant_id.clone());
    done_event.user_id = Some(user.user_id());
    done_event.email = Some(user.email.to_string());
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
                match &hash {
                    Some(hash) => users::set_password(c, &uid, hash, now)?,
                    // The directory holds the password now (written above).
                    None => crate::db::directory_links::password_changed(c, &uid, now)?,
                }
                reset_tokens::revoke_all_for_user(c, &uid, "password_changed", now)?;
                jobs::enqueue(c, &notice, now, max_attempts)?;
                audit::insert(c, &done_event)?;
                Ok(true)
            })
        })
        .await?;
    if !won {
        audit_token(
            svc,
            Event::TokenReused,
            Outcome::Failure,
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
