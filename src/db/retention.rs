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

/// Runs `$body` once for `$kind`, with `$t` naming its table's schema module, `$key` the
/// column that identifies a row (its Rust type named `$Key`) and `$old` the condition a row
/// older than `$cutoff` meets: one line per kind says what the sweep counts and removes.
macro_rules! with_kind {
    ($kind:expr, $cutoff:expr, |$t:ident, $key:ident: $Key:ident, $old:ident| $body:expr) => {
        with_kind!(@each $kind, $t, $key, $Key, $old, $body;
            Audit => audit_events, id: i64, audit_events::occurred_at.lt($cutoff);
            Jobs => jobs, id: String, jobs::done_at.lt($cutoff).or(jobs::failed_at.lt($cutoff));
            ResetTokens => reset_tokens, id: String, reset_tokens::expires_at.lt($cutoff);
            ResetDecoys => reset_decoys, flow_id_hash: String,
                reset_decoys::expires_at.lt($cutoff);
            EmailVerifications => email_verifications, id: String,
                email_verifications::expires_at.lt($cutoff);
            Invitations => invitations, id: String, invitations::expires_at.lt($cutoff);
            WebhookDeliveries => webhook_deliveries, id: String,
                webhook_deliveries::created_at
                    .lt($cutoff)
                    .and(webhook_deliveries::status.ne("pending"));
            MailEnvelopes => mail_envelopes, id_hash: String,
                mail_envelopes::created_at.lt($cutoff);
            NotMeTokens => not_me_tokens, id: String, not_me_tokens::expires_at.lt($cutoff);
        )
    };
    (@each $kind:expr, $t:ident, $key:ident, $Key:ident, $old:ident, $body:expr;
        $($variant:ident => $table:ident, $column:ident: $ty:ty, $condition:expr;)*) => {
        match $kind {
            $(Kind::$variant => {
                use $table as $t;
                type $Key = $ty;
                let ($key, $old) = ($t::$column, $condition);
                $body
            })*
        }
    };
}

/// How many rows of `kind` are older than `cutoff`.
pub fn count(conn: &mut AnyConnection, kind: Kind, cutoff: NaiveDateTime) -> Result<i64, DbError> {
    Ok(with_kind!(kind, cutoff, |t, _key: _Key, old| {
        dispatch!(conn, c => t::table.filter(old).count().get_result(c))?
    }))
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
    Ok(with_kind!(kind, cutoff, |t, key: Key, old| {
        let ids: Vec<Key> =
            dispatch!(conn, c => t::table.filter(old).select(key).limit(limit).load(c))?;
        if ids.is_empty() {
            return Ok(0);
        }
        dispatch!(conn, c => diesel::delete(t::table.filter(key.eq_any(&ids)).filter(old))
            .execute(c))?
    }))
}
