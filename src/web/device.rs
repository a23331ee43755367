//! The device cookie on the wire ([`crate::accounts::device`]): sealed (authenticated
//! encryption under the cookie key, so an entry cannot be forged), HttpOnly, SameSite=Strict,
//! kept for [`DEVICE_DAYS`]. Sign-out does not remove it: it says which browser signed in
//! before, not who is signed in now.

use super::cookies::{self, DEVICE};
use super::AppState;
use crate::accounts::device::{DeviceCookie, DEVICE_DAYS};
use crate::accounts::lockout::Account;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;

/// The entries of the request's device cookie still valid now (empty when absent or forged).
pub fn read(req: &HttpRequest, state: &AppState) -> DeviceCookie {
    let opened = cookies::open(req, state, DEVICE);
    DeviceCookie::parse(opened.as_deref(), state.clock.now().timestamp())
}

/// The cookie to set after a completed sign-in as `account`: this browser's entries with a
/// fresh one for the account.
pub fn after_sign_in(req: &HttpRequest, state: &AppState, account: Account<'_>) -> Cookie<'static> {
    let now = state.clock.now().timestamp();
    let value = read(req, state).remember(account, now).to_value();
    cookies::sealed(
        state,
        DEVICE,
        value,
        SameSite::Strict,
        Some(CookieDuration::days(DEVICE_DAYS)),
    )
}
