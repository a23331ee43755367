//! Sign-out: this session, or every session of the admin.

use super::common::without_session;
use crate::console::auth;
use crate::domain::audit::{Event, Outcome};
use crate::web::admin::AdminPage;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::AppError;
use actix_web::HttpResponse;

/// Where a signed-out browser lands: the sign-in page, saying so.
const SIGNED_OUT: &str = "/admin/login?signed_out=1";

/// `POST /admin/logout`: ends this session. The cookie is removed, and the sign-out event
/// names the session, so a copy of the cookie is refused from now on.
pub(super) async fn logout(
    page: AdminPage,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let event = page.event(Event::AdminSignedOut, Outcome::Success);
    auth::sign_out(&page.state, event).await?;
    Ok(without_session(&page.state, SIGNED_OUT))
}

/// `POST /admin/logout/everywhere`: ends every session of this admin, in every browser.
pub(super) async fn logout_everywhere(
    page: AdminPage,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let event = page.event(Event::AdminSignedOutEverywhere, Outcome::Success);
    auth::sign_out_everywhere(&page.state, page.admin().id.clone(), event).await?;
    Ok(without_session(&page.state, SIGNED_OUT))
}
