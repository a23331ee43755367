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
    Ok(dispatch!(conn, c => tenant_domains::table
        .find(domain)
        .select(TenantDomain::as_select())
        .first(c)
        .optional())?)
}

/// Stores a takeover challenge (replacing any earlier one) for `user` until `expires_at`.
pub fn set_challenge(
    conn: &mut AnyConnection,
    domain: &str,
    challenge: &str,
    user: &UserId,
    expires_at: NaiveDateTime,
) -> Result<(), DbError> {
    dispatch!(conn, c => diesel::update(tenant_domains::table.find(domain))
        .set((
            tenant_domains::challenge.eq(Some(challenge)),
            tenant_domains::challenge_user_id.eq(Some(user.as_str())),
            tenant_domains::challenge_expires_at.eq(Some(expires_at)),
        ))
        .execute(c))?;
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
