//! What the policy engine decides on: facts gathered beforehand from the database, DNS and the
//! clock. Plain data, no behaviour beyond small derived views.

use crate::domain::tenant::{Plan, TenantKind};
use chrono::NaiveDateTime;
use serde::Serialize;

/// Everything [`decide`](super::decide) needs about one reset request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// The tenant owning the email's domain; `None` when no tenant claims the domain, which
    /// behaves like an unmanaged tenant (SSPR allowed, one method).
    pub tenant: Option<TenantFacts>,
    /// The guest account with that email; `None` when there is none.
    pub account: Option<AccountFacts>,
    /// The deliverability verdict for the email (syntax, DNS, disposable list, bounces).
    pub email: EmailVerdict,
    /// The time the facts were gathered (naive UTC), so lock expiry is decided purely.
    pub now: NaiveDateTime,
}

/// What the policy needs to know about a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantFacts {
    /// Unmanaged (viral, no admin) or managed (domain taken over).
    pub kind: TenantKind,
    /// Free or premium; only matters for managed tenants.
    pub plan: Plan,
    /// The admin's SSPR switch; only matters for managed tenants.
    pub sspr_enabled: bool,
    /// How many methods a reset needs: 1 (email link) or 2 (email link and TOTP).
    pub methods_required: u8,
}

impl TenantFacts {
    /// An unmanaged tenant: what a domain with no tenant row behaves like.
    pub fn unmanaged() -> Self {
        Self {
            kind: TenantKind::Unmanaged,
            plan: Plan::Free,
            sspr_enabled: true,
            methods_required: 1,
        }
    }

    /// Whether the tenant requires a second method (TOTP) besides the email link.
    pub fn requires_two_methods(&self) -> bool {
        self.methods_required >= 2
    }
}

/// What the policy needs to know about a guest account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountFacts {
    /// Switched off by an admin.
    pub disabled: bool,
    /// Locked after too many failed resets, until this instant (naive UTC); `None` if never.
    pub locked_until: Option<NaiveDateTime>,
    /// The address was verified (a link in a mail to it was followed).
    pub verified: bool,
    /// A TOTP secret is enrolled.
    pub totp_enrolled: bool,
}

impl AccountFacts {
    /// The lock that is still in force at `now`, if any.
    pub fn locked_at(&self, now: NaiveDateTime) -> Option<NaiveDateTime> {
        self.locked_until.filter(|until| *until > now)
    }
}

/// The deliverability verdict for an address (the "DNS verdicts" of the policy).
///
/// Serialised as `{"verdict": "deliverable"}`, `{"verdict": "undeliverable", "reason":
/// "null_mx"}` or `{"verdict": "unknown", "reason": "timeout"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "verdict", content = "reason", rename_all = "snake_case")]
pub enum EmailVerdict {
    /// Mail can be delivered as far as we can tell.
    Deliverable,
    /// No mail can arrive: rule 6 denies.
    Undeliverable(UndeliverableReason),
    /// We could not tell (DNS timeout, SERVFAIL, DNS off): does not deny; a bounce settles it.
    Unknown(UnknownReason),
}

impl EmailVerdict {
    /// Stable snake_case name of the verdict: `deliverable`, `undeliverable` or `unknown`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Deliverable => "deliverable",
            Self::Undeliverable(_) => "undeliverable",
            Self::Unknown(_) => "unknown",
        }
    }
}

/// Why no mail can arrive at an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UndeliverableReason {
    /// The stored address does not pass today's syntax rules.
    BadSyntax,
    /// The domain exists but has no MX, A or AAAA record (RFC 5321 §5.1).
    NoMailHost,
    /// The domain does not exist (NXDOMAIN).
    Nxdomain,
    /// The domain publishes a null MX: it accepts no mail (RFC 7505).
    NullMx,
    /// The domain (or a parent) is on the disposable/forwarding-only list.
    Disposable,
    /// A permanent delivery failure was recorded for the address.
    Bounced,
}

impl UndeliverableReason {
    /// Every reason, for tests and documentation.
    pub const ALL: &'static [UndeliverableReason] = &[
        Self::BadSyntax,
        Self::NoMailHost,
        Self::Nxdomain,
        Self::NullMx,
        Self::Disposable,
        Self::Bounced,
    ];

    /// Stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Self::BadSyntax => "bad_syntax",
            Self::NoMailHost => "no_mail_host",
            Self::Nxdomain => "nxdomain",
            Self::NullMx => "null_mx",
            Self::Disposable => "disposable",
            Self::Bounced => "bounced",
        }
    }

    /// A short phrase for operators, e.g. in `policy explain`.
    pub fn describe(self) -> &'static str {
        match self {
            Self::BadSyntax => "the stored address is not a valid email address",
            Self::NoMailHost => "the domain has no MX, A or AAAA record",
            Self::Nxdomain => "the domain does not exist (NXDOMAIN)",
            Self::NullMx => "the domain publishes a null MX and accepts no mail (RFC 7505)",
            Self::Disposable => "the domain is on the disposable/forwarding-only list",
            Self::Bounced => "a permanent delivery failure (hard bounce) is recorded",
        }
    }
}

/// Why deliverability could not be determined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownReason {
    /// DNS lookups are switched off (`dns = "off"`) and no static answer applies.
    DnsOff,
    /// The nameservers did not answer in time.
    Timeout,
    /// The nameservers answered with SERVFAIL, REFUSED or a similar temporary failure.
    ServerFailure,
    /// Any other resolver problem (no nameserver reachable, malformed answer, …).
    ResolverError,
}

impl UnknownReason {
    /// Stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Self::DnsOff => "dns_off",
            Self::Timeout => "timeout",
            Self::ServerFailure => "server_failure",
            Self::ResolverError => "resolver_error",
        }
    }
}
