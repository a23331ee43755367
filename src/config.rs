//! Typed settings: built-in defaults < `latchkey.toml` (or `--config FILE`) < `LATCHKEY_*`
//! environment variables (nested with `__`). Every secret is also readable from a file named by
//! `<setting>_file` / `LATCHKEY_<SETTING>_FILE`. Validated once at start into [`Settings`]; a
//! bad value fails fast with a message that names the setting and the fix.

use crate::db::DatabaseUrl;
use crate::deliverability::{DeliverabilitySettings, DnsMode, StaticAnswer};
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

/// The settings as written by the operator, before validation.
/// No `Debug`: it holds secrets as plain strings.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawSettings {
    pub bind: String,
    pub public_base_url: Option<String>,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub database_url_file: Option<PathBuf>,
    pub database_pool_size: u32,
    pub database_timeout_seconds: u64,
    pub smtp_url: Option<String>,
    pub smtp_url_file: Option<PathBuf>,
    pub smtp_timeout_seconds: u64,
    pub mail_from: String,
    pub demo: bool,
    pub dns: String,
    pub secret_key: Option<String>,
    pub secret_key_file: Option<PathBuf>,
    pub log_format: LogFormat,
    pub log_level: String,
    pub trusted_proxies: Vec<String>,
    pub shutdown_grace_seconds: u64,
    pub reset: ResetSettings,
    pub password: PasswordSettings,
    pub jobs: JobSettings,
    pub rate_limits: RateLimitSettings,
    pub hashing: HashingSettings,
    pub deliverability: DeliverabilitySettings,
    pub secrets: RawSecretsSettings,
}

/// Keys for secrets kept at rest (TOTP seeds), as written. No `Debug`: it holds keys.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawSecretsSettings {
    /// The TOTP keyring: `id:hexkey` entries, the current key first, the others accepted for
    /// decryption only.
    pub totp_keys: Option<Vec<String>>,
    /// A file with one `id:hexkey` per line instead. Default: `<data_dir>/totp.keys`,
    /// generated on first start.
    pub totp_keys_file: Option<PathBuf>,
}

impl Default for RawSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            public_base_url: None,
            data_dir: PathBuf::from("./data"),
            database_url: None,
            database_url_file: None,
            database_pool_size: 8,
            database_timeout_seconds: 5,
            smtp_url: None,
            smtp_url_file: None,
            smtp_timeout_seconds: 10,
            mail_from: "Latchkey <no-reply@latchkey.localhost>".into(),
            demo: true,
            dns: "system".into(),
            secret_key: None,
            secret_key_file: None,
            log_format: LogFormat::Human,
            log_level: "info".into(),
            trusted_proxies: Vec::new(),
            shutdown_grace_seconds: 30,
            reset: ResetSettings::default(),
            password: PasswordSettings::default(),
            jobs: JobSettings::default(),
            rate_limits: RateLimitSettings::default(),
            hashing: HashingSettings::default(),
            deliverability: DeliverabilitySettings::default(),
            secrets: RawSecretsSettings::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

/// Reset tokens and codes (DESIGN.md §3).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResetSettings {
    /// Lifetime of an emailed link and code.
    pub token_ttl_minutes: u32,
    /// Lifetime of a link issued by a helpdesk admin.
    pub helpdesk_ttl_hours: u32,
    /// Wrong codes (or TOTPs) before a flow is burned.
    pub max_code_attempts: u32,
}

impl Default for ResetSettings {
    fn default() -> Self {
        Self {
            token_ttl_minutes: 20,
            helpdesk_ttl_hours: 12,
            max_code_attempts: 5,
        }
    }
}

/// Password policy knobs (NIST SP 800-63B).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordSettings {
    pub min_chars: u32,
}

impl Default for PasswordSettings {
    fn default() -> Self {
        Self { min_chars: 12 }
    }
}

