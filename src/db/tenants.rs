//! Tenants and their domains.

use super::models::{Tenant, TenantDomain};
use super::schema::{tenant_domains, tenants, users};
use super::{AnyConnection, DbError};
use crate::db::WriteTransaction as _;
use crate::dispatch;
use crate::domain::tenant::CONSUMERS_TENANT_NAME;
use crate::domain::{Plan, TenantId, TenantKind};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// What `create` needs.
#[derive(Debug, Clone)]
pub struct NewTenant {
    pub name: String,
    pub kind: TenantKind,
    pub plan: Plan,
    /// ASCII lowercase domains (already normalised by the caller).
    pub domains: Vec<String>,
    pub helpdesk_url: Option<String>,
    pub is_consumer: bool,
}

/// A tenant with its domains and guest count, as listed by the CLI and the console.
#[derive(Debug, Clone, Serialize)]
pub struct TenantSummary {
    #[serde(flatten)]
    pub tenant: Tenant,
    pub domains: Vec<String>,
    pub guests: i64,
}

/// Creates a tenant and its domains in one transaction. A domain that already belongs to a
/// tenant is a [`DbError::Conflict`].
pub fn create(
    conn: &mut AnyConnection,
    new: &NewTenant,
    now: NaiveDateTime,
) -> Result<Tenant, DbError> {
    let tenant = Tenant {
        id: TenantId::generate(),
        name: new.name.clone(),
        kind: new.kind,
        plan: new.plan,
        sspr_enabled: true,
        methods_required: 1,
        helpdesk_url: new.helpdesk_url.clone(),
        is_consumer: new.is_consumer,
        created_at: now,
        updated_at: now,
        default_language: None,
    };
    // A managed tenant's domains were proven by DNS (or by the operator who created it).
    let verified_at = (new.kind == TenantKind::Managed).then_some(now);
    let domains: Vec<TenantDomain> = new
        .domains
        .iter()
        .map(|d| TenantDomain {
            domain: d.clone(),
            tenant_id: tenant.id.clone(),
            verified_at,
            challenge: None,
            challenge_user_id: None,
            challenge_expires_at: None,
            created_at: now,
        })
        .collect();
    dispatch!(conn, c => c.write_transaction::<_, DbError, _>(|c| {
        for d in &new.domains {
            let taken: i64 = tenant_domains::table
                .filter(tenant_domains::domain.eq(d))
                .count()
                .get_result(c)?;
            if taken > 0 {
                return Err(DbError::Conflict(format!("the domain {d} already belongs to a tenant")));
            }
        }
        let name_taken: i64 = tenants::table
            .filter(tenants::name.eq(&tenant.name))
            .count()
            .get_result(c)?;
        if name_taken > 0 {
            return Err(DbError::Conflict(format!("a tenant named {:?} already exists", tenant.name)));
        }
        diesel::insert_into(tenants::table).values(tenant.clone()).execute(c)?;
        diesel::insert_into(tenant_domains::table).values(domains.clone()).execute(c)?;
        Ok(())
    }))?;
    Ok(tenant)
}

pub fn find_by_id(conn: &mut AnyConnection, id: &TenantId) -> Result<Option<Tenant>, DbError> {
    first_row!(conn, tenants::table.find(id.as_str()), Tenant)
}

pub fn find_by_name(conn: &mut AnyConnection, name: &str) -> Result<Option<Tenant>, DbError> {
    first_row!(conn, tenants::table.filter(tenants::name.eq(name)), Tenant)
}

/// The tenant that owns `domain` (ASCII lowercase), if any.
pub fn find_by_domain(conn: &mut AnyConnection, domain: &str) -> Result<Option<Tenant>, DbError> {
    first_row!(
        conn,
        tenants::table
            .inner_join(tenant_domains::table)
            .filter(tenant_domains::domain.eq(domain)),
        Tenant
    )
}

/// The tenants that own any of `domains` (ASCII lowercase), each with the domain it owns:
/// the lookups of a batch of requests in one query.
pub fn find_by_domains(
    conn: &mut AnyConnection,
    domains: Vec<&str>,
) -> Result<Vec<(String, Tenant)>, DbError> {
    if domains.is_empty() {
        return Ok(Vec::new());
    }
    dispatch!(conn, c => tenants::table
        .inner_join(tenant_domains::table)
        .filter(tenant_domains::domain.eq_any(&domains))
        .select((tenant_domains::domain, Tenant::as_select()))
        .load(c))
    .map_err(DbError::from)
}

/// The built-in tenant of consumer-mail users, created on first use.
pub fn consumers(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<Tenant, DbError> {
    if let Some(t) = find_by_name(conn, CONSUMERS_TENANT_NAME)? {
        return Ok(t);
    }
    let new = NewTenant {
        name: CONSUMERS_TENANT_NAME.to_string(),
        kind: TenantKind::Unmanaged,
        plan: Plan::Free,
        domains: vec![],
        helpdesk_url: None,
        is_consumer: true,
    };
    match create(conn, &new, now) {
        Ok(t) => Ok(t),
        // Another instance created it between our read and write.
        Err(DbError::Conflict(_)) => find_by_name(conn, CONSUMERS_TENANT_NAME)?
            .ok_or_else(|| DbError::Unexpected(anyhow::anyhow!("consumers tenant vanished"))),
        Err(e) => Err(e),
    }
}

pub fn domains_of(conn: &mut AnyConnection, id: &TenantId) -> Result<Vec<TenantDomain>, DbError> {
    all_rows!(
        conn,
        tenant_domains::table
            .filter(tenant_domains::tenant_id.eq(id.as_str()))
            .order(tenant_domains::domain),
        TenantDomain
    )
}

/// Every tenant with its domains and guest count, by name.
pub fn list(conn: &mut AnyConnection) -> Result<Vec<TenantSummary>, DbError> {
    let all: Vec<Tenant> = all_rows!(conn, tenants::table.order(tenants::name), Tenant)?;
    let domains: Vec<(String, String)> = dispatch!(conn, c => tenant_domains::table
        .order(tenant_domains::domain)
        .select((tenant_domains::tenant_id, tenant_domains::domain))
        .load(c))?;
    let counts: Vec<(String, i64)> = dispatch!(conn, c => users::table
        .group_by(users::tenant_id)
        .select((users::tenant_id, diesel::dsl::count_star()))
        .load(c))?;
    Ok(all
        .into_iter()
        .map(|t| TenantSummary {
            domains: domains
                .iter()
                .filter(|(tid, _)| tid.as_str() == t.id.as_str())
                .map(|(_, d)| d.clone())
                .collect(),
            guests: counts
                .iter()
                .find(|(tid, _)| tid.as_str() == t.id.as_str())
                .map_or(0, |(_, n)| *n),
            tenant: t,
        })
        .collect())
}

/// Sets a tenant's plan; returns the tenant as it was before.
pub fn set_plan(
    conn: &mut AnyConnection,
    id: &TenantId,
    plan: Plan,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    update_rows!(
        conn,
        tenants::table.find(id.as_str()),
        (tenants::plan.eq(plan.as_str()), tenants::updated_at.eq(now))
    )?;
    Ok(())
}
