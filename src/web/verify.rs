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
use super::page::Page;
use super::AppError;
use crate::accounts::verification::{self, LinkPage, TypedPassword, Verified};
use crate::i18n::messages;
use actix_web::{web, HttpResponse};
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
    fn new(page: &Page, token: &str, link: LinkPage) -> Self {
        let error = link
            .error
            .as_ref()
            .map(|r| messages::password_rejection(page.lang(), r));
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
async fn confirm(page: Page, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let Some(link) = verification::open(&page.state, &token).await? else {
        return invalid(&page);
    };
    page.ok(
        "verify/confirm.html",
        &ConfirmPage::new(&page, &token, link),
    )
}

/// `POST /verify/{token}`: marks the address verified, once (with the owner's new password when
/// the account came from a `CcEmail` copy).
async fn redeem(
    page: Page,
    path: web::Path<String>,
    form: CsrfForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let f = form.0;
    let typed = TypedPassword {
        password: &f.password,
        confirm: &f.password_confirm,
    };
    match verification::redeem(&page.state, &token, typed, page.client_ip()).await? {
        Verified::Done { password_set } => page.ok("verify/done.html", &DonePage { password_set }),
        Verified::ChoosePassword(link) => page.ok(
            "verify/confirm.html",
            &ConfirmPage::new(&page, &token, link),
        ),
        Verified::Invalid => invalid(&page),
    }
}

/// The one page for every bad, used or expired link (200, like the reset's invalid page).
fn invalid(page: &Page) -> Result<HttpResponse, AppError> {
    page.ok("verify/invalid.html", &Empty {})
}
