//! The services every layer above storage shares: settings, storage, clock, templates,
//! deliverability, mail, hashing, metrics and the worker's wake-up. Built once in `startup`.

pub mod clock;
pub mod eligibility;
pub mod templates;

use crate::config::Settings;
use crate::db::Db;
use crate::deliverability::Deliverability;
use crate::mail::Mailer;
use crate::security::{PasswordHasher, SeedOwner, TotpSecret};
use crate::services::clock::SharedClock;
use crate::services::templates::Templates;
use crate::telemetry::metrics::Metrics;
use std::sync::Arc;

#[derive(Clone)]
pub struct Services {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub clock: SharedClock,
    pub templates: Arc<Templates>,
    pub deliverability: Arc<Deliverability>,
    pub mailer: Mailer,
    pub hasher: PasswordHasher,
    /// Checks new passwords: policy, context and banned words, breach corpus.
    pub passwords: Arc<crate::passwords::Passwords>,
    pub metrics: Metrics,
    /// Wakes the job worker at once when a request enqueues work.
    pub jobs_wakeup: Arc<tokio::sync::Notify>,
    /// `POST /reset`'s database work, batched across concurrent requests.
    pub reset_requests: crate::reset::RequestChecks,
    /// The reset worker's batched audit writes.
    pub reset_audits: crate::reset::AuditWrites,
    /// In-process and persistent rate limits (docs/operations.md#rate-limits).
    pub rate_limits: crate::ratelimit::RateLimits,
    /// Keys the HMAC of emailed one-time codes (a plain hash of 40 bits is brute-forceable).
    pub code_key: [u8; 32],
    /// Where accounts and passwords live (`[directory]`): builtin or LDAP.
    pub directory: crate::directory::Directory,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("db", &self.db)
            .field("mailer", &self.mailer)
            .finish_non_exhaustive()
    }
}

impl Services {
    /// The injected "now", naive UTC as stored.
    pub fn now(&self) -> chrono::NaiveDateTime {
        self.clock.now_naive()
    }

    /// What [`crate::mail::deliver`] needs, borrowed from here.
    pub fn postman(&self) -> crate::mail::Postman<'_> {
        crate::mail::Postman {
            db: &self.db,
            templates: &self.templates,
            mailer: &self.mailer,
            limits: &self.rate_limits.persistent,
            clock: &self.clock,
            settings: &self.settings,
        }
    }

    /// Seals a TOTP seed for storage in `owner`'s row (encrypted at rest under the current
    /// key of `secrets.totp_keys`). The key bytes never leave the keyring.
    pub fn seal_totp(&self, owner: SeedOwner<'_>, secret: &TotpSecret) -> String {
        self.settings.totp_keys.seal(owner, secret)
    }

    /// Opens `owner`'s stored TOTP seed. A value that cannot be opened (unknown key id,
    /// tampered, copied from another row) is logged with the row and the reason, never the
    /// value, and gives `None`: the caller then fails the TOTP check exactly as for a wrong
    /// code. It must never treat `None` as "no TOTP enrolled" (the column being set decides
    /// that), which would silently drop the second factor.
    pub fn open_totp(&self, owner: SeedOwner<'_>, stored: &str) -> Option<TotpSecret> {
        match self.settings.totp_keys.open(owner, stored) {
            Ok(secret) => Some(secret),
            Err(e) => {
                let (table, id) = match owner {
                    SeedOwner::User(id) => ("users", id),
                    SeedOwner::Admin(id) => ("admins", id),
                };
                tracing::error!(table, id, error = %e, "cannot open a stored TOTP secret; the TOTP check fails");
                None
            }
        }
    }
}

/// How a caller above the services (the HTTP edge, the CLI) should treat a service's failure,
/// without knowing where it came from: the services' errors (storage ones included) are
/// classified here, so the edge maps a class to a status and never names a storage type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureClass {
    /// A dependency (the database) cannot answer now: retry later (503).
    Unavailable,
    /// The request carried something the service cannot take (text the database refuses).
    InvalidInput,
    /// The service is at capacity for this kind of request: retry after this many seconds
    /// (503 with `Retry-After`, answered at once).
    Busy(u64),
    /// Anything else: a bug or an unexpected state (500, cause chain logged).
    Unexpected,
}

/// An error a service returns, with its [`FailureClass`].
pub trait ServiceFailure: std::error::Error + Send + Sync + 'static {
    fn class(&self) -> FailureClass;
}

impl ServiceFailure for crate::db::DbError {
    fn class(&self) -> FailureClass {
        match self {
            crate::db::DbError::Unavailable(_) => FailureClass::Unavailable,
            crate::db::DbError::InvalidText(_) => FailureClass::InvalidInput,
            crate::db::DbError::Busy(s) => FailureClass::Busy(*s),
            _ => FailureClass::Unexpected,
        }
    }
}

/// The class of the first classified failure in an error's cause chain, for a service error
/// that was wrapped on its way up (`anyhow` with context): an outage stays an outage.
pub fn class_in_chain(e: &anyhow::Error) -> Option<FailureClass> {
    e.chain().find_map(|c| {
        if let Some(db) = c.downcast_ref::<crate::db::DbError>() {
            return match db.class() {
                FailureClass::Unexpected => None,
                class => Some(class),
            };
        }
        c.downcast_ref::<r2d2::Error>()
            .map(|_| FailureClass::Unavailable)
    })
}
