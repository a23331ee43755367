//! Persistent, cluster-wide counters (`rate_counters`): one row per key and window, updated
//! with one atomic UPSERT per hit on both backends, so instances sharing a database share the
//! limits and a restart forgets nothing. Expired rows are removed by [`sweep`].
//!
//! Keys are opaque text chosen by `ratelimit::persistent`; they never hold a raw email address
//! (only a keyed hash of it).

use super::schema::rate_counters;
use super::{AnyConnection, DbError};
use crate::dispatch;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::upsert::excluded;

/// One counter row, as read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = rate_counters)]
pub struct Counter {
    pub count: i64,
    pub expires_at: NaiveDateTime,
}

/// The row of `(key, window_start)`, expired or not.
macro_rules! window {
    ($key:expr, $window_start:expr) => {
        rate_counters::table
            .filter(rate_counters::key.eq($key))
            .filter(rate_counters::window_start.eq($window_start))
    };
}

/// Counts one hit on `(key, window_start)` and returns the new count, atomically: `INSERT …
/// ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + 1 RETURNING
/// count`. Concurrent hits (threads, processes, instances on one PostgreSQL) each see a
/// distinct count. `expires_at` is (re)set to the given value, so a counter that is hit keeps
/// living.
pub fn hit(
    conn: &mut AnyConnection,
    key: &str,
    window_start: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<i64, DbError> {
    let count = dispatch!(conn, c => diesel::insert_into(rate_counters::table)
        .values((
            rate_counters::key.eq(key),
            rate_counters::window_start.eq(window_start),
            rate_counters::count.eq(1i64),
            rate_counters::expires_at.eq(expires_at),
        ))
        .on_conflict((rate_counters::key, rate_counters::window_start))
        .do_update()
        .set((
            rate_counters::count.eq(rate_counters::count + 1i64),
            rate_counters::expires_at.eq(excluded(rate_counters::expires_at)),
        ))
        .returning(rate_counters::count)
        .get_result::<i64>(c))?;
    Ok(count)
}

/// The stored row of `(key, window_start)`, expired or not: what a compare-and-set reads.
pub fn get_stored(
    conn: &mut AnyConnection,
    key: &str,
    window_start: NaiveDateTime,
) -> Result<Option<Counter>, DbError> {
    first_row!(conn, window!(key, window_start), Counter)
}

/// Sets `(key, window_start)` to `count` and `expires_at` if, and only if, its stored count
/// is still `expected` (`None`: no row yet), in one statement: `UPDATE … WHERE count =
/// expected RETURNING count`, or `INSERT … ON CONFLICT DO NOTHING RETURNING count`. Of any
/// number of concurrent callers that read the same count, exactly one gets `true`; the others
/// read again and decide again. This is how an attempt budget is spent before the secret is
/// compared (docs/security.md#30).
pub fn compare_and_set(
    conn: &mut AnyConnection,
    key: &str,
    window_start: NaiveDateTime,
    expected: Option<i64>,
    count: i64,
    expires_at: NaiveDateTime,
) -> Result<bool, DbError> {
    let written = match expected {
        None => dispatch!(conn, c => diesel::insert_into(rate_counters::table)
            .values((
                rate_counters::key.eq(key),
                rate_counters::window_start.eq(window_start),
                rate_counters::count.eq(count),
                rate_counters::expires_at.eq(expires_at),
            ))
            .on_conflict_do_nothing()
            .returning(rate_counters::count)
            .get_result::<i64>(c)
            .optional())?,
        Some(expected) => dispatch!(conn, c => diesel::update(
            window!(key, window_start).filter(rate_counters::count.eq(expected)),
        )
        .set((
            rate_counters::count.eq(count),
            rate_counters::expires_at.eq(expires_at),
        ))
        .returning(rate_counters::count)
        .get_result::<i64>(c)
        .optional())?,
    };
    Ok(written.is_some())
}

/// Forgets every window of `key` (e.g. consecutive failures after a success).
pub fn clear(conn: &mut AnyConnection, key: &str) -> Result<usize, DbError> {
    Ok(dispatch!(conn, c => diesel::delete(
        rate_counters::table.filter(rate_counters::key.eq(key))
    )
    .execute(c))?)
}

/// Forgets `key` and every key that starts with `key` followed by `separator` (an account's
/// own count and the counts of each of its trusted devices).
pub fn clear_family(
    conn: &mut AnyConnection,
    key: &str,
    separator: &str,
) -> Result<usize, DbError> {
    let escaped: String = format!("{key}{separator}")
        .chars()
        .flat_map(|ch| match ch {
            '\\' | '%' | '_' => vec!['\\', ch],
            _ => vec![ch],
        })
        .collect();
    let pattern = format!("{escaped}%");
    Ok(dispatch!(conn, c => diesel::delete(
        rate_counters::table.filter(
            rate_counters::key
                .eq(key)
                .or(rate_counters::key.like(&pattern).escape('\\')),
        )
    )
    .execute(c))?)
}

/// Deletes every row that has expired at `now`; returns how many.
pub fn sweep(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<usize, DbError> {
    Ok(dispatch!(conn, c => diesel::delete(
        rate_counters::table.filter(rate_counters::expires_at.le(now))
    )
    .execute(c))?)
}

/// Live rows (tests and diagnostics).
pub fn len(conn: &mut AnyConnection) -> Result<i64, DbError> {
    Ok(dispatch!(conn, c => rate_counters::table.count().get_result::<i64>(c))?)
}
