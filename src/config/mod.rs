//! Typed settings: built-in defaults < `latchkey.toml` (or `--config FILE`) < `LATCHKEY_*`
//! environment variables (nested with `__`). Every secret is also readable from a file named by
//! `<setting>_file` / `LATCHKEY_<SETTING>_FILE`. Validated once at start into [`Settings`]; a
//! bad value fails fast with a message that names the setting and the fix.

mod branding;
mod mail;
mod parse;
mod raw;
mod retention;
mod secrets;
mod sections;
#[cfg(test)]
mod tests;

pub use branding::RawBrandingSettings;
pub use mail::{RawDkimSettings, RawMailSettings};
pub use raw::{RawSecretsSettings, RawSettings};
pub use retention::RetentionSettings;
pub use sections::{
    BreachedMode, JobSettings, PasswordSettings, QuotaSettings, RateLimitSettings, ResetSettings,
    DEFAULT_BREACHED_API_URL,
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

/// The demo directory's domains (`latchkey` seeds them on an empty database when `demo` is on).
/// They use the reserved `.example` TLD, which never resolves, so the settings give them static
/// DNS answers and the demo works offline.
pub const DEMO_DOMAINS: &[&str] = &["fabrikam.example", "contoso.example", "northwind.example"];

/// Environment variables with the `LATCHKEY_` prefix that are not settings.
const NON_SETTING_VARS: &[&str] = &["config", "test_pg", "bench_pg", "test_clock_file"];

/// Whether a `LATCHKEY_*` variable (`name` in lowercase, without the prefix) has the shape of
/// one an orchestrator injects for a service named `latchkey…` (Kubernetes: `LATCHKEY_PORT`,
/// `LATCHKEY_PORT_8080_TCP_ADDR`, `LATCHKEY_SERVICE_HOST`, `LATCHKEY_SERVICE_PORT_HTTP`, and the
/// same after `LATCHKEY_DB_…` for a service `latchkey-db`; Docker links: `…_PORT_…`). No setting
/// has such a name; these are ignored instead of failing the start.
pub fn is_orchestrator_variable(name: &str) -> bool {
    !name.contains("__")
        && (name == "port"
            || name.starts_with("port_")
            || name.ends_with("_port")
            || name.contains("_port_")
            || name == "service_host"
            || name.ends_with("_service_host")
            || name.starts_with("service_port")
            || name.contains("_service_port"))
}

/// The embedded default database for `data_dir`.
pub(crate) fn embedded_database_url(data_dir: &Path) -> String {
    format!("sqlite://{}", data_dir.join("latchkey.db").display())
}

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
    /// SMTP connections kept open to the relay.
    pub smtp_pool_size: u32,
    /// Extra CA certificates (PEM) trusted for the relay, beside the bundled Mozilla roots and
    /// the system's trust store.
    pub smtp_ca_file: Option<PathBuf>,
    pub mail_from: lettre::message::Mailbox,
    /// `[mail.dkim]`: the key every mail is signed with (`Debug` never shows it).
    pub dkim: Option<crate::mail::DkimSigner>,
    /// `mail.bounce_domain` (lowercase, no trailing dot): every mail's envelope sender is
    /// `bounce+<id>@` this domain (VERP), so a late bounce names its mail.
    pub bounce_domain: Option<String>,
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
    pub retention: RetentionSettings,
    pub rate_limits: RateLimitSettings,
    pub hashing: HashingSettings,
    pub deliverability: DeliverabilitySettings,
    pub directory: crate::directory::DirectorySettings,
    /// `[[webhooks]]`, validated (event names known, secrets decoded).
    pub webhooks: Vec<crate::webhooks::Webhook>,
    /// `LATCHKEY_*` variables ignored as orchestrator-injected (logged at debug at start).
    pub ignored_variables: Vec<String>,
    /// `[branding]`: the service-wide name, organisation, logo and accent (tenants may
    /// override each).
    pub branding: crate::domain::branding::Branding,
    /// `templates_dir`: templates here replace the built-in ones of the same name.
    pub templates_dir: Option<PathBuf>,
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
        let ignored: Vec<String> = std::env::vars_os()
            .filter_map(|(k, _)| k.into_string().ok())
            .filter(|k| {
                k.strip_prefix("LATCHKEY_")
                    .is_some_and(|rest| is_orchestrator_variable(&rest.to_ascii_lowercase()))
            })
            .collect();
        figment = figment.merge(Env::prefixed("LATCHKEY_").split("__").filter(|k| {
            !NON_SETTING_VARS
                .iter()
                .any(|n| k.as_str().eq_ignore_ascii_case(n))
                && !is_orchestrator_variable(&k.as_str().to_ascii_lowercase())
        }));
        let mut settings = Self::from_figment(figment)?;
        settings.ignored_variables = ignored;
        Ok(settings)
    }

    /// Whether the demo directory may be created: `demo` is on and the database is the embedded
    /// default (no `database_url`, SQLite under `data_dir`). Never on PostgreSQL or on a
    /// database the operator named, whatever `demo` says.
    pub fn demo_applies(&self) -> bool {
        self.demo && self.database_is_embedded_default()
    }

    /// Whether the database is the embedded default, `sqlite://<data_dir>/latchkey.db`.
    pub fn database_is_embedded_default(&self) -> bool {
        match &self.database_url {
            DatabaseUrl::Sqlite(path) => *path == self.data_dir.join("latchkey.db"),
            DatabaseUrl::Postgres(_) => false,
        }
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

    /// Where logos live (`<data_dir>/static/`), served at `/static/brand/<file>`.
    pub fn static_dir(&self) -> PathBuf {
        static_dir(&self.data_dir)
    }
}

/// The static directory under `data_dir`.
pub(crate) fn static_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("static")
}
