//! `[retention]`: how long finished work and old records are kept before the background sweep
//! (and `latchkey purge`) deletes them (docs/operations.md#retention).

use super::{config_error, ConfigError};
use serde::{Deserialize, Serialize};

/// How long rows are kept. Every period counts from the row's own end: the event's time, the
/// job's finish, the token's expiry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionSettings {
    /// Audit events older than this many days are deleted. Export them first if they must be
    /// kept longer: the sweep does not archive.
    pub audit_days: u32,
    /// Finished jobs (sent or failed for good) are deleted this many days after they finished.
    pub jobs_days: u32,
    /// Reset tokens, address verifications, invitations and "this wasn't me" links are deleted
    /// this many days after they expired.
    pub expired_days: u32,
    /// How often the background sweep runs, in minutes; 0 turns it off (run `latchkey purge`
    /// from a timer instead).
    pub sweep_interval_minutes: u32,
    /// Rows deleted per statement: each batch is its own short transaction, so the sweep never
    /// holds a long lock.
    pub batch_size: u32,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            audit_days: 400,
            jobs_days: 7,
            expired_days: 30,
            sweep_interval_minutes: 60,
            batch_size: 500,
        }
    }
}

impl RetentionSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for (name, v) in [
            ("retention.audit_days", self.audit_days),
            ("retention.jobs_days", self.jobs_days),
            ("retention.expired_days", self.expired_days),
            ("retention.batch_size", self.batch_size),
        ] {
            if v == 0 {
                return Err(config_error(name, "must be greater than zero"));
            }
        }
        if self.batch_size > 10_000 {
            return Err(config_error(
                "retention.batch_size",
                "at most 10000 (a batch is one transaction); the default is 500",
            ));
        }
        Ok(())
    }
}
