//! Email verification links (`/verify/{token}`, mailed by the reset worker to unverified
//! guests: [`crate::mail::VERIFY_EMAIL_PATH`]).
//!
//! The GET only shows a "Confirm my email address" button: mail scanners open links, and a GET
//! must not consume anything. The CSRF-protected POST redeems the token
//! ([`crate::accounts::verification`]). Every bad, used or expired token gets the same page.

use super::csrf::{CsrfForm, NoFields};
use super::reset::client_ip;
use super::{page, AppError, AppState};
use crate::accounts::verification::{self, Verified};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

/// Registers `GET/POST /verify/{token}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/verify/{token}").get(confirm).post(redeem));
}

#[derive(Serialize)]
struct ConfirmPage {
    /// The form posts back to the same path; the token is already in the URL.
    action: String,
}

#[derive(Serialize)]
struct Empty {}

/// `GET /verify/{token}`: the confirm button (nothing is changed).
async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    if !verification::is_live(&state, &token).await? {
        return invalid(&req, &state);
    }
    let ctx = ConfirmPage {
        action: format!("{}{}", crate::mail::VERIFY_EMAIL_PATH, token),
    };
    page::ok(&req, &state, "verify/confirm.html", &ctx)
}

/// `POST /verify/{token}`: marks the address verified, once.
async fn redeem(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    match verification::redeem(&state, &path.into_inner(), client_ip(&req)).await? {
        Verified::Done => page::ok(&req, &state, "verify/done.html", &Empty {}),
        Verified::Invalid => invalid(&req, &state),
    }
}

/// The one page for every bad, used or expired link (200, like the reset's invalid page).
fn invalid(req: &HttpRequest, state: &AppState) -> Result<HttpResponse, AppError> {
    page::render(req, state, StatusCode::OK, "verify/invalid.html", &Empty {})
}
