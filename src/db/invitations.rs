//! Invitations (docs/onboarding.md): one row per invited address. Only the hashes of the redemption
//! tokens are stored (docs/security.md#2): `token_hash` for the link mailed to the address itself,
//! `cc_token_hash` for the copy mailed to the `CcEmail`. Redeeming is one guarded UPDATE, so of
//! any number of concurrent redemptions exactly one wins.

use super::schema::invitations;
use super::{AnyConnection, DbError, NullableId};
use crate::dispatch;
use crate::domain::{ApiKeyId, EmailAddress, InvitationId, TenantId, UserId};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// One stored invitation.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub id: InvitationId,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub email: EmailAddress,
    pub display_name: Option<String>,
    #[diesel(deserialize_as = NullableId, serialize_as = NullableId)]
    pub cc_email: Option<EmailAddress>,
    #[diesel(deserialize_as = NullableId, serialize_as = NullableId)]
    pub tenant_id: Option<TenantId>,
    #[serde(skip)]
    pub token_hash: String,
    #[serde(skip)]
    pub cc_token_hash: Option<String>,
    pub invited_by: Option<String>,
    #[diesel(deserialize_as = NullableId, serialize_as = NullableId)]
    pub api_key_id: Option<ApiKeyId>,
    #[serde(skip)]
    pub idempotency_key: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub redeemed_at: Option<NaiveDateTime>,
    pub redeemed_via: Option<String>,
    #[diesel(deserialize_as = NullableId, serialize_as = NullableId)]
    pub user_id: Option<UserId>,
}

/// Where an invitation stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    /// Not redeemed, not expired.
    Pending,
    /// An account was created from it.
    Redeemed,
    /// Not redeemed in time.
    Expired,
}

impl InvitationStatus {
    /// The stable spelling used by the API (`?status=`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Redeemed => "redeemed",
            Self::Expired => "expired",
        }
    }

    /// Parses the API's `?status=` value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "redeemed" => Some(Self::Redeemed),
            "expired" => Some(Self::Expired),
            _ => None,
        }
    }
}

impl Invitation {
    /// The status at `now`.
    pub fn status(&self, now: NaiveDateTime) -> InvitationStatus {
        if self.redeemed_at.is_some() {
            InvitationStatus::Redeemed
        } else if self.expires_at <= now {
            InvitationStatus::Expired
        } else {
            InvitationStatus::Pending
        }
    }
}

/// Which copy of an invitation a token belongs to (`primary` or `cc` when stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Copy {
    /// The link mailed to the invited address: redeeming it proves that address.
    Primary,
    /// The link mailed to the `CcEmail`: it proves nothing about the invited address.
    Cc,
}

impl Copy {
    /// Stored in `redeemed_via`.
    pub fn as_str(self) -> &'static str {
        match self {
            Copy::Primary => "primary",
            Copy::Cc => "cc",
        }
    }
}

pub fn insert(conn: &mut AnyConnection, row: &Invitation) -> Result<(), DbError> {
    dispatch!(conn, c => diesel::insert_into(invitations::table).values(row.clone()).execute(c))?;
    Ok(())
}

pub fn find_by_id(
    conn: &mut AnyConnection,
    id: &InvitationId,
) -> Result<Option<Invitation>, DbError> {
    first_row!(conn, invitations::table.find(id.as_str()), Invitation)
}

/// The newest invitation of `email` that is neither redeemed nor expired at `now`.
pub fn find_pending_by_email(
    conn: &mut AnyConnection,
    email: &EmailAddress,
    now: NaiveDateTime,
) -> Result<Option<Invitation>, DbError> {
    first_row!(
        conn,
        invitations::table
            .filter(invitations::email.eq(email.as_str()))
            .filter(invitations::redeemed_at.is_null())
            .filter(invitations::expires_at.gt(now))
            .order(invitations::created_at.desc()),
        Invitation
    )
}

