//! Email deliverability (docs/policy.md, rule 6): can mail reach this address at all?
//!
//! The verdict ([`crate::policy::EmailVerdict`]) comes from, in order: the user's hard-bounce
//! state, a bundled list of disposable and forwarding-only domains (plus configured extras), the
//! consumer-provider list, static answers from the settings, and DNS via hickory-resolver (MX;
//! null MX per RFC 7505; A/AAAA fallback per RFC 5321 §5.1; NXDOMAIN). Timeouts and server
//! failures are `unknown`, which never denies. DNS answers are cached by TTL in a bounded cache.
//!
//! Syntax is checked earlier, by [`crate::domain::EmailAddress::parse`].

mod cache;
pub mod disposable;
mod dns;
mod service;
pub mod settings;

pub use service::{Deliverability, TxtError};
pub use settings::{
    DeliverabilitySettings, DnsMode, DnsModeError, StaticAnswer, DEFAULT_CONSUMER_DOMAINS,
};