/// The job queue.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobSettings {
    /// How often an idle worker looks for work left by a crash or another instance.
    pub poll_interval_ms: u64,
    /// Attempts before a job ends as `failed`.
    pub max_attempts: u32,
    /// Retries wait 2^attempt seconds, at most this long (so a long SMTP outage is polled
    /// at this pace, and the retry budget lasts about `max_attempts` times this).
    pub max_backoff_seconds: u64,
    /// How long a claimed job is leased to one worker.
    pub lease_seconds: u64,
    /// Jobs claimed at once.
    pub batch_size: u32,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            poll_interval_ms: 1000,
            max_attempts: 8,
            max_backoff_seconds: 15 * 60,
            lease_seconds: 60,
            batch_size: 32,
        }
    }
}

/// Rate limits (DESIGN.md §6). `enabled = false` turns every limit off, for benchmarks only.
///
/// The defaults are set so that a real guest (even many guests behind one corporate NAT)
/// never meets them, while a script does within seconds. In-process quotas are per instance;
/// the persistent limits (mails, accounts, flows, tenants) live in the database and hold
/// across restarts and across instances sharing PostgreSQL.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// `false` turns every limit off (in-process and persistent); the server then warns at
    /// start and every minute. `LATCHKEY_RATE_LIMITS__ENABLED`.
    pub enabled: bool,
    /// Reset mails per target address per clock hour (fixed UTC window).
    pub mails_per_address_hour: u32,
    /// Reset mails per target address per UTC day (fixed window).
    pub mails_per_address_day: u32,
    /// Reset attempts per account in any rolling 24 hours; the next one locks the account.
    pub reset_attempts_per_day: u32,
    /// How long that lock lasts.
    pub lockout_hours: u32,
    /// Failed sign-ins (or TOTP codes) per account before backoff starts.
    pub failures_before_backoff: u32,
    /// The first backoff delay; it doubles with every further failure…
    pub failure_backoff_base_seconds: u64,
    /// …up to this.
    pub failure_backoff_max_seconds: u64,
    /// Consecutive failures after which the account refuses that method until a success
    /// elsewhere (a password reset) clears it (NIST SP 800-63B: at most 100).
    pub max_consecutive_failures: u32,
    /// Reset requests for one tenant within `tenant_burst_window_minutes` beyond which an
    /// audit alert (`tenant_reset_burst`) is raised; guests are not blocked.
    pub tenant_burst_threshold: u32,
    pub tenant_burst_window_minutes: u32,
    /// Limit hits are audited once per key and window of this length.
    pub hit_audit_window_minutes: u32,
    /// How often in-process state is pruned and expired counters are swept.
    pub prune_interval_seconds: u64,
    /// Per client IP: `POST /reset`, `/reset/code`, `/signin`, `/signup` (and any other
    /// POST outside the admin console and the API).
    pub public_forms: QuotaSettings,
    /// Per client IP: `/reset/link/*`, `/reset/verify`, `/reset/new`.
    pub token_pages: QuotaSettings,
    /// Per client IP: `/admin/login*`.
    pub admin_login: QuotaSettings,
    /// Per client IP: every other `/admin/*` page.
    pub admin: QuotaSettings,
    /// Per API key (`Authorization: Bearer`), else per client IP: `/api/*`.
    pub api: QuotaSettings,
    /// One ceiling for the whole instance on `POST /reset`, protecting the database and the
    /// mail server from a flood spread over many addresses.
    pub reset_global: QuotaSettings,
}

/// One in-process quota: a steady rate and a burst on top of it (GCRA, governor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuotaSettings {
    /// Requests replenished per minute.
    pub per_minute: u32,
    /// Requests that may arrive at once.
    pub burst: u32,
}

impl QuotaSettings {
    pub const fn new(per_minute: u32, burst: u32) -> Self {
        Self { per_minute, burst }
    }
}

