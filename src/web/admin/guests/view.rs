//! One guest as the pages show it, looked up within what the admin may see, and the audit event
//! about them.

use crate::accounts::User;
use crate::console::audit::NewAuditEvent;
use crate::console::guests;
use crate::domain::audit::{Event, Outcome};
use crate::web::admin::{AdminCtx, AdminPage, Frame};
use crate::web::AppError;
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
    pub(super) fn of(page: &AdminPage, user: &User) -> Self {
        Self {
            frame: page.admin().frame(),
            guest: GuestView::of(page.admin(), user, page.state.now()),
        }
    }
}

/// The guest, if this admin may see it (else 404, docs/security.md#35).
pub(super) async fn load(page: &AdminPage, id: &str) -> Result<User, AppError> {
    guests::find(&page.state, id)
        .await?
        .filter(|u| page.admin().may_see(Some(&u.tenant_id)))
        .ok_or(AppError::NotFound)
}

/// An audit event about `user` by the page's admin.
pub(super) fn guest_event(page: &AdminPage, user: &User, name: Event) -> NewAuditEvent {
    let mut e = page.event(name, Outcome::Success);
    e.tenant_id = Some(user.tenant_id.clone());
    e.user_id = Some(user.id.clone());
    e.email = Some(user.email.to_string());
    e
}
