//! The helpdesk changes to a guest (authenticator, lockout, bounce), each one transaction with
//! its audit event ([`crate::console::guests::act`]).

use super::view::{guest_event, load, GuestFrame};
use crate::console::guests::{self, Action};
use crate::web::admin::{see_other, AdminPage};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::AppError;
use actix_web::{web, HttpResponse};

/// Runs one helpdesk change and its audit event, then shows the guest again.
async fn act(
    page: &AdminPage,
    id: &str,
    done: &'static str,
    action: Action,
) -> Result<HttpResponse, AppError> {
    let user = load(page, id).await?;
    let event = guest_event(page, &user, action.event_name());
    guests::act(&page.state, &user, action, event).await?;
    Ok(see_other(&format!("/admin/guests/{}?done={done}", user.id)))
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

/// `POST /admin/guests/{id}/reset-totp`: removes the authenticator (lost phone). Outstanding
/// reset links that required it die with it (docs/security.md#6).
pub(super) async fn reset_totp(
    page: AdminPage,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    act(&page, &path, "reset-totp", Action::ResetTotp).await
}

/// `POST /admin/guests/{id}/unlock`: lifts a lockout after failed resets.
pub(super) async fn unlock(
    page: AdminPage,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    act(&page, &path, "unlock", Action::Unlock).await
}

/// `POST /admin/guests/{id}/mark-bounced`: the address cannot receive mail (policy rule 6);
/// outstanding reset links die (docs/security.md#6).
pub(super) async fn mark_bounced(
    page: AdminPage,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    act(&page, &path, "mark-bounced", Action::MarkBounced).await
}

/// `POST /admin/guests/{id}/mark-deliverable`: forgets a recorded bounce.
pub(super) async fn mark_deliverable(
    page: AdminPage,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    act(&page, &path, "mark-deliverable", Action::MarkDeliverable).await
}
