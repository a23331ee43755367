//! Self-service signup (docs/onboarding.md): `/signup` takes an address and always answers with the
//! same "check your email" page (docs/security.md#11: no account enumeration); the mailed link
//! `/signup/complete/{token}` sets the password and creates the verified account in the tenant
//! of its domain.

use super::csrf::CsrfForm;
use super::invite;
use super::page::{AddressPage, Page};
use super::AppError;
use crate::onboarding::signup;
use actix_web::{web, HttpResponse};
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
async fn form(page: Page) -> Result<HttpResponse, AppError> {
    if !page.state.settings.directory.creates_accounts() {
        return invite::read_only(&page, true);
    }
    page.ok("signup/request.html", &AddressPage::default())
}

#[derive(Deserialize)]
pub(crate) struct EmailForm {
    #[serde(default)]
    email: String,
}

/// `POST /signup`: a malformed address re-renders the form (that reveals nothing about
/// accounts); anything else queues the mail and shows the uniform page.
async fn submit(page: Page, form: CsrfForm<EmailForm>) -> Result<HttpResponse, AppError> {
    if !page.state.settings.directory.creates_accounts() {
        return invite::read_only(&page, true);
    }
    let email = match page.typed_address(&form.0.email, "signup/request.html")? {
        Ok(email) => email,
        Err(form_again) => return Ok(form_again),
    };
    signup::request_signup(&page.state, &email, page.client_ip(), Some(page.lang())).await?;
    page.ok("signup/check_email.html", &Empty {})
}
