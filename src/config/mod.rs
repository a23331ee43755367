//! Typed settings: built-in defaults < `latchkey.toml` (or `--config FILE`) < `LATCHKEY_*`
//! environment variables (nested with `__`). Every secret is also readable from a file named by
//! `<setting>_file` / `LATCHKEY_<SETTING>_FILE`. Validated once at start into [`Settings`]; a
//! bad value fails fast with a message that names the setting and the fix.

mod raw;
mod secrets;
mod sections;
#[cfg(test)]
mod tests;

pub use raw::{RawSecretsSettings, RawSettings};
pub use sections::{
    JobSettings, PasswordSettings, QuotaSettings, RateLimitSettings, ResetSettings,
};

use crate::db::DatabaseUrl;
use crate::deliverability::{DeliverabilitySettings, DnsMode};
use crate::security::keys::MasterKey;
use crate::security::{HashingSettings, SecretBox};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use url::Url;

/// Environment variables with the `LATCHKEY_` prefix that are not settings.
const NON_SETTING_VARS: &[&str] = &["config", "test_pg", "bench_pg", "test_clock_file"];

/// A setting that could not be accepted, with the fix.
#[derive(Debug, thiserror::Error)]
#[error("configuration error in `{setting}`: {message}")]
pub struct ConfigError {
    pub setting: String,
    pub message: String,
}

fn config_error(setting: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        setting: setting.to_string(),
        message: message.into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

/// Validated settings, in domain types.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: SocketAddr,
    /// The operations listener (`/metrics`, `/healthz`, `/readyz`), never the public one.
    pub management_bind: SocketAddr,
    pub public_base_url: Url,
    pub data_dir: PathBuf,
    pub database_url: DatabaseUrl,
    pub database_pool_size: u32,
    /// How long a request waits for a database connection before answering 503.
    pub database_timeout_seconds: u64,
    pub smtp_url: Option<SecretString>,
    pub smtp_timeout_seconds: u64,
    pub mail_from: lettre::message::Mailbox,
    pub demo: bool,
    pub dns: DnsMode,
    pub master_key: MasterKey,
    /// The keyring that encrypts TOTP seeds at rest (`secrets.totp_keys`).
    pub totp_keys: SecretBox,
    /// The keyring file, when the keyring came from one (`latchkey rotate-key --new-key`
    /// writes the new key there); `None` when the keys are inline in the configuration.
    pub totp_keys_file: Option<PathBuf>,
    pub log_format: LogFormat,
    pub log_level: String,
    pub trusted_proxies: Vec<IpNet>,
    pub shutdown_grace_seconds: u64,
    pub reset: ResetSettings,
    pub password: PasswordSettings,
    pub jobs: JobSettings,
    pub rate_limits: RateLimitSettings,
    pub hashing: HashingSettings,
    pub deliverability: DeliverabilitySettings,
    pub directory: crate::directory::DirectorySettings,
}

impl Settings {
    /// Loads defaults < `config_file` (or `./latchkey.toml` if present) < environment.
    pub fn load(config_file: Option<&Path>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(RawSettings::default()));
        match config_file {
            Some(path) => {
                if !path.exists() {
                    return Err(config_error(
                        "--config",
                        format!("the file {} does not exist", path.display()),
                    )
                    .into());
                }
                figment = figment.merge(Toml::file_exact(path));
            }
            None => {
                if Path::new("latchkey.toml").exists() {
                    figment = figment.merge(Toml::file_exact("latchkey.toml"));
                }
            }
        }
        figment = figment.merge(Env::prefixed("LATCHKEY_").split("__").filter(|k| {
            !NON_SETTING_VARS
                .iter()
                .any(|n| k.as_str().eq_ignore_ascii_case(n))
        }));
        Self::from_figment(figment)
    }

    /// Extracts and validates settings from any figment (tests build their own).
    pub fn from_figment(figment: Figment) -> anyhow::Result<Self> {
        let raw: RawSettings = figment.extract().map_err(|e| {
            let setting = e.path.join(".");
            let mut message = e.kind.to_string();
            if let Some(md) = &e.metadata {
                message.push_str(&format!(" (from {})", md.name));
            }
            config_error(
                if setting.is_empty() {
                    "<root>"
                } else {
                    &setting
                },
                message,
            )
        })?;
        Ok(raw.validate()?)
    }

    /// Whether links and cookies are served over TLS (cookies then get `Secure` and `__Host-`).
    pub fn is_https(&self) -> bool {
        self.public_base_url.scheme() == "https"
    }

    /// An absolute link on the configured origin, never on the request's Host (docs/security.md#14).
    pub fn link(&self, path: &str) -> String {
        let base = self.public_base_url.as_str().trim_end_matches('/');
        format!("{base}{path}")
    }

    /// The SMTP URL, for the mailer only.
    pub fn smtp_url_exposed(&self) -> Option<&str> {
        self.smtp_url.as_ref().map(|s| s.expose_secret())
    }

    /// The password policy in force (NIST SP 800-63B).
    pub fn password_policy(&self) -> crate::domain::password::PasswordPolicy {
        crate::domain::password::PasswordPolicy {
            min_chars: self.password.min_chars as usize,
            ..Default::default()
        }
    }

    /// Whether `domain` (ASCII lowercase) is a consumer-mail domain: its users live in the
    /// built-in `consumers` tenant and it can never be taken over.
    pub fn is_consumer_domain(&self, domain: &str) -> bool {
        self.deliverability
            .consumer_domains
            .iter()
            .any(|d| d.eq_ignore_ascii_case(domain))
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
}
