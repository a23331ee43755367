//! "Manage this organisation" (docs/onboarding.md): `/account/organisation` shows where the signed-in
//! guest stands, `POST …/start` issues the TXT record to publish, `POST …/verify` checks it in
//! DNS and completes the takeover ([`crate::onboarding::takeover`]).

use super::csrf::{CsrfForm, NoFields};
use super::reset::client_ip;
use super::session::GuestSession;
use super::{lang, page, AppError, AppState};
use crate::i18n::{messages, words};
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
    let lang = lang::of_request(req, state);
    ctx.ineligible_text = takeover
        .ineligible
        .map(|i| messages::takeover_ineligible(lang, i));
    ctx.expires_at = takeover
        .challenge
        .as_ref()
        .map(|c| words::date_time(lang, c.expires_at));
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
    let lang = lang::of_request(&req, &state);
    let ctx = Page {
        error: started
            .err()
            .map(|i| messages::takeover_ineligible(lang, i)),
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
    let message = messages::takeover_outcome(
        lang::of_request(&req, &state),
        &outcome,
        &state.settings.branding.service_name,
    );
    let ctx = match &outcome {
        VerifyOutcome::Verified { setup_link, .. } => Page {
            notice: Some(message),
            setup_link: Some(setup_link.expose_secret().to_string()),
            ..Page::default()
        },
        _ => Page {
            error: Some(message),
            ..Page::default()
        },
    };
    render(&req, &state, &s, t, ctx)
}
