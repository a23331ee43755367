//! The one issuer of reset tokens: the worker's mailed links and the helpdesk's links both
//! come from [`issue`], so both get the same guarantees.

use crate::db::reset_tokens::{self, NewToken, ResetToken};
use crate::db::{AnyConnection, DbError};
use crate::domain::UserId;
use chrono::NaiveDateTime;

/// Issues a reset token for `new.user_id`, revoking the user's live ones (at most one live
/// token per user, docs/security.md#6). Call it inside the caller's write transaction.
pub fn issue(
    conn: &mut AnyConnection,
    new: &NewToken,
    now: NaiveDateTime,
) -> Result<ResetToken, DbError> {
    lock_user(conn, &new.user_id)?;
    reset_tokens::issue(conn, new, now)
}

/// Serialises token issuance per user. `reset_tokens::issue` revokes the live tokens, then
/// inserts the new one; under PostgreSQL's READ COMMITTED two concurrent issues for one user
/// would each miss the other's uncommitted row and leave two live tokens (docs/security.md#6).
/// Locking the user row first makes the second wait for the first. SQLite serialises writers,
/// so there is nothing to do there.
fn lock_user(conn: &mut AnyConnection, user: &UserId) -> Result<(), DbError> {
    use crate::db::schema::users;
    use diesel::prelude::*;
    if let AnyConnection::Postgresql(pg) = conn {
        users::table
            .find(user.as_str())
            .select(users::id)
            .for_update()
            .first::<String>(pg)
            .optional()?;
    }
    Ok(())
}
