//! The rate-limit middleware: classifies every request into a route group (before routing, so
//! a path without a handler is limited too), checks the in-process limiter under the
//! [`ClientIp`], and answers a refused request with [`AppError::RateLimited`] → 429 +
//! `Retry-After` (page or JSON, by `render_error_pages`), or [`AppError::Busy`] → 503 +
//! `Retry-After` past the instance-wide sign-in ceiling. The API's limits are applied by its
//! authentication through [`check_api_key`] and [`check_api_address`] (docs/security.md#29).
//! Each refusal is counted in `/metrics` (`latchkey_rate_limited_total{limiter=…}`) and audited
//! once per key and window (docs/security.md#29, #36).

use super::client_ip::ClientIp;
use super::{AppError, AppState};
use crate::domain::ApiKeyId;
use crate::ratelimit::{classify, LimitKey, Limited, Limiter};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};
use std::net::{IpAddr, Ipv4Addr};

/// The key of the unkeyed `POST /reset` ceiling in the hit audit (one row per window).
const GLOBAL_KEY: LimitKey = LimitKey::Ip(IpAddr::V4(Ipv4Addr::UNSPECIFIED));

/// Middleware: refuses a request over its group's quota (or over a global ceiling) before
/// any handler or body parsing runs. An API request that presents a key is left to the API's
/// authentication ([`check_api_key`], [`check_api_address`]): its bucket is known only once
/// the key is.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let limits = &state.rate_limits;
    if !limits.enabled() {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let class = classify(req.method().as_str(), req.match_info().as_str());
    if class.keyed.is_none() && !class.reset_global && !class.sign_in_global {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let ip = ClientIp::of(req.request()).0;
    let key = LimitKey::ip(ip);
    let mut refused: Option<(Limited, LimitKey)> = None;
    match class.keyed {
        Some(Limiter::Api) if bearer(&req).is_some() => {}
        Some(Limiter::Api) => {
            if let Err(limited) = limits.local.check_api_address(&key) {
                refused = Some((limited, key));
            }
        }
        Some(group) => {
            if let Err(limited) = limits.local.check(group, &key) {
                refused = Some((limited, key));
            }
        }
        None => {}
    }
    // Checked only when the client's own quota passed, so one noisy address does not spend
    // the instance-wide budget.
    for (applies, ceiling) in [
        (class.reset_global, Limiter::ResetGlobal),
        (class.sign_in_global, Limiter::SignInGlobal),
    ] {
        if refused.is_none() && applies {
            if let Err(limited) = limits.local.check(ceiling, &GLOBAL_KEY) {
                refused = Some((limited, GLOBAL_KEY));
            }
        }
    }
    let Some((limited, key)) = refused else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let res = refusal(&state, limited, key, ip).error_response();
    Ok(req.into_response(res).map_into_right_body())
}

/// Counts, audits (once per key and window, off the response path) and answers a refusal:
/// 429 with `Retry-After` for a client's quota, 503 with `Retry-After` for the instance's
/// sign-in ceiling (the service is at capacity, not the client at fault).
fn refusal(state: &AppState, limited: Limited, key: LimitKey, ip: IpAddr) -> AppError {
    let limiter = limited.limiter;
    crate::telemetry::metrics::rate_limited(limiter.name());
    tracing::debug!(limiter = limiter.name(), "request rate limited");
    let persistent = state.rate_limits.persistent.clone();
    // Off the response path: the refusal must stay cheap under a flood.
    actix_web::rt::spawn(async move {
        if let Err(e) = persistent.record_limit_hit(limiter, key, ip).await {
            tracing::warn!(error = %format!("{e:#}"), limiter = limiter.name(), "auditing a rate limit hit failed");
        }
    });
    let retry_after_seconds = limited.retry_after_seconds();
    match limiter {
        Limiter::SignInGlobal => AppError::Busy {
            retry_after_seconds,
        },
        _ => AppError::RateLimited {
            retry_after_seconds,
        },
    }
}

/// For the API, before a presented key is looked up: refused when the caller's address is
/// still paused for a run of unknown keys (nothing is looked up then).
pub fn api_address_refused(state: &AppState, ip: IpAddr) -> Result<(), AppError> {
    let key = LimitKey::ip(ip);
    match state.rate_limits.local.api_address_refused(&key) {
        Some(limited) => Err(refusal(state, limited, key, ip)),
        None => Ok(()),
    }
}

/// For the API, after a presented key was not found (or none was presented): one request
/// from the address against `rate_limits.api_unauthenticated`.
pub fn check_api_address(state: &AppState, ip: IpAddr) -> Result<(), AppError> {
    let key = LimitKey::ip(ip);
    match state.rate_limits.local.check_api_address(&key) {
        Ok(()) => Ok(()),
        Err(limited) => Err(refusal(state, limited, key, ip)),
    }
}

/// For the API, once a key is authenticated: one request against that key's bucket
/// (`rate_limits.api`), keyed by the key's id.
pub fn check_api_key(state: &AppState, key_id: &ApiKeyId, ip: IpAddr) -> Result<(), AppError> {
    let key = LimitKey::api_key(key_id.as_str());
    match state.rate_limits.local.check(Limiter::Api, &key) {
        Ok(()) => Ok(()),
        Err(limited) => Err(refusal(state, limited, key, ip)),
    }
}

/// Whether the request presents `Authorization: Bearer <something>`.
fn bearer(req: &ServiceRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.split_once(' ')?;
    let key = key.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !key.is_empty()).then_some(key)
}
