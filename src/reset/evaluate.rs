//! The worker's half of a reset request: gather → decide → audit → act (docs/policy.md and docs/architecture.md#the-reset-flow-end-to-end).
//! The explanation of a denial goes to the mailbox, never to the browser.
//!
//! The raw token never touches the database (docs/security.md#2): it is generated, hashed, stored
//! and mailed within one attempt. If sending fails transiently the job is retried and the next
//! attempt issues a fresh token that supersedes the undelivered one.

use super::request::ResetRequestJob;
use crate::db::audit;
use crate::db::email_verifications::{self, EmailVerification};
use crate::db::models::User;
use crate::db::{reset_tokens, users};
use crate::domain::EmailAddress;
use crate::eligibility::{self, Gathered};
use crate::jobs::JobError;
use crate::mail::{self, MailTemplate, SendError};
use crate::policy::{Decision, DenyReason};
use crate::security::{hash_code, FlowId, OneTimeCode, TokenSecret};
use crate::services::Services;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Evaluates one queued request (job `job_id`). The request is counted and audited once: the
/// audit row and the job's `audited` mark commit together, so neither a retry nor a crash and
/// restart audits it twice or loses it.
pub async fn evaluate(svc: &Services, job_id: &str, job: &ResetRequestJob) -> Result<(), JobError> {
    let first_attempt = !job.audited;
    let Ok(email) = EmailAddress::parse(&job.email) else {
        return Err(JobError::Permanent(
            "stored address no longer parses".into(),
        ));
    };
    let mut gathered = eligibility::gather(
        &svc.db,
        &svc.deliverability,
        svc.clock.as_ref(),
        &svc.settings,
        &email,
    )
    .await?;
    if first_attempt {
        count_attempt(svc, &mut gathered, job.ip).await?;
    }
    let decision = gathered.decide();
    if first_attempt {
        audit_request(svc, job_id, job, &gathered, &decision).await?;
        crate::telemetry::metrics::reset_request(decision.code());
    }
    let user = gathered.user.clone();
    match (&decision, user) {
        (Decision::Allow { methods }, Some(user)) => {
            send_reset_link(svc, &gathered, &user, job, methods.totp).await
        }
        (Decision::Deny(reason), Some(user)) if reason.mailable() => {
            send_explanation(svc, &gathered, &user, reason, job.ip).await
        }
        _ => Ok(()),
    }
}

/// Counts the request against the account (5 per rolling 24 h, then a 24 h lock:
/// [`crate::accounts::lockout`]) and the tenant (a burst raises an audit alert without blocking anyone), docs/operations.md#rate-limits.
async fn count_attempt(
    svc: &Services,
    g: &mut Gathered,
    ip: Option<IpAddr>,
) -> Result<(), JobError> {
    let limits = &svc.rate_limits.persistent;
    if let Some(t) = &g.tenant {
        if limits.record_tenant_request(&t.tenant_id()).await? {
            let mut e = super::event(svc.now(), "tenant_reset_burst", "alert", ip);
            e.actor = "system".into();
            e.tenant_id = Some(t.id.clone());
            svc.db.run(move |c| audit::insert(c, &e)).await?;
        }
    }
    let Some(user) = &g.user else {
        return Ok(());
    };
    if let Some(until) = crate::accounts::lockout::count_reset_request(svc, user, ip).await? {
        if let Some(u) = g.user.as_mut() {
            u.locked_until = Some(until);
        }
        if let Some(a) = g.facts.account.as_mut() {
            a.locked_until = Some(until);
        }
    }
    Ok(())
}

