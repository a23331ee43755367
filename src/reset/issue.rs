//! The one issuer of reset tokens: the worker's mailed links and the helpdesk's links both
//! come from [`issue`], so both get the same guarantees.

use crate::db::reset_tokens::{self, NewToken, ResetToken};
use crate::db::{AnyConnection, DbError};
use chrono::NaiveDateTime;

/// Issues a reset token for `new.user_id`, revoking the user's live ones under the user's lock
/// (at most one live token per user, docs/security.md#6: [`reset_tokens::issue`] takes the
/// lock itself). Call it inside the caller's write transaction.
pub fn issue(
    conn: &mut AnyConnection,
    new: &NewToken,
    now: NaiveDateTime,
) -> Result<ResetToken, DbError> {
    reset_tokens::issue(conn, new, now)
}
