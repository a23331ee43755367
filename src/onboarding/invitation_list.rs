//! Invitations as admins and the API see them: one, or a list (no token hashes).

use super::Inviter;
use crate::db::invitations::{self, Invitation, InvitationStatus};
use crate::db::{AnyConnection, DbError};
use crate::domain::{InvitationId, TenantId};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;

/// An invitation as shown to admins and the API (no token hashes).
#[derive(Debug, Clone, Serialize)]
pub struct InvitationView {
    pub id: InvitationId,
    pub email: String,
    pub display_name: Option<String>,
    pub cc_email: Option<String>,
    pub status: InvitationStatus,
    pub tenant_id: Option<TenantId>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub redeemed_at: Option<DateTime<Utc>>,
    /// `primary` or `cc`: which link was used.
    pub redeemed_via: Option<String>,
}

pub(super) fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(t, Utc)
}

impl InvitationView {
    pub fn of(i: &Invitation, now: NaiveDateTime) -> Self {
        Self {
            id: i.id.clone(),
            email: i.email.to_string(),
            display_name: i.display_name.clone(),
            cc_email: i.cc_email.as_ref().map(ToString::to_string),
            status: i.status(now),
            tenant_id: i.tenant_id.clone(),
            created_at: utc(i.created_at),
            expires_at: utc(i.expires_at),
            redeemed_at: i.redeemed_at.map(utc),
            redeemed_via: i.redeemed_via.clone(),
        }
    }
}

/// The invitations an inviter may see (a tenant-scoped key: its tenant's only), newest first.
pub fn list(
    conn: &mut AnyConnection,
    inviter: &Inviter,
    status: Option<InvitationStatus>,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<InvitationView>, DbError> {
    Ok(
        invitations::list(conn, inviter.tenant_scope(), status, now, limit)?
            .iter()
            .map(|i| InvitationView::of(i, now))
            .collect(),
    )
}

/// One invitation, if it exists and the inviter may see it.
pub fn get(
    conn: &mut AnyConnection,
    inviter: &Inviter,
    id: &InvitationId,
    now: NaiveDateTime,
) -> Result<Option<InvitationView>, DbError> {
    let row = invitations::find_by_id(conn, id)?;
    Ok(row
        .filter(|i| {
            inviter
                .tenant_scope()
                .is_none_or(|t| i.tenant_id.as_ref() == Some(t))
        })
        .map(|i| InvitationView::of(&i, now)))
}

/// The invitations still waiting to be redeemed, newest first: the console's list.
pub async fn pending(
    svc: &crate::services::Services,
    limit: i64,
) -> Result<Vec<InvitationView>, DbError> {
    let now = svc.now();
    svc.db
        .run(move |c| {
            list(
                c,
                &Inviter::Operator,
                Some(InvitationStatus::Pending),
                now,
                limit,
            )
        })
        .await
}
