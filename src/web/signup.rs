//! Self-service signup (docs/onboarding.md): `/signup` takes an address and always answers with the
//! same "check your email" page (docs/security.md#11: no account enumeration); the mailed link
//! `/signup/complete/{token}` sets the password and creates the verified account in the tenant
//! of its domain.

use super::csrf::CsrfForm;
use super::invite;
use super::reset::client_ip;
use super::{page, AppError, AppState};
use crate::onboarding::signup;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

/// Registers `/signup` and `/signup/complete/{token}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/signup").get(form).post(submit))
        .service(
            web::resource("/signup/complete/{token}")
                .get(invite::form::<true>)
                .post(invite::submit::<true>),
        );
}

#[derive(Serialize)]
struct Empty {}

/// `GET /signup`.
async fn form(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    if !state.settings.directory.creates_accounts() {
        return invite::read_only(&req, &state, true);
    }
    page::ok(
        &req,
        &state,
        "signup/request.html",
        &page::AddressPage::default(),
    )
}

#[derive(Deserialize)]
pub(crate) struct EmailForm {
    #[serde(default)]
    email: String,
}

/// `POST /signup`: a malformed address re-renders the form (that reveals nothing about
/// accounts); anything else queues the mail and shows the uniform page.
async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<EmailForm>,
) -> Result<HttpResponse, AppError> {
    if !state.settings.directory.creates_accounts() {
        return invite::read_only(&req, &state, true);
    }
    let email = match page::typed_address(&req, &state, &form.0.email, "signup/request.html")? {
        Ok(email) => email,
        Err(form_again) => return Ok(form_again),
    };
    signup::request_signup(
        &state,
        &email,
        client_ip(&req),
        Some(super::lang::of_request(&req, &state)),
    )
    .await?;
    page::ok(&req, &state, "signup/check_email.html", &Empty {})
}
