//! The worker: claims batches of jobs (woken at once by the request that enqueued, and by a
//! poll for work left by a crash or another instance), runs them concurrently, and retries
//! transient failures with capped exponential backoff. A job that keeps failing ends `failed`,
//! visible in `/metrics` and the audit.

use super::{queue, JobError, JobRun, Registry};
use crate::config::JobSettings;
use crate::db::audit::{self, NewAuditEvent};
use crate::db::{Db, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::domain::JobId;
use crate::services::clock::SharedClock;
use crate::telemetry::metrics::Metrics;
use futures_util::StreamExt;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// Tells the worker to stop: `true` once the process is shutting down.
pub type StopSignal = tokio::sync::watch::Receiver<bool>;

/// A worker: the queue it claims from, the kinds it knows and what their jobs run against.
pub struct Worker<C> {
    pub db: Db,
    pub clock: SharedClock,
    pub metrics: Metrics,
    /// Notified by a request that enqueued work, so the worker claims it at once.
    pub wakeup: Arc<tokio::sync::Notify>,
    pub settings: JobSettings,
    pub registry: Registry<C>,
    pub context: C,
}

impl<C: Send + Sync + 'static> Worker<C> {
    /// Runs until `stop` turns `true` (SIGTERM): then claims nothing more and finishes the jobs
    /// it is running (the caller bounds that by the grace period). Every claimed job starts at
    /// once, so nothing claimed waits behind a slow one.
    ///
    /// A pipeline, not rounds: up to `jobs.concurrency` jobs run at once, and as they finish the
    /// free places are claimed again (a batch of at most `jobs.batch_size`, once at least half
    /// a batch is free), so one slow mail never holds up a whole batch.
    pub async fn run(self, mut stop: StopSignal) {
        let worker_id = format!("worker-{}", uuid::Uuid::new_v4().simple());
        let poll = Duration::from_millis(self.settings.poll_interval_ms);
        let limit = self.settings.concurrency.max(1) as usize;
        let batch = (self.settings.batch_size.max(1) as usize).min(limit);
        let mut running = futures_util::stream::FuturesUnordered::new();
        // The ids of the jobs running here. A job whose lease ran out while it runs (a send
        // slower than `jobs.lease_seconds`, or a clock that jumped) is claimable again, by this
        // worker too: it is already running, and must not run (and mail) twice.
        let mut in_flight: HashSet<String> = HashSet::new();
        // Claims failing in a row (the database away): the worker waits longer each time, up
        // to CLAIM_BACKOFF_MAX, and logs the outage once at its start and then once a minute,
        // so an outage costs neither CPU nor a flood of log lines. The first claim that works
        // resumes.
        let mut failures: u32 = 0;
        let mut last_logged: Option<std::time::Instant> = None;
        loop {
            if *stop.borrow() {
                break;
            }
            let free = limit - running.len();
            let mut wait = poll;
            if free >= batch.div_ceil(2) || running.is_empty() {
                let wanted = free.min(batch);
                match self.claim(&worker_id, wanted).await {
                    Ok(jobs) => {
                        resumed(&mut failures);
                        let n = jobs.len();
                        for job in jobs {
                            if in_flight.insert(job.id.clone()) {
                                running.push(self.run_job(&worker_id, job));
                            }
                        }
                        if n == wanted && running.len() < limit {
                            // A full claim and still room: there may be more waiting.
                            continue;
                        }
                    }
                    Err(e) => {
                        failures = failures.saturating_add(1);
                        if last_logged.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                            last_logged = Some(std::time::Instant::now());
                            tracing::warn!(
                                error = %format!("{e:#}"),
                                failures,
                                "job worker could not claim work; backing off until the database answers"
                            );
                        }
                        wait = claim_backoff(poll, failures);
                    }
                }
            }
            let room = running.len() < limit;
            tokio::select! {
                Some(done) = running.next(), if !running.is_empty() => {
                    in_flight.remove(&done);
                }
                _ = self.wakeup.notified(), if failures == 0 && room => {}
                _ = tokio::time::sleep(wait) => {}
                _ = stopped(&mut stop) => {}
            }
        }
        while running.next().await.is_some() {}
        tracing::info!(worker = %worker_id, "job worker stopped");
    }

    /// Claims one batch and runs it to the end; returns how many jobs were claimed (for tools
    /// and benches that work the queue off in their own rhythm).
    pub async fn run_once(&self, worker_id: &str) -> Result<usize, DbError> {
        let jobs = self
            .claim(worker_id, self.settings.batch_size.max(1) as usize)
            .await?;
        let n = jobs.len();
        let limit = self.settings.concurrency.max(1) as usize;
        futures_util::stream::iter(jobs)
            .for_each_concurrent(limit, |job| async move {
                self.run_job(worker_id, job).await;
            })
            .await;
        Ok(n)
    }

    /// Claims up to `n` runnable jobs for this worker, leased for `jobs.lease_seconds`.
    async fn claim(&self, worker_id: &str, n: usize) -> Result<Vec<queue::StoredJob>, DbError> {
        let now = self.clock.now_naive();
        let lease = now + chrono::Duration::seconds(self.settings.lease_seconds as i64);
        let id = worker_id.to_string();
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        self.db
            .run_grouped(move |c| queue::claim(c, &id, now, lease, n))
            .await
    }

    /// Runs one claimed job and records how it ended; returns its id.
    async fn run_job(&self, worker_id: &str, job: queue::StoredJob) -> String {
        let run = JobRun {
            id: JobId::from_string(job.id.clone()),
            attempt: job.attempts,
        };
        let result = self
            .registry
            .run(&self.context, &run, &job.kind, &job.payload)
            .await;
        if let Err(e) = self.settle(worker_id, &job, result).await {
            tracing::warn!(job_id = %job.id, error = %format!("{e:#}"), "could not record a job's outcome");
        }
        job.id
    }

    async fn settle(
        &self,
        worker_id: &str,
        job: &queue::StoredJob,
        result: Result<(), JobError>,
    ) -> Result<(), DbError> {
        let now = self.clock.now_naive();
        let id = job.id.clone();
        match result {
            Ok(()) => {
                self.metrics.incr("latchkey_jobs_total", "outcome=done");
                let w = worker_id.to_string();
                self.db
                    .run_grouped(move |c| queue::complete(c, &id, &w, now))
                    .await
            }
            Err(JobError::Transient(why)) if job.attempts < job.max_attempts => {
                self.metrics.incr("latchkey_jobs_total", "outcome=retried");
                let backoff = backoff_seconds(job.attempts, self.settings.max_backoff_seconds);
                let run_at = now + chrono::Duration::seconds(backoff);
                self.db
                    .run(move |c| queue::retry_later(c, &id, &why, run_at))
                    .await
            }
            Err(e) => {
                self.metrics.incr("latchkey_jobs_total", "outcome=failed");
                tracing::error!(job_id = %job.id, kind = %job.kind, attempts = job.attempts, "job failed for good");
                let why = e.to_string();
                let kind = job.kind.clone();
                let attempts = job.attempts;
                self.db
                    .run(move |c| {
                        queue::fail(c, &id, &why, now)?;
                        let mut event =
                            NewAuditEvent::new(now, "system", Event::JobFailed, Outcome::Failure);
                        event.reason = Some(why.clone());
                        event.detail = Some(
                            serde_json::json!({ "job_id": id, "kind": kind, "attempts": attempts })
                                .to_string(),
                        );
                        audit::insert(c, &event)
                    })
                    .await
            }
        }
    }
}

