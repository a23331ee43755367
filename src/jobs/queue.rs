//! The job queue: one table, claimed in batches with a lease. On PostgreSQL the claim uses
//! `FOR UPDATE SKIP LOCKED` so instances never take the same row; SQLite serialises writers, so
//! the same `UPDATE … RETURNING` is atomic there without it.

use crate::db::schema::jobs;
use crate::db::{AnyConnection, DbError};
use crate::dispatch;
use crate::domain::JobId;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

/// A claimed job, as stored.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = jobs)]
pub struct StoredJob {
    #[diesel(deserialize_as = String)]
    pub id: JobId,
    pub kind: String,
    pub payload: String,
    pub run_at: NaiveDateTime,
    pub attempts: i32,
    pub max_attempts: i32,
    pub claimed_until: Option<NaiveDateTime>,
    pub claimed_by: Option<String>,
    pub done_at: Option<NaiveDateTime>,
    pub failed_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A job row as written: one by [`enqueue`], many by [`insert_many`].
#[derive(Clone, Insertable)]
#[diesel(table_name = jobs)]
pub struct QueuedJob {
    id: String,
    kind: &'static str,
    payload: String,
    run_at: NaiveDateTime,
    attempts: i32,
    max_attempts: i32,
    created_at: NaiveDateTime,
}

impl QueuedJob {
    /// The row of job `id` of `kind`, runnable from `now`.
    pub fn new(
        id: &JobId,
        kind: &'static str,
        payload: String,
        now: NaiveDateTime,
        max_attempts: u32,
    ) -> Self {
        Self {
            id: id.as_str().to_owned(),
            kind,
            payload,
            run_at: now,
            attempts: 0,
            max_attempts: i32::try_from(max_attempts).unwrap_or(i32::MAX),
            created_at: now,
        }
    }
}

/// Appends a job that may run from `run_at`.
pub fn enqueue(conn: &mut AnyConnection, row: &QueuedJob) -> Result<(), DbError> {
    dispatch!(conn, c => diesel::insert_into(jobs::table).values(row).execute(c))?;
    Ok(())
}

/// Appends `rows` in one statement (all or none).
pub fn insert_many(conn: &mut AnyConnection, rows: &[QueuedJob]) -> Result<(), DbError> {
    dispatch!(conn, c => diesel::insert_into(jobs::table).values(rows).execute(c))?;
    Ok(())
}

/// Claims up to `batch` runnable jobs for `worker` until `lease_until`, counting an attempt.
pub fn claim(
    conn: &mut AnyConnection,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    batch: i64,
) -> Result<Vec<StoredJob>, DbError> {
    #[cfg(feature = "postgres")]
    const PG: &str =
        "UPDATE jobs SET claimed_until = $1, claimed_by = $2, attempts = attempts + 1 \
        WHERE id IN (SELECT id FROM jobs WHERE done_at IS NULL AND failed_at IS NULL \
        AND run_at <= $3 AND (claimed_until IS NULL OR claimed_until < $3) \
        ORDER BY run_at LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING *";
    const SQLITE: &str =
        "UPDATE jobs SET claimed_until = ?1, claimed_by = ?2, attempts = attempts + 1 \
        WHERE id IN (SELECT id FROM jobs WHERE done_at IS NULL AND failed_at IS NULL \
        AND run_at <= ?3 AND (claimed_until IS NULL OR claimed_until < ?3) \
        ORDER BY run_at LIMIT ?4) RETURNING *";
    let sql = match conn {
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(_) => PG,
        AnyConnection::Sqlite(_) => SQLITE,
    };
    Ok(dispatch!(conn, c => diesel::sql_query(sql)
        .bind::<Timestamp, _>(lease_until)
        .bind::<Text, _>(worker)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(batch)
        .load::<StoredJob>(c))?)
}

/// Marks the jobs `ids` done (only those `worker` holds): the completions of one claim round,
/// written together with its next claim.
pub fn complete_many(
    conn: &mut AnyConnection,
    ids: &[JobId],
    worker: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    for chunk in ids.chunks(COMPLETE_CHUNK) {
        let chunk: Vec<&str> = chunk.iter().map(JobId::as_str).collect();
        dispatch!(conn, c => diesel::update(
                jobs::table
                    .filter(jobs::id.eq_any(&chunk))
                    .filter(jobs::claimed_by.eq(worker)),
            )
            .set((jobs::done_at.eq(Some(now)), jobs::claimed_until.eq(None::<NaiveDateTime>)))
            .execute(c))?;
    }
    Ok(())
}

/// Most ids one `UPDATE … WHERE id IN (…)` names (well below SQLite's bound-parameter limit).
const COMPLETE_CHUNK: usize = 500;

/// Records in a job's own row that a once-only step of it is done (its payload rewritten in
/// the same transaction as that step's effects), so a retry after a crash skips the step.
pub fn set_payload(conn: &mut AnyConnection, id: &JobId, payload: &str) -> Result<(), DbError> {
    dispatch!(conn, c => diesel::update(jobs::table.find(id.as_str()))
        .set(jobs::payload.eq(payload))
        .execute(c))?;
    Ok(())
}

/// Releases a job for another try at `run_at`, keeping the error for operators.
pub fn retry_later(
    conn: &mut AnyConnection,
    id: &JobId,
    error: &str,
    run_at: NaiveDateTime,
) -> Result<(), DbError> {
    dispatch!(conn, c => diesel::update(jobs::table.find(id.as_str()))
        .set((
            jobs::run_at.eq(run_at),
            jobs::claimed_until.eq(None::<NaiveDateTime>),
            jobs::last_error.eq(Some(error)),
        ))
        .execute(c))?;
    Ok(())
}

/// Ends a job as failed: it is not retried again.
pub fn fail(
    conn: &mut AnyConnection,
    id: &JobId,
    error: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    dispatch!(conn, c => diesel::update(jobs::table.find(id.as_str()))
        .set((
            jobs::failed_at.eq(Some(now)),
            jobs::claimed_until.eq(None::<NaiveDateTime>),
            jobs::last_error.eq(Some(error)),
        ))
        .execute(c))?;
    Ok(())
}

/// Open jobs: waiting or running.
pub fn open_count(conn: &mut AnyConnection) -> Result<i64, DbError> {
    Ok(dispatch!(conn, c => jobs::table
        .filter(jobs::done_at.is_null())
        .filter(jobs::failed_at.is_null())
        .count()
        .get_result(c))?)
}

/// When the oldest open job was queued, if there is one.
pub fn oldest_open_created_at(
    conn: &mut AnyConnection,
) -> Result<Option<chrono::NaiveDateTime>, DbError> {
    Ok(dispatch!(conn, c => jobs::table
        .filter(jobs::done_at.is_null())
        .filter(jobs::failed_at.is_null())
        .select(diesel::dsl::min(jobs::created_at))
        .first(c))?)
}

/// Jobs that ended as failed.
pub fn failed_count(conn: &mut AnyConnection) -> Result<i64, DbError> {
    Ok(dispatch!(conn, c => jobs::table
        .filter(jobs::failed_at.is_not_null())
        .count()
        .get_result(c))?)
}
