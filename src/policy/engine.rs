//! `decide` and `explain`: the docs/policy.md table as code. Pure: no I/O, no clock, no randomness.

use super::decision::{Decision, DenyReason, Methods};
use super::facts::{EmailVerdict, Facts, TenantFacts};
use crate::domain::tenant::{Plan, TenantKind};
use serde::Serialize;

/// Decides whether a reset may proceed. The rules of docs/policy.md are checked in order; the first
/// that matches decides.
pub fn decide(facts: &Facts) -> Decision {
    let tenant = effective_tenant(facts);
    let managed = tenant.kind == TenantKind::Managed;

    // Rules 1–2 depend on the domain only, so they come first: a managed free tenant answers
    // `tenant_not_licensed` whether or not the account exists.
    if managed && tenant.plan == Plan::Free {
        return Decision::Deny(DenyReason::TenantNotLicensed);
    }
    if managed && !tenant.sspr_enabled {
        return Decision::Deny(DenyReason::SsprDisabled);
    }
    let Some(account) = &facts.account else {
        return Decision::Deny(DenyReason::UnknownAccount);
    };
    if account.disabled {
        return Decision::Deny(DenyReason::AccountDisabled);
    }
    if let Some(until) = account.locked_at(facts.now) {
        return Decision::Deny(DenyReason::AccountLocked { until });
    }
    // An `Unknown` verdict (timeout, SERVFAIL, DNS off) does not deny: the send is attempted
    // and a bounce will settle it.
    if let EmailVerdict::Undeliverable(reason) = facts.email {
        return Decision::Deny(DenyReason::EmailUndeliverable(reason));
    }
    if !account.verified {
        return Decision::Deny(DenyReason::EmailUnverified);
    }
    if tenant.requires_two_methods() && !account.totp_enrolled {
        return Decision::Deny(DenyReason::MethodsNotRegistered);
    }
    Decision::Allow {
        methods: Methods {
            email_link: true,
            totp: account.totp_enrolled || tenant.requires_two_methods(),
        },
    }
}

/// One line of `latchkey policy explain`: a rule of the table evaluated on the facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable snake_case name (`tenant_licensed`, `account_exists`, …).
    pub name: &'static str,
    /// The docs/policy.md rule this check guards (1–8).
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
    let tenant = effective_tenant(facts);
    let managed = tenant.kind == TenantKind::Managed;
    let tenant_origin = if facts.tenant.is_some() {
        ""
    } else {
        "no tenant claims this domain, so it behaves as unmanaged; "
    };
    let no_account = "not applicable: there is no account";

    let mut checks = Vec::with_capacity(8);
    let mut push = |name, rule, deny_code, passed, detail: String| {
        checks.push(Check {
            name,
            rule,
            deny_code,
            passed,
            detail,
        })
    };

    push(
        "tenant_licensed",
        1,
        "tenant_not_licensed",
        !(managed && tenant.plan == Plan::Free),
        format!(
            "{tenant_origin}tenant is {} on the {} plan{}",
            tenant.kind,
            tenant.plan,
            if managed {
                ""
            } else {
                " (the plan only matters for managed tenants)"
            }
        ),
    );
    push(
        "sspr_enabled",
        2,
        "sspr_disabled",
        !managed || tenant.sspr_enabled,
        if managed {
            format!(
                "the tenant admin has switched self-service reset {}",
                if tenant.sspr_enabled { "on" } else { "off" }
            )
        } else {
            "unmanaged tenants have no admin, so self-service reset is always on".into()
        },
    );
    let account = facts.account.as_ref();
    push(
        "account_exists",
        3,
        "unknown_account",
        account.is_some(),
        if account.is_some() {
            "a guest account has this email address".into()
        } else {
            "no guest account has this email address".into()
        },
    );
    push(
        "account_enabled",
        4,
        "account_disabled",
        account.is_none_or(|a| !a.disabled),
        match account {
            None => no_account.into(),
            Some(a) if a.disabled => "the account is disabled".into(),
            Some(_) => "the account is enabled".into(),
        },
    );
    let lock = account.and_then(|a| a.locked_at(facts.now));
    push(
        "account_not_locked",
        5,
        "account_locked",
        lock.is_none(),
        match (account, lock) {
            (None, _) => no_account.into(),
            (Some(_), Some(until)) => format!("the account is locked until {until} UTC"),
            (Some(a), None) => match a.locked_until {
                Some(until) => format!("a lock ended at {until} UTC"),
                None => "the account is not locked".into(),
            },
        },
    );
    push(
        "email_deliverable",
        6,
        "email_undeliverable",
        !matches!(facts.email, EmailVerdict::Undeliverable(_)),
        match facts.email {
            EmailVerdict::Deliverable => "mail can be delivered to the address".into(),
            EmailVerdict::Undeliverable(r) => format!("undeliverable: {}", r.describe()),
            EmailVerdict::Unknown(r) => format!(
                "deliverability unknown ({}); this does not deny, a bounce will settle it",
                r.code()
            ),
        },
    );
    push(
        "email_verified",
        7,
        "email_unverified",
        account.is_none_or(|a| a.verified),
        match account {
            None => no_account.into(),
            Some(a) if a.verified => "the address has been verified".into(),
            Some(_) => "the address has never been verified".into(),
        },
    );
    let required = tenant.requires_two_methods();
    push(
        "methods_registered",
        8,
        "methods_not_registered",
        account.is_none_or(|a| !required || a.totp_enrolled),
        match account {
            None => no_account.into(),
            Some(a) => format!(
                "the tenant requires {} method{}; TOTP is {}",
                if required { 2 } else { 1 },
                if required { "s" } else { "" },
                if a.totp_enrolled {
                    "enrolled"
                } else {
                    "not enrolled"
                }
            ),
        },
    );
    checks
}

/// The tenant rules apply to: the domain's tenant, or unmanaged behaviour when there is none.
fn effective_tenant(facts: &Facts) -> TenantFacts {
    facts.tenant.clone().unwrap_or_else(TenantFacts::unmanaged)
}
