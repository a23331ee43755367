//! The worker's one write per evaluated request — its `reset_requested` audit row, the flow's
//! decoy when nothing is sent, and the job's "audited" mark — batched across the requests the
//! worker evaluates at once (`db::InsertBatcher`): on PostgreSQL one multi-row insert per table
//! and one commit for the batch instead of a transaction per request; on SQLite the group
//! commit shares the transaction as before.

use crate::db::audit::{self, NewAuditEvent};
use crate::db::reset_decoys::{self, NewDecoy};
use crate::db::{AnyConnection, Db, DbError, InsertBatcher, WriteTransaction as _};
use crate::jobs::{self, Progress};

/// What one evaluated request writes (all of it commits together, or none of it).
pub struct AuditedRequest {
    pub event: NewAuditEvent,
    pub decoy: Option<NewDecoy>,
    /// The job marked audited, so a retry never audits it twice.
    pub progress: Progress,
}

/// The batcher of [`AuditedRequest`]s (one per service).
#[derive(Clone)]
pub struct AuditWrites(InsertBatcher<AuditedRequest>);

impl AuditWrites {
    pub fn new(db: &Db) -> Self {
        Self(InsertBatcher::new(db, write_many))
    }

    /// Writes `request` with those of concurrent evaluations; returns once it is committed.
    pub async fn write(&self, request: AuditedRequest) -> Result<(), DbError> {
        self.0.insert(request).await
    }
}

fn write_many(conn: &mut AnyConnection, requests: &[AuditedRequest]) -> Result<(), DbError> {
    conn.write_transaction(|c| {
        audit::insert_many(c, requests.iter().map(|r| &r.event))?;
        let decoys: Vec<&NewDecoy> = requests.iter().filter_map(|r| r.decoy.as_ref()).collect();
        reset_decoys::plant_many(c, &decoys)?;
        jobs::save_progress_many(c, requests.iter().map(|r| &r.progress))
    })
}
