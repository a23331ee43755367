//! Sign-in: the password step, then the TOTP step, which issues the session.

use super::common::{now_unix, without_session};
use crate::accounts::lockout::{Account, Client};
use crate::console::auth::{self, TotpStep};
use crate::console::Admin;
use crate::domain::AdminId;
use crate::web::admin::session::{Session, Stage};
use crate::web::admin::session_cookie;
use crate::web::cookies::{self, ADMIN_SESSION};
use crate::web::csrf::CsrfForm;
use crate::web::device;
use crate::web::page::{self, Page};
use crate::web::{AppError, AppState};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

/// The generic sign-in failure: the same words whatever went wrong, so the page does not say
/// which addresses are admins.
const SIGN_IN_FAILED: &str =
    "That did not work. Check the email address and password and try again. \
     After several failed attempts, sign-in pauses for a few minutes.";

#[derive(Deserialize)]
pub(crate) struct LoginQuery {
    setup: Option<String>,
    signed_out: Option<String>,
}

#[derive(Serialize, Default)]
struct LoginPage {
    email: String,
    error: Option<String>,
    notice: Option<&'static str>,
}

pub(super) async fn login_form(
    page: Page,
    q: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    let notice = if q.setup.is_some() {
        Some("Your admin account is ready. Sign in with your password and authenticator code.")
    } else if q.signed_out.is_some() {
        Some("You are signed out.")
    } else {
        None
    };
    let ctx = LoginPage {
        notice,
        ..Default::default()
    };
    page.ok("admin/login.html", &ctx)
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    email: String,
    password: String,
}

pub(super) async fn login_submit(
    page: Page,
    form: CsrfForm<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let Page { req, state, .. } = &page;
    let LoginForm { email, password } = form.0;
    let trusted = device::read(req, state);
    if let Some(admin) =
        auth::password_step(state, &email, &password, page.client_ip(), &trusted).await?
    {
        let pending =
            Session::pending(admin.id.as_str(), admin.session_generation, now_unix(state));
        return Ok(HttpResponse::SeeOther()
            .cookie(session_cookie(state, &pending))
            .insert_header(("location", "/admin/login/totp"))
            .finish());
    }
    let ctx = LoginPage {
        email: page::echo(&email),
        error: Some(SIGN_IN_FAILED.into()),
        notice: None,
    };
    page.ok("admin/login.html", &ctx)
}

/// The admin of a live password-step session, if the request carries one, and where the
/// attempt comes from (this browser's device cookie).
async fn pending_admin(page: &Page) -> Result<Option<(Admin, Client)>, AppError> {
    let Page { req, state, .. } = page;
    let Some(s) = cookies::open(req, state, ADMIN_SESSION)
        .and_then(|v| Session::from_cookie_value(&v))
        .filter(|s| s.stage == Stage::Pending && s.is_live(now_unix(state)))
    else {
        return Ok(None);
    };
    let id = AdminId::from_string(s.admin_id.clone());
    let generation = s.generation;
    let trusted = device::read(req, state);
    Ok(auth::pending_admin(state, id, generation, &trusted).await?)
}

#[derive(Serialize, Default)]
struct TotpPage {
    error: Option<String>,
}

fn back_to_login(state: &AppState) -> HttpResponse {
    without_session(state, "/admin/login")
}

pub(super) async fn totp_form(page: Page) -> Result<HttpResponse, AppError> {
    if pending_admin(&page).await?.is_none() {
        return Ok(back_to_login(&page.state));
    }
    page.ok("admin/login_totp.html", &TotpPage::default())
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    code: String,
}

pub(super) async fn totp_submit(
    page: Page,
    form: CsrfForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let Page { req, state, .. } = &page;
    let ip = page.client_ip();
    let Some((admin, client)) = pending_admin(&page).await? else {
        return Ok(back_to_login(state));
    };
    let step = auth::totp_step(state, &admin, &form.0.code, ip, &client).await?;
    if step != TotpStep::Accepted {
        if pending_admin(&page).await?.is_none() {
            // Now locked: start again once the pause is over.
            return Ok(back_to_login(state));
        }
        let error = match step {
            TotpStep::Reused { next_code_in } if next_code_in > 0 => format!(
                "That code was already used (codes work once: it may have just confirmed your \
                 set-up). Wait for your authenticator app to show the next code, in about \
                 {next_code_in} second{}, then enter it.",
                if next_code_in == 1 { "" } else { "s" }
            ),
            TotpStep::Reused { .. } => "That code was already used (codes work once). Your \
                authenticator app shows a new code now: enter that one."
                .into(),
            _ => "That code is not right. Enter the 6-digit code your authenticator app shows now."
                .into(),
        };
        let ctx = TotpPage { error: Some(error) };
        return page.ok("admin/login_totp.html", &ctx);
    }
    // A new session id at sign-in (ASVS 7.2.4); the sign-in event's id binds it to the audit.
    let mut session = Session::full(
        admin.id.as_str(),
        admin.session_generation,
        0,
        now_unix(state),
    );
    let event_id = auth::complete_sign_in(state, &admin, session.reference(), ip, &client).await?;
    session.sign_in_event = event_id;
    let aid = admin.id.clone();
    Ok(HttpResponse::SeeOther()
        .cookie(session_cookie(state, &session))
        .cookie(device::after_sign_in(req, state, Account::Admin(&aid)))
        .insert_header(("location", "/admin/audit"))
        .finish())
}
