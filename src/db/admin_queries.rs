//! Queries of the admin console that span tables: tenant settings changes (with the token
//! revocation they imply), helpdesk changes to a guest, guest search, and the insights
//! aggregates over the audit trail.

use super::audit::{self, NewAuditEvent};
use super::models::{Tenant, User};
use super::schema::{audit_events, tenants, users};
use super::{reset_tokens, AnyConnection, DbError};
use crate::db::WriteTransaction as _;
use crate::dispatch;
use crate::domain::audit::{Event, Outcome};
use crate::domain::{Plan, TenantId, UserId};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
use serde::Serialize;

// ---- tenants -----------------------------------------------------------------------------

/// A tenant's settings as an admin edits them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantSettings {
    pub plan: Plan,
    pub sspr_enabled: bool,
    pub methods_required: i32,
    pub helpdesk_url: Option<String>,
    /// The language the tenant's guests get when they have not chosen (a code the service
    /// checked; `None`: not set).
    pub default_language: Option<String>,
}

impl TenantSettings {
    /// The settings as stored on `t`.
    pub fn of(t: &Tenant) -> Self {
        Self {
            plan: t.plan(),
            sspr_enabled: t.sspr_enabled,
            methods_required: t.methods_required,
            helpdesk_url: t.helpdesk_url.clone(),
            default_language: t.default_language.clone(),
        }
    }

    /// Whether moving from `self` to `after` takes SSPR away from the tenant's guests, so their
    /// outstanding reset links must die (docs/security.md#6).
    pub fn revokes_tokens(&self, after: &TenantSettings) -> bool {
        (self.plan == Plan::Premium && after.plan == Plan::Free)
            || (self.sspr_enabled && !after.sspr_enabled)
    }
}

/// What [`update_tenant`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantUpdate {
    pub before: TenantSettings,
    pub after: TenantSettings,
    /// Reset tokens revoked because SSPR was taken away.
    pub revoked_tokens: usize,
}

/// Applies `after` to the tenant in one transaction: the update, the revocation of every
/// outstanding reset token when the change takes SSPR away (plan → free, SSPR off;
/// docs/security.md#6), and the audit event with the before and after values. `event` is filled
/// in with the detail here. Returns `None` when the tenant does not exist or nothing changed.
pub fn update_tenant(
    conn: &mut AnyConnection,
    id: &TenantId,
    after: &TenantSettings,
    mut event: NewAuditEvent,
    now: NaiveDateTime,
) -> Result<Option<TenantUpdate>, DbError> {
    conn.write_transaction::<_, DbError, _>(|conn| {
        let Some(tenant) = super::tenants::find_by_id(conn, id)? else {
            return Ok(None);
        };
        let before = TenantSettings::of(&tenant);
        if before == *after {
            return Ok(None);
        }
        update_rows!(
            conn,
            tenants::table.find(id.as_str()),
            (
                tenants::plan.eq(after.plan.as_str()),
                tenants::sspr_enabled.eq(after.sspr_enabled),
                tenants::methods_required.eq(after.methods_required),
                tenants::helpdesk_url.eq(after.helpdesk_url.as_deref()),
                tenants::default_language.eq(after.default_language.as_deref()),
                tenants::updated_at.eq(now),
            )
        )?;
        let revoked_tokens = if before.revokes_tokens(after) {
            let reason = if after.plan == Plan::Free && before.plan != Plan::Free {
                "tenant_not_licensed"
            } else {
                "sspr_disabled"
            };
            reset_tokens::revoke_all_for_tenant(conn, id, reason, now)?
        } else {
            0
        };
        event.tenant_id = Some(id.clone());
        event.detail = Some(
            serde_json::json!({
                "before": before,
                "after": after,
                "revoked_reset_tokens": revoked_tokens,
            })
            .to_string(),
        );
        audit::insert(conn, &event)?;
        Ok(Some(TenantUpdate {
            before,
            after: after.clone(),
            revoked_tokens,
        }))
    })
}

// ---- guests ------------------------------------------------------------------------------

