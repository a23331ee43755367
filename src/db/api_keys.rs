//! API keys (stored as a SHA-256 and a short display prefix, never in clear) and the
//! `Idempotency-Key` replay store of the JSON API.

use super::schema::{api_keys, idempotency_keys};
use super::{AnyConnection, DbError, NullableId};
use crate::dispatch;
use crate::domain::{ApiKeyId, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// One stored key. `key_hash` is the SHA-256 of the whole key.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub id: ApiKeyId,
    #[serde(skip)]
    pub key_hash: String,
    /// The first characters of the key, to recognise it in lists ("lk_AbCd…").
    pub prefix: String,
    pub name: String,
    /// `None`: a platform key (may invite anywhere).
    #[diesel(deserialize_as = NullableId, serialize_as = NullableId)]
    pub tenant_id: Option<TenantId>,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut AnyConnection, row: &ApiKey) -> Result<(), DbError> {
    dispatch!(conn, c => diesel::insert_into(api_keys::table).values(row.clone()).execute(c))?;
    Ok(())
}

/// The unrevoked key whose hash is `hash`.
pub fn find_live_by_hash(conn: &mut AnyConnection, hash: &str) -> Result<Option<ApiKey>, DbError> {
    first_row!(
        conn,
        api_keys::table
            .filter(api_keys::key_hash.eq(hash))
            .filter(api_keys::revoked_at.is_null()),
        ApiKey
    )
}

pub fn find_by_id(conn: &mut AnyConnection, id: &ApiKeyId) -> Result<Option<ApiKey>, DbError> {
    first_row!(conn, api_keys::table.find(id.as_str()), ApiKey)
}

/// Every key, newest first (revoked ones included, for the console's list).
pub fn list(conn: &mut AnyConnection) -> Result<Vec<ApiKey>, DbError> {
    all_rows!(
        conn,
        api_keys::table.order(api_keys::created_at.desc()),
        ApiKey
    )
}

/// Revokes a key; false when it does not exist or was already revoked.
pub fn revoke(
    conn: &mut AnyConnection,
    id: &ApiKeyId,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let rows = update_rows!(
        conn,
        api_keys::table
            .find(id.as_str())
            .filter(api_keys::revoked_at.is_null()),
        api_keys::revoked_at.eq(Some(now))
    )?;
    Ok(rows == 1)
}

/// Records that a key was used (for "last used" in the console).
pub fn touch(conn: &mut AnyConnection, id: &ApiKeyId, now: NaiveDateTime) -> Result<(), DbError> {
    update_rows!(
        conn,
        api_keys::table.find(id.as_str()),
        api_keys::last_used_at.eq(Some(now))
    )?;
    Ok(())
}

/// A stored API response, replayed for a retry with the same `Idempotency-Key`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotentResponse {
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub api_key_id: ApiKeyId,
    pub idempotency_key: String,
    /// SHA-256 of the request (method, path and body), to refuse a key reused for another request.
    pub request_hash: String,
    pub status: i32,
    pub body: String,
    pub created_at: NaiveDateTime,
}

pub fn find_idempotent(
    conn: &mut AnyConnection,
    api_key_id: &ApiKeyId,
    key: &str,
) -> Result<Option<IdempotentResponse>, DbError> {
    first_row!(
        conn,
        idempotency_keys::table.find((api_key_id.as_str(), key)),
        IdempotentResponse
    )
}

/// Stores a response; a concurrent request that stored first makes this a [`DbError::Conflict`].
pub fn insert_idempotent(
    conn: &mut AnyConnection,
    row: &IdempotentResponse,
) -> Result<(), DbError> {
    dispatch!(conn, c => diesel::insert_into(idempotency_keys::table).values(row.clone()).execute(c))?;
    Ok(())
}
