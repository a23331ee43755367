//! The signed-in guest's pages: `/account` (who you are, your reset methods, whether your
//! organisation allows self-service reset) and `/account/security` (set up or remove an
//! authenticator app).
//!
//! TOTP enrolment never stores an unconfirmed secret: the new secret waits in a sealed,
//! short-lived cookie bound to the user until a code from the app confirms it; only then is it
//! written (and the confirming step recorded as used, docs/security.md#25).

use super::csrf::CsrfForm;
use super::reset::client_ip;
use super::session::{audit_guest, GuestSession};
use super::{cookies, page, AppError, AppState};
use crate::db::models::{Tenant, User};
use crate::db::{tenants, users};
use crate::domain::password::normalize_for_sign_in;
use crate::domain::{EmailAddress, TenantKind};
use crate::eligibility;
use crate::policy::DenyReason;
use crate::security::{totp, SeedOwner, TotpSecret};
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

/// The sealed cookie holding a TOTP secret that waits for its confirming code.
const TOTP_PENDING: &str = "lk_totp_setup";
/// How long a guest has to scan the code and confirm it.
const TOTP_PENDING_MINUTES: i64 = 15;
/// The issuer label authenticator apps show.
const TOTP_ISSUER: &str = "Latchkey";

/// Registers `/account`, `/account/security` and the TOTP enrolment and removal POSTs.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/account").get(overview))
        .service(web::resource("/account/security").get(security))
        .service(web::resource("/account/security/totp").post(enrol))
        .service(web::resource("/account/security/totp/remove").post(remove));
}

// ---------------------------------------------------------------------------------------------
// /account

#[derive(Serialize)]
struct Overview {
    email: String,
    display_name: Option<String>,
    tenant_name: String,
    tenant_kind: &'static str,
    verified: bool,
    totp: bool,
    reset_allowed: bool,
    /// Why not, in words for the guest.
    reset_note: Option<String>,
    /// The reference to quote to a helpdesk, for domain-level reasons.
    reference: Option<String>,
    helpdesk_url: Option<String>,
    /// The tenant requires an authenticator app and none is set up.
    needs_totp: bool,
}

/// `GET /account`.
async fn overview(
    req: HttpRequest,
    state: web::Data<AppState>,
    s: GuestSession,
) -> Result<HttpResponse, AppError> {
    let ctx = overview_of(&state, &s.user).await?;
    let res = page::ok(&req, &state, "account/overview.html", &ctx)?;
    Ok(s.respond(&state, res))
}

fn describe_tenant(t: Option<&Tenant>) -> &'static str {
    match t {
        Some(t) if t.is_consumer => "Personal email address, not part of an organisation",
        Some(t) if t.kind() == TenantKind::Managed => {
            "Managed by your organisation's administrators"
        }
        Some(_) => "Not managed by an administrator",
        None => "Unknown",
    }
}

/// What `/account` shows, with the reset policy as it stands now (gather → decide).
async fn overview_of(state: &AppState, user: &User) -> Result<Overview, AppError> {
    let tid = user.tenant_id();
    let tenant = state.db.run(move |c| tenants::find_by_id(c, &tid)).await?;
    let decision = match EmailAddress::parse(&user.email) {
        Ok(email) => Some(
            eligibility::gather(
                &state.db,
                &state.deliverability,
                state.clock.as_ref(),
                &state.settings,
                &email,
            )
            .await?
            .decide(),
        ),
        Err(_) => None,
    };
    let reason = decision.as_ref().and_then(|d| d.deny_reason()).copied();
    let reset_allowed = decision.as_ref().is_some_and(|d| d.is_allow());
    // Domain-level reasons are public and have a guest sentence; the account-level ones are
    // worded for the mailbox, so the signed-in guest gets a sentence written for this page.
    let reset_note = match reason {
        _ if reset_allowed => None,
        Some(r) if r.browser_visible() => Some(r.guest_sentence()),
        Some(DenyReason::EmailUnverified) => Some(
            "Your email address is not confirmed yet. Ask for a password reset and we will \
             first email you a link to confirm it."
                .into(),
        ),
        Some(DenyReason::MethodsNotRegistered) => Some(
            "Your organisation requires an authenticator app for self-service reset, and you \
             have not set one up yet."
                .into(),
        ),
        _ => Some(
            "Self-service reset is not available for your account right now. Please contact \
             your organisation's helpdesk."
                .into(),
        ),
    };
    Ok(Overview {
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        tenant_name: tenant.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
        tenant_kind: describe_tenant(tenant.as_ref()),
        verified: user.verified_at.is_some(),
        totp: user.totp_secret.is_some(),
        reset_allowed,
        reset_note,
        reference: reason
            .filter(DenyReason::browser_visible)
            .map(|r| r.reference()),
        helpdesk_url: tenant.as_ref().and_then(|t| t.helpdesk_url.clone()),
        needs_totp: matches!(reason, Some(DenyReason::MethodsNotRegistered)),
    })
}

