//! A generic job queue and its worker, with retries.
//!
//! A job is a typed payload that implements [`Job`]: a kind name (stored in `jobs.kind`), a serde
//! payload (stored as JSON in `jobs.payload`) and `run`. The services that own the work
//! (`reset`, `onboarding`, …) implement it for their payloads and register them in a
//! [`Registry`] built at startup; this module knows none of them. Adding a kind:
//!
//! ```ignore
//! #[derive(Serialize, Deserialize)]
//! pub struct WebhookDelivery { pub endpoint: String, pub event_id: i64 }
//!
//! impl Job for WebhookDelivery {
//!     type Context = Services;
//!     const KIND: &'static str = "webhook_delivery";
//!     async fn run(self, svc: &Services, run: &JobRun) -> Result<(), JobError> { … }
//! }
//!
//! registry.register::<WebhookDelivery>(); // in the owner's `register_jobs`
//! jobs::enqueue(conn, &WebhookDelivery { … }, now, max_attempts)?; // in a transaction
//! ```
//!
//! Kind names and payload shapes are stored: renaming either needs a migration of the rows
//! already queued (in both backends).

pub mod queue;
mod registry;
pub mod retention;
pub mod worker;

pub use registry::Registry;
pub use worker::{StopSignal, Worker};

use crate::db::{AnyConnection, Db, DbError};
use crate::domain::JobId;
use chrono::NaiveDateTime;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::future::Future;

/// A kind of work the queue runs: its payload is `Self`, stored as JSON.
///
/// The payload carries no secret (it sits in the database): a job that mails a token issues it
/// when it runs. Its fields are typed (`EmailAddress`, `UserId`, …); a stored payload that no
/// longer deserialises (an address that no longer validates) fails the job for good.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// What the job runs against (the application's services).
    type Context: Send + Sync + 'static;

    /// Stored in `jobs.kind`; unique in a registry, and never renamed without a migration.
    const KIND: &'static str;

    /// Runs one attempt. A [`JobError::Transient`] is retried with backoff until the job's
    /// attempts run out; a [`JobError::Permanent`] ends it as failed at once.
    fn run(
        self,
        ctx: &Self::Context,
        run: &JobRun,
    ) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// The attempt being run: which row, and its number (1 for the first).
#[derive(Debug, Clone)]
pub struct JobRun {
    pub id: JobId,
    pub attempt: i32,
}

/// How a job attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth retrying later (SMTP down, database briefly away).
    #[error("transient: {0}")]
    Transient(String),
    /// Retrying cannot help (bad payload).
    #[error("permanent: {0}")]
    Permanent(String),
}

impl From<DbError> for JobError {
    fn from(e: DbError) -> Self {
        JobError::Transient(format!("{e:#}"))
    }
}

/// Appends `job`, runnable from `now`, on the caller's connection (so it commits with the
/// caller's transaction). Wake the worker after the commit (`Services::jobs_wakeup`).
pub fn enqueue<J: Job>(
    conn: &mut AnyConnection,
    job: &J,
    now: NaiveDateTime,
    max_attempts: u32,
) -> Result<JobId, DbError> {
    let id = JobId::generate();
    queue::enqueue(conn, &queued(&id, job, now, max_attempts)?)?;
    Ok(id)
}

fn queued<J: Job>(
    id: &JobId,
    job: &J,
    now: NaiveDateTime,
    max_attempts: u32,
) -> Result<queue::QueuedJob, DbError> {
    let payload = serde_json::to_string(job).map_err(anyhow::Error::from)?;
    Ok(queue::QueuedJob::new(
        id,
        J::KIND,
        payload,
        now,
        max_attempts,
    ))
}

/// The row that queues `job` (with a new id), runnable from `now`: for callers that insert
/// rows in batches (`queue::insert_many`).
pub fn queued_row<J: Job>(
    job: &J,
    now: NaiveDateTime,
    max_attempts: u32,
) -> Result<queue::QueuedJob, DbError> {
    queued(&JobId::generate(), job, now, max_attempts)
}

/// A running job's payload rewritten to record that a once-only step is done, saved by
/// [`save_progress_many`] in the same transaction as that step's effects (and with the writes of
/// other jobs), so a retry after a failure or a crash skips the step and a crash before it loses
/// nothing.
#[derive(Debug)]
pub struct Progress {
    id: JobId,
    payload: String,
}

impl Progress {
    /// `job` as `run`'s new payload.
    pub fn of<J: Job>(run: &JobRun, job: &J) -> Result<Self, DbError> {
        Ok(Self {
            id: run.id.clone(),
            payload: serde_json::to_string(job).map_err(anyhow::Error::from)?,
        })
    }
}

/// Saves the payloads of several running jobs (the worker's batched writes).
pub fn save_progress_many<'a>(
    conn: &mut AnyConnection,
    progress: impl IntoIterator<Item = &'a Progress>,
) -> Result<(), DbError> {
    progress
        .into_iter()
        .try_for_each(|p| queue::set_payload(conn, &p.id, &p.payload))
}

/// The queue's depth and the age of its oldest open job at `now`, for `/metrics`.
pub async fn queue_stats(
    db: &Db,
    now: chrono::NaiveDateTime,
) -> Result<crate::telemetry::metrics::QueueStats, DbError> {
    let (depth, oldest) = db
        .run(|c| Ok((queue::open_count(c)?, queue::oldest_open_created_at(c)?)))
        .await?;
    let oldest_age_seconds = oldest
        .map(|t| (now - t).num_milliseconds().max(0) as f64 / 1000.0)
        .unwrap_or(0.0);
    Ok(crate::telemetry::metrics::QueueStats {
        depth,
        oldest_age_seconds,
    })
}

/// Open jobs, for `/metrics`.
pub async fn queue_depth(db: &Db) -> Result<i64, DbError> {
    db.run(queue::open_count).await
}
