//! Bounces that arrive later (`POST /api/v1/bounces`): a delivery status notification
//! (RFC 3464) that a smarthost or a receiving server sent back after it had accepted the mail.
//! A permanent failure of the recipient marks the address bounced exactly as a refusal at
//! `RCPT TO` does ([`super::bounce::record_bounce`]); anything else changes nothing.
//!
//! | per-recipient block | what happens |
//! |---|---|
//! | `Action: failed`, `Status: 5.1.x` (not 5.1.7/5.1.8), or `5.0.0` with an `smtp; 550/551/553/556` diagnostic | `bounced`: the address marked, `mail_bounced` audited |
//! | `Action: failed`, any other `5.x.x` (5.7.1 policy, 5.2.2 quota, 5.3.4 size …) | `ignored` (`not_about_the_recipient`), as a relay refusal at send time is |
//! | `Action: failed` with `4.x.x`, `delayed`, `delivered`, `relayed`, `expanded` | `ignored` |
//!
//! Which recipient: with `mail.bounce_domain` set, **only** the VERP return path the report was
//! sent to (`bounce+<id>@…`) names it: an unknown or made-up id, or a report that names none,
//! marks nobody, since anyone can write a report about any address but only a mail's servers
//! see its id. Without a bounce domain, `Original-Recipient` (else `Final-Recipient`) names it:
//! the platform API key that posts the report is then what is trusted.

use super::bounce::{self, hash_return_path_id, return_path_id};
use super::dsn::{self, NotADsn, RecipientStatus};
use super::reply::classify_reply;
use super::SendError;
use crate::db::audit::{self, NewAuditEvent};
use crate::db::mail_envelopes::{self, MailEnvelope};
use crate::db::{AnyConnection, Db, DbError, WriteTransaction as _};
use crate::domain::audit::{Event, Outcome};
use crate::domain::EmailAddress;
use crate::services::clock::SharedClock;
use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;
use std::net::IpAddr;

/// Largest report read (a DSN carries the returned mail, or its headers).
pub const MAX_REPORT_BYTES: usize = 1024 * 1024;

/// What became of one per-recipient block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecipientOutcome {
    /// The block's `Action`.
    pub action: String,
    /// The block's `Status`, when it is an enhanced status code.
    pub status: Option<String>,
    /// `bounced` or `ignored`.
    pub outcome: &'static str,
    /// Why it was ignored: `not_a_failure`, `not_permanent`, `not_about_the_recipient`,
    /// `no_return_path`, `unknown_return_path`, `no_recipient_address`, `already_recorded`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

/// The reply to a report: counts, and one outcome per block (never an address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub bounced: usize,
    pub ignored: usize,
    pub recipients: Vec<RecipientOutcome>,
}

/// Who posted a report, for the audit.
#[derive(Debug, Clone)]
pub struct Reporter {
    /// `api_key:<id>`.
    pub actor: String,
    pub ip: Option<IpAddr>,
}

/// Reads `raw` and marks each recipient it reports as permanently failed. `Ok(Err(_))` when
/// `raw` is not a delivery status notification (nothing changed; audited).
pub async fn receive(
    db: &Db,
    clock: &SharedClock,
    bounce_domain: Option<String>,
    raw: Vec<u8>,
    reporter: Reporter,
) -> Result<Result<Summary, NotADsn>, DbError> {
    let now = clock.now_naive();
    let parsed = tokio::task::spawn_blocking(move || dsn::parse(&raw))
        .await
        .map_err(|e| DbError::Unexpected(anyhow::anyhow!("reading the report: {e}")))?;
    let report = match parsed {
        Ok(r) => r,
        Err(why) => {
            let mut e = summary_row(now, &reporter, Outcome::Failure);
            e.reason = Some("not_a_dsn".into());
            e.detail = Some(json!({ "error": why.to_string() }).to_string());
            db.run(move |c| audit::insert(c, &e)).await?;
            return Ok(Err(why));
        }
    };
    // With a bounce domain, the one mail the report is about (its return path), if any.
    let return_path = bounce_domain.as_deref().and_then(|domain| {
        report
            .return_path_candidates
            .iter()
            .flat_map(|v| v.split(|c: char| c == ',' || c.is_whitespace()))
            .find_map(|token| return_path_id(token, domain))
    });
    let verp = bounce_domain.is_some();
    let reporting_mta = report.reporting_mta.clone();
    let mta_for_audit = report.reporting_mta.clone();
    let reporter2 = reporter.clone();
    let summary = db
        .run(move |c| {
            let mut out = Vec::new();
            for r in &report.recipients {
                let decided = match decide(r) {
                    Err(reason) => Err(reason),
                    Ok(why) => {
                        let mark = Mark {
                            why: &why,
                            status: r,
                            reporter: &reporter2,
                            reporting_mta: reporting_mta.as_deref(),
                            now,
                        };
                        if verp {
                            mark_by_return_path(c, return_path.as_deref(), &mark)?
                        } else {
                            mark_by_address(c, &mark)?
                        }
                    }
                };
                out.push(RecipientOutcome {
                    action: r.action.clone(),
                    status: r.status.map(|s| s.to_string()),
                    outcome: if decided.is_ok() {
                        "bounced"
                    } else {
                        "ignored"
                    },
                    reason: decided.err(),
                });
            }
            Ok(out)
        })
        .await?;
    let bounced = summary.iter().filter(|r| r.outcome == "bounced").count();
    let summary = Summary {
        bounced,
        ignored: summary.len() - bounced,
        recipients: summary,
    };
    let mut e = summary_row(now, &reporter, Outcome::Success);
    e.detail = Some(
        json!({
            "bounced": summary.bounced,
            "ignored": summary.ignored,
            "recipients": summary.recipients,
            "reporting_mta": mta_for_audit,
        })
        .to_string(),
    );
    db.run(move |c| audit::insert(c, &e)).await?;
    Ok(Ok(summary))
}

