//! Reset tokens: only hashes are stored (docs/security.md#2). A token is live while it is unused,
//! unrevoked and unexpired; it is consumed by one guarded UPDATE so that of any number of
//! concurrent redemptions exactly one wins (docs/security.md#5).

use super::schema::reset_tokens;
use super::{AnyConnection, DbError};
use crate::db::WriteTransaction as _;
use crate::dispatch;
use crate::domain::{TenantId, TokenId, UserId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = reset_tokens)]
pub struct ResetToken {
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub id: TokenId,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub user_id: UserId,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub tenant_id: TenantId,
    pub token_hash: String,
    pub code_hash: Option<String>,
    pub flow_id_hash: Option<String>,
    pub issued_by: Option<String>,
    pub totp_required: bool,
    pub totp_verified_at: Option<NaiveDateTime>,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_reason: Option<String>,
}

/// Why a token cannot be used (for the audit; the guest always sees the same page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    Live,
    Used,
    Revoked,
    Expired,
}

impl ResetToken {
    pub fn state(&self, now: NaiveDateTime) -> TokenState {
        if self.used_at.is_some() {
            TokenState::Used
        } else if self.revoked_at.is_some() {
            TokenState::Revoked
        } else if self.expires_at <= now {
            TokenState::Expired
        } else {
            TokenState::Live
        }
    }

    pub fn user_id(&self) -> UserId {
        self.user_id.clone()
    }

    pub fn token_id(&self) -> TokenId {
        self.id.clone()
    }
}

/// What `issue` needs.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub user_id: UserId,
    pub tenant_id: TenantId,
    pub token_hash: String,
    pub code_hash: Option<String>,
    pub flow_id_hash: Option<String>,
    pub issued_by: Option<String>,
    pub totp_required: bool,
    pub expires_at: NaiveDateTime,
}

/// The one way to issue a reset token (guest requests, helpdesk links, every other issuer):
/// stores it and revokes the user's older live ones (a newer request supersedes), under the
/// user's lock so there is never more than one live token per user (docs/security.md#6).
///
/// "Revoke the live ones, then insert" is not enough by itself: under PostgreSQL's READ
/// COMMITTED two concurrent issues for one user would each miss the other's uncommitted row
/// and leave two live tokens. `SELECT … FOR UPDATE` on the user row makes the second wait for
/// the first to commit; on SQLite the write transaction is `BEGIN IMMEDIATE`, which
/// serialises writers already.
pub fn issue(
    conn: &mut AnyConnection,
    new: &NewToken,
    now: NaiveDateTime,
) -> Result<ResetToken, DbError> {
    let row = ResetToken {
        id: TokenId::generate(),
        user_id: new.user_id.clone(),
        tenant_id: new.tenant_id.clone(),
        token_hash: new.token_hash.clone(),
        code_hash: new.code_hash.clone(),
        flow_id_hash: new.flow_id_hash.clone(),
        issued_by: new.issued_by.clone(),
        totp_required: new.totp_required,
        totp_verified_at: None,
        attempts: 0,
        created_at: now,
        expires_at: new.expires_at,
        used_at: None,
        revoked_at: None,
        revoked_reason: None,
    };
    conn.write_transaction::<_, DbError, _>(|conn| {
        #[cfg(feature = "postgres")]
        if let AnyConnection::Postgresql(pg) = conn {
            use super::schema::users;
            users::table
                .find(new.user_id.as_str())
                .select(users::id)
                .for_update()
                .first::<String>(pg)
                .optional()?;
        }
        dispatch!(conn, c => {
            diesel::update(
                reset_tokens::table
                    .filter(reset_tokens::user_id.eq(new.user_id.as_str()))
                    .filter(reset_tokens::used_at.is_null())
                    .filter(reset_tokens::revoked_at.is_null()),
            )
            .set((
                reset_tokens::revoked_at.eq(Some(now)),
                reset_tokens::revoked_reason.eq(Some("superseded")),
            ))
            .execute(c)?;
            diesel::insert_into(reset_tokens::table).values(row.clone()).execute(c)
        })?;
        Ok(())
    })?;
    Ok(row)
}

