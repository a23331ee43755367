//! Set-up: the one-time link, then the password and the authenticator (enrolled by QR code,
//! confirmed by a code).

use super::common::{now_unix, sign_in_event, unix_u64};
use crate::db::audit;
use crate::db::models::Admin;
use crate::db::{admins, tenants};
use crate::domain::password::PasswordContext;
use crate::domain::{AdminId, EmailAddress, TenantId};
use crate::security::{totp, SeedOwner, TokenHash, TotpSecret};
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

/// `GET /admin/setup/{token}`: the token leaves the URL (like reset links, docs/security.md#10).
/// A GET changes nothing stored, so a link scanner opening it does no harm.
pub(super) async fn setup_link(
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
    // Stored encrypted, bound to this admin's row.
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
