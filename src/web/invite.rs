//! Invitation links (`/invite/{token}`, mailed by [`crate::onboarding::invitations`]): the GET
//! shows the set-password form and changes nothing (mail scanners open links); the CSRF-checked
//! POST creates the account ([`crate::onboarding::accounts::redeem_invitation`]). Every bad,
//! used or expired link gets the same page.

use super::csrf::CsrfForm;
use super::reset::client_ip;
use super::{page, AppError, AppState};
use crate::onboarding::accounts::{self, AccountOutcome, PendingAccount};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

/// Registers `GET/POST /invite/{token}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/invite/{token}").get(form).post(submit));
}

/// The set-password form's page.
#[derive(Serialize)]
pub(super) struct PasswordPage {
    pub pending: PendingAccount,
    /// The form posts back to the page's own path (the token is already in it).
    pub action: String,
    pub error: Option<String>,
}

/// The fields of the set-password form.
#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
}

#[derive(Serialize, Default)]
struct DonePage {
    email: String,
    organisation: String,
    verified: bool,
    already_user: bool,
}

/// The one page for every bad, used or expired link.
pub(super) fn invalid(
    req: &HttpRequest,
    state: &AppState,
    signup: bool,
) -> Result<HttpResponse, AppError> {
    #[derive(Serialize)]
    struct Invalid {
        signup: bool,
    }
    page::ok(req, state, "invite/invalid.html", &Invalid { signup })
}

/// The page for a directory Latchkey may not create accounts in (`directory.create_under` is
/// not set): shown before the guest types a password, and for a form posted anyway (409).
pub(super) fn read_only(
    req: &HttpRequest,
    state: &AppState,
    signup: bool,
) -> Result<HttpResponse, AppError> {
    #[derive(Serialize)]
    struct ReadOnly {
        signup: bool,
    }
    page::render(
        req,
        state,
        StatusCode::CONFLICT,
        "invite/read_only.html",
        &ReadOnly { signup },
    )
}

/// The directory could not be reached: nothing was created, the link still works (503).
fn directory_down(req: &HttpRequest, state: &AppState) -> Result<HttpResponse, AppError> {
    #[derive(Serialize)]
    struct Down {
        status: u16,
        title: &'static str,
        message: &'static str,
    }
    let ctx = Down {
        status: 503,
        title: "We could not create your account right now",
        message: "Nothing was created. Please try again in a few minutes: your link still works.",
    };
    page::render(
        req,
        state,
        StatusCode::SERVICE_UNAVAILABLE,
        "errors/error.html",
        &ctx,
    )
}

/// Renders what creating an account came to (the form again, done, or invalid).
pub(super) fn outcome_page(
    req: &HttpRequest,
    state: &AppState,
    outcome: AccountOutcome,
    action: String,
    signup: bool,
) -> Result<HttpResponse, AppError> {
    match outcome {
        AccountOutcome::Created {
            email,
            organisation,
            verified,
            ..
        } => page::ok(
            req,
            state,
            "invite/done.html",
            &DonePage {
                email,
                organisation,
                verified,
                already_user: false,
            },
        ),
        AccountOutcome::Rejected { reason, pending } => page::ok(
            req,
            state,
            "invite/password.html",
            &PasswordPage {
                pending,
                action,
                error: Some(reason.to_string()),
            },
        ),
        AccountOutcome::DirectoryRejected { rejection, pending } => page::ok(
            req,
            state,
            "invite/password.html",
            &PasswordPage {
                pending,
                action,
                error: Some(rejection.reason.message().to_string()),
            },
        ),
        AccountOutcome::DirectoryUnavailable => directory_down(req, state),
        AccountOutcome::DirectoryReadOnly => read_only(req, state, signup),
        AccountOutcome::AlreadyUser => page::ok(
            req,
            state,
            "invite/done.html",
            &DonePage {
                already_user: true,
                ..DonePage::default()
            },
        ),
        AccountOutcome::Invalid => invalid(req, state, signup),
    }
}

/// `GET /invite/{token}`.
async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    match accounts::open_invitation(&state, &token).await? {
        Some(_) if !state.settings.directory.creates_accounts() => read_only(&req, &state, false),
        Some(pending) => page::ok(
            &req,
            &state,
            "invite/password.html",
            &PasswordPage {
                pending,
                action: format!("{}{token}", crate::mail::INVITE_PATH),
                error: None,
            },
        ),
        None => invalid(&req, &state, false),
    }
}

/// `POST /invite/{token}`.
async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: CsrfForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let f = form.0;
    let outcome = accounts::redeem_invitation(
        &state,
        &token,
        &f.password,
        &f.password_confirm,
        client_ip(&req),
    )
    .await?;
    let action = format!("{}{token}", crate::mail::INVITE_PATH);
    outcome_page(&req, &state, outcome, action, false)
}
