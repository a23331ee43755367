//! A tenant's banned password words.

use super::schema::tenant_banned_words as t;
use super::{AnyConnection, DbError};
use crate::dispatch;
use crate::domain::TenantId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// The tenant's banned words, sorted case-insensitively (the same on both backends, whatever
/// the database's collation).
pub fn of_tenant(conn: &mut AnyConnection, tenant: &TenantId) -> Result<Vec<String>, DbError> {
    let mut words = dispatch!(conn, c => t::table
        .filter(t::tenant_id.eq(tenant.as_str()))
        .select(t::word)
        .load::<String>(c))?;
    crate::domain::password::words::sort_words(&mut words);
    Ok(words)
}

/// Replaces the tenant's list with `words`. Call inside a write transaction (with the audit).
pub fn replace(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    words: &[String],
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let rows: Vec<_> = words
        .iter()
        .map(|w| {
            (
                t::tenant_id.eq(tenant.as_str()),
                t::word.eq(w.as_str()),
                t::created_at.eq(now),
            )
        })
        .collect();
    dispatch!(conn, c => {
        diesel::delete(t::table.filter(t::tenant_id.eq(tenant.as_str()))).execute(c)?;
        if !rows.is_empty() {
            diesel::insert_into(t::table).values(&rows).execute(c)?;
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    Ok(())
}
