//! Redeeming an invitation link (docs/onboarding.md): `GET /invite/{token}` shows what the
//! set-password page needs, `POST` creates the account through [`super::accounts`]. Through the
//! primary link the address is verified; through the `CcEmail` copy it is not, and a
//! verification mail to the invited address is queued.

use super::accounts::{
    live_link, set_password_and_create, AccountOutcome, NewAccount, PendingAccount,
};
use crate::db::invitations::{self, Copy, Invitation};
use crate::db::DbError;
use crate::domain::audit::Event;
use crate::domain::EmailAddress;
use crate::jobs;
use crate::services::Services;
use std::net::IpAddr;

/// The live invitation a presented token belongs to.
async fn live_invitation(
    svc: &Services,
    presented: &str,
) -> Result<Option<((Invitation, Copy), EmailAddress, Option<String>)>, DbError> {
    live_link(
        svc,
        presented,
        |c, hash, now| {
            Ok(invitations::find_by_token_hash(c, hash)?
                .filter(|(inv, _)| inv.redeemed_at.is_none() && inv.expires_at > now))
        },
        |(inv, _)| &inv.email,
    )
    .await
}

fn pending_of(
    svc: &Services,
    inv: &Invitation,
    copy: Copy,
    organisation: Option<String>,
) -> PendingAccount {
    PendingAccount {
        display_name: inv.display_name.clone(),
        via_cc: copy == Copy::Cc,
        ..PendingAccount::new(&svc.settings, &inv.email, organisation)
    }
}

/// `GET /invite/{token}`: what the set-password page shows, if the link is live. Changes nothing.
pub async fn open_invitation(
    svc: &Services,
    presented: &str,
) -> Result<Option<PendingAccount>, DbError> {
    Ok(live_invitation(svc, presented)
        .await?
        .map(|((inv, copy), _, org)| pending_of(svc, &inv, copy, org)))
}

/// `POST /invite/{token}`: sets the password and creates the account. Through the primary link
/// the address is verified; through the CcEmail copy it is not, and a verification mail to the
/// invited address is queued.
pub async fn redeem_invitation(
    svc: &Services,
    presented: &str,
    password: &str,
    confirm: &str,
    ip: Option<IpAddr>,
) -> Result<AccountOutcome, DbError> {
    let Some(((inv, copy), email, organisation)) = live_invitation(svc, presented).await? else {
        return Ok(AccountOutcome::Invalid);
    };
    let pending = pending_of(svc, &inv, copy, organisation);
    let new = NewAccount {
        email,
        display_name: inv.display_name.clone(),
        verified: copy == Copy::Primary,
        event: Event::InvitationRedeemed,
        detail: serde_json::json!({ "invitation_id": inv.id, "via": copy.as_str() }),
        ip,
    };
    let (id, max_attempts, now) = (inv.id.clone(), svc.settings.jobs.max_attempts, svc.now());
    let outcome = set_password_and_create(svc, pending, new, password, confirm, move |c, uid| {
        if !invitations::redeem(c, &id, copy, uid, now)? {
            return Ok(false);
        }
        if copy == Copy::Cc {
            let job = super::signup::VerifyEmailJob {
                user_id: uid.clone(),
            };
            jobs::enqueue(c, &job, now, max_attempts)?;
        }
        Ok(true)
    })
    .await?;
    if copy == Copy::Cc {
        svc.jobs_wakeup.notify_one();
    }
    Ok(outcome)
}
