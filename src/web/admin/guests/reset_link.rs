//! The helpdesk reset link: `POST /admin/guests/{id}/reset-link`.

use super::show::show_page;
use super::view::{guest_event, load, GuestFrame};
use crate::console::guests::{self, ResetLink};
use crate::domain::audit::Event;
use crate::web::admin::AdminPage;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::AppError;
use actix_web::{web, HttpResponse};
use serde::Serialize;

#[derive(Serialize)]
struct LinkPage {
    #[serde(flatten)]
    guest: GuestFrame,
    link: String,
    expires_at: String,
    totp_required: bool,
}

/// `POST /admin/guests/{id}/reset-link`: a reset link valid 12 hours, shown once on this page
/// (only its hash is stored), by the reset service's one issuer. Issued only when the policy
/// allows a reset ([`crate::console::guests::issue_reset_link`]).
pub(super) async fn reset_link(
    page: AdminPage,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let user = load(&page, &path).await?;
    let event = guest_event(&page, &user, Event::HelpdeskResetLinkIssued);
    let issued = guests::issue_reset_link(&page.state, &user, page.admin().actor(), event).await?;
    let (secret, expires_at, totp_required) = match issued {
        ResetLink::Issued {
            secret,
            expires_at,
            totp_required,
        } => (secret, expires_at, totp_required),
        ResetLink::Refused(code) => {
            let error = format!(
                    "No link was issued: the policy refuses a reset for this guest ({code}). See the checks below."
                );
            return show_page(&page, user, None, Some(error)).await;
        }
    };
    let ctx = LinkPage {
        guest: GuestFrame::of(&page, &user),
        link: page
            .state
            .settings
            .link(&format!("/reset/link/{}", secret.expose())),
        expires_at: page.admin().time(expires_at),
        totp_required,
    };
    page.ok("admin/reset_link.html", &ctx)
}
