//! Administrators (platform and tenant).

use super::models::Admin;
use super::schema::admins;
use super::{AnyConnection, DbError};
use crate::dispatch;
use crate::domain::{AdminId, AdminRole, EmailAddress, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// What `create` needs: the admin finishes set-up (password + TOTP) through the one-time link
/// whose hash is stored here.
#[derive(Debug, Clone)]
pub struct NewAdmin {
    pub email: EmailAddress,
    pub role: AdminRole,
    pub tenant_id: Option<TenantId>,
    pub setup_token_hash: String,
    pub setup_expires_at: NaiveDateTime,
}

pub fn create(
    conn: &mut AnyConnection,
    new: &NewAdmin,
    now: NaiveDateTime,
) -> Result<Admin, DbError> {
    let admin = Admin {
        id: AdminId::generate().into_string(),
        email: new.email.as_str().to_string(),
        role: new.role.as_str().to_string(),
        tenant_id: new.tenant_id.as_ref().map(|t| t.as_str().to_string()),
        password_hash: None,
        totp_secret: None,
        totp_last_step: None,
        session_generation: 0,
        setup_token_hash: Some(new.setup_token_hash.clone()),
        setup_expires_at: Some(new.setup_expires_at),
        failed_attempts: 0,
        locked_until: None,
        disabled: false,
        last_login_at: None,
        created_at: now,
    };
    match dispatch!(conn, c => diesel::insert_into(admins::table).values(&admin).execute(c)) {
        Ok(_) => Ok(admin),
        Err(e) => match DbError::from(e) {
            DbError::Conflict(_) => Err(DbError::Conflict(format!(
                "an admin with the address {} already exists",
                new.email
            ))),
            other => Err(other),
        },
    }
}

pub fn find_by_email(
    conn: &mut AnyConnection,
    email: &EmailAddress,
) -> Result<Option<Admin>, DbError> {
    Ok(dispatch!(conn, c => admins::table
        .filter(admins::email.eq(email.as_str()))
        .select(Admin::as_select())
        .first(c)
        .optional())?)
}

pub fn count(conn: &mut AnyConnection) -> Result<i64, DbError> {
    Ok(dispatch!(conn, c => admins::table.count().get_result(c))?)
}
