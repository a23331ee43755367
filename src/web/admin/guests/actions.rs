//! The helpdesk changes to a guest (authenticator, lockout, bounce), each one transaction with
//! its audit event.

use super::view::{guest_event, load};
use crate::db::audit;
use crate::db::{admin_queries, reset_tokens, users, AnyConnection, DbError};
use crate::domain::UserId;
use crate::web::admin::{see_other, AdminCtx};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::{AppError, AppState};
use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;

/// Runs one helpdesk change and its audit event in a transaction, then shows the guest again.
async fn act<F>(
    state: &AppState,
    admin: &AdminCtx,
    id: &str,
    action: &'static str,
    event: &'static str,
    change: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut AnyConnection, &UserId, NaiveDateTime) -> Result<(), DbError> + Send + 'static,
{
    let user = load(state, admin, id).await?;
    let audit_event = guest_event(state, admin, &user, event);
    let uid = user.user_id();
    let now = state.now();
    state
        .db
        .run(move |c| {
            use crate::db::WriteTransaction as _;
            c.write_transaction::<_, DbError, _>(|c| {
                change(c, &uid, now)?;
                audit::insert(c, &audit_event)
            })
        })
        .await?;
    Ok(see_other(&format!(
        "/admin/guests/{}?done={action}",
        user.id
    )))
}

/// `POST /admin/guests/{id}/reset-totp`: removes the authenticator (lost phone). Outstanding
/// reset links that required it die with it (docs/security.md#6).
pub(super) async fn reset_totp(
    state: web::Data<AppState>,
    admin: AdminCtx,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    act(
        &state,
        &admin,
        &path,
        "reset-totp",
        "helpdesk_totp_reset",
        |c, id, now| {
            users::set_totp_secret(c, id, None, now)?;
            reset_tokens::revoke_all_for_user(c, id, "totp_reset", now)?;
            Ok(())
        },
    )
    .await
}

/// `POST /admin/guests/{id}/unlock`: lifts a lockout after failed resets.
pub(super) async fn unlock(
    state: web::Data<AppState>,
    admin: AdminCtx,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    act(
        &state,
        &admin,
        &path,
        "unlock",
        "helpdesk_lockout_cleared",
        admin_queries::clear_lockout,
    )
    .await
}

/// `POST /admin/guests/{id}/mark-bounced`: the address cannot receive mail (policy rule 6);
/// outstanding reset links die (docs/security.md#6).
pub(super) async fn mark_bounced(
    state: web::Data<AppState>,
    admin: AdminCtx,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    act(
        &state,
        &admin,
        &path,
        "mark-bounced",
        "helpdesk_marked_bounced",
        |c, id, now| {
            users::mark_bounced(c, id, "marked by the helpdesk", now)?;
            reset_tokens::revoke_all_for_user(c, id, "email_undeliverable", now)?;
            Ok(())
        },
    )
    .await
}

/// `POST /admin/guests/{id}/mark-deliverable`: forgets a recorded bounce.
pub(super) async fn mark_deliverable(
    state: web::Data<AppState>,
    admin: AdminCtx,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    act(
        &state,
        &admin,
        &path,
        "mark-deliverable",
        "helpdesk_marked_deliverable",
        admin_queries::mark_deliverable,
    )
    .await
}
