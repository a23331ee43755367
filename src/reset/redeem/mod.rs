//! Redeeming: a link or a code becomes a short-lived, sealed cookie naming the token; the TOTP
//! step (when required) and the new password then work on that token only. Every step
//! re-reads the token, so order cannot be skipped (docs/security.md#26), and the final step
//! re-checks the policy and consumes the token with one guarded UPDATE (docs/security.md#5).

mod code;
mod complete;
mod directory_write;
mod link;
mod token;
mod totp;

pub use code::{submit_code, CodeOutcome};
pub use complete::{complete, CompleteOutcome};
pub use link::open_link;
pub use token::load_live;
pub use totp::{verify_totp, TotpOutcome};

use crate::db::models::User;
use crate::db::reset_tokens::ResetToken;

/// Where the guest goes after a valid link or code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Totp,
    NewPassword,
}

impl Next {
    pub fn path(self) -> &'static str {
        match self {
            Next::Totp => "/reset/verify",
            Next::NewPassword => "/reset/new",
        }
    }

    /// The step a live `token` of `user` is at.
    pub fn of(token: &ResetToken, user: &User) -> Next {
        if needs_totp(token, user) {
            Next::Totp
        } else {
            Next::NewPassword
        }
    }
}

/// Whether the TOTP step is still ahead for this token. The token records what the policy
/// required when it was issued; an authenticator the user enrolled since (or that the tenant
/// began to require) is asked for as well, so it can never be skipped (docs/security.md#24).
pub fn needs_totp(token: &ResetToken, user: &User) -> bool {
    (token.totp_required || user.totp_secret.is_some()) && token.totp_verified_at.is_none()
}

/// A link or code that worked: the token id goes into the sealed cookie.
#[derive(Debug, Clone)]
pub struct Redeemed {
    pub token_id: String,
    pub next: Next,
}
