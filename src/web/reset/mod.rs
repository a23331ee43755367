//! The reset pages (docs/architecture.md#the-reset-flow-end-to-end). Handlers parse, call `crate::reset`, and render.

use super::cookies::{self, RESET_TOKEN};
use super::csrf::CsrfForm;
use super::page::{see_other, AddressPage, Page};
use super::{AppError, AppState};
use crate::i18n::messages;
use crate::reset::evaluate::new_flow;
use crate::reset::redeem::{self, CodeOutcome, Redeemed};
use crate::reset::request::{self, RequestOutcome};
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::SameSite;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

mod flow;
mod not_me;
mod steps;
pub(crate) use steps::NewPasswordForm;

/// The check-email page, where the emailed code is typed.
const CHECK_EMAIL: &str = "/reset/code";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/reset").get(form).post(submit))
        .service(web::resource(CHECK_EMAIL).get(check_email).post(code))
        .service(web::resource("/reset/link/{token}").get(link))
        .service(
            web::resource("/reset/verify")
                .get(steps::verify_form)
                .post(steps::verify),
        )
        .service(
            web::resource("/reset/new")
                .get(steps::new_form)
                .post(steps::new_password),
        )
        .service(web::resource("/reset/done").get(steps::done));
    not_me::configure(cfg);
}

/// The request's browser in words, for the mail it causes.
pub(crate) fn browser(req: &HttpRequest) -> crate::domain::user_agent::BrowserWords {
    crate::domain::user_agent::BrowserWords::from_user_agent(
        req.headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    )
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
async fn form(page: Page, q: web::Query<TokenQuery>) -> Result<HttpResponse, AppError> {
    if let Some(token) = &q.token {
        return redeem_link(&page, token).await;
    }
    page.ok("reset/request.html", &AddressPage::default())
}

#[derive(Deserialize)]
pub(crate) struct EmailForm {
    email: String,
}

async fn submit(page: Page, form: CsrfForm<EmailForm>) -> Result<HttpResponse, AppError> {
    // A malformed address reveals nothing about accounts: show the field error.
    let email = match page.typed_address(&form.0.email, "reset/request.html")? {
        Ok(email) => email,
        Err(form_again) => return Ok(form_again),
    };
    let (flow, flow_hash) = new_flow();
    match request::request(
        &page.state,
        &email,
        flow_hash,
        page.client_ip(),
        Some(page.lang()),
        browser(&page.req),
    )
    .await?
    {
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
                sentence: String,
            }
            let ctx = Unavailable {
                domain: email.domain().to_string(),
                tenant_name,
                helpdesk_url,
                // No reference code for the guest: the helpdesk finds the refusal, with its
                // reason, in the guest's audit timeline by address.
                sentence: messages::deny_sentence(page.lang(), &reason),
            };
            page.ok("reset/unavailable.html", &ctx)
        }
        // Post-redirect-get: a refresh of the page that follows asks for nothing again.
        RequestOutcome::Accepted => Ok(HttpResponse::SeeOther()
            .cookie(flow::cookie(&page.state, &flow, &email))
            .insert_header(("location", CHECK_EMAIL))
            .finish()),
    }
}

/// The check-email page's context: the same for every address typed (docs/security.md#11).
#[derive(Serialize)]
struct CheckEmail {
    /// The address of this browser's flow, shown back so a typo is noticed.
    email: Option<String>,
    error: Option<String>,
    minutes: u32,
}

/// `GET /reset/code`: the uniform "check your email" page that `POST /reset` redirects to. A
/// refresh shows it again and asks for nothing.
async fn check_email(page: Page) -> Result<HttpResponse, AppError> {
    match flow::read(&page.req, &page.state) {
        Some(f) => check_email_page(&page, Some(f.email), None),
        None => Ok(see_other("/reset")),
    }
}

fn check_email_page(
    page: &Page,
    email: Option<String>,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let ctx = CheckEmail {
        email,
        error,
        minutes: page.state.settings.reset.token_ttl_minutes,
    };
    page.ok("reset/check_email.html", &ctx)
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    code: String,
}

async fn code(page: Page, form: CsrfForm<CodeForm>) -> Result<HttpResponse, AppError> {
    let (flow_hash, email) = match flow::read(&page.req, &page.state) {
        Some(f) => (f.hash, Some(f.email)),
        None => (None, None),
    };
    match redeem::submit_code(&page.state, flow_hash, &form.0.code, page.client_ip()).await? {
        CodeOutcome::Valid(r) => Ok(enter(&page.state, &r)),
        CodeOutcome::Wrong { tries_left } => {
            let error = messages::code_wrong(page.lang(), tries_left);
            check_email_page(&page, email, Some(error))
        }
        CodeOutcome::FlowEnded => invalid(&page, false),
    }
}

async fn link(page: Page, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    redeem_link(&page, &path.into_inner()).await
}

async fn redeem_link(page: &Page, token: &str) -> Result<HttpResponse, AppError> {
    match redeem::open_link(&page.state, token, page.client_ip()).await? {
        Some(r) => Ok(enter(&page.state, &r)),
        None => invalid(page, false),
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
pub(super) fn invalid(page: &Page, already_used: bool) -> Result<HttpResponse, AppError> {
    #[derive(Serialize)]
    struct Invalid {
        already_used: bool,
    }
    let mut res = HttpResponse::Ok();
    res.cookie(cookies::removal(&page.state, RESET_TOKEN));
    page.render_into(res, "reset/invalid.html", &Invalid { already_used })
}

/// The redeemed reset token this browser carries, if any.
pub(super) fn token_cookie(page: &Page) -> Option<String> {
    cookies::open(&page.req, &page.state, RESET_TOKEN)
}
