//! The console's insights from the audit: resets per day by outcome, top denial reasons, top
//! rate-limited keys and bounced mails, for one tenant or all.

use crate::db::{admin_queries, tenants, DbError};
use crate::domain::TenantId;
use crate::services::Services;
use chrono::NaiveDateTime;

pub use crate::db::admin_queries::{DayCount, Ranked};
pub use crate::db::tenants::TenantSummary;

/// What the insights page shows, since a time.
pub struct Insights {
    pub counts: Vec<DayCount>,
    pub deny_reasons: Vec<Ranked>,
    pub rate_limited: Vec<Ranked>,
    /// How many bounces, and the latest ones.
    pub bounces: (i64, Vec<crate::console::audit::AuditEvent>),
    pub tenants: Vec<TenantSummary>,
}

/// The insights of `scope` (every tenant when `None`) since `since`; `top` entries per list.
pub async fn since(
    svc: &Services,
    scope: Option<TenantId>,
    since: NaiveDateTime,
    top: usize,
) -> Result<Insights, DbError> {
    svc.db
        .run(move |c| {
            let t = scope.as_ref();
            Ok(Insights {
                counts: admin_queries::resets_per_day(c, t, since)?,
                deny_reasons: admin_queries::top_deny_reasons(c, t, since, top)?,
                rate_limited: admin_queries::top_rate_limited(c, t, since, top)?,
                bounces: admin_queries::bounces(
                    c,
                    t,
                    since,
                    i64::try_from(top).unwrap_or(i64::MAX),
                )?,
                tenants: tenants::list(c)?,
            })
        })
        .await
}
