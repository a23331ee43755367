//! Invitation links (`/invite/{token}`, mailed by [`crate::onboarding::invitations`]): the GET
//! shows the set-password form and changes nothing (mail scanners open links); the CSRF-checked
//! POST creates the account ([`crate::onboarding::redeem::redeem_invitation`]). Every bad,
//! used or expired link gets the same page.

use super::csrf::CsrfForm;
use super::page::Page;
use super::AppError;
use crate::i18n::messages;
use crate::onboarding::accounts::{AccountOutcome, PendingAccount};
use crate::onboarding::{redeem, signup};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

/// Registers `GET/POST /invite/{token}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/invite/{token}")
            .get(form::<false>)
            .post(submit::<false>),
    );
}

/// The set-password form's page.
#[derive(Serialize)]
struct PasswordPage {
    pub pending: PendingAccount,
    /// The form posts back to the page's own path (the token is already in it).
    pub action: String,
    pub error: Option<String>,
}

/// The fields of the set-password form.
#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    pub(crate) password: String,
    #[serde(default)]
    pub(crate) password_confirm: String,
}

#[derive(Serialize, Default)]
struct DonePage {
    email: String,
    organisation: Option<String>,
    verified: bool,
    already_user: bool,
}

/// The one page for every bad, used or expired link.
fn invalid(page: &Page, signup: bool) -> Result<HttpResponse, AppError> {
    #[derive(Serialize)]
    struct Invalid {
        signup: bool,
    }
    page.ok("invite/invalid.html", &Invalid { signup })
}

fn password_form(
    page: &Page,
    pending: PendingAccount,
    action: String,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let ctx = PasswordPage {
        pending,
        action,
        error,
    };
    page.ok("invite/password.html", &ctx)
}

/// The page for a directory Latchkey may not create accounts in (`directory.create_under` is
/// not set): shown before the guest types a password, and for a form posted anyway (409).
pub(super) fn read_only(page: &Page, signup: bool) -> Result<HttpResponse, AppError> {
    #[derive(Serialize)]
    struct ReadOnly {
        signup: bool,
    }
    let ctx = ReadOnly { signup };
    page.render(StatusCode::CONFLICT, "invite/read_only.html", &ctx)
}

/// The directory could not be reached: nothing was created, the link still works (503).
fn directory_down(page: &Page) -> Result<HttpResponse, AppError> {
    #[derive(Serialize)]
    struct Down {
        status: u16,
        title: String,
        message: String,
    }
    let lang = page.lang();
    let ctx = Down {
        status: 503,
        title: lang.t("invite-unavailable-title"),
        message: lang.t("invite-unavailable-text"),
    };
    page.render(StatusCode::SERVICE_UNAVAILABLE, "errors/error.html", &ctx)
}

/// Renders what creating an account came to (the form again, done, or invalid).
fn outcome_page(
    page: &Page,
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
        } => page.ok(
            "invite/done.html",
            &DonePage {
                email: email.to_string(),
                organisation,
                verified,
                already_user: false,
            },
        ),
        AccountOutcome::Rejected { reason, pending } => {
            let error = messages::password_rejection(page.lang(), &reason);
            password_form(page, pending, action, Some(error))
        }
        AccountOutcome::DirectoryRejected { rejection, pending } => {
            let error = messages::directory_rejection(page.lang(), rejection.reason);
            password_form(page, pending, action, Some(error))
        }
        AccountOutcome::DirectoryUnavailable => directory_down(page),
        AccountOutcome::DirectoryReadOnly => read_only(page, signup),
        AccountOutcome::AlreadyUser => page.ok(
            "invite/done.html",
            &DonePage {
                already_user: true,
                ..DonePage::default()
            },
        ),
        AccountOutcome::Invalid => invalid(page, signup),
    }
}

/// Where the set-password form of a link posts back to (the token is already in the path).
fn action(signup: bool, token: &str) -> String {
    let base = if signup {
        crate::mail::SIGNUP_PATH
    } else {
        crate::mail::INVITE_PATH
    };
    format!("{base}{token}")
}

/// `GET /invite/{token}` and (`SIGNUP`) `GET /signup/complete/{token}`: the set-password
/// form (nothing is consumed), or the invalid page. Both links show the same form and create
/// the account the same way; only the service that checks the token differs.
pub(super) async fn form<const SIGNUP: bool>(
    page: Page,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (state, token) = (&page.state, path.into_inner());
    let pending = if SIGNUP {
        signup::open_signup(state, &token).await?
    } else {
        redeem::open_invitation(state, &token).await?
    };
    match pending {
        Some(_) if !state.settings.directory.creates_accounts() => read_only(&page, SIGNUP),
        Some(pending) => password_form(&page, pending, action(SIGNUP, &token), None),
        None => invalid(&page, SIGNUP),
    }
}

/// CSRF-checked `POST` of the same links: creates the account.
pub(super) async fn submit<const SIGNUP: bool>(
    page: Page,
    path: web::Path<String>,
    form: CsrfForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let (state, token) = (&page.state, path.into_inner());
    let (password, confirm) = (&form.0.password, &form.0.password_confirm);
    let ip = page.client_ip();
    let outcome = if SIGNUP {
        signup::complete_signup(state, &token, password, confirm, ip).await?
    } else {
        redeem::redeem_invitation(state, &token, password, confirm, ip).await?
    };
    outcome_page(&page, outcome, action(SIGNUP, &token), SIGNUP)
}
