//! Domain takeover (docs/onboarding.md): a verified guest of an unmanaged, non-consumer tenant proves
//! control of its domain's DNS and becomes the tenant's admin.
//!
//! 1. [`start`] stores a random challenge on the domain (valid [`CHALLENGE_DAYS`] days) and says
//!    which TXT record to publish: `latchkey-verification=<random>` at the domain itself.
//! 2. [`verify`] (at most [`MAX_VERIFICATIONS_PER_HOUR`] per tenant and hour) asks the configured
//!    resolver for the domain's TXT records. When the challenge is there, in one transaction the
//!    tenant becomes `managed` on the `free` plan, the domain is marked verified, a tenant admin
//!    is created for the guest's address with a one-time set-up link (password + TOTP, at
//!    `/admin/setup/{token}`), and every outstanding reset token of the tenant is revoked
//!    (docs/security.md#6): from now on the policy denies SSPR (`tenant_not_licensed`) until a
//!    platform admin sets `premium`.
//!
//! Every step is audited: `tenant_takeover_started`, `tenant_takeover_verified`,
//! `tenant_takeover_failed` (with the reason).

use crate::db::audit::{self, NewAuditEvent};
use crate::db::models::{Tenant, TenantDomain, User};
use crate::db::WriteTransaction as _;
use crate::db::{admins, rate_counters, reset_tokens, tenant_domains, tenants, DbError};
use crate::deliverability::TxtError;
use crate::domain::audit::{Event, Outcome};
use crate::domain::{AdminRole, TenantKind};
use crate::security::TokenSecret;
use crate::services::Services;
use chrono::{DateTime, NaiveDateTime, Timelike as _, Utc};
use serde::Serialize;
use std::net::IpAddr;

/// What the TXT record's value starts with.
pub const CHALLENGE_PREFIX: &str = "latchkey-verification=";
/// How long a challenge stays valid.
pub const CHALLENGE_DAYS: i64 = 7;
/// Verification attempts allowed per tenant per clock hour.
pub const MAX_VERIFICATIONS_PER_HOUR: i64 = 10;
/// How long the new admin's set-up link stays valid.
pub const SETUP_LINK_HOURS: i64 = 24;
/// Where the admin console finishes an admin's set-up (built by the console).
pub const ADMIN_SETUP_PATH: &str = "/admin/setup/";

/// Why a guest cannot take over their organisation (the page words it in the guest's
/// language: [`crate::i18n::messages::takeover_ineligible`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ineligible {
    /// The guest's address is not confirmed.
    Unverified,
    /// A personal-mail address: no organisation to take over.
    Consumer,
    /// The organisation has administrators already.
    AlreadyManaged,
    /// The organisation's directory does not list the guest's domain.
    NoDomain,
}

/// The TXT record to publish.
#[derive(Debug, Clone, Serialize)]
pub struct Challenge {
    /// Where: the domain itself.
    pub record_name: String,
    /// What: `latchkey-verification=<random>`.
    pub record_value: String,
    pub expires_at: DateTime<Utc>,
}

/// What the "manage this organisation" page shows.
#[derive(Debug, Clone, Serialize)]
pub struct TakeoverState {
    pub domain: String,
    pub organisation: String,
    /// `None` when the guest may take over; else why not.
    pub ineligible: Option<Ineligible>,
    /// The guest's own live challenge, if one was started.
    pub challenge: Option<Challenge>,
}

/// What a verification came to ([`crate::i18n::messages::takeover_outcome`] words it for the
/// guest).
#[derive(Debug)]
pub enum VerifyOutcome {
    /// The tenant is managed now and the guest is its admin.
    Verified {
        organisation: String,
        /// The one-time set-up link of the new admin account. Show it once; never log it.
        setup_link: secrecy::SecretString,
        /// Reset tokens of the tenant that were revoked.
        revoked_tokens: usize,
    },
    Ineligible(Ineligible),
    /// No challenge was started (or it was another guest's).
    NoChallenge,
    /// The challenge is older than [`CHALLENGE_DAYS`] days.
    Expired,
    /// The domain has TXT records, but not ours.
    RecordMissing,
    /// The domain does not exist in DNS.
    DomainNotFound,
    /// DNS did not answer (timeout, server failure) or lookups are switched off.
    DnsUnavailable,
    /// Over [`MAX_VERIFICATIONS_PER_HOUR`]: try again after `retry_after_minutes`.
    TooManyAttempts {
        retry_after_minutes: i64,
    },
    /// An admin account with the guest's address exists already.
    AdminExists,
}

impl VerifyOutcome {
    /// A stable code for the audit and tests.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Verified { .. } => "verified",
            Self::Ineligible(_) => "ineligible",
            Self::NoChallenge => "no_challenge",
            Self::Expired => "challenge_expired",
            Self::RecordMissing => "record_missing",
            Self::DomainNotFound => "domain_not_found",
            Self::DnsUnavailable => "dns_unavailable",
            Self::TooManyAttempts { .. } => "too_many_attempts",
            Self::AdminExists => "admin_exists",
        }
    }
}

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(t, Utc)
}

