//! Set-up: the one-time link, then the password and the confirmed authenticator.

use super::{admin_id, sign_in_event};
use crate::accounts::lockout::{self, Account};
use crate::console::Admin;
use crate::db::models::Tenant;
use crate::db::{admins, audit, tenants, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::security::{SeedOwner, TokenHash, TotpSecret};
use crate::services::Services;
use std::net::IpAddr;

/// The admin an unexpired set-up token belongs to.
pub async fn setup_admin(svc: &Services, token: &str) -> Result<Option<Admin>, DbError> {
    let Some(hash) = TokenHash::of_presented(token) else {
        return Ok(None);
    };
    let now = svc.now();
    let admin = svc
        .db
        .run(move |c| admins::find_by_setup_hash(c, hash.as_str()))
        .await?;
    Ok(admin.filter(|a| !a.disabled && a.setup_expires_at.is_some_and(|t| t > now)))
}

/// The admin's tenant (`None` for a platform admin), for the password checks (the tenant's
/// name and banned words).
pub async fn tenant(svc: &Services, admin: &Admin) -> Result<Option<Tenant>, DbError> {
    let Some(t) = admin.tenant_id.clone() else {
        return Ok(None);
    };
    svc.db.run(move |c| tenants::find_by_id(c, &t)).await
}

/// Finishes set-up with the link `token`: stores the password hash and the confirmed TOTP
/// secret (sealed at rest; `step` is the confirming code's, so it cannot sign in afterwards),
/// burns the link and audits it, in one transaction. `false` when the link was used meanwhile.
pub async fn complete_setup(
    svc: &Services,
    admin: &Admin,
    token: &str,
    password_hash: String,
    secret: &TotpSecret,
    step: i64,
    ip: Option<IpAddr>,
) -> Result<bool, DbError> {
    let setup_hash = TokenHash::of_presented(token)
        .map(TokenHash::into_string)
        .unwrap_or_default();
    let id = admin_id(admin);
    let secret_text = svc.seal_totp(SeedOwner::Admin(admin.id.as_str()), secret);
    let now = svc.now();
    let mut event = sign_in_event(
        now,
        Some(admin),
        Event::AdminSetupCompleted,
        Outcome::Success,
        ip,
    );
    let lid = id.clone();
    let done = svc
        .db
        .run(move |c| {
            use crate::db::WriteTransaction as _;
            c.write_transaction::<bool, DbError, _>(|c| {
                if !admins::complete_setup(
                    c,
                    &id,
                    &setup_hash,
                    &password_hash,
                    &secret_text,
                    step,
                    now,
                )? {
                    return Ok(false);
                }
                event.detail = Some(serde_json::json!({ "totp": "enrolled" }).to_string());
                audit::insert(c, &event)?;
                Ok(true)
            })
        })
        .await?;
    if done {
        // A fresh start: no failures carried over from before the set-up.
        lockout::clear_everywhere(&svc.rate_limits.persistent, Account::Admin(&lid)).await?;
    }
    Ok(done)
}
