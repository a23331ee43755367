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
    Ok(dispatch!(conn, c => directory_links::table
        .inner_join(users::table)
        .filter(directory_links::directory_id.eq(directory_id))
        .select(User::as_select())
        .first(c)
        .optional())?)
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
    dispatch!(conn, c => diesel::update(directory_links::table.find(directory_id))
        .set((directory_links::dn.eq(dn), directory_links::updated_at.eq(now)))
        .execute(c))?;
    dispatch!(conn, c => diesel::update(users::table.find(user.as_str()))
        .set((users::email.eq(email.as_str()), users::updated_at.eq(now)))
        .execute(c))?;
    Ok(())
}

/// The stable id and DN of the directory account linked to `user`, if any.
pub fn of_user(
    conn: &mut AnyConnection,
    user: &UserId,
) -> Result<Option<(String, String)>, DbError> {
    Ok(dispatch!(conn, c => directory_links::table
        .filter(directory_links::user_id.eq(user.as_str()))
        .select((directory_links::directory_id, directory_links::dn))
        .first::<(String, String)>(c)
        .optional())?)
}

/// The directory took a new password for `user`: Latchkey keeps no hash of it, ends every
/// session (generation + 1) and lifts a lock, as for a builtin password change.
pub fn password_changed(
    conn: &mut AnyConnection,
    user: &UserId,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    dispatch!(conn, c => diesel::update(users::table.find(user.as_str()))
        .set((
            users::password_hash.eq(None::<String>),
            users::password_changed_at.eq(Some(now)),
            users::session_generation.eq(users::session_generation + 1),
            users::locked_until.eq(None::<NaiveDateTime>),
            users::updated_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}