/// The guest's tenant and domain row, and whether they may take it over.
async fn load(
    svc: &Services,
    user: &User,
) -> Result<(Tenant, String, Option<TenantDomain>, Option<Ineligible>), DbError> {
    let domain = user.email.domain().to_string();
    let (tid, d) = (user.tenant_id(), domain.clone());
    let (tenant, row) = svc
        .db
        .run(move |c| {
            let tenant = tenants::find_by_id(c, &tid)?
                .ok_or_else(|| DbError::Unexpected(anyhow::anyhow!("user without tenant")))?;
            Ok((tenant, tenant_domains::find(c, &d)?))
        })
        .await?;
    let ineligible = if tenant.is_consumer || svc.settings.is_consumer_domain(&domain) {
        Some(Ineligible::Consumer)
    } else if tenant.kind() != TenantKind::Unmanaged {
        Some(Ineligible::AlreadyManaged)
    } else if row.as_ref().is_none_or(|r| r.tenant_id != tenant.id) {
        Some(Ineligible::NoDomain)
    } else if user.verified_at.is_none() {
        Some(Ineligible::Unverified)
    } else {
        None
    };
    Ok((tenant, domain, row, ineligible))
}

/// The guest's own live challenge on the domain row.
fn own_challenge(row: Option<&TenantDomain>, user: &User, now: NaiveDateTime) -> Option<Challenge> {
    let row = row?;
    let (value, expires) = (row.challenge.as_ref()?, row.challenge_expires_at?);
    (row.challenge_user_id.as_ref() == Some(&user.id) && expires > now).then(|| Challenge {
        record_name: row.domain.clone(),
        record_value: value.clone(),
        expires_at: utc(expires),
    })
}

fn event(
    svc: &Services,
    name: Event,
    outcome: Outcome,
    user: &User,
    ip: Option<IpAddr>,
) -> NewAuditEvent {
    let mut e = NewAuditEvent::new(svc.now(), "guest", name, outcome);
    e.tenant_id = Some(user.tenant_id.clone());
    e.user_id = Some(user.id.clone());
    e.email = Some(user.email.to_string());
    e.ip = ip.map(|i| i.to_string());
    e
}

/// Where the guest stands: what `/account/organisation` shows.
pub async fn status(svc: &Services, user: &User) -> Result<TakeoverState, DbError> {
    let (tenant, domain, row, ineligible) = load(svc, user).await?;
    Ok(TakeoverState {
        challenge: own_challenge(row.as_ref(), user, svc.now()),
        domain,
        organisation: tenant.name,
        ineligible,
    })
}

/// Starts (or shows again) the guest's challenge. A new challenge replaces an older one of
/// another guest, so nobody can block a takeover by starting one and walking away.
pub async fn start(
    svc: &Services,
    user: &User,
    ip: Option<IpAddr>,
) -> Result<Result<Challenge, Ineligible>, DbError> {
    let (_, domain, row, ineligible) = load(svc, user).await?;
    if let Some(why) = ineligible {
        return Ok(Err(why));
    }
    let now = svc.now();
    if let Some(existing) = own_challenge(row.as_ref(), user, now) {
        return Ok(Ok(existing));
    }
    // Public once published: not a secret, but unguessable so nobody can pre-publish it.
    let value = format!("{CHALLENGE_PREFIX}{}", TokenSecret::generate().expose());
    let expires_at = now + chrono::Duration::days(CHALLENGE_DAYS);
    let mut e = event(
        svc,
        Event::TenantTakeoverStarted,
        Outcome::Success,
        user,
        ip,
    );
    e.detail = Some(serde_json::json!({ "domain": domain }).to_string());
    let (d, v, uid) = (domain.clone(), value.clone(), user.user_id());
    svc.db
        .run(move |c| {
            c.write_transaction(|c| {
                tenant_domains::set_challenge(c, &d, &v, &uid, expires_at)?;
                audit::insert(c, &e)
            })
        })
        .await?;
    Ok(Ok(Challenge {
        record_name: domain,
        record_value: value,
        expires_at: utc(expires_at),
    }))
}

/// Counts one verification attempt of the tenant; `Some(minutes)` when over the hourly cap.
async fn over_limit(svc: &Services, tenant_id: &str) -> Result<Option<i64>, DbError> {
    let now = svc.now();
    let window = now.date().and_hms_opt(now.hour(), 0, 0).unwrap_or(now);
    let next = window + chrono::Duration::hours(1);
    let key = format!("takeover_verify:{tenant_id}");
    let count = svc
        .db
        .run(move |c| rate_counters::hit(c, &key, window, next))
        .await?;
    Ok((count > MAX_VERIFICATIONS_PER_HOUR).then(|| ((next - now).num_seconds() + 59) / 60))
}

