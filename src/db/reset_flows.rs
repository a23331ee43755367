//! A reset flow's rows, read and spent together by the code step: the tokens its request issued
//! (`reset_tokens`) and the decoy it left instead (`reset_decoys`). Both tables are read, and
//! both updated, by the same statements whichever of the two the flow holds, so a wrong code
//! costs the same database work for an address with an account as for one without
//! (docs/security.md#12).

use super::reset_decoys::FlowDecoy;
use super::reset_tokens::FlowToken;
use super::schema::{reset_decoys, reset_tokens};
use super::{AnyConnection, DbError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// The rows of `$table` that the flow `$flow` holds live at `$now`, as `$row`: unrevoked,
/// unexpired, and whatever each `$live` adds (a token: unused).
macro_rules! live_rows {
    ($conn:expr, $table:ident, $row:ty, $flow:expr, $now:expr $(, $live:expr)* $(,)?) => {
        all_rows!(
            $conn,
            $table::table
                .filter($table::flow_id_hash.eq($flow))
                $(.filter($live))*
                .filter($table::revoked_at.is_null())
                .filter($table::expires_at.gt($now)),
            $row
        )
    };
}

/// A wrong code on the rows [`live_rows!`] reads: each spends a try, then those whose budget
/// of `$max` tries is spent (all of them when `$flow_ended`) are revoked (`too_many_codes`).
/// Two statements however many rows they change.
macro_rules! spend_tries {
    ($conn:expr, $table:ident, $flow:expr, $max:expr, $flow_ended:expr, $now:expr $(, $live:expr)* $(,)?) => {{
        let live = $table::flow_id_hash
            .eq($flow.to_string())
            $(.and($live))*
            .and($table::revoked_at.is_null())
            .and($table::expires_at.gt($now));
        update_rows!(
            $conn,
            $table::table.filter(live.clone()),
            $table::attempts.eq($table::attempts + 1),
        )?;
        let floor = if $flow_ended { i32::MIN } else { $max };
        update_rows!(
            $conn,
            $table::table
                .filter(live)
                .filter($table::attempts.ge(floor)),
            (
                $table::revoked_at.eq(Some($now)),
                $table::revoked_reason.eq(Some("too_many_codes")),
            ),
        )?;
    }};
}

/// The live rows of the flow `flow_id_hash`: its tokens (unused, unrevoked, unexpired) and its
/// decoy (unrevoked, unexpired). One row is found, in one table or the other.
pub fn live(
    conn: &mut AnyConnection,
    flow_id_hash: &str,
    now: NaiveDateTime,
) -> Result<(Vec<FlowToken>, Vec<FlowDecoy>), DbError> {
    let tokens = live_rows!(
        conn,
        reset_tokens,
        FlowToken,
        flow_id_hash,
        now,
        reset_tokens::used_at.is_null(),
    )?;
    let decoys = live_rows!(conn, reset_decoys, FlowDecoy, flow_id_hash, now)?;
    Ok((tokens, decoys))
}

/// A wrong code in the flow `flow_id_hash`: every live token of the flow and its live decoy
/// spend one try, and those whose budget of `max` tries is spent, or all of them when
/// `flow_ended`, are revoked (`too_many_codes`). The same four statements whether the flow
/// holds a token or a decoy, each changing the one row the flow holds.
pub fn spend_attempts(
    conn: &mut AnyConnection,
    flow_id_hash: &str,
    max: i32,
    flow_ended: bool,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    spend_tries!(
        conn,
        reset_tokens,
        flow_id_hash,
        max,
        flow_ended,
        now,
        reset_tokens::used_at.is_null(),
    );
    spend_tries!(conn, reset_decoys, flow_id_hash, max, flow_ended, now);
    Ok(())
}
