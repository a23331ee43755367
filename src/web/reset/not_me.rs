//! "This wasn't me" (`crate::reset::not_me`): `GET /reset/not-me/{token}` moves the token into
//! a sealed cookie and redirects (the token leaves the URL, docs/security.md#10);
//! `GET /reset/not-me` shows what confirming will do, with a POST form, and changes nothing;
//! `POST /reset/not-me` (CSRF, rate limited with the token pages) does it, once.

use super::browser;
use crate::reset::not_me::{self, ReportOutcome};
use crate::web::cookies::{self, NOT_ME};
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::AppError;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::SameSite;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

const PAGE: &str = "/reset/not-me";

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource(PAGE).get(confirm_form).post(confirm))
        .service(web::resource("/reset/not-me/{token}").get(open));
}

/// `GET /reset/not-me/{token}`: no lookup, no action; the token goes into the cookie.
async fn open(page: Page, path: web::Path<String>) -> HttpResponse {
    let token: String = path.into_inner().chars().take(128).collect();
    HttpResponse::SeeOther()
        .cookie(cookies::sealed(
            &page.state,
            NOT_ME,
            token,
            SameSite::Lax,
            Some(CookieDuration::minutes(30)),
        ))
        .insert_header(("location", PAGE))
        .finish()
}

#[derive(Serialize)]
struct NotMePage {
    /// `confirm`, `done` or `invalid`.
    step: &'static str,
}

fn render(page: &Page, step: &'static str) -> Result<HttpResponse, AppError> {
    let mut res = HttpResponse::Ok();
    if step != "confirm" {
        res.cookie(cookies::removal(&page.state, NOT_ME));
    }
    page.render_into(res, "reset/not_me.html", &NotMePage { step })
}

/// `GET /reset/not-me`: the confirmation page (reads only), or the invalid-link page.
async fn confirm_form(page: Page) -> Result<HttpResponse, AppError> {
    let live = match cookies::open(&page.req, &page.state, NOT_ME) {
        Some(token) => not_me::is_live(&page.state, &token).await?,
        None => false,
    };
    render(&page, if live { "confirm" } else { "invalid" })
}

#[derive(Deserialize)]
pub(crate) struct Empty {}

/// `POST /reset/not-me`: ends sessions, revokes links and codes, tells the admins; once.
async fn confirm(page: Page, _form: CsrfForm<Empty>) -> Result<HttpResponse, AppError> {
    let token = cookies::open(&page.req, &page.state, NOT_ME).unwrap_or_default();
    let (ip, browser) = (page.client_ip(), browser(&page.req));
    let step = match not_me::report(&page.state, &token, ip, browser).await? {
        ReportOutcome::Done => "done",
        ReportOutcome::Invalid => "invalid",
    };
    render(&page, step)
}
