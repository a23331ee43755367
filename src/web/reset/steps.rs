//! The steps after the link or code: the TOTP step, the new password, and the done page.

use super::super::cookies::{self, RESET_DONE, RESET_FLOW, RESET_TOKEN};
use super::super::csrf::CsrfForm;
use super::super::page::{self, see_other};
use super::super::{AppError, AppState};
use super::{client_ip, invalid, token_cookie, CodeForm};
use crate::accounts::User;
use crate::domain::password::PasswordRejection;
use crate::i18n::messages::{self, tries_left_sentence};
use crate::reset::redeem::{self, CompleteOutcome, Next, TotpOutcome};
use crate::web::lang;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::SameSite;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Default)]
struct StepPage {
    error: Option<String>,
}

/// The step the reset token in the cookie is at, and its user; `None` when there is no token
/// or it is no longer live.
async fn live_step(req: &HttpRequest, state: &AppState) -> Result<Option<(Next, User)>, AppError> {
    let Some(id) = token_cookie(req, state) else {
        return Ok(None);
    };
    Ok(redeem::load_live(state, &id)
        .await?
        .map(|(token, user, _)| (Next::of(&token, &user), user)))
}

pub(super) async fn verify_form(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    match live_step(&req, &state).await? {
        Some((Next::Totp, _)) => page::ok(&req, &state, "reset/verify.html", &StepPage::default()),
        Some(_) => Ok(see_other(Next::NewPassword.path())),
        None => invalid(&req, &state, false),
    }
}

pub(super) async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let Some(id) = token_cookie(&req, &state) else {
        return invalid(&req, &state, false);
    };
    match redeem::verify_totp(&state, &id, &form.0.code, client_ip(&req)).await? {
        TotpOutcome::Accepted => Ok(see_other(Next::NewPassword.path())),
        TotpOutcome::Wrong { tries_left } => {
            let ctx = StepPage {
                error: Some(format!(
                    "{}{}",
                    lang::of_request(&req, &state).t("totp-wrong"),
                    tries_left_sentence(lang::of_request(&req, &state), tries_left)
                )),
            };
            page::ok(&req, &state, "reset/verify.html", &ctx)
        }
        TotpOutcome::Burned | TotpOutcome::Invalid => invalid(&req, &state, false),
    }
}

/// The new-password form: which account it resets, and the error beside the field it is about
/// (GOV.UK's error summary + field error pattern).
#[derive(Serialize)]
struct NewPage {
    error: Option<String>,
    /// The id of the field the error is about: `password` or `password_confirm`.
    error_field: &'static str,
    min_chars: u32,
    email: String,
}

impl NewPage {
    fn new(state: &AppState, email: String) -> NewPage {
        NewPage {
            error: None,
            error_field: "password",
            min_chars: state.settings.password.min_chars,
            email,
        }
    }
}

pub(super) async fn new_form(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    match live_step(&req, &state).await? {
        Some((Next::Totp, _)) => Ok(see_other(Next::Totp.path())),
        Some((_, user)) => {
            crate::web::brand::for_user(&req, &state, &user).await?;
            page::ok(
                &req,
                &state,
                "reset/new.html",
                &NewPage::new(&state, user.email.to_string()),
            )
        }
        None => invalid(&req, &state, false),
    }
}

#[derive(Deserialize)]
pub(crate) struct NewPasswordForm {
    password: String,
    password_confirm: String,
}

pub(super) async fn new_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<NewPasswordForm>,
) -> Result<HttpResponse, AppError> {
    let Some(id) = token_cookie(&req, &state) else {
        return invalid(&req, &state, false);
    };
    let form = form.0;
    let outcome = redeem::complete(
        &state,
        &id,
        &form.password,
        &form.password_confirm,
        client_ip(&req),
        Some(lang::of_request(&req, &state)),
        super::browser(&req),
    )
    .await?;
    let lang = lang::of_request(&req, &state);
    let (error, error_field) = match outcome {
        CompleteOutcome::Done => {
            return Ok(HttpResponse::SeeOther()
                .cookie(cookies::removal(&state, RESET_TOKEN))
                .cookie(cookies::removal(&state, RESET_FLOW))
                .cookie(cookies::sealed(
                    &state,
                    RESET_DONE,
                    "done".into(),
                    SameSite::Lax,
                    Some(CookieDuration::minutes(DONE_MINUTES)),
                ))
                .insert_header(("location", "/reset/done"))
                .finish())
        }
        // The confirmation is what differs: the error sits on that field.
        CompleteOutcome::Rejected(PasswordRejection::Mismatch) => (
            messages::password_rejection(lang, &PasswordRejection::Mismatch),
            "password_confirm",
        ),
        CompleteOutcome::Rejected(reason) => {
            (messages::password_rejection(lang, &reason), "password")
        }
        CompleteOutcome::DirectoryRejected(rejection) => (
            messages::directory_rejection(lang, rejection.reason),
            "password",
        ),
        CompleteOutcome::DirectoryUnavailable => {
            let ctx = DirectoryDown {
                status: 503,
                title: lang.t("reset-failed-title"),
                message: lang.t("reset-failed-text"),
            };
            return page::render(
                &req,
                &state,
                StatusCode::SERVICE_UNAVAILABLE,
                "errors/error.html",
                &ctx,
            );
        }
        CompleteOutcome::AlreadyUsed => return invalid(&req, &state, true),
        CompleteOutcome::TotpPending => return Ok(see_other(Next::Totp.path())),
        CompleteOutcome::Invalid => return invalid(&req, &state, false),
    };
    let email = match redeem::load_live(&state, &id).await? {
        Some((_, user, _)) => {
            crate::web::brand::for_user(&req, &state, &user).await?;
            user.email.to_string()
        }
        None => String::new(),
    };
    let ctx = NewPage {
        error: Some(error),
        error_field,
        ..NewPage::new(&state, email)
    };
    page::render(&req, &state, StatusCode::OK, "reset/new.html", &ctx)
}

/// The directory could not take the new password (unreachable, timed out).
#[derive(serde::Serialize)]
struct DirectoryDown {
    status: u16,
    title: String,
    message: String,
}

/// How long after a completed reset `/reset/done` still confirms it in that browser.
const DONE_MINUTES: i64 = 15;

/// `/reset/done` confirms a change only in the browser that just completed one; opened any
/// other way it says that nothing was changed here.
pub(super) async fn done(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    #[derive(Serialize)]
    struct Done {
        changed: bool,
    }
    let changed = cookies::open(&req, &state, RESET_DONE).is_some();
    page::ok(&req, &state, "reset/done.html", &Done { changed })
}
