//! Checking a new password wherever one is set (reset, signup, invitation redemption, admin
//! set-up, the CLI): the pure policy of [`crate::domain::password`], given the account's context
//! words and its tenant's banned words, then the breached-password lookup (`password.breached`),
//! whose verdict the pure [`judge_breach`] turns into a reason.
//!
//! The check runs before anything is written, whatever the directory the password goes to.

pub mod banned_words;
pub mod breached;

use crate::config::Settings;
use crate::db::models::Tenant;
use crate::db::{self, tenants, Db, DbError};
use crate::domain::password::{
    judge_breach, BreachVerdict, BreachedFail, NewPassword, PasswordContext, PasswordPolicy,
    PasswordRejection,
};
use crate::domain::tenant::CONSUMERS_TENANT_NAME;
use crate::domain::EmailAddress;
use crate::security::PasswordHasher;
use breached::BreachedSource;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

use crate::telemetry::metrics::{self, PASSWORD_BREACH_CHECKS};

/// An outage of the breached-password source is logged at most this often.
const OUTAGE_LOG_INTERVAL: Duration = Duration::from_secs(60);

/// The tenant whose context and banned words apply to a new password.
#[derive(Debug, Clone, Copy)]
pub enum TenantOf<'a> {
    /// An existing account's tenant.
    Tenant(&'a Tenant),
    /// An account about to be created: the tenant that owns the address's domain (or the
    /// consumers tenant), if there is one yet; otherwise the domain stands for its name.
    NewAccount,
    /// No tenant (a platform admin).
    None,
}

/// The password-checking service.
pub struct Passwords {
    settings: Arc<Settings>,
    policy: PasswordPolicy,
    fail: BreachedFail,
    source: BreachedSource,
    db: Db,
    /// Runs the policy check (zxcvbn) on the blocking pool under one of its permits.
    hasher: PasswordHasher,
    outage: Mutex<OutageLog>,
}

#[derive(Debug, Default)]
struct OutageLog {
    last_logged: Option<Instant>,
    unlogged: u64,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passwords")
            .field("breached", &self.source.mode())
            .field("fail", &self.fail)
            .finish_non_exhaustive()
    }
}

impl Passwords {
    /// Builds the service; in `file` mode opens the corpus now, so a bad path fails at start.
    pub fn new(settings: Arc<Settings>, db: Db, hasher: PasswordHasher) -> anyhow::Result<Self> {
        let source = BreachedSource::from_settings(&settings.password)?;
        Ok(Self {
            policy: settings.password_policy(),
            fail: settings.password.breached_fail,
            source,
            settings,
            db,
            hasher,
            outage: Mutex::new(OutageLog::default()),
        })
    }

    /// The breached-password source in use.
    pub fn source(&self) -> &BreachedSource {
        &self.source
    }

    /// Checks a new password for the account of `email` in `tenant`: length, confirmation,
    /// common list, context and banned words, zxcvbn, then the breach corpus. The outer error is
    /// a storage failure (reading the banned words); the inner one the reason for the field.
    pub async fn check_new(
        &self,
        candidate: &str,
        confirm: &str,
        email: &EmailAddress,
        tenant: TenantOf<'_>,
    ) -> Result<Result<NewPassword, PasswordRejection>, DbError> {
        let (tenant_name, banned) = self.tenant_words(email, tenant).await?;
        let ctx = PasswordContext::for_account(email, &tenant_name).with_banned_words(banned);
        // zxcvbn costs up to a few milliseconds: on the blocking pool, under a hasher permit.
        let policy = self.policy.clone();
        let candidate = Zeroizing::new(candidate.to_owned());
        let confirm = Zeroizing::new(confirm.to_owned());
        let checked = self
            .hasher
            .run_cpu(move || policy.check(&candidate, &confirm, &ctx))
            .await
            .map_err(DbError::Unexpected)?;
        let new = match checked {
            Ok(p) => p,
            Err(reason) => return Ok(Err(reason)),
        };
        let verdict = self.breach_verdict(new.expose()).await;
        Ok(judge_breach(verdict, self.fail).map(|()| new))
    }

    /// The tenant's name (a context word) and banned words.
    async fn tenant_words(
        &self,
        email: &EmailAddress,
        tenant: TenantOf<'_>,
    ) -> Result<(String, Vec<String>), DbError> {
        let tenant = match tenant {
            TenantOf::None => return Ok((String::new(), Vec::new())),
            TenantOf::Tenant(t) => Some(t.clone()),
            TenantOf::NewAccount => {
                let consumer = self.settings.is_consumer_domain(email.domain());
                let domain = email.domain().to_string();
                self.db
                    .run(move |c| {
                        if consumer {
                            tenants::find_by_name(c, CONSUMERS_TENANT_NAME)
                        } else {
                            tenants::find_by_domain(c, &domain)
                        }
                    })
                    .await?
            }
        };
        let Some(tenant) = tenant else {
            // The name the account's tenant will get when it is created.
            let name = if self.settings.is_consumer_domain(email.domain()) {
                CONSUMERS_TENANT_NAME
            } else {
                email.domain()
            };
            return Ok((name.to_string(), Vec::new()));
        };
        let id = tenant.tenant_id();
        let words = self
            .db
            .run(move |c| db::banned_words::of_tenant(c, &id))
            .await?;
        Ok((tenant.name, words))
    }

    /// Asks the breach corpus about `password` (the NFKC form that will be stored), counting the
    /// answer in metrics and logging an outage at most once a minute.
    async fn breach_verdict(&self, password: &str) -> BreachVerdict {
        if matches!(self.source, BreachedSource::Off) {
            return BreachVerdict::NotChecked;
        }
        let (verdict, result) = match self.source.lookup(password).await {
            Ok(Some(count)) if count > 0 => (BreachVerdict::Found(count), "found"),
            Ok(_) => (BreachVerdict::NotFound, "not_found"),
            Err(error) => {
                self.note_outage(&error);
                (BreachVerdict::Unavailable, "unavailable")
            }
        };
        metrics::password_breach_check(result);
        verdict
    }

    fn note_outage(&self, error: &str) {
        let mut log = self.outage.lock().unwrap_or_else(|p| p.into_inner());
        if log
            .last_logged
            .is_some_and(|t| t.elapsed() < OUTAGE_LOG_INTERVAL)
        {
            log.unlogged += 1;
            return;
        }
        let meanwhile = match self.fail {
            BreachedFail::Open => "accepted unchecked",
            BreachedFail::Closed => "refused (\"try again shortly\")",
        };
        tracing::warn!(
            mode = self.source.mode(),
            error,
            unlogged_since_last = log.unlogged,
            "the breached-password check is unavailable; new passwords are {meanwhile} until it \
             answers (logged at most once a minute; every failure is counted in {PASSWORD_BREACH_CHECKS})"
        );
        log.last_logged = Some(Instant::now());
        log.unlogged = 0;
    }
}
