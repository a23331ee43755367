//! Cross-cutting middleware: request ids and access log, metrics, security headers, and the
//! request body limit.

use super::AppState;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use std::time::Instant;
use tracing::Instrument;

/// Forms carry at most 16 KiB (docs/security.md#43); CSV uploads and the API get more.
pub const FORM_LIMIT: usize = 16 * 1024;
pub const UPLOAD_LIMIT: usize = 2 * 1024 * 1024 + 64 * 1024;

/// The body limit for a path.
pub fn body_limit_for(path: &str) -> usize {
    if path.starts_with("/admin/invitations") || path.starts_with("/api/") {
        UPLOAD_LIMIT
    } else {
        FORM_LIMIT
    }
}

/// Refuses a declared body over the limit with 413 before anything reads it. Bodies without a
/// length are bounded by the extractors' limits (configured in `web::configure`).
pub async fn body_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let limit = body_limit_for(req.path());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        let res = HttpResponse::PayloadTooLarge()
            .insert_header((header::CONNECTION, "close"))
            .finish();
        return Ok(req.into_response(res).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Answers 405 at once to a method no route uses (anything but GET, HEAD and POST), before
/// routing or any handler. The rate-limit middleware, outside this one, has already counted
/// such a request in the public per-address limiter, so a flood of made-up methods is limited
/// like a flood of posts, and the metrics label it `other` (docs/security.md#37).
pub async fn known_methods(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if matches!(
        *req.method(),
        actix_web::http::Method::GET
            | actix_web::http::Method::HEAD
            | actix_web::http::Method::POST
    ) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let res = HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "GET, HEAD, POST"))
        .finish();
    Ok(req.into_response(res).map_into_right_body())
}

/// Gives each request an id (the caller's `X-Request-Id` or `traceparent` trace id when
/// given, see [`crate::telemetry::request_id`]; echoed as `X-Request-Id`), a tracing span, one access-log line
/// (route pattern, never the raw path: paths can hold tokens, docs/security.md#37) and metrics.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let request_id =
        crate::telemetry::request_id::choose(header("x-request-id"), header("traceparent"));
    let started = Instant::now();
    let method = crate::telemetry::metrics::method_label(req.method().as_str());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    // `otel.*` stay empty (and out of the log) unless spans are exported.
    let span = tracing::info_span!(
        "request",
        id = %request_id,
        otel.name = tracing::field::Empty,
        otel.kind = tracing::field::Empty,
    );
    #[cfg(feature = "otel")]
    if crate::telemetry::otel::active() {
        crate::telemetry::otel::start_request(&span, method, &req);
    }
    let result = next.call(req).instrument(span.clone()).await;
    let mut res = result?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    if let Some(state) = state {
        state
            .metrics
            .observe_request(method, &route, status, elapsed);
    }
    span.in_scope(|| {
        tracing::info!(
            method,
            route = %route,
            status,
            ms = elapsed.as_secs_f64() * 1000.0,
            "request"
        );
    });
    #[cfg(feature = "otel")]
    if crate::telemetry::otel::active() {
        crate::telemetry::otel::record_response(&span, &route, status);
    }
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), v);
    }
    Ok(res)
}

/// Security headers on every response (docs/security.md#38 to #40).
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let https = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.settings.is_https());
    let is_static = req.path().starts_with("/static/");
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    let set =
        |h: &mut actix_web::http::header::HeaderMap, name: &'static str, value: &'static str| {
            h.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        };
    set(
        h,
        "content-security-policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         form-action 'self'; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "no-referrer");
    set(h, "x-frame-options", "DENY");
    set(h, "cross-origin-opener-policy", "same-origin");
    set(
        h,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    );
    if https {
        set(
            h,
            "strict-transport-security",
            "max-age=63072000; includeSubDomains",
        );
    }
    if !is_static {
        // Pages can hold tokens, codes and personal data: never cache them anywhere.
        set(h, "cache-control", "no-store");
        set(h, "pragma", "no-cache");
    }
    Ok(res)
}
