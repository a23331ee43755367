//! Set-up: the one-time link, then the password and the authenticator (enrolled by QR code,
//! confirmed by a code).

use super::common::{now_unix, unix_u64};
use crate::console::auth;
use crate::console::Admin;
use crate::passwords::TenantOf;
use crate::security::{totp, TotpSecret};
use crate::web::cookies;
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::{AppError, AppState};
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::SameSite;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

/// The sealed cookie that carries the set-up token and the TOTP secret being enrolled.
const SETUP: &str = "lk_admin_setup";
/// The issuer shown in authenticator apps.
const TOTP_ISSUER: &str = "Latchkey admin";

#[derive(Serialize, Deserialize)]
struct SetupCookie {
    token: String,
    secret: String,
    /// The hash of a new password that passed the checks while the code was wrong: kept (sealed
    /// in this cookie, never shown) so the admin retypes only the code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    password_hash: Option<String>,
}

impl SetupCookie {
    fn sealed(&self, state: &AppState) -> Result<actix_web::cookie::Cookie<'static>, AppError> {
        let value = serde_json::to_string(self).map_err(anyhow::Error::from)?;
        // Lax: the link arrives from mail or chat, a cross-site navigation.
        Ok(cookies::sealed(
            state,
            SETUP,
            value,
            SameSite::Lax,
            Some(CookieDuration::minutes(30)),
        ))
    }
}

fn setup_invalid(page: &Page) -> Result<HttpResponse, AppError> {
    #[derive(Serialize)]
    struct Empty {}
    let mut res = HttpResponse::Ok();
    res.cookie(cookies::removal(&page.state, SETUP));
    page.render_into(res, "admin/setup_invalid.html", &Empty {})
}

/// `GET /admin/setup/{token}`: the token leaves the URL (like reset links, docs/security.md#10).
/// A GET changes nothing stored, so a link scanner opening it does no harm.
pub(super) async fn setup_link(
    page: Page,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    if auth::setup_admin(&page.state, &token).await?.is_none() {
        return setup_invalid(&page);
    }
    let cookie = SetupCookie {
        token,
        secret: TotpSecret::generate().expose_base32().to_string(),
        password_hash: None,
    };
    Ok(HttpResponse::SeeOther()
        .cookie(cookie.sealed(&page.state)?)
        .insert_header(("location", "/admin/setup"))
        .finish())
}

/// A field's error, for the error summary (which links to the field) and the field itself.
#[derive(Serialize)]
struct FieldError {
    field: &'static str,
    message: String,
}

#[derive(Serialize)]
struct SetupPage {
    email: String,
    qr_svg_base64: String,
    secret: String,
    min_chars: u32,
    errors: Vec<FieldError>,
    password_error: Option<String>,
    code_error: Option<String>,
    /// A new password passed the checks and is kept: its fields may stay empty.
    password_kept: bool,
}

/// What went wrong in a submitted set-up form.
#[derive(Default)]
struct Problems {
    password: Option<String>,
    code: Option<String>,
}

async fn setup_state(page: &Page) -> Result<Option<(SetupCookie, Admin, TotpSecret)>, AppError> {
    let Page { req, state, .. } = page;
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

/// The set-up page: `problems` next to their fields and in the summary at the top; `cookie`
/// replaces the set-up cookie (a password kept or dropped).
fn setup_page(
    page: &Page,
    admin: &Admin,
    cookie: &SetupCookie,
    secret: &TotpSecret,
    problems: Problems,
    set_cookie: bool,
) -> Result<HttpResponse, AppError> {
    let mut errors = Vec::new();
    if let Some(m) = &problems.password {
        errors.push(FieldError {
            field: "password",
            message: m.clone(),
        });
    }
    if let Some(m) = &problems.code {
        errors.push(FieldError {
            field: "code",
            message: m.clone(),
        });
    }
    let ctx = SetupPage {
        email: admin.email.to_string(),
        qr_svg_base64: secret.qr_svg_base64(TOTP_ISSUER, admin.email.as_str())?,
        secret: secret.expose_base32().to_string(),
        min_chars: page.state.settings.password.min_chars,
        errors,
        password_error: problems.password,
        code_error: problems.code,
        password_kept: cookie.password_hash.is_some(),
    };
    let mut res = HttpResponse::Ok();
    if set_cookie {
        res.cookie(cookie.sealed(&page.state)?);
    }
    page.render_into(res, "admin/setup.html", &ctx)
}

pub(super) async fn setup_form(page: Page) -> Result<HttpResponse, AppError> {
    match setup_state(&page).await? {
        Some((cookie, admin, secret)) => {
            setup_page(&page, &admin, &cookie, &secret, Problems::default(), false)
        }
        None => setup_invalid(&page),
    }
}

#[derive(Deserialize)]
pub(crate) struct SetupForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    code: String,
}

const WRONG_CODE: &str = "That code is not right. Scan the QR code (or type the key) into your \
                          authenticator app, then enter the 6-digit code it shows now.";

pub(super) async fn setup_submit(
    page: Page,
    form: CsrfForm<SetupForm>,
) -> Result<HttpResponse, AppError> {
    let Some((mut cookie, admin, secret)) = setup_state(&page).await? else {
        return setup_invalid(&page);
    };
    let (form, state) = (form.0, &page.state);
    let step = totp::verify(&secret, &form.code, unix_u64(now_unix(state)), None);
    let code_problem = step.is_none().then(|| WRONG_CODE.to_string());
    // Empty password fields keep a password accepted before (when there is one).
    let keep = form.password.is_empty() && form.password_confirm.is_empty();
    let hash = match cookie.password_hash.clone().filter(|_| keep) {
        Some(kept) => kept,
        None => {
            let tenant = auth::tenant(state, &admin).await?;
            let owner = tenant.as_ref().map_or(TenantOf::None, TenantOf::Tenant);
            let checked = state
                .passwords
                .check_new(&form.password, &form.password_confirm, &admin.email, owner)
                .await?;
            let password = match checked {
                Ok(p) => p,
                Err(reason) => {
                    // Passwords are never written back into a page: both fields are empty
                    // again, and the message says so.
                    cookie.password_hash = None;
                    let problems = Problems {
                        password: Some(format!(
                            "{reason} For your security the password fields were cleared: \
                             type the new password in both again."
                        )),
                        code: code_problem,
                    };
                    return setup_page(&page, &admin, &cookie, &secret, problems, true);
                }
            };
            state
                .hasher
                .hash(password.into_secret())
                .await
                .map_err(AppError::Unexpected)?
        }
    };
    let Some(step) = step else {
        // The password was fine: keep its hash so only the code needs typing again.
        cookie.password_hash = Some(hash);
        let problems = Problems {
            password: None,
            code: code_problem,
        };
        return setup_page(&page, &admin, &cookie, &secret, problems, true);
    };
    let ip = page.client_ip();
    let done = auth::complete_setup(state, &admin, &cookie.token, hash, &secret, step, ip).await?;
    if !done {
        return setup_invalid(&page);
    }
    Ok(HttpResponse::SeeOther()
        .cookie(cookies::removal(state, SETUP))
        .insert_header(("location", "/admin/login?setup=done"))
        .finish())
}
