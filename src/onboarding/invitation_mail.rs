//! The invitation mail job: one copy (the invited address, or its `CcEmail`) of an invitation,
//! with a fresh link each attempt. No secret is queued: the job issues the token, stores its
//! hash and mails it, so a retried send supersedes an undelivered link.

use super::invitation_list::utc;
use crate::db::admins;
use crate::db::invitations::{self, Copy, Invitation, InvitationStatus};
use crate::domain::{AdminId, InvitationId};
use crate::jobs::{Job, JobError, JobRun};
use crate::mail::{self, InvitationMail, Recipient};
use crate::security::TokenSecret;
use crate::services::eligibility;
use crate::services::Services;
use serde::{Deserialize, Serialize};

/// What a sending job needs: which invitation, which copy. No secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvitationSendJob {
    pub invitation_id: InvitationId,
    pub copy: Copy,
}

impl Job for InvitationSendJob {
    type Context = Services;
    const KIND: &'static str = "invitation_send";

    async fn run(self, svc: &Services, _: &JobRun) -> Result<(), JobError> {
        send(svc, &self).await
    }
}

/// The job: issues a fresh token for one copy of an invitation, stores its hash and mails it.
/// An invitation redeemed or expired meanwhile is not sent.
pub async fn send(svc: &Services, job: &InvitationSendJob) -> Result<(), JobError> {
    let copy = job.copy;
    let id = job.invitation_id.clone();
    let now = svc.now();
    let Some(inv) = svc.db.run(move |c| invitations::find_by_id(c, &id)).await? else {
        return Ok(());
    };
    if inv.status(now) != InvitationStatus::Pending {
        return Ok(());
    }
    let to = match copy {
        Copy::Primary => inv.email.clone(),
        Copy::Cc => match &inv.cc_email {
            Some(cc) => cc.clone(),
            // The CcEmail was erased with its owner's account (`db::user_lifecycle`).
            None => return Err(JobError::Permanent("the invitation has no CcEmail".into())),
        },
    };
    let token = TokenSecret::generate();
    let hash = token.hash().into_string();
    let id = inv.id.clone();
    let cc_copy = matches!(copy, Copy::Cc);
    let stored = svc
        .db
        .run(move |c| invitations::set_token_hash(c, &id, cc_copy, &hash))
        .await?;
    if !stored {
        return Ok(());
    }
    let tenant_name = invitation_tenant_name(svc, &inv).await?;
    let inviter = inviter_name(svc, &inv).await?;
    let ctx = InvitationMail::new(
        &svc.settings,
        &token,
        &tenant_name,
        inviter.as_deref(),
        utc(now),
        utc(inv.expires_at),
    );
    let mut recipient = Recipient {
        tenant_id: inv.tenant_id.clone(),
        ..Recipient::new(to)
    };
    recipient
        .detail
        .insert("invitation_id".into(), inv.id.as_str().into());
    recipient.detail.insert("copy".into(), copy.as_str().into());
    mail::deliver(&svc.postman(), &recipient, &ctx).await?;
    Ok(())
}

/// The name the mail invites to: the tenant's, or the domain for a tenant not yet created, or
/// the service's own name for consumer addresses.
async fn invitation_tenant_name(svc: &Services, inv: &Invitation) -> Result<String, JobError> {
    let email = inv.email.clone();
    if svc.settings.is_consumer_domain(email.domain()) {
        return Ok(super::service_name(&svc.settings));
    }
    let lookup = email.clone();
    let tenant = svc
        .db
        .run(move |c| eligibility::tenant_of(c, false, &lookup))
        .await?;
    Ok(tenant.map_or_else(|| email.domain().to_string(), |t| t.name))
}

/// Who the mail says invited the guest: the inviting admin's address. The operator's CLI and API
/// keys have no person to name, and the mail then says "You have been invited".
async fn inviter_name(svc: &Services, inv: &Invitation) -> Result<Option<String>, JobError> {
    let Some(by) = inv.invited_by.clone().filter(|b| b != "operator") else {
        return Ok(None);
    };
    let id = AdminId::from_string(by);
    let admin = svc.db.run(move |c| admins::find_by_id(c, &id)).await?;
    Ok(admin.filter(|a| !a.disabled).map(|a| a.email.to_string()))
}
