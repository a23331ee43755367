//! Set-up: the one-time link, then the password and the authenticator (enrolled by QR code,
//! confirmed by a code).

use super::common::{now_unix, unix_u64};
use crate::console::auth;
use crate::console::Admin;
use crate::domain::EmailAddress;
use crate::passwords::TenantOf;
use crate::security::{totp, TotpSecret};
use crate::web::admin::client_ip;
use crate::web::cookies;
use crate::web::csrf::CsrfForm;
use crate::web::{page, AppError, AppState};
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::SameSite;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

/// The sealed cookie that carries the set-up token and the TOTP secret being enrolled.
const SETUP: &str = "lk_admin_setup";
/// The issuer shown in authenticator apps.
const TOTP_ISSUER: &str = "Latchkey admin";

#[derive(Serialize, Deserialize)]
struct SetupCookie {
    token: String,
    secret: String,
}

fn setup_invalid(req: &HttpRequest, state: &AppState) -> Result<HttpResponse, AppError> {
    #[derive(Serialize)]
    struct Empty {}
    let mut res = HttpResponse::Ok();
    res.cookie(cookies::removal(state, SETUP));
    let html = page::body(req, state, &mut res, "admin/setup_invalid.html", &Empty {})?;
    Ok(res.content_type("text/html; charset=utf-8").body(html))
}

/// `GET /admin/setup/{token}`: the token leaves the URL (like reset links, docs/security.md#10).
/// A GET changes nothing stored, so a link scanner opening it does no harm.
pub(super) async fn setup_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    if auth::setup_admin(&state, &token).await?.is_none() {
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
    qr_svg_base64: String,
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
    Ok(auth::setup_admin(state, &c.token)
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
        qr_svg_base64: secret.qr_svg_base64(TOTP_ISSUER, &admin.email)?,
        secret: secret.expose_base32().to_string(),
        min_chars: state.settings.password.min_chars,
        error,
    };
    page::ok(req, state, "admin/setup.html", &ctx)
}

pub(super) async fn setup_form(
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

pub(super) async fn setup_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<SetupForm>,
) -> Result<HttpResponse, AppError> {
    let Some((cookie, admin, secret)) = setup_state(&req, &state).await? else {
        return setup_invalid(&req, &state);
    };
    let form = form.0;
    let email = EmailAddress::parse(&admin.email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let tenant = auth::tenant(&state, &admin).await?;
    let owner = tenant.as_ref().map_or(TenantOf::None, TenantOf::Tenant);
    let password = match state
        .passwords
        .check_new(&form.password, &form.password_confirm, &email, owner)
        .await?
    {
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
    let done = auth::complete_setup(
        &state,
        &admin,
        &cookie.token,
        hash,
        &secret,
        step,
        client_ip(&req),
    )
    .await?;
    if !done {
        return setup_invalid(&req, &state);
    }
    Ok(HttpResponse::SeeOther()
        .cookie(cookies::removal(&state, SETUP))
        .insert_header(("location", "/admin/login?setup=done"))
        .finish())
}