pub fn find_by_hash(conn: &mut AnyConnection, hash: &str) -> Result<Option<ResetToken>, DbError> {
    first_row!(
        conn,
        reset_tokens::table.filter(reset_tokens::token_hash.eq(hash)),
        ResetToken
    )
}

pub fn find_by_id(conn: &mut AnyConnection, id: &str) -> Result<Option<ResetToken>, DbError> {
    first_row!(conn, reset_tokens::table.find(id), ResetToken)
}

/// What the code step reads of a flow's live token ([`super::reset_flows::live`]): whose it is
/// and its code's hash. The whole token is loaded only once the code matched, so a wrong code
/// reads as much of a token as of a decoy (docs/security.md#12).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reset_tokens)]
pub struct FlowToken {
    #[diesel(deserialize_as = String)]
    pub id: TokenId,
    #[diesel(deserialize_as = String)]
    pub user_id: UserId,
    #[diesel(deserialize_as = String)]
    pub tenant_id: TenantId,
    pub code_hash: Option<String>,
}

/// Spends one try of the token's budget (TOTP tries) and returns the new count, in one
/// statement (`UPDATE … RETURNING`), so concurrent tries each see a distinct count and at most
/// the budget is ever compared (docs/security.md#25). A missing token counts as spent.
pub fn spend_attempt(conn: &mut AnyConnection, id: &TokenId) -> Result<i32, DbError> {
    Ok(
        dispatch!(conn, c => diesel::update(reset_tokens::table.find(id.as_str()))
        .set(reset_tokens::attempts.eq(reset_tokens::attempts + 1))
        .returning(reset_tokens::attempts)
        .get_result::<i32>(c)
        .optional())?
        .unwrap_or(i32::MAX),
    )
}

pub fn mark_totp_verified(
    conn: &mut AnyConnection,
    id: &TokenId,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    update_rows!(
        conn,
        reset_tokens::table.find(id.as_str()),
        reset_tokens::totp_verified_at.eq(Some(now))
    )?;
    Ok(())
}

pub fn revoke(
    conn: &mut AnyConnection,
    id: &TokenId,
    reason: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    update_rows!(
        conn,
        reset_tokens::table
            .find(id.as_str())
            .filter(reset_tokens::revoked_at.is_null()),
        (
            reset_tokens::revoked_at.eq(Some(now)),
            reset_tokens::revoked_reason.eq(Some(reason))
        )
    )?;
    Ok(())
}

/// Revokes every live token of a user (password or email changed, account disabled …).
pub fn revoke_all_for_user(
    conn: &mut AnyConnection,
    user: &UserId,
    reason: &str,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    revoke_all(conn, Owner::User(user), reason, now)
}

/// Revokes every live token of a tenant (taken over, plan dropped, SSPR switched off).
pub fn revoke_all_for_tenant(
    conn: &mut AnyConnection,
    tenant: &TenantId,
    reason: &str,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    revoke_all(conn, Owner::Tenant(tenant), reason, now)
}

/// Whose tokens [`revoke_all`] revokes.
enum Owner<'a> {
    User(&'a UserId),
    Tenant(&'a TenantId),
}

/// Revokes every unused, unrevoked token of `owner` with `reason`; how many.
fn revoke_all(
    conn: &mut AnyConnection,
    owner: Owner<'_>,
    reason: &str,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    Ok(dispatch!(conn, c => {
        let q = diesel::update(reset_tokens::table)
            .set((reset_tokens::revoked_at.eq(Some(now)), reset_tokens::revoked_reason.eq(Some(reason))))
            .into_boxed();
        let q = match owner {
            Owner::User(user) => q.filter(reset_tokens::user_id.eq(user.as_str())),
            Owner::Tenant(tenant) => q.filter(reset_tokens::tenant_id.eq(tenant.as_str())),
        };
        q.filter(reset_tokens::used_at.is_null())
            .filter(reset_tokens::revoked_at.is_null())
            .execute(c)
    })?)
}

/// Consumes a live token: true for exactly one caller (docs/security.md#5).
pub fn consume(
    conn: &mut AnyConnection,
    id: &TokenId,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    consume_live!(
        conn,
        reset_tokens,
        id.as_str(),
        now,
        reset_tokens::revoked_at.is_null()
    )
}
