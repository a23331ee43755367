//! Rate limiting everywhere (docs/operations.md#rate-limits, docs/security.md#28–#30).
//!
//! - [`inprocess`]: governor limiters per route group, keyed by client IP (API: by key), and a
//!   global ceiling on `POST /reset`; applied to every request by `web::ratelimit::limit`.
//! - [`persistent`]: database counters per address, account, flow and tenant, called by the
//!   reset worker and the handlers.
//! - [`groups`]: which limiter a request belongs to.
//!
//! [`RateLimits`] bundles both for `AppState`; [`spawn_housekeeping`] prunes, sweeps and, when
//! limits are off, warns.

pub mod groups;
pub mod inprocess;
pub mod persistent;

pub use groups::{classify, Classification, Limiter};
pub use inprocess::{LimitKey, Limited, Limiters};
pub use persistent::{Allowance, FailureKind, PersistentLimits};

use crate::config::Settings;
use crate::db::Db;
use crate::services::clock::SharedClock;
use std::sync::Arc;
use std::time::Duration;

/// Every limiter of the instance: one value in `AppState`, cheap to clone.
#[derive(Debug, Clone)]
pub struct RateLimits {
    pub local: Arc<Limiters>,
    pub persistent: PersistentLimits,
}

impl RateLimits {
    /// Builds the limiters from the settings.
    pub fn new(settings: &Settings, db: Db, clock: SharedClock) -> Self {
        Self {
            local: Arc::new(Limiters::new(&settings.rate_limits)),
            persistent: PersistentLimits::new(
                db,
                clock,
                settings.rate_limits.clone(),
                settings.master_key.derive("latchkey/ratelimit/keys"),
            ),
        }
    }

    /// Whether limits are on (`rate_limits.enabled`).
    pub fn enabled(&self) -> bool {
        self.local.enabled()
    }
}

/// The loud warning logged when every limit is off.
fn warn_disabled() {
    tracing::warn!(
        "RATE LIMITS ARE DISABLED (rate_limits.enabled = false): no per-IP, per-address, \
         per-account or per-token limits are enforced. For benchmarks only; never in production."
    );
}

/// Starts the background timers on the current tokio runtime: every `prune_interval_seconds`
/// the in-process state is pruned and expired counters are swept; when limits are disabled, a
/// warning is logged at once and every minute. Runs until the runtime stops.
pub fn spawn_housekeeping(limits: RateLimits, prune_interval: Duration) {
    if !limits.enabled() {
        tokio::spawn(async {
            let mut every_minute = tokio::time::interval(Duration::from_secs(60));
            loop {
                every_minute.tick().await;
                warn_disabled();
            }
        });
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(prune_interval.max(Duration::from_secs(1)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await; // the first tick is immediate: nothing to prune yet
        loop {
            tick.tick().await;
            let before = limits.local.total_keys();
            limits.local.prune();
            let after = limits.local.total_keys();
            match limits.persistent.sweep().await {
                Ok(swept) => tracing::debug!(before, after, swept, "rate limit housekeeping"),
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "sweeping rate counters failed")
                }
            }
        }
    });
}
