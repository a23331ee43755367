//! The settings as written, and their validation into [`Settings`].

use super::secrets::{secret, totp_keyring};
use super::{
    config_error, ConfigError, JobSettings, LogFormat, PasswordSettings, RateLimitSettings,
    ResetSettings, Settings,
};
use crate::db::DatabaseUrl;
use crate::deliverability::{DeliverabilitySettings, DnsMode, StaticAnswer};
use crate::directory::RawDirectorySettings;
use crate::security::keys::MasterKey;
use crate::security::HashingSettings;
use ipnet::IpNet;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

/// The settings as written by the operator, before validation.
/// No `Debug`: it holds secrets as plain strings.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawSettings {
    pub bind: String,
    /// The operations listener: `/metrics`, `/healthz`, `/readyz` (`0`: a free loopback port).
    #[serde(deserialize_with = "super::parse::string_or_number")]
    pub management_bind: String,
    pub public_base_url: Option<String>,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub database_url_file: Option<PathBuf>,
    pub database_pool_size: u32,
    pub database_timeout_seconds: u64,
    pub smtp_url: Option<String>,
    pub smtp_url_file: Option<PathBuf>,
    pub smtp_timeout_seconds: u64,
    /// SMTP connections kept open to the relay (unset: `jobs.concurrency`).
    pub smtp_pool_size: Option<u32>,
    /// Extra CA certificates (PEM) for the relay's TLS, beside the bundled and system roots.
    pub smtp_ca_file: Option<PathBuf>,
    pub mail_from: String,
    /// `[mail]`: `[mail.dkim]`, `mail.bounce_domain`.
    pub mail: super::mail::RawMailSettings,
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
    pub retention: super::RetentionSettings,
    pub rate_limits: RateLimitSettings,
    pub hashing: HashingSettings,
    pub deliverability: DeliverabilitySettings,
    pub secrets: RawSecretsSettings,
    pub directory: RawDirectorySettings,
    /// `[[webhooks]]`: where audit events are sent (docs/passwords-and-webhooks.md#webhooks).
    pub webhooks: Vec<crate::webhooks::RawWebhook>,
    /// `[branding]`: service name, host organisation, logo, accent colour (docs/branding.md).
    pub branding: super::RawBrandingSettings,
    /// Templates here replace the built-in ones of the same name, at start.
    pub templates_dir: Option<PathBuf>,
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
            management_bind: "127.0.0.1:9000".into(),
            public_base_url: None,
            data_dir: PathBuf::from("./data"),
            database_url: None,
            database_url_file: None,
            database_pool_size: 8,
            database_timeout_seconds: 5,
            smtp_url: None,
            smtp_url_file: None,
            smtp_timeout_seconds: 10,
            smtp_pool_size: None,
            smtp_ca_file: None,
            mail_from: "Latchkey <no-reply@latchkey.localhost>".into(),
            mail: Default::default(),
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
            retention: super::RetentionSettings::default(),
            rate_limits: RateLimitSettings::default(),
            hashing: HashingSettings::default(),
            deliverability: DeliverabilitySettings::default(),
            secrets: RawSecretsSettings::default(),
            directory: RawDirectorySettings::default(),
            webhooks: Vec::new(),
            branding: Default::default(),
            templates_dir: None,
        }
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

        let management_bind = super::parse::parse_management_bind(&self.management_bind)?;

        // Links in mail are built from public_base_url: defaulting it to a bind address that
        // others reach (0.0.0.0, a LAN address) would mail links nobody can open.
        if self.public_base_url.is_none() && !bind.ip().is_loopback() {
            return Err(config_error(
                "public_base_url",
                format!(
                    "required when `bind` ({bind}) is not a loopback address: every emailed link \
                     is built from it; write the URL guests use, e.g. https://reset.example.com"
                ),
            ));
        }
        let base = self
            .public_base_url
            .clone()
            .unwrap_or_else(|| format!("http://{bind}"));
        let public_base_url = super::parse::parse_base_url(&base)?;

        let db_text = secret(
            "database_url",
            self.database_url.clone(),
            self.database_url_file.as_deref(),
        )?
        .unwrap_or_else(|| super::embedded_database_url(&self.data_dir));
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
        super::mail::check_smtp(smtp_url.as_deref(), self.smtp_ca_file.as_deref())?;

        let mail_from: lettre::message::Mailbox = self.mail_from.parse().map_err(|_| {
            config_error(
                "mail_from",
                "not a mailbox; write e.g. \"Latchkey <no-reply@example.com>\"",
            )
        })?;

        let dkim = self.mail.dkim.load()?;
        let bounce_domain = self.mail.bounce_domain()?;
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
            // answer offline, whether or not `demo` is on (docs/operations.md#the-operator-cli).
            for domain in super::DEMO_DOMAINS {
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

        let directory_password = secret(
            "directory.bind_password",
            self.directory.bind_password.clone(),
            self.directory.bind_password_file.as_deref(),
        )?;
        let directory = self
            .directory
            .validate(directory_password)
            .map_err(|e| config_error(&format!("directory.{}", e.setting), e.message))?;

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
            ("jobs.concurrency", self.jobs.concurrency),
            ("smtp_pool_size", self.smtp_pool_size.unwrap_or(1)),
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
        self.password.validate()?;
        if self.jobs.concurrency > 1024 {
            return Err(config_error(
                "jobs.concurrency",
                "at most 1024; the default is 64",
            ));
        }
        if self.smtp_pool_size.is_some_and(|n| n > 256) {
            return Err(config_error(
                "smtp_pool_size",
                "at most 256 connections; unset, it follows jobs.concurrency",
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
        let webhooks = crate::webhooks::settings::validate(&self.webhooks)
            .map_err(|(setting, message)| config_error(&setting, message))?;
        self.retention.validate()?;
        let branding = self.branding.validate(&super::static_dir(&self.data_dir))?;
        super::branding::check_templates_dir(self.templates_dir.as_deref())?;
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
            management_bind,
            public_base_url,
            data_dir: self.data_dir,
            database_url,
            database_pool_size: self.database_pool_size,
            database_timeout_seconds: self.database_timeout_seconds,
            smtp_url: smtp_url.map(SecretString::from),
            smtp_timeout_seconds: self.smtp_timeout_seconds,
            smtp_pool_size: self
                .smtp_pool_size
                .unwrap_or(self.jobs.concurrency.min(256)),
            smtp_ca_file: self.smtp_ca_file.clone(),
            mail_from,
            dkim,
            bounce_domain,
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
            retention: self.retention,
            rate_limits: self.rate_limits,
            hashing: self.hashing,
            deliverability,
            directory,
            webhooks,
            ignored_variables: Vec::new(),
            branding,
            templates_dir: self.templates_dir,
        })
    }
}
