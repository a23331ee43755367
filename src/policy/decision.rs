//! What the policy engine answers: allow (with which methods) or deny (with a reason that has a
//! stable code, a sentence for the guest and one for the admin).

use super::facts::UndeliverableReason;
use chrono::NaiveDateTime;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

/// The outcome of [`decide`](super::decide).
///
/// Serialised as `{"decision": "allow", "code": "allow", "methods": {…}}` or
/// `{"decision": "deny", "code": "account_locked", "reason": {…}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The reset may proceed with these methods.
    Allow {
        /// What the guest must prove.
        methods: Methods,
    },
    /// The reset is refused.
    Deny(DenyReason),
}

impl Decision {
    /// `allow` or `deny`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Allow { .. } => "allow",
            Self::Deny(_) => "deny",
        }
    }

    /// The stable code: `allow`, or the deny reason's code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Allow { .. } => "allow",
            Self::Deny(reason) => reason.code(),
        }
    }

    /// Whether the reset may proceed.
    pub fn is_allow(&self) -> bool {
        matches!(self, Self::Allow { .. })
    }

    /// The deny reason, if denied.
    pub fn deny_reason(&self) -> Option<&DenyReason> {
        match self {
            Self::Allow { .. } => None,
            Self::Deny(reason) => Some(reason),
        }
    }
}

impl Serialize for Decision {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Decision", 3)?;
        st.serialize_field("decision", self.kind())?;
        st.serialize_field("code", self.code())?;
        match self {
            Self::Allow { methods } => st.serialize_field("methods", methods)?,
            Self::Deny(reason) => st.serialize_field("reason", reason)?,
        }
        st.end()
    }
}

/// The proofs a reset requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Methods {
    /// The emailed link or code; always required.
    pub email_link: bool,
    /// A TOTP code, when the guest enrolled one or the tenant requires two methods.
    pub totp: bool,
}

/// Why a reset was refused. Rules 1–8 of the policy table, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DenyReason {
    /// Rule 1: the domain's tenant is managed and on the free plan.
    TenantNotLicensed,
    /// Rule 2: the tenant is managed and premium, but its admin switched SSPR off.
    SsprDisabled,
    /// Rule 3: no account has this email.
    UnknownAccount,
    /// Rule 4: the account is disabled.
    AccountDisabled,
    /// Rule 5: the account is locked after too many failed resets.
    AccountLocked {
        /// When the lock ends (naive UTC).
        until: NaiveDateTime,
    },
    /// Rule 6: no mail can arrive at the address.
    EmailUndeliverable(UndeliverableReason),
    /// Rule 7: the address was never verified.
    EmailUnverified,
    /// Rule 8: the tenant requires two methods and the guest has no TOTP.
    MethodsNotRegistered,
}

