//! A worker claim round on SQLite, without SMTP: `N` jobs of a kind that does nothing are
//! queued (not timed), then one `Worker::run_once` claims them in one batch, runs them and
//! records each as done. What is left is the queue's own cost per job (the claim, the
//! completion writes, the registry's dispatch), the part batching can shrink.

use criterion::{BatchSize, Criterion};
use latchkey::config::JobSettings;
use latchkey::db::{DatabaseUrl, Db};
use latchkey::jobs::{Job, JobError, JobRun, Registry, Worker};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A job that does nothing.
#[derive(Serialize, Deserialize)]
struct Nothing {
    n: u64,
}

impl Job for Nothing {
    type Context = ();
    const KIND: &'static str = "bench_nothing";
    async fn run(self, _: &(), _: &JobRun) -> Result<(), JobError> {
        Ok(())
    }
}

const BATCHES: [u32; 2] = [16, 128];

fn worker(db: &Db, batch: u32) -> Worker<()> {
    let mut registry = Registry::new();
    registry.register::<Nothing>();
    Worker {
        db: db.clone(),
        clock: Arc::new(latchkey::services::clock::SystemClock),
        metrics: latchkey::telemetry::metrics::Metrics::install(),
        wakeup: Arc::new(tokio::sync::Notify::new()),
        settings: JobSettings {
            batch_size: batch,
            ..JobSettings::default()
        },
        registry,
        context: (),
    }
}

pub fn claim_round(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let url: DatabaseUrl = format!("sqlite://{}", dir.path().join("jobs.db").display())
        .parse()
        .expect("a database url");
    let db = Db::connect_lazy(&url, 4).expect("a pool");
    db.migrate().expect("migrations");
    let mut g = c.benchmark_group("worker claim round (SQLite, no SMTP)");
    for batch in BATCHES {
        let w = worker(&db, batch);
        let mut n = 0u64;
        g.bench_function(format!("claim + run + complete {batch} jobs"), |b| {
            b.iter_batched(
                || {
                    let now = chrono::Utc::now().naive_utc();
                    let mut conn = db.get().expect("a connection");
                    for _ in 0..batch {
                        n += 1;
                        latchkey::jobs::enqueue(&mut conn, &Nothing { n }, now, 3)
                            .expect("enqueue");
                    }
                },
                |()| {
                    let done = rt.block_on(w.run_once("bench-worker")).expect("a round");
                    assert_eq!(done, batch as usize);
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}
