//! Guest sign-in and sign-out.
//!
//! One outcome for every failure, and the same argon2 work whether or not the account exists:
//! an unknown address is verified against the hasher's dummy hash (docs/security.md#12). A
//! disabled account cannot sign in. Failed passwords back off per account
//! ([`super::lockout`]); a throttled attempt fails like a wrong password.
//!
//! With a directory (`[directory] kind = "ldap"`) the account is looked up there and the typed
//! password is checked by a bind as the user on a fresh connection ([`directory_check`]).
//! Latchkey holds no hash of a directory password. An unknown address binds too (as a DN no
//! entry has), so the answer and the work are the same; a directory outage is an outage (503).

use super::lockout::{self, Account, Method};
use super::{audit, User};
use crate::db::{users, DbError};
use crate::directory::accounts::{self, Resolved};
use crate::directory::ldap::LdapDirectory;
use crate::domain::audit::{Event, Outcome};
use crate::domain::password::normalize_for_sign_in;
use crate::domain::EmailAddress;
use crate::services::Services;
use secrecy::SecretString;
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
            Event::SignIn,
            Outcome::Failure,
            None,
            Some("password_too_long"),
            ip,
        )
        .await?;
        return Ok(None);
    };
    if let Some(ldap) = svc.directory.ldap() {
        let secret = SecretString::from(secret.to_owned());
        let (user, reason) = directory_check(svc, ldap, email, &secret).await?;
        let uid = user.as_ref().map(|u| u.user_id());
        return finish(svc, user, reason, uid.as_ref().map(Account::Guest), ip).await;
    }
    let (user, typed) = match EmailAddress::parse(email) {
        Ok(email) => {
            let typed = email.to_string();
            (
                svc.db.run(move |c| users::find_by_email(c, &email)).await?,
                typed,
            )
        }
        Err(_) => (None, email.trim().to_lowercase()),
    };
    let limits = &svc.rate_limits.persistent;
    // The failures of an unknown address count under a key of their own: the same read here
    // and the same write in `finish` as for an account (docs/security.md#12).
    let (uid, unknown_key) = (
        user.as_ref().map(|u| u.user_id()),
        limits.address_key(&typed),
    );
    let account = match &uid {
        Some(id) => Account::Guest(id),
        None => Account::UnknownGuest(&unknown_key),
    };
    let throttled = !lockout::is_allowed(limits, account, Method::Password).await?;
    // Always one argon2 verify: against the stored hash, or the dummy one (same cost).
    let stored = user.as_ref().and_then(|u| u.password_hash.as_deref());
    let matched = svc
        .hasher
        .verify(secret, stored)
        .await
        .map_err(DbError::Unexpected)?;
    let reason = match &user {
        None if throttled => Some("throttled"),
        None => Some("unknown_account"),
        Some(_) if throttled => Some("throttled"),
        Some(u) if u.disabled => Some("account_disabled"),
        Some(u) if u.password_hash.is_none() => Some("no_password"),
        Some(_) if !matched => Some("wrong_password"),
        Some(_) => None,
    };
    finish(svc, user, reason, Some(account), ip).await
}

/// The directory's answer for `email` and `secret`: the account (Latchkey's row for the
/// directory entry) and why it may not sign in, if it may not. Exactly one bind either way.
async fn directory_check(
    svc: &Services,
    ldap: &LdapDirectory,
    email: &str,
    secret: &SecretString,
) -> Result<(Option<User>, Option<&'static str>), DbError> {
    let resolved = match EmailAddress::parse(email) {
        Ok(email) => accounts::resolve(&svc.db, ldap, &svc.settings, &email, svc.now()).await?,
        Err(_) => Resolved {
            user: None,
            account: None,
        },
    };
    let limits = &svc.rate_limits.persistent;
    let (user, account) = match (resolved.user, resolved.account) {
        (Some(u), Some(a)) => (Some(u), Some(a)),
        _ => (None, None),
    };
    let throttled = match &user {
        Some(u) => {
            !lockout::is_allowed(limits, Account::Guest(&u.user_id()), Method::Password).await?
        }
        None => false,
    };
    // One bind in every case: as the entry, or as a DN no entry has (the directory refuses it
    // like a wrong password), so an unknown address costs the same round trip.
    let dn = match &account {
        Some(a) if !throttled && !a.disabled => a.dn.clone(),
        _ => ldap.unknown_dn(),
    };
    let matched = ldap
        .verify_password(&dn, secret)
        .await
        .map_err(accounts::outage)?;
    let reason = match (&user, &account) {
        (Some(_), Some(_)) if throttled => Some("throttled"),
        (Some(_), Some(a)) if a.disabled => Some("account_disabled"),
        (Some(u), _) if u.disabled => Some("account_disabled"),
        (Some(_), Some(_)) if !matched => Some("wrong_password"),
        (Some(_), Some(_)) => None,
        _ => Some("unknown_account"),
    };
    Ok((user, reason))
}

/// Records the outcome (lockout counters and audit) and answers. A failure that was weighed
/// (not throttled) counts against `charged`: the account, or the unknown address's key.
async fn finish(
    svc: &Services,
    user: Option<User>,
    reason: Option<&'static str>,
    charged: Option<Account<'_>>,
    ip: Option<IpAddr>,
) -> Result<Option<User>, DbError> {
    let limits = &svc.rate_limits.persistent;
    match (reason, &user) {
        (None, Some(u)) => {
            lockout::record_success(limits, Account::Guest(&u.user_id()), Method::Password).await?;
            audit::record(svc, Event::SignIn, Outcome::Success, Some(u), None, ip).await?;
            Ok(user)
        }
        (reason, _) => {
            if let Some(account) = charged.filter(|_| reason != Some("throttled")) {
                lockout::record_failure(limits, account, Method::Password).await?;
            }
            audit::record(
                svc,
                Event::SignIn,
                Outcome::Failure,
                user.as_ref(),
                reason,
                ip,
            )
            .await?;
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
    audit::record(svc, Event::SignOut, Outcome::Success, Some(user), None, ip).await
}
