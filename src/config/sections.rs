//! The nested tables of the configuration: `[reset]`, `[password]`, `[jobs]`, `[rate_limits]`.

use super::{config_error, ConfigError};
use crate::domain::password::BreachedFail;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Reset tokens and codes (docs/architecture.md#the-reset-flow-end-to-end).
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

/// Password policy knobs (NIST SP 800-63B), and the breached-password check.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordSettings {
    pub min_chars: u32,
    /// Refuse passwords found in a breach corpus: `off`, `api` (the k-anonymity range API) or
    /// `file` (an offline "ordered by hash" `SHA1:count` file).
    pub breached: BreachedMode,
    /// The range API's base URL; `/range/{prefix}` is appended.
    pub breached_api_url: String,
    /// The offline corpus, for `breached = "file"`.
    pub breached_file: Option<PathBuf>,
    /// When the corpus cannot be asked: `open` accepts the password, `closed` refuses it with
    /// "try again shortly".
    pub breached_fail: BreachedFail,
    /// How long one range API request may take (connect included).
    pub breached_timeout_ms: u64,
}

/// `password.breached`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BreachedMode {
    #[default]
    Off,
    Api,
    File,
}

/// The public Pwned Passwords service.
pub const DEFAULT_BREACHED_API_URL: &str = "https://api.pwnedpasswords.com";

impl Default for PasswordSettings {
    fn default() -> Self {
        Self {
            min_chars: 12,
            breached: BreachedMode::Off,
            breached_api_url: DEFAULT_BREACHED_API_URL.into(),
            breached_file: None,
            breached_fail: BreachedFail::Open,
            breached_timeout_ms: 2000,
        }
    }
}

impl PasswordSettings {
    /// Checks the breached-password settings (the file itself is opened at start).
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if !(8..=64).contains(&self.min_chars) {
            return Err(config_error(
                "password.min_chars",
                "must be between 8 (NIST minimum) and 64; the default is 12",
            ));
        }
        if self.breached == BreachedMode::Api {
            let ok = url::Url::parse(&self.breached_api_url).is_ok_and(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host_str().is_some()
                    && u.query().is_none()
                    && u.username().is_empty()
            });
            if !ok {
                return Err(config_error(
                    "password.breached_api_url",
                    format!(
                        "{:?} is not an http(s) base URL; the default is {DEFAULT_BREACHED_API_URL}",
                        self.breached_api_url
                    ),
                ));
            }
        }
        if self.breached == BreachedMode::File && self.breached_file.is_none() {
            return Err(config_error(
                "password.breached_file",
                "required when password.breached = \"file\": the path of an \"ordered by hash\" \
                 SHA1:count file (check it with `latchkey password breached-check --file F`)",
            ));
        }
        if !(100..=30_000).contains(&self.breached_timeout_ms) {
            return Err(config_error(
                "password.breached_timeout_ms",
                "between 100 and 30000; the default is 2000",
            ));
        }
        Ok(())
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
    /// Claimed jobs run at once (they mostly wait on the database, DNS and the relay).
    pub concurrency: u32,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            poll_interval_ms: 1000,
            max_attempts: 8,
            max_backoff_seconds: 15 * 60,
            lease_seconds: 60,
            batch_size: 32,
            concurrency: 64,
        }
    }
}

/// Rate limits (docs/operations.md#rate-limits). `enabled = false` turns every limit off, for benchmarks only.
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
    /// Accepted for old configuration files and ignored: asking for a reset never locks an
    /// account (anyone who knows an address could keep its owner out); the per-address mail
    /// caps bound the requests and failed proofs drive the backoff.
    pub reset_attempts_per_day: u32,
    /// Accepted for old configuration files; see `reset_attempts_per_day`.
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
    /// Per client IP, every page that takes a mailed token: `/reset/link/*`, `/reset/verify`,
    /// `/reset/new`, `/invite/*`, `/verify/*`, `/signup/complete/*` (any method).
    pub token_pages: QuotaSettings,
    /// Per client IP: `/admin/login*`.
    pub admin_login: QuotaSettings,
    /// Per client IP: every other `/admin/*` page.
    pub admin: QuotaSettings,
    /// Per API key, counted only once the key is authenticated: `/api/*`.
    pub api: QuotaSettings,
    /// Per client IP, API requests with a missing or unknown key (a made-up bearer value buys
    /// no fresh quota).
    pub api_unauthenticated: QuotaSettings,
    /// One ceiling for the whole instance on `POST /reset`, protecting the database and the
    /// mail server from a flood spread over many addresses.
    pub reset_global: QuotaSettings,
    /// One ceiling for the whole instance on unauthenticated sign-in attempts (`POST /signin`
    /// and `POST /admin/login`), each of which costs an argon2 verification: past it the
    /// answer is 503 with `Retry-After`.
    pub sign_in_global: QuotaSettings,
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
            api_unauthenticated: QuotaSettings::new(60, 20),
            reset_global: QuotaSettings::new(1200, 300),
            sign_in_global: QuotaSettings::new(1200, 100),
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
            ("api_unauthenticated", self.api_unauthenticated),
            ("reset_global", self.reset_global),
            ("sign_in_global", self.sign_in_global),
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