impl DenyReason {
    /// Every code, in rule order.
    pub const CODES: &'static [&'static str] = &[
        "tenant_not_licensed",
        "sspr_disabled",
        "unknown_account",
        "account_disabled",
        "account_locked",
        "email_undeliverable",
        "email_unverified",
        "methods_not_registered",
    ];

    /// The stable snake_case code used in the audit, metrics and tests.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TenantNotLicensed => "tenant_not_licensed",
            Self::SsprDisabled => "sspr_disabled",
            Self::UnknownAccount => "unknown_account",
            Self::AccountDisabled => "account_disabled",
            Self::AccountLocked { .. } => "account_locked",
            Self::EmailUndeliverable(_) => "email_undeliverable",
            Self::EmailUnverified => "email_unverified",
            Self::MethodsNotRegistered => "methods_not_registered",
        }
    }

    /// The rule number in the policy table (1–8).
    pub fn rule(&self) -> u8 {
        match self {
            Self::TenantNotLicensed => 1,
            Self::SsprDisabled => 2,
            Self::UnknownAccount => 3,
            Self::AccountDisabled => 4,
            Self::AccountLocked { .. } => 5,
            Self::EmailUndeliverable(_) => 6,
            Self::EmailUnverified => 7,
            Self::MethodsNotRegistered => 8,
        }
    }

    /// The sub-reason code for `email_undeliverable` (`null_mx`, `bounced`, …).
    pub fn sub_reason(&self) -> Option<&'static str> {
        match self {
            Self::EmailUndeliverable(r) => Some(r.code()),
            _ => None,
        }
    }

    /// A reference the guest can quote to a helpdesk, e.g. `LK-TENANT-NOT-LICENSED` or
    /// `LK-EMAIL-UNDELIVERABLE-NULL-MX`.
    pub fn reference(&self) -> String {
        let mut r = format!("LK-{}", self.code());
        if let Some(sub) = self.sub_reason() {
            r.push('-');
            r.push_str(sub);
        }
        r.to_ascii_uppercase().replace('_', "-")
    }

    /// Whether the browser may be told. Only domain-level reasons (rules 1–2) are public
    /// knowledge; everything else must leave the response unchanged (no account enumeration).
    pub fn browser_visible(&self) -> bool {
        matches!(self, Self::TenantNotLicensed | Self::SsprDisabled)
    }

    /// Whether the mailbox gets an explanation instead of a reset link (rules 5, 7, 8). The
    /// others get nothing: no account, a disabled one, or an address no mail can reach.
    pub fn mailable(&self) -> bool {
        matches!(
            self,
            Self::AccountLocked { .. } | Self::EmailUnverified | Self::MethodsNotRegistered
        )
    }

    /// The explanation for the guest (the page for rules 1–2, the email for rules 5, 7, 8), as a
    /// message of the catalog (`templates/i18n/<lang>/policy.ftl`): its id, and for a lock the
    /// time it ends (the `until` argument, UTC). `crate::i18n::messages::deny_sentence` words it
    /// in the guest's language (the policy stays pure). For rules 1–2 the pages around it name
    /// the organisation and its helpdesk, so the sentence says only why (no plan or licence
    /// words: those are the admin's).
    pub fn guest_message(&self) -> (&'static str, Option<String>) {
        match self {
            Self::TenantNotLicensed => ("deny-tenant-not-licensed", None),
            Self::SsprDisabled => ("deny-sspr-disabled", None),
            Self::UnknownAccount => ("deny-unknown-account", None),
            Self::AccountDisabled => ("deny-account-disabled", None),
            Self::AccountLocked { until } => (
                "deny-account-locked",
                Some(until.format("%Y-%m-%d %H:%M").to_string()),
            ),
            Self::EmailUndeliverable(_) => ("deny-email-undeliverable", None),
            Self::EmailUnverified => ("deny-email-unverified", None),
            Self::MethodsNotRegistered => ("deny-methods-not-registered", None),
        }
    }

    /// The explanation for an admin (audit view, `policy explain`).
    pub fn admin_sentence(&self) -> String {
        match self {
            Self::TenantNotLicensed => "The tenant is managed and on the free plan; \
                self-service reset needs the premium plan."
                .into(),
            Self::SsprDisabled => "The tenant is managed and premium, but its admin has \
                switched self-service reset off."
                .into(),
            Self::UnknownAccount => "No guest account exists with this email address.".into(),
            Self::AccountDisabled => "The guest account is disabled.".into(),
            Self::AccountLocked { until } => format!(
                "The guest account is locked after too many failed resets until {} UTC.",
                until.format("%Y-%m-%d %H:%M:%S")
            ),
            Self::EmailUndeliverable(r) => {
                format!("The email address is undeliverable: {}.", r.describe())
            }
            Self::EmailUnverified => "The guest's email address has never been verified.".into(),
            Self::MethodsNotRegistered => "The tenant requires two methods and the guest has \
                no TOTP enrolled."
                .into(),
        }
    }
}

impl Serialize for DenyReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("DenyReason", 9)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("rule", &self.rule())?;
        st.serialize_field("sub_reason", &self.sub_reason())?;
        let until = match self {
            Self::AccountLocked { until } => Some(until),
            _ => None,
        };
        st.serialize_field("locked_until", &until)?;
        st.serialize_field("reference", &self.reference())?;
        st.serialize_field("browser_visible", &self.browser_visible())?;
        st.serialize_field("mailable", &self.mailable())?;
        // The id of the guest's sentence in the catalog (it is worded per language).
        st.serialize_field("guest_message", self.guest_message().0)?;
        st.serialize_field("admin_sentence", &self.admin_sentence())?;
        st.end()
    }
}
