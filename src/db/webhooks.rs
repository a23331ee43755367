//! Webhook deliveries and the cursor that tracks how far the audit trail has been read.

use super::schema::{audit_events, webhook_cursor, webhook_deliveries as d};
use super::{AnyConnection, DbError, NullableId};
use crate::dispatch;
use crate::domain::{DeliveryId, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// The cursor row's name.
const CURSOR: &str = "audit";

/// A delivery, as stored. Serialised for the console without the URL (its query may hold a
/// token), the body and the links to the audit and the tenant.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = d)]
pub struct Delivery {
    /// Also the `webhook-id` the receiver sees (`msg_…`).
    #[diesel(deserialize_as = String)]
    pub id: DeliveryId,
    #[serde(skip)]
    pub webhook_url: String,
    #[serde(skip)]
    pub audit_event_id: Option<i64>,
    pub event: String,
    #[diesel(deserialize_as = NullableId)]
    #[serde(skip)]
    pub tenant_id: Option<TenantId>,
    #[serde(skip)]
    pub body: String,
    pub status: String,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
}

/// A delivery to append (status `pending`, no attempt yet).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = d)]
pub struct NewDelivery<'a> {
    pub id: &'a str,
    pub webhook_url: &'a str,
    pub audit_event_id: Option<i64>,
    pub event: &'a str,
    pub tenant_id: Option<&'a str>,
    pub body: &'a str,
    pub status: &'a str,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut AnyConnection, delivery: &NewDelivery<'_>) -> Result<(), DbError> {
    dispatch!(conn, c => diesel::insert_into(d::table).values(delivery).execute(c))?;
    Ok(())
}

pub fn find(conn: &mut AnyConnection, id: &DeliveryId) -> Result<Option<Delivery>, DbError> {
    first_row!(conn, d::table.find(id.as_str()), Delivery)
}

/// The newest `limit` deliveries to `url`, newest first.
pub fn recent(conn: &mut AnyConnection, url: &str, limit: i64) -> Result<Vec<Delivery>, DbError> {
    all_rows!(
        conn,
        d::table
            .filter(d::webhook_url.eq(url))
            .order((d::created_at.desc(), d::id.desc()))
            .limit(limit),
        Delivery
    )
}

/// Records one attempt: its HTTP status (if an answer came), its error, and the new status.
#[allow(clippy::too_many_arguments)]
pub fn record_attempt(
    conn: &mut AnyConnection,
    id: &DeliveryId,
    status: &str,
    http_status: Option<i32>,
    error: Option<&str>,
    now: NaiveDateTime,
    delivered: bool,
) -> Result<(), DbError> {
    update_rows!(
        conn,
        d::table.find(id.as_str()),
        (
            d::status.eq(status),
            d::attempts.eq(d::attempts + 1),
            d::last_status.eq(http_status),
            d::last_error.eq(error),
            d::last_attempt_at.eq(Some(now)),
            d::delivered_at.eq(delivered.then_some(now)),
        )
    )?;
    Ok(())
}

/// Marks a delivery failed without an attempt (its webhook is no longer configured).
pub fn give_up(conn: &mut AnyConnection, id: &DeliveryId, error: &str) -> Result<(), DbError> {
    update_rows!(
        conn,
        d::table.find(id.as_str()),
        (d::status.eq("failed"), d::last_error.eq(Some(error)))
    )?;
    Ok(())
}

/// The cursor, locked for this transaction (PostgreSQL: `FOR UPDATE`, so two instances never
/// read the same events; SQLite: the write transaction holds the database). Created at the
/// newest audit event when missing, so history is not sent. Call inside a write transaction.
pub fn lock_cursor(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<i64, DbError> {
    let existing: Option<i64> = match conn {
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(c) => webhook_cursor::table
            .find(CURSOR)
            .select(webhook_cursor::last_audit_id)
            .for_update()
            .first(c)
            .optional()?,
        AnyConnection::Sqlite(c) => webhook_cursor::table
            .find(CURSOR)
            .select(webhook_cursor::last_audit_id)
            .first(c)
            .optional()?,
    };
    if let Some(id) = existing {
        return Ok(id);
    }
    let newest: Option<i64> = dispatch!(conn, c => audit_events::table
        .select(diesel::dsl::max(audit_events::id))
        .first(c))?;
    let start = newest.unwrap_or(0);
    dispatch!(conn, c => diesel::insert_into(webhook_cursor::table)
        .values((
            webhook_cursor::name.eq(CURSOR),
            webhook_cursor::last_audit_id.eq(start),
            webhook_cursor::updated_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    // Another instance may have created it first: read what is stored.
    Ok(dispatch!(conn, c => webhook_cursor::table
        .find(CURSOR)
        .select(webhook_cursor::last_audit_id)
        .first(c))?)
}

pub fn set_cursor(conn: &mut AnyConnection, last: i64, now: NaiveDateTime) -> Result<(), DbError> {
    update_rows!(
        conn,
        webhook_cursor::table.find(CURSOR),
        (
            webhook_cursor::last_audit_id.eq(last),
            webhook_cursor::updated_at.eq(now),
        )
    )?;
    Ok(())
}

/// Whether the audit trail holds an event after the cursor (a read without locks, so an idle
/// pass does not take SQLite's write lock).
pub fn anything_new(conn: &mut AnyConnection) -> Result<bool, DbError> {
    let cursor: Option<i64> = first_value!(
        conn,
        webhook_cursor::table.find(CURSOR),
        webhook_cursor::last_audit_id
    )?;
    let Some(cursor) = cursor else {
        return Ok(true);
    };
    Ok(dispatch!(conn, c => diesel::select(diesel::dsl::exists(
        audit_events::table.filter(audit_events::id.gt(cursor))
    ))
    .get_result(c))?)
}

/// Up to `limit` audit events after `id`, oldest first.
pub fn audit_after(
    conn: &mut AnyConnection,
    id: i64,
    limit: i64,
) -> Result<Vec<super::models::AuditEvent>, DbError> {
    Ok(dispatch!(conn, c => audit_events::table
        .filter(audit_events::id.gt(id))
        .order(audit_events::id.asc())
        .limit(limit)
        .select(super::models::AuditEvent::as_select())
        .load(c))?)
}
