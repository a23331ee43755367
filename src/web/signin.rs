//! Guest sign-in and sign-out (`/signin`, `/signout`).
//!
//! One answer for every failure ("That email and password don't match") and the same status;
//! the checks are [`crate::accounts::signin`]'s. A successful sign-in starts a brand-new
//! session cookie (no fixation) and gives the browser a device cookie entry for the account
//! ([`super::device`]); sign-out ends every session of the user (see [`super::session`]).

use super::csrf::{CsrfForm, NoFields};
use super::device;
use super::page::{self, see_other};
use super::reset::client_ip;
use super::session;
use super::{lang, AppError, AppState};
use crate::accounts::lockout::Account;
use crate::accounts::{language, signin};
use actix_web::{web, HttpRequest, HttpResponse};
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
async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<SignInQuery>,
) -> Result<HttpResponse, AppError> {
    if session::current(&req, &state).await?.is_some() {
        return Ok(see_other("/account"));
    }
    let ctx = SignInPage {
        signed_out: q.signed_out.is_some(),
        ..SignInPage::default()
    };
    page::ok(&req, &state, "signin/signin.html", &ctx)
}

#[derive(Deserialize)]
pub(crate) struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// `POST /signin`.
async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<SignInForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let trusted = device::read(&req, &state);
    match signin::sign_in(
        &state,
        &form.email,
        &form.password,
        client_ip(&req),
        &trusted,
    )
    .await?
    {
        Some(user) => {
            // The language this browser chose on the way becomes the guest's stored one when
            // they have none (docs/languages.md).
            language::remember_at_sign_in(
                &state,
                &user,
                lang::chosen(&req, &state),
                client_ip(&req),
            )
            .await?;
            Ok(HttpResponse::SeeOther()
                .cookie(session::start(&state, &user))
                .cookie(device::after_sign_in(
                    &req,
                    &state,
                    Account::Guest(&user.user_id()),
                ))
                .insert_header(("location", "/account"))
                .finish())
        }
        None => {
            let ctx = SignInPage {
                email: page::echo(&form.email),
                error: Some(lang::of_request(&req, &state).t("signin-failed")),
                signed_out: false,
            };
            page::ok(&req, &state, "signin/signin.html", &ctx)
        }
    }
}

/// `POST /signout`: ends every session of the user (the generation moves on, so a copy of the
/// old cookie is worthless too) and removes the cookie from this browser.
async fn signout(
    req: HttpRequest,
    state: web::Data<AppState>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    if let Some(s) = session::current(&req, &state).await? {
        signin::sign_out(&state, &s.user, client_ip(&req)).await?;
    }
    Ok(HttpResponse::SeeOther()
        .cookie(session::removal(&state))
        .insert_header(("location", "/signin?signed_out=1"))
        .finish())
}
