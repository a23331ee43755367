//! Deleting what the retention settings no longer keep, in small batches: each call deletes at
//! most `limit` rows in one short statement, so a sweep never holds a long transaction.

use super::schema::{
    audit_events, email_verifications, invitations, jobs, mail_envelopes, not_me_tokens,
    reset_decoys, reset_tokens, webhook_deliveries,
};
use super::{AnyConnection, DbError};
use crate::dispatch;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// One kind of row the retention sweep deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Audit events that occurred before the cut-off.
    Audit,
    /// Jobs that finished (done or failed for good) before the cut-off.
    Jobs,
    /// Reset tokens that expired before the cut-off.
    ResetTokens,
    /// Decoys of flows that issued no token (`super::reset_decoys`), kept like reset tokens.
    ResetDecoys,
    /// Address verifications that expired before the cut-off.
    EmailVerifications,
    /// Invitations that expired before the cut-off (redeemed or not: the account holds what
    /// the redemption created).
    Invitations,
    /// Webhook deliveries that ended (delivered or given up) and were queued before the
    /// cut-off (their bodies hold addresses); kept as long as jobs.
    WebhookDeliveries,
    /// Return paths of sent mail (`super::mail_envelopes`) written before the cut-off: a late
    /// bounce can no longer name them; kept as long as jobs.
    MailEnvelopes,
    /// "This wasn't me" links (`super::not_me_tokens`) that expired before the cut-off, used
    /// or not (the audit trail keeps what a used one did); kept like reset tokens.
    NotMeTokens,
}

impl Kind {
    pub const ALL: &'static [Kind] = &[
        Kind::Audit,
        Kind::Jobs,
        Kind::ResetTokens,
        Kind::ResetDecoys,
        Kind::EmailVerifications,
        Kind::Invitations,
        Kind::WebhookDeliveries,
        Kind::MailEnvelopes,
        Kind::NotMeTokens,
    ];

    /// The stable name used in metrics labels, the audit detail and the CLI output.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Audit => "audit_events",
            Kind::Jobs => "jobs",
            Kind::ResetTokens => "reset_tokens",
            Kind::ResetDecoys => "reset_decoys",
            Kind::EmailVerifications => "email_verifications",
            Kind::Invitations => "invitations",
            Kind::WebhookDeliveries => "webhook_deliveries",
            Kind::MailEnvelopes => "mail_envelopes",
            Kind::NotMeTokens => "not_me_tokens",
        }
    }
}

/// How many rows of `kind` are older than `cutoff`.
pub fn count(conn: &mut AnyConnection, kind: Kind, cutoff: NaiveDateTime) -> Result<i64, DbError> {
    Ok(match kind {
        Kind::Audit => dispatch!(conn, c => audit_events::table
            .filter(audit_events::occurred_at.lt(cutoff))
            .count()
            .get_result(c))?,
        Kind::Jobs => dispatch!(conn, c => jobs::table
            .filter(jobs::done_at.lt(cutoff).or(jobs::failed_at.lt(cutoff)))
            .count()
            .get_result(c))?,
        Kind::ResetTokens => dispatch!(conn, c => reset_tokens::table
            .filter(reset_tokens::expires_at.lt(cutoff))
            .count()
            .get_result(c))?,
        Kind::ResetDecoys => dispatch!(conn, c => reset_decoys::table
            .filter(reset_decoys::expires_at.lt(cutoff))
            .count()
            .get_result(c))?,
        Kind::EmailVerifications => dispatch!(conn, c => email_verifications::table
            .filter(email_verifications::expires_at.lt(cutoff))
            .count()
            .get_result(c))?,
        Kind::Invitations => dispatch!(conn, c => invitations::table
            .filter(invitations::expires_at.lt(cutoff))
            .count()
            .get_result(c))?,
        Kind::WebhookDeliveries => dispatch!(conn, c => webhook_deliveries::table
            .filter(webhook_deliveries::created_at.lt(cutoff))
            .filter(webhook_deliveries::status.ne("pending"))
            .count()
            .get_result(c))?,
        Kind::MailEnvelopes => dispatch!(conn, c => mail_envelopes::table
            .filter(mail_envelopes::created_at.lt(cutoff))
            .count()
            .get_result(c))?,
        Kind::NotMeTokens => dispatch!(conn, c => not_me_tokens::table
            .filter(not_me_tokens::expires_at.lt(cutoff))
            .count()
            .get_result(c))?,
    })
}

