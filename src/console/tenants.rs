//! Tenant settings as admins see and change them: kind, plan, domains, the SSPR switch,
//! methods required and the helpdesk link. A change that takes SSPR away revokes the
//! tenant's outstanding reset links (docs/security.md#6), in the transaction that audits it.

use crate::console::audit::NewAuditEvent;
use crate::db::{admin_queries, tenants, DbError};
use crate::domain::TenantId;
use crate::services::Services;

pub use crate::db::admin_queries::{TenantSettings, TenantUpdate};
pub use crate::db::models::{Tenant, TenantDomain};
pub use crate::db::tenants::TenantSummary;

/// Every tenant with its domains and counts (the caller filters by what the admin may see).
pub async fn list(svc: &Services) -> Result<Vec<TenantSummary>, DbError> {
    svc.db.run(tenants::list).await
}

/// One tenant, its domains and its number of guests.
pub async fn load(
    svc: &Services,
    id: TenantId,
) -> Result<Option<(Tenant, Vec<TenantDomain>, i64)>, DbError> {
    svc.db
        .run(move |c| {
            let Some(t) = tenants::find_by_id(c, &id)? else {
                return Ok(None);
            };
            let domains = tenants::domains_of(c, &id)?;
            let guests = admin_queries::count_guests(c, &id)?;
            Ok(Some((t, domains, guests)))
        })
        .await
}

/// Applies `after` and appends `event` with the values before and after; `None` when the
/// tenant does not exist or nothing changed.
pub async fn update(
    svc: &Services,
    id: TenantId,
    after: TenantSettings,
    event: NewAuditEvent,
) -> Result<Option<TenantUpdate>, DbError> {
    let now = svc.now();
    svc.db
        .run(move |c| admin_queries::update_tenant(c, &id, &after, event, now))
        .await
}
