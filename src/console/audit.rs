//! The audit trail as the console reads and writes it: every admin view and action is an
//! event (docs/security.md#36).

use crate::db::{admins, audit, DbError};
use crate::domain::{AdminId, EmailAddress, TenantId};
use crate::services::Services;
use std::collections::HashMap;

pub use crate::db::audit::{AuditFilter, GuestKey, NewAuditEvent};
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
pub async fn tenant_names(svc: &Services) -> Result<HashMap<TenantId, String>, DbError> {
    let all = svc.db.run(crate::db::tenants::list).await?;
    Ok(all
        .into_iter()
        .map(|t| (t.tenant.id, t.tenant.name))
        .collect())
}

/// An admin as the audit names them: their address and tenant (`None`: a platform admin).
#[derive(Debug, Clone)]
pub struct AdminLabel {
    pub email: EmailAddress,
    pub tenant_id: Option<TenantId>,
}

/// The admins behind the `admin:<id>` actors of `events`, by actor (one lookup per distinct
/// admin; a page names a handful).
pub async fn admin_labels(
    svc: &Services,
    events: &[AuditEvent],
) -> Result<HashMap<String, AdminLabel>, DbError> {
    let mut ids: Vec<String> = events
        .iter()
        .filter_map(|e| e.actor.strip_prefix("admin:").map(str::to_string))
        .collect();
    ids.sort();
    ids.dedup();
    svc.db
        .run(move |c| {
            let mut out = HashMap::new();
            for id in ids {
                if let Some(a) = admins::find_by_id(c, &AdminId::from_string(&id))? {
                    let label = AdminLabel {
                        email: a.email,
                        tenant_id: a.tenant_id,
                    };
                    out.insert(format!("admin:{id}"), label);
                }
            }
            Ok(out)
        })
        .await
}
