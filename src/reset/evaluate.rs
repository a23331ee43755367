//! The worker's half of a reset request: gather → decide → audit → act (docs/policy.md and docs/architecture.md#the-reset-flow-end-to-end).
//! The explanation of a denial goes to the mailbox, never to the browser.
//!
//! The raw token never touches the database (docs/security.md#2): it is generated, hashed, stored
//! and mailed within one attempt. If sending fails transiently the job is retried and the next
//! attempt issues a fresh token that supersedes the undelivered one.

use super::request::ResetRequestJob;
use crate::db::audit;
use crate::db::models::User;
use crate::db::{reset_decoys, reset_tokens};
use crate::domain::audit::{Event, Outcome};
use crate::jobs::{self, Job, JobError, JobRun};
use crate::mail::{self, MailTemplate, Recipient};
use crate::policy::{Decision, DenyReason};
use crate::security::{hash_code, FlowId, OneTimeCode, TokenSecret};
use crate::services::eligibility::{self, Gathered};
use crate::services::Services;
use chrono::{DateTime, Utc};
use std::net::IpAddr;

impl Job for ResetRequestJob {
    type Context = Services;
    const KIND: &'static str = "reset_request";

    async fn run(self, svc: &Services, run: &JobRun) -> Result<(), JobError> {
        evaluate(svc, run, &self).await
    }
}

/// Evaluates one queued request. The request is counted and audited once: the audit row and
/// the job's `audited` mark commit together, so neither a retry nor a crash and restart audits
/// it twice or loses it. A request that sends nothing (most of a flood: unknown addresses)
/// plants its decoy in that same transaction: one commit.
pub async fn evaluate(svc: &Services, run: &JobRun, job: &ResetRequestJob) -> Result<(), JobError> {
    let first_attempt = !job.audited;
    let gathered = eligibility::gather_for(svc, &job.email).await?;
    if first_attempt {
        count_attempt(svc, &gathered, job.ip).await?;
    }
    let decision = gathered.decide();
    // What this request does, decided once: a mail to the account, or only a decoy.
    let mailed = match (&decision, gathered.user.clone()) {
        (Decision::Allow { .. }, Some(user)) => Some(user),
        (Decision::Deny(reason), Some(user)) if reason.mailable() => Some(user),
        _ => None,
    };
    if first_attempt {
        let decoy = mailed.is_none().then(|| new_decoy(svc, job));
        audit_request(svc, run, job, &gathered, &decision, decoy).await?;
        crate::telemetry::metrics::reset_request(decision.code());
    }
    let Some(user) = mailed else {
        // Planted with the audit row above, or now on a retry.
        return if first_attempt {
            Ok(())
        } else {
            plant_decoy(svc, job).await
        };
    };
    match &decision {
        Decision::Allow { methods } => {
            send_reset_link(svc, &gathered, &user, job, methods.totp).await
        }
        Decision::Deny(reason) => {
            plant_decoy(svc, job).await?;
            send_explanation(svc, &gathered, &user, reason, job).await
        }
    }
}

/// A request that issues no token leaves a decoy in its flow instead (`db::reset_decoys`), so
/// that the code step finds and updates one row in every flow, whether or not the address has
/// an account (docs/security.md#12). Nothing is sent; the decoy can never be redeemed.
async fn plant_decoy(svc: &Services, job: &ResetRequestJob) -> Result<(), JobError> {
    let new = new_decoy(svc, job);
    svc.db
        .run_grouped(move |c| reset_decoys::plant(c, &new))
        .await?;
    Ok(())
}

fn new_decoy(svc: &Services, job: &ResetRequestJob) -> reset_decoys::NewDecoy {
    let now = svc.now();
    reset_decoys::NewDecoy {
        flow_id_hash: job.flow_id_hash.clone(),
        id: crate::domain::DecoyId::generate(),
        token_hash: TokenSecret::generate().hash().into_string(),
        code_hash: hash_code(&svc.code_key, &OneTimeCode::generate()),
        created_at: now,
        expires_at: now
            + chrono::Duration::minutes(i64::from(svc.settings.reset.token_ttl_minutes)),
    }
}

/// Counts the request against the tenant (a burst raises an audit alert without blocking
/// anyone). Asking for a reset never counts against the account: anyone who knows an address
/// could otherwise keep its owner out with a few anonymous posts a day (docs/security.md#30);
/// the per-address mail caps bound requests instead.
async fn count_attempt(svc: &Services, g: &Gathered, ip: Option<IpAddr>) -> Result<(), JobError> {
    let limits = &svc.rate_limits.persistent;
    if let Some(t) = &g.tenant {
        if limits.record_tenant_request(&t.tenant_id()).await? {
            let mut e = super::event(svc.now(), Event::TenantResetBurst, Outcome::Alert, ip);
            e.actor = "system".into();
            e.tenant_id = Some(t.tenant_id());
            svc.db.run_grouped(move |c| audit::insert(c, &e)).await?;
        }
    }
    Ok(())
}

async fn audit_request(
    svc: &Services,
    run: &JobRun,
    job: &ResetRequestJob,
    g: &Gathered,
    decision: &Decision,
    decoy: Option<reset_decoys::NewDecoy>,
) -> Result<(), JobError> {
    let ip = job.ip;
    let mut e = super::event(
        svc.now(),
        Event::ResetRequested,
        if decision.is_allow() {
            Outcome::Allowed
        } else {
            Outcome::Denied
        },
        ip,
    );
    e.tenant_id = g.tenant.as_ref().map(|t| t.tenant_id());
    e.user_id = g.user.as_ref().map(|u| u.user_id());
    e.email = Some(g.email.to_string());
    if let Some(r) = decision.deny_reason() {
        e.reason = Some(r.code().to_string());
        e.detail = r
            .sub_reason()
            .map(|s| serde_json::json!({ "sub_reason": s }).to_string());
    }
    let marked = ResetRequestJob {
        audited: true,
        ..job.clone()
    };
    let written = super::audited::AuditedRequest {
        event: e,
        decoy,
        progress: jobs::Progress::of(run, &marked)?,
    };
    svc.reset_audits.write(written).await?;
    Ok(())
}

