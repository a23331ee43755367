//! Admin authentication (docs/security.md#34): the one-time set-up link, sign-in with a
//! password then a TOTP code, sessions bound to a generation and to their sign-in event, and
//! sign-out.
//!
//! Failures of either sign-in step count towards one backoff per admin
//! ([`crate::accounts::lockout`], [`crate::accounts::lockout::ADMIN_BACKOFF`]), and are
//! audited. The session cookie itself is the web layer's; the checks against storage are here.

mod session;
mod setup;
mod sign_in;

pub use session::{pending_admin, session_admin, sign_out, sign_out_everywhere};
pub use setup::{complete_setup, setup_admin, tenant};
pub use sign_in::{complete_sign_in, password_step, totp_step, TotpStep};

use super::audit::NewAuditEvent;
use super::Admin;
use crate::domain::audit::{Event, Outcome};
use std::net::IpAddr;

/// Whether an admin can sign in at all (set up, not disabled).
pub fn usable(a: &Admin) -> bool {
    !a.disabled && a.password_hash.is_some() && a.totp_secret.is_some()
}

/// An event about sign-in or set-up, before there is a session: actor `admin:<id>` for a
/// known admin, else `anonymous`.
pub fn sign_in_event(
    now: chrono::NaiveDateTime,
    admin: Option<&Admin>,
    name: Event,
    outcome: Outcome,
    ip: Option<IpAddr>,
) -> NewAuditEvent {
    let actor = admin.map_or_else(|| "anonymous".to_string(), |a| format!("admin:{}", a.id));
    let mut e = NewAuditEvent::new(now, &actor, name, outcome);
    e.ip = ip.map(|i| i.to_string());
    if let Some(a) = admin {
        e.tenant_id = a.tenant_id.clone();
        e.email = Some(a.email.to_string());
    }
    e
}

fn admin_id(a: &Admin) -> crate::domain::AdminId {
    a.id.clone()
}
