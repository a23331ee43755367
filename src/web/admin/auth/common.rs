//! What set-up, sign-in and sign-out share: the clock in Unix seconds, and the way out.

use crate::web::admin::session_removal;
use crate::web::AppState;
use actix_web::HttpResponse;

pub(super) fn now_unix(state: &AppState) -> i64 {
    state.clock.now().timestamp()
}

pub(super) fn unix_u64(t: i64) -> u64 {
    u64::try_from(t).unwrap_or(0)
}

/// A 303 to `location` that removes the admin session cookie from this browser.
pub(super) fn without_session(state: &AppState, location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .cookie(session_removal(state))
        .insert_header(("location", location))
        .finish()
}
