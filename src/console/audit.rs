//! The audit trail as the console reads and writes it: every admin view and action is an
//! event (docs/security.md#36).

use crate::db::{audit, DbError};
use crate::services::Services;

pub use crate::db::audit::{AuditFilter, NewAuditEvent};
pub use crate::db::models::AuditEvent;

/// Appends one event.
pub async fn record(svc: &Services, event: NewAuditEvent) -> Result<(), DbError> {
    svc.db.run(move |c| audit::insert(c, &event)).await
}

/// Appends one event and returns its id.
pub async fn record_returning_id(svc: &Services, event: NewAuditEvent) -> Result<i64, DbError> {
    svc.db
        .run(move |c| audit::insert_returning_id(c, &event))
        .await
}

/// One page of events matching `filter`, newest first, older than `before` (keyset).
pub async fn page(
    svc: &Services,
    filter: AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEvent>, DbError> {
    svc.db
        .run(move |c| audit::page(c, &filter, before, limit))
        .await
}

/// One event by id.
pub async fn find(svc: &Services, id: i64) -> Result<Option<AuditEvent>, DbError> {
    svc.db.run(move |c| audit::find(c, id)).await
}

/// Every tenant's name by id, for showing events.
pub async fn tenant_names(
    svc: &Services,
) -> Result<std::collections::HashMap<String, String>, DbError> {
    let all = svc.db.run(crate::db::tenants::list).await?;
    Ok(all
        .into_iter()
        .map(|t| (t.tenant.id.clone(), t.tenant.name.clone()))
        .collect())
}
