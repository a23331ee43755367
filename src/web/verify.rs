//! Email verification links (`/verify/{token}`, mailed by the reset worker to unverified
//! guests: [`crate::mail::VERIFY_EMAIL_PATH`]).
//!
//! The GET only shows a "Confirm my email address" button: mail scanners open links, and a GET
//! must not consume anything. The CSRF-protected POST redeems the token
//! ([`crate::accounts::verification`]). Every bad, used or expired token gets the same page.
//! For an account created from an invitation's `CcEmail` copy the page also asks the owner for
//! a new password, which replaces the copy holder's in the same step (docs/security.md#33).

use super::csrf::CsrfForm;
use super::invite::PasswordForm;
use super::reset::client_ip;
use super::{lang, page, AppError, AppState};
use crate::accounts::verification::{self, LinkPage, TypedPassword, Verified};
use crate::i18n::messages;
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
    /// Why the password typed was refused, in the page's language.
    error: Option<String>,
    link: LinkPage,
}

impl ConfirmPage {
    fn new(req: &HttpRequest, state: &AppState, token: &str, link: LinkPage) -> Self {
        let error = link
            .error
            .as_ref()
            .map(|r| messages::password_rejection(lang::of_request(req, state), r));
        ConfirmPage {
            action: action(token),
            error,
            link,
        }
    }
}

#[derive(Serialize)]
struct DonePage {
    password_set: bool,
}

#[derive(Serialize)]
struct Empty {}

fn action(token: &str) -> String {
    format!("{}{}", crate::mail::VERIFY_EMAIL_PATH, token)
}

/// `GET /verify/{token}`: the confirm button (nothing is changed).
async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let Some(link) = verification::open(&state, &token).await? else {
        return invalid(&req, &state);
    };
    let ctx = ConfirmPage::new(&req, &state, &token, link);
    page::ok(&req, &state, "verify/confirm.html", &ctx)
}

/// `POST /verify/{token}`: marks the address verified, once (with the owner's new password when
/// the account came from a `CcEmail` copy).
async fn redeem(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: CsrfForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let f = form.0;
    let typed = TypedPassword {
        password: &f.password,
        confirm: &f.password_confirm,
    };
    match verification::redeem(&state, &token, typed, client_ip(&req)).await? {
        Verified::Done { password_set } => {
            page::ok(&req, &state, "verify/done.html", &DonePage { password_set })
        }
        Verified::ChoosePassword(link) => page::ok(
            &req,
            &state,
            "verify/confirm.html",
            &ConfirmPage::new(&req, &state, &token, link),
        ),
        Verified::Invalid => invalid(&req, &state),
    }
}

/// The one page for every bad, used or expired link (200, like the reset's invalid page).
fn invalid(req: &HttpRequest, state: &AppState) -> Result<HttpResponse, AppError> {
    page::render(req, state, StatusCode::OK, "verify/invalid.html", &Empty {})
}
