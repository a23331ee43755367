//! What set-up, sign-in and sign-out share: the clock in Unix seconds.

use crate::web::AppState;

pub(super) fn now_unix(state: &AppState) -> i64 {
    state.clock.now().timestamp()
}

pub(super) fn unix_u64(t: i64) -> u64 {
    u64::try_from(t).unwrap_or(0)
}