impl Default for QuotaSettings {
    fn default() -> Self {
        Self::new(60, 30)
    }
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            mails_per_address_hour: 3,
            mails_per_address_day: 10,
            reset_attempts_per_day: 5,
            lockout_hours: 24,
            failures_before_backoff: 3,
            failure_backoff_base_seconds: 1,
            failure_backoff_max_seconds: 15 * 60,
            max_consecutive_failures: 100,
            tenant_burst_threshold: 200,
            tenant_burst_window_minutes: 10,
            hit_audit_window_minutes: 10,
            prune_interval_seconds: 60,
            public_forms: QuotaSettings::new(30, 20),
            token_pages: QuotaSettings::new(60, 30),
            admin_login: QuotaSettings::new(30, 30),
            admin: QuotaSettings::new(600, 200),
            api: QuotaSettings::new(600, 100),
            reset_global: QuotaSettings::new(1200, 300),
        }
    }
}

impl RateLimitSettings {
    /// Every count, quota and period must be at least 1; the NIST cap is at most 100.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let counts: [(&str, u64); 11] = [
            ("mails_per_address_hour", self.mails_per_address_hour.into()),
            ("mails_per_address_day", self.mails_per_address_day.into()),
            ("reset_attempts_per_day", self.reset_attempts_per_day.into()),
            ("lockout_hours", self.lockout_hours.into()),
            (
                "failure_backoff_base_seconds",
                self.failure_backoff_base_seconds,
            ),
            (
                "failure_backoff_max_seconds",
                self.failure_backoff_max_seconds,
            ),
            (
                "max_consecutive_failures",
                self.max_consecutive_failures.into(),
            ),
            ("tenant_burst_threshold", self.tenant_burst_threshold.into()),
            (
                "tenant_burst_window_minutes",
                self.tenant_burst_window_minutes.into(),
            ),
            (
                "hit_audit_window_minutes",
                self.hit_audit_window_minutes.into(),
            ),
            ("prune_interval_seconds", self.prune_interval_seconds),
        ];
        for (name, v) in counts {
            if v == 0 {
                return Err(config_error(
                    &format!("rate_limits.{name}"),
                    "must be greater than zero",
                ));
            }
        }
        if self.max_consecutive_failures > 100 {
            return Err(config_error(
                "rate_limits.max_consecutive_failures",
                "at most 100 (NIST SP 800-63B); the default is 100",
            ));
        }
        if self.failure_backoff_max_seconds < self.failure_backoff_base_seconds {
            return Err(config_error(
                "rate_limits.failure_backoff_max_seconds",
                "must be at least failure_backoff_base_seconds",
            ));
        }
        for (name, q) in [
            ("public_forms", self.public_forms),
            ("token_pages", self.token_pages),
            ("admin_login", self.admin_login),
            ("admin", self.admin),
            ("api", self.api),
            ("reset_global", self.reset_global),
        ] {
            if q.per_minute == 0 || q.burst == 0 {
                return Err(config_error(
                    &format!("rate_limits.{name}"),
                    "per_minute and burst must both be greater than zero \
                     (to switch limits off for a benchmark, set rate_limits.enabled = false)",
                ));
            }
        }
        Ok(())
    }
}

/// Validated settings, in domain types.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: SocketAddr,
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
}

fn read_secret_file(setting: &str, path: &Path) -> Result<String, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        config_error(
            setting,
            format!(
                "cannot read {}: {e}; check the path and its permissions",
                path.display()
            ),
        )
    })?;
    Ok(text.trim_end_matches(['\r', '\n']).to_string())
}

/// A secret from its setting or from the file named by `<setting>_file` (not both).
fn secret(
    setting: &str,
    value: Option<String>,
    file: Option<&Path>,
) -> Result<Option<String>, ConfigError> {
    match (value, file) {
        (Some(_), Some(_)) => Err(config_error(
            setting,
            format!("set either `{setting}` or `{setting}_file`, not both"),
        )),
        (Some(v), None) => Ok(Some(v)),
        (None, Some(path)) => read_secret_file(&format!("{setting}_file"), path).map(Some),
        (None, None) => Ok(None),
    }
}

