//! The link step: `GET /reset/link/{token}`.

use super::token::{address_tenant_unless_directory, audit_token, denied_with, state_name};
use super::{Next, Redeemed};
use crate::db::reset_tokens::{self, TokenState};
use crate::db::{users, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::security::TokenHash;
use crate::services::Services;
use std::net::IpAddr;

/// `GET /reset/link/{token}`: looks the token up (by hash), never consumes it.
pub async fn open_link(
    svc: &Services,
    presented: &str,
    ip: Option<IpAddr>,
) -> Result<Option<Redeemed>, DbError> {
    let Some(hash) = TokenHash::of_presented(presented) else {
        audit_token(
            svc,
            Event::TokenInvalid,
            Outcome::Failure,
            None,
            Some("malformed"),
            ip,
        )
        .await?;
        return Ok(None);
    };
    let h = hash.into_string();
    let now = svc.now();
    let settings = svc.settings.clone();
    let builtin = svc.directory.ldap().is_none();
    let found = svc
        .db
        .run(move |c| {
            let Some(t) = reset_tokens::find_by_hash(c, &h)? else {
                return Ok(None);
            };
            let user = users::find_by_id(c, &t.user_id())?;
            // The policy's re-check reads the address's tenant in the same trip.
            let address_tenant = match &user {
                Some(u) if t.state(now) == TokenState::Live => {
                    address_tenant_unless_directory(c, &settings, builtin, u)?
                }
                _ => None,
            };
            Ok(Some((t, user, address_tenant)))
        })
        .await?;
    match found {
        Some((t, Some(user), address_tenant)) if t.state(now) == TokenState::Live => {
            if denied_with(svc, &t, &user, address_tenant, ip).await? {
                return Ok(None);
            }
            audit_token(svc, Event::LinkOpened, Outcome::Success, Some(&t), None, ip).await?;
            Ok(Some(Redeemed {
                token_id: t.id.to_string(),
                next: Next::of(&t, &user),
            }))
        }
        Some((t, _, _)) => {
            let reason = state_name(t.state(now));
            audit_token(
                svc,
                Event::TokenInvalid,
                Outcome::Failure,
                Some(&t),
                Some(reason),
                ip,
            )
            .await?;
            Ok(None)
        }
        None => {
            audit_token(
                svc,
                Event::TokenInvalid,
                Outcome::Failure,
                None,
                Some("unknown"),
                ip,
            )
            .await?;
            Ok(None)
        }
    }
}
