//! Multi-row writes for PostgreSQL: rows that concurrent callers write, that touch no shared
//! row (no counter, no key another caller holds), are sent together — one `INSERT … VALUES (…),
//! (…), …` per table and one commit for many callers. On SQLite a row goes through
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

struct Pending<R> {
    row: R,
    done: oneshot::Sender<Result<(), DbError>>,
}

/// Batches rows of one kind into multi-row inserts (see the module's documentation).
pub struct InsertBatcher<R> {
    db: Db,
    insert_many: InsertMany<R>,
    queue: Arc<OnceLock<mpsc::UnboundedSender<Pending<R>>>>,
}

impl<R> Clone for InsertBatcher<R> {
    fn clone(&self) -> Self {
        Self {
            db: self.db.clone(),
            insert_many: self.insert_many,
            queue: self.queue.clone(),
        }
    }
}

impl<R: Send + 'static> InsertBatcher<R> {
    pub fn new(db: &Db, insert_many: InsertMany<R>) -> Self {
        Self {
            db: db.clone(),
            insert_many,
            queue: Arc::new(OnceLock::new()),
        }
    }

    /// Inserts `row` with those of concurrent callers; returns once it is committed.
    pub async fn insert(&self, row: R) -> Result<(), DbError> {
        let insert_many = self.insert_many;
        if self.db.backend() == Backend::Sqlite {
            return self
                .db
                .run_grouped(move |c| insert_many(c, std::slice::from_ref(&row)))
                .await;
        }
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(write_batches(self.db.pool.clone(), insert_many, rx));
            tx
        });
        let (done, finished) = oneshot::channel();
        match queue.send(Pending { row, done }) {
            Ok(()) => finished.await.map_err(|_| {
                DbError::Unexpected(anyhow::anyhow!("the batch-insert writer stopped"))
            })?,
            // The writer's runtime is gone (a test that built the services in another
            // runtime): insert alone.
            Err(mpsc::error::SendError(Pending { row, .. })) => {
                let pool = self.db.pool.clone();
                run_blocking(move || write(&pool, insert_many, &[row])).await
            }
        }
    }
}

/// Takes what queued up, writes it as one batch on the blocking pool (up to [`IN_FLIGHT`] at
/// once), answers each caller, repeats.
async fn write_batches<R: Send + 'static>(
    pool: Pool,
    insert_many: InsertMany<R>,
    mut rx: mpsc::UnboundedReceiver<Pending<R>>,
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
        tokio::spawn(async move {
            let (rows, senders): (Vec<R>, Vec<_>) =
                batch.into_iter().map(|p| (p.row, p.done)).unzip();
            let result = run_blocking(move || write_each_on_failure(&pool, insert_many, rows));
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

/// Writes `rows` as one batch; if that fails, each row alone, so one caller's bad row never
/// becomes another's error — unless the database is away: then every caller hears so at once
/// (each row alone would wait for a connection again). One result per row, in order.
fn write_each_on_failure<R>(
    pool: &Pool,
    insert_many: InsertMany<R>,
    rows: Vec<R>,
) -> Result<Vec<Result<(), DbError>>, DbError> {
    if rows.len() == 1 {
        return Ok(vec![write(pool, insert_many, &rows)]);
    }
    Ok(match write(pool, insert_many, &rows) {
        Ok(()) => rows.iter().map(|_| Ok(())).collect(),
        Err(DbError::Unavailable(e)) => {
            let why = format!("{e:#}");
            rows.iter()
                .map(|_| Err(DbError::Unavailable(anyhow::anyhow!("{why}"))))
                .collect()
        }
        Err(_) => rows
            .chunks(1)
            .map(|row| write(pool, insert_many, row))
            .collect(),
    })
}

fn write<R>(pool: &Pool, insert_many: InsertMany<R>, rows: &[R]) -> Result<(), DbError> {
    let mut conn = pool.get()?;
    let result = insert_many(&mut conn, rows);
    conn.finished(&result);
    result
}

async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, DbError> + Send + 'static,
) -> Result<T, DbError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| DbError::Unexpected(anyhow::anyhow!("database task failed: {e}")))?
}
