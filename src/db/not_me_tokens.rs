//! "This wasn't me" tokens: mailed with a reset link or a password-changed notice, single use,
//! stored as the SHA-256 of the token only (docs/security.md#2), consumed by one guarded
//! update so that of any number of concurrent uses exactly one wins (docs/security.md#5).

use super::schema::not_me_tokens;
use super::{AnyConnection, DbError};
use crate::dispatch;
use crate::domain::{EmailAddress, NotMeTokenId, TenantId, UserId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = not_me_tokens)]
pub struct NotMeToken {
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub id: NotMeTokenId,
    pub token_hash: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub user_id: UserId,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub tenant_id: TenantId,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

impl NotMeToken {
    /// Whether it can still be used at `now`.
    pub fn is_live(&self, now: NaiveDateTime) -> bool {
        self.used_at.is_none() && self.expires_at > now
    }
}

/// Stores a new token (its hash) for `user`.
pub fn create(
    conn: &mut AnyConnection,
    token_hash: &str,
    user: &UserId,
    tenant: &TenantId,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<(), DbError> {
    let row = NotMeToken {
        id: NotMeTokenId::generate(),
        token_hash: token_hash.to_string(),
        user_id: user.clone(),
        tenant_id: tenant.clone(),
        created_at: now,
        expires_at,
        used_at: None,
    };
    dispatch!(conn, c => diesel::insert_into(not_me_tokens::table).values(row).execute(c))?;
    Ok(())
}

pub fn find_by_hash(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<NotMeToken>, DbError> {
    first_row!(
        conn,
        not_me_tokens::table.filter(not_me_tokens::token_hash.eq(token_hash)),
        NotMeToken
    )
}

/// Marks the token used if it is live: `true` for the one caller that won.
pub fn consume(
    conn: &mut AnyConnection,
    id: &NotMeTokenId,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    consume_live!(conn, not_me_tokens, id.as_str(), now)
}

/// Uses up every other live token of the user (one report ends the matter; later links in
/// older mails say "already used").
pub fn consume_all_for_user(
    conn: &mut AnyConnection,
    user: &UserId,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    update_rows!(
        conn,
        not_me_tokens::table
            .filter(not_me_tokens::user_id.eq(user.as_str()))
            .filter(not_me_tokens::used_at.is_null()),
        not_me_tokens::used_at.eq(Some(now))
    )
}

/// The addresses of the tenant's enabled admins (tenant admins of that tenant only).
pub fn tenant_admin_addresses(
    conn: &mut AnyConnection,
    tenant: &TenantId,
) -> Result<Vec<EmailAddress>, DbError> {
    use super::schema::admins;
    let stored = dispatch!(conn, c => admins::table
        .filter(admins::tenant_id.eq(tenant.as_str()))
        .filter(admins::disabled.eq(false))
        .select(admins::email)
        .order(admins::email.asc())
        .load::<String>(c))?;
    stored.into_iter().map(super::read_address).collect()
}