async fn audit_request(
    svc: &Services,
    job_id: &str,
    job: &ResetRequestJob,
    g: &Gathered,
    decision: &Decision,
) -> Result<(), JobError> {
    let ip = job.ip;
    let mut e = super::event(
        svc.now(),
        "reset_requested",
        if decision.is_allow() {
            "allowed"
        } else {
            "denied"
        },
        ip,
    );
    e.tenant_id = g.tenant.as_ref().map(|t| t.id.clone());
    e.user_id = g.user.as_ref().map(|u| u.id.clone());
    e.email = Some(g.email.to_string());
    if let Some(r) = decision.deny_reason() {
        e.reason = Some(r.code().to_string());
        e.detail = r
            .sub_reason()
            .map(|s| serde_json::json!({ "sub_reason": s }).to_string());
    }
    let marked = serde_json::to_string(&ResetRequestJob {
        audited: true,
        ..job.clone()
    })
    .map_err(|e| JobError::Permanent(format!("payload: {e}")))?;
    let id = job_id.to_string();
    svc.db
        .run(move |c| {
            use crate::db::WriteTransaction as _;
            c.write_transaction::<_, crate::db::DbError, _>(|c| {
                audit::insert(c, &e)?;
                crate::jobs::queue::set_payload(c, &id, &marked)
            })
        })
        .await?;
    Ok(())
}

fn utc(naive: chrono::NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(naive, Utc)
}

async fn send_reset_link(
    svc: &Services,
    g: &Gathered,
    user: &User,
    job: &ResetRequestJob,
    totp: bool,
) -> Result<(), JobError> {
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
    svc.db
        .run(move |c| {
            use crate::db::WriteTransaction as _;
            c.write_transaction::<_, crate::db::DbError, _>(|c| {
                lock_user(c, &new.user_id)?;
                reset_tokens::issue(c, &new, now)
            })
        })
        .await?;
    let ctx = mail::ResetLinkMail::new(&svc.settings, &token, &code, utc(now), utc(expires_at));
    deliver(svc, g, user, &ctx, job.ip).await
}

/// Serialises token issuance per user. `reset_tokens::issue` revokes the live tokens, then
/// inserts the new one; under PostgreSQL's READ COMMITTED two concurrent issues for one user
/// would each miss the other's uncommitted row and leave two live tokens (docs/security.md#6).
/// Locking the user row first makes the second wait for the first. SQLite serialises writers,
/// so there is nothing to do there.
fn lock_user(
    conn: &mut crate::db::AnyConnection,
    user: &crate::domain::UserId,
) -> Result<(), crate::db::DbError> {
    use crate::db::schema::users;
    use diesel::prelude::*;
    if let crate::db::AnyConnection::Postgresql(pg) = conn {
        users::table
            .find(user.as_str())
            .select(users::id)
            .for_update()
            .first::<String>(pg)
            .optional()?;
    }
    Ok(())
}

async fn send_explanation(
    svc: &Services,
    g: &Gathered,
    user: &User,
    reason: &DenyReason,
    ip: Option<IpAddr>,
) -> Result<(), JobError> {
    let now = svc.now();
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
            deliver(svc, g, user, &ctx, ip).await
        }
        DenyReason::EmailUnverified => {
            let token = TokenSecret::generate();
            let expires_at = now + chrono::Duration::hours(24);
            let row = EmailVerification {
                id: uuid::Uuid::new_v4().to_string(),
                email: user.email.clone(),
                user_id: Some(user.id.clone()),
                token_hash: token.hash().into_string(),
                purpose: "verify".into(),
                created_at: now,
                expires_at,
                used_at: None,
            };
            svc.db
                .run(move |c| email_verifications::insert(c, &row))
                .await?;
            let ctx =
                mail::EmailUnverifiedMail::new(&svc.settings, &token, utc(now), utc(expires_at));
            deliver(svc, g, user, &ctx, ip).await
        }
        DenyReason::MethodsNotRegistered => {
            let ctx = mail::MethodsNotRegisteredMail::new(
                &svc.settings,
                &tenant_name,
                helpdesk.as_deref(),
            );
            deliver(svc, g, user, &ctx, ip).await
        }
        _ => Ok(()),
    }
}

