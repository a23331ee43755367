//! Guest sign-in and sign-out (`/signin`, `/signout`).
//!
//! One answer for every failure ("That email and password don't match") and the same status;
//! the checks are [`crate::accounts::signin`]'s. A successful sign-in starts a brand-new
//! session cookie (no fixation) and gives the browser a device cookie entry for the account
//! ([`super::device`]); sign-out ends every session of the user (see [`super::session`]).

use super::csrf::{CsrfForm, NoFields};
use super::device;
use super::page::{self, see_other, Page};
use super::session;
use super::{lang, AppError};
use crate::accounts::lockout::Account;
use crate::accounts::{language, signin};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

/// Registers `GET/POST /signin` and `POST /signout`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/signin").get(form).post(submit))
        .service(web::resource("/signout").post(signout));
}

#[derive(Serialize, Default)]
struct SignInPage {
    email: String,
    /// The one sentence every failed sign-in gets (`signin-failed`).
    error: Option<String>,
    signed_out: bool,
}

#[derive(Deserialize)]
pub(crate) struct SignInQuery {
    signed_out: Option<String>,
}

/// `GET /signin`: the form, or straight on to `/account` when already signed in.
async fn form(page: Page, q: web::Query<SignInQuery>) -> Result<HttpResponse, AppError> {
    if session::current(&page.req, &page.state).await?.is_some() {
        return Ok(see_other("/account"));
    }
    let ctx = SignInPage {
        signed_out: q.signed_out.is_some(),
        ..SignInPage::default()
    };
    page.ok("signin/signin.html", &ctx)
}

#[derive(Deserialize)]
pub(crate) struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// `POST /signin`.
async fn submit(page: Page, form: CsrfForm<SignInForm>) -> Result<HttpResponse, AppError> {
    let Page { req, state, .. } = &page;
    let SignInForm { email, password } = form.0;
    let trusted = device::read(req, state);
    let ip = page.client_ip();
    match signin::sign_in(state, &email, &password, ip, &trusted).await? {
        Some(user) => {
            // The language this browser chose on the way becomes the guest's stored one when
            // they have none (docs/languages.md).
            language::remember_at_sign_in(state, &user, lang::chosen(req, state), ip).await?;
            Ok(HttpResponse::SeeOther()
                .cookie(session::start(state, &user))
                .cookie(device::after_sign_in(
                    req,
                    state,
                    Account::Guest(&user.user_id()),
                ))
                .insert_header(("location", "/account"))
                .finish())
        }
        None => {
            let ctx = SignInPage {
                email: page::echo(&email),
                error: Some(page.lang().t("signin-failed")),
                signed_out: false,
            };
            page.ok("signin/signin.html", &ctx)
        }
    }
}

/// `POST /signout`: ends every session of the user (the generation moves on, so a copy of the
/// old cookie is worthless too) and removes the cookie from this browser.
async fn signout(page: Page, _form: CsrfForm<NoFields>) -> Result<HttpResponse, AppError> {
    if let Some(s) = session::current(&page.req, &page.state).await? {
        signin::sign_out(&page.state, &s.user, page.client_ip()).await?;
    }
    Ok(HttpResponse::SeeOther()
        .cookie(session::removal(&page.state))
        .insert_header(("location", "/signin?signed_out=1"))
        .finish())
}
