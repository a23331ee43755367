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
