//! The owner of an invited address confirms an account that the invitation's `CcEmail` copy
//! created (docs/security.md#33): whoever held the copy chose the password, may have enrolled an
//! authenticator and may be signed in. Confirming the address is the moment the owner takes the
//! account over, so in one transaction the link is used, the address verified, the owner's new
//! password replaces the copy holder's, the authenticator is removed, every session ends (the
//! session generation moves on) and every outstanding reset or helpdesk link dies.

use super::verification::{audit_failure, LinkPage, TypedPassword, Verified};
use super::{audit, lockout, User};
use crate::db::email_verifications::{self, EmailVerification};
use crate::db::{reset_tokens, users, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::passwords::TenantOf;
use crate::services::Services;
use std::net::IpAddr;

/// Verifies `row`'s address for `user` (created from a `CcEmail` copy) with the owner's new
/// password, or answers the form again with the reason.
pub(super) async fn verify_and_choose(
    svc: &Services,
    row: EmailVerification,
    user: User,
    typed: TypedPassword<'_>,
    ip: Option<IpAddr>,
) -> Result<Verified, DbError> {
    let page = |error: Option<crate::domain::password::PasswordRejection>| {
        Verified::ChoosePassword(LinkPage {
            email: row.email.to_string(),
            choose_password: true,
            min_chars: svc.settings.password.min_chars,
            error,
        })
    };
    if typed.password.is_empty() && typed.confirm.is_empty() {
        // The plain confirm button (a page rendered before the account existed): ask.
        return Ok(page(None));
    }
    let checked = match svc
        .passwords
        .check_new(
            typed.password,
            typed.confirm,
            &user.email,
            TenantOf::NewAccount,
        )
        .await?
    {
        Ok(p) => p,
        Err(reason) => return Ok(page(Some(reason))),
    };
    let hash = svc.hasher.hash(checked.into_secret()).await?;
    let (uid, now) = (user.user_id(), svc.now());
    let won = svc
        .db
        .run(move |c| {
            use crate::db::WriteTransaction as _;
            c.write_transaction::<bool, DbError, _>(|c| {
                if !email_verifications::redeem(c, &row, now)? {
                    return Ok(false);
                }
                users::set_password(c, &uid, &hash, now)?;
                users::set_totp_secret(c, &uid, None, now)?;
                reset_tokens::revoke_all_for_user(c, &uid, "owner_verified", now)?;
                Ok(true)
            })
        })
        .await?;
    if !won {
        return audit_failure(svc, Some(&user), "used", ip).await;
    }
    // The failure counts were the copy holder's (or an attacker's): the owner starts afresh.
    lockout::clear_after_reset(&svc.rate_limits.persistent, &user.user_id()).await?;
    audit::record(
        svc,
        Event::EmailVerified,
        Outcome::Success,
        Some(&user),
        Some("owner_chose_password"),
        ip,
    )
    .await?;
    Ok(Verified::Done { password_set: true })
}
