//! The helpdesk changes to a guest (authenticator, lockout, bounce), each one transaction with
//! its audit event ([`crate::console::guests::act`]).

use super::view::{guest_event, load, GuestFrame};
use crate::console::guests::{self, Action};
use crate::web::admin::{see_other, AdminPage};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::AppError;
use actix_web::{web, HttpResponse};

/// The helpdesk change a route names by its last segment (also the `done` notice it leaves).
fn action_of(slug: &str) -> Option<Action> {
    Some(match slug {
        // Outstanding reset links that required the authenticator die with it
        // (docs/security.md#6).
        "reset-totp" => Action::ResetTotp,
        "unlock" => Action::Unlock,
        // Outstanding reset links die (docs/security.md#6).
        "mark-bounced" => Action::MarkBounced,
        "mark-deliverable" => Action::MarkDeliverable,
        _ => return None,
    })
}

/// `GET /admin/guests/{id}/reset-totp`: what removing the authenticator does, a reminder to
/// check who is asking, and the button that does it. Changes nothing.
pub(super) async fn reset_totp_form(
    page: AdminPage,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let user = load(&page, &path).await?;
    page.ok("admin/guest_reset_totp.html", &GuestFrame::of(&page, &user))
}

/// `POST /admin/guests/{id}/{reset-totp | unlock | mark-bounced | mark-deliverable}`: runs
/// that helpdesk change ([`Action`]) and its audit event, then shows the guest again.
pub(super) async fn act(
    page: AdminPage,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let slug = page
        .req
        .match_pattern()
        .and_then(|p| p.rsplit('/').next().map(str::to_string))
        .unwrap_or_default();
    let action = action_of(&slug).ok_or(AppError::NotFound)?;
    let user = load(&page, &path).await?;
    let event = guest_event(&page, &user, action.event_name());
    guests::act(&page.state, &user, action, event).await?;
    Ok(see_other(&format!("/admin/guests/{}?done={slug}", user.id)))
}
