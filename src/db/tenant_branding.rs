//! A tenant's branding overrides: one optional row per tenant; a `None` column falls back to
//! the service-wide `[branding]` value.

use super::schema::tenant_branding;
use super::{AnyConnection, DbError};
use crate::dispatch;
use crate::domain::branding::{AccentColour, BrandingOverrides, LogoFile};
use crate::domain::TenantId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = tenant_branding, treat_none_as_null = true)]
struct Row {
    tenant_id: String,
    service_name: Option<String>,
    organisation: Option<String>,
    logo: Option<String>,
    accent_colour: Option<String>,
    updated_at: NaiveDateTime,
}

/// The tenant's overrides (empty when it has none). A stored value that no longer parses is
/// ignored (the service-wide value shows), never an error for a guest.
pub fn find(conn: &mut AnyConnection, tenant: &TenantId) -> Result<BrandingOverrides, DbError> {
    let row: Option<Row> = first_row!(conn, tenant_branding::table.find(tenant.as_str()), Row)?;
    Ok(
        row.map_or_else(BrandingOverrides::default, |r| BrandingOverrides {
            service_name: r.service_name,
            organisation: r.organisation,
            logo: r.logo.and_then(|l| LogoFile::parse(&l).ok()),
            accent_colour: r.accent_colour.and_then(|a| AccentColour::parse(&a).ok()),
        }),
    )
}

/// Stores the tenant's overrides (all of them: a `None` clears that one).
pub fn save(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    overrides: &BrandingOverrides,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let row = Row {
        tenant_id: tenant.as_str().to_string(),
        service_name: overrides.service_name.clone(),
        organisation: overrides.organisation.clone(),
        logo: overrides.logo.as_ref().map(|l| l.as_str().to_string()),
        accent_colour: overrides
            .accent_colour
            .as_ref()
            .map(|a| a.as_str().to_string()),
        updated_at: now,
    };
    dispatch!(conn, c => diesel::insert_into(tenant_branding::table)
        .values(&row)
        .on_conflict(tenant_branding::tenant_id)
        .do_update()
        .set(&row)
        .execute(c))?;
    Ok(())
}
