//! Sign-in: the password step, then the TOTP step. Both answer the same way for every
//! failure; the reason goes to the audit only.

use super::{admin_id, sign_in_event, usable};
use crate::accounts::device::DeviceCookie;
use crate::accounts::lockout::{self, Account, Client, Method};
use crate::console::Admin;
use crate::db::{admins, audit, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::domain::password::normalize_for_sign_in;
use crate::domain::EmailAddress;
use crate::ratelimit::Allowance;
use crate::security::hashing::BUSY_RETRY_AFTER_SECONDS;
use crate::security::{totp, SeedOwner};
use crate::services::Services;
use std::net::IpAddr;

/// The password step: the admin when the password is right and the admin may sign in now;
/// `None` for every failure (audited as `admin_sign_in_failed` with its reason). The attempt
/// of a usable admin is spent before the password is compared and counts towards the pause
/// until a sign-in completes. `device` is the browser's device cookie: a browser that signed
/// in as the admin before has a count of its own ([`crate::accounts::device`]).
///
/// [`DbError::Busy`] when the sign-in share of the password hasher is full.
pub async fn password_step(
    svc: &Services,
    email: &str,
    password: &str,
    ip: Option<IpAddr>,
    device: &DeviceCookie,
) -> Result<Option<Admin>, DbError> {
    let slot = svc
        .hasher
        .sign_in_slot()
        .map_err(|_| DbError::Busy(BUSY_RETRY_AFTER_SECONDS))?;
    let email = EmailAddress::parse(email).ok();
    let admin = match email.clone() {
        Some(e) => svc.db.run(move |c| admins::find_by_email(c, &e)).await?,
        None => None,
    };
    let limits = &svc.rate_limits.persistent;
    let locked = match admin.as_ref().filter(|a| usable(a)) {
        Some(a) => {
            let account = Account::Admin(&admin_id(a));
            let client = device.client_for(account);
            lockout::spend(limits, account, Method::Password, &client).await? != Allowance::Allowed
        }
        None => false,
    };
    let candidate = admin.as_ref().filter(|a| usable(a) && !locked);
    // Argon2 runs whatever the case (a dummy hash for unknown admins), so timing says nothing.
    let matched = match normalize_for_sign_in(password) {
        Some(pw) => slot
            .verify(pw, candidate.and_then(|a| a.password_hash.as_deref()))
            .await
            .map_err(DbError::Unexpected)?,
        None => false,
    };
    if let (true, Some(admin)) = (matched, candidate) {
        let account = Account::Admin(&admin_id(admin));
        lockout::refund(
            limits,
            account,
            Method::Password,
            &device.client_for(account),
        )
        .await?;
        return Ok(Some(admin.clone()));
    }
    let reason = match (&email, &admin) {
        (None, _) => "malformed_email",
        (Some(_), None) => "unknown_admin",
        (_, Some(a)) if a.disabled => "disabled",
        (_, Some(a)) if !usable(a) => "setup_incomplete",
        (_, Some(_)) if locked => "locked",
        _ => "wrong_password",
    };
    let mut event = sign_in_event(
        svc.now(),
        admin.as_ref(),
        Event::AdminSignInFailed,
        Outcome::Failure,
        ip,
    );
    event.reason = Some(reason.into());
    if admin.is_none() {
        // The address typed, normalised (or nothing, when it is not an address).
        event.email = email.map(|e| e.to_string());
    }
    svc.db.run(move |c| audit::insert(c, &event)).await?;
    Ok(None)
}

/// What a TOTP code did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpStep {
    Accepted,
    /// Not a current code (or the attempt was refused).
    Wrong,
    /// A current code, but already used (±1 step, never twice): typically the code that
    /// confirmed the set-up a moment ago. The authenticator shows a code that will be accepted
    /// in `next_code_in` seconds (0: the code it shows now is a new one).
    Reused {
        next_code_in: u64,
    },
}

