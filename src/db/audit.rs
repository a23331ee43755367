//! The audit trail: append-only. There is deliberately no update or delete here.

use super::models::AuditEvent;
use super::schema::audit_events;
use super::{AnyConnection, DbError};
use crate::dispatch;
use crate::domain::audit::{Event, Outcome};
use crate::domain::{EmailAddress, TenantId, UserId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// One event to append. `actor` is `guest`, `system`, `operator` or `admin:<id>`.
///
/// The event name and outcome are private: they are set from an [`Event`] and an [`Outcome`]
/// only, so no event the enum does not name can be written.
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    pub occurred_at: NaiveDateTime,
    pub tenant_id: Option<TenantId>,
    pub user_id: Option<UserId>,
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

/// A [`NewAuditEvent`] as the columns store it: its ids as text, borrowed.
#[derive(Insertable)]
#[diesel(table_name = audit_events)]
struct Row<'a> {
    occurred_at: NaiveDateTime,
    tenant_id: Option<&'a str>,
    user_id: Option<&'a str>,
    actor: &'a str,
    ip: Option<&'a str>,
    event: &'static str,
    outcome: &'static str,
    reason: Option<&'a str>,
    email: Option<&'a str>,
    detail: Option<&'a str>,
    request_id: Option<&'a str>,
}

impl<'a> From<&'a NewAuditEvent> for Row<'a> {
    fn from(e: &'a NewAuditEvent) -> Self {
        Self {
            occurred_at: e.occurred_at,
            tenant_id: e.tenant_id.as_ref().map(TenantId::as_str),
            user_id: e.user_id.as_ref().map(UserId::as_str),
            actor: &e.actor,
            ip: e.ip.as_deref(),
            event: e.event,
            outcome: e.outcome,
            reason: e.reason.as_deref(),
            email: e.email.as_deref(),
            detail: e.detail.as_deref(),
            request_id: e.request_id.as_deref(),
        }
    }
}

pub fn insert(conn: &mut AnyConnection, event: &NewAuditEvent) -> Result<(), DbError> {
    let row = Row::from(event);
    dispatch!(conn, c => diesel::insert_into(audit_events::table).values(&row).execute(c))?;
    Ok(())
}

/// Appends `events` in one statement (the worker's batched writes, the benchmark's seeding).
pub fn insert_many<'a>(
    conn: &mut AnyConnection,
    events: impl IntoIterator<Item = &'a NewAuditEvent>,
) -> Result<(), DbError> {
    let rows: Vec<Row<'_>> = events.into_iter().map(Row::from).collect();
    dispatch!(conn, c => diesel::insert_into(audit_events::table).values(&rows).execute(c))?;
    Ok(())
}

/// The newest events, newest first (the console's filters build on this).
pub fn latest(conn: &mut AnyConnection, limit: i64) -> Result<Vec<AuditEvent>, DbError> {
    all_rows!(
        conn,
        audit_events::table
            .order(audit_events::id.desc())
            .limit(limit),
        AuditEvent
    )
}

/// Appends `event` and returns its id (the admin session remembers the id of its sign-in
/// event, see [`session_ended`]).
pub fn insert_returning_id(
    conn: &mut AnyConnection,
    event: &NewAuditEvent,
) -> Result<i64, DbError> {
    let row = Row::from(event);
    Ok(
        dispatch!(conn, c => diesel::insert_into(audit_events::table)
        .values(&row)
        .returning(audit_events::id)
        .get_result(c))?,
    )
}

/// One event by id.
pub fn find(conn: &mut AnyConnection, id: i64) -> Result<Option<AuditEvent>, DbError> {
    first_row!(conn, audit_events::table.find(id), AuditEvent)
}

/// Which events to list. Every field narrows the result; `None` means "any". The caller has
/// already applied the admin's tenant scope to `tenant_id`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this tenant's events.
    pub tenant_id: Option<TenantId>,
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
    pub user_id: UserId,
    /// Their address, when the guest still has one.
    pub email: Option<EmailAddress>,
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
    let Some(guest) = &filter.guest else {
        return page_where(conn, filter, None, before, limit);
    };
    let by_id = page_where(conn, filter, Some(Guest::Id(&guest.user_id)), before, limit)?;
    let Some(email) = &guest.email else {
        return Ok(by_id);
    };
    // A guest's events by id *or* address: two ordered index scans, merged. One query with the
    // OR lets SQLite's planner walk the tenant's `(tenant_id, id)` index instead (131 ms for a
    // guest page at 1 M rows), or sort every event the guest ever had; each scan here stops
    // after `limit` rows however long the guest's history is.
    let mut rows = by_id;
    rows.extend(page_where(
        conn,
        filter,
        Some(Guest::Email(email)),
        before,
        limit,
    )?);
    rows.sort_unstable_by_key(|e| std::cmp::Reverse(e.id));
    rows.dedup_by_key(|e| e.id);
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(rows)
}

/// One guest term of a [`GuestKey`].
enum Guest<'a> {
    Id(&'a UserId),
    Email(&'a EmailAddress),
}

/// [`page`] with the guest filter replaced by one of its terms.
fn page_where(
    conn: &mut AnyConnection,
    filter: &AuditFilter,
    guest: Option<Guest<'_>>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEvent>, DbError> {
    Ok(dispatch!(conn, c => {
        let mut q = audit_events::table.into_boxed();
        if let Some(t) = &filter.tenant_id {
            q = q.filter(audit_events::tenant_id.eq(t.as_str()));
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
        match guest {
            Some(Guest::Id(id)) => q = q.filter(audit_events::user_id.eq(id.as_str())),
            Some(Guest::Email(e)) => q = q.filter(audit_events::email.eq(e.as_str())),
            None => {}
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
