//! Email verification links (mailed by the reset worker to unverified guests).
//!
//! Only the token's hash is stored; redeeming is one guarded UPDATE that marks the address
//! verified. Every bad, used or expired token is the same [`Verified::Invalid`].

use super::{audit, User};
use crate::db::email_verifications::{self, EmailVerification};
use crate::db::{users, DbError};
use crate::domain::UserId;
use crate::security::TokenHash;
use crate::services::Services;
use std::net::IpAddr;

/// The `purpose` of the verification rows redeemed here (other flows keep their own).
const PURPOSE: &str = "verify";

/// What redeeming a link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    Done,
    Invalid,
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

/// Whether `presented` is a live verification link (nothing is changed).
pub async fn is_live(svc: &Services, presented: &str) -> Result<bool, DbError> {
    Ok(find(svc, presented).await?.is_some())
}

/// Marks the address of a live link verified, once, and audits the outcome.
pub async fn redeem(
    svc: &Services,
    presented: &str,
    ip: Option<IpAddr>,
) -> Result<Verified, DbError> {
    let Some(row) = find(svc, presented).await? else {
        audit::record(
            svc,
            "email_verification",
            "failure",
            None,
            Some("invalid"),
            ip,
        )
        .await?;
        return Ok(Verified::Invalid);
    };
    let now = svc.now();
    let (redeemed, user): (bool, Option<User>) = svc
        .db
        .run(move |c| {
            let redeemed = email_verifications::redeem(c, &row, now)?;
            let user = match &row.user_id {
                Some(id) => users::find_by_id(c, &UserId::from_string(id.clone()))?,
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
            "email_verification",
            "failure",
            user.as_ref(),
            Some(reason),
            ip,
        )
        .await?;
        return Ok(Verified::Invalid);
    }
    audit::record(svc, "email_verified", "success", user.as_ref(), None, ip).await?;
    Ok(Verified::Done)
}
