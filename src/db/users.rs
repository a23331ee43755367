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
        id: UserId::generate(),
        tenant_id: new.tenant_id.clone(),
        email: new.email.clone(),
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
    dispatch!(conn, c => diesel::insert_into(users::table).values(user.clone()).execute(c))
        .map_err(|e| {
            DbError::from(e)
                .conflict_means(|| format!("a guest with the address {} already exists", new.email))
        })?;
    Ok(user)
}

pub fn find_by_email(
    conn: &mut AnyConnection,
    email: &EmailAddress,
) -> Result<Option<User>, DbError> {
    first_row!(
        conn,
        users::table.filter(users::email.eq(email.as_str())),
        User
    )
}

pub fn find_by_id(conn: &mut AnyConnection, id: &UserId) -> Result<Option<User>, DbError> {
    first_row!(conn, users::table.find(id.as_str()), User)
}

/// The address of the user `id`, if there is one (one column, where the whole row is not
/// needed). Read as a row's is: stored text that does not parse is an error.
pub fn email_of(conn: &mut AnyConnection, id: &UserId) -> Result<Option<EmailAddress>, DbError> {
    let stored: Option<String> = first_value!(conn, users::table.find(id.as_str()), users::email)?;
    stored.map(super::read_address).transpose()
}

pub fn list_by_tenant(conn: &mut AnyConnection, tenant: &TenantId) -> Result<Vec<User>, DbError> {
    all_rows!(
        conn,
        users::table
            .filter(users::tenant_id.eq(tenant.as_str()))
            .order(users::email),
        User
    )
}

pub fn count(conn: &mut AnyConnection) -> Result<i64, DbError> {
    Ok(dispatch!(conn, c => users::table.count().get_result(c))?)
}

/// Stores the TOTP step just used, only if it is newer than the last one: a code is never
/// accepted twice (docs/security.md#25). Returns whether this call recorded it.
pub fn record_totp_step(conn: &mut AnyConnection, id: &UserId, step: i64) -> Result<bool, DbError> {
    let rows = update_rows!(
        conn,
        users::table.find(id.as_str()).filter(
            users::totp_last_step
                .is_null()
                .or(users::totp_last_step.lt(step))
        ),
        users::totp_last_step.eq(Some(step))
    )?;
    Ok(rows == 1)
}

/// Sets a new password hash, ends every session (generation + 1) and lifts a lock.
pub fn set_password(
    conn: &mut AnyConnection,
    id: &UserId,
    hash: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    replace_password(conn, id, Some(hash), now)
}

/// Stores `hash` as the password hash (`None`: a password kept elsewhere, such as the
/// directory's), ends every session (generation + 1) and lifts a lock.
pub(super) fn replace_password(
    conn: &mut AnyConnection,
    id: &UserId,
    hash: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    update_rows!(
        conn,
        users::table.find(id.as_str()),
        (
            users::password_hash.eq(hash),
            users::password_changed_at.eq(Some(now)),
            users::session_generation.eq(users::session_generation + 1),
            users::locked_until.eq(None::<NaiveDateTime>),
            users::updated_at.eq(now),
        )
    )?;
    Ok(())
}

/// Records a permanent delivery failure: the address then fails policy rule 6.
pub fn mark_bounced(
    conn: &mut AnyConnection,
    id: &UserId,
    reason: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    set_bounce(conn, id, Some(reason), now)
}

/// Records a bounce at `now` for `reason`, or with `None` forgets the recorded one.
pub(super) fn set_bounce(
    conn: &mut AnyConnection,
    id: &UserId,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    update_rows!(
        conn,
        users::table.find(id.as_str()),
        (
            users::bounced_at.eq(reason.map(|_| now)),
            users::bounce_reason.eq(reason),
            users::updated_at.eq(now),
        )
    )?;
    Ok(())
}

/// Sets or clears the TOTP secret (enrolment, removal, helpdesk reset).
pub fn set_totp_secret(
    conn: &mut AnyConnection,
    id: &UserId,
    secret: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    update_rows!(
        conn,
        users::table.find(id.as_str()),
        (
            users::totp_secret.eq(secret),
            users::totp_last_step.eq(None::<i64>),
            users::updated_at.eq(now),
        )
    )?;
    Ok(())
}

/// Ends every session of the user (guest sign-out): generation + 1. Sessions are stateless
/// cookies bound to the generation, so this is what makes a signed-out cookie worthless.
pub fn bump_session_generation(
    conn: &mut AnyConnection,
    id: &UserId,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    update_rows!(
        conn,
        users::table.find(id.as_str()),
        (
            users::session_generation.eq(users::session_generation + 1),
            users::updated_at.eq(now),
        )
    )?;
    Ok(())
}

/// Enrols a TOTP secret, only when none is set (one guarded UPDATE, so two tabs cannot
/// overwrite each other). The step of the confirming code is stored as used, so that code
/// cannot be replayed at the reset's TOTP step (docs/security.md#25). Returns whether it enrolled.
pub fn enrol_totp(
    conn: &mut AnyConnection,
    id: &UserId,
    secret: &str,
    confirmed_step: i64,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let rows = update_rows!(
        conn,
        users::table
            .find(id.as_str())
            .filter(users::totp_secret.is_null()),
        (
            users::totp_secret.eq(Some(secret)),
            users::totp_last_step.eq(Some(confirmed_step)),
            users::updated_at.eq(now),
        )
    )?;
    Ok(rows == 1)
}
