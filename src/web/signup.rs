//! Self-service signup (docs/onboarding.md): `/signup` takes an address and always answers with the
//! same "check your email" page (docs/security.md#11: no account enumeration); the mailed link
//! `/signup/complete/{token}` sets the password and creates the verified account in the tenant
//! of its domain.

use super::csrf::CsrfForm;
use super::invite::{invalid, outcome_page, read_only, PasswordForm, PasswordPage};
use super::reset::client_ip;
use super::{page, AppError, AppState};
use crate::domain::EmailAddress;
use crate::onboarding::signup;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

/// Registers `/signup` and `/signup/complete/{token}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/signup").get(form).post(submit))
        .service(
            web::resource("/signup/complete/{token}")
                .get(complete_form)
                .post(complete),
        );
}

#[derive(Serialize, Default)]
struct FormPage {
    email: String,
    error: Option<String>,
}

#[derive(Serialize)]
struct Empty {}

/// `GET /signup`.
async fn form(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    if !state.settings.directory.creates_accounts() {
        return read_only(&req, &state, true);
    }
    page::ok(&req, &state, "signup/request.html", &FormPage::default())
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
        return read_only(&req, &state, true);
    }
    let email = match EmailAddress::parse(&form.0.email) {
        Ok(e) => e,
        Err(e) => {
            let ctx = FormPage {
                email: form.0.email.chars().take(254).collect(),
                error: Some(e.to_string()),
            };
            return page::render(
                &req,
                &state,
                StatusCode::BAD_REQUEST,
                "signup/request.html",
                &ctx,
            );
        }
    };
    signup::request_signup(&state, &email, client_ip(&req)).await?;
    page::ok(&req, &state, "signup/check_email.html", &Empty {})
}

fn action(token: &str) -> String {
    format!("{}{token}", crate::mail::SIGNUP_PATH)
}

/// `GET /signup/complete/{token}`: the set-password form (nothing is consumed).
async fn complete_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    match signup::open_signup(&state, &token).await? {
        Some(_) if !state.settings.directory.creates_accounts() => read_only(&req, &state, true),
        Some(pending) => page::ok(
            &req,
            &state,
            "invite/password.html",
            &PasswordPage {
                pending,
                action: action(&token),
                error: None,
            },
        ),
        None => invalid(&req, &state, true),
    }
}

/// `POST /signup/complete/{token}`: creates the account.
async fn complete(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: CsrfForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let f = form.0;
    let outcome = signup::complete_signup(
        &state,
        &token,
        &f.password,
        &f.password_confirm,
        client_ip(&req),
    )
    .await?;
    outcome_page(&req, &state, outcome, action(&token), true)
}
