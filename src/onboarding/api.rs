//! What the invitations API (`/api/v1/invitations`) asks of onboarding beyond the console's
//! calls: an invitation under an `Idempotency-Key`, recovering from a concurrent retry.

use super::invitations::{self as invite, InviteOutcome, InviteRequest};
use super::Inviter;
use crate::db::{invitations, DbError};
use crate::services::Services;

pub use crate::db::api_keys::ApiKey;
pub use crate::db::invitations::InvitationStatus;

/// Invites one address for API key `key_id`. When a concurrent retry with the same
/// `idempotency_key` created the invitation first (the insert meets the unique key), the
/// answer is the invitation that retry made, as if this request had made it.
pub async fn invite_idempotent(
    svc: &Services,
    who: Inviter,
    key_id: String,
    request: InviteRequest,
    idempotency_key: Option<String>,
) -> Result<InviteOutcome, DbError> {
    let (settings, now) = (svc.settings.clone(), svc.now());
    svc.db
        .run(move |c| {
            let idem = idempotency_key.as_deref();
            match invite::invite_one(c, &settings, &who, &request, idem, now) {
                Err(DbError::Conflict(_)) if idem.is_some() => {
                    let k = idem.unwrap_or_default();
                    let row = invitations::find_by_idempotency_key(c, &key_id, k)?;
                    Ok(
                        row.map_or(InviteOutcome::AlreadyUser, |r| InviteOutcome::Invited {
                            id: r.id,
                            consumer_domain: false,
                        }),
                    )
                }
                other => other,
            }
        })
        .await
}
