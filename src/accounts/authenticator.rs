//! A guest's authenticator app: enrolment, confirmed by a code, and removal, proved by the
//! current password or a current code.
//!
//! An unconfirmed secret is never stored: the web layer keeps it in a sealed, short-lived
//! cookie bound to the user until [`enrol`] confirms it; only then is it written (sealed at
//! rest), with the confirming step recorded as used (docs/security.md#25).

use super::{audit, User};
use crate::db::{tenants, users, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::domain::password::normalize_for_sign_in;
use crate::security::{totp, SeedOwner, TotpSecret};
use crate::services::Services;
use std::net::IpAddr;

/// What confirming a pending secret did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrolOutcome {
    /// Enrolled (or another tab enrolled first: an authenticator is set up either way).
    Enrolled,
    /// The code does not match the pending secret.
    WrongCode,
}

/// What a removal did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoveOutcome {
    Removed,
    /// Neither the password nor the code proved the owner.
    WrongProof,
}

/// Whether the guest's tenant requires two methods (so removing the app would leave the guest
/// unable to reset).
pub async fn required_by_tenant(svc: &Services, user: &User) -> Result<bool, DbError> {
    let tid = user.tenant_id();
    let tenant = svc.db.run(move |c| tenants::find_by_id(c, &tid)).await?;
    Ok(tenant.is_some_and(|t| t.methods_required >= 2))
}

/// Confirms `secret` (the pending one) with `code` from the app and stores it.
pub async fn enrol(
    svc: &Services,
    user: &User,
    secret: &TotpSecret,
    code: &str,
    ip: Option<IpAddr>,
) -> Result<EnrolOutcome, DbError> {
    let now_unix = svc.clock.now().timestamp().max(0) as u64;
    let Some(step) = totp::verify(secret, code, now_unix, None) else {
        audit::record(
            svc,
            Event::TotpEnrolled,
            Outcome::Failure,
            Some(user),
            Some("wrong_code"),
            ip,
        )
        .await?;
        return Ok(EnrolOutcome::WrongCode);
    };
    // Stored encrypted, bound to this user's row.
    let sealed = svc.seal_totp(SeedOwner::User(user.id.as_str()), secret);
    let (id, now) = (user.user_id(), svc.now());
    let enrolled = svc
        .db
        .run(move |c| users::enrol_totp(c, &id, &sealed, step, now))
        .await?;
    if enrolled {
        audit::record(
            svc,
            Event::TotpEnrolled,
            Outcome::Success,
            Some(user),
            None,
            ip,
        )
        .await?;
    }
    Ok(EnrolOutcome::Enrolled)
}

/// Removes the guest's authenticator, given a current code (never one already used) or the
/// current password. `None` when no authenticator is set up.
pub async fn remove(
    svc: &Services,
    user: &User,
    password: &str,
    code: &str,
    ip: Option<IpAddr>,
) -> Result<Option<RemoveOutcome>, DbError> {
    let Some(stored) = user.totp_secret.as_deref() else {
        return Ok(None);
    };
    // A seed that cannot be opened (logged) still leaves the password as proof.
    let secret = svc.open_totp(SeedOwner::User(user.id.as_str()), stored);
    if !proves_owner(svc, user, secret.as_ref(), password, code).await? {
        audit::record(
            svc,
            Event::TotpRemoved,
            Outcome::Failure,
            Some(user),
            Some("wrong_proof"),
            ip,
        )
        .await?;
        return Ok(Some(RemoveOutcome::WrongProof));
    }
    let (id, now) = (user.user_id(), svc.now());
    svc.db
        .run(move |c| users::set_totp_secret(c, &id, None, now))
        .await?;
    audit::record(
        svc,
        Event::TotpRemoved,
        Outcome::Success,
        Some(user),
        None,
        ip,
    )
    .await?;
    Ok(Some(RemoveOutcome::Removed))
}

/// A current TOTP code (never one already used), or else the current password.
async fn proves_owner(
    svc: &Services,
    user: &User,
    secret: Option<&TotpSecret>,
    password: &str,
    code: &str,
) -> Result<bool, DbError> {
    if let (Some(secret), false) = (secret, code.trim().is_empty()) {
        let now_unix = svc.clock.now().timestamp().max(0) as u64;
        if let Some(step) = totp::verify(secret, code, now_unix, user.totp_last_step) {
            let id = user.user_id();
            if svc
                .db
                .run(move |c| users::record_totp_step(c, &id, step))
                .await?
            {
                return Ok(true);
            }
        }
    }
    if !password.is_empty() {
        if let Some(secret) = normalize_for_sign_in(password) {
            return svc
                .hasher
                .verify(secret, user.password_hash.as_deref())
                .await
                .map_err(DbError::Unexpected);
        }
    }
    Ok(false)
}
