//! `[[webhooks]]`: where audit events are sent, signed with whose secret, and which ones.

use crate::domain::audit::Event;
use crate::domain::TenantId;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;
use url::Url;

/// The default time one delivery attempt may take, connecting included.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 10;

/// Events a webhook cannot subscribe to: a receiver that fails would feed itself.
const UNSUBSCRIBABLE: &[Event] = &[Event::WebhookDeliveryFailed, Event::WebhookTestSent];

/// One `[[webhooks]]` table as written. No `Debug`: it holds the secret.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWebhook {
    /// Where events are POSTed (http or https; redirects are not followed).
    pub url: String,
    /// The Standard Webhooks secret, `whsec_<base64>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_file: Option<PathBuf>,
    /// Audit event names (`reset_completed`, `account_locked`, …).
    #[serde(default)]
    pub events: Vec<String>,
    /// Only events of the tenant that owns this domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// How long one attempt may take, connecting included (1–30).
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
}

fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_SECONDS
}

/// The signing key: the base64-decoded part of `whsec_…`. Never printed.
#[derive(Clone)]
pub struct WebhookSecret(zeroize::Zeroizing<Vec<u8>>);

impl WebhookSecret {
    /// Parses `whsec_<base64>` (24 to 64 bytes once decoded).
    pub fn parse(text: &str) -> Result<Self, String> {
        let fix = "write `whsec_` followed by the base64 of 24 to 64 random bytes, e.g. \
                   `echo \"whsec_$(openssl rand -base64 32)\"`";
        let Some(encoded) = text.trim().strip_prefix("whsec_") else {
            return Err(format!("does not start with `whsec_`; {fix}"));
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| format!("the part after `whsec_` is not base64; {fix}"))?;
        if !(24..=64).contains(&bytes.len()) {
            return Err(format!(
                "decodes to {} bytes, not 24 to 64; {fix}",
                bytes.len()
            ));
        }
        Ok(Self(zeroize::Zeroizing::new(bytes)))
    }

    pub fn key(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

/// A validated webhook.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub url: Url,
    pub secret: WebhookSecret,
    pub events: BTreeSet<Event>,
    /// The tenant filter: a domain, ASCII lowercase.
    pub tenant: Option<String>,
    pub timeout: Duration,
}

impl Webhook {
    /// The URL as the console shows it: without its query (which may carry a token).
    pub fn display_url(&self) -> String {
        display_url(self.url.as_str())
    }

    /// Whether this webhook wants `event` (by name) of the tenant `tenant_id`, given the id of
    /// the tenant its filter names (`None` when the filter's domain has no tenant).
    pub fn wants(
        &self,
        event: &str,
        tenant_id: Option<&TenantId>,
        filter_tenant_id: Option<&TenantId>,
    ) -> bool {
        let subscribed = Event::from_name(event).is_some_and(|e| self.events.contains(&e));
        let tenant_ok = match &self.tenant {
            None => true,
            Some(_) => filter_tenant_id.is_some() && tenant_id == filter_tenant_id,
        };
        subscribed && tenant_ok
    }
}

/// `scheme://host[:port]/path` of a stored URL, without query or fragment.
pub fn display_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => String::from("(invalid URL)"),
    }
}

