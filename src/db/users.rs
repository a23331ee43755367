//! Guest accounts.

use super::models::User;
use super::schema::users;
use super::{AnyConnection, DbError};
use crate::dispatch;
use crate::domain::{EmailAddress, TenantId, UserId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// What `create` needs. The password hash is computed by the caller (argon2 on the blocking
/// pool), never here.
#[derive(Clone)]
pub struct NewUser {
    pub tenant_id: TenantId,
    pub email: EmailAddress,
    pub display_name: Option<String>,
    pub password_hash: Option<String>,
    pub verified: bool,
    pub totp_secret: Option<String>,
}

/// Creates a guest. A second account for the same normalised address is a conflict.
pub fn create(
    conn: &mut AnyConnection,
    new: &NewUser,
    now: NaiveDateTime,
) -> Result<User, DbError> {
    let user = User {
        id: UserId::generate().into_string(),
        tenant_id: new.tenant_id.as_str().to_string(),
        email: new.email.as_str().to_string(),
        display_name: new.display_name.clone(),
        password_hash: new.password_hash.clone(),
        verified_at: new.verified.then_some(now),
        bounced_at: None,
        bounce_reason: None,
        totp_secret: new.totp_secret.clone(),
        totp_last_step: None,
        disabled: false,
        locked_until: None,
        session_generation: 0,
        password_changed_at: new.password_hash.as_ref().map(|_| now),
        created_at: now,
        updated_at: now,
    };
    match dispatch!(conn, c => diesel::insert_into(users::table).values(&user).execute(c)) {
        Ok(_) => Ok(user),
        Err(e) => match DbError::from(e) {
            DbError::Conflict(_) => Err(DbError::Conflict(format!(
                "a guest with the address {} already exists",
                new.email
            ))),
            other => Err(other),
        },
    }
}

pub fn find_by_email(
    conn: &mut AnyConnection,
    email: &EmailAddress,
) -> Result<Option<User>, DbError> {
    Ok(dispatch!(conn, c => users::table
        .filter(users::email.eq(email.as_str()))
        .select(User::as_select())
        .first(c)
        .optional())?)
}

pub fn find_by_id(conn: &mut AnyConnection, id: &UserId) -> Result<Option<User>, DbError> {
    Ok(dispatch!(conn, c => users::table
        .find(id.as_str())
        .select(User::as_select())
        .first(c)
        .optional())?)
}

pub fn list_by_tenant(conn: &mut AnyConnection, tenant: &TenantId) -> Result<Vec<User>, DbError> {
    Ok(dispatch!(conn, c => users::table
        .filter(users::tenant_id.eq(tenant.as_str()))
        .order(users::email)
        .select(User::as_select())
        .load(c))?)
}

pub fn count(conn: &mut AnyConnection) -> Result<i64, DbError> {
    Ok(dispatch!(conn, c => users::table.count().get_result(c))?)
}
