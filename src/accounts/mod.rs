//! The guest account service, below the web layer (shaped like [`crate::reset::redeem`]: one
//! file per step, plain values in and out, no HTTP):
//!
//! - [`signin`]: password sign-in and sign-out, with the same argon2 work and the same answer
//!   for every failure (docs/security.md#12);
//! - [`session`]: whether a session's user still exists and its generation still holds;
//! - [`overview`]: what `/account` shows, the reset policy included;
//! - [`language`]: the guest's stored language (account page, sign-in);
//! - [`branding`]: the tenant's branding on a signed-in guest's pages;
//! - [`authenticator`]: TOTP enrolment (confirmed by a code) and removal (password or code);
//! - [`verification`]: email verification links (with `owner_verification`: the owner of an
//!   address whose account a `CcEmail` copy created chooses the password when confirming it);
//! - [`lockout`]: the one account-failure policy, for guests and admins alike, through
//!   [`crate::ratelimit::persistent`], counted apart for browsers that hold the account's
//!   [`device`] cookie.
//!
//! Audit events about a guest are written through [`audit`].

pub mod audit;
pub mod authenticator;
pub mod branding;
pub mod device;
pub mod language;
pub mod lifecycle;
pub mod lockout;
pub mod overview;
mod owner_verification;
pub mod session;
pub mod signin;
pub mod verification;

/// A guest account as stored (never printed with its hash or TOTP seed).
pub use crate::db::models::User;
