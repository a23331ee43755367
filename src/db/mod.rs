//! Storage: one schema over SQLite (embedded default) and PostgreSQL (scale-out).
//!
//! `AnyConnection` is diesel's `MultiConnection` over both backends. Repository functions take
//! `&mut AnyConnection` and domain types; typed queries run on the concrete inner connection
//! through [`dispatch!`](crate::dispatch), so each is compiled for both backends and can use
//! the full diesel DSL (`ON CONFLICT`, `RETURNING`, `Bool`) that the derived `MultiBackend`
//! does not carry.

/// The first row `$query` selects, as `$row` (its `Selectable` columns), or `None`: the
/// repositories' "the row whose key is …" lookup, `SELECT … LIMIT 1` on either backend.
/// Macros rather than generic fns: the query types differ per table and backend, and the
/// bounds diesel needs to name them generically are longer than the queries. Defined before
/// the modules below, so they are in scope there without an import.
macro_rules! first_row {
    ($conn:expr, $query:expr, $row:ty $(,)?) => {
        $crate::dispatch!($conn, c => $query.select(<$row>::as_select()).first(c).optional())
            .map_err($crate::db::DbError::from)
    };
}

/// The first value of `$selection` (a column, or a tuple of columns) in the rows `$query`
/// finds, or `None`: a lookup of one column where the whole row is not needed.
macro_rules! first_value {
    ($conn:expr, $query:expr, $selection:expr $(,)?) => {
        $crate::dispatch!($conn, c => $query.select($selection).first(c).optional())
            .map_err($crate::db::DbError::from)
    };
}

/// Every row `$query` selects, as `$row` (its `Selectable` columns).
macro_rules! all_rows {
    ($conn:expr, $query:expr, $row:ty $(,)?) => {
        $crate::dispatch!($conn, c => $query.select(<$row>::as_select()).load(c))
            .map_err($crate::db::DbError::from)
    };
}

/// `UPDATE $target SET $changes` on either backend; how many rows it changed.
macro_rules! update_rows {
    ($conn:expr, $target:expr, $changes:expr $(,)?) => {
        $crate::dispatch!($conn, c => ::diesel::update($target).set($changes).execute(c))
            .map_err($crate::db::DbError::from)
    };
}

/// Marks the single-use token `$id` of table `$table` used at `$now` if it is live (unused,
/// unexpired, and whatever `$live` adds): one guarded `UPDATE`, so of any number of
/// concurrent uses exactly one changes the row (docs/security.md#5). Whether this call did.
macro_rules! consume_live {
    ($conn:expr, $table:ident, $id:expr, $now:expr $(, $live:expr)* $(,)?) => {
        update_rows!(
            $conn,
            $table::table
                .find($id)
                .filter($table::used_at.is_null())
                $(.filter($live))*
                .filter($table::expires_at.gt($now)),
            $table::used_at.eq(Some($now)),
        )
        .map(|rows| rows == 1)
    };
}

pub mod admin_queries;
pub mod admins;
pub mod api_keys;
pub mod audit;
pub mod banned_words;
mod batch_insert;
mod connection;
pub mod directory_links;
pub mod email_verifications;
mod error;
mod group_commit;
pub mod invitations;
pub mod languages;
pub mod mail_envelopes;
pub mod models;
pub mod not_me_tokens;
mod nullable_id;
mod pooled;
pub mod rate_counters;
pub mod reset_decoys;
pub mod reset_flows;
pub mod reset_tokens;
pub mod retention;
pub mod schema;
pub mod tenant_branding;
pub mod tenant_domains;
pub mod tenants;
pub mod totp_seeds;
mod transaction;
pub mod user_lifecycle;
pub mod users;
pub mod webhooks;

pub use batch_insert::{Batcher, InsertBatcher, InsertMany};
pub use connection::{
    AnyConnection, Backend, ConnectionManager, DatabaseUrl, Db, DbError, Pool, POSTGRES_SUPPORTED,
};
pub use nullable_id::NullableId;
#[doc(hidden)]
pub use pooled::AsAnyConnection;
pub use pooled::PooledConn;
pub use transaction::WriteTransaction;

/// An address read from one selected column (where no row type is read): as a row reads it
/// (`models`), text that does not parse is a deserialization error.
pub(crate) fn read_address(stored: String) -> Result<crate::domain::EmailAddress, DbError> {
    crate::domain::EmailAddress::try_from(stored)
        .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)).into())
}

/// Runs `$body` with `$c` bound to the concrete connection inside an [`AnyConnection`].
#[macro_export]
macro_rules! dispatch {
    ($conn:expr, $c:ident => $body:expr) => {
        match $crate::db::AsAnyConnection::as_any_connection(&mut *$conn) {
            $crate::db::AnyConnection::Sqlite($c) => $body,
            #[cfg(feature = "postgres")]
            $crate::db::AnyConnection::Postgresql($c) => $body,
        }
    };
}
