//! The reset pages (docs/architecture.md#the-reset-flow-end-to-end). Handlers parse, call `crate::reset`, and render.

use super::cookies::{self, RESET_FLOW, RESET_TOKEN};
use super::csrf::CsrfForm;
use super::{page, AppError, AppState};
use crate::reset::evaluate::new_flow;
use crate::reset::redeem::{self, CodeOutcome, CompleteOutcome, Next, Redeemed, TotpOutcome};
use crate::reset::request::{self, RequestOutcome};
use crate::security::FlowId;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::SameSite;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/reset").get(form).post(submit))
        .service(web::resource("/reset/code").post(code))
        .service(web::resource("/reset/link/{token}").get(link))
        .service(web::resource("/reset/verify").get(verify_form).post(verify))
        .service(web::resource("/reset/new").get(new_form).post(new_password))
        .service(web::resource("/reset/done").get(done));
}

/// The client address for the audit: the trusted-proxy aware one every limiter uses.
pub(crate) fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    Some(super::client_ip::ClientIp::of(req).0)
}

#[derive(Deserialize)]
pub(crate) struct TokenQuery {
    token: Option<String>,
}

/// `GET /reset`; `GET /reset?token=…` moves the token out of the URL first (docs/security.md#10).
async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    if let Some(token) = &q.token {
        return redeem_link(&req, &state, token).await;
    }
    page::ok(
        &req,
        &state,
        "reset/request.html",
        &page::AddressPage::default(),
    )
}

#[derive(Deserialize)]
pub(crate) struct EmailForm {
    email: String,
}

async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<EmailForm>,
) -> Result<HttpResponse, AppError> {
    // A malformed address reveals nothing about accounts: show the field error.
    let email = match page::typed_address(&req, &state, &form.0.email, "reset/request.html")? {
        Ok(email) => email,
        Err(form_again) => return Ok(form_again),
    };
    let (flow, flow_hash) = new_flow();
    match request::request(&state, &email, flow_hash, client_ip(&req)).await? {
        RequestOutcome::DomainDenied {
            reason,
            tenant_name,
            helpdesk_url,
        } => {
            #[derive(Serialize)]
            struct Unavailable {
                domain: String,
                tenant_name: String,
                helpdesk_url: Option<String>,
                code: &'static str,
                reference: String,
                sentence: String,
            }
            let ctx = Unavailable {
                domain: email.domain().to_string(),
                tenant_name,
                helpdesk_url,
                code: reason.code(),
                reference: reason.reference(),
                sentence: reason.guest_sentence(),
            };
            page::ok(&req, &state, "reset/unavailable.html", &ctx)
        }
        RequestOutcome::Accepted => {
            check_email_page(&req, &state, Some(&flow), None, StatusCode::OK)
        }
    }
}

#[derive(Serialize)]
struct CheckEmail {
    error: Option<String>,
    minutes: u32,
}

/// The uniform "check your email" page, the same for every account (docs/security.md#11).
fn check_email_page(
    req: &HttpRequest,
    state: &AppState,
    flow: Option<&FlowId>,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let mut res = HttpResponse::build(status);
    if let Some(flow) = flow {
        let ttl = i64::from(state.settings.reset.token_ttl_minutes) + 5;
        res.cookie(cookies::build(
            state,
            RESET_FLOW,
            flow.expose().to_string(),
            SameSite::Lax,
            Some(CookieDuration::minutes(ttl)),
        ));
    }
    let ctx = CheckEmail {
        error,
        minutes: state.settings.reset.token_ttl_minutes,
    };
    let html = page::body(req, state, &mut res, "reset/check_email.html", &ctx)?;
    Ok(res.content_type("text/html; charset=utf-8").body(html))
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    code: String,
}

async fn code(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let flow_hash = cookies::read(&req, &state, RESET_FLOW)
        .and_then(|f| crate::security::TokenHash::of_presented(&f))
        .map(|h| h.into_string());
    match redeem::submit_code(&state, flow_hash, &form.0.code, client_ip(&req)).await? {
        CodeOutcome::Valid(r) => Ok(enter(&state, &r)),
        CodeOutcome::Wrong => check_email_page(
            &req,
            &state,
            None,
            Some("That code is not right. Check the email and try again.".into()),
            StatusCode::OK,
        ),
        CodeOutcome::FlowEnded => invalid(&req, &state, false),
    }
}

async fn link(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    redeem_link(&req, &state, &path.into_inner()).await
}

async fn redeem_link(
    req: &HttpRequest,
    state: &AppState,
    token: &str,
) -> Result<HttpResponse, AppError> {
    match redeem::open_link(state, token, client_ip(req)).await? {
        Some(r) => Ok(enter(state, &r)),
        None => invalid(req, state, false),
    }
}

/// The token leaves the URL: it is kept in a sealed, short-lived cookie, and the browser is
/// sent on with a 303 (docs/security.md#10).
fn enter(state: &AppState, r: &Redeemed) -> HttpResponse {
    let ttl = i64::from(state.settings.reset.token_ttl_minutes);
    HttpResponse::SeeOther()
        .cookie(cookies::sealed(
            state,
            RESET_TOKEN,
            r.token_id.clone(),
            SameSite::Lax,
            Some(CookieDuration::minutes(ttl)),
        ))
        .insert_header(("location", r.next.path()))
        .finish()
}

