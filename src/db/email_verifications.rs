//! Email verification links (hash stored only).

use super::schema::{email_verifications, users};
use super::{AnyConnection, DbError, NullableId};
use crate::db::WriteTransaction as _;
use crate::dispatch;
use crate::domain::{EmailAddress, UserId, VerificationId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = email_verifications)]
pub struct EmailVerification {
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub id: VerificationId,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub email: EmailAddress,
    /// `None`: a sign-up's link (no account yet).
    #[diesel(deserialize_as = NullableId, serialize_as = NullableId)]
    pub user_id: Option<UserId>,
    pub token_hash: String,
    pub purpose: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut AnyConnection, row: &EmailVerification) -> Result<(), DbError> {
    dispatch!(conn, c => diesel::insert_into(email_verifications::table).values(row.clone()).execute(c))?;
    Ok(())
}

pub fn find_live(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<EmailVerification>, DbError> {
    first_row!(
        conn,
        email_verifications::table
            .filter(email_verifications::token_hash.eq(token_hash))
            .filter(email_verifications::used_at.is_null())
            .filter(email_verifications::expires_at.gt(now)),
        EmailVerification
    )
}

/// Uses a verification link: marks it used and the user's address verified, once.
pub fn redeem(
    conn: &mut AnyConnection,
    row: &EmailVerification,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    dispatch!(conn, c => c.write_transaction::<_, diesel::result::Error, _>(|c| {
        let rows = diesel::update(
            email_verifications::table
                .find(row.id.as_str())
                .filter(email_verifications::used_at.is_null()),
        )
        .set(email_verifications::used_at.eq(Some(now)))
        .execute(c)?;
        if rows == 1 {
            if let Some(uid) = &row.user_id {
                diesel::update(users::table.find(uid.as_str()).filter(users::email.eq(row.email.as_str())))
                    .set((users::verified_at.eq(Some(now)), users::updated_at.eq(now)))
                    .execute(c)?;
            }
        }
        Ok(rows == 1)
    }))
    .map_err(DbError::from)
}
