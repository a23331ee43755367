//! Guest sign-in and sign-out.
//!
//! One outcome for every failure, and the same argon2 work whether or not the account exists:
//! an unknown address is verified against the hasher's dummy hash (docs/security.md#12). A
//! disabled account cannot sign in. Failed passwords back off per account and client
//! ([`super::lockout`]): each attempt is spent before the password is compared, and a
//! throttled attempt fails like a wrong password without comparing it. Sign-ins use the
//! bounded sign-in share of the hasher ([`crate::security::sign_in_queue`]).
//!
//! With a directory (`[directory] kind = "ldap"`) the account is looked up there and the typed
//! password is checked by a bind as the user on a fresh connection ([`directory_check`]).
//! Latchkey holds no hash of a directory password. An unknown address binds too (as a DN no
//! entry has), so the answer and the work are the same; a directory outage is an outage (503).

use super::device::DeviceCookie;
use super::lockout::{self, Account, Client, Method};
use super::{audit, User};
use crate::db::{users, DbError};
use crate::directory::accounts::{self, Resolved};
use crate::directory::ldap::LdapDirectory;
use crate::domain::audit::{Event, Outcome};
use crate::domain::password::normalize_for_sign_in;
use crate::domain::EmailAddress;
use crate::ratelimit::Allowance;
use crate::security::hashing::BUSY_RETRY_AFTER_SECONDS;
use crate::services::Services;
use secrecy::SecretString;
use std::net::IpAddr;

/// Checks an email and password and audits the attempt: the user on success, `None` for
/// every kind of failure. `device` is the browser's device cookie: a browser that signed in
/// as the account before is counted apart from every other client ([`super::device`]).
///
/// [`DbError::Busy`] when the sign-in share of the password hasher is full (checked first,
/// before anything is spent or written).
pub async fn sign_in(
    svc: &Services,
    email: &str,
    password: &str,
    ip: Option<IpAddr>,
    device: &DeviceCookie,
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
        let (user, reason, client) = directory_check(svc, ldap, email, &secret, device).await?;
        return finish(svc, user, reason, ip, &client).await;
    }
    // A place in the hasher's sign-in queue first: a refusal spends nothing.
    let slot = svc
        .hasher
        .sign_in_slot()
        .map_err(|_| DbError::Busy(BUSY_RETRY_AFTER_SECONDS))?;
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
    // The attempts of an unknown address are spent under a key of their own: the same reads
    // and writes as for an account (docs/security.md#12).
    let (uid, unknown_key) = (
        user.as_ref().map(|u| u.user_id()),
        limits.address_key(&typed),
    );
    let (account, client) = match &uid {
        Some(id) => (Account::Guest(id), device.client_for(Account::Guest(id))),
        None => (Account::UnknownGuest(&unknown_key), Client::Untrusted),
    };
    // The attempt is spent before the password is compared (docs/security.md#30).
    let throttled = !spent(svc, account, &client).await?;
    // Always one argon2 verify: against the stored hash, or the dummy one (same cost) for an
    // unknown or throttled account, whose password is then not compared at all.
    let stored = user
        .as_ref()
        .filter(|_| !throttled)
        .and_then(|u| u.password_hash.as_deref());
    let matched = slot
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
    finish(svc, user, reason, ip, &client).await
}

/// Spends one password attempt of `account` from `client`; whether it may be compared.
async fn spent(svc: &Services, account: Account<'_>, client: &Client) -> Result<bool, DbError> {
    let limits = &svc.rate_limits.persistent;
    Ok(lockout::spend(limits, account, Method::Password, client).await? == Allowance::Allowed)
}

/// The directory's answer for `email` and `secret`: the account (Latchkey's row for the
/// directory entry), why it may not sign in, if it may not, and where the attempt came from.
/// Exactly one bind either way.
async fn directory_check(
    svc: &Services,
    ldap: &LdapDirectory,
    email: &str,
    secret: &SecretString,
    device: &DeviceCookie,
) -> Result<(Option<User>, Option<&'static str>, Client), DbError> {
    let resolved = match EmailAddress::parse(email) {
        Ok(email) => accounts::resolve(&svc.db, ldap, &svc.settings, &email, svc.now()).await?,
        Err(_) => Resolved {
            user: None,
            account: None,
        },
    };
    let (user, account) = match (resolved.user, resolved.account) {
        (Some(u), Some(a)) => (Some(u), Some(a)),
        _ => (None, None),
    };
    let client = user.as_ref().map_or(Client::Untrusted, |u| {
        device.client_for(Account::Guest(&u.user_id()))
    });
    let throttled = match &user {
        Some(u) => !spent(svc, Account::Guest(&u.user_id()), &client).await?,
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
    Ok((user, reason, client))
}

/// Records the outcome (a success clears the client's count; a failure was counted when the
/// attempt was spent) and the audit, and answers.
async fn finish(
    svc: &Services,
    user: Option<User>,
    reason: Option<&'static str>,
    ip: Option<IpAddr>,
    client: &Client,
) -> Result<Option<User>, DbError> {
    let limits = &svc.rate_limits.persistent;
    match (reason, &user) {
        (None, Some(u)) => {
            lockout::record_success(
                limits,
                Account::Guest(&u.user_id()),
                Method::Password,
                client,
            )
            .await?;
            audit::record(svc, Event::SignIn, Outcome::Success, Some(u), None, ip).await?;
            Ok(user)
        }
        (reason, _) => {
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