/// The TOTP step for an admin past the password step, from `client` (the browser's device
/// cookie for this admin, if any). The attempt is spent before the code is compared; a
/// refused attempt compares nothing and answers like a wrong code.
pub async fn totp_step(
    svc: &Services,
    admin: &Admin,
    code: &str,
    ip: Option<IpAddr>,
    client: &Client,
) -> Result<TotpStep, DbError> {
    let id = admin_id(admin);
    let limits = &svc.rate_limits.persistent;
    if lockout::spend(limits, Account::Admin(&id), Method::Totp, client).await?
        != Allowance::Allowed
    {
        audit_totp_failed(svc, admin, ip, "locked").await?;
        return Ok(TotpStep::Wrong);
    }
    // A seed that cannot be opened (unknown key id, tampered: logged in `open_totp`) fails
    // like a wrong code; never a 500 with internals, never a skipped second factor.
    let secret = admin
        .totp_secret
        .as_deref()
        .and_then(|stored| svc.open_totp(SeedOwner::Admin(admin.id.as_str()), stored));
    let now = u64::try_from(svc.clock.now().timestamp()).unwrap_or(0);
    let verified = secret
        .as_ref()
        .and_then(|s| totp::verify(s, code, now, admin.totp_last_step));
    let accepted = match verified {
        Some(step) => {
            let id = id.clone();
            // Recorded only if newer than the last step, so two racing requests with one code
            // cannot both win (docs/security.md#25).
            svc.db
                .run(move |c| admins::record_totp_step(c, &id, step))
                .await?
        }
        None => false,
    };
    if accepted {
        return Ok(TotpStep::Accepted);
    }
    let replayed = secret
        .as_ref()
        .is_some_and(|s| totp::verify(s, code, now, None).is_some());
    let reason = if replayed {
        "code_reused"
    } else {
        "wrong_code"
    };
    audit_totp_failed(svc, admin, ip, reason).await?;
    if !replayed {
        return Ok(TotpStep::Wrong);
    }
    // The first step after the last one used starts at (last + 1) × period.
    let last = admin.totp_last_step.and_then(|s| u64::try_from(s).ok());
    let next_starts = last.map_or(0, |s| (s + 1).saturating_mul(totp::STEP_SECONDS));
    Ok(TotpStep::Reused {
        next_code_in: next_starts.saturating_sub(now),
    })
}

/// Audits a refused TOTP step (`admin_totp_failed`, with why).
async fn audit_totp_failed(
    svc: &Services,
    admin: &Admin,
    ip: Option<IpAddr>,
    reason: &str,
) -> Result<(), DbError> {
    let mut event = sign_in_event(
        svc.now(),
        Some(admin),
        Event::AdminTotpFailed,
        Outcome::Failure,
        ip,
    );
    event.reason = Some(reason.into());
    svc.db.run(move |c| audit::insert(c, &event)).await?;
    Ok(())
}

/// A completed sign-in: clears the failure count of `client` (the browser's, when it held a
/// device cookie for this admin; the untrusted count otherwise), stamps the login and writes
/// the `admin_signed_in` event naming the new session (`session_reference`); returns the
/// event's id, which the session carries.
pub async fn complete_sign_in(
    svc: &Services,
    admin: &Admin,
    session_reference: String,
    ip: Option<IpAddr>,
    client: &Client,
) -> Result<i64, DbError> {
    let now = svc.now();
    let mut event = sign_in_event(now, Some(admin), Event::AdminSignedIn, Outcome::Success, ip);
    event.request_id = Some(session_reference);
    let id = admin_id(admin);
    lockout::record_success(
        &svc.rate_limits.persistent,
        Account::Admin(&id),
        Method::Password,
        client,
    )
    .await?;
    svc.db
        .run(move |c| {
            admins::record_login(c, &id, now)?;
            audit::insert_returning_id(c, &event)
        })
        .await
}