impl RawSettings {
    pub fn validate(self) -> Result<Settings, ConfigError> {
        let bind: SocketAddr = self.bind.parse().map_err(|_| {
            config_error(
                "bind",
                format!(
                    "{:?} is not an address:port such as 127.0.0.1:8080",
                    self.bind
                ),
            )
        })?;

        let base = self
            .public_base_url
            .clone()
            .unwrap_or_else(|| format!("http://{bind}"));
        let public_base_url = parse_base_url(&base)?;

        let db_text = secret(
            "database_url",
            self.database_url.clone(),
            self.database_url_file.as_deref(),
        )?
        .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("latchkey.db").display()));
        let database_url: DatabaseUrl = db_text
            .parse()
            .map_err(|m: String| config_error("database_url", m))?;

        if !(1..=300).contains(&self.database_timeout_seconds) {
            return Err(config_error(
                "database_timeout_seconds",
                "between 1 and 300; the default is 5",
            ));
        }
        if self.database_pool_size == 0 {
            return Err(config_error("database_pool_size", "must be at least 1"));
        }

        let smtp_url = secret(
            "smtp_url",
            self.smtp_url.clone(),
            self.smtp_url_file.as_deref(),
        )?;
        if let Some(u) = &smtp_url {
            let parsed = Url::parse(u).map_err(|_| {
                config_error(
                    "smtp_url",
                    "not a URL; write e.g. smtp://user:pass@mail.example.com:587?tls=required",
                )
            })?;
            if !matches!(parsed.scheme(), "smtp" | "smtps") {
                return Err(config_error(
                    "smtp_url",
                    format!(
                        "unsupported scheme {:?}; use smtp:// (STARTTLS) or smtps:// (TLS)",
                        parsed.scheme()
                    ),
                ));
            }
        }

        let mail_from: lettre::message::Mailbox = self.mail_from.parse().map_err(|_| {
            config_error(
                "mail_from",
                "not a mailbox; write e.g. \"Latchkey <no-reply@example.com>\"",
            )
        })?;

        let dns: DnsMode = self
            .dns
            .parse()
            .map_err(|e: crate::deliverability::DnsModeError| config_error("dns", e.to_string()))?;
        let mut deliverability = self.deliverability.clone();
        for (domain, answer) in &deliverability.static_answers {
            answer.validate().map_err(|m| {
                config_error(&format!("deliverability.static_answers.\"{domain}\""), m)
            })?;
        }
        // One spelling for consumer domains everywhere (tenant lookup and deliverability).
        deliverability.consumer_domains = deliverability
            .consumer_domains
            .iter()
            .map(|d| {
                crate::domain::EmailAddress::parse(&format!(
                    "postmaster@{}",
                    d.trim().trim_end_matches('.')
                ))
                .map(|e| e.domain().to_string())
                .map_err(|_| {
                    config_error(
                        "deliverability.consumer_domains",
                        format!("{d:?} is not a domain"),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        {
            // The demo directory's domains (reserved `.example` names, which never resolve)
            // answer offline, whether or not `demo` is on (DESIGN.md §9).
            for domain in crate::cli::demo::DEMO_DOMAINS {
                deliverability
                    .static_answers
                    .entry((*domain).to_string())
                    .or_insert_with(|| StaticAnswer {
                        mx: vec![format!("mx.{domain}")],
                        ..StaticAnswer::default()
                    });
            }
        }

        let key_text = secret(
            "secret_key",
            self.secret_key.clone(),
            self.secret_key_file.as_deref(),
        )?;
        let master_key = match key_text {
            Some(text) => {
                MasterKey::from_config(&text).map_err(|m| config_error("secret_key", m))?
            }
            None => MasterKey::load_or_create(&self.data_dir.join("secret.key"))
                .map_err(|e| config_error("secret_key", format!("{e:#}")))?,
        };

        let (totp_keys, totp_keys_file) = totp_keyring(&self.secrets, &self.data_dir)?;

        let trusted_proxies = self
            .trusted_proxies
            .iter()
            .map(|p| {
                p.parse::<IpNet>()
                    .or_else(|_| p.parse::<std::net::IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        config_error(
                            "trusted_proxies",
                            format!("{p:?} is not an IP address or CIDR such as 10.0.0.0/8"),
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;

        for (name, v) in [
            ("reset.token_ttl_minutes", self.reset.token_ttl_minutes),
            ("reset.helpdesk_ttl_hours", self.reset.helpdesk_ttl_hours),
            ("reset.max_code_attempts", self.reset.max_code_attempts),
            ("jobs.max_attempts", self.jobs.max_attempts),
            ("jobs.batch_size", self.jobs.batch_size),
        ] {
            if v == 0 {
                return Err(config_error(name, "must be greater than zero"));
            }
        }
        if !(1..=86_400).contains(&self.jobs.max_backoff_seconds) {
            return Err(config_error(
                "jobs.max_backoff_seconds",
                "between 1 and 86400 (one day); the default is 900",
            ));
        }
        if self.reset.token_ttl_minutes > 24 * 60 {
            return Err(config_error(
                "reset.token_ttl_minutes",
                "at most 1440 (24 hours, NIST SP 800-63B); the default is 20",
            ));
        }
        if !(8..=64).contains(&self.password.min_chars) {
            return Err(config_error(
                "password.min_chars",
                "must be between 8 (NIST minimum) and 64; the default is 12",
            ));
        }
        if self.jobs.poll_interval_ms < 10 {
            return Err(config_error("jobs.poll_interval_ms", "must be at least 10"));
        }
        if self.jobs.lease_seconds == 0 {
            return Err(config_error(
                "jobs.lease_seconds",
                "must be greater than zero",
            ));
        }
        self.rate_limits.validate()?;
        self.hashing
            .validate()
            .map_err(|e| config_error("hashing", format!("{e:#}")))?;
        if self
            .log_level
            .parse::<tracing_subscriber::filter::EnvFilter>()
            .is_err()
        {
            return Err(config_error(
                "log_level",
                format!(
                    "{:?} is not a log filter such as info or latchkey=debug,info",
                    self.log_level
                ),
            ));
        }

        Ok(Settings {
            bind,
            public_base_url,
            data_dir: self.data_dir,
            database_url,
            database_pool_size: self.database_pool_size,
            database_timeout_seconds: self.database_timeout_seconds,
            smtp_url: smtp_url.map(SecretString::from),
            smtp_timeout_seconds: self.smtp_timeout_seconds,
            mail_from,
            demo: self.demo,
            dns,
            master_key,
            totp_keys,
            totp_keys_file,
            log_format: self.log_format,
            log_level: self.log_level,
            trusted_proxies,
            shutdown_grace_seconds: self.shutdown_grace_seconds,
            reset: self.reset,
            password: self.password,
            jobs: self.jobs,
            rate_limits: self.rate_limits,
            hashing: self.hashing,
            deliverability,
        })
    }
}

/// The TOTP keyring: inline `secrets.totp_keys`, or the file `secrets.totp_keys_file`, or the
/// generated `<data_dir>/totp.keys`.
fn totp_keyring(
    raw: &RawSecretsSettings,
    data_dir: &Path,
) -> Result<(SecretBox, Option<PathBuf>), ConfigError> {
    const FIX: &str = "write `id:hexkey` entries, current key first, e.g. \
                       totp_keys = [\"2026-11:<64 hex digits from `openssl rand -hex 32`>\"]";
    match (&raw.totp_keys, &raw.totp_keys_file) {
        (Some(_), Some(_)) => Err(config_error(
            "secrets.totp_keys",
            "set either `secrets.totp_keys` or `secrets.totp_keys_file`, not both",
        )),
        (Some(entries), None) => SecretBox::from_entries(entries)
            .map(|b| (b, None))
            .map_err(|m| config_error("secrets.totp_keys", format!("{m}; {FIX}"))),
        (None, Some(path)) => SecretBox::load_file(path)
            .map(|b| (b, Some(path.clone())))
            .map_err(|e| config_error("secrets.totp_keys_file", format!("{e:#}"))),
        (None, None) => {
            let path = data_dir.join("totp.keys");
            SecretBox::load_or_create_file(&path)
                .map(|b| (b, Some(path)))
                .map_err(|e| {
                    config_error(
                        "secrets.totp_keys_file",
                        format!(
                            "{e:#}; fix or delete the generated file only if no TOTP is \
                             enrolled yet (its keys decrypt the enrolled seeds)"
                        ),
                    )
                })
        }
    }
}

fn parse_base_url(text: &str) -> Result<Url, ConfigError> {
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

impl Settings {
    /// Whether links and cookies are served over TLS (cookies then get `Secure` and `__Host-`).
    pub fn is_https(&self) -> bool {
        self.public_base_url.scheme() == "https"
    }

    /// An absolute link on the configured origin, never on the request's Host (SECURITY.md #14).
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

#[cfg(test)]
mod tests {
    use super::*;

    fn with(toml: &str) -> anyhow::Result<Settings> {
        let dir = std::env::temp_dir().join(format!("lk-config-{}", uuid::Uuid::new_v4()));
        let figment = Figment::from(Serialized::defaults(RawSettings {
            data_dir: dir,
            ..RawSettings::default()
        }))
        .merge(Toml::string(toml));
        Settings::from_figment(figment)
    }

    #[test]
    fn defaults_are_valid() {
        let s = with("").unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.public_base_url.as_str(), "http://127.0.0.1:8080/");
        assert!(matches!(s.database_url, DatabaseUrl::Sqlite(_)));
        assert!(s.demo);
    }

    #[test]
    fn errors_name_the_setting() {
        let e = with("database_url = \"mysql://x\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("database_url") && e.contains("mysql"), "{e}");
        let e = with("public_base_url = \"/relative\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("public_base_url"), "{e}");
        let e = with("[rate_limits]\nmails_per_address_hour = 0")
            .unwrap_err()
            .to_string();
        assert!(e.contains("rate_limits.mails_per_address_hour"), "{e}");
        let e = with("no_such_setting = 1").unwrap_err().to_string();
        assert!(e.contains("no_such_setting"), "{e}");
    }

    #[test]
    fn totp_keyring_settings() {
        let default = with("").unwrap();
        assert!(default.totp_keys_file.unwrap().ends_with("totp.keys"));
        let k = "ab".repeat(32);
        let s = with(&format!(
            "[secrets]\ntotp_keys = [\"new:{k}\", \"old:{}\"]",
            "cd".repeat(32)
        ))
        .unwrap();
        assert_eq!(s.totp_keys.current_key_id(), "new");
        assert!(s.totp_keys.has_key("old") && s.totp_keys_file.is_none());
        for (toml, needle) in [
            ("[secrets]\ntotp_keys = []".to_string(), "no key"),
            ("[secrets]\ntotp_keys = [\"x:abcd\"]".to_string(), "64 hex"),
            (
                format!("[secrets]\ntotp_keys = [\"x:{k}\"]\ntotp_keys_file = \"/nope\""),
                "not both",
            ),
            (
                "[secrets]\ntotp_keys_file = \"/nonexistent/totp.keys\"".to_string(),
                "cannot read",
            ),
        ] {
            let e = with(&toml).unwrap_err().to_string();
            assert!(e.contains("secrets.totp_keys") && e.contains(needle), "{e}");
            assert!(!e.contains(&k), "{e}");
        }
    }

    #[test]
    fn outage_bounds_are_settings_within_reason() {
        let s = with("database_timeout_seconds = 2\n[jobs]\nmax_backoff_seconds = 60").unwrap();
        assert_eq!(s.database_timeout_seconds, 2);
        assert_eq!(s.jobs.max_backoff_seconds, 60);
        let e = with("database_timeout_seconds = 0")
            .unwrap_err()
            .to_string();
        assert!(e.contains("database_timeout_seconds"), "{e}");
        let e = with("[jobs]\nmax_backoff_seconds = 0")
            .unwrap_err()
            .to_string();
        assert!(e.contains("jobs.max_backoff_seconds"), "{e}");
    }
}
