//! HTTP: routes by area, thin handlers (parse → limit → call a service → render).
//! Only this module (and `startup`) imports actix-web.

mod account;
mod account_language;
mod admin;
pub mod api;
mod brand;
pub mod client_ip;
pub mod cookies;
pub mod csrf;
mod device;
pub mod errors;
#[doc(hidden)]
pub mod fuzzing;
mod health;
mod invite;
pub mod lang;
pub mod middleware;
pub mod page;
mod pages;
pub mod ratelimit;
mod reset;
pub mod session;
mod signin;
mod signup;
mod takeover;
mod verify;

use crate::services::Services;
use actix_web::web;

pub use crate::services::templates::Templates;
pub use errors::AppError;

/// Everything a handler needs, shared by all workers (no global state): the services plus
/// the web-only keys. Derefs to [`Services`], so `state.db`, `state.settings` … read naturally.
#[derive(Debug, Clone)]
pub struct AppState {
    pub services: Services,
    pub cookie_key: cookies::CookieKey,
    pub csrf: crate::security::CsrfKey,
}

impl std::ops::Deref for AppState {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.services
    }
}

/// The state of the app serving `req`, for an extractor (every app registers one).
pub(crate) fn state_of(req: &actix_web::HttpRequest) -> Result<&web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("no app state")))
}

/// The future of an extractor that awaits `f` on the request and the state (both owned: the
/// future outlives the borrow `from_request` is given).
pub(crate) fn extract_with<T, F, Fut>(
    req: &actix_web::HttpRequest,
    f: F,
) -> futures_util::future::LocalBoxFuture<'static, Result<T, actix_web::Error>>
where
    F: FnOnce(actix_web::HttpRequest, web::Data<AppState>) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<T, actix_web::Error>> + 'static,
{
    let req = req.clone();
    Box::pin(async move {
        let state = state_of(&req)?.clone();
        f(req, state).await
    })
}

/// The management listener's routes (`management_bind`): `/healthz`, `/readyz`, `/metrics`.
pub fn configure_management(cfg: &mut web::ServiceConfig) {
    cfg.configure(health::configure_management);
}

/// Registers every route of the public listener.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::FormConfig::default()
            .limit(middleware::FORM_LIMIT)
            .error_handler(|err, _req| match err {
                actix_web::error::UrlencodedError::Overflow { .. } => {
                    AppError::PayloadTooLarge.into()
                }
                other => AppError::BadRequest(other.to_string()).into(),
            }),
    )
    .app_data(web::PayloadConfig::default().limit(middleware::UPLOAD_LIMIT))
    .app_data(
        web::JsonConfig::default()
            .limit(64 * 1024)
            .error_handler(|err, _req| match err {
                actix_web::error::JsonPayloadError::Overflow { .. }
                | actix_web::error::JsonPayloadError::OverflowKnownLength { .. } => {
                    AppError::PayloadTooLarge.into()
                }
                other => AppError::BadRequest(other.to_string()).into(),
            }),
    )
    .configure(health::configure)
    .configure(pages::configure)
    .configure(lang::configure)
    .configure(reset::configure)
    .configure(signin::configure)
    .configure(account::configure)
    .configure(verify::configure)
    .configure(admin::configure)
    .configure(invite::configure)
    .configure(signup::configure)
    .configure(takeover::configure)
    .configure(api::configure);
}
