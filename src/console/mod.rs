//! The admin console as a service, below the web layer (shaped like [`crate::reset::redeem`]:
//! plain values in and out, no HTTP):
//!
//! - [`admins`]: the list of admins, disable, enable and a new set-up link (platform admins
//!   and the operator CLI);
//! - [`auth`]: admin set-up (one-time link, password and authenticator), sign-in (password,
//!   then TOTP, failures counted by [`crate::accounts::lockout`]), sessions and sign-out;
//! - [`guests`]: the helpdesk's view of a guest and its actions, the reset link included
//!   (issued by [`crate::reset::issue`]);
//! - [`audit`]: the audit trail's queries and the console's own events;
//! - [`insights`]: resets per day, top denial reasons, limits hit, bounces;
//! - [`tenants`]: tenant settings; [`tenant_branding`]: a tenant's branding overrides.
//!
//! Who may see what (a tenant admin sees their own tenant only) is decided by the web layer's
//! admin context before any of these is called.

pub mod admins;
pub mod audit;
pub mod auth;
pub mod guests;
pub mod insights;
pub mod tenant_branding;
pub mod tenants;

/// An administrator as stored (never printed with its hash or TOTP seed).
pub use crate::db::models::Admin;
