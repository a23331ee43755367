//! The reset flow as a service (docs/architecture.md#the-reset-flow-end-to-end), below the web layer:
//! [`request`] takes a request and queues it, [`evaluate`] (run by the job worker) gathers the
//! facts, decides, audits and mails, [`redeem`] turns a link or code into a new password, and
//! [`notice`] mails the "password changed" notice. [`issue`] is the one issuer of reset tokens
//! (the worker's and the helpdesk's).

mod audited;
pub mod evaluate;
pub mod issue;
pub mod not_me;
mod not_me_alert;
pub mod notice;
pub mod redeem;
pub mod request;

pub use audited::AuditWrites;
pub use request::{request_checks, RequestChecks};

use crate::db::audit::NewAuditEvent;
use crate::domain::audit::{Event, Outcome};
use crate::services::Services;
use std::net::IpAddr;

/// The reset flow's jobs, for the worker's registry (built at startup).
pub fn register_jobs(registry: &mut crate::jobs::Registry<Services>) {
    registry
        .register::<request::ResetRequestJob>()
        .register::<notice::PasswordChangedJob>()
        .register::<not_me_alert::NotMeAlertJob>();
}

/// An audit event about the reset flow, with the fields every step carries.
pub(crate) fn event(
    now: chrono::NaiveDateTime,
    name: Event,
    outcome: Outcome,
    ip: Option<IpAddr>,
) -> NewAuditEvent {
    let mut e = NewAuditEvent::new(now, "guest", name, outcome);
    e.ip = ip.map(|i| i.to_string());
    e
}
