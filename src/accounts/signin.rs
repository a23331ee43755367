//! Guest sign-in and sign-out.
//!
//! One outcome for every failure, and the same argon2 work whether or not the account exists:
//! an unknown address is verified against the hasher's dummy hash (docs/security.md#12). A
//! disabled account cannot sign in. Failed passwords back off per account
//! ([`super::lockout`]); a throttled attempt fails like a wrong password.

use super::lockout::{self, Account, Method};
use super::{audit, User};
use crate::db::{users, DbError};
use crate::domain::password::normalize_for_sign_in;
use crate::domain::EmailAddress;
use crate::services::Services;
use std::net::IpAddr;

/// Checks an email and password and audits the attempt: the user on success, `None` for
/// every kind of failure.
pub async fn sign_in(
    svc: &Services,
    email: &str,
    password: &str,
    ip: Option<IpAddr>,
) -> Result<Option<User>, DbError> {
    // An over-long password is refused before any hashing (docs/security.md#20); it says
    // nothing about accounts.
    let Some(secret) = normalize_for_sign_in(password) else {
        audit::record(
            svc,
            "signin",
            "failure",
            None,
            Some("password_too_long"),
            ip,
        )
        .await?;
        return Ok(None);
    };
    let user = match EmailAddress::parse(email) {
        Ok(email) => svc.db.run(move |c| users::find_by_email(c, &email)).await?,
        Err(_) => None,
    };
    let limits = &svc.rate_limits.persistent;
    let throttled = match &user {
        Some(u) => {
            !lockout::is_allowed(limits, Account::Guest(&u.user_id()), Method::Password).await?
        }
        None => false,
    };
    // Always one argon2 verify: against the stored hash, or the dummy one (same cost).
    let stored = user.as_ref().and_then(|u| u.password_hash.as_deref());
    let matched = svc
        .hasher
        .verify(secret, stored)
        .await
        .map_err(DbError::Unexpected)?;
    let reason = match &user {
        None => Some("unknown_account"),
        Some(_) if throttled => Some("throttled"),
        Some(u) if u.disabled => Some("account_disabled"),
        Some(u) if u.password_hash.is_none() => Some("no_password"),
        Some(_) if !matched => Some("wrong_password"),
        Some(_) => None,
    };
    match (reason, &user) {
        (None, Some(u)) => {
            lockout::record_success(limits, Account::Guest(&u.user_id()), Method::Password).await?;
            audit::record(svc, "signin", "success", Some(u), None, ip).await?;
            Ok(user)
        }
        (reason, _) => {
            if let (Some("wrong_password"), Some(u)) = (reason, &user) {
                lockout::record_failure(limits, Account::Guest(&u.user_id()), Method::Password)
                    .await?;
            }
            audit::record(svc, "signin", "failure", user.as_ref(), reason, ip).await?;
            Ok(None)
        }
    }
}

/// Ends every session of `user` (the generation moves on, so a copy of an old cookie is
/// worthless too) and audits it.
pub async fn sign_out(svc: &Services, user: &User, ip: Option<IpAddr>) -> Result<(), DbError> {
    let (id, now) = (user.user_id(), svc.now());
    svc.db
        .run(move |c| users::bump_session_generation(c, &id, now))
        .await?;
    audit::record(svc, "signout", "success", Some(user), None, ip).await
}
