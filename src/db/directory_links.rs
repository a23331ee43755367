//! Directory accounts linked to Latchkey's own rows, by the entry's stable id.

use super::models::User;
use super::schema::{directory_links, users};
use super::{AnyConnection, DbError};
use crate::dispatch;
use crate::domain::{EmailAddress, UserId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// The Latchkey row of the directory account `directory_id`, if one was made.
pub fn find_user(conn: &mut AnyConnection, directory_id: &str) -> Result<Option<User>, DbError> {
    first_row!(
        conn,
        directory_links::table
            .inner_join(users::table)
            .filter(directory_links::directory_id.eq(directory_id)),
        User
    )
}

/// Links `user` to the directory account `directory_id` (at `dn`).
pub fn link(
    conn: &mut AnyConnection,
    directory_id: &str,
    user: &UserId,
    dn: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    dispatch!(conn, c => diesel::insert_into(directory_links::table)
        .values((
            directory_links::directory_id.eq(directory_id),
            directory_links::user_id.eq(user.as_str()),
            directory_links::dn.eq(dn),
            directory_links::created_at.eq(now),
            directory_links::updated_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}

/// Records where the entry is now, and the address it holds now (a rename, a move, a new
/// address: the row, its TOTP and its history stay).
pub fn follow(
    conn: &mut AnyConnection,
    directory_id: &str,
    user: &UserId,
    dn: &str,
    email: &EmailAddress,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    update_rows!(
        conn,
        directory_links::table.find(directory_id),
        (
            directory_links::dn.eq(dn),
            directory_links::updated_at.eq(now)
        )
    )?;
    update_rows!(
        conn,
        users::table.find(user.as_str()),
        (users::email.eq(email.as_str()), users::updated_at.eq(now))
    )?;
    Ok(())
}

/// The stable id and DN of the directory account linked to `user`, if any.
pub fn of_user(
    conn: &mut AnyConnection,
    user: &UserId,
) -> Result<Option<(String, String)>, DbError> {
    first_value!(
        conn,
        directory_links::table.filter(directory_links::user_id.eq(user.as_str())),
        (directory_links::directory_id, directory_links::dn)
    )
}

/// The directory took a new password for `user`: Latchkey keeps no hash of it, ends every
/// session (generation + 1) and lifts a lock, as for a builtin password change.
pub fn password_changed(
    conn: &mut AnyConnection,
    user: &UserId,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    super::users::replace_password(conn, user, None, now)
}
