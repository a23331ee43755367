//! Guest sign-in and sign-out (`/signin`, `/signout`).
//!
//! One answer for every failure ("That email and password don't match"), the same status, and
//! the same argon2 work whether or not the account exists: an unknown address is verified
//! against the hasher's dummy hash (docs/security.md#12). A disabled account cannot sign in. A
//! successful sign-in starts a brand-new session cookie (no fixation); sign-out ends every
//! session of the user (see [`super::session`]).

use super::csrf::{CsrfForm, NoFields};
use super::reset::client_ip;
use super::session::{self, audit_guest};
use super::{page, AppError, AppState};
use crate::db::models::User;
use crate::db::users;
use crate::domain::password::normalize_for_sign_in;
use crate::domain::EmailAddress;
use crate::ratelimit::{Allowance, FailureKind};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// The one sentence every failed sign-in gets.
pub const SIGNIN_FAILED: &str = "That email and password don't match. Check them and try again.";

/// Registers `GET/POST /signin` and `POST /signout`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/signin").get(form).post(submit))
        .service(web::resource("/signout").post(signout));
}

#[derive(Serialize, Default)]
struct SignInPage {
    email: String,
    error: Option<&'static str>,
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
    match authenticate(&state, &form.email, &form.password, client_ip(&req)).await? {
        Some(user) => Ok(HttpResponse::SeeOther()
            .cookie(session::start(&state, &user))
            .insert_header(("location", "/account"))
            .finish()),
        None => {
            let ctx = SignInPage {
                email: form.email.chars().take(254).collect(),
                error: Some(SIGNIN_FAILED),
                signed_out: false,
            };
            page::ok(&req, &state, "signin/signin.html", &ctx)
        }
    }
}

/// Checks an email and password; audits the attempt. `None` for every kind of failure.
async fn authenticate(
    state: &AppState,
    email: &str,
    password: &str,
    ip: Option<IpAddr>,
) -> Result<Option<User>, AppError> {
    // An over-long password is refused before any hashing (docs/security.md#20); it says nothing
    // about accounts.
    let Some(secret) = normalize_for_sign_in(password) else {
        audit_guest(
            state,
            "signin",
            "failure",
            None,
            Some("password_too_long"),
            ip,
        )
        .await?;
        return Ok(None);
    };
    let user = match EmailAddress::parse(email) {
        Ok(email) => {
            state
                .db
                .run(move |c| users::find_by_email(c, &email))
                .await?
        }
        Err(_) => None,
    };
    // Failed sign-ins back off exponentially per account, and stop at 100 in a row (NIST
    // SP 800-63B). A throttled attempt gets the same answer as a wrong password.
    let limits = &state.rate_limits.persistent;
    let throttled = match &user {
        Some(u) => !matches!(
            limits
                .failure_allowance(&u.user_id(), FailureKind::SignIn)
                .await?,
            Allowance::Allowed
        ),
        None => false,
    };
    // Always one argon2 verify: against the stored hash, or the dummy one (same cost).
    let stored = user.as_ref().and_then(|u| u.password_hash.as_deref());
    let matched = state
        .hasher
        .verify(secret, stored)
        .await
        .map_err(AppError::Unexpected)?;
    let reason = match &user {
        None => Some("unknown_account"),
        Some(_) if throttled => Some("throttled"),
        Some(u) if u.disabled => Some("account_disabled"),
        Some(u) if u.password_hash.is_none() => Some("no_password"),
        Some(_) if !matched => Some("wrong_password"),
        Some(_) => None,
    };
    match reason {
        None => {
            if let Some(u) = &user {
                limits
                    .reset_failures(&u.user_id(), FailureKind::SignIn)
                    .await?;
            }
            audit_guest(state, "signin", "success", user.as_ref(), None, ip).await?;
            Ok(user)
        }
        Some(reason) => {
            if let Some(u) = user.as_ref().filter(|_| reason == "wrong_password") {
                limits
                    .record_failure(&u.user_id(), FailureKind::SignIn)
                    .await?;
            }
            audit_guest(state, "signin", "failure", user.as_ref(), Some(reason), ip).await?;
            Ok(None)
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
        let id = s.user_id();
        let now = state.now();
        state
            .db
            .run(move |c| users::bump_session_generation(c, &id, now))
            .await?;
        audit_guest(
            &state,
            "signout",
            "success",
            Some(&s.user),
            None,
            client_ip(&req),
        )
        .await?;
    }
    Ok(HttpResponse::SeeOther()
        .cookie(session::removal(&state))
        .insert_header(("location", "/signin?signed_out=1"))
        .finish())
}

fn see_other(path: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("location", path))
        .finish()
}
