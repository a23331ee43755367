//! The signed-in guest's pages: `/account` (who you are, your reset methods, whether your
//! organisation allows self-service reset) and `/account/security` (set up or remove an
//! authenticator app).
//!
//! TOTP enrolment never stores an unconfirmed secret: the new secret waits in a sealed,
//! short-lived cookie bound to the user until a code from the app confirms it
//! ([`crate::accounts::authenticator`]).

use super::csrf::CsrfForm;
use super::page::see_other;
use super::session::AccountPage;
use super::{cookies, AppError, AppState};
use crate::accounts::authenticator::{self, EnrolOutcome, RemoveOutcome};
use crate::accounts::{overview, User};
use crate::i18n::Args;
use crate::security::TotpSecret;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

/// The sealed cookie holding a TOTP secret that waits for its confirming code.
const TOTP_PENDING: &str = "lk_totp_setup";
/// How long a guest has to scan the code and confirm it.
const TOTP_PENDING_MINUTES: i64 = 15;

/// Registers `/account`, `/account/security` and the TOTP enrolment and removal POSTs.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/account").get(overview))
        .service(web::resource("/account/language").post(super::account_language::choose))
        .service(web::resource("/account/security").get(security))
        .service(web::resource("/account/security/totp").post(enrol))
        .service(web::resource("/account/security/totp/remove").post(remove));
}

// ---------------------------------------------------------------------------------------------
// /account

#[derive(Deserialize)]
pub(crate) struct OverviewQuery {
    /// `saved` after the language form.
    language: Option<String>,
}

/// `GET /account`.
async fn overview(
    page: AccountPage,
    q: web::Query<OverviewQuery>,
) -> Result<HttpResponse, AppError> {
    let ctx = overview::overview(&page.state, page.user(), page.lang()).await?;
    let saved = q.language.is_some();
    let ctx = super::account_language::with_form(&page.req, &page.state, ctx, saved, None);
    let res = page.ok("account/overview.html", &ctx)?;
    Ok(page.respond(res))
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
    (p.user_id == user.id.as_str() && p.expires_at > state.clock.now().timestamp())
        .then(|| TotpSecret::from_base32(&p.secret))
        .flatten()
}

fn pending_cookie(state: &AppState, user: &User, secret: &TotpSecret) -> Cookie<'static> {
    let p = Pending {
        user_id: user.id.to_string(),
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
    /// Setup: the secret in groups of four for typing, and the QR code (SVG, base64).
    secret_grouped: Option<String>,
    qr_svg_base64: Option<String>,
    /// The same as an `otpauth://` link (opens the app on the phone showing the page).
    otpauth_url: Option<String>,
    minutes: i64,
    /// Removing would leave the guest unable to reset (the tenant requires two methods).
    required_by_tenant: bool,
    enrol_error: Option<String>,
    remove_error: Option<String>,
    /// A confirmation after a redirect (`enrolled`, `removed`).
    notice: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct SecurityQuery {
    enrolled: Option<String>,
    removed: Option<String>,
}

/// `GET /account/security`.
async fn security(
    page: AccountPage,
    q: web::Query<SecurityQuery>,
) -> Result<HttpResponse, AppError> {
    let lang = page.lang();
    let totp = page.user().totp_secret.is_some();
    let notice = if q.enrolled.is_some() && totp {
        Some(lang.t("account-totp-enrolled"))
    } else if q.removed.is_some() && !totp {
        Some(lang.t("account-totp-removed"))
    } else {
        None
    };
    security_page(&page, None, None, notice).await
}

/// Renders the security page; while no app is set up, (re)issues the pending secret, keeping
/// the one already shown so a guest who scanned it and reloads is not confused.
async fn security_page(
    page: &AccountPage,
    enrol_error: Option<String>,
    remove_error: Option<String>,
    notice: Option<String>,
) -> Result<HttpResponse, AppError> {
    let AccountPage { req, state, .. } = page;
    let user = page.user();
    let mut ctx = SecurityPage {
        email: user.email.to_string(),
        totp: user.totp_secret.is_some(),
        minutes: TOTP_PENDING_MINUTES,
        required_by_tenant: authenticator::required_by_tenant(state, user).await?,
        enrol_error,
        remove_error,
        notice,
        ..SecurityPage::default()
    };
    let mut pending = None;
    if !ctx.totp {
        let secret = pending_secret(req, state, user).unwrap_or_else(TotpSecret::generate);
        let issuer = &super::brand::service_name(req, state);
        ctx.qr_svg_base64 = Some(secret.qr_svg_base64(issuer, user.email.as_str())?);
        ctx.otpauth_url = Some(secret.otpauth_url(issuer, user.email.as_str())?);
        ctx.secret_grouped = Some(group(secret.expose_base32()));
        pending = Some(pending_cookie(state, user, &secret));
    }
    let mut res = page.ok("account/security.html", &ctx)?;
    if let Some(c) = pending {
        let _ = res.add_cookie(&c);
    }
    Ok(page.respond(res))
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
async fn enrol(page: AccountPage, form: CsrfForm<CodeForm>) -> Result<HttpResponse, AppError> {
    let AccountPage { req, state, .. } = &page;
    let user = page.user();
    if user.totp_secret.is_some() {
        return Ok(page.respond(see_other("/account/security")));
    }
    let lang = page.lang();
    let Some(secret) = pending_secret(req, state, user) else {
        // The setup expired: show a new code to scan.
        let expired = lang.t("account-setup-expired");
        return security_page(&page, Some(expired), None, None).await;
    };
    let outcome =
        authenticator::enrol(state, user, &secret, &form.0.code, page.client_ip()).await?;
    if outcome == EnrolOutcome::WrongCode {
        let wrong = lang.t_args(
            "account-setup-wrong-code",
            &Args::new().str("service", super::brand::service_name(req, state)),
        );
        return security_page(&page, Some(wrong), None, None).await;
    }
    let mut res = see_other("/account/security?enrolled=1");
    let _ = res.add_cookie(&cookies::removal(state, TOTP_PENDING));
    Ok(page.respond(res))
}

#[derive(Deserialize)]
pub(crate) struct RemoveForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

/// `POST /account/security/totp/remove`: needs the current password or a current code.
async fn remove(page: AccountPage, form: CsrfForm<RemoveForm>) -> Result<HttpResponse, AppError> {
    let RemoveForm { password, code } = form.0;
    let (user, ip) = (page.user(), page.client_ip());
    match authenticator::remove(&page.state, user, &password, &code, ip).await? {
        None => Ok(page.respond(see_other("/account/security"))),
        Some(RemoveOutcome::WrongProof) => {
            let wrong = page.lang().t("account-remove-wrong");
            security_page(&page, None, Some(wrong), None).await
        }
        Some(RemoveOutcome::Removed) => Ok(page.respond(see_other("/account/security?removed=1"))),
    }
}
