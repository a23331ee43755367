//! `decide` and `explain`: two readings of the one policy table in [`rules`](super::rules).
//! Pure: no I/O, no clock, no randomness.

use super::decision::{Decision, Methods};
use super::facts::Facts;
use super::rules::{Seen, RULES};
use serde::Serialize;

/// Decides whether a reset may proceed. The rules of the table are checked in order; the first
/// that denies decides.
pub fn decide(facts: &Facts) -> Decision {
    let seen = Seen::new(facts);
    if let Some(reason) = RULES.iter().find_map(|rule| (rule.deny)(&seen)) {
        return Decision::Deny(reason);
    }
    let enrolled = seen.account.is_some_and(|a| a.totp_enrolled);
    Decision::Allow {
        methods: Methods {
            email_link: true,
            totp: enrolled || seen.tenant.requires_two_methods(),
        },
    }
}

/// One line of `latchkey policy explain`: a rule of the table evaluated on the facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable snake_case name (`tenant_licensed`, `account_exists`, …).
    pub name: &'static str,
    /// The rule of the table this check is (1–8).
    pub rule: u8,
    /// The deny code the check produces when it fails and is the first to fail.
    pub deny_code: &'static str,
    /// Whether the check passed. Checks that do not apply (account checks when there is no
    /// account) pass, and say so in `detail`.
    pub passed: bool,
    /// What was seen, in words for an operator.
    pub detail: String,
}

/// Evaluates every rule of the table on `facts`, for operators. Unlike [`decide`] it does not
/// stop at the first failure; the first failing check is the one `decide` reports.
pub fn explain(facts: &Facts) -> Vec<Check> {
    let seen = Seen::new(facts);
    RULES
        .iter()
        .zip(1..)
        .map(|(rule, number)| Check {
            name: rule.name,
            rule: number,
            deny_code: rule.deny_code,
            passed: (rule.deny)(&seen).is_none(),
            detail: (rule.detail)(&seen),
        })
        .collect()
}