/// Renders and sends one mail to the user's stored address, auditing the result. A permanent
/// rejection marks the address bounced (it then fails policy rule 6).
async fn deliver<C: MailTemplate>(
    svc: &Services,
    g: &Gathered,
    user: &User,
    ctx: &C,
    ip: Option<IpAddr>,
) -> Result<(), JobError> {
    // Exactly one recipient: the stored address (docs/security.md#15).
    let to = EmailAddress::parse(&user.email)
        .map_err(|_| JobError::Permanent("stored address unparsable".into()))?;
    let msg = mail::render(&svc.templates, &to, ctx)
        .map_err(|e| JobError::Permanent(format!("render: {e}")))?;
    let kind = C::KIND.as_str();
    let now = svc.now();
    // At most N mails per address per hour/day (docs/security.md#28); the guest's page is the same.
    if !svc.rate_limits.persistent.mail_allowed(&to).await? {
        let mut e = super::event(now, "mail_suppressed", "denied", ip);
        e.actor = "system".into();
        e.tenant_id = g.tenant.as_ref().map(|t| t.id.clone());
        e.user_id = Some(user.id.clone());
        e.email = Some(user.email.clone());
        e.reason = Some("address_mail_cap".into());
        e.detail = Some(serde_json::json!({ "kind": kind }).to_string());
        svc.db.run(move |c| audit::insert(c, &e)).await?;
        return Ok(());
    }
    let result = svc.mailer.send(&msg).await;
    let mut e = super::event(now, "mail_sent", "success", ip);
    e.actor = "system".into();
    e.tenant_id = g.tenant.as_ref().map(|t| t.id.clone());
    e.user_id = Some(user.id.clone());
    e.email = Some(user.email.clone());
    e.detail =
        Some(serde_json::json!({ "kind": kind, "message_id": msg.id.to_string() }).to_string());
    match result {
        Ok(()) => {
            svc.db.run(move |c| audit::insert(c, &e)).await?;
            Ok(())
        }
        Err(SendError::Permanent(why)) => {
            tracing::warn!(user_id = %user.id, kind, "mail permanently rejected; marking the address bounced");
            e.event = "mail_bounced".into();
            e.outcome = "failure".into();
            e.reason = Some(why.clone());
            let uid = user.user_id();
            svc.db
                .run(move |c| {
                    users::mark_bounced(c, &uid, &why, now)?;
                    reset_tokens::revoke_all_for_user(c, &uid, "bounced", now)?;
                    audit::insert(c, &e)
                })
                .await?;
            Ok(())
        }
        Err(SendError::Transient(why)) => {
            // One log line with the user id: no address, no token (docs/security.md#13).
            tracing::error!(user_id = %user.id, kind, error = %why, "mail send failed; will retry");
            e.event = "mail_failed".into();
            e.outcome = "failure".into();
            e.reason = Some(why.clone());
            svc.db.run(move |c| audit::insert(c, &e)).await?;
            Err(JobError::Transient(why))
        }
    }
}

/// The "your password was changed" notice (queued by a completed reset; no token in it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasswordChangedJob {
    pub user_id: String,
    pub changed_at: chrono::NaiveDateTime,
    pub ip: Option<IpAddr>,
}

pub async fn send_password_changed(
    svc: &Services,
    job: &PasswordChangedJob,
) -> Result<(), JobError> {
    let uid = crate::domain::UserId::from_string(job.user_id.clone());
    let Some(user) = svc.db.run(move |c| users::find_by_id(c, &uid)).await? else {
        return Ok(());
    };
    let email = EmailAddress::parse(&user.email)
        .map_err(|_| JobError::Permanent("stored address unparsable".into()))?;
    let gathered = eligibility::gather(
        &svc.db,
        &svc.deliverability,
        svc.clock.as_ref(),
        &svc.settings,
        &email,
    )
    .await?;
    let helpdesk = gathered
        .tenant
        .as_ref()
        .and_then(|t| t.helpdesk_url.clone());
    let ip = job.ip.unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let ctx =
        mail::PasswordChangedMail::new(&svc.settings, utc(job.changed_at), ip, helpdesk.as_deref());
    deliver(svc, &gathered, &user, &ctx, job.ip).await
}

/// A new flow id for the `reset_flow` cookie, and its stored hash.
pub fn new_flow() -> (FlowId, String) {
    let flow = FlowId::generate();
    let hash = flow.hash().into_string();
    (flow, hash)
}
