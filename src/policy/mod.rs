//! The policy engine: who may reset, and why not.
//!
//! [`decide`] is a pure function of [`Facts`]: no I/O, no clock, no randomness. Facts are
//! gathered first (database, DNS, clock), then decided, then acted on. Every [`DenyReason`] has a
//! stable code, a sentence for the guest, one for the admin, and says whether the browser may be
//! told (only the domain-level rules 1–2). [`explain`] evaluates every rule for operators. Both
//! read one table of rules, so an explanation cannot disagree with a decision.

mod decision;
mod engine;
mod facts;
mod rules;
mod tenant;

#[cfg(test)]
mod tests;

pub use decision::{Decision, DenyReason, Methods};
pub use engine::{decide, explain, Check};
pub use facts::{
    AccountFacts, EmailVerdict, Facts, TenantFacts, UndeliverableReason, UnknownReason,
};
pub use tenant::{tenant_self_service, SelfService};
