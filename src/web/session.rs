//! Guest sessions: who is signed in at `/account` (docs/security.md#32, #33).
//!
//! Stateless: the sealed (encrypted + authenticated) cookie `lk_session` carries the user id,
//! the user's session generation when the session began, when it was issued, when it was last
//! used, and a random nonce. A session is accepted only while
//!
//! - the user exists, is not disabled, and its `session_generation` still equals the cookie's
//!   ([`crate::accounts::session::live`]);
//! - it was used less than [`IDLE_TIMEOUT_SECONDS`] ago and issued less than
//!   [`ABSOLUTE_TIMEOUT_SECONDS`] ago, by the injected clock.
//!
//! Every accepted request should send back [`GuestSession::refreshed_cookie`] (or use
//! [`GuestSession::respond`]), which re-seals the session with a fresh `last_seen`.
//!
//! Handlers take [`GuestSession`] as an extractor: without a live session the browser is sent
//! to `/signin` with a 303 (and a dead cookie is removed).

use super::page::Page;
use super::{cookies, AppError, AppState};
use crate::accounts::{self, User};
use crate::domain::UserId;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};

/// A session unused for this long (seconds) is over: 30 minutes.
pub const IDLE_TIMEOUT_SECONDS: i64 = 30 * 60;
/// A session older than this (seconds) is over however active it is: 12 hours.
pub const ABSOLUTE_TIMEOUT_SECONDS: i64 = 12 * 60 * 60;
/// Where a browser without a live session is sent.
pub const SIGNIN_PATH: &str = "/signin";

/// What the sealed cookie holds. Short field names keep the cookie small.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Claims {
    #[serde(rename = "u")]
    user_id: String,
    #[serde(rename = "g")]
    generation: i64,
    #[serde(rename = "i")]
    issued_at: i64,
    #[serde(rename = "s")]
    last_seen: i64,
    /// Random per sign-in: every sign-in yields a new value, never one an attacker planted.
    #[serde(rename = "n")]
    nonce: String,
}

impl Claims {
    fn within_timeouts(&self, now: i64) -> bool {
        now - self.last_seen < IDLE_TIMEOUT_SECONDS
            && now - self.issued_at < ABSOLUTE_TIMEOUT_SECONDS
    }
}

/// A signed-in guest, loaded fresh from the database for this request.
pub struct GuestSession {
    /// The user as stored now (never a copy kept in the cookie).
    pub user: User,
    claims: Claims,
}

impl std::fmt::Debug for GuestSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuestSession")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

fn unix_now(state: &AppState) -> i64 {
    state.clock.now().timestamp()
}

fn seal(state: &AppState, claims: &Claims) -> Cookie<'static> {
    let value = serde_json::to_string(claims).expect("claims serialise");
    // A browser-session cookie: the server enforces both timeouts itself.
    cookies::sealed(state, cookies::GUEST_SESSION, value, SameSite::Lax, None)
}

impl GuestSession {
    /// The signed-in user's id.
    pub fn user_id(&self) -> UserId {
        self.user.user_id()
    }

    /// The same session with `last_seen` moved to now: send it with every response.
    pub fn refreshed_cookie(&self, state: &AppState) -> Cookie<'static> {
        let mut claims = self.claims.clone();
        claims.last_seen = unix_now(state);
        seal(state, &claims)
    }

    /// Adds the refreshed session cookie to `res`.
    pub fn respond(&self, state: &AppState, mut res: HttpResponse) -> HttpResponse {
        // Only fails for an invalid cookie name or value, which a sealed cookie never is.
        let _ = res.add_cookie(&self.refreshed_cookie(state));
        res
    }
}

/// A page of the signed-in guest's account ([`GuestSession`] says who, and sends anyone else to
/// sign in).
pub type AccountPage = Page<GuestSession>;

impl AccountPage {
    /// The signed-in user, as stored now.
    pub fn user(&self) -> &User {
        &self.who.user
    }

    /// `res` with the refreshed session cookie ([`GuestSession::respond`]).
    pub fn respond(&self, res: HttpResponse) -> HttpResponse {
        self.who.respond(&self.state, res)
    }
}

/// The cookie that starts a new session for `user` (at sign-in). Its value is new on every
/// call (fresh nonce and encryption nonce), so a session can never be fixed in advance.
pub fn start(state: &AppState, user: &User) -> Cookie<'static> {
    let now = unix_now(state);
    let claims = Claims {
        user_id: user.id.to_string(),
        generation: user.session_generation,
        issued_at: now,
        last_seen: now,
        nonce: URL_SAFE_NO_PAD.encode(crate::security::mac::os_random::<16>()),
    };
    seal(state, &claims)
}

/// The cookie that removes the session from this browser.
pub fn removal(state: &AppState) -> Cookie<'static> {
    cookies::removal(state, cookies::GUEST_SESSION)
}

/// Whether the browser sent a session cookie at all (live or not).
pub fn present(req: &HttpRequest, state: &AppState) -> bool {
    cookies::read(req, state, cookies::GUEST_SESSION).is_some()
}

/// The live session of this request, if any.
pub async fn current(
    req: &HttpRequest,
    state: &AppState,
) -> Result<Option<GuestSession>, AppError> {
    let Some(claims) = cookies::open(req, state, cookies::GUEST_SESSION)
        .and_then(|v| serde_json::from_str::<Claims>(&v).ok())
    else {
        return Ok(None);
    };
    if !claims.within_timeouts(unix_now(state)) {
        return Ok(None);
    }
    let id = UserId::from_string(claims.user_id.clone());
    let Some(live) = accounts::session::live(state, id, claims.generation).await? else {
        return Ok(None);
    };
    // A page about this account speaks its stored language, else its tenant's default, below
    // an explicit choice on the page (docs/languages.md).
    super::lang::hint(
        req,
        live.languages.user.map(crate::i18n::Lang::code),
        live.languages.tenant.map(crate::i18n::Lang::code),
    );
    // ... and shows its tenant's branding, as the mails about it do (docs/branding.md).
    super::brand::with(req, state, &live.branding);
    Ok(Some(GuestSession {
        user: live.user,
        claims,
    }))
}

/// The 303 to the sign-in page, removing a dead session cookie if one was sent.
pub fn to_signin(req: &HttpRequest, state: &AppState) -> HttpResponse {
    let mut res = HttpResponse::SeeOther();
    res.insert_header(("location", SIGNIN_PATH));
    if present(req, state) {
        res.cookie(removal(state));
    }
    res.finish()
}

impl FromRequest for GuestSession {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        super::extract_with(req, |req, state| async move {
            match current(&req, &state).await? {
                Some(session) => Ok(session),
                None => Err(
                    InternalError::from_response("not signed in", to_signin(&req, &state)).into(),
                ),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(issued_at: i64, last_seen: i64) -> Claims {
        Claims {
            user_id: "u".into(),
            generation: 0,
            issued_at,
            last_seen,
            nonce: "n".into(),
        }
    }

    #[test]
    fn idle_and_absolute_timeouts() {
        let t = 1_000_000;
        assert!(claims(t, t).within_timeouts(t + IDLE_TIMEOUT_SECONDS - 1));
        assert!(!claims(t, t).within_timeouts(t + IDLE_TIMEOUT_SECONDS));
        let recent = t + ABSOLUTE_TIMEOUT_SECONDS - 10;
        assert!(claims(t, recent).within_timeouts(t + ABSOLUTE_TIMEOUT_SECONDS - 1));
        assert!(!claims(t, recent).within_timeouts(t + ABSOLUTE_TIMEOUT_SECONDS));
    }
}
