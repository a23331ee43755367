//! "Manage this organisation" (docs/onboarding.md): `/account/organisation` shows where the signed-in
//! guest stands, `POST …/start` issues the TXT record to publish, `POST …/verify` checks it in
//! DNS and completes the takeover ([`crate::onboarding::takeover`]).

use super::csrf::{CsrfForm, NoFields};
use super::reset::client_ip;
use super::session::GuestSession;
use super::{page, AppError, AppState};
use crate::onboarding::takeover::{self, TakeoverState, VerifyOutcome, SETUP_LINK_HOURS};
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret as _;
use serde::Serialize;

/// Registers `/account/organisation` and its two POSTs.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/account/organisation").get(show))
        .service(web::resource("/account/organisation/start").post(start))
        .service(web::resource("/account/organisation/verify").post(verify));
}

#[derive(Serialize, Default)]
struct Page {
    state: Option<TakeoverState>,
    ineligible_text: Option<String>,
    expires_at: Option<String>,
    notice: Option<String>,
    error: Option<String>,
    setup_link: Option<String>,
    setup_hours: i64,
}

fn render(
    req: &HttpRequest,
    state: &AppState,
    s: &GuestSession,
    takeover: TakeoverState,
    mut ctx: Page,
) -> Result<HttpResponse, AppError> {
    ctx.ineligible_text = takeover.ineligible.map(|i| i.to_string());
    ctx.expires_at = takeover
        .challenge
        .as_ref()
        .map(|c| crate::mail::words::utc_date_time(c.expires_at));
    ctx.setup_hours = SETUP_LINK_HOURS;
    ctx.state = Some(takeover);
    let res = page::ok(req, state, "takeover/index.html", &ctx)?;
    Ok(s.respond(state, res))
}

/// `GET /account/organisation`.
async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    s: GuestSession,
) -> Result<HttpResponse, AppError> {
    let t = takeover::status(&state, &s.user).await?;
    render(&req, &state, &s, t, Page::default())
}

/// `POST /account/organisation/start`.
async fn start(
    req: HttpRequest,
    state: web::Data<AppState>,
    s: GuestSession,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let started = takeover::start(&state, &s.user, client_ip(&req)).await?;
    let t = takeover::status(&state, &s.user).await?;
    let ctx = Page {
        error: started.err().map(|i| i.to_string()),
        ..Page::default()
    };
    render(&req, &state, &s, t, ctx)
}

/// `POST /account/organisation/verify`.
async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    s: GuestSession,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let outcome = takeover::verify(&state, &s.user, client_ip(&req)).await?;
    let t = takeover::status(&state, &s.user).await?;
    let ctx = match &outcome {
        VerifyOutcome::Verified { setup_link, .. } => Page {
            notice: Some(outcome.message()),
            setup_link: Some(setup_link.expose_secret().to_string()),
            ..Page::default()
        },
        other => Page {
            error: Some(other.message()),
            ..Page::default()
        },
    };
    render(&req, &state, &s, t, ctx)
}
