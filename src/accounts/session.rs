//! Guest sessions: the rule that decides whether a session still holds. The web layer keeps
//! the cookie (sealed, with the user id, the generation it began under and its timeouts);
//! this is the check against the stored account (docs/security.md#33).

use super::User;
use crate::db::{users, DbError};
use crate::domain::UserId;
use crate::services::Services;

/// The user of a session that began under `generation`, if it still holds: the user exists,
/// is not disabled, and its `session_generation` has not moved on (a completed reset and a
/// sign-out both move it, which ends every session of that user without a session table).
pub async fn live_user(
    svc: &Services,
    user_id: UserId,
    generation: i64,
) -> Result<Option<User>, DbError> {
    let user = svc.db.run(move |c| users::find_by_id(c, &user_id)).await?;
    Ok(user.filter(|u| !u.disabled && u.session_generation == generation))
}