fn summary_row(now: NaiveDateTime, reporter: &Reporter, outcome: Outcome) -> NewAuditEvent {
    let mut e = NewAuditEvent::new(now, &reporter.actor, Event::BounceReportReceived, outcome);
    e.ip = reporter.ip.map(|i| i.to_string());
    e
}

/// The bounce reason to store when the block is a permanent failure of the recipient, or why
/// it is ignored.
fn decide(r: &RecipientStatus) -> Result<String, &'static str> {
    if r.action != "failed" {
        return Err("not_a_failure");
    }
    let Some(status) = r.status.filter(|_| r.is_permanent_failure()) else {
        return Err("not_permanent");
    };
    // The same classes as a refusal at send time: only the recipient's failures mark.
    let basic = r.smtp_code.unwrap_or(554);
    match classify_reply(basic, &status.to_string()) {
        SendError::Permanent(_) => Ok(match r.smtp_code {
            Some(code) => format!(
                "a delivery status notification reported a permanent failure ({code} {status})"
            ),
            None => {
                format!("a delivery status notification reported a permanent failure ({status})")
            }
        }),
        _ => Err("not_about_the_recipient"),
    }
}

/// One permanent failure to record.
struct Mark<'a> {
    why: &'a str,
    status: &'a RecipientStatus,
    reporter: &'a Reporter,
    reporting_mta: Option<&'a str>,
    now: NaiveDateTime,
}

impl Mark<'_> {
    /// The `mail_bounced` row, as the send path writes it, with where the news came from.
    fn audit_row(&self, to: &EmailAddress, envelope: Option<&MailEnvelope>) -> NewAuditEvent {
        let mut e = NewAuditEvent::new(
            self.now,
            &self.reporter.actor,
            Event::MailBounced,
            Outcome::Failure,
        );
        e.ip = self.reporter.ip.map(|i| i.to_string());
        e.email = Some(to.to_string());
        e.reason = Some(self.why.to_string());
        e.user_id = envelope.and_then(|v| v.user_id.clone());
        e.tenant_id = envelope.and_then(|v| v.tenant_id.clone());
        let mut detail = json!({
            "source": "delivery_status_notification",
            "status": self.status.status.map(|s| s.to_string()),
            "reporting_mta": self.reporting_mta,
        });
        if let Some(v) = envelope {
            detail["kind"] = v.kind.clone().into();
            detail["message_id"] = v.message_id.clone().into();
        }
        e.detail = Some(detail.to_string());
        e
    }
}

/// Marks the recipient of the mail whose return path is `id` (once per mail).
fn mark_by_return_path(
    c: &mut AnyConnection,
    id: Option<&str>,
    m: &Mark<'_>,
) -> Result<Result<(), &'static str>, DbError> {
    let Some(id) = id else {
        return Ok(Err("no_return_path"));
    };
    let hash = hash_return_path_id(id);
    c.write_transaction(|c| {
        let Some(envelope) = mail_envelopes::find(c, &hash)? else {
            return Ok(Err("unknown_return_path"));
        };
        if !mail_envelopes::claim_bounce(c, &hash, m.now)? {
            return Ok(Err("already_recorded"));
        }
        let known = envelope.user_id.clone();
        let e = m.audit_row(&envelope.email, Some(&envelope));
        bounce::record_bounce(c, &envelope.email, known, m.why, m.now, e)?;
        Ok(Ok(()))
    })
}

/// Marks the address the block names (no bounce domain configured).
fn mark_by_address(
    c: &mut AnyConnection,
    m: &Mark<'_>,
) -> Result<Result<(), &'static str>, DbError> {
    let Some(to) = m
        .status
        .address
        .as_deref()
        .and_then(|a| EmailAddress::parse(a).ok())
    else {
        return Ok(Err("no_recipient_address"));
    };
    c.write_transaction(|c| {
        let e = m.audit_row(&to, None);
        bounce::record_bounce(c, &to, None, m.why, m.now, e)?;
        Ok(Ok(()))
    })
}
