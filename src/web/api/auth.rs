//! Who calls the API: the bearer key a request presents, looked up and counted against the
//! API's rate limits (docs/security.md#29) before a handler runs.

use super::super::client_ip::ClientIp;
use super::super::{extract_with, ratelimit, AppError, AppState};
use super::Refusal;
use crate::onboarding::api::{self as onboarding_api, ApiKey};
use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::{header, StatusCode};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use secrecy::SecretString;

/// The live key of a request, as a handler's last argument: a request without one gets the
/// refusal [`authenticate`] gives and the handler does not run. Last, so that what the other
/// arguments refuse is refused first, as before any key is looked up or counted.
pub(super) struct Authenticated(pub ApiKey);

impl FromRequest for Authenticated {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        extract_with(req, |req, state| async move {
            match authenticate(&req, &state).await {
                Ok(key) => Ok(Authenticated(key)),
                Err(refusal) => {
                    Err(InternalError::from_response("API key refused", refusal).into())
                }
            }
        })
    }
}

/// The live key of the request, or the refusal to send: 401 for a missing or unknown key,
/// 429 once the caller's address has sent too many of those (`rate_limits.api_unauthenticated`,
/// docs/security.md#29), 429 once the key's own bucket is empty (`rate_limits.api`). The key
/// is looked up before any bucket is chosen, so a made-up bearer value never gets one of its
/// own; an address still paused for unknown keys is refused before the lookup.
async fn authenticate(req: &HttpRequest, state: &AppState) -> Result<ApiKey, HttpResponse> {
    let ip = ClientIp::of(req).0;
    let refused = |e: AppError| actix_web::ResponseError::error_response(&e);
    ratelimit::api_address_refused(state, ip).map_err(refused)?;
    let key = match lookup(req, state).await {
        Ok(key) => key,
        // A request without a key was counted by the middleware already; an unknown key
        // is counted here, against the same per-address budget.
        Err(res) if res.status() == StatusCode::UNAUTHORIZED && presents_key(req) => {
            ratelimit::check_api_address(state, ip).map_err(refused)?;
            return Err(res);
        }
        Err(res) => return Err(res),
    };
    ratelimit::check_api_key(state, &key.id, ip).map_err(refused)?;
    Ok(key)
}

/// Whether the request presents a bearer value at all (as the rate-limit middleware sees it).
fn presents_key(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .is_some_and(|(scheme, key)| {
            scheme.eq_ignore_ascii_case("bearer") && !key.trim().is_empty()
        })
}

/// The live key the request presents, or the 401 (or 503) to send.
async fn lookup(req: &HttpRequest, state: &AppState) -> Result<ApiKey, HttpResponse> {
    let unauthorized = |m: &str| {
        Refusal {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            message: m.to_string(),
        }
        .into_response()
    };
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| SecretString::from(key.trim().to_string()));
    let Some(presented) = presented else {
        return Err(unauthorized(
            "Send an API key as `Authorization: Bearer <key>`.",
        ));
    };
    match onboarding_api::authenticate(state, presented).await {
        Ok(Some(key)) => Ok(key),
        Ok(None) => Err(unauthorized(
            "The API key is not valid or has been revoked.",
        )),
        Err(e) => Err(actix_web::ResponseError::error_response(&AppError::from(e))),
    }
}