/// Guests whose address contains `query` (any guest when empty), optionally in one tenant,
/// by address, at most `limit`.
pub fn search_guests(
    conn: &mut AnyConnection,
    tenant: Option<&TenantId>,
    query: &str,
    limit: i64,
) -> Result<Vec<User>, DbError> {
    let pattern = format!(
        "%{}%",
        query
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    Ok(dispatch!(conn, c => {
        let mut q = users::table.into_boxed();
        if let Some(t) = tenant {
            q = q.filter(users::tenant_id.eq(t.as_str()));
        }
        if !query.is_empty() {
            q = q.filter(users::email.like(&pattern).escape('\\'));
        }
        q.order(users::email)
            .limit(limit)
            .select(User::as_select())
            .load(c)
    })?)
}

/// How many guests a tenant has.
pub fn count_guests(conn: &mut AnyConnection, tenant: &TenantId) -> Result<i64, DbError> {
    Ok(dispatch!(conn, c => users::table
        .filter(users::tenant_id.eq(tenant.as_str()))
        .count()
        .get_result(c))?)
}

/// Lifts a lockout (failed resets) early.
pub fn clear_lockout(
    conn: &mut AnyConnection,
    id: &UserId,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    update_rows!(
        conn,
        users::table.find(id.as_str()),
        (
            users::locked_until.eq(None::<NaiveDateTime>),
            users::updated_at.eq(now)
        )
    )?;
    Ok(())
}

/// Forgets a recorded bounce: the address counts as deliverable again (policy rule 6).
pub fn mark_deliverable(
    conn: &mut AnyConnection,
    id: &UserId,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    super::users::set_bounce(conn, id, None, now)
}

// ---- insights ----------------------------------------------------------------------------

/// `$query` over `audit_events`, boxed, and narrowed to the events of `$tenant` when one is
/// given: the scope of every insight (all tenants for a platform admin's overview).
macro_rules! of_tenant {
    ($query:expr, $tenant:expr) => {{
        let q = $query.into_boxed();
        match $tenant {
            Some(t) => q.filter(audit_events::tenant_id.eq(t.as_str())),
            None => q,
        }
    }};
}

/// Events counted per UTC day.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct DayCount {
    /// `YYYY-MM-DD`, UTC.
    #[diesel(sql_type = Text)]
    pub day: String,
    #[diesel(sql_type = Text)]
    pub event: String,
    #[diesel(sql_type = Text)]
    pub outcome: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// `reset_requested` and `reset_completed` events per UTC day and outcome since `since`,
/// optionally for one tenant.
pub fn resets_per_day(
    conn: &mut AnyConnection,
    tenant: Option<&TenantId>,
    since: NaiveDateTime,
) -> Result<Vec<DayCount>, DbError> {
    // The one place the backends differ: how a timestamp becomes its UTC date. Diesel stores
    // SQLite timestamps as `YYYY-MM-DD HH:MM:SS…` text.
    let day = match conn {
        AnyConnection::Sqlite(_) => "substr(occurred_at, 1, 10)",
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(_) => "to_char(occurred_at, 'YYYY-MM-DD')",
    };
    let sql = format!(
        "SELECT {day} AS day, event, outcome, COUNT(*) AS n FROM audit_events \
         WHERE event IN ('{requested}', '{completed}') AND occurred_at >= $1 \
         AND ($2 IS NULL OR tenant_id = $2) \
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        requested = Event::ResetRequested.name(),
        completed = Event::ResetCompleted.name(),
    );
    let tenant = tenant.map(|t| t.as_str().to_string());
    Ok(dispatch!(conn, c => diesel::sql_query(sql.as_str())
        .bind::<Timestamp, _>(since)
        .bind::<Nullable<Text>, _>(tenant.clone())
        .load::<DayCount>(c))?)
}

/// How often each value occurred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ranked {
    pub label: String,
    /// A second column where the key has two parts (the limiter's key).
    pub detail: Option<String>,
    pub count: i64,
}

/// The most frequent deny reasons of reset requests since `since`.
pub fn top_deny_reasons(
    conn: &mut AnyConnection,
    tenant: Option<&TenantId>,
    since: NaiveDateTime,
    limit: usize,
) -> Result<Vec<Ranked>, DbError> {
    let rows: Vec<(Option<String>, i64)> = dispatch!(conn, c => {
        let q = audit_events::table
            .filter(audit_events::event.eq(Event::ResetRequested.name()))
            .filter(audit_events::outcome.eq(Outcome::Denied.name()))
            .filter(audit_events::occurred_at.ge(since))
            .group_by(audit_events::reason)
            .select((audit_events::reason, diesel::dsl::count_star()));
        of_tenant!(q, tenant).load(c)
    })?;
    Ok(top(
        rows.into_iter()
            .map(|(r, n)| Ranked {
                label: r.unwrap_or_else(|| "(none)".into()),
                detail: None,
                count: n,
            })
            .collect(),
        limit,
    ))
}

/// The limiters and keys (client address, or address of the target mailbox) hit most often
/// since `since` (`rate_limited` events).
pub fn top_rate_limited(
    conn: &mut AnyConnection,
    tenant: Option<&TenantId>,
    since: NaiveDateTime,
    limit: usize,
) -> Result<Vec<Ranked>, DbError> {
    type Row = (Option<String>, Option<String>, Option<String>, i64);
    let rows: Vec<Row> = dispatch!(conn, c => {
        let q = audit_events::table
            .filter(audit_events::event.eq(Event::RateLimited.name()))
            .filter(audit_events::occurred_at.ge(since))
            .group_by((audit_events::reason, audit_events::ip, audit_events::email))
            .select((
                audit_events::reason,
                audit_events::ip,
                audit_events::email,
                diesel::dsl::count_star(),
            ));
        of_tenant!(q, tenant).load(c)
    })?;
    Ok(top(
        rows.into_iter()
            .map(|(reason, ip, email, n)| Ranked {
                label: reason.unwrap_or_else(|| "(unnamed limiter)".into()),
                detail: email.or(ip),
                count: n,
            })
            .collect(),
        limit,
    ))
}

/// The newest `mail_bounced` events since `since`, and how many there were in all.
pub fn bounces(
    conn: &mut AnyConnection,
    tenant: Option<&TenantId>,
    since: NaiveDateTime,
    limit: i64,
) -> Result<(i64, Vec<super::models::AuditEvent>), DbError> {
    let filter = audit::AuditFilter {
        tenant_id: tenant.cloned(),
        event: Some(Event::MailBounced),
        from: Some(since),
        ..Default::default()
    };
    let total: i64 = dispatch!(conn, c => {
        let q = audit_events::table
            .filter(audit_events::event.eq(Event::MailBounced.name()))
            .filter(audit_events::occurred_at.ge(since));
        of_tenant!(q, tenant).count().get_result(c)
    })?;
    Ok((total, audit::page(conn, &filter, None, limit)?))
}

/// Sorts by count (descending, then label) and keeps the first `limit`.
fn top(mut rows: Vec<Ranked>, limit: usize) -> Vec<Ranked> {
    rows.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.label.cmp(&b.label))
            .then_with(|| a.detail.cmp(&b.detail))
    });
    rows.truncate(limit);
    rows
}
