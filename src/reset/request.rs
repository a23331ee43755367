//! `POST /reset`: the domain-level check (the only part that may show in the browser), then
//! one job row. The same database work happens whether or not the account exists, so neither
//! the reply nor its timing says anything about accounts (docs/security.md#11, #12).

use crate::db::{audit, AnyConnection, Backend, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::domain::EmailAddress;
use crate::i18n::Lang;
use crate::jobs;
use crate::policy::{self, DenyReason, EmailVerdict, Facts, UnknownReason};
use crate::services::eligibility;
use crate::services::Services;
use serde::{Deserialize, Serialize};
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
    let consumer = svc.settings.is_consumer_domain(email.domain());
    let job = ResetRequestJob {
        email: email.clone(),
        flow_id_hash,
        ip,
        audited: false,
        lang,
        browser: Some(browser),
        requested_at: Some(now),
    };
    let max_attempts = svc.settings.jobs.max_attempts;
    // Every request, whatever the address, takes the same path (docs/security.md#11, #12).
    let outcome = if svc.db.backend() == Backend::Postgres {
        // The domain-level check reads on its own; the job joins the multi-row insert of
        // concurrent requests, one statement and one commit for many (docs/performance.md,
        // scenario B).
        let lookup = email.clone();
        let outcome = svc
            .db
            .run(move |conn| check_domain(conn, consumer, &lookup, now, ip))
            .await?;
        if matches!(outcome, RequestOutcome::Accepted) {
            svc.job_inserts.enqueue(&job, now, max_attempts).await?;
        }
        outcome
    } else {
        // SQLite: group commit, concurrent requests share one transaction for the check and
        // the job (docs/performance.md, scenario B).
        let lookup = email.clone();
        svc.db
            .run_grouped(move |conn| {
                let outcome = check_domain(conn, consumer, &lookup, now, ip)?;
                if matches!(outcome, RequestOutcome::Accepted) {
                    jobs::enqueue(conn, &job, now, max_attempts)?;
                }
                Ok(outcome)
            })
            .await?
    };
    if matches!(outcome, RequestOutcome::Accepted) {
        svc.jobs_wakeup.notify_one();
    }
    Ok(outcome)
}

/// The domain-level rules only (no account facts are looked at here): a browser-visible denial
/// is audited and shown; anything else is accepted, to be evaluated by the worker.
fn check_domain(
    conn: &mut AnyConnection,
    consumer: bool,
    email: &EmailAddress,
    now: chrono::NaiveDateTime,
    ip: Option<IpAddr>,
) -> Result<RequestOutcome, DbError> {
    let tenant = eligibility::tenant_of(conn, consumer, email)?;
    let facts = Facts {
        tenant: tenant.as_ref().map(eligibility::tenant_facts),
        account: None,
        email: EmailVerdict::Unknown(UnknownReason::DnsOff),
        now,
    };
    if let policy::Decision::Deny(reason) = policy::decide(&facts) {
        if reason.browser_visible() {
            let tenant = tenant.expect("domain-level denial needs a tenant");
            let mut e = super::event(now, Event::ResetRequested, Outcome::Denied, ip);
            e.tenant_id = Some(tenant.tenant_id());
            e.reason = Some(reason.code().to_string());
            e.email = Some(email.to_string());
            audit::insert(conn, &e)?;
            return Ok(RequestOutcome::DomainDenied {
                reason,
                tenant_name: tenant.name,
                helpdesk_url: tenant.helpdesk_url,
            });
        }
    }
    Ok(RequestOutcome::Accepted)
}
