//! The TOTP seed columns of `users` and `admins`, for the at-rest sweeps (`crate::security::seeds`): the
//! start-up check and encryption of plain seeds, and `latchkey rotate-key`. The values are
//! opaque here: this module never decrypts or logs them.

use super::{AnyConnection, DbError};
use crate::dispatch;
use diesel::prelude::*;

/// A table holding TOTP seeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedTable {
    Users,
    Admins,
}

impl SeedTable {
    pub const ALL: [SeedTable; 2] = [SeedTable::Users, SeedTable::Admins];

    pub fn name(self) -> &'static str {
        match self {
            SeedTable::Users => "users",
            SeedTable::Admins => "admins",
        }
    }
}

/// Runs `$body` with `$t` naming the schema module of `$which` (both have `id` and
/// `totp_secret`).
macro_rules! with_table {
    ($which:expr, $t:ident => $body:expr) => {
        match $which {
            SeedTable::Users => {
                use crate::db::schema::users as $t;
                $body
            }
            SeedTable::Admins => {
                use crate::db::schema::admins as $t;
                $body
            }
        }
    };
}

/// Which stored values a page selects.
#[derive(Debug, Clone)]
pub enum Selection<'a> {
    /// Plain seeds only (no `v1.` envelope).
    Plain,
    /// Everything not matching this `LIKE` pattern (everything not under the current key).
    NotLike(&'a str),
    /// Envelopes (`sealed_pattern`) under none of the `known` patterns: unknown key ids.
    SealedNotLikeAny {
        sealed_pattern: &'a str,
        known: &'a [String],
    },
}

/// The boxed query `$q` over the table `$t` narrowed to the seeds of `$selection` (one
/// `$sealed_pattern` marks an envelope): what [`page`] lists and [`count`] counts.
macro_rules! of_selection {
    ($q:expr, $t:ident, $selection:expr, $sealed_pattern:expr) => {
        match $selection {
            Selection::Plain => $q.filter($t::totp_secret.not_like($sealed_pattern)),
            Selection::NotLike(p) => $q.filter($t::totp_secret.not_like(*p)),
            Selection::SealedNotLikeAny {
                sealed_pattern,
                known,
            } => {
                let mut q = $q.filter($t::totp_secret.like(*sealed_pattern));
                for k in known.iter() {
                    q = q.filter($t::totp_secret.not_like(k.as_str()));
                }
                q
            }
        }
    };
}

/// Up to `limit` `(id, stored)` rows with a seed, of `selection`, with id after `after_id`,
/// in id order (a cursor, so a row that cannot be processed is passed over, not looped on).
pub fn page(
    conn: &mut AnyConnection,
    table: SeedTable,
    selection: &Selection<'_>,
    sealed_pattern: &str,
    after_id: &str,
    limit: i64,
) -> Result<Vec<(String, String)>, DbError> {
    let rows: Vec<(String, Option<String>)> = with_table!(table, t => dispatch!(conn, c => {
        let q = t::table
            .select((t::id, t::totp_secret))
            .filter(t::totp_secret.is_not_null())
            .filter(t::id.gt(after_id))
            .into_boxed();
        of_selection!(q, t, selection, sealed_pattern)
            .order(t::id.asc())
            .limit(limit)
            .load(c)
    }))?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, s)| s.map(|s| (id, s)))
        .collect())
}

/// How many rows with a seed are of `selection`.
pub fn count(
    conn: &mut AnyConnection,
    table: SeedTable,
    selection: &Selection<'_>,
    sealed_pattern: &str,
) -> Result<i64, DbError> {
    Ok(with_table!(table, t => dispatch!(conn, c => {
        let q = t::table
            .filter(t::totp_secret.is_not_null())
            .count()
            .into_boxed();
        of_selection!(q, t, selection, sealed_pattern).get_result(c)
    }))?)
}

/// How many seeds match the `LIKE` pattern `pattern`.
pub fn count_like(
    conn: &mut AnyConnection,
    table: SeedTable,
    pattern: &str,
) -> Result<i64, DbError> {
    Ok(with_table!(table, t => dispatch!(conn, c => t::table
        .filter(t::totp_secret.like(pattern))
        .count()
        .get_result(c)))?)
}

/// Replaces one row's seed with `new`, only if it still holds `old` (a concurrent enrolment,
/// removal or rotation wins). Returns whether the row was updated.
pub fn replace(
    conn: &mut AnyConnection,
    table: SeedTable,
    id: &str,
    old: &str,
    new: &str,
) -> Result<bool, DbError> {
    let rows = with_table!(table, t => update_rows!(
        conn,
        t::table.filter(t::id.eq(id)).filter(t::totp_secret.eq(old)),
        t::totp_secret.eq(Some(new)),
    ))?;
    Ok(rows == 1)
}
