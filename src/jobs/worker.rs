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
        let db = sqlite(&dir);
        let clock = OffsetClock::new();
        let gate = gate();
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

    /// Panics when run.
    #[derive(Serialize, Deserialize)]
    struct Panics;

    impl Job for Panics {
        type Context = Arc<Gate>;
        const KIND: &'static str = "test_panics";

        async fn run(self, _: &Arc<Gate>, _: &JobRun) -> Result<(), JobError> {
            panic!("a bug in a job");
        }
    }

    /// Counts its runs and ends at once.
    #[derive(Serialize, Deserialize)]
    struct Quick;

    impl Job for Quick {
        type Context = Arc<Gate>;
        const KIND: &'static str = "test_quick";

        async fn run(self, gate: &Arc<Gate>, _: &JobRun) -> Result<(), JobError> {
            gate.runs.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    fn worker_with(db: &Db, gate: &Arc<Gate>) -> Worker<Arc<Gate>> {
        let mut registry = Registry::new();
        registry.register::<Panics>();
        registry.register::<Quick>();
        Worker {
            db: db.clone(),
            clock: Arc::new(OffsetClock::new()),
            metrics: Metrics::install(),
            wakeup: Arc::new(tokio::sync::Notify::new()),
            settings: JobSettings {
                poll_interval_ms: 10,
                ..JobSettings::default()
            },
            registry,
            context: gate.clone(),
        }
    }

    fn sqlite(dir: &tempfile::TempDir) -> Db {
        let url = crate::db::DatabaseUrl::Sqlite(dir.path().join("jobs.db"));
        let db = Db::connect_lazy(&url, 4).unwrap();
        db.migrate().unwrap();
        db
    }

    fn gate() -> Arc<Gate> {
        Arc::new(Gate {
            runs: AtomicUsize::new(0),
            open: tokio::sync::Notify::new(),
        })
    }

    async fn enqueue<J: Job>(db: &Db, job: J) {
        let now = OffsetClock::new().now_naive();
        db.run(move |c| crate::jobs::enqueue(c, &job, now, 5))
            .await
            .unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_that_panics_leaves_the_worker_running_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite(&dir);
        let gate = gate();
        enqueue(&db, Panics).await;
        let worker = worker_with(&db, &gate);
        let wakeup = worker.wakeup.clone();
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let worker = tokio::spawn(worker.run(stop));
        // Jobs queued after the panic still run.
        tokio::time::sleep(Duration::from_millis(100)).await;
        for _ in 0..3 {
            enqueue(&db, Quick).await;
        }
        wakeup.notify_one();
        until("the quick jobs ran", || {
            gate.runs.load(Ordering::SeqCst) == 3
        })
        .await;
        until("the quick jobs are marked done", || {
            let mut conn = db.get().unwrap();
            // The panicked one stays leased (claimed again once its lease runs out).
            queue::open_count(&mut conn).unwrap() == 1
        })
        .await;
        stop_tx.send(true).unwrap();
        worker.await.expect("the worker itself did not panic");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jobs_that_ended_are_marked_done_before_the_worker_stops() {
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite(&dir);
        let gate = gate();
        for _ in 0..20 {
            enqueue(&db, Quick).await;
        }
        let worker = worker_with(&db, &gate);
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let worker = tokio::spawn(worker.run(stop));
        until("the jobs ran", || gate.runs.load(Ordering::SeqCst) == 20).await;
        stop_tx.send(true).unwrap();
        worker.await.unwrap();
        let mut conn = db.get().unwrap();
        assert_eq!(queue::open_count(&mut conn).unwrap(), 0);
        assert_eq!(gate.runs.load(Ordering::SeqCst), 20, "each ran once");
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
