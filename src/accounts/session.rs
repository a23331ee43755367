//! Guest sessions: the rule that decides whether a session still holds. The web layer keeps
//! the cookie (sealed, with the user id, the generation it began under and its timeouts);
//! this is the check against the stored account (docs/security.md#33).

use super::language::Stored;
use super::User;
use crate::db::{languages, tenant_branding, users, DbError};
use crate::domain::branding::Branding;
use crate::domain::UserId;
use crate::services::Services;

/// A live session's account, with what every page about it needs: its stored languages and
/// its tenant's branding.
pub struct LiveSession {
    pub user: User,
    pub languages: Stored,
    pub branding: Branding,
}

/// The account of a session that began under `generation`, if it still holds: the user exists,
/// is not disabled, and its `session_generation` has not moved on (a completed reset and a
/// sign-out both move it, which ends every session of that user without a session table).
/// One trip to the database for the account, its languages and its tenant's branding: this
/// runs on every signed-in request.
pub async fn live(
    svc: &Services,
    user_id: UserId,
    generation: i64,
) -> Result<Option<LiveSession>, DbError> {
    let found = svc
        .db
        .run(move |c| {
            let Some(user) = users::find_by_id(c, &user_id)?
                .filter(|u| !u.disabled && u.session_generation == generation)
            else {
                return Ok(None);
            };
            let languages = languages::of_user(c, &user_id)?;
            let overrides = tenant_branding::find(c, &user.tenant_id())?;
            Ok(Some((user, languages, overrides)))
        })
        .await?;
    Ok(found.map(|(user, (own, tenant), overrides)| LiveSession {
        user,
        languages: Stored::from_codes(own.as_deref(), tenant.as_deref()),
        branding: svc.settings.branding.with(&overrides),
    }))
}
