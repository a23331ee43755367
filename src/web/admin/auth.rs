//! Admin set-up, sign-in (password, then TOTP) and sign-out (DESIGN.md §7; SECURITY.md #34).
//!
//! - `GET /admin/setup/{token}` moves the one-time set-up token out of the URL into a sealed
//!   cookie together with a fresh TOTP secret, then `/admin/setup` sets the password and enrols
//!   the authenticator (QR code), confirmed by a code. The link works once, for 24 hours.
//! - `/admin/login` checks the password, `/admin/login/totp` the code (±1 step, never the same
//!   step twice) and issues the session with a new id.
//! - Failed attempts of either step count towards a lockout with backoff, and are audited.

use super::session::{self, Session, Stage};
use super::{client_ip, session_cookie, session_removal, AdminCtx};
use crate::db::audit::{self, NewAuditEvent, ADMIN_SIGNED_OUT};
use crate::db::models::Admin;
use crate::db::{admins, tenants};
use crate::domain::password::{normalize_for_sign_in, PasswordContext};
use crate::domain::{AdminId, EmailAddress, TenantId};
use crate::security::{totp, SeedOwner, TokenHash, TotpSecret};
use crate::web::cookies::{self, ADMIN_SESSION};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::{page, AppError, AppState};
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::SameSite;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// The sealed cookie that carries the set-up token and the TOTP secret being enrolled.
const SETUP: &str = "lk_admin_setup";
/// The issuer shown in authenticator apps.
const TOTP_ISSUER: &str = "Latchkey admin";
/// The generic sign-in failure: the same words whatever went wrong, so the page does not say
/// which addresses are admins.
const SIGN_IN_FAILED: &str =
    "That did not work. Check the email address and password and try again. \
     After several failed attempts, sign-in pauses for a few minutes.";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/setup/{token}").get(setup_link))
        .service(web::resource("/setup").get(setup_form).post(setup_submit))
        .service(web::resource("/login").get(login_form).post(login_submit))
        .service(
            web::resource("/login/totp")
                .get(totp_form)
                .post(totp_submit),
        )
        .service(web::resource("/logout").post(logout))
        .service(web::resource("/logout/everywhere").post(logout_everywhere));
}

fn now_unix(state: &AppState) -> i64 {
    state.clock.now().timestamp()
}

fn unix_u64(t: i64) -> u64 {
    u64::try_from(t).unwrap_or(0)
}

/// An event about sign-in, before there is a session.
fn sign_in_event(
    state: &AppState,
    admin: Option<&Admin>,
    name: &str,
    outcome: &str,
    ip: Option<IpAddr>,
) -> NewAuditEvent {
    let actor = admin.map_or_else(|| "anonymous".to_string(), |a| format!("admin:{}", a.id));
    let mut e = NewAuditEvent::new(state.now(), &actor, name, outcome);
    e.ip = ip.map(|i| i.to_string());
    if let Some(a) = admin {
        e.tenant_id = a.tenant_id.clone();
        e.email = Some(a.email.clone());
    }
    e
}

async fn record(state: &AppState, event: NewAuditEvent) -> Result<(), AppError> {
    state.db.run(move |c| audit::insert(c, &event)).await?;
    Ok(())
}

// ---- set-up ------------------------------------------------------------------------------

#[derive(Serialize, Deserialize)]
struct SetupCookie {
    token: String,
    secret: String,
}

/// The admin an unexpired set-up token belongs to.
async fn setup_admin(state: &AppState, token: &str) -> Result<Option<Admin>, AppError> {
    let Some(hash) = TokenHash::of_presented(token) else {
        return Ok(None);
    };
    let now = state.now();
    let admin = state
        .db
        .run(move |c| admins::find_by_setup_hash(c, hash.as_str()))
        .await?;
    Ok(admin.filter(|a| !a.disabled && a.setup_expires_at.is_some_and(|t| t > now)))
}

fn setup_invalid(req: &HttpRequest, state: &AppState) -> Result<HttpResponse, AppError> {
    #[derive(Serialize)]
    struct Empty {}
    let mut res = HttpResponse::Ok();
    res.cookie(cookies::removal(state, SETUP));
    let html = page::body(req, state, &mut res, "admin/setup_invalid.html", &Empty {})?;
    Ok(res.content_type("text/html; charset=utf-8").body(html))
}

/// `GET /admin/setup/{token}`: the token leaves the URL (like reset links, SECURITY.md #10).
/// A GET changes nothing stored, so a link scanner opening it does no harm.
async fn setup_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    if setup_admin(&state, &token).await?.is_none() {
        return setup_invalid(&req, &state);
    }
    let value = serde_json::to_string(&SetupCookie {
        token,
        secret: TotpSecret::generate().expose_base32().to_string(),
    })
    .map_err(anyhow::Error::from)?;
    // Lax: the link arrives from mail or chat, a cross-site navigation.
    Ok(HttpResponse::SeeOther()
        .cookie(cookies::sealed(
            &state,
            SETUP,
            value,
            SameSite::Lax,
            Some(CookieDuration::minutes(30)),
        ))
        .insert_header(("location", "/admin/setup"))
        .finish())
}

#[derive(Serialize)]
struct SetupPage {
    email: String,
    qr_png_base64: String,
    secret: String,
    min_chars: u32,
    error: Option<String>,
}

async fn setup_state(
    req: &HttpRequest,
    state: &AppState,
) -> Result<Option<(SetupCookie, Admin, TotpSecret)>, AppError> {
    let Some(c) =
        cookies::open(req, state, SETUP).and_then(|v| serde_json::from_str::<SetupCookie>(&v).ok())
    else {
        return Ok(None);
    };
    let Some(secret) = TotpSecret::from_base32(&c.secret) else {
        return Ok(None);
    };
    Ok(setup_admin(state, &c.token)
        .await?
        .map(|admin| (c, admin, secret)))
}

