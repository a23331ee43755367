//! The job queue and its worker (reset evaluation, mail sending), with retries.

pub mod queue;

use crate::db::{Db, DbError};

/// Open jobs, for `/metrics`.
pub async fn queue_depth(db: &Db) -> Result<i64, DbError> {
    db.run(queue::open_count).await
}
