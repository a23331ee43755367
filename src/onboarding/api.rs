//! What the invitations API (`/api/v1/invitations`) asks of onboarding beyond the console's
//! calls: an invitation under an `Idempotency-Key`, recovering from a concurrent retry.

use super::api_keys::{self, Replay};
use super::invitations::{self as invite, InvitationView, InviteOutcome, InviteRequest};
use super::Inviter;
use crate::db::{invitations, DbError};
use crate::domain::{ApiKeyId, InvitationId};
use crate::services::Services;
use secrecy::SecretString;

pub use crate::db::api_keys::ApiKey;
pub use crate::db::invitations::InvitationStatus;

/// Invites one address for API key `key_id`. When a concurrent retry with the same
/// `idempotency_key` created the invitation first (the insert meets the unique key), the
/// answer is the invitation that retry made, as if this request had made it.
pub async fn invite_idempotent(
    svc: &Services,
    who: Inviter,
    key_id: ApiKeyId,
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

/// Who invites when `key` does: the key, within its tenant (or the platform).
pub fn inviter(key: &ApiKey) -> Inviter {
    Inviter::ApiKey {
        id: key.id.clone(),
        tenant_id: key.tenant_id.clone(),
    }
}

/// The live key a presented bearer token is (its use recorded), or `None`.
pub async fn authenticate(
    svc: &Services,
    presented: SecretString,
) -> Result<Option<ApiKey>, DbError> {
    let now = svc.now();
    svc.db
        .run(move |c| api_keys::authenticate(c, &presented, now))
        .await
}

/// What a request under `idempotency_key` from `key` meets: nothing yet, the stored reply of
/// the same request, or a different request that used the key first.
pub async fn replay(
    svc: &Services,
    key: &ApiKey,
    idempotency_key: &str,
    fingerprint: &str,
) -> Result<Replay, DbError> {
    let (kid, k, f) = (
        key.id.clone(),
        idempotency_key.to_string(),
        fingerprint.to_string(),
    );
    svc.db.run(move |c| api_keys::replay(c, &kid, &k, &f)).await
}

/// Stores the reply to a request under `idempotency_key`, or (a concurrent twin stored first)
/// returns what was stored.
pub async fn remember(
    svc: &Services,
    key: &ApiKey,
    idempotency_key: &str,
    fingerprint: &str,
    status: u16,
    body: String,
) -> Result<Replay, DbError> {
    let (kid, k, f, now) = (
        key.id.clone(),
        idempotency_key.to_string(),
        fingerprint.to_string(),
        svc.now(),
    );
    svc.db
        .run(move |c| api_keys::remember(c, &kid, &k, &f, status, &body, now))
        .await
}

/// One invitation `key` may see.
pub async fn invitation(
    svc: &Services,
    key: &ApiKey,
    id: InvitationId,
) -> Result<Option<InvitationView>, DbError> {
    let (who, now) = (inviter(key), svc.now());
    svc.db.run(move |c| invite::get(c, &who, &id, now)).await
}

/// The newest invitations `key` may see (at most `limit`), of `status` if given.
pub async fn invitations(
    svc: &Services,
    key: &ApiKey,
    status: Option<InvitationStatus>,
    limit: i64,
) -> Result<Vec<InvitationView>, DbError> {
    let (who, now) = (inviter(key), svc.now());
    svc.db
        .run(move |c| invite::list(c, &who, status, now, limit))
        .await
}
