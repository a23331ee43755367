//! The reset flow as a service (docs/architecture.md#the-reset-flow-end-to-end), below the web layer:
//! [`request`] takes a request and queues it, [`evaluate`] (run by the job worker) gathers the
//! facts, decides, audits and mails, and [`redeem`] turns a link or code into a new password.

pub mod evaluate;
pub mod redeem;
pub mod request;

use crate::db::audit::NewAuditEvent;
use std::net::IpAddr;

/// An audit event about the reset flow, with the fields every step carries.
pub(crate) fn event(
    now: chrono::NaiveDateTime,
    name: &str,
    outcome: &str,
    ip: Option<IpAddr>,
) -> NewAuditEvent {
    let mut e = NewAuditEvent::new(now, "guest", name, outcome);
    e.ip = ip.map(|i| i.to_string());
    e
}
