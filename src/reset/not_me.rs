//! "This wasn't me": the reset mail and the password-changed notice carry a single-use link
//! (a [`TokenSecret`], stored as its SHA-256 only, docs/security.md#2). Opening it never acts
//! (mail scanners open links); confirming it with a POST, once, is one audited action in one
//! transaction: every session of the guest ends, every outstanding reset link and code is
//! revoked, every other "this wasn't me" link is used up, and the tenant's admins are told by
//! mail (or, when the tenant has no admin, the audit row alone records it: `audit_only`).

use crate::db::{audit, not_me_tokens, reset_tokens, users, AnyConnection, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::domain::user_agent::BrowserWords;
use crate::domain::{TenantId, UserId};
use crate::jobs;
use crate::security::{TokenHash, TokenSecret};
use crate::services::Services;
use chrono::NaiveDateTime;
use std::net::IpAddr;

/// How long a "this wasn't me" link works: mail is read late, and the link only protects.
pub const LIFETIME_DAYS: i64 = 7;

/// A fresh token for `user`, stored hashed; the raw value goes into the mail only.
pub async fn issue(
    svc: &Services,
    user: &UserId,
    tenant: &TenantId,
) -> Result<TokenSecret, DbError> {
    let (token, pending) = fresh(user, tenant, svc.now());
    svc.db.run_grouped(move |c| pending.store(c)).await?;
    Ok(token)
}

/// A fresh token for `user` and its row, not stored yet: the caller stores it in the write of
/// what the mail is about (a reset link and its token go in one transaction).
pub(super) fn fresh(
    user: &UserId,
    tenant: &TenantId,
    now: NaiveDateTime,
) -> (TokenSecret, Pending) {
    let token = TokenSecret::generate();
    let pending = Pending {
        hash: token.hash().into_string(),
        user: user.clone(),
        tenant: tenant.clone(),
        now,
    };
    (token, pending)
}

/// A token's row to store: its hash only, never the raw value.
pub(super) struct Pending {
    hash: String,
    user: UserId,
    tenant: TenantId,
    now: NaiveDateTime,
}

impl Pending {
    pub(super) fn store(&self, c: &mut AnyConnection) -> Result<(), DbError> {
        let expires = self.now + chrono::Duration::days(LIFETIME_DAYS);
        not_me_tokens::create(c, &self.hash, &self.user, &self.tenant, self.now, expires)
    }
}

/// Whether `presented` is a live token (`GET`: reads only).
pub async fn is_live(svc: &Services, presented: &str) -> Result<bool, DbError> {
    let Some(hash) = TokenHash::of_presented(presented) else {
        return Ok(false);
    };
    let now = svc.now();
    let h = hash.into_string();
    let found = svc
        .db
        .run(move |c| not_me_tokens::find_by_hash(c, &h))
        .await?;
    Ok(found.is_some_and(|t| t.is_live(now)))
}

/// What confirming did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportOutcome {
    /// Sessions ended, links revoked, admins told (or audited only).
    Done,
    /// Unknown, malformed, used or expired: the one "invalid link" page for all of them.
    Invalid,
}

/// `POST /reset/not-me`: the one audited action, at most once per token.
pub async fn report(
    svc: &Services,
    presented: &str,
    ip: Option<IpAddr>,
    browser: BrowserWords,
) -> Result<ReportOutcome, DbError> {
    let now = svc.now();
    let Some(hash) = TokenHash::of_presented(presented) else {
        invalid(svc, None, "malformed", ip).await?;
        return Ok(ReportOutcome::Invalid);
    };
    let h = hash.into_string();
    let max_attempts = svc.settings.jobs.max_attempts;
    let outcome = svc
        .db
        .run(move |c| {
            use crate::db::WriteTransaction as _;
            c.write_transaction::<_, DbError, _>(|c| {
                let Some(t) = not_me_tokens::find_by_hash(c, &h)? else {
                    return Ok(Err((None, "unknown")));
                };
                if !not_me_tokens::consume(c, &t.id, now)? {
                    let why = if t.used_at.is_some() {
                        "used"
                    } else {
                        "expired"
                    };
                    return Ok(Err((Some(t), why)));
                }
                let (uid, tid) = (t.user_id.clone(), t.tenant_id.clone());
                let email = users::find_by_id(c, &uid)?.map(|u| u.email.to_string());
                users::bump_session_generation(c, &uid, now)?;
                let revoked = reset_tokens::revoke_all_for_user(c, &uid, "not_me", now)?;
                not_me_tokens::consume_all_for_user(c, &uid, now)?;
                let admins = not_me_tokens::tenant_admin_addresses(c, &tid)?;
                let notified = if admins.is_empty() {
                    serde_json::json!("audit_only")
                } else {
                    let alert = super::not_me_alert::NotMeAlertJob {
                        user_id: uid.clone(),
                        tenant_id: tid.clone(),
                        reported_at: now,
                        ip,
                        browser: Some(browser.clone()),
                    };
                    jobs::enqueue(c, &alert, now, max_attempts)?;
                    serde_json::json!(admins.len())
                };
                let mut e = super::event(now, Event::NotMeReported, Outcome::Alert, ip);
                e.tenant_id = Some(tid.clone());
                e.user_id = Some(uid.clone());
                e.email = email;
                e.detail = Some(
                    serde_json::json!({
                        "revoked_tokens": revoked,
                        "sessions_ended": true,
                        "admins_notified": notified,
                    })
                    .to_string(),
                );
                audit::insert(c, &e)?;
                Ok(Ok(()))
            })
        })
        .await?;
    match outcome {
        Ok(()) => {
            svc.jobs_wakeup.notify_one();
            Ok(ReportOutcome::Done)
        }
        Err((token, why)) => {
            invalid(svc, token, why, ip).await?;
            Ok(ReportOutcome::Invalid)
        }
    }
}

async fn invalid(
    svc: &Services,
    token: Option<not_me_tokens::NotMeToken>,
    why: &'static str,
    ip: Option<IpAddr>,
) -> Result<(), DbError> {
    let mut e = super::event(svc.now(), Event::NotMeInvalid, Outcome::Failure, ip);
    e.reason = Some(why.into());
    if let Some(t) = token {
        e.tenant_id = Some(t.tenant_id);
        e.user_id = Some(t.user_id);
    }
    svc.db.run_grouped(move |c| audit::insert(c, &e)).await
}
