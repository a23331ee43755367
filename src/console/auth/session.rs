//! Admin sessions against storage: a password-step session and a full one, and sign-out.

use super::{admin_id, usable};
use crate::accounts::device::DeviceCookie;
use crate::accounts::lockout::{self, Account, Client, Method};
use crate::console::audit::NewAuditEvent;
use crate::console::Admin;
use crate::db::{admins, audit, DbError};
use crate::domain::AdminId;
use crate::services::Services;

/// The admin of a password-step session issued under `generation`, while it may go on to
/// the TOTP step from this browser (`device`): usable, same generation, and not paused by
/// failures. Also where the attempt comes from, for the TOTP step.
pub async fn pending_admin(
    svc: &Services,
    id: AdminId,
    generation: i64,
    device: &DeviceCookie,
) -> Result<Option<(Admin, Client)>, DbError> {
    let admin = svc.db.run(move |c| admins::find_by_id(c, &id)).await?;
    let Some(admin) = admin.filter(|a| usable(a) && a.session_generation == generation) else {
        return Ok(None);
    };
    let aid = admin_id(&admin);
    let client = device.client_for(Account::Admin(&aid));
    let allowed = lockout::is_allowed(
        &svc.rate_limits.persistent,
        Account::Admin(&aid),
        Method::Totp,
        &client,
    )
    .await?;
    Ok(allowed.then_some((admin, client)))
}

/// The admin of a full session, if it still holds: the admin exists, is usable, its
/// generation has not moved on, and no sign-out event names the session (`reference`) since
/// its sign-in event (`sign_in_event`).
pub async fn session_admin(
    svc: &Services,
    id: AdminId,
    generation: i64,
    sign_in_event: i64,
    reference: String,
) -> Result<Option<Admin>, DbError> {
    let actor = format!("admin:{id}");
    let (admin, ended) = svc
        .db
        .run(move |c| {
            let admin = admins::find_by_id(c, &id)?;
            let ended = audit::session_ended(c, &actor, sign_in_event, &reference)?;
            Ok((admin, ended))
        })
        .await?;
    Ok(admin.filter(|a| !ended && usable(a) && a.session_generation == generation))
}

/// Ends one session: the sign-out event names it (so a copy of its cookie is refused).
pub async fn sign_out(svc: &Services, event: NewAuditEvent) -> Result<(), DbError> {
    svc.db.run(move |c| audit::insert(c, &event)).await
}

/// Ends every session of the admin (the generation moves on), audited with the new
/// generation.
pub async fn sign_out_everywhere(
    svc: &Services,
    id: AdminId,
    mut event: NewAuditEvent,
) -> Result<(), DbError> {
    svc.db
        .run(move |c| {
            let generation = admins::bump_session_generation(c, &id)?;
            event.detail =
                Some(serde_json::json!({ "session_generation": generation }).to_string());
            audit::insert(c, &event)
        })
        .await
}