// ---------------------------------------------------------------------------------------------
// /account/security

/// A TOTP secret waiting for its confirming code, bound to one user and a deadline.
#[derive(Serialize, Deserialize)]
struct Pending {
    #[serde(rename = "u")]
    user_id: String,
    #[serde(rename = "s")]
    secret: String,
    #[serde(rename = "e")]
    expires_at: i64,
}

fn pending_secret(req: &HttpRequest, state: &AppState, user: &User) -> Option<TotpSecret> {
    let p: Pending = serde_json::from_str(&cookies::open(req, state, TOTP_PENDING)?).ok()?;
    (p.user_id == user.id && p.expires_at > state.clock.now().timestamp())
        .then(|| TotpSecret::from_base32(&p.secret))
        .flatten()
}

fn pending_cookie(state: &AppState, user: &User, secret: &TotpSecret) -> Cookie<'static> {
    let p = Pending {
        user_id: user.id.clone(),
        secret: secret.expose_base32().to_string(),
        expires_at: state.clock.now().timestamp() + TOTP_PENDING_MINUTES * 60,
    };
    cookies::sealed(
        state,
        TOTP_PENDING,
        serde_json::to_string(&p).expect("pending serialises"),
        SameSite::Strict,
        Some(CookieDuration::minutes(TOTP_PENDING_MINUTES)),
    )
}

#[derive(Serialize, Default)]
struct SecurityPage {
    email: String,
    totp: bool,
    /// Setup: the secret in groups of four for typing, and the QR code (PNG, base64).
    secret_grouped: Option<String>,
    qr_png_base64: Option<String>,
    minutes: i64,
    /// Removing would leave the guest unable to reset (the tenant requires two methods).
    required_by_tenant: bool,
    enrol_error: Option<&'static str>,
    remove_error: Option<&'static str>,
    /// A confirmation after a redirect (`enrolled`, `removed`).
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
pub(crate) struct SecurityQuery {
    enrolled: Option<String>,
    removed: Option<String>,
}

/// `GET /account/security`.
async fn security(
    req: HttpRequest,
    state: web::Data<AppState>,
    s: GuestSession,
    q: web::Query<SecurityQuery>,
) -> Result<HttpResponse, AppError> {
    let notice = if q.enrolled.is_some() && s.user.totp_secret.is_some() {
        Some("Your authenticator app is set up. A password reset will now also ask for a code from it.")
    } else if q.removed.is_some() && s.user.totp_secret.is_none() {
        Some("Your authenticator app was removed from your account.")
    } else {
        None
    };
    security_page(&req, &state, &s, None, None, notice).await
}

/// Renders the security page; while no app is set up, (re)issues the pending secret, keeping
/// the one already shown so a guest who scanned it and reloads is not confused.
async fn security_page(
    req: &HttpRequest,
    state: &AppState,
    s: &GuestSession,
    enrol_error: Option<&'static str>,
    remove_error: Option<&'static str>,
    notice: Option<&'static str>,
) -> Result<HttpResponse, AppError> {
    let user = &s.user;
    let tid = user.tenant_id();
    let tenant = state.db.run(move |c| tenants::find_by_id(c, &tid)).await?;
    let mut ctx = SecurityPage {
        email: user.email.clone(),
        totp: user.totp_secret.is_some(),
        minutes: TOTP_PENDING_MINUTES,
        required_by_tenant: tenant.is_some_and(|t| t.methods_required >= 2),
        enrol_error,
        remove_error,
        notice,
        ..SecurityPage::default()
    };
    let mut pending = None;
    if !ctx.totp {
        let secret = pending_secret(req, state, user).unwrap_or_else(TotpSecret::generate);
        ctx.qr_png_base64 = Some(secret.qr_png_base64(TOTP_ISSUER, &user.email)?);
        ctx.secret_grouped = Some(group(secret.expose_base32()));
        pending = Some(pending_cookie(state, user, &secret));
    }
    let mut res = page::ok(req, state, "account/security.html", &ctx)?;
    if let Some(c) = pending {
        let _ = res.add_cookie(&c);
    }
    Ok(s.respond(state, res))
}

/// `ABCD EFGH …`: easier to type into an app by hand.
fn group(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default)]
    code: String,
}