/// The one page for every bad, used, expired or superseded token or code.
fn invalid(
    req: &HttpRequest,
    state: &AppState,
    already_used: bool,
) -> Result<HttpResponse, AppError> {
    #[derive(Serialize)]
    struct Invalid {
        already_used: bool,
    }
    let mut res = HttpResponse::Ok();
    res.cookie(cookies::removal(state, RESET_TOKEN));
    let html = page::body(
        req,
        state,
        &mut res,
        "reset/invalid.html",
        &Invalid { already_used },
    )?;
    Ok(res.content_type("text/html; charset=utf-8").body(html))
}

fn token_cookie(req: &HttpRequest, state: &AppState) -> Option<String> {
    cookies::open(req, state, RESET_TOKEN)
}

#[derive(Serialize, Default)]
struct StepPage {
    error: Option<String>,
}

async fn verify_form(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Some(id) = token_cookie(&req, &state) else {
        return invalid(&req, &state, false);
    };
    match redeem::load_live(&state, &id).await? {
        Some((t, u, _)) if redeem::needs_totp(&t, &u) => {
            page::ok(&req, &state, "reset/verify.html", &StepPage::default())
        }
        Some(_) => Ok(see_other(Next::NewPassword.path())),
        None => invalid(&req, &state, false),
    }
}

async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let Some(id) = token_cookie(&req, &state) else {
        return invalid(&req, &state, false);
    };
    match redeem::verify_totp(&state, &id, &form.0.code, client_ip(&req)).await? {
        TotpOutcome::Accepted => Ok(see_other(Next::NewPassword.path())),
        TotpOutcome::Wrong => {
            let ctx = StepPage {
                error: Some("That code is not right. Enter the 6-digit code your authenticator app shows now.".into()),
            };
            page::ok(&req, &state, "reset/verify.html", &ctx)
        }
        TotpOutcome::Burned | TotpOutcome::Invalid => invalid(&req, &state, false),
    }
}

fn see_other(path: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("location", path))
        .finish()
}

#[derive(Serialize)]
struct NewPage {
    error: Option<String>,
    min_chars: u32,
    email: String,
}

async fn new_form(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let Some(id) = token_cookie(&req, &state) else {
        return invalid(&req, &state, false);
    };
    match redeem::load_live(&state, &id).await? {
        Some((t, u, _)) if redeem::needs_totp(&t, &u) => Ok(see_other(Next::Totp.path())),
        Some((_, user, _)) => {
            let ctx = NewPage {
                error: None,
                min_chars: state.settings.password.min_chars,
                email: user.email,
            };
            page::ok(&req, &state, "reset/new.html", &ctx)
        }
        None => invalid(&req, &state, false),
    }
}

#[derive(Deserialize)]
pub(crate) struct NewPasswordForm {
    password: String,
    password_confirm: String,
}

async fn new_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<NewPasswordForm>,
) -> Result<HttpResponse, AppError> {
    let Some(id) = token_cookie(&req, &state) else {
        return invalid(&req, &state, false);
    };
    let form = form.0;
    match redeem::complete(
        &state,
        &id,
        &form.password,
        &form.password_confirm,
        client_ip(&req),
    )
    .await?
    {
        CompleteOutcome::Done => Ok(HttpResponse::SeeOther()
            .cookie(cookies::removal(&state, RESET_TOKEN))
            .cookie(cookies::removal(&state, RESET_FLOW))
            .insert_header(("location", "/reset/done"))
            .finish()),
        CompleteOutcome::Rejected(reason) => {
            let email = redeem::load_live(&state, &id)
                .await?
                .map(|(_, u, _)| u.email)
                .unwrap_or_default();
            let ctx = NewPage {
                error: Some(reason.to_string()),
                min_chars: state.settings.password.min_chars,
                email,
            };
            page::render(&req, &state, StatusCode::OK, "reset/new.html", &ctx)
        }
        CompleteOutcome::DirectoryRejected(rejection) => {
            let email = redeem::load_live(&state, &id)
                .await?
                .map(|(_, u, _)| u.email)
                .unwrap_or_default();
            let ctx = NewPage {
                error: Some(rejection.reason.message().to_string()),
                min_chars: state.settings.password.min_chars,
                email,
            };
            page::render(&req, &state, StatusCode::OK, "reset/new.html", &ctx)
        }
        CompleteOutcome::DirectoryUnavailable => {
            let ctx = DirectoryDown {
                status: 503,
                title: "We could not change your password right now",
                message: "Nothing was changed. Please try again in a few minutes: \
                          your link still works.",
            };
            page::render(
                &req,
                &state,
                StatusCode::SERVICE_UNAVAILABLE,
                "errors/error.html",
                &ctx,
            )
        }
        CompleteOutcome::AlreadyUsed => invalid(&req, &state, true),
        CompleteOutcome::TotpPending => Ok(see_other(Next::Totp.path())),
        CompleteOutcome::Invalid => invalid(&req, &state, false),
    }
}

/// The directory could not take the new password (unreachable, timed out).
#[derive(serde::Serialize)]
struct DirectoryDown {
    status: u16,
    title: &'static str,
    message: &'static str,
}

async fn done(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    page::ok(&req, &state, "reset/done.html", &StepPage::default())
}
