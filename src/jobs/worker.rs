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
use std::collections::{HashMap, HashSet};
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
    /// A pipeline, not rounds: up to `jobs.concurrency` jobs run at once, each on its own task
    /// (so they spread over the runtime's threads), and as they finish the free places are
    /// claimed again (a batch of at most `jobs.batch_size`, once at least half a batch is
    /// free), so one slow mail never holds up a whole batch. The jobs that finished since the
    /// last claim are marked done in the same write as the next claim (or after at most
    /// COMPLETE_WITHIN, if no claim is due): one commit per round, not one per job.
    pub async fn run(self, mut stop: StopSignal) {
        let this = Arc::new(self);
        let worker_id = format!("worker-{}", uuid::Uuid::new_v4().simple());
        let poll = Duration::from_millis(this.settings.poll_interval_ms);
        let limit = this.settings.concurrency.max(1) as usize;
        let batch = (this.settings.batch_size.max(1) as usize).min(limit);
        let mut running = Running::default();
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
            let free = limit - running.tasks.len();
            let mut wait = poll;
            let claim_due = free >= batch.div_ceil(2) || running.tasks.is_empty();
            // Jobs that ended wait for the next claim to be marked done, but never longer than
            // COMPLETE_WITHIN (far below the lease, so no other instance takes them again).
            let overdue = running.finished_for().is_some_and(|t| t >= COMPLETE_WITHIN);
            if claim_due || overdue {
                let wanted = if claim_due { free.min(batch) } else { 0 };
                let finished = running.finished.clone();
                match this.round(&worker_id, finished, wanted).await {
                    Ok(jobs) => {
                        resumed(&mut failures);
                        running.completed(&this.metrics);
                        let n = jobs.len();
                        for job in jobs {
                            running.start(&this, job);
                        }
                        if wanted > 0 && n == wanted && running.tasks.len() < limit {
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
            let room = running.tasks.len() < limit;
            if let Some(t) = running.finished_for().filter(|_| failures == 0) {
                wait = wait.min(COMPLETE_WITHIN.saturating_sub(t));
            }
            tokio::select! {
                Some(ended) = running.tasks.join_next_with_id(), if !running.tasks.is_empty() => {
                    running.ended(ended);
                    // Every other job that ended meanwhile goes into the same round.
                    while let Some(ended) = running.tasks.try_join_next_with_id() {
                        running.ended(ended);
                    }
                }
                _ = this.wakeup.notified(), if failures == 0 && room => {}
                _ = tokio::time::sleep(wait) => {}
                _ = stopped(&mut stop) => {}
            }
        }
        while let Some(ended) = running.tasks.join_next_with_id().await {
            running.ended(ended);
        }
        if !running.finished.is_empty() {
            match this.round(&worker_id, running.finished.clone(), 0).await {
                Ok(_) => running.completed(&this.metrics),
                // Still leased: claimed and run again once the lease runs out (at least once).
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), jobs = running.finished.len(), "could not mark the last jobs done before stopping")
                }
            }
        }
        tracing::info!(worker = %worker_id, "job worker stopped");
    }

    /// Claims one batch and runs it to the end; returns how many jobs were claimed (for tools
    /// and benches that work the queue off in their own rhythm).
    pub async fn run_once(&self, worker_id: &str) -> Result<usize, DbError> {
        let jobs = self
            .round(
                worker_id,
                Vec::new(),
                self.settings.batch_size.max(1) as usize,
            )
            .await?;
        let n = jobs.len();
        let limit = self.settings.concurrency.max(1) as usize;
        let done = futures_util::stream::iter(jobs)
            .map(|job| self.run_job(job))
            .buffer_unordered(limit)
            .filter_map(|ended| async move {
                match ended {
                    Ended::Done(id) => Some(id),
                    Ended::Settled(_) => None,
                }
            })
            .collect::<Vec<_>>()
            .await;
        let count = done.len();
        self.round(worker_id, done, 0).await?;
        for _ in 0..count {
            self.metrics.incr("latchkey_jobs_total", "outcome=done");
        }
        Ok(n)
    }

    /// One write: marks the jobs `finished` done and claims up to `n` runnable jobs for this
    /// worker, leased for `jobs.lease_seconds`.
    async fn round(
        &self,
        worker_id: &str,
        finished: Vec<JobId>,
        n: usize,
    ) -> Result<Vec<queue::StoredJob>, DbError> {
        let now = self.clock.now_naive();
        let lease = now + chrono::Duration::seconds(self.settings.lease_seconds as i64);
        let id = worker_id.to_string();
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        self.db
            .run_grouped(move |c| {
                if !finished.is_empty() {
                    queue::complete_many(c, &finished, &id, now)?;
                }
                if n == 0 {
                    return Ok(Vec::new());
                }
                queue::claim(c, &id, now, lease, n)
            })
            .await
    }

    /// Runs one claimed job. A job that worked is [`Ended::Done`]: the next round marks it
    /// done. A retry or a failure is recorded here.
    async fn run_job(&self, job: queue::StoredJob) -> Ended {
        let run = JobRun {
            id: job.id.clone(),
            attempt: job.attempts,
        };
        let result = self
            .registry
            .run(&self.context, &run, &job.kind, &job.payload)
            .await;
        let Err(error) = result else {
            return Ended::Done(job.id);
        };
        if let Err(e) = self.settle(&job, error).await {
            tracing::warn!(job_id = %job.id, error = %format!("{e:#}"), "could not record a job's outcome");
        }
        Ended::Settled(job.id)
    }

    /// Records a job that did not work: released for a retry later, or failed for good.
    async fn settle(&self, job: &queue::StoredJob, error: JobError) -> Result<(), DbError> {
        let now = self.clock.now_naive();
        let id = job.id.clone();
        match error {
            JobError::Transient(why) if job.attempts < job.max_attempts => {
                self.metrics.incr("latchkey_jobs_total", "outcome=retried");
                let backoff = backoff_seconds(job.attempts, self.settings.max_backoff_seconds);
                let run_at = now + chrono::Duration::seconds(backoff);
                self.db
                    .run(move |c| queue::retry_later(c, &id, &why, run_at))
                    .await
            }
            e => {
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

/// How a job's run ended.
enum Ended {
    /// It worked; the next round marks it done.
    Done(JobId),
    /// A retry or a failure, already recorded.
    Settled(JobId),
}

/// The jobs a worker is running, and those that ended but are not yet marked done.
#[derive(Default)]
struct Running {
    tasks: tokio::task::JoinSet<Ended>,
    /// The job each task runs.
    job_of: HashMap<tokio::task::Id, JobId>,
    /// The ids of the jobs running here, or done and not yet marked so. A job whose lease ran
    /// out meanwhile (a send slower than `jobs.lease_seconds`, or a clock that jumped) is
    /// claimable again, by this worker too: it must not run (and mail) twice.
    in_flight: HashSet<JobId>,
    /// Ended well; marked done with the next round.
    finished: Vec<JobId>,
    /// When the first of `finished` ended.
    finished_since: Option<std::time::Instant>,
}

impl Running {
    fn start<C: Send + Sync + 'static>(&mut self, worker: &Arc<Worker<C>>, job: queue::StoredJob) {
        if !self.in_flight.insert(job.id.clone()) {
            return;
        }
        let id = job.id.clone();
        let w = worker.clone();
        let task = self.tasks.spawn(async move { w.run_job(job).await });
        self.job_of.insert(task.id(), id);
    }

    fn ended(&mut self, ended: Result<(tokio::task::Id, Ended), tokio::task::JoinError>) {
        match ended {
            Ok((task, Ended::Done(id))) => {
                self.job_of.remove(&task);
                self.finished.push(id);
                self.finished_since
                    .get_or_insert_with(std::time::Instant::now);
            }
            Ok((task, Ended::Settled(id))) => {
                self.job_of.remove(&task);
                self.in_flight.remove(&id);
            }
            Err(e) => {
                // A job that panicked stays leased, and is claimed again once its lease runs
                // out, as after a crash.
                if let Some(id) = self.job_of.remove(&e.id()) {
                    tracing::error!(job_id = %id, error = %e, "a job panicked");
                    self.in_flight.remove(&id);
                }
            }
        }
    }

    /// How long the oldest job that ended has waited to be marked done.
    fn finished_for(&self) -> Option<Duration> {
        self.finished_since.map(|t| t.elapsed())
    }

    /// The finished jobs were marked done.
    fn completed(&mut self, metrics: &Metrics) {
        self.finished_since = None;
        for id in self.finished.drain(..) {
            self.in_flight.remove(&id);
            metrics.incr("latchkey_jobs_total", "outcome=done");
        }
    }
}

/// Longest a job that ended waits to be marked done when no claim is due sooner.
const COMPLETE_WITHIN: Duration = Duration::from_millis(50);

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
mod tests;
