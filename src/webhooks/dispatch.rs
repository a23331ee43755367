//! From the audit trail to deliveries: the audit table is the outbox. Every event written, by
//! any code path and any instance (the CLI included), is read once, in id order, after a cursor
//! kept in the database; each webhook that subscribes to it gets a delivery row and a job, in
//! the same transaction that moves the cursor. So an event is queued once per webhook even
//! across a crash (the transaction either happened or not) and across instances (the cursor is
//! locked while it is read).
//!
//! PostgreSQL hands out ids before commit, so a transaction still open when a later one commits
//! leaves a hole that fills in later. The reader stops at a hole and waits for it; a hole that
//! stays for [`HOLE_GRACE`] is a rolled-back transaction and is passed over.

use super::deliver;
use crate::db::models::AuditEvent;
use crate::db::{tenants, webhooks as store, DbError, WriteTransaction};
use crate::jobs::StopSignal;
use crate::services::Services;
use std::time::{Duration, Instant};

/// Events read per pass.
const BATCH: i64 = 500;

/// How long a hole in the ids is waited for before it is taken for a rollback.
pub const HOLE_GRACE: Duration = Duration::from_secs(10);

/// A hole being waited for: the first missing id, and since when.
type Hole = Option<(i64, Instant)>;

/// Runs until `stop` turns `true`: a pass every `jobs.poll_interval_ms`.
pub async fn run(svc: Services, mut stop: StopSignal) {
    let poll = Duration::from_millis(svc.settings.jobs.poll_interval_ms);
    let mut hole: Hole = None;
    let mut last_logged: Option<Instant> = None;
    loop {
        if *stop.borrow() {
            break;
        }
        let wait = match pass(&svc, hole).await {
            Ok(outcome) => {
                hole = outcome.hole;
                if outcome.queued > 0 {
                    svc.jobs_wakeup.notify_one();
                }
                if outcome.read as i64 >= BATCH {
                    continue;
                }
                poll
            }
            Err(e) => {
                if last_logged.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                    last_logged = Some(Instant::now());
                    tracing::warn!(error = %format!("{e:#}"), "webhooks: cannot read the audit trail; retrying");
                }
                poll.max(Duration::from_secs(1))
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
    }
}

/// What one pass did.
#[derive(Debug)]
pub struct Pass {
    /// Events read past (the cursor moved over them).
    pub read: usize,
    /// Deliveries queued.
    pub queued: usize,
    pub hole: Hole,
}

/// Creates the cursor (at the newest audit event) if it is missing, so events written from
/// now on are delivered and older ones are not. Called at start when webhooks are configured.
pub async fn prepare(svc: &Services) -> Result<(), DbError> {
    let now = svc.now();
    svc.db
        .run(move |c| c.write_transaction(|c| store::lock_cursor(c, now).map(|_| ())))
        .await
}

/// Reads the events after the cursor and queues their deliveries.
pub async fn pass(svc: &Services, hole: Hole) -> Result<Pass, DbError> {
    let hooks = svc.settings.webhooks.clone();
    let now = svc.now();
    let oldest = now - chrono::Duration::hours(deliver::GIVE_UP_AFTER_HOURS);
    if !svc.db.run(store::anything_new).await? {
        return Ok(Pass {
            read: 0,
            queued: 0,
            hole,
        });
    }
    svc.db
        .run(move |c| {
            c.write_transaction(|c| {
                let cursor = store::lock_cursor(c, now)?;
                let events = store::audit_after(c, cursor, BATCH)?;
                let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
                let (read, hole) = readable(cursor, &ids, hole, Instant::now(), HOLE_GRACE);
                if read == 0 {
                    return Ok(Pass {
                        read,
                        queued: 0,
                        hole,
                    });
                }
                // The tenant filters' tenants, looked up once per pass (a tenant may be created
                // after the start).
                let mut filters = Vec::with_capacity(hooks.len());
                for h in hooks.iter() {
                    filters.push(match &h.tenant {
                        Some(domain) => tenants::find_by_domain(c, domain)?.map(|t| t.id),
                        None => None,
                    });
                }
                let mut queued = 0;
                // An event older than the retry window (webhooks were off for a while) is
                // passed over: a receiver could not have had it in time anyway.
                for event in events[..read].iter().filter(|e| e.occurred_at >= oldest) {
                    for (hook, filter) in hooks.iter().zip(&filters) {
                        if hook.wants(&event.event, event.tenant_id.as_ref(), filter.as_ref()) {
                            let body = body_of(event);
                            deliver::enqueue(
                                c,
                                hook,
                                &event.event,
                                event.tenant_id.as_ref(),
                                Some(event.id),
                                &body,
                                now,
                            )?;
                            queued += 1;
                        }
                    }
                }
                store::set_cursor(c, ids[read - 1], now)?;
                Ok(Pass { read, queued, hole })
            })
        })
        .await
}

/// The JSON body for an audit event: its name, time and who/what, never its `detail` (free
/// text written for operators). The audit holds no secret, password or token to begin with.
pub fn body_of(e: &AuditEvent) -> String {
    serde_json::json!({
        "type": e.event,
        "timestamp": e.occurred_at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "data": {
            "audit_event_id": e.id,
            "outcome": e.outcome,
            "actor": e.actor,
            "tenant_id": e.tenant_id,
            "user_id": e.user_id,
            "email": e.email,
            "ip": e.ip,
            "reason": e.reason,
        }
    })
    .to_string()
}

/// How many of `ids` (ascending, all after `cursor`) can be read now, and the hole to wait for.
/// Reading stops before a missing id unless that same hole has been waited for `grace` already.
fn readable(cursor: i64, ids: &[i64], hole: Hole, now: Instant, grace: Duration) -> (usize, Hole) {
    let mut expected = cursor + 1;
    for (n, &id) in ids.iter().enumerate() {
        if id != expected {
            match hole {
                Some((missing, since)) if missing == expected => {
                    if now.duration_since(since) < grace {
                        return (n, hole);
                    }
                }
                _ => return (n, Some((expected, now))),
            }
        }
        expected = id + 1;
    }
    (ids.len(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_ids_are_read_at_once() {
        let now = Instant::now();
        assert_eq!(readable(4, &[5, 6, 7], None, now, HOLE_GRACE), (3, None));
        assert_eq!(readable(4, &[], None, now, HOLE_GRACE), (0, None));
    }

    #[test]
    fn a_hole_is_waited_for_then_passed_over() {
        let t0 = Instant::now();
        // 6 is missing: read 5, wait for 6.
        let (n, hole) = readable(4, &[5, 7, 8], None, t0, HOLE_GRACE);
        assert_eq!((n, hole), (1, Some((6, t0))));
        // Still missing, not long enough: nothing more.
        let (n, hole2) = readable(5, &[7, 8], hole, t0 + Duration::from_secs(1), HOLE_GRACE);
        assert_eq!((n, hole2), (0, hole));
        // It filled in: everything.
        assert_eq!(readable(5, &[6, 7, 8], hole, t0, HOLE_GRACE), (3, None));
        // Never filled in: passed over after the grace.
        let late = t0 + HOLE_GRACE;
        assert_eq!(readable(5, &[7, 8], hole, late, HOLE_GRACE), (2, None));
        // A second hole after the first is waited for anew.
        let (n, hole3) = readable(5, &[7, 9], hole, late, HOLE_GRACE);
        assert_eq!((n, hole3), (1, Some((8, late))));
    }
}