/// Looks the challenge up in DNS and, when it is there, completes the takeover.
pub async fn verify(
    svc: &Services,
    user: &User,
    ip: Option<IpAddr>,
) -> Result<VerifyOutcome, DbError> {
    let (tenant, domain, row, ineligible) = load(svc, user).await?;
    let outcome = match ineligible {
        Some(why) => VerifyOutcome::Ineligible(why),
        None => match over_limit(svc, tenant.id.as_str()).await? {
            Some(minutes) => VerifyOutcome::TooManyAttempts {
                retry_after_minutes: minutes,
            },
            None => check(svc, user, &tenant, &domain, row.as_ref()).await?,
        },
    };
    if matches!(outcome, VerifyOutcome::Verified { .. }) {
        return Ok(outcome);
    }
    let mut e = event(svc, Event::TenantTakeoverFailed, Outcome::Failure, user, ip);
    e.reason = Some(outcome.code().to_string());
    e.detail = Some(serde_json::json!({ "domain": domain }).to_string());
    svc.db.run(move |c| audit::insert(c, &e)).await?;
    Ok(outcome)
}

async fn check(
    svc: &Services,
    user: &User,
    tenant: &Tenant,
    domain: &str,
    row: Option<&TenantDomain>,
) -> Result<VerifyOutcome, DbError> {
    let now = svc.now();
    let Some(row) = row.filter(|r| r.challenge_user_id.as_ref() == Some(&user.id)) else {
        return Ok(VerifyOutcome::NoChallenge);
    };
    let (Some(expected), Some(expires)) = (row.challenge.clone(), row.challenge_expires_at) else {
        return Ok(VerifyOutcome::NoChallenge);
    };
    if expires <= now {
        return Ok(VerifyOutcome::Expired);
    }
    match svc.deliverability.txt_records(domain).await {
        Ok(records) if records.iter().any(|r| r.trim() == expected) => {}
        Ok(_) => return Ok(VerifyOutcome::RecordMissing),
        Err(TxtError::NxDomain) => return Ok(VerifyOutcome::DomainNotFound),
        Err(_) => return Ok(VerifyOutcome::DnsUnavailable),
    }
    complete(svc, user, tenant, domain).await
}

/// The transaction that makes the guest the tenant's admin.
async fn complete(
    svc: &Services,
    user: &User,
    tenant: &Tenant,
    domain: &str,
) -> Result<VerifyOutcome, DbError> {
    let now = svc.now();
    let setup = TokenSecret::generate();
    let new_admin = admins::NewAdmin {
        email: user.email.clone(),
        role: AdminRole::Tenant,
        tenant_id: Some(tenant.tenant_id()),
        setup_token_hash: setup.hash().into_string(),
        setup_expires_at: now + chrono::Duration::hours(SETUP_LINK_HOURS),
    };
    let mut e = NewAuditEvent::new(
        now,
        "guest",
        Event::TenantTakeoverVerified,
        Outcome::Success,
    );
    e.tenant_id = Some(tenant.tenant_id());
    e.user_id = Some(user.user_id());
    e.email = Some(user.email.to_string());
    let (tid, d) = (tenant.tenant_id(), domain.to_string());
    enum Done {
        Revoked(usize),
        Lost,
        AdminExists,
    }
    let done = svc
        .db
        .run(move |c| {
            c.write_transaction::<_, DbError, _>(|c| {
                if admins::find_by_email(c, &new_admin.email)?.is_some() {
                    return Ok(Done::AdminExists);
                }
                if !tenant_domains::complete_takeover(c, &d, &tid, now)? {
                    return Ok(Done::Lost);
                }
                let admin = admins::create(c, &new_admin, now)?;
                let revoked =
                    reset_tokens::revoke_all_for_tenant(c, &tid, "tenant_taken_over", now)?;
                e.detail = Some(
                    serde_json::json!({
                        "domain": d,
                        "admin_id": admin.id,
                        "kind": "managed",
                        "plan": "free",
                        "revoked_reset_tokens": revoked,
                    })
                    .to_string(),
                );
                audit::insert(c, &e)?;
                Ok(Done::Revoked(revoked))
            })
        })
        .await?;
    Ok(match done {
        Done::Revoked(revoked_tokens) => VerifyOutcome::Verified {
            organisation: tenant.name.clone(),
            setup_link: secrecy::SecretString::from(
                svc.settings
                    .link(&format!("{ADMIN_SETUP_PATH}{}", setup.expose())),
            ),
            revoked_tokens,
        },
        Done::Lost => VerifyOutcome::Ineligible(Ineligible::AlreadyManaged),
        Done::AdminExists => VerifyOutcome::AdminExists,
    })
}