fn setup_page(
    req: &HttpRequest,
    state: &AppState,
    admin: &Admin,
    secret: &TotpSecret,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let ctx = SetupPage {
        email: admin.email.clone(),
        qr_png_base64: secret.qr_png_base64(TOTP_ISSUER, &admin.email)?,
        secret: secret.expose_base32().to_string(),
        min_chars: state.settings.password.min_chars,
        error,
    };
    page::ok(req, state, "admin/setup.html", &ctx)
}

async fn setup_form(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    match setup_state(&req, &state).await? {
        Some((_, admin, secret)) => setup_page(&req, &state, &admin, &secret, None),
        None => setup_invalid(&req, &state),
    }
}

#[derive(Deserialize)]
pub(crate) struct SetupForm {
    password: String,
    password_confirm: String,
    code: String,
}

async fn setup_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<SetupForm>,
) -> Result<HttpResponse, AppError> {
    let Some((cookie, admin, secret)) = setup_state(&req, &state).await? else {
        return setup_invalid(&req, &state);
    };
    let form = form.0;
    let email = EmailAddress::parse(&admin.email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let tenant_name = match admin.tenant_id.clone() {
        Some(t) => state
            .db
            .run(move |c| tenants::find_by_id(c, &TenantId::from_string(t)))
            .await?
            .map(|t| t.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let password = match state.settings.password_policy().check(
        &form.password,
        &form.password_confirm,
        &PasswordContext::for_account(&email, &tenant_name),
    ) {
        Ok(p) => p,
        Err(reason) => return setup_page(&req, &state, &admin, &secret, Some(reason.to_string())),
    };
    let Some(step) = totp::verify(&secret, &form.code, unix_u64(now_unix(&state)), None) else {
        let msg = "That code is not right. Scan the QR code (or type the key) into your \
                   authenticator app, then enter the 6-digit code it shows now.";
        return setup_page(&req, &state, &admin, &secret, Some(msg.into()));
    };
    let hash = state
        .hasher
        .hash(password.into_secret())
        .await
        .map_err(AppError::Unexpected)?;
    let setup_hash = TokenHash::of_presented(&cookie.token)
        .map(TokenHash::into_string)
        .unwrap_or_default();
    let id = AdminId::from_string(admin.id.clone());
    // Stored encrypted, bound to this admin's row (issue 9).
    let secret_text = state.seal_totp(SeedOwner::Admin(&admin.id), &secret);
    let now = state.now();
    let mut event = sign_in_event(
        &state,
        Some(&admin),
        "admin_setup_completed",
        "success",
        client_ip(&req),
    );
    let done = state
        .db
        .run(move |c| {
            use crate::db::WriteTransaction as _;
            c.write_transaction::<bool, crate::db::DbError, _>(|c| {
                if !admins::complete_setup(c, &id, &setup_hash, &hash, &secret_text, step, now)? {
                    return Ok(false);
                }
                event.detail = Some(serde_json::json!({ "totp": "enrolled" }).to_string());
                audit::insert(c, &event)?;
                Ok(true)
            })
        })
        .await?;
    if !done {
        return setup_invalid(&req, &state);
    }
    Ok(HttpResponse::SeeOther()
        .cookie(cookies::removal(&state, SETUP))
        .insert_header(("location", "/admin/login?setup=done"))
        .finish())
}

// ---- sign-in -----------------------------------------------------------------------------

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

async fn login_form(
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
    state
        .db
        .run(move |c| {
            let n = admins::record_failed_attempt(c, &id)?;
            if let Some(minutes) = session::lockout_minutes(n) {
                admins::lock_until(c, &id, now + chrono::Duration::minutes(minutes))?;
            }
            Ok(())
        })
        .await?;
    Ok(())
}

async fn login_submit(
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

async fn totp_form(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    if pending_admin(&req, &state).await?.is_none() {
        return Ok(back_to_login(&state));
    }
    page::ok(&req, &state, "admin/login_totp.html", &TotpPage::default())
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    code: String,
}

async fn totp_submit(
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
            // cannot both win (SECURITY.md #25).
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

// ---- sign-out ----------------------------------------------------------------------------

/// `POST /admin/logout`: ends this session. The cookie is removed, and the sign-out event
/// names the session, so a copy of the cookie is refused from now on.
async fn logout(
    state: web::Data<AppState>,
    admin: AdminCtx,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let event = admin.event(state.now(), ADMIN_SIGNED_OUT, "success");
    record(&state, event).await?;
    Ok(HttpResponse::SeeOther()
        .cookie(session_removal(&state))
        .insert_header(("location", "/admin/login?signed_out=1"))
        .finish())
}

/// `POST /admin/logout/everywhere`: ends every session of this admin, in every browser.
async fn logout_everywhere(
    state: web::Data<AppState>,
    admin: AdminCtx,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let mut event = admin.event(state.now(), "admin_signed_out_everywhere", "success");
    let id = admin.id.clone();
    state
        .db
        .run(move |c| {
            let generation = admins::bump_session_generation(c, &id)?;
            event.detail =
                Some(serde_json::json!({ "session_generation": generation }).to_string());
            audit::insert(c, &event)
        })
        .await?;
    Ok(HttpResponse::SeeOther()
        .cookie(session_removal(&state))
        .insert_header(("location", "/admin/login?signed_out=1"))
        .finish())
}
