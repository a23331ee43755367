//! HTTP: routes by area, thin handlers (parse → limit → call a service → render).
//! Only this module (and `startup`) imports actix-web.

pub mod client_ip;
pub mod errors;
mod health;
pub mod metrics;
pub mod middleware;
mod pages;
pub mod ratelimit;
pub mod templates;

use crate::clock::SharedClock;
use crate::config::Settings;
use crate::db::Db;
use actix_web::web;
use std::sync::Arc;

pub use errors::AppError;
pub use templates::Templates;

/// Everything a handler needs, shared by all workers (no global state).
#[derive(Debug, Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub templates: Arc<Templates>,
    pub clock: SharedClock,
    pub metrics: Arc<metrics::Metrics>,
    pub deliverability: Arc<crate::deliverability::Deliverability>,
    pub mailer: crate::mail::Mailer,
    /// Every rate limiter: in-process (middleware) and persistent (handlers, worker).
    pub rate_limits: crate::ratelimit::RateLimits,
}

/// Registers every route.
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
    .configure(pages::configure);
}
