//! The stored language choices (docs/languages.md): `user_languages`, a guest's own, and
//! `tenants.default_language`, what a tenant's guests get when they have not chosen. Codes are
//! stored as given by the service layer (already checked against the languages we have).

use super::schema::{tenants, user_languages, users};
use super::{AnyConnection, DbError};
use crate::dispatch;
use crate::domain::{TenantId, UserId};
use diesel::prelude::*;

/// What decides the language of a page or mail about `user`: (the user's choice, their
/// tenant's default). `(None, None)` when the user does not exist.
pub fn of_user(
    conn: &mut AnyConnection,
    user: &UserId,
) -> Result<(Option<String>, Option<String>), DbError> {
    let tenant: Option<Option<String>> = first_value!(
        conn,
        users::table
            .inner_join(tenants::table)
            .filter(users::id.eq(user.as_str())),
        tenants::default_language
    )?;
    let own: Option<String> = first_value!(
        conn,
        user_languages::table.find(user.as_str()),
        user_languages::language
    )?;
    Ok((own, tenant.flatten()))
}

/// The tenant's default language, if set.
pub fn tenant_default(conn: &mut AnyConnection, id: &TenantId) -> Result<Option<String>, DbError> {
    let row: Option<Option<String>> = first_value!(
        conn,
        tenants::table.find(id.as_str()),
        tenants::default_language
    )?;
    Ok(row.flatten())
}

/// Stores (or with `None` clears) the user's own language.
pub fn set_user(conn: &mut AnyConnection, id: &UserId, code: Option<&str>) -> Result<(), DbError> {
    dispatch!(conn, c => diesel::delete(user_languages::table.find(id.as_str())).execute(c))?;
    if let Some(code) = code {
        dispatch!(conn, c => diesel::insert_into(user_languages::table)
            .values((
                user_languages::user_id.eq(id.as_str()),
                user_languages::language.eq(code),
            ))
            .execute(c))?;
    }
    Ok(())
}