/// Validates every `[[webhooks]]` entry; the error is `(setting, message)`.
pub fn validate(raw: &[RawWebhook]) -> Result<Vec<Webhook>, (String, String)> {
    let mut out: Vec<Webhook> = Vec::with_capacity(raw.len());
    for (i, w) in raw.iter().enumerate() {
        let at = |field: &str| format!("webhooks.{field}");
        let which = format!("entry {} ({})", i + 1, display_url(&w.url));
        let url = Url::parse(w.url.trim()).map_err(|_| {
            (
                at("url"),
                format!("entry {}: {:?} is not a URL", i + 1, w.url),
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err((
                at("url"),
                format!("{which}: must be an absolute http(s) URL"),
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err((
                at("url"),
                format!("{which}: must not carry credentials; the signature authenticates"),
            ));
        }
        if out.iter().any(|o| o.url == url) {
            return Err((
                at("url"),
                format!("{which}: the same URL twice; merge the two entries' events"),
            ));
        }
        let secret_text = match (&w.secret, &w.secret_file) {
            (Some(_), Some(_)) => {
                return Err((
                    at("secret"),
                    format!("{which}: set either `secret` or `secret_file`, not both"),
                ))
            }
            (Some(s), None) => s.clone(),
            (None, Some(path)) => std::fs::read_to_string(path)
                .map_err(|e| {
                    (
                        at("secret_file"),
                        format!("{which}: cannot read {}: {e}", path.display()),
                    )
                })?
                .trim()
                .to_string(),
            (None, None) => {
                return Err((
                    at("secret"),
                    format!("{which}: required (or `secret_file`)"),
                ))
            }
        };
        let secret = WebhookSecret::parse(&secret_text)
            .map_err(|m| (at("secret"), format!("{which}: {m}")))?;
        if w.events.is_empty() {
            return Err((
                at("events"),
                format!(
                    "{which}: name at least one audit event, e.g. events = [\"reset_completed\"]"
                ),
            ));
        }
        let mut events = BTreeSet::new();
        for name in &w.events {
            let Some(event) = Event::from_name(name.trim()) else {
                let known: Vec<_> = Event::ALL
                    .iter()
                    .filter(|e| !UNSUBSCRIBABLE.contains(e))
                    .map(|e| e.name())
                    .collect();
                return Err((
                    at("events"),
                    format!(
                        "{which}: unknown audit event {name:?}; the names are: {}",
                        known.join(", ")
                    ),
                ));
            };
            if UNSUBSCRIBABLE.contains(&event) {
                return Err((
                    at("events"),
                    format!(
                        "{which}: {name:?} cannot be subscribed to (a failing receiver would \
                         feed itself); watch it in the audit or in /metrics"
                    ),
                ));
            }
            events.insert(event);
        }
        let tenant = match &w.tenant {
            None => None,
            Some(d) => {
                let d = d.trim().trim_end_matches('.').to_ascii_lowercase();
                if d.is_empty() || d.contains('@') || !d.contains('.') {
                    return Err((
                        at("tenant"),
                        format!("{which}: {d:?} is not a domain such as example.com"),
                    ));
                }
                Some(d)
            }
        };
        if !(1..=30).contains(&w.timeout_seconds) {
            return Err((
                at("timeout_seconds"),
                format!("{which}: between 1 and 30 (inside a job's lease); the default is {DEFAULT_TIMEOUT_SECONDS}"),
            ));
        }
        out.push(Webhook {
            url,
            secret,
            events,
            tenant,
            timeout: Duration::from_secs(w.timeout_seconds),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(events: &[&str]) -> RawWebhook {
        RawWebhook {
            url: "https://hooks.example.com/in?token=abc".into(),
            secret: Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into()),
            secret_file: None,
            events: events.iter().map(|e| e.to_string()).collect(),
            tenant: Some("Northwind.test".into()),
            timeout_seconds: 5,
        }
    }

    #[test]
    fn a_valid_entry_is_typed() {
        let hooks = validate(&[raw(&["reset_completed", "account_locked"])]).unwrap();
        assert_eq!(hooks[0].events.len(), 2);
        assert_eq!(hooks[0].tenant.as_deref(), Some("northwind.test"));
        assert_eq!(hooks[0].display_url(), "https://hooks.example.com/in");
        assert_eq!(hooks[0].secret.key().len(), 24);
        assert!(!format!("{:?}", hooks[0]).contains("MfKQ"));
    }

    #[test]
    fn an_unknown_event_is_named_in_the_error() {
        let (setting, message) = validate(&[raw(&["password_changed"])]).unwrap_err();
        assert_eq!(setting, "webhooks.events");
        assert!(message.contains("\"password_changed\""), "{message}");
        assert!(message.contains("reset_completed"), "{message}");
        let (_, message) = validate(&[raw(&["webhook_delivery_failed"])]).unwrap_err();
        assert!(message.contains("cannot be subscribed"), "{message}");
    }

    #[test]
    fn secrets_must_be_standard_webhooks_secrets() {
        for bad in [
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_!!!",
            "whsec_c2hvcnQ=",
        ] {
            assert!(WebhookSecret::parse(bad).is_err(), "{bad}");
        }
        let mut w = raw(&["reset_completed"]);
        w.secret = None;
        assert_eq!(validate(&[w]).unwrap_err().0, "webhooks.secret");
    }

    #[test]
    fn the_tenant_filter_matches_only_that_tenant() {
        let hook = &validate(&[raw(&["reset_completed"])]).unwrap()[0];
        let (t1, t2) = (TenantId::from_string("t1"), TenantId::from_string("t2"));
        assert!(hook.wants("reset_completed", Some(&t1), Some(&t1)));
        assert!(!hook.wants("reset_completed", Some(&t2), Some(&t1)));
        assert!(!hook.wants("reset_completed", None, Some(&t1)));
        assert!(!hook.wants("reset_completed", Some(&t1), None));
        assert!(!hook.wants("account_locked", Some(&t1), Some(&t1)));
    }
}
