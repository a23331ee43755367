//! Domains of tenants and their takeover challenges (docs/onboarding.md).

use super::models::TenantDomain;
use super::schema::{tenant_domains, tenants};
use super::{AnyConnection, DbError};
use crate::db::WriteTransaction as _;
use crate::dispatch;
use crate::domain::{Plan, TenantId, TenantKind, UserId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn find(conn: &mut AnyConnection, domain: &str) -> Result<Option<TenantDomain>, DbError> {
    first_row!(conn, tenant_domains::table.find(domain), TenantDomain)
}

/// Stores a takeover challenge (replacing any earlier one) for `user` until `expires_at`.
pub fn set_challenge(
    conn: &mut AnyConnection,
    domain: &str,
    challenge: &str,
    user: &UserId,
    expires_at: NaiveDateTime,
) -> Result<(), DbError> {
    update_rows!(
        conn,
        tenant_domains::table.find(domain),
        (
            tenant_domains::challenge.eq(Some(challenge)),
            tenant_domains::challenge_user_id.eq(Some(user.as_str())),
            tenant_domains::challenge_expires_at.eq(Some(expires_at)),
        )
    )?;
    Ok(())
}

/// Completes a takeover: the domain is verified (its challenge cleared) and its tenant becomes
/// `managed` on the `free` plan. Guarded on the tenant still being unmanaged, so two verifications
/// cannot both win; returns whether this call did it.
pub fn complete_takeover(
    conn: &mut AnyConnection,
    domain: &str,
    tenant: &TenantId,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    dispatch!(conn, c => c.write_transaction::<_, diesel::result::Error, _>(|c| {
        let rows = diesel::update(
                tenants::table
                    .find(tenant.as_str())
                    .filter(tenants::kind.eq(TenantKind::Unmanaged.as_str())),
            )
            .set((
                tenants::kind.eq(TenantKind::Managed.as_str()),
                tenants::plan.eq(Plan::Free.as_str()),
                tenants::updated_at.eq(now),
            ))
            .execute(c)?;
        if rows != 1 {
            return Ok(false);
        }
        diesel::update(tenant_domains::table.find(domain))
            .set((
                tenant_domains::verified_at.eq(Some(now)),
                tenant_domains::challenge.eq(None::<String>),
                tenant_domains::challenge_user_id.eq(None::<String>),
                tenant_domains::challenge_expires_at.eq(None::<NaiveDateTime>),
            ))
            .execute(c)?;
        Ok(true)
    }))
    .map_err(DbError::from)
}

/// Adds `domain` to the tenant `tenant` (verified at `now` when `verified`). A domain that
/// already belongs to a tenant is a [`DbError::Conflict`] naming it.
pub fn add(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    domain: &str,
    verified: bool,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let row = TenantDomain {
        domain: domain.to_string(),
        tenant_id: tenant.clone(),
        verified_at: verified.then_some(now),
        challenge: None,
        challenge_user_id: None,
        challenge_expires_at: None,
        created_at: now,
    };
    conn.write_transaction::<_, DbError, _>(|conn| {
        let owner: Option<String> = first_value!(
            conn,
            tenant_domains::table
                .inner_join(tenants::table)
                .filter(tenant_domains::domain.eq(domain)),
            tenants::name
        )?;
        if let Some(owner) = owner {
            return Err(DbError::Conflict(format!(
                "the domain {domain} already belongs to the tenant {owner:?}"
            )));
        }
        dispatch!(conn, c => diesel::insert_into(tenant_domains::table).values(row.clone()).execute(c))?;
        Ok(())
    })
}

/// Why a domain could not be removed.
#[derive(Debug, thiserror::Error)]
pub enum RemoveDomainError {
    #[error("no tenant owns the domain {0}")]
    Unknown(String),
    #[error(
        "{0} is the last domain of its tenant; a tenant keeps at least one (add another first)"
    )]
    Last(String),
    #[error("{count} guest(s) of the tenant have addresses at {domain}: delete or move them first (`latchkey user list`)")]
    HasGuests { domain: String, count: i64 },
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for RemoveDomainError {
    fn from(e: diesel::result::Error) -> Self {
        RemoveDomainError::Db(e.into())
    }
}

/// Removes `domain` from its tenant, unless it is the tenant's last domain or guests of the
/// tenant still have addresses there. Returns the tenant it belonged to.
pub fn remove(conn: &mut AnyConnection, domain: &str) -> Result<TenantId, RemoveDomainError> {
    use super::schema::users;
    conn.write_transaction::<_, RemoveDomainError, _>(|conn| {
        let row = find(conn, domain)?.ok_or_else(|| RemoveDomainError::Unknown(domain.into()))?;
        let domains: i64 = dispatch!(conn, c => tenant_domains::table
            .filter(tenant_domains::tenant_id.eq(row.tenant_id.as_str()))
            .count()
            .get_result(c))?;
        if domains <= 1 {
            return Err(RemoveDomainError::Last(domain.into()));
        }
        let at = format!("%@{domain}");
        let guests: i64 = dispatch!(conn, c => users::table
            .filter(users::tenant_id.eq(row.tenant_id.as_str()))
            .filter(users::email.like(&at))
            .count()
            .get_result(c))?;
        if guests > 0 {
            return Err(RemoveDomainError::HasGuests {
                domain: domain.into(),
                count: guests,
            });
        }
        dispatch!(conn, c => diesel::delete(tenant_domains::table.find(domain)).execute(c))?;
        Ok(row.tenant_id)
    })
}
