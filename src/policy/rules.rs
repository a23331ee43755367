//! The policy table: eight rules, in order. [`decide`](super::decide) stops at the first rule
//! that denies; [`explain`](super::explain) evaluates every rule. Both read this one table, so an
//! explanation cannot disagree with a decision.

use super::decision::DenyReason;
use super::facts::{AccountFacts, EmailVerdict, Facts, TenantFacts};
use crate::domain::tenant::{Plan, TenantKind};
use chrono::NaiveDateTime;

/// One row of the policy table.
pub(super) struct Rule {
    /// Stable snake_case name of the check (`tenant_licensed`, `account_exists`, …).
    pub name: &'static str,
    /// The code of the reason this rule denies with (`tenant_not_licensed`, …).
    pub deny_code: &'static str,
    /// The reason this rule denies with on these facts, or `None` when it holds. Account rules
    /// hold when there is no account (rule 3 denies that case).
    pub deny: fn(&Seen) -> Option<DenyReason>,
    /// What was seen, in words for an operator.
    pub detail: fn(&Seen) -> String,
}

/// The policy table. A rule's number is its position, from 1.
pub(super) const RULES: [Rule; 8] = [
    // Rules 1–2 depend on the domain only, so they come first: a managed free tenant answers
    // `tenant_not_licensed` whether or not the account exists.
    Rule {
        name: "tenant_licensed",
        deny_code: "tenant_not_licensed",
        deny: |s| {
            (s.managed() && s.tenant.plan == Plan::Free).then_some(DenyReason::TenantNotLicensed)
        },
        detail: |s| {
            format!(
                "{}tenant is {} on the {} plan{}",
                if s.tenant_row {
                    ""
                } else {
                    "no tenant claims this domain, so it behaves as unmanaged; "
                },
                s.tenant.kind,
                s.tenant.plan,
                if s.managed() {
                    ""
                } else {
                    " (the plan only matters for managed tenants)"
                }
            )
        },
    },
    Rule {
        name: "sspr_enabled",
        deny_code: "sspr_disabled",
        deny: |s| (s.managed() && !s.tenant.sspr_enabled).then_some(DenyReason::SsprDisabled),
        detail: |s| {
            if s.managed() {
                format!(
                    "the tenant admin has switched self-service reset {}",
                    if s.tenant.sspr_enabled { "on" } else { "off" }
                )
            } else {
                "unmanaged tenants have no admin, so self-service reset is always on".into()
            }
        },
    },
    Rule {
        name: "account_exists",
        deny_code: "unknown_account",
        deny: |s| s.account.is_none().then_some(DenyReason::UnknownAccount),
        detail: |s| match s.account {
            Some(_) => "a guest account has this email address".into(),
            None => "no guest account has this email address".into(),
        },
    },
    Rule {
        name: "account_enabled",
        deny_code: "account_disabled",
        deny: |s| {
            s.account
                .is_some_and(|a| a.disabled)
                .then_some(DenyReason::AccountDisabled)
        },
        detail: |s| match s.account {
            None => NO_ACCOUNT.into(),
            Some(a) if a.disabled => "the account is disabled".into(),
            Some(_) => "the account is enabled".into(),
        },
    },
    Rule {
        name: "account_not_locked",
        deny_code: "account_locked",
        deny: |s| s.lock().map(|until| DenyReason::AccountLocked { until }),
        detail: |s| match (s.account, s.lock()) {
            (None, _) => NO_ACCOUNT.into(),
            (Some(_), Some(until)) => format!("the account is locked until {until} UTC"),
            (Some(a), None) => match a.locked_until {
                Some(until) => format!("a lock ended at {until} UTC"),
                None => "the account is not locked".into(),
            },
        },
    },
    // An `Unknown` verdict (timeout, SERVFAIL, DNS off) does not deny: the send is attempted
    // and a bounce will settle it.
    Rule {
        name: "email_deliverable",
        deny_code: "email_undeliverable",
        deny: |s| match s.email {
            EmailVerdict::Undeliverable(reason) => Some(DenyReason::EmailUndeliverable(reason)),
            EmailVerdict::Deliverable | EmailVerdict::Unknown(_) => None,
        },
        detail: |s| match s.email {
            EmailVerdict::Deliverable => "mail can be delivered to the address".into(),
            EmailVerdict::Undeliverable(r) => format!("undeliverable: {}", r.describe()),
            EmailVerdict::Unknown(r) => format!(
                "deliverability unknown ({}); this does not deny, a bounce will settle it",
                r.code()
            ),
        },
    },
    Rule {
        name: "email_verified",
        deny_code: "email_unverified",
        deny: |s| {
            s.account
                .is_some_and(|a| !a.verified)
                .then_some(DenyReason::EmailUnverified)
        },
        detail: |s| match s.account {
            None => NO_ACCOUNT.into(),
            Some(a) if a.verified => "the address has been verified".into(),
            Some(_) => "the address has never been verified".into(),
        },
    },
    Rule {
        name: "methods_registered",
        deny_code: "methods_not_registered",
        deny: |s| {
            s.account
                .is_some_and(|a| s.tenant.requires_two_methods() && !a.totp_enrolled)
                .then_some(DenyReason::MethodsNotRegistered)
        },
        detail: |s| match s.account {
            None => NO_ACCOUNT.into(),
            Some(a) => {
                let required = s.tenant.requires_two_methods();
                format!(
                    "the tenant requires {} method{}; TOTP is {}",
                    if required { 2 } else { 1 },
                    if required { "s" } else { "" },
                    if a.totp_enrolled {
                        "enrolled"
                    } else {
                        "not enrolled"
                    }
                )
            }
        },
    },
];

const NO_ACCOUNT: &str = "not applicable: there is no account";

/// The facts as the rules read them: the tenant the rules apply to (unmanaged behaviour when no
/// tenant claims the domain) and whether it came from a tenant row.
pub(super) struct Seen<'a> {
    pub tenant: TenantFacts,
    pub tenant_row: bool,
    pub account: Option<&'a AccountFacts>,
    pub email: EmailVerdict,
    pub now: NaiveDateTime,
}

impl<'a> Seen<'a> {
    pub fn new(facts: &'a Facts) -> Self {
        Self {
            tenant: facts.tenant.clone().unwrap_or_else(TenantFacts::unmanaged),
            tenant_row: facts.tenant.is_some(),
            account: facts.account.as_ref(),
            email: facts.email,
            now: facts.now,
        }
    }

    fn managed(&self) -> bool {
        self.tenant.kind == TenantKind::Managed
    }

    /// The lock still in force, if any.
    fn lock(&self) -> Option<NaiveDateTime> {
        self.account.and_then(|a| a.locked_at(self.now))
    }
}
