//! Audit events about a guest (actor `guest`): ids, IP and outcome, never a secret.

use crate::db::audit::{self, NewAuditEvent};
use crate::db::DbError;
use crate::domain::audit::{Event, Outcome};
use crate::services::Services;
use std::net::IpAddr;

use super::User;

/// The event; the stored address is recorded only for a known user (a typed address can be a
/// password typed into the wrong field, docs/security.md#37).
pub fn guest_event(
    now: chrono::NaiveDateTime,
    event: Event,
    outcome: Outcome,
    user: Option<&User>,
    reason: Option<&str>,
    ip: Option<IpAddr>,
) -> NewAuditEvent {
    let mut e = NewAuditEvent::new(now, "guest", event, outcome);
    e.ip = ip.map(|i| i.to_string());
    e.reason = reason.map(str::to_string);
    if let Some(u) = user {
        e.user_id = Some(u.user_id());
        e.tenant_id = Some(u.tenant_id());
        e.email = Some(u.email.to_string());
    }
    e
}

/// Appends a guest audit event (see [`guest_event`]).
pub async fn record(
    svc: &Services,
    event: Event,
    outcome: Outcome,
    user: Option<&User>,
    reason: Option<&str>,
    ip: Option<IpAddr>,
) -> Result<(), DbError> {
    let e = guest_event(svc.now(), event, outcome, user, reason, ip);
    svc.db.run(move |c| audit::insert(c, &e)).await
}