pub(super) fn utc(naive: chrono::NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(naive, Utc)
}

async fn send_reset_link(
    svc: &Services,
    g: &Gathered,
    user: &User,
    job: &ResetRequestJob,
    totp: bool,
) -> Result<(), JobError> {
    // Past the per-address cap nothing changes: in particular no token is issued, so the link
    // the guest already has is not superseded (docs/security.md#28).
    let mut recipient = caused_by(recipient(g, user, job.ip), job);
    if !mail::reserve::<mail::ResetLinkMail>(&svc.postman(), &recipient).await? {
        return plant_decoy(svc, job).await;
    }
    let now = svc.now();
    let expires_at =
        now + chrono::Duration::minutes(i64::from(svc.settings.reset.token_ttl_minutes));
    let token = TokenSecret::generate();
    let code = OneTimeCode::generate();
    let new = reset_tokens::NewToken {
        user_id: user.user_id(),
        tenant_id: user.tenant_id(),
        token_hash: token.hash().into_string(),
        code_hash: Some(hash_code(&svc.code_key, &code)),
        flow_id_hash: Some(job.flow_id_hash.clone()),
        issued_by: None,
        totp_required: totp,
        expires_at,
    };
    // The mail's "this wasn't me" link is stored with the token: one write, not two.
    let (not_me, pending) = super::not_me::fresh(&user.user_id(), &user.tenant_id(), now);
    svc.db
        .run_grouped(move |c| {
            use crate::db::WriteTransaction as _;
            c.write_transaction::<_, crate::db::DbError, _>(|c| {
                super::issue::issue(c, &new, now)?;
                pending.store(c)
            })
        })
        .await?;
    recipient.not_me = Some(not_me);
    let ctx = mail::ResetLinkMail::new(&svc.settings, &token, &code, utc(now), utc(expires_at));
    mail::deliver_reserved(&svc.postman(), &recipient, &ctx).await?;
    Ok(())
}

async fn send_explanation(
    svc: &Services,
    g: &Gathered,
    user: &User,
    reason: &DenyReason,
    job: &ResetRequestJob,
) -> Result<(), JobError> {
    let now = svc.now();
    let ip = job.ip;
    let helpdesk = g.tenant.as_ref().and_then(|t| t.helpdesk_url.clone());
    let tenant_name = g
        .tenant
        .as_ref()
        .map(|t| t.name.clone())
        .unwrap_or_default();
    match reason {
        DenyReason::AccountLocked { until } => {
            let ctx = mail::AccountLockedMail::new(
                &svc.settings,
                utc(now),
                utc(*until),
                helpdesk.as_deref(),
            );
            deliver(svc, g, user, &ctx, job).await
        }
        DenyReason::EmailUnverified => {
            // Past the cap no verification link is created either.
            let recipient = caused_by(recipient(g, user, ip), job);
            if !mail::reserve::<mail::EmailUnverifiedMail>(&svc.postman(), &recipient).await? {
                return Ok(());
            }
            let (token, expires_at) = crate::accounts::verification::issue_link(
                svc,
                &user.email,
                Some(user.user_id()),
                crate::accounts::verification::PURPOSE,
                now,
            )
            .await?;
            let ctx =
                mail::EmailUnverifiedMail::new(&svc.settings, &token, utc(now), utc(expires_at));
            mail::deliver_reserved(&svc.postman(), &recipient, &ctx).await?;
            Ok(())
        }
        DenyReason::MethodsNotRegistered => {
            let ctx = mail::MethodsNotRegisteredMail::new(
                &svc.settings,
                &tenant_name,
                helpdesk.as_deref(),
            );
            deliver(svc, g, user, &ctx, job).await
        }
        _ => Ok(()),
    }
}

/// Mails `ctx` to the user's stored address (exactly one recipient: docs/security.md#15)
/// through the one delivery path: the per-address cap, bounce marking and the `mail_*` audit.
pub(super) async fn deliver<C: MailTemplate>(
    svc: &Services,
    g: &Gathered,
    user: &User,
    ctx: &C,
    job: &ResetRequestJob,
) -> Result<(), JobError> {
    let recipient = caused_by(recipient(g, user, job.ip), job);
    mail::deliver(&svc.postman(), &recipient, ctx).await?;
    Ok(())
}

/// The recipient with what the request said about itself (browser, time) for the mail.
fn caused_by(recipient: Recipient, job: &ResetRequestJob) -> Recipient {
    Recipient {
        browser: job.browser.clone(),
        requested_at: job.requested_at,
        lang: job.lang,
        ..recipient
    }
}

/// The one recipient of a mail about `user`: the stored address (docs/security.md#15).
pub(super) fn recipient(g: &Gathered, user: &User, ip: Option<IpAddr>) -> Recipient {
    Recipient {
        user_id: Some(user.user_id()),
        tenant_id: g.tenant.as_ref().map(|t| t.tenant_id()),
        ip,
        ..Recipient::new(user.email.clone())
    }
}

/// A new flow id for the `reset_flow` cookie, and its stored hash.
pub fn new_flow() -> (FlowId, String) {
    let flow = FlowId::generate();
    let hash = flow.hash().into_string();
    (flow, hash)
}
