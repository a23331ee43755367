//! The audit trail: append-only. There is deliberately no update or delete here.

use super::models::AuditEvent;
use super::schema::audit_events;
use super::{AnyConnection, DbError};
use crate::dispatch;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// One event to append. `actor` is `guest`, `system`, `operator` or `admin:<id>`.
#[derive(Debug, Clone, Default, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditEvent {
    pub occurred_at: NaiveDateTime,
    pub tenant_id: Option<String>,
    pub user_id: Option<String>,
    pub actor: String,
    pub ip: Option<String>,
    pub event: String,
    pub outcome: String,
    pub reason: Option<String>,
    pub email: Option<String>,
    pub detail: Option<String>,
    pub request_id: Option<String>,
}

impl NewAuditEvent {
    /// An event with the required fields; set the optional ones on the returned value.
    pub fn new(occurred_at: NaiveDateTime, actor: &str, event: &str, outcome: &str) -> Self {
        Self {
            occurred_at,
            actor: actor.to_string(),
            event: event.to_string(),
            outcome: outcome.to_string(),
            ..Self::default()
        }
    }
}

pub fn insert(conn: &mut AnyConnection, event: &NewAuditEvent) -> Result<(), DbError> {
    dispatch!(conn, c => diesel::insert_into(audit_events::table).values(event).execute(c))?;
    Ok(())
}

/// The newest events, newest first (the console's filters build on this).
pub fn latest(conn: &mut AnyConnection, limit: i64) -> Result<Vec<AuditEvent>, DbError> {
    Ok(dispatch!(conn, c => audit_events::table
        .order(audit_events::id.desc())
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(c))?)
}
