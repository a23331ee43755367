//! Sign-out: this session, or every session of the admin.

use super::common::without_session;
use crate::console::auth;
use crate::domain::audit::{Event, Outcome};
use crate::web::admin::AdminCtx;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::{AppError, AppState};
use actix_web::{web, HttpResponse};

/// Where a signed-out browser lands: the sign-in page, saying so.
const SIGNED_OUT: &str = "/admin/login?signed_out=1";

/// `POST /admin/logout`: ends this session. The cookie is removed, and the sign-out event
/// names the session, so a copy of the cookie is refused from now on.
pub(super) async fn logout(
    state: web::Data<AppState>,
    admin: AdminCtx,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let event = admin.event(state.now(), Event::AdminSignedOut, Outcome::Success);
    auth::sign_out(&state, event).await?;
    Ok(without_session(&state, SIGNED_OUT))
}

/// `POST /admin/logout/everywhere`: ends every session of this admin, in every browser.
pub(super) async fn logout_everywhere(
    state: web::Data<AppState>,
    admin: AdminCtx,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let event = admin.event(
        state.now(),
        Event::AdminSignedOutEverywhere,
        Outcome::Success,
    );
    auth::sign_out_everywhere(&state, admin.id.clone(), event).await?;
    Ok(without_session(&state, SIGNED_OUT))
}