/// Resolves when the stop flag changes; never when its sender is gone (nobody can stop us).
async fn stopped(stop: &mut StopSignal) {
    if stop.changed().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Longest wait between claims while the database keeps failing.
const CLAIM_BACKOFF_MAX: Duration = Duration::from_secs(5);

/// The wait after `failures` failed claims in a row: the poll interval doubled per failure.
fn claim_backoff(poll: Duration, failures: u32) -> Duration {
    poll.saturating_mul(2u32.saturating_pow(failures.min(16)))
        .min(CLAIM_BACKOFF_MAX)
        .max(poll)
}

fn resumed(failures: &mut u32) {
    if *failures > 0 {
        tracing::info!(failures = *failures, "job worker claims work again");
        *failures = 0;
    }
}

/// The wait before the next try after `attempts` tries: 2^attempts seconds, capped.
pub fn backoff_seconds(attempts: i32, max_backoff_seconds: u64) -> i64 {
    let cap = i64::try_from(max_backoff_seconds).unwrap_or(i64::MAX);
    2i64.saturating_pow(attempts.clamp(0, 62) as u32).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::{Job, JobRun};
    use crate::services::clock::{Clock as _, OffsetClock};
    use serde::{Deserialize, Serialize};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts its runs, then waits until the test lets it finish.
    #[derive(Serialize, Deserialize)]
    struct Slow;

    struct Gate {
        runs: AtomicUsize,
        open: tokio::sync::Notify,
    }

    impl Job for Slow {
        type Context = Arc<Gate>;
        const KIND: &'static str = "test_slow";

        async fn run(self, gate: &Arc<Gate>, _: &JobRun) -> Result<(), JobError> {
            gate.runs.fetch_add(1, Ordering::SeqCst);
            gate.open.notified().await;
            Ok(())
        }
    }

    async fn until(what: &str, mut done: impl FnMut() -> bool) {
        for _ in 0..500 {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{what}: not within 5 s");
    }

    #[tokio::test]
    async fn a_job_whose_lease_runs_out_while_it_runs_is_not_run_again_beside_itself() {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::db::DatabaseUrl::Sqlite(dir.path().join("jobs.db"));
        let db = Db::connect_lazy(&url, 4).unwrap();
        db.migrate().unwrap();
        let clock = OffsetClock::new();
        let gate = Arc::new(Gate {
            runs: AtomicUsize::new(0),
            open: tokio::sync::Notify::new(),
        });
        let mut registry = Registry::new();
        registry.register::<Slow>();
        let settings = JobSettings {
            poll_interval_ms: 10,
            ..JobSettings::default()
        };
        let now = clock.now_naive();
        db.run(move |c| crate::jobs::enqueue(c, &Slow, now, 5))
            .await
            .unwrap();
        let worker = Worker {
            db: db.clone(),
            clock: Arc::new(clock.clone()),
            metrics: Metrics::install(),
            wakeup: Arc::new(tokio::sync::Notify::new()),
            settings,
            registry,
            context: gate.clone(),
        };
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let worker = tokio::spawn(worker.run(stop));
        until("the job starts", || gate.runs.load(Ordering::SeqCst) == 1).await;
        // Past its lease while it runs: claimable again. The worker polls every 10 ms and
        // claims it; before the fix it started a second run within one poll.
        clock.advance(chrono::Duration::minutes(5));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(gate.runs.load(Ordering::SeqCst), 1, "ran twice at once");
        gate.open.notify_waiters();
        until("the job is done", || {
            let mut conn = db.get().unwrap();
            queue::open_count(&mut conn).unwrap() == 0
        })
        .await;
        assert_eq!(gate.runs.load(Ordering::SeqCst), 1);
        stop_tx.send(true).unwrap();
        worker.await.unwrap();
    }

    #[test]
    fn retries_back_off_exponentially_up_to_the_cap() {
        assert_eq!(backoff_seconds(1, 900), 2);
        assert_eq!(backoff_seconds(3, 900), 8);
        assert_eq!(backoff_seconds(10, 900), 900);
        assert_eq!(backoff_seconds(i32::MAX, 900), 900);
        assert_eq!(backoff_seconds(-1, 900), 1);
        assert_eq!(backoff_seconds(5, 4), 4);
    }

    #[test]
    fn failed_claims_wait_longer_each_time_up_to_five_seconds() {
        let poll = Duration::from_millis(50);
        assert_eq!(claim_backoff(poll, 1), Duration::from_millis(100));
        assert_eq!(claim_backoff(poll, 3), Duration::from_millis(400));
        assert_eq!(claim_backoff(poll, 1000), CLAIM_BACKOFF_MAX);
        // A poll interval above the cap is kept.
        assert_eq!(
            claim_backoff(Duration::from_secs(10), 2),
            Duration::from_secs(10)
        );
    }
}
