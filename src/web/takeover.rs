//! "Manage this organisation" (docs/onboarding.md): `/account/organisation` shows where the signed-in
//! guest stands, `POST …/start` issues the TXT record to publish, `POST …/verify` checks it in
//! DNS and completes the takeover ([`crate::onboarding::takeover`]).

use super::csrf::{CsrfForm, NoFields};
use super::session::AccountPage;
use super::AppError;
use crate::i18n::{messages, words};
use crate::onboarding::takeover::{self, TakeoverState, VerifyOutcome, SETUP_LINK_HOURS};
use actix_web::{web, HttpResponse};
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
    page: &AccountPage,
    takeover: TakeoverState,
    mut ctx: Page,
) -> Result<HttpResponse, AppError> {
    let lang = page.lang();
    ctx.ineligible_text = takeover
        .ineligible
        .map(|i| messages::takeover_ineligible(lang, i));
    ctx.expires_at = takeover
        .challenge
        .as_ref()
        .map(|c| words::date_time(lang, c.expires_at));
    ctx.setup_hours = SETUP_LINK_HOURS;
    ctx.state = Some(takeover);
    let res = page.ok("takeover/index.html", &ctx)?;
    Ok(page.respond(res))
}

/// `GET /account/organisation`.
async fn show(page: AccountPage) -> Result<HttpResponse, AppError> {
    let t = takeover::status(&page.state, page.user()).await?;
    render(&page, t, Page::default())
}

/// `POST /account/organisation/start`.
async fn start(page: AccountPage, _form: CsrfForm<NoFields>) -> Result<HttpResponse, AppError> {
    let started = takeover::start(&page.state, page.user(), page.client_ip()).await?;
    let t = takeover::status(&page.state, page.user()).await?;
    let ctx = Page {
        error: started
            .err()
            .map(|i| messages::takeover_ineligible(page.lang(), i)),
        ..Page::default()
    };
    render(&page, t, ctx)
}

/// `POST /account/organisation/verify`.
async fn verify(page: AccountPage, _form: CsrfForm<NoFields>) -> Result<HttpResponse, AppError> {
    let outcome = takeover::verify(&page.state, page.user(), page.client_ip()).await?;
    let t = takeover::status(&page.state, page.user()).await?;
    let message = messages::takeover_outcome(
        page.lang(),
        &outcome,
        &page.state.settings.branding.service_name,
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
    render(&page, t, ctx)
}
