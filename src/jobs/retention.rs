//! Retention (docs/operations.md#retention): what the `[retention]` settings no longer keep is
//! deleted by a background sweep every `retention.sweep_interval_minutes`, and on demand by
//! `latchkey purge`. Each batch of at most `retention.batch_size` rows is its own short
//! statement; a run writes one `retention_swept` audit event with its counts and adds them to
//! `latchkey_retention_deleted_total{kind}`.
//!
//! Nothing is archived: exporting the audit before it ages out is the operator's job.

use crate::config::RetentionSettings;
use crate::db::audit::{self, NewAuditEvent};
use crate::db::retention::{self, Kind};
use crate::db::{Db, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::services::clock::SharedClock;
use chrono::NaiveDateTime;
use std::time::Duration;

/// Rows per kind: what would go (a plan) or what went (a sweep).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub counts: Vec<(Kind, i64)>,
}

impl Report {
    /// Rows of `kind` in the report.
    pub fn get(&self, kind: Kind) -> i64 {
        self.counts
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n)
    }

    pub fn total(&self) -> i64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }

    /// `{"audit_events": 3, "jobs": 0, …}` for the audit detail and `--json`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.counts
                .iter()
                .map(|(k, n)| (k.name().to_string(), serde_json::Value::from(*n)))
                .collect(),
        )
    }
}

/// The cut-off for `kind` at `now`: rows older than this go.
pub fn cutoff(settings: &RetentionSettings, kind: Kind, now: NaiveDateTime) -> NaiveDateTime {
    let days = match kind {
        Kind::Audit => settings.audit_days,
        Kind::Jobs | Kind::WebhookDeliveries | Kind::MailEnvelopes => settings.jobs_days,
        Kind::ResetTokens
        | Kind::ResetDecoys
        | Kind::EmailVerifications
        | Kind::Invitations
        | Kind::NotMeTokens => settings.expired_days,
    };
    now - chrono::Duration::days(i64::from(days))
}

/// What a sweep at `now` would delete, per kind. Deletes nothing.
pub fn plan(db: &Db, settings: &RetentionSettings, now: NaiveDateTime) -> Result<Report, DbError> {
    let mut conn = db.get()?;
    let mut counts = Vec::new();
    for &kind in Kind::ALL {
        counts.push((
            kind,
            retention::count(&mut conn, kind, cutoff(settings, kind, now))?,
        ));
    }
    Ok(Report { counts })
}

/// Deletes what the settings no longer keep at `now`, batch by batch (a connection is taken
/// per batch, so other work interleaves), until nothing is left or `stop()` says so. Then
/// writes one `retention_swept` audit event (actor `actor`) and counts the rows in the metrics.
pub fn sweep(
    db: &Db,
    settings: &RetentionSettings,
    now: NaiveDateTime,
    actor: &str,
    stop: &dyn Fn() -> bool,
) -> Result<Report, DbError> {
    let limit = i64::from(settings.batch_size.max(1));
    let mut counts = Vec::new();
    let mut stopped = false;
    for &kind in Kind::ALL {
        let before = cutoff(settings, kind, now);
        let mut deleted: i64 = 0;
        while !stopped {
            let n = retention::delete_batch(&mut *db.get()?, kind, before, limit)?;
            deleted += n as i64;
            if (n as i64) < limit {
                break;
            }
            stopped = stop();
        }
        if deleted > 0 {
            crate::telemetry::metrics::retention_deleted(kind.name(), deleted as u64);
        }
        counts.push((kind, deleted));
    }
    let report = Report { counts };
    let mut event = NewAuditEvent::new(now, actor, Event::RetentionSwept, Outcome::Success);
    let mut detail = report.to_json();
    if stopped {
        detail["interrupted"] = serde_json::Value::Bool(true);
    }
    event.detail = Some(detail.to_string());
    audit::insert(&mut *db.get()?, &event)?;
    crate::telemetry::metrics::retention_swept();
    Ok(report)
}

/// Runs [`sweep`] every `retention.sweep_interval_minutes` (the first run one interval after
/// start) until `stop` turns `true`. Several instances sweeping the same database is harmless:
/// each delete re-checks its condition.
pub fn spawn(
    db: Db,
    clock: SharedClock,
    settings: RetentionSettings,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    if settings.sweep_interval_minutes == 0 {
        tracing::info!("retention sweep off (retention.sweep_interval_minutes = 0)");
        return;
    }
    let every = Duration::from_secs(u64::from(settings.sweep_interval_minutes) * 60);
    tokio::spawn(async move {
        let mut stop = stop;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                // Stopping, or the application is gone (the sender dropped).
                changed = stop.changed() => if changed.is_err() || *stop.borrow() { break },
            }
            let (db, settings, now) = (db.clone(), settings.clone(), clock.now_naive());
            let halt = stop.clone();
            let ran = tokio::task::spawn_blocking(move || {
                sweep(&db, &settings, now, "system", &|| *halt.borrow())
            })
            .await;
            match ran {
                Ok(Ok(report)) => tracing::info!(
                    deleted = report.total(),
                    counts = %report.to_json(),
                    "retention sweep done"
                ),
                Ok(Err(e)) => {
                    tracing::warn!(error = %format!("{e:#}"), "retention sweep failed; retrying at the next interval")
                }
                Err(e) => tracing::warn!(error = %e, "retention sweep task failed"),
            }
        }
    });
}
