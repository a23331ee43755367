//! Rendering a page: the template, a fresh CSRF token for its forms, and the binding cookie
//! when the browser has none yet.

use super::{csrf, AppError, AppState};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::Serialize;

/// Renders `template` with `ctx` plus `csrf_token`, as an HTML response with `status`.
pub fn render<C: Serialize>(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    template: &str,
    ctx: &C,
) -> Result<HttpResponse, AppError> {
    let mut res = HttpResponse::build(status);
    let html = body(req, state, &mut res, template, ctx)?;
    Ok(res.content_type("text/html; charset=utf-8").body(html))
}

/// Renders the body into `res`'s context (adds the CSRF cookie to `res` when needed).
pub fn body<C: Serialize>(
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
    }
    if let Some(cookie) = issue.cookie {
        res.cookie(cookie);
    }
    Ok(state.templates.render(template, &value)?)
}

/// A plain 200 page.
pub fn ok<C: Serialize>(
    req: &HttpRequest,
    state: &AppState,
    template: &str,
    ctx: &C,
) -> Result<HttpResponse, AppError> {
    render(req, state, StatusCode::OK, template, ctx)
}