/// The invitation a presented token hash belongs to (either copy), with which copy it is.
pub fn find_by_token_hash(
    conn: &mut AnyConnection,
    hash: &str,
) -> Result<Option<(Invitation, Copy)>, DbError> {
    let row: Option<Invitation> = first_row!(
        conn,
        invitations::table.filter(
            invitations::token_hash
                .eq(hash)
                .or(invitations::cc_token_hash.eq(hash))
        ),
        Invitation
    )?;
    Ok(row.map(|r| {
        let copy = if r.token_hash == hash {
            Copy::Primary
        } else {
            Copy::Cc
        };
        (r, copy)
    }))
}

/// The invitation an API key created under an `Idempotency-Key`, if any.
pub fn find_by_idempotency_key(
    conn: &mut AnyConnection,
    api_key_id: &ApiKeyId,
    key: &str,
) -> Result<Option<Invitation>, DbError> {
    first_row!(
        conn,
        invitations::table
            .filter(invitations::api_key_id.eq(api_key_id.as_str()))
            .filter(invitations::idempotency_key.eq(key)),
        Invitation
    )
}

/// Replaces one token hash of an unredeemed invitation (the sending job issues a fresh token on
/// every attempt, so an undelivered one is superseded). Only the column of that copy is written:
/// the primary and CcEmail jobs run concurrently and must not overwrite each other's hash.
/// Returns false if the invitation was redeemed.
pub fn set_token_hash(
    conn: &mut AnyConnection,
    id: &InvitationId,
    cc_copy: bool,
    hash: &str,
) -> Result<bool, DbError> {
    let target = invitations::table
        .find(id.as_str())
        .filter(invitations::redeemed_at.is_null());
    let rows = if cc_copy {
        update_rows!(conn, target, invitations::cc_token_hash.eq(Some(hash)))?
    } else {
        update_rows!(conn, target, invitations::token_hash.eq(hash))?
    };
    Ok(rows == 1)
}

/// Marks a live invitation redeemed by `user_id` through `copy`: true for exactly one caller.
pub fn redeem(
    conn: &mut AnyConnection,
    id: &InvitationId,
    copy: Copy,
    user_id: &UserId,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let rows = update_rows!(
        conn,
        invitations::table
            .find(id.as_str())
            .filter(invitations::redeemed_at.is_null())
            .filter(invitations::expires_at.gt(now)),
        (
            invitations::redeemed_at.eq(Some(now)),
            invitations::redeemed_via.eq(Some(copy.as_str())),
            invitations::user_id.eq(Some(user_id.as_str())),
        )
    )?;
    Ok(rows == 1)
}

/// Whether the account `user_id` was created by redeeming the copy of an invitation mailed to
/// its `CcEmail` (the password was chosen by the copy's holder, not the address's owner).
pub fn created_via_cc(conn: &mut AnyConnection, user_id: &UserId) -> Result<bool, DbError> {
    let n: i64 = dispatch!(conn, c => invitations::table
        .filter(invitations::user_id.eq(user_id.as_str()))
        .filter(invitations::redeemed_via.eq(Copy::Cc.as_str()))
        .count()
        .get_result(c))?;
    Ok(n > 0)
}

/// Invitations, newest first, optionally of one tenant and in one status, at most `limit`.
pub fn list(
    conn: &mut AnyConnection,
    tenant_id: Option<&TenantId>,
    status: Option<InvitationStatus>,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Invitation>, DbError> {
    dispatch!(conn, c => {
        let mut q = invitations::table
            .order((invitations::created_at.desc(), invitations::id))
            .limit(limit)
            .select(Invitation::as_select())
            .into_boxed();
        if let Some(t) = tenant_id {
            q = q.filter(invitations::tenant_id.eq(t.as_str()));
        }
        q = match status {
            Some(InvitationStatus::Pending) => q
                .filter(invitations::redeemed_at.is_null())
                .filter(invitations::expires_at.gt(now)),
            Some(InvitationStatus::Redeemed) => q.filter(invitations::redeemed_at.is_not_null()),
            Some(InvitationStatus::Expired) => q
                .filter(invitations::redeemed_at.is_null())
                .filter(invitations::expires_at.le(now)),
            None => q,
        };
        q.load(c)
    })
    .map_err(DbError::from)
}
