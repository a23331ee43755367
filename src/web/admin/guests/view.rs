//! One guest as the pages show it, looked up within what the admin may see, and the audit event
//! about them.

use crate::accounts::User;
use crate::console::audit::NewAuditEvent;
use crate::console::guests;
use crate::domain::audit::{Event, Outcome};
use crate::web::admin::{AdminCtx, Frame};
use crate::web::{AppError, AppState};
use chrono::NaiveDateTime;
use serde::Serialize;

/// A guest as the pages show it (never the password hash or the TOTP seed).
#[derive(Serialize)]
pub(super) struct GuestView {
    id: String,
    tenant_id: String,
    email: String,
    display_name: Option<String>,
    verified_at: Option<String>,
    bounced_at: Option<String>,
    bounce_reason: Option<String>,
    totp_enrolled: bool,
    disabled: bool,
    locked_until: Option<String>,
    locked: bool,
    password_changed_at: Option<String>,
}

impl GuestView {
    pub(super) fn of(admin: &AdminCtx, u: &User, now: NaiveDateTime) -> Self {
        let time = |t: NaiveDateTime| admin.time(t);
        Self {
            id: u.id.to_string(),
            tenant_id: u.tenant_id.to_string(),
            email: u.email.to_string(),
            display_name: u.display_name.clone(),
            verified_at: u.verified_at.map(time),
            bounced_at: u.bounced_at.map(time),
            bounce_reason: u.bounce_reason.clone(),
            totp_enrolled: u.totp_secret.is_some(),
            disabled: u.disabled,
            locked_until: u.locked_until.map(time),
            locked: u.locked_until.is_some_and(|t| t > now),
            password_changed_at: u.password_changed_at.map(time),
        }
    }
}

/// What every page about one guest shows: the console's frame and the guest. Pages flatten it
/// into their context.
#[derive(Serialize)]
pub(super) struct GuestFrame {
    #[serde(flatten)]
    frame: Frame,
    guest: GuestView,
}

impl GuestFrame {
    pub(super) fn of(admin: &AdminCtx, user: &User, now: NaiveDateTime) -> Self {
        Self {
            frame: admin.frame(),
            guest: GuestView::of(admin, user, now),
        }
    }
}

/// The guest, if this admin may see it (else 404, docs/security.md#35).
pub(super) async fn load(state: &AppState, admin: &AdminCtx, id: &str) -> Result<User, AppError> {
    guests::find(state, id)
        .await?
        .filter(|u| admin.may_see(Some(&u.tenant_id)))
        .ok_or(AppError::NotFound)
}

/// An audit event about `user` by `admin`.
pub(super) fn guest_event(
    state: &AppState,
    admin: &AdminCtx,
    user: &User,
    name: Event,
) -> NewAuditEvent {
    let mut e = admin.event(state.now(), name, Outcome::Success);
    e.tenant_id = Some(user.tenant_id.clone());
    e.user_id = Some(user.id.clone());
    e.email = Some(user.email.to_string());
    e
}
