//! Email verification links (`/verify/{token}`, mailed by the reset worker to unverified
//! guests: [`crate::mail::VERIFY_EMAIL_PATH`]).
//!
//! The GET only shows a "Confirm my email address" button: mail scanners open links, and a GET
//! must not consume anything. The CSRF-protected POST redeems the token (only its hash is
//! stored) with one guarded UPDATE and marks the address verified. Every bad, used or expired
//! token gets the same page.

use super::csrf::{CsrfForm, NoFields};
use super::reset::client_ip;
use super::session::audit_guest;
use super::{page, AppError, AppState};
use crate::db::email_verifications::{self, EmailVerification};
use crate::db::users;
use crate::domain::audit::{Event, Outcome};
use crate::domain::UserId;
use crate::security::TokenHash;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

/// The `purpose` of the verification rows this page redeems (other flows keep their own).
const PURPOSE: &str = "verify";

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

/// The live verification row for a presented token, if any.
async fn find(state: &AppState, presented: &str) -> Result<Option<EmailVerification>, AppError> {
    let Some(hash) = TokenHash::of_presented(presented) else {
        return Ok(None);
    };
    let (hash, now) = (hash.into_string(), state.now());
    let row = state
        .db
        .run(move |c| email_verifications::find_live(c, &hash, now))
        .await?;
    Ok(row.filter(|r| r.purpose == PURPOSE))
}

/// `GET /verify/{token}`: the confirm button (nothing is changed).
async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    match find(&state, &token).await? {
        Some(_) => {
            let ctx = ConfirmPage {
                action: format!("{}{}", crate::mail::VERIFY_EMAIL_PATH, token),
            };
            page::ok(&req, &state, "verify/confirm.html", &ctx)
        }
        None => invalid(&req, &state),
    }
}

/// `POST /verify/{token}`: marks the address verified, once.
async fn redeem(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let ip = client_ip(&req);
    let Some(row) = find(&state, &path.into_inner()).await? else {
        audit_guest(
            &state,
            Event::EmailVerification,
            Outcome::Failure,
            None,
            Some("invalid"),
            ip,
        )
        .await?;
        return invalid(&req, &state);
    };
    let now = state.now();
    let (redeemed, user) = state
        .db
        .run(move |c| {
            let redeemed = email_verifications::redeem(c, &row, now)?;
            let user = match &row.user_id {
                Some(id) => users::find_by_id(c, &UserId::from_string(id.clone()))?,
                None => None,
            };
            Ok((redeemed, user))
        })
        .await?;
    if !redeemed {
        audit_guest(
            &state,
            Event::EmailVerification,
            Outcome::Failure,
            user.as_ref(),
            Some("used"),
            ip,
        )
        .await?;
        return invalid(&req, &state);
    }
    if user.as_ref().is_none_or(|u| u.verified_at.is_none()) {
        // The account's address changed since the link was sent: nothing was verified.
        audit_guest(
            &state,
            Event::EmailVerification,
            Outcome::Failure,
            user.as_ref(),
            Some("address_changed"),
            ip,
        )
        .await?;
        return invalid(&req, &state);
    }
    audit_guest(
        &state,
        Event::EmailVerified,
        Outcome::Success,
        user.as_ref(),
        None,
        ip,
    )
    .await?;
    page::ok(&req, &state, "verify/done.html", &Empty {})
}

/// The one page for every bad, used or expired link (200, like the reset's invalid page).
fn invalid(req: &HttpRequest, state: &AppState) -> Result<HttpResponse, AppError> {
    page::render(req, state, StatusCode::OK, "verify/invalid.html", &Empty {})
}
