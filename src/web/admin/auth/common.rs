//! What set-up, sign-in and sign-out share: the clock in Unix seconds, and the audit events
//! written before there is a session.

use crate::db::audit::{self, NewAuditEvent};
use crate::db::models::Admin;
use crate::domain::audit::{Event, Outcome};
use crate::web::{AppError, AppState};
use std::net::IpAddr;

pub(super) fn now_unix(state: &AppState) -> i64 {
    state.clock.now().timestamp()
}

pub(super) fn unix_u64(t: i64) -> u64 {
    u64::try_from(t).unwrap_or(0)
}

/// An event about sign-in, before there is a session.
pub(super) fn sign_in_event(
    state: &AppState,
    admin: Option<&Admin>,
    name: Event,
    outcome: Outcome,
    ip: Option<IpAddr>,
) -> NewAuditEvent {
    let actor = admin.map_or_else(|| "anonymous".to_string(), |a| format!("admin:{}", a.id));
    let mut e = NewAuditEvent::new(state.now(), &actor, name, outcome);
    e.ip = ip.map(|i| i.to_string());
    if let Some(a) = admin {
        e.tenant_id = a.tenant_id.clone();
        e.email = Some(a.email.clone());
    }
    e
}

pub(super) async fn record(state: &AppState, event: NewAuditEvent) -> Result<(), AppError> {
    state.db.run(move |c| audit::insert(c, &event)).await?;
    Ok(())
}
