//! Cookies: names, attributes and sealing (signed + encrypted with a key derived from the
//! master secret). docs/security.md#32: HttpOnly and SameSite always; `Secure` and the `__Host-`
//! prefix whenever `public_base_url` is https.

use super::AppState;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use actix_web::HttpRequest;

/// The per-browser CSRF binding (not a secret by itself; tokens are MACs over it).
pub const CSRF: &str = "lk_csrf";
/// The flow id of the last `POST /reset` (binds the emailed code to this browser).
pub const RESET_FLOW: &str = "reset_flow";
/// The redeemed reset token, moved out of the URL (sealed).
pub const RESET_TOKEN: &str = "lk_reset";
/// Marks the browser that just completed a reset, so `/reset/done` confirms it (sealed).
pub const RESET_DONE: &str = "lk_reset_done";
/// A "this wasn't me" token moved out of the URL (sealed, short-lived).
pub const NOT_ME: &str = "lk_not_me";
/// A signed-in guest (sealed).
pub const GUEST_SESSION: &str = "lk_session";
/// A signed-in admin (sealed, SameSite=Strict).
pub const ADMIN_SESSION: &str = "lk_admin";
/// The browsers' device cookie: which accounts signed in here before (sealed, SameSite=Strict,
/// long-lived; see `web::device`).
pub const DEVICE: &str = "lk_device";

/// The cookie key, in a wrapper whose `Debug` says nothing.
#[derive(Clone)]
pub struct CookieKey(pub Key);

impl std::fmt::Debug for CookieKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CookieKey(***)")
    }
}

/// The on-the-wire name: `__Host-<name>` over https.
pub fn wire_name(state: &AppState, name: &str) -> String {
    if state.settings.is_https() {
        format!("__Host-{name}")
    } else {
        name.to_string()
    }
}

/// A cookie with Latchkey's attributes. `max_age = None` makes a session cookie.
pub fn build(
    state: &AppState,
    name: &str,
    value: String,
    same_site: SameSite,
    max_age: Option<CookieDuration>,
) -> Cookie<'static> {
    let mut c = Cookie::build(wire_name(state, name), value)
        .path("/")
        .http_only(true)
        .same_site(same_site)
        .secure(state.settings.is_https())
        .finish();
    if let Some(age) = max_age {
        c.set_max_age(age);
    }
    c
}

/// A cookie that removes `name` from the browser.
pub fn removal(state: &AppState, name: &str) -> Cookie<'static> {
    let mut c = build(state, name, String::new(), SameSite::Lax, None);
    c.make_removal();
    c
}

/// Seals `value` (authenticated encryption) into a cookie.
pub fn sealed(
    state: &AppState,
    name: &str,
    value: String,
    same_site: SameSite,
    max_age: Option<CookieDuration>,
) -> Cookie<'static> {
    let plain = build(state, name, value, same_site, max_age);
    let mut jar = CookieJar::new();
    jar.private_mut(&state.cookie_key.0).add(plain);
    jar.delta()
        .next()
        .cloned()
        .expect("the jar holds the cookie just added")
}

/// The plain value of cookie `name`, if present.
pub fn read(req: &HttpRequest, state: &AppState, name: &str) -> Option<String> {
    req.cookie(&wire_name(state, name))
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

/// Opens a sealed cookie; `None` when absent, tampered with, or sealed under another key.
pub fn open(req: &HttpRequest, state: &AppState, name: &str) -> Option<String> {
    let cookie = req.cookie(&wire_name(state, name))?;
    let mut jar = CookieJar::new();
    jar.add_original(cookie.into_owned());
    jar.private(&state.cookie_key.0)
        .get(&wire_name(state, name))
        .map(|c| c.value().to_string())
}
