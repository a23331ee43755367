//! The `ClientIp` extractor: the one client address every limiter, the audit and the logs use
//! (docs/security.md#29). See [`crate::security::client_ip::resolve`] for the rule.

use super::AppState;
use crate::security::client_ip;
use actix_web::dev::Payload;
use actix_web::http::header::HeaderMap;
use actix_web::{web, FromRequest, HttpRequest};
use std::convert::Infallible;
use std::future::{ready, Ready};
use std::net::{IpAddr, Ipv4Addr};

/// The client's address: the socket peer, or, when the peer is a trusted proxy, the right-most
/// untrusted `X-Forwarded-For` entry. Never fails: a request without a peer (only possible in
/// unit tests) is `0.0.0.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// Resolves the client address of a request.
    pub fn of(req: &HttpRequest) -> ClientIp {
        let peer = req
            .peer_addr()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
        let trusted = req
            .app_data::<web::Data<AppState>>()
            .map(|s| s.settings.trusted_proxies.as_slice())
            .unwrap_or_default();
        if trusted.is_empty() {
            // No proxy is trusted: the header is never even read.
            return ClientIp(peer.to_canonical());
        }
        let xff = forwarded_for(req.headers());
        ClientIp(client_ip::resolve(peer, xff.as_deref(), trusted))
    }
}

/// Every `X-Forwarded-For` header, in order, as one comma-separated list (a proxy may add a
/// second header instead of appending). A value that is not visible ASCII makes the whole
/// header unusable, which `resolve` treats as garbage at the right-most position.
fn forwarded_for(headers: &HeaderMap) -> Option<String> {
    let mut values = headers.get_all("x-forwarded-for").peekable();
    values.peek()?;
    let parts: Vec<&str> = values.map(|v| v.to_str().unwrap_or("invalid")).collect();
    Some(parts.join(","))
}

impl FromRequest for ClientIp {
    type Error = Infallible;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(ClientIp::of(req)))
    }
}

impl std::fmt::Display for ClientIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