/// `POST /account/security/totp`: confirms the pending secret with a code from the app.
async fn enrol(
    req: HttpRequest,
    state: web::Data<AppState>,
    s: GuestSession,
    form: CsrfForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    if s.user.totp_secret.is_some() {
        return Ok(s.respond(&state, see_other("/account/security")));
    }
    let Some(secret) = pending_secret(&req, &state, &s.user) else {
        // The setup expired: show a new code to scan.
        return security_page(&req, &state, &s, Some(EXPIRED_SETUP), None, None).await;
    };
    let now_unix = state.clock.now().timestamp().max(0) as u64;
    let Some(step) = totp::verify(&secret, &form.0.code, now_unix, None) else {
        audit_guest(
            &state,
            "totp_enrolled",
            "failure",
            Some(&s.user),
            Some("wrong_code"),
            client_ip(&req),
        )
        .await?;
        return security_page(&req, &state, &s, Some(WRONG_SETUP_CODE), None, None).await;
    };
    // Stored encrypted, bound to this user's row.
    let sealed = state.seal_totp(SeedOwner::User(&s.user.id), &secret);
    let (id, now) = (s.user_id(), state.now());
    let enrolled = state
        .db
        .run(move |c| users::enrol_totp(c, &id, &sealed, step, now))
        .await?;
    if enrolled {
        audit_guest(
            &state,
            "totp_enrolled",
            "success",
            Some(&s.user),
            None,
            client_ip(&req),
        )
        .await?;
    }
    let mut res = see_other("/account/security?enrolled=1");
    let _ = res.add_cookie(&cookies::removal(&state, TOTP_PENDING));
    Ok(s.respond(&state, res))
}

const EXPIRED_SETUP: &str =
    "That setup took too long and has expired. Scan the new code below, then enter the code your app shows.";
const WRONG_SETUP_CODE: &str =
    "That code is not right. Enter the 6-digit code your app shows now for Latchkey.";
const WRONG_REMOVE_PROOF: &str =
    "That password or code is not right. Enter your current password, or a code from your authenticator app.";

#[derive(Deserialize)]
pub(crate) struct RemoveForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

/// `POST /account/security/totp/remove`: needs the current password or a current code.
async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    s: GuestSession,
    form: CsrfForm<RemoveForm>,
) -> Result<HttpResponse, AppError> {
    let Some(stored) = s.user.totp_secret.as_deref() else {
        return Ok(s.respond(&state, see_other("/account/security")));
    };
    // A seed that cannot be opened (logged) still leaves the password as proof.
    let secret = state.open_totp(SeedOwner::User(&s.user.id), stored);
    let ip = client_ip(&req);
    if !proves_owner(&state, &s.user, secret.as_ref(), &form.0).await? {
        audit_guest(
            &state,
            "totp_removed",
            "failure",
            Some(&s.user),
            Some("wrong_proof"),
            ip,
        )
        .await?;
        return security_page(&req, &state, &s, None, Some(WRONG_REMOVE_PROOF), None).await;
    }
    let (id, now) = (s.user_id(), state.now());
    state
        .db
        .run(move |c| users::set_totp_secret(c, &id, None, now))
        .await?;
    audit_guest(&state, "totp_removed", "success", Some(&s.user), None, ip).await?;
    Ok(s.respond(&state, see_other("/account/security?removed=1")))
}

/// A current TOTP code (never one already used), or else the current password.
async fn proves_owner(
    state: &AppState,
    user: &User,
    secret: Option<&TotpSecret>,
    form: &RemoveForm,
) -> Result<bool, AppError> {
    if let (Some(secret), false) = (secret, form.code.trim().is_empty()) {
        let now_unix = state.clock.now().timestamp().max(0) as u64;
        if let Some(step) = totp::verify(secret, &form.code, now_unix, user.totp_last_step) {
            let id = user.user_id();
            if state
                .db
                .run(move |c| users::record_totp_step(c, &id, step))
                .await?
            {
                return Ok(true);
            }
        }
    }
    if !form.password.is_empty() {
        if let Some(secret) = normalize_for_sign_in(&form.password) {
            return state
                .hasher
                .verify(secret, user.password_hash.as_deref())
                .await
                .map_err(AppError::Unexpected);
        }
    }
    Ok(false)
}

fn see_other(path: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("location", path))
        .finish()
}
