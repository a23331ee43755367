//! The rate-limit middleware: classifies every request into a route group (before routing, so
//! a path without a handler is limited too), checks the in-process limiter under the
//! [`ClientIp`] (API: the presented key), and answers a refused request with
//! [`AppError::RateLimited`] → 429 + `Retry-After` (page or JSON, by `render_error_pages`).
//! Each refusal is counted in `/metrics` (`latchkey_rate_limited_total{limiter=…}`) and audited
//! once per key and window (docs/security.md#29, #36).

use super::client_ip::ClientIp;
use super::{AppError, AppState};
use crate::ratelimit::{classify, LimitKey, Limited, Limiter};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};
use std::net::{IpAddr, Ipv4Addr};

/// The key of the unkeyed `POST /reset` ceiling in the hit audit (one row per window).
const GLOBAL_KEY: LimitKey = LimitKey::Ip(IpAddr::V4(Ipv4Addr::UNSPECIFIED));

/// Middleware: refuses a request over its group's quota (or over the global `POST /reset`
/// ceiling) with 429 before any handler or body parsing runs.
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
    if class.keyed.is_none() && !class.reset_global {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let ip = ClientIp::of(req.request()).0;
    let mut refused: Option<(Limited, LimitKey)> = None;
    if let Some(group) = class.keyed {
        let key = match group {
            Limiter::Api => bearer(&req).map_or(LimitKey::ip(ip), LimitKey::api_key),
            _ => LimitKey::ip(ip),
        };
        if let Err(limited) = limits.local.check(group, &key) {
            refused = Some((limited, key));
        }
    }
    // Checked only when the client's own quota passed, so one noisy address does not spend
    // the instance-wide budget.
    if refused.is_none() && class.reset_global {
        if let Err(limited) = limits.local.check(Limiter::ResetGlobal, &GLOBAL_KEY) {
            refused = Some((limited, GLOBAL_KEY));
        }
    }
    let Some((limited, key)) = refused else {
        return Ok(next.call(req).await?.map_into_left_body());
    };

    let limiter = limited.limiter;
    crate::telemetry::metrics::rate_limited(limiter.name());
    tracing::debug!(limiter = limiter.name(), "request rate limited");
    let persistent = limits.persistent.clone();
    // Off the response path: the 429 must stay cheap under a flood.
    actix_web::rt::spawn(async move {
        if let Err(e) = persistent.record_limit_hit(limiter, key, ip).await {
            tracing::warn!(error = %format!("{e:#}"), limiter = limiter.name(), "auditing a rate limit hit failed");
        }
    });
    let res = AppError::RateLimited {
        retry_after_seconds: limited.retry_after_seconds(),
    }
    .error_response();
    Ok(req.into_response(res).map_into_right_body())
}

/// The API key of `Authorization: Bearer <key>`, if one is presented.
fn bearer(req: &ServiceRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.split_once(' ')?;
    let key = key.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !key.is_empty()).then_some(key)
}
