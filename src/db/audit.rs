//! The audit trail: append-only. There is deliberately no update or delete here.

use super::models::AuditEvent;
use super::schema::audit_events;
use super::{AnyConnection, DbError};
use crate::dispatch;
use crate::domain::audit::{Event, Outcome};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// One event to append. `actor` is `guest`, `system`, `operator` or `admin:<id>`.
///
/// The event name and outcome are private: they are set from an [`Event`] and an [`Outcome`]
/// only, so no event the enum does not name can be written.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditEvent {
    pub occurred_at: NaiveDateTime,
    pub tenant_id: Option<String>,
    pub user_id: Option<String>,
    pub actor: String,
    pub ip: Option<String>,
    event: &'static str,
    outcome: &'static str,
    pub reason: Option<String>,
    pub email: Option<String>,
    pub detail: Option<String>,
    pub request_id: Option<String>,
}

impl NewAuditEvent {
    /// An event with the required fields; set the optional ones on the returned value.
    pub fn new(occurred_at: NaiveDateTime, actor: &str, event: Event, outcome: Outcome) -> Self {
        Self {
            occurred_at,
            tenant_id: None,
            user_id: None,
            actor: actor.to_string(),
            ip: None,
            event: event.name(),
            outcome: outcome.name(),
            reason: None,
            email: None,
            detail: None,
            request_id: None,
        }
    }

    /// Names the event anew (a send that turned into a bounce).
    pub fn set_event(&mut self, event: Event, outcome: Outcome) {
        self.event = event.name();
        self.outcome = outcome.name();
    }

    /// Records another outcome (a request the policy denied).
    pub fn set_outcome(&mut self, outcome: Outcome) {
        self.outcome = outcome.name();
    }

    /// The event's name, as it will be stored.
    pub fn event(&self) -> &'static str {
        self.event
    }

    /// The outcome's name, as it will be stored.
    pub fn outcome(&self) -> &'static str {
        self.outcome
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

/// Appends `event` and returns its id (the admin session remembers the id of its sign-in
/// event, see [`session_ended`]).
pub fn insert_returning_id(
    conn: &mut AnyConnection,
    event: &NewAuditEvent,
) -> Result<i64, DbError> {
    Ok(
        dispatch!(conn, c => diesel::insert_into(audit_events::table)
        .values(event)
        .returning(audit_events::id)
        .get_result(c))?,
    )
}

/// One event by id.
pub fn find(conn: &mut AnyConnection, id: i64) -> Result<Option<AuditEvent>, DbError> {
    Ok(dispatch!(conn, c => audit_events::table
        .find(id)
        .select(AuditEvent::as_select())
        .first(c)
        .optional())?)
}

/// Which events to list. Every field narrows the result; `None` means "any". The caller has
/// already applied the admin's tenant scope to `tenant_id`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this tenant's events.
    pub tenant_id: Option<String>,
    pub event: Option<Event>,
    pub outcome: Option<String>,
    /// The normalised address, matched exactly (served by the `(email, id)` index).
    pub email: Option<String>,
    pub ip: Option<String>,
    /// Inclusive lower bound, UTC.
    pub from: Option<NaiveDateTime>,
    /// Exclusive upper bound, UTC.
    pub until: Option<NaiveDateTime>,
    /// Leave these events out (the console hides its own page views unless asked).
    pub hide: Vec<Event>,
    /// Only one guest's events: those with their id, or with their address (events written
    /// before the guest existed, or that name only the address).
    pub guest: Option<GuestKey>,
}

/// One guest, as the audit names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestKey {
    pub user_id: String,
    /// The normalised address, when the guest still has one.
    pub email: Option<String>,
}

/// Up to `limit` events matching `filter` with `id < before` (all when `None`), newest first.
///
/// Keyset pagination: the next page starts below the last id shown, so events appended while
/// an admin pages through never shift a page (no duplicates, no gaps), and each page costs an
/// index range scan however deep it is.
pub fn page(
    conn: &mut AnyConnection,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEvent>, DbError> {
    Ok(dispatch!(conn, c => {
        let mut q = audit_events::table.into_boxed();
        if let Some(t) = &filter.tenant_id {
            q = q.filter(audit_events::tenant_id.eq(t));
        }
        if let Some(e) = filter.event {
            q = q.filter(audit_events::event.eq(e.name()));
        }
        if let Some(o) = &filter.outcome {
            q = q.filter(audit_events::outcome.eq(o));
        }
        if let Some(e) = &filter.email {
            q = q.filter(audit_events::email.eq(e));
        }
        if let Some(ip) = &filter.ip {
            q = q.filter(audit_events::ip.eq(ip));
        }
        if !filter.hide.is_empty() {
            let names: Vec<&str> = filter.hide.iter().map(|e| e.name()).collect();
            q = q.filter(audit_events::event.ne_all(names));
        }
        if let Some(g) = &filter.guest {
            q = match &g.email {
                Some(e) => q.filter(
                    audit_events::user_id
                        .eq(&g.user_id)
                        .or(audit_events::email.eq(e)),
                ),
                None => q.filter(audit_events::user_id.eq(&g.user_id)),
            };
        }
        if let Some(from) = filter.from {
            q = q.filter(audit_events::occurred_at.ge(from));
        }
        if let Some(until) = filter.until {
            q = q.filter(audit_events::occurred_at.lt(until));
        }
        if let Some(b) = before {
            q = q.filter(audit_events::id.lt(b));
        }
        q.order(audit_events::id.desc())
            .limit(limit)
            .select(AuditEvent::as_select())
            .load(c)
    })?)
}

/// Whether the admin session `session` (signed in by the event `since_id`) was signed out:
/// an [`Event::AdminSignedOut`] event by `actor` naming it exists after its sign-in. The
/// `(event, id)` index bounds the scan to sign-outs since that sign-in.
pub fn session_ended(
    conn: &mut AnyConnection,
    actor: &str,
    since_id: i64,
    session: &str,
) -> Result<bool, DbError> {
    let n: i64 = dispatch!(conn, c => audit_events::table
        .filter(audit_events::event.eq(Event::AdminSignedOut.name()))
        .filter(audit_events::id.gt(since_id))
        .filter(audit_events::actor.eq(actor))
        .filter(audit_events::request_id.eq(session))
        .count()
        .get_result(c))?;
    Ok(n > 0)
}

/// Every distinct event name stored (tests check each is one [`Event`] knows).
pub fn distinct_names(conn: &mut AnyConnection) -> Result<Vec<String>, DbError> {
    Ok(dispatch!(conn, c => audit_events::table
        .select(audit_events::event)
        .distinct()
        .load(c))?)
}
