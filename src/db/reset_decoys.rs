//! Decoys: the row a reset flow holds when its request issued no token (the address has no
//! account, or the policy denied it). The code step reads and updates a flow's decoy with the
//! same statements, in the same place, as it reads and updates a flow's token
//! ([`super::reset_flows`]), so a wrong code costs the same row work for an address with an
//! account as for one without (docs/security.md#12): one row found, one row updated, in either
//! case.
//!
//! A decoy is never redeemable: it belongs to no user, no step compares a link against it, and
//! a code that matched one would be refused all the same (its hash is of a random code nobody
//! was ever sent). It lives in its own table so that nothing that counts, lists or reports
//! tokens (console, insights, metrics, exports) can mistake it for one; the retention sweep
//! purges it with the expired tokens.

use super::schema::reset_decoys;
use super::{AnyConnection, DbError};
use crate::dispatch;
use crate::domain::DecoyId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// What the code step reads of a flow's decoy: as many columns, of the same kinds, as it reads
/// of a token ([`super::reset_tokens::FlowToken`]).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reset_decoys)]
pub struct FlowDecoy {
    #[diesel(deserialize_as = String)]
    pub id: DecoyId,
    pub flow_id_hash: String,
    pub token_hash: String,
    pub code_hash: String,
}

/// A new decoy for the flow `flow_id_hash`: hashes of a token and a code that were never sent.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = reset_decoys)]
pub struct NewDecoy {
    pub flow_id_hash: String,
    /// A random id, as a token has one.
    #[diesel(serialize_as = String)]
    pub id: DecoyId,
    pub token_hash: String,
    pub code_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Stores the decoy of a flow; a flow that already has one keeps it (a retried request job
/// plants it again), so a flow never holds more than one.
pub fn plant(conn: &mut AnyConnection, new: &NewDecoy) -> Result<(), DbError> {
    dispatch!(conn, c => diesel::insert_into(reset_decoys::table)
        .values(new.clone())
        .on_conflict(reset_decoys::flow_id_hash)
        .do_nothing()
        .execute(c))?;
    Ok(())
}

/// [`plant`] for several flows: on PostgreSQL in one statement, in the order of their flow (so
/// two batches that share flows take their keys in the same order); SQLite has no multi-row
/// `INSERT … ON CONFLICT` in diesel, and its group commit shares the transaction anyway.
pub fn plant_many(conn: &mut AnyConnection, new: &[&NewDecoy]) -> Result<(), DbError> {
    match conn {
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(c) if !new.is_empty() => {
            let mut rows: Vec<NewDecoy> = new.iter().map(|&d| d.clone()).collect();
            rows.sort_by(|a, b| a.flow_id_hash.cmp(&b.flow_id_hash));
            diesel::insert_into(reset_decoys::table)
                .values(rows)
                .on_conflict(reset_decoys::flow_id_hash)
                .do_nothing()
                .execute(c)?;
            Ok(())
        }
        _ => new.iter().try_for_each(|d| plant(conn, d)),
    }
}
