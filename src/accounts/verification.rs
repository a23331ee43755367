//! Email verification links (mailed by the reset worker to unverified guests, and to the invited
//! address after an invitation's `CcEmail` copy created the account).
//!
//! Only the token's hash is stored; redeeming is one guarded UPDATE that marks the address
//! verified. Every bad, used or expired token is the same [`Verified::Invalid`].
//!
//! An account created from the `CcEmail` copy has a password its owner never chose: whoever held
//! the copy chose it, and may have signed in. When the owner of the address confirms it, the
//! owner chooses a password in the same step ([`super::owner_verification`]): the copy holder's password and
//! authenticator are removed and every session ends, in the transaction that verifies the
//! address (docs/security.md#33).

use super::{audit, User};
use crate::db::email_verifications::{self, EmailVerification};
use crate::db::{invitations, users, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::domain::{EmailAddress, UserId, VerificationId};
use crate::security::TokenHash;
use crate::services::Services;
use std::net::IpAddr;

/// The `purpose` of the verification rows redeemed here (other flows keep their own).
pub const PURPOSE: &str = "verify";

/// How long a mailed verification or signup link lasts.
const LINK_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// A fresh link of `purpose` for `email`: a new token whose hash alone is stored, valid for
/// 24 hours from `now`. Returns the token (for the mail only) and its expiry.
pub async fn issue_link(
    svc: &Services,
    email: &EmailAddress,
    user_id: Option<UserId>,
    purpose: &str,
    now: chrono::NaiveDateTime,
) -> Result<(crate::security::TokenSecret, chrono::NaiveDateTime), DbError> {
    let token = crate::security::TokenSecret::generate();
    let expires_at = now + LINK_LIFETIME;
    let row = EmailVerification {
        id: VerificationId::generate(),
        email: email.clone(),
        user_id,
        token_hash: token.hash().into_string(),
        purpose: purpose.into(),
        created_at: now,
        expires_at,
        used_at: None,
    };
    svc.db
        .run(move |c| email_verifications::insert(c, &row))
        .await?;
    Ok((token, expires_at))
}

/// What redeeming a link did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    /// The address is verified (and, for an account created from a `CcEmail` copy, the
    /// owner's password is set: `password_set`).
    Done {
        password_set: bool,
    },
    Invalid,
    /// The owner must choose a password in this step and has not (yet) given an acceptable one:
    /// the form again, with the reason. Nothing was changed.
    ChoosePassword(LinkPage),
}

/// What the page of a live link shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkPage {
    /// The address being confirmed.
    pub email: String,
    /// The account was created from a `CcEmail` copy: the owner chooses a password here.
    pub choose_password: bool,
    pub min_chars: u32,
    /// Why the password typed was refused (the page words it in the guest's language).
    #[serde(skip)]
    pub error: Option<crate::domain::password::PasswordRejection>,
}

/// The password typed on the page (both fields; empty when the page had none).
#[derive(Debug, Clone, Copy)]
pub struct TypedPassword<'a> {
    pub password: &'a str,
    pub confirm: &'a str,
}

/// The live verification row for a presented token, if any.
async fn find(svc: &Services, presented: &str) -> Result<Option<EmailVerification>, DbError> {
    let Some(hash) = TokenHash::of_presented(presented) else {
        return Ok(None);
    };
    let (hash, now) = (hash.into_string(), svc.now());
    let row = svc
        .db
        .run(move |c| email_verifications::find_live(c, &hash, now))
        .await?;
    Ok(row.filter(|r| r.purpose == PURPOSE))
}

/// The account whose owner must choose a password when confirming `row`: one created from a
/// `CcEmail` copy, still unverified, with the address the link was sent to.
async fn needs_owner_password(
    svc: &Services,
    row: &EmailVerification,
) -> Result<Option<User>, DbError> {
    let Some(id) = row.user_id.clone() else {
        return Ok(None);
    };
    let email = row.email.clone();
    svc.db
        .run(move |c| {
            let Some(user) = users::find_by_id(c, &id)? else {
                return Ok(None);
            };
            if user.verified_at.is_some() || user.email != email {
                return Ok(None);
            }
            Ok(invitations::created_via_cc(c, &user.id)?.then_some(user))
        })
        .await
}

/// The page of a live verification link, or `None` (nothing is changed).
pub async fn open(svc: &Services, presented: &str) -> Result<Option<LinkPage>, DbError> {
    let Some(row) = find(svc, presented).await? else {
        return Ok(None);
    };
    let choose_password = needs_owner_password(svc, &row).await?.is_some();
    Ok(Some(LinkPage {
        email: row.email.to_string(),
        choose_password,
        min_chars: svc.settings.password.min_chars,
        error: None,
    }))
}

/// Marks the address of a live link verified, once, and audits the outcome. For an account
/// created from a `CcEmail` copy, `typed` must be an acceptable new password: it replaces the
/// copy holder's in the same transaction ([`super::owner_verification`]).
pub async fn redeem(
    svc: &Services,
    presented: &str,
    typed: TypedPassword<'_>,
    ip: Option<IpAddr>,
) -> Result<Verified, DbError> {
    let Some(row) = find(svc, presented).await? else {
        audit::record(
            svc,
            Event::EmailVerification,
            Outcome::Failure,
            None,
            Some("invalid"),
            ip,
        )
        .await?;
        return Ok(Verified::Invalid);
    };
    if let Some(user) = needs_owner_password(svc, &row).await? {
        return super::owner_verification::verify_and_choose(svc, row, user, typed, ip).await;
    }
    let now = svc.now();
    let (redeemed, user): (bool, Option<User>) = svc
        .db
        .run(move |c| {
            let redeemed = email_verifications::redeem(c, &row, now)?;
            let user = match &row.user_id {
                Some(id) => users::find_by_id(c, id)?,
                None => None,
            };
            Ok((redeemed, user))
        })
        .await?;
    let failure = if !redeemed {
        Some("used")
    } else if user.as_ref().is_none_or(|u| u.verified_at.is_none()) {
        // The account's address changed since the link was sent: nothing was verified.
        Some("address_changed")
    } else {
        None
    };
    if let Some(reason) = failure {
        audit::record(
            svc,
            Event::EmailVerification,
            Outcome::Failure,
            user.as_ref(),
            Some(reason),
            ip,
        )
        .await?;
        return Ok(Verified::Invalid);
    }
    audit::record(
        svc,
        Event::EmailVerified,
        Outcome::Success,
        user.as_ref(),
        None,
        ip,
    )
    .await?;
    Ok(Verified::Done {
        password_set: false,
    })
}

/// The audit of a link that was not (or no longer) usable.
pub(super) async fn audit_failure(
    svc: &Services,
    user: Option<&User>,
    reason: &str,
    ip: Option<IpAddr>,
) -> Result<Verified, DbError> {
    audit::record(
        svc,
        Event::EmailVerification,
        Outcome::Failure,
        user,
        Some(reason),
        ip,
    )
    .await?;
    Ok(Verified::Invalid)
}
