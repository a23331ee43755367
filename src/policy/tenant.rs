//! Whether a tenant's guests can reset at all: the domain-level rules of the policy table read
//! for a tenant alone, so the console shows the state the policy applies, not just the switch.

use super::decision::DenyReason;
use super::facts::{EmailVerdict, TenantFacts};
use super::rules::{Seen, RULES};
use crate::domain::tenant::TenantKind;
use serde::Serialize;

/// A tenant's effective self-service state, as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelfService {
    /// Whether the tenant's guests may reset (account rules aside).
    pub on: bool,
    /// The deny code when off (`tenant_not_licensed`, `sspr_disabled`).
    pub code: Option<&'static str>,
    /// Why, in a few words for an admin.
    pub why: &'static str,
    /// `on` or `off`, then why: "off — managed tenant without the paid plan".
    pub label: String,
}

/// The effective self-service state of a tenant: the first rule of the table that denies, when
/// it is one of the domain-level rules (which come first and do not depend on an account).
pub fn tenant_self_service(tenant: &TenantFacts) -> SelfService {
    let seen = Seen {
        tenant: tenant.clone(),
        tenant_row: true,
        account: None,
        email: EmailVerdict::Deliverable,
        now: chrono::NaiveDateTime::MIN,
    };
    let denied = RULES
        .iter()
        .find_map(|rule| (rule.deny)(&seen))
        .filter(DenyReason::browser_visible);
    let why = match denied {
        Some(DenyReason::TenantNotLicensed) => "managed tenant without the paid plan",
        Some(_) => "switched off by the tenant's admin",
        None if tenant.kind == TenantKind::Managed => "paid plan, switch on",
        None => "unmanaged tenant: always on",
    };
    let on = denied.is_none();
    SelfService {
        on,
        code: denied.map(|d| d.code()),
        why,
        label: format!("{} — {why}", if on { "on" } else { "off" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tenant::Plan;

    fn facts(kind: TenantKind, plan: Plan, sspr_enabled: bool) -> TenantFacts {
        TenantFacts {
            kind,
            plan,
            sspr_enabled,
            methods_required: 1,
        }
    }

    #[test]
    fn the_effective_state_follows_the_table_not_the_switch() {
        let free = tenant_self_service(&facts(TenantKind::Managed, Plan::Free, true));
        assert!(!free.on);
        assert_eq!(free.code, Some("tenant_not_licensed"));
        assert_eq!(free.label, "off — managed tenant without the paid plan");
        let switched_off = tenant_self_service(&facts(TenantKind::Managed, Plan::Premium, false));
        assert_eq!(switched_off.code, Some("sspr_disabled"));
        assert!(tenant_self_service(&facts(TenantKind::Managed, Plan::Premium, true)).on);
        let unmanaged = tenant_self_service(&facts(TenantKind::Unmanaged, Plan::Free, false));
        assert!(unmanaged.on, "unmanaged tenants ignore the switch");
        assert_eq!(unmanaged.label, "on — unmanaged tenant: always on");
    }
}
