//! The token every step works on: loading it while it is live, re-checking the policy against
//! it, and auditing what happened to it.

use crate::db::audit::{self};
use crate::db::models::{Tenant, User};
use crate::db::reset_tokens::{self, FlowToken, ResetToken, TokenState};
use crate::db::{users, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::domain::{TenantId, UserId};
use crate::services::eligibility;
use crate::services::Services;
use std::net::IpAddr;

pub(super) fn state_name(s: TokenState) -> &'static str {
    match s {
        TokenState::Live => "live",
        TokenState::Used => "used",
        TokenState::Revoked => "revoked",
        TokenState::Expired => "expired",
    }
}

/// Whose a token is, as the audit records it: `(tenant id, user id)`. A whole token, or the part
/// of one the code step reads.
pub(super) trait Owned {
    fn owner(&self) -> (&TenantId, &UserId);
}

impl Owned for ResetToken {
    fn owner(&self) -> (&TenantId, &UserId) {
        (&self.tenant_id, &self.user_id)
    }
}

impl Owned for FlowToken {
    fn owner(&self) -> (&TenantId, &UserId) {
        (&self.tenant_id, &self.user_id)
    }
}

pub(super) async fn audit_token(
    svc: &Services,
    name: Event,
    outcome: Outcome,
    token: Option<&dyn Owned>,
    reason: Option<&str>,
    ip: Option<IpAddr>,
) -> Result<(), DbError> {
    let mut e = crate::reset::event(svc.now(), name, outcome, ip);
    let user = match token.map(Owned::owner) {
        Some((tenant_id, user_id)) => {
            e.tenant_id = Some(tenant_id.clone());
            e.user_id = Some(user_id.clone());
            user_id.clone()
        }
        // Looked up all the same: an event without a token costs the same database work as
        // one with (docs/security.md#12).
        None => UserId::from_string(NO_USER.to_string()),
    };
    e.reason = reason.map(str::to_string);
    svc.db
        .run(move |c| {
            // An event about a guest carries the guest's address, so the console's email
            // filter and the guest's page show failed codes and TOTP attempts too.
            e.email = users::email_of(c, &user)?.map(String::from);
            audit::insert(c, &e)
        })
        .await
}

/// An id no user has (user ids are UUIDs): what [`audit_token`] and the code step look up when
/// there is no token, so that both cases run the same query.
pub(super) const NO_USER: &str = "-";

/// Re-checks the policy for the token's user as it stands now: the tenant may have been taken
/// over or its plan dropped, the account disabled, since the link was sent. A denial revokes
/// the token and is audited; every step that lets a token in (link, code) and the final one
/// ask, so a token dies with any change it depends on (docs/security.md#6).
pub(super) async fn denied_now(
    svc: &Services,
    token: &ResetToken,
    user: &User,
    ip: Option<IpAddr>,
) -> Result<bool, DbError> {
    let gathered = eligibility::gather_for(svc, &user.email).await?;
    let reason = gathered.decide().deny_reason().map(|r| r.code());
    revoke_if_denied(svc, token, reason, ip).await
}

/// [`denied_now`] for a step that read the address's tenant with the token (`address_tenant`,
/// read only without a directory): without a directory those rows are the facts, one trip to
/// the database instead of two; with one, the facts are read from the directory now.
pub(super) async fn denied_with(
    svc: &Services,
    token: &ResetToken,
    user: &User,
    address_tenant: Option<Tenant>,
    ip: Option<IpAddr>,
) -> Result<bool, DbError> {
    if svc.directory.ldap().is_some() {
        return denied_now(svc, token, user, ip).await;
    }
    let gathered = eligibility::of_account(svc, user, address_tenant).await;
    let reason = gathered.decide().deny_reason().map(|r| r.code());
    revoke_if_denied(svc, token, reason, ip).await
}

/// The tenant `user`'s address belongs to now, which [`denied_with`] reads without a directory
/// (with one, it reads the directory instead and this is `None`).
pub(super) fn address_tenant_unless_directory(
    c: &mut crate::db::AnyConnection,
    settings: &crate::config::Settings,
    builtin: bool,
    user: &User,
) -> Result<Option<Tenant>, DbError> {
    if builtin {
        eligibility::address_tenant(c, settings, &user.email)
    } else {
        Ok(None)
    }
}

async fn revoke_if_denied(
    svc: &Services,
    token: &ResetToken,
    reason: Option<&'static str>,
    ip: Option<IpAddr>,
) -> Result<bool, DbError> {
    let Some(code) = reason else {
        return Ok(false);
    };
    let now = svc.now();
    let tid = token.id.clone();
    svc.db
        .run(move |c| reset_tokens::revoke(c, &tid, code, now))
        .await?;
    audit_token(
        svc,
        Event::ResetDeniedAtRedemption,
        Outcome::Denied,
        Some(token),
        Some(code),
        ip,
    )
    .await?;
    Ok(true)
}

/// The live token named by the sealed cookie, with its user and tenant.
pub async fn load_live(
    svc: &Services,
    token_id: &str,
) -> Result<Option<(ResetToken, User, Option<Tenant>)>, DbError> {
    let id = token_id.to_string();
    let now = svc.now();
    svc.db.run(move |c| read_live(c, &id, now)).await
}

/// A live token with its user, the user's tenant, and the tenant the user's address belongs to
/// now (what the policy's re-check reads without a directory), in one trip to the database.
pub(super) struct LiveForCheck {
    pub token: ResetToken,
    pub user: User,
    pub tenant: Option<Tenant>,
    pub address_tenant: Option<Tenant>,
}

/// [`load_live`] for the last step, with what [`denied_with`] needs.
pub(super) async fn load_live_for_check(
    svc: &Services,
    token_id: &str,
) -> Result<Option<LiveForCheck>, DbError> {
    let id = token_id.to_string();
    let now = svc.now();
    let settings = svc.settings.clone();
    // With a directory the re-check reads the directory instead ([`denied_now`]).
    let builtin = svc.directory.ldap().is_none();
    svc.db
        .run(move |c| {
            let Some((token, user, tenant)) = read_live(c, &id, now)? else {
                return Ok(None);
            };
            let address_tenant = address_tenant_unless_directory(c, &settings, builtin, &user)?;
            Ok(Some(LiveForCheck {
                token,
                user,
                tenant,
                address_tenant,
            }))
        })
        .await
}

fn read_live(
    c: &mut crate::db::AnyConnection,
    id: &str,
    now: chrono::NaiveDateTime,
) -> Result<Option<(ResetToken, User, Option<Tenant>)>, DbError> {
    let Some(t) = reset_tokens::find_by_id(c, id)? else {
        return Ok(None);
    };
    if t.state(now) != TokenState::Live {
        return Ok(None);
    }
    let Some(u) = users::find_by_id(c, &t.user_id())? else {
        return Ok(None);
    };
    let tenant = crate::db::tenants::find_by_id(c, &u.tenant_id())?;
    Ok(Some((t, u, tenant)))
}