/// Deletes at most `limit` rows of `kind` older than `cutoff`; returns how many went. The ids
/// are picked first and the condition is checked again by the delete, so a row that changed
/// in between stays.
pub fn delete_batch(
    conn: &mut AnyConnection,
    kind: Kind,
    cutoff: NaiveDateTime,
    limit: i64,
) -> Result<usize, DbError> {
    Ok(match kind {
        Kind::Audit => {
            let ids: Vec<i64> = dispatch!(conn, c => audit_events::table
                .filter(audit_events::occurred_at.lt(cutoff))
                .select(audit_events::id)
                .limit(limit)
                .load(c))?;
            if ids.is_empty() {
                return Ok(0);
            }
            dispatch!(conn, c => diesel::delete(audit_events::table
                .filter(audit_events::id.eq_any(&ids))
                .filter(audit_events::occurred_at.lt(cutoff)))
                .execute(c))?
        }
        Kind::Jobs => {
            let finished = jobs::done_at.lt(cutoff).or(jobs::failed_at.lt(cutoff));
            let ids: Vec<String> = dispatch!(conn, c => jobs::table
                .filter(finished)
                .select(jobs::id)
                .limit(limit)
                .load(c))?;
            if ids.is_empty() {
                return Ok(0);
            }
            dispatch!(conn, c => diesel::delete(jobs::table
                .filter(jobs::id.eq_any(&ids))
                .filter(finished))
                .execute(c))?
        }
        Kind::ResetTokens => {
            let ids: Vec<String> = dispatch!(conn, c => reset_tokens::table
                .filter(reset_tokens::expires_at.lt(cutoff))
                .select(reset_tokens::id)
                .limit(limit)
                .load(c))?;
            if ids.is_empty() {
                return Ok(0);
            }
            dispatch!(conn, c => diesel::delete(reset_tokens::table
                .filter(reset_tokens::id.eq_any(&ids))
                .filter(reset_tokens::expires_at.lt(cutoff)))
                .execute(c))?
        }
        Kind::ResetDecoys => {
            let ids: Vec<String> = dispatch!(conn, c => reset_decoys::table
                .filter(reset_decoys::expires_at.lt(cutoff))
                .select(reset_decoys::flow_id_hash)
                .limit(limit)
                .load(c))?;
            if ids.is_empty() {
                return Ok(0);
            }
            dispatch!(conn, c => diesel::delete(reset_decoys::table
                .filter(reset_decoys::flow_id_hash.eq_any(&ids))
                .filter(reset_decoys::expires_at.lt(cutoff)))
                .execute(c))?
        }
        Kind::EmailVerifications => {
            let ids: Vec<String> = dispatch!(conn, c => email_verifications::table
                .filter(email_verifications::expires_at.lt(cutoff))
                .select(email_verifications::id)
                .limit(limit)
                .load(c))?;
            if ids.is_empty() {
                return Ok(0);
            }
            dispatch!(conn, c => diesel::delete(email_verifications::table
                .filter(email_verifications::id.eq_any(&ids))
                .filter(email_verifications::expires_at.lt(cutoff)))
                .execute(c))?
        }
        Kind::Invitations => {
            let ids: Vec<String> = dispatch!(conn, c => invitations::table
                .filter(invitations::expires_at.lt(cutoff))
                .select(invitations::id)
                .limit(limit)
                .load(c))?;
            if ids.is_empty() {
                return Ok(0);
            }
            dispatch!(conn, c => diesel::delete(invitations::table
                .filter(invitations::id.eq_any(&ids))
                .filter(invitations::expires_at.lt(cutoff)))
                .execute(c))?
        }
        Kind::WebhookDeliveries => {
            let ended = webhook_deliveries::created_at
                .lt(cutoff)
                .and(webhook_deliveries::status.ne("pending"));
            let ids: Vec<String> = dispatch!(conn, c => webhook_deliveries::table
                .filter(ended)
                .select(webhook_deliveries::id)
                .limit(limit)
                .load(c))?;
            if ids.is_empty() {
                return Ok(0);
            }
            dispatch!(conn, c => diesel::delete(webhook_deliveries::table
                .filter(webhook_deliveries::id.eq_any(&ids))
                .filter(ended))
                .execute(c))?
        }
        Kind::MailEnvelopes => {
            let ids: Vec<String> = dispatch!(conn, c => mail_envelopes::table
                .filter(mail_envelopes::created_at.lt(cutoff))
                .select(mail_envelopes::id_hash)
                .limit(limit)
                .load(c))?;
            if ids.is_empty() {
                return Ok(0);
            }
            dispatch!(conn, c => diesel::delete(mail_envelopes::table
                .filter(mail_envelopes::id_hash.eq_any(&ids))
                .filter(mail_envelopes::created_at.lt(cutoff)))
                .execute(c))?
        }
        Kind::NotMeTokens => {
            let ids: Vec<String> = dispatch!(conn, c => not_me_tokens::table
                .filter(not_me_tokens::expires_at.lt(cutoff))
                .select(not_me_tokens::id)
                .limit(limit)
                .load(c))?;
            if ids.is_empty() {
                return Ok(0);
            }
            dispatch!(conn, c => diesel::delete(not_me_tokens::table
                .filter(not_me_tokens::id.eq_any(&ids))
                .filter(not_me_tokens::expires_at.lt(cutoff)))
                .execute(c))?
        }
    })
}
