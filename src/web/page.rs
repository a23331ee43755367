//! Rendering a page: the template, a fresh CSRF token for its forms, and the binding cookie
//! when the browser has none yet; and the 303 that sends a browser on to a page. [`Page`] is
//! what a page's handler takes to answer with them.

use super::{csrf, AppError, AppState};
use crate::domain::EmailAddress;
use crate::i18n::Lang;
use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder};
use futures_util::future::LocalBoxFuture;
use serde::Serialize;
use std::net::IpAddr;

/// The request of a page, with the state that answers it and who asks: `W` is the extractor
/// that lets only them through ([`AdminCtx`](super::admin::AdminCtx) on the console,
/// [`GuestSession`](super::session::GuestSession) on the account pages), `()` on the pages anyone
/// may open. Extracted as one handler argument.
pub struct Page<W = ()> {
    pub req: HttpRequest,
    pub state: web::Data<AppState>,
    pub who: W,
}

impl<W> Page<W> {
    /// Renders `template` with `ctx` ([`render`]).
    pub fn render<C: Serialize>(
        &self,
        status: StatusCode,
        template: &str,
        ctx: &C,
    ) -> Result<HttpResponse, AppError> {
        render(&self.req, &self.state, status, template, ctx)
    }

    /// A plain 200 page.
    pub fn ok<C: Serialize>(&self, template: &str, ctx: &C) -> Result<HttpResponse, AppError> {
        self.render(StatusCode::OK, template, ctx)
    }

    /// Renders into a response the caller has begun ([`render_into`]).
    pub fn render_into<C: Serialize>(
        &self,
        res: HttpResponseBuilder,
        template: &str,
        ctx: &C,
    ) -> Result<HttpResponse, AppError> {
        render_into(&self.req, &self.state, res, template, ctx)
    }

    /// The language the page speaks ([`super::lang::of_request`]).
    pub fn lang(&self) -> Lang {
        super::lang::of_request(&self.req, &self.state)
    }

    /// The client address for the audit and the limits ([`super::reset::client_ip`]).
    pub fn client_ip(&self) -> Option<IpAddr> {
        super::reset::client_ip(&self.req)
    }
}

impl<W> FromRequest for Page<W>
where
    W: FromRequest + 'static,
    W::Future: 'static,
{
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let who = W::from_request(req, payload);
        let (req, state) = (req.clone(), super::state_of(req).cloned());
        Box::pin(async move {
            let who = who.await.map_err(Into::into)?;
            Ok(Page {
                req,
                state: state?,
                who,
            })
        })
    }
}

/// Renders `template` with `ctx` plus `csrf_token`, as an HTML response with `status`.
fn render<C: Serialize>(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    template: &str,
    ctx: &C,
) -> Result<HttpResponse, AppError> {
    render_into(req, state, HttpResponse::build(status), template, ctx)
}

/// As [`render`], into a response the caller has begun (a status and cookies of its own).
fn render_into<C: Serialize>(
    req: &HttpRequest,
    state: &AppState,
    mut res: HttpResponseBuilder,
    template: &str,
    ctx: &C,
) -> Result<HttpResponse, AppError> {
    let html = body(req, state, &mut res, template, ctx)?;
    Ok(res.content_type("text/html; charset=utf-8").body(html))
}

/// Renders the body into `res`'s context (adds the CSRF cookie to `res` when needed).
fn body<C: Serialize>(
    req: &HttpRequest,
    state: &AppState,
    res: &mut HttpResponseBuilder,
    template: &str,
    ctx: &C,
) -> Result<String, AppError> {
    let issue = csrf::issue(req, state);
    let mut value = serde_json::to_value(ctx).map_err(anyhow::Error::from)?;
    if let Some(map) = value.as_object_mut() {
        map.insert("csrf_token".into(), issue.token.into());
        super::lang::add_to_context(req, state, map);
        super::brand::add_to_context(req, map);
        // The console's bar names the zone its times are shown in (an admin's preference).
        if let Some(tz) = super::admin::time_zone::from_request(req, state) {
            map.insert("time_zone".into(), tz.name().into());
        }
    }
    if let Some(cookie) = issue.cookie {
        res.cookie(cookie);
    }
    Ok(state.templates.render(template, &value)?)
}

/// A 303 to `location`: after a form is handled, a refresh of the page that follows posts
/// nothing again.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// What a guest typed into an address field, cut to the longest address, to show it back.
pub fn echo(typed: &str) -> String {
    typed.chars().take(254).collect()
}

/// The context of a form that asks for one address: what was typed and the field error.
#[derive(Serialize, Default)]
pub struct AddressPage {
    pub email: String,
    pub error: Option<String>,
}

impl Page {
    /// The address typed into `template`'s form, or (`Err`) that form again with the field
    /// error and 400. A malformed address reveals nothing about accounts (docs/security.md#11).
    pub fn typed_address(
        &self,
        typed: &str,
        template: &str,
    ) -> Result<Result<EmailAddress, HttpResponse>, AppError> {
        match EmailAddress::parse(typed) {
            Ok(address) => Ok(Ok(address)),
            Err(e) => {
                let ctx = AddressPage {
                    email: echo(typed),
                    error: Some(crate::i18n::messages::email_error(self.lang(), &e)),
                };
                self.render(StatusCode::BAD_REQUEST, template, &ctx)
                    .map(Err)
            }
        }
    }
}
