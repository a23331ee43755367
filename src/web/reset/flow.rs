//! The `reset_flow` cookie: the flow id of the last `POST /reset` (it binds the emailed code to
//! this browser) and the address that was typed, sealed together so the check-email page can
//! repeat the address after the redirect (post-redirect-get) without storing anything.

use super::super::cookies::{self, RESET_FLOW};
use super::super::AppState;
use crate::domain::EmailAddress;
use crate::security::{FlowId, TokenHash};
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;

/// What the flow cookie holds.
pub(super) struct Flow {
    /// The stored hash of the flow id (what `reset_tokens.flow_id_hash` holds).
    pub hash: Option<String>,
    /// The address as typed (normalised), to show back to its owner.
    pub email: String,
}

/// The cookie for a new flow. It outlives the token by a few minutes so the code page can
/// still say the code expired rather than forget the flow.
pub(super) fn cookie(state: &AppState, flow: &FlowId, email: &EmailAddress) -> Cookie<'static> {
    let ttl = i64::from(state.settings.reset.token_ttl_minutes) + 5;
    // The flow id is base64url, so the first space always ends it.
    cookies::sealed(
        state,
        RESET_FLOW,
        format!("{} {}", flow.expose(), email.as_str()),
        SameSite::Lax,
        Some(CookieDuration::minutes(ttl)),
    )
}

/// The flow of this browser, if it holds a sealed one.
pub(super) fn read(req: &HttpRequest, state: &AppState) -> Option<Flow> {
    let value = cookies::open(req, state, RESET_FLOW)?;
    let (id, email) = value.split_once(' ')?;
    Some(Flow {
        hash: TokenHash::of_presented(id).map(|h| h.into_string()),
        email: email.to_string(),
    })
}
