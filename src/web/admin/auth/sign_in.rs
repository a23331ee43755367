//! Sign-in: the password step, then the TOTP step, which issues the session.

use super::common::{now_unix, record, sign_in_event, unix_u64};
use crate::db::admins;
use crate::db::audit;
use crate::db::models::Admin;
use crate::domain::password::normalize_for_sign_in;
use crate::domain::{AdminId, EmailAddress};
use crate::security::{totp, SeedOwner};
use crate::web::admin::session::{self, Session, Stage};
use crate::web::admin::{client_ip, session_cookie, session_removal};
use crate::web::cookies::{self, ADMIN_SESSION};
use crate::web::csrf::CsrfForm;
use crate::web::{page, AppError, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
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
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    let notice = if q.setup.is_some() {
        Some("Your admin account is ready. Sign in with your password and authenticator code.")
    } else if q.signed_out.is_some() {
        Some("You are signed out.")
    } else {
        None
    };
    page::ok(
        &req,
        &state,
        "admin/login.html",
        &LoginPage {
            notice,
            ..Default::default()
        },
    )
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    email: String,
    password: String,
}

/// Whether an admin can sign in at all (set up, not disabled).
fn usable(a: &Admin) -> bool {
    !a.disabled && a.password_hash.is_some() && a.totp_secret.is_some()
}

/// Counts a failure and starts a pause when the count calls for one.
async fn count_failure(state: &AppState, admin: &Admin) -> Result<(), AppError> {
    let id = AdminId::from_string(admin.id.clone());
    let now = state.now();
    let locked = state
        .db
        .run(move |c| {
            let n = admins::record_failed_attempt(c, &id)?;
            let minutes = session::lockout_minutes(n);
            if let Some(minutes) = minutes {
                admins::lock_until(c, &id, now + chrono::Duration::minutes(minutes))?;
            }
            Ok(minutes.is_some())
        })
        .await?;
    if locked {
        crate::telemetry::metrics::lockout("admin");
    }
    Ok(())
}

pub(super) async fn login_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let ip = client_ip(&req);
    let email = EmailAddress::parse(&form.email).ok();
    let admin = match email.clone() {
        Some(e) => state.db.run(move |c| admins::find_by_email(c, &e)).await?,
        None => None,
    };
    let now = state.now();
    let locked = admin
        .as_ref()
        .is_some_and(|a| a.locked_until.is_some_and(|t| t > now));
    let candidate = admin.as_ref().filter(|a| usable(a) && !locked);
    // Argon2 runs whatever the case (a dummy hash for unknown admins), so timing says nothing.
    let matched = match normalize_for_sign_in(&form.password) {
        Some(pw) => state
            .hasher
            .verify(pw, candidate.and_then(|a| a.password_hash.as_deref()))
            .await
            .map_err(AppError::Unexpected)?,
        None => false,
    };
    if let (true, Some(admin)) = (matched, candidate) {
        let pending = Session::pending(&admin.id, admin.session_generation, now_unix(&state));
        return Ok(HttpResponse::SeeOther()
            .cookie(session_cookie(&state, &pending))
            .insert_header(("location", "/admin/login/totp"))
            .finish());
    }
    let reason = match (&email, &admin) {
        (None, _) => "malformed_email",
        (Some(_), None) => "unknown_admin",
        (_, Some(a)) if a.disabled => "disabled",
        (_, Some(a)) if !usable(a) => "setup_incomplete",
        (_, Some(_)) if locked => "locked",
        _ => "wrong_password",
    };
    if let Some(a) = candidate {
        count_failure(&state, a).await?;
    }
    let mut event = sign_in_event(
        &state,
        admin.as_ref(),
        "admin_sign_in_failed",
        "failure",
        ip,
    );
    event.reason = Some(reason.into());
    if admin.is_none() {
        // The address typed, normalised (or nothing, when it is not an address).
        event.email = email.map(|e| e.to_string());
    }
    record(&state, event).await?;
    let ctx = LoginPage {
        email: form.email.chars().take(254).collect(),
        error: Some(SIGN_IN_FAILED.into()),
        notice: None,
    };
    page::render(&req, &state, StatusCode::OK, "admin/login.html", &ctx)
}

