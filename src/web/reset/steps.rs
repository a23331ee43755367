//! The steps after the link or code: the TOTP step, the new password, and the done page.

use super::super::cookies::{self, RESET_DONE, RESET_FLOW, RESET_TOKEN};
use super::super::csrf::CsrfForm;
use super::super::page::{see_other, Page};
use super::super::{AppError, AppState};
use super::{invalid, token_cookie, CodeForm};
use crate::accounts::User;
use crate::domain::password::PasswordRejection;
use crate::i18n::messages::{self, tries_left_sentence};
use crate::reset::redeem::{self, CompleteOutcome, Next, TotpOutcome};
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::SameSite;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Default)]
struct StepPage {
    error: Option<String>,
}

/// The step the reset token in the cookie is at, and its user; `None` when there is no token
/// or it is no longer live.
async fn live_step(page: &Page) -> Result<Option<(Next, User)>, AppError> {
    let Some(id) = token_cookie(page) else {
        return Ok(None);
    };
    Ok(redeem::load_live(&page.state, &id)
        .await?
        .map(|(token, user, _)| (Next::of(&token, &user), user)))
}

pub(super) async fn verify_form(page: Page) -> Result<HttpResponse, AppError> {
    match live_step(&page).await? {
        Some((Next::Totp, _)) => page.ok("reset/verify.html", &StepPage::default()),
        Some(_) => Ok(see_other(Next::NewPassword.path())),
        None => invalid(&page, false),
    }
}

pub(super) async fn verify(page: Page, form: CsrfForm<CodeForm>) -> Result<HttpResponse, AppError> {
    let Some(id) = token_cookie(&page) else {
        return invalid(&page, false);
    };
    match redeem::verify_totp(&page.state, &id, &form.0.code, page.client_ip()).await? {
        TotpOutcome::Accepted => Ok(see_other(Next::NewPassword.path())),
        TotpOutcome::Wrong { tries_left } => {
            let ctx = StepPage {
                error: Some(format!(
                    "{}{}",
                    page.lang().t("totp-wrong"),
                    tries_left_sentence(page.lang(), tries_left)
                )),
            };
            page.ok("reset/verify.html", &ctx)
        }
        TotpOutcome::Burned | TotpOutcome::Invalid => invalid(&page, false),
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

pub(super) async fn new_form(page: Page) -> Result<HttpResponse, AppError> {
    match live_step(&page).await? {
        Some((Next::Totp, _)) => Ok(see_other(Next::Totp.path())),
        Some((_, user)) => {
            crate::web::brand::for_user(&page.req, &page.state, &user).await?;
            let ctx = NewPage::new(&page.state, user.email.to_string());
            page.ok("reset/new.html", &ctx)
        }
        None => invalid(&page, false),
    }
}

#[derive(Deserialize)]
pub(crate) struct NewPasswordForm {
    password: String,
    password_confirm: String,
}

pub(super) async fn new_password(
    page: Page,
    form: CsrfForm<NewPasswordForm>,
) -> Result<HttpResponse, AppError> {
    let Some(id) = token_cookie(&page) else {
        return invalid(&page, false);
    };
    let Page { req, state, .. } = &page;
    let form = form.0;
    let outcome = redeem::complete(
        state,
        &id,
        &form.password,
        &form.password_confirm,
        page.client_ip(),
        Some(page.lang()),
        super::browser(req),
    )
    .await?;
    let lang = page.lang();
    let (error, error_field) = match outcome {
        CompleteOutcome::Done => {
            return Ok(HttpResponse::SeeOther()
                .cookie(cookies::removal(state, RESET_TOKEN))
                .cookie(cookies::removal(state, RESET_FLOW))
                .cookie(cookies::sealed(
                    state,
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
            return page.render(StatusCode::SERVICE_UNAVAILABLE, "errors/error.html", &ctx);
        }
        CompleteOutcome::AlreadyUsed => return invalid(&page, true),
        CompleteOutcome::TotpPending => return Ok(see_other(Next::Totp.path())),
        CompleteOutcome::Invalid => return invalid(&page, false),
    };
    let email = match redeem::load_live(state, &id).await? {
        Some((_, user, _)) => {
            crate::web::brand::for_user(req, state, &user).await?;
            user.email.to_string()
        }
        None => String::new(),
    };
    let ctx = NewPage {
        error: Some(error),
        error_field,
        ..NewPage::new(state, email)
    };
    page.ok("reset/new.html", &ctx)
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
pub(super) async fn done(page: Page) -> Result<HttpResponse, AppError> {
    #[derive(Serialize)]
    struct Done {
        changed: bool,
    }
    let changed = cookies::open(&page.req, &page.state, RESET_DONE).is_some();
    page.ok("reset/done.html", &Done { changed })
}
