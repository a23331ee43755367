//! `POST /reset`: the domain-level check (the only part that may show in the browser), then
//! one job row; concurrent requests share the trip to the database. The same database work happens whether or not the account exists, so neither
//! the reply nor its timing says anything about accounts (docs/security.md#11, #12).

use crate::db::audit::{self, NewAuditEvent};
use crate::db::models::Tenant;
use crate::db::{tenants, AnyConnection, Batcher, Db, DbError, WriteTransaction as _};
use crate::domain::audit::{Event, Outcome};
use crate::domain::tenant::CONSUMERS_TENANT_NAME;
use crate::domain::EmailAddress;
use crate::i18n::Lang;
use crate::jobs::{self, queue, queue::QueuedJob};
use crate::policy::{self, DenyReason, EmailVerdict, Facts, UnknownReason};
use crate::services::eligibility;
use crate::services::Services;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::IpAddr;

/// What the worker needs to evaluate one request (no secret in it: it is stored as a job).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResetRequestJob {
    pub email: EmailAddress,
    pub flow_id_hash: String,
    pub ip: Option<IpAddr>,
    /// Set (in the job's own row, in the transaction that wrote the `reset_requested` audit
    /// row) once the request has been counted and audited, so a retry — after a transient
    /// failure or a crash — never audits it twice, and a crash before it never loses it.
    #[serde(default)]
    pub audited: bool,
    /// The language of the page the request came from: the mail's language when neither the
    /// account nor its tenant has one (docs/languages.md).
    #[serde(default)]
    pub lang: Option<Lang>,
    /// The requesting browser, in words (the mail names it). Absent in jobs queued before.
    #[serde(default)]
    pub browser: Option<crate::domain::user_agent::BrowserWords>,
    /// When the request was made (the mail says so).
    #[serde(default)]
    pub requested_at: Option<chrono::NaiveDateTime>,
}

/// What the browser is told.
#[derive(Debug, Clone)]
pub enum RequestOutcome {
    /// Rules 1–2: the domain's tenant does not offer SSPR. Public knowledge, shown as a page.
    DomainDenied {
        reason: DenyReason,
        tenant_name: String,
        helpdesk_url: Option<String>,
    },
    /// Everything else: the uniform "check your email" page.
    Accepted,
}

pub async fn request(
    svc: &Services,
    email: &EmailAddress,
    flow_id_hash: String,
    ip: Option<IpAddr>,
    lang: Option<Lang>,
    browser: crate::domain::user_agent::BrowserWords,
) -> Result<RequestOutcome, DbError> {
    let now = svc.now();
    let job = ResetRequestJob {
        email: email.clone(),
        flow_id_hash,
        ip,
        audited: false,
        lang,
        browser: Some(browser),
        requested_at: Some(now),
    };
    let check = RequestCheck {
        consumer: svc.settings.is_consumer_domain(email.domain()),
        email: email.clone(),
        now,
        ip,
        job: jobs::queued_row(&job, now, svc.settings.jobs.max_attempts)?,
    };
    // Every request, whatever the address, takes the same path (docs/security.md#11, #12),
    // and joins those of concurrent requests: one lookup, one insert, one commit for many
    // (docs/performance.md, scenario B).
    let outcome = svc.reset_requests.run(check).await?;
    if matches!(outcome, RequestOutcome::Accepted) {
        svc.jobs_wakeup.notify_one();
    }
    Ok(outcome)
}

/// One request's database work: its domain's tenant looked up, and its job queued unless the
/// domain is denied (then the denial is audited).
pub struct RequestCheck {
    consumer: bool,
    email: EmailAddress,
    now: chrono::NaiveDateTime,
    ip: Option<IpAddr>,
    job: QueuedJob,
}

/// The batcher of [`RequestCheck`]s (one per service).
pub type RequestChecks = Batcher<RequestCheck, RequestOutcome>;

pub fn request_checks(db: &Db) -> RequestChecks {
    Batcher::new(db, check_many)
}

/// The work of a batch of requests: one query for their tenants, then one insert for the jobs
/// (and one for the denials' audit rows, in the same transaction).
fn check_many(
    conn: &mut AnyConnection,
    checks: &[RequestCheck],
) -> Result<Vec<RequestOutcome>, DbError> {
    let domains = checks
        .iter()
        .filter(|c| !c.consumer)
        .map(|c| c.email.domain())
        .collect();
    let owners: HashMap<String, Tenant> = tenants::find_by_domains(conn, domains)?
        .into_iter()
        .collect();
    let consumers = if checks.iter().any(|c| c.consumer) {
        tenants::find_by_name(conn, CONSUMERS_TENANT_NAME)?
    } else {
        None
    };
    let mut outcomes = Vec::with_capacity(checks.len());
    let mut denials = Vec::new();
    let mut jobs = Vec::with_capacity(checks.len());
    for check in checks {
        let tenant = if check.consumer {
            consumers.as_ref()
        } else {
            owners.get(check.email.domain())
        };
        match domain_denial(tenant, check) {
            Some((outcome, event)) => {
                outcomes.push(outcome);
                denials.push(event);
            }
            None => {
                outcomes.push(RequestOutcome::Accepted);
                jobs.push(check.job.clone());
            }
        }
    }
    if denials.is_empty() {
        queue::insert_many(conn, &jobs)?;
    } else {
        conn.write_transaction(|c| {
            audit::insert_many(c, &denials)?;
            queue::insert_many(c, &jobs)
        })?;
    }
    Ok(outcomes)
}

/// The domain-level rules only (no account facts are looked at here): a browser-visible denial
/// and its audit row, or `None`: accepted, to be evaluated by the worker.
fn domain_denial(
    tenant: Option<&Tenant>,
    check: &RequestCheck,
) -> Option<(RequestOutcome, NewAuditEvent)> {
    let facts = Facts {
        tenant: tenant.map(eligibility::tenant_facts),
        account: None,
        email: EmailVerdict::Unknown(UnknownReason::DnsOff),
        now: check.now,
    };
    let policy::Decision::Deny(reason) = policy::decide(&facts) else {
        return None;
    };
    if !reason.browser_visible() {
        return None;
    }
    let tenant = tenant.expect("domain-level denial needs a tenant");
    let mut e = super::event(check.now, Event::ResetRequested, Outcome::Denied, check.ip);
    e.tenant_id = Some(tenant.tenant_id());
    e.reason = Some(reason.code().to_string());
    e.email = Some(check.email.to_string());
    let outcome = RequestOutcome::DomainDenied {
        reason,
        tenant_name: tenant.name.clone(),
        helpdesk_url: tenant.helpdesk_url.clone(),
    };
    Some((outcome, e))
}
