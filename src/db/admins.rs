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
        id: AdminId::generate(),
        email: new.email.clone(),
        role: new.role,
        tenant_id: new.tenant_id.clone(),
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
    dispatch!(conn, c => diesel::insert_into(admins::table).values(admin.clone()).execute(c))
        .map_err(|e| {
            DbError::from(e).conflict_means(|| {
                format!("an admin with the address {} already exists", new.email)
            })
        })?;
    Ok(admin)
}

pub fn find_by_email(
    conn: &mut AnyConnection,
    email: &EmailAddress,
) -> Result<Option<Admin>, DbError> {
    first_row!(
        conn,
        admins::table.filter(admins::email.eq(email.as_str())),
        Admin
    )
}

pub fn count(conn: &mut AnyConnection) -> Result<i64, DbError> {
    Ok(dispatch!(conn, c => admins::table.count().get_result(c))?)
}

/// The admin with this id, if any.
pub fn find_by_id(conn: &mut AnyConnection, id: &AdminId) -> Result<Option<Admin>, DbError> {
    first_row!(conn, admins::table.find(id.as_str()), Admin)
}

/// The admin whose one-time set-up link hashes to `hash` (SHA-256 hex), if any. The caller
/// checks `setup_expires_at`.
pub fn find_by_setup_hash(conn: &mut AnyConnection, hash: &str) -> Result<Option<Admin>, DbError> {
    first_row!(
        conn,
        admins::table.filter(admins::setup_token_hash.eq(hash)),
        Admin
    )
}

/// Finishes set-up: stores the password hash and the confirmed TOTP secret (with the step that
/// confirmed it, so that code cannot sign in afterwards) and burns the set-up link. One guarded
/// UPDATE: only a live link for this admin is consumed, so the link works exactly once.
pub fn complete_setup(
    conn: &mut AnyConnection,
    id: &AdminId,
    setup_hash: &str,
    password_hash: &str,
    totp_secret: &str,
    totp_step: i64,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let rows = update_rows!(
        conn,
        admins::table
            .find(id.as_str())
            .filter(admins::setup_token_hash.eq(setup_hash))
            .filter(admins::setup_expires_at.gt(now)),
        (
            admins::password_hash.eq(Some(password_hash)),
            admins::totp_secret.eq(Some(totp_secret)),
            admins::totp_last_step.eq(Some(totp_step)),
            admins::setup_token_hash.eq(None::<String>),
            admins::setup_expires_at.eq(None::<NaiveDateTime>),
            admins::failed_attempts.eq(0),
            admins::locked_until.eq(None::<NaiveDateTime>),
            admins::session_generation.eq(admins::session_generation + 1),
        )
    )?;
    Ok(rows == 1)
}

/// Stores the TOTP step just used, only if it is newer than the last one, so a code is never
/// accepted twice (docs/security.md#25). Returns whether this call recorded it.
pub fn record_totp_step(
    conn: &mut AnyConnection,
    id: &AdminId,
    step: i64,
) -> Result<bool, DbError> {
    let rows = update_rows!(
        conn,
        admins::table.find(id.as_str()).filter(
            admins::totp_last_step
                .is_null()
                .or(admins::totp_last_step.lt(step))
        ),
        admins::totp_last_step.eq(Some(step))
    )?;
    Ok(rows == 1)
}

/// A completed sign-in: clears the failure count and the lock, stamps `last_login_at`.
pub fn record_login(
    conn: &mut AnyConnection,
    id: &AdminId,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    update_rows!(
        conn,
        admins::table.find(id.as_str()),
        (
            admins::failed_attempts.eq(0),
            admins::locked_until.eq(None::<NaiveDateTime>),
            admins::last_login_at.eq(Some(now)),
        )
    )?;
    Ok(())
}

/// Ends every session of this admin ("sign out everywhere"): sessions carry the generation
/// they were issued under and stop working once it moves. Returns the new generation.
pub fn bump_session_generation(conn: &mut AnyConnection, id: &AdminId) -> Result<i64, DbError> {
    update_rows!(
        conn,
        admins::table.find(id.as_str()),
        admins::session_generation.eq(admins::session_generation + 1)
    )?;
    Ok(dispatch!(conn, c => admins::table
        .find(id.as_str())
        .select(admins::session_generation)
        .first(c))?)
}

/// Every admin, platform admins first, then by address.
pub fn list(conn: &mut AnyConnection) -> Result<Vec<Admin>, DbError> {
    all_rows!(
        conn,
        admins::table.order((admins::role.asc(), admins::email.asc())),
        Admin
    )
}

/// Locks the platform admins' rows for this transaction (PostgreSQL: `FOR UPDATE`, so two
/// admins disabling each other at once cannot both succeed; SQLite: the write transaction
/// holds the database), and counts those not disabled. Call inside a write transaction.
pub fn lock_enabled_platform_count(conn: &mut AnyConnection) -> Result<i64, DbError> {
    let platform = AdminRole::Platform.as_str();
    let flags: Vec<bool> = match conn {
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(c) => admins::table
            .filter(admins::role.eq(platform))
            .select(admins::disabled)
            .for_update()
            .load(c)?,
        AnyConnection::Sqlite(c) => admins::table
            .filter(admins::role.eq(platform))
            .select(admins::disabled)
            .load(c)?,
    };
    Ok(flags.iter().filter(|d| !**d).count() as i64)
}

/// Disables (or enables) the admin; returns whether it changed anything. Disabling also moves
/// the session generation on, so sessions from before never come back when the admin is
/// enabled again.
pub fn set_disabled(
    conn: &mut AnyConnection,
    id: &AdminId,
    disabled: bool,
) -> Result<bool, DbError> {
    let target = admins::table
        .find(id.as_str())
        .filter(admins::disabled.eq(!disabled));
    let rows = if disabled {
        update_rows!(
            conn,
            target,
            (
                admins::disabled.eq(true),
                admins::session_generation.eq(admins::session_generation + 1),
            )
        )?
    } else {
        update_rows!(conn, target, admins::disabled.eq(false))?
    };
    Ok(rows == 1)
}

/// Starts the admin's set-up again: a new one-time link (only its hash is stored; the old
/// link stops working), the password and the authenticator removed, and every session ended
/// (the generation moves on).
pub fn reissue_setup(
    conn: &mut AnyConnection,
    id: &AdminId,
    setup_hash: &str,
    expires_at: NaiveDateTime,
) -> Result<bool, DbError> {
    let rows = update_rows!(
        conn,
        admins::table.find(id.as_str()),
        (
            admins::setup_token_hash.eq(Some(setup_hash)),
            admins::setup_expires_at.eq(Some(expires_at)),
            admins::password_hash.eq(None::<String>),
            admins::totp_secret.eq(None::<String>),
            admins::totp_last_step.eq(None::<i64>),
            admins::failed_attempts.eq(0),
            admins::locked_until.eq(None::<NaiveDateTime>),
            admins::session_generation.eq(admins::session_generation + 1),
        )
    )?;
    Ok(rows == 1)
}