/// The admin of a live password-step session, if the request carries one.
async fn pending_admin(
    req: &HttpRequest,
    state: &AppState,
) -> Result<Option<(Session, Admin)>, AppError> {
    let Some(s) = cookies::open(req, state, ADMIN_SESSION)
        .and_then(|v| Session::from_cookie_value(&v))
        .filter(|s| s.stage == Stage::Pending && s.is_live(now_unix(state)))
    else {
        return Ok(None);
    };
    let id = AdminId::from_string(s.admin_id.clone());
    let admin = state.db.run(move |c| admins::find_by_id(c, &id)).await?;
    let now = state.now();
    Ok(admin
        .filter(|a| {
            usable(a)
                && a.session_generation == s.generation
                && a.locked_until.is_none_or(|t| t <= now)
        })
        .map(|a| (s, a)))
}

#[derive(Serialize, Default)]
struct TotpPage {
    error: Option<String>,
}

fn back_to_login(state: &AppState) -> HttpResponse {
    HttpResponse::SeeOther()
        .cookie(session_removal(state))
        .insert_header(("location", "/admin/login"))
        .finish()
}

pub(super) async fn totp_form(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    if pending_admin(&req, &state).await?.is_none() {
        return Ok(back_to_login(&state));
    }
    page::ok(&req, &state, "admin/login_totp.html", &TotpPage::default())
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    code: String,
}

pub(super) async fn totp_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let ip = client_ip(&req);
    let Some((_, admin)) = pending_admin(&req, &state).await? else {
        return Ok(back_to_login(&state));
    };
    // A seed that cannot be opened (unknown key id, tampered: logged in `open_totp`) fails
    // like a wrong code; never a 500 with internals, never a skipped second factor.
    let secret = admin
        .totp_secret
        .as_deref()
        .and_then(|stored| state.open_totp(SeedOwner::Admin(&admin.id), stored));
    let now = unix_u64(now_unix(&state));
    let code = form.0.code;
    let id = AdminId::from_string(admin.id.clone());
    let verified = secret
        .as_ref()
        .and_then(|s| totp::verify(s, &code, now, admin.totp_last_step));
    let accepted = match verified {
        Some(step) => {
            let id = id.clone();
            // Recorded only if newer than the last step, so two racing requests with one code
            // cannot both win (docs/security.md#25).
            state
                .db
                .run(move |c| admins::record_totp_step(c, &id, step))
                .await?
        }
        None => false,
    };
    if !accepted {
        let replayed = secret
            .as_ref()
            .is_some_and(|s| totp::verify(s, &code, now, None).is_some());
        count_failure(&state, &admin).await?;
        let mut event = sign_in_event(&state, Some(&admin), "admin_totp_failed", "failure", ip);
        event.reason = Some(
            if replayed {
                "code_reused"
            } else {
                "wrong_code"
            }
            .into(),
        );
        record(&state, event).await?;
        if pending_admin(&req, &state).await?.is_none() {
            // Now locked: start again once the pause is over.
            return Ok(back_to_login(&state));
        }
        let ctx = TotpPage {
            error: Some(if replayed {
                "That code was already used. Wait for your authenticator app to show the next code, then enter it.".into()
            } else {
                "That code is not right. Enter the 6-digit code your authenticator app shows now."
                    .into()
            }),
        };
        return page::ok(&req, &state, "admin/login_totp.html", &ctx);
    }
    let full_at = now_unix(&state);
    let sign_in_now = state.now();
    let mut event = sign_in_event(&state, Some(&admin), "admin_signed_in", "success", ip);
    // A new session id at sign-in (ASVS 7.2.4); the sign-in event's id binds it to the audit.
    let mut session = Session::full(&admin.id, admin.session_generation, 0, full_at);
    event.request_id = Some(session.reference());
    let login_id = id.clone();
    let event_id = state
        .db
        .run(move |c| {
            admins::record_login(c, &login_id, sign_in_now)?;
            audit::insert_returning_id(c, &event)
        })
        .await?;
    session.sign_in_event = event_id;
    Ok(HttpResponse::SeeOther()
        .cookie(session_cookie(&state, &session))
        .insert_header(("location", "/admin/audit"))
        .finish())
}
