//! Batched database work for PostgreSQL: the work of concurrent callers that touches no shared
//! row (no counter, no key another caller holds) is done together — one `INSERT … VALUES (…),
//! (…), …` per table, one `SELECT … WHERE key IN (…)` per lookup, one commit for many callers. On SQLite a row goes through
//! [`Db::run_grouped`] instead, whose group commit already shares one transaction.
//!
//! A batch holds no lock another batch waits on for long (it touches no hot row; should two
//! batches still deadlock, each row is written again alone), and several batches are in
//! flight at once, so commits are not serialised: the server still groups their WAL flushes.
//! A batch is whatever queued up while the batches before it were being written; no waiting is
//! added. A caller returns only after its row is committed.

use super::connection::{AnyConnection, Backend, Db, DbError, Pool};
use std::sync::{Arc, OnceLock};
use tokio::sync::{mpsc, oneshot, Semaphore};

/// Most rows one statement carries (each row binds a handful of parameters; PostgreSQL allows
/// 65 535 per statement).
const BATCH_MAX: usize = 256;

/// Batches being written at once.
const IN_FLIGHT: usize = 4;

/// Writes the rows of one batch: all of them or none (one statement, or one transaction).
pub type InsertMany<R> = fn(&mut AnyConnection, &[R]) -> Result<(), DbError>;

/// Runs the work of one batch of rows: one answer per row, in order, and all of the batch's
/// writes or none (one statement, or one transaction).
type RunMany<R, O> = Arc<dyn Fn(&mut AnyConnection, &[R]) -> Result<Vec<O>, DbError> + Send + Sync>;

struct Pending<R, O> {
    row: R,
    done: oneshot::Sender<Result<O, DbError>>,
}

/// Batches the database work of concurrent callers, one row each, into one trip per batch
/// (see the module's documentation): the work must touch no row another batch holds long.
pub struct Batcher<R, O> {
    db: Db,
    run_many: RunMany<R, O>,
    queue: Arc<OnceLock<mpsc::UnboundedSender<Pending<R, O>>>>,
}

impl<R, O> Clone for Batcher<R, O> {
    fn clone(&self) -> Self {
        Self {
            db: self.db.clone(),
            run_many: self.run_many.clone(),
            queue: self.queue.clone(),
        }
    }
}

impl<R: Send + 'static, O: Send + 'static> Batcher<R, O> {
    /// `run_many` does the work of a batch; it must answer each row, in order.
    pub fn new(
        db: &Db,
        run_many: impl Fn(&mut AnyConnection, &[R]) -> Result<Vec<O>, DbError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            db: db.clone(),
            run_many: Arc::new(run_many),
            queue: Arc::new(OnceLock::new()),
        }
    }

    /// Does `row`'s work with that of concurrent callers; returns its answer once committed.
    pub async fn run(&self, row: R) -> Result<O, DbError> {
        let run_many = self.run_many.clone();
        if self.db.backend() == Backend::Sqlite {
            return self
                .db
                .run_grouped(move |c| one(run_many(c, std::slice::from_ref(&row))))
                .await;
        }
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(run_batches(self.db.pool.clone(), self.run_many.clone(), rx));
            tx
        });
        let (done, finished) = oneshot::channel();
        match queue.send(Pending { row, done }) {
            Ok(()) => finished
                .await
                .map_err(|_| DbError::Unexpected(anyhow::anyhow!("the batch writer stopped")))?,
            // The writer's runtime is gone (a test that built the services in another
            // runtime): run alone.
            Err(mpsc::error::SendError(Pending { row, .. })) => {
                let pool = self.db.pool.clone();
                run_blocking(move || one(run(&pool, &run_many, &[row]))).await
            }
        }
    }
}

/// Batches rows of one kind into multi-row inserts (see the module's documentation).
pub struct InsertBatcher<R>(Batcher<R, ()>);

impl<R> Clone for InsertBatcher<R> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<R: Send + 'static> InsertBatcher<R> {
    pub fn new(db: &Db, insert_many: InsertMany<R>) -> Self {
        Self(Batcher::new(db, move |c, rows| {
            insert_many(c, rows).map(|()| vec![(); rows.len()])
        }))
    }

    /// Inserts `row` with those of concurrent callers; returns once it is committed.
    pub async fn insert(&self, row: R) -> Result<(), DbError> {
        self.0.run(row).await
    }
}

/// Takes what queued up, runs it as one batch on the blocking pool (up to [`IN_FLIGHT`] at
/// once), answers each caller, repeats.
async fn run_batches<R: Send + 'static, O: Send + 'static>(
    pool: Pool,
    run_many: RunMany<R, O>,
    mut rx: mpsc::UnboundedReceiver<Pending<R, O>>,
) {
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    while let Some(first) = rx.recv().await {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        // Take what arrived while waiting for a slot too.
        let mut batch = vec![first];
        while batch.len() < BATCH_MAX {
            match rx.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        let pool = pool.clone();
        let run_many = run_many.clone();
        tokio::spawn(async move {
            let (rows, senders): (Vec<R>, Vec<_>) =
                batch.into_iter().map(|p| (p.row, p.done)).unzip();
            let result = run_blocking(move || run_each_on_failure(&pool, &run_many, rows));
            match result.await {
                Ok(results) => {
                    for (done, result) in senders.into_iter().zip(results) {
                        let _ = done.send(result);
                    }
                }
                Err(e) => {
                    let message = format!("{e:#}");
                    for done in senders {
                        let _ = done.send(Err(DbError::Unexpected(anyhow::anyhow!("{message}"))));
                    }
                }
            }
            drop(slot);
        });
    }
}

/// Runs `rows` as one batch; if that fails, each row alone, so one caller's bad row never
/// becomes another's error — unless the database is away: then every caller hears so at once
/// (each row alone would wait for a connection again). One result per row, in order.
fn run_each_on_failure<R, O>(
    pool: &Pool,
    run_many: &RunMany<R, O>,
    rows: Vec<R>,
) -> Result<Vec<Result<O, DbError>>, DbError> {
    if rows.len() == 1 {
        return Ok(vec![one(run(pool, run_many, &rows))]);
    }
    Ok(match run(pool, run_many, &rows) {
        Ok(answers) => answers.into_iter().map(Ok).collect(),
        Err(DbError::Unavailable(e)) => {
            let why = format!("{e:#}");
            rows.iter()
                .map(|_| Err(DbError::Unavailable(anyhow::anyhow!("{why}"))))
                .collect()
        }
        Err(_) => rows
            .chunks(1)
            .map(|row| one(run(pool, run_many, row)))
            .collect(),
    })
}

/// Runs one batch on a pooled connection; checks that every row got its answer.
fn run<R, O>(pool: &Pool, run_many: &RunMany<R, O>, rows: &[R]) -> Result<Vec<O>, DbError> {
    let mut conn = pool.get()?;
    let result = run_many(&mut conn, rows).and_then(|answers| {
        if answers.len() == rows.len() {
            Ok(answers)
        } else {
            Err(DbError::Unexpected(anyhow::anyhow!(
                "a batch of {} rows gave {} answers",
                rows.len(),
                answers.len()
            )))
        }
    });
    conn.finished(&result);
    result
}

/// The answer of a batch of one.
fn one<O>(answers: Result<Vec<O>, DbError>) -> Result<O, DbError> {
    answers?
        .pop()
        .ok_or_else(|| DbError::Unexpected(anyhow::anyhow!("a batch of one gave no answer")))
}

async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, DbError> + Send + 'static,
) -> Result<T, DbError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| DbError::Unexpected(anyhow::anyhow!("database task failed: {e}")))?
}
