//! Parsers for settings written as text: `management_bind`, `public_base_url`, and strings
//! that may be written as bare numbers.

use super::{config_error, ConfigError};
use serde::Deserialize;
use std::net::SocketAddr;
use url::Url;

/// A string setting that may be written as a bare number (`LATCHKEY_MANAGEMENT_BIND=0`).
pub(super) fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        String(String),
        Number(u64),
    }
    Ok(match Text::deserialize(d)? {
        Text::String(s) => s,
        Text::Number(n) => n.to_string(),
    })
}

/// `management_bind`: an address:port, or `0` for a free port on loopback (tests).
pub(super) fn parse_management_bind(text: &str) -> Result<SocketAddr, ConfigError> {
    if text.trim() == "0" {
        return Ok(SocketAddr::from(([127, 0, 0, 1], 0)));
    }
    text.trim().parse().map_err(|_| {
        config_error(
            "management_bind",
            format!(
                "{text:?} is not an address:port such as 127.0.0.1:9000 (or 0 for a free port)"
            ),
        )
    })
}

pub(super) fn parse_base_url(text: &str) -> Result<Url, ConfigError> {
    let fix = "write an absolute http(s) URL such as https://reset.example.com";
    let url = Url::parse(text)
        .map_err(|_| config_error("public_base_url", format!("{text:?} is not a URL; {fix}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(config_error(
            "public_base_url",
            format!("{text:?} is not an absolute http(s) URL; {fix}"),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(config_error(
            "public_base_url",
            "must not carry credentials, a query or a fragment",
        ));
    }
    Ok(url)
}
