//! Sentences that Rust code produces for guests (form errors, the policy's refusals), in any
//! language. The English `Display` texts of these types serve logs, the API and the console.

use super::{Args, Lang};
use crate::directory::RejectReason;
use crate::domain::email::EmailError;
use crate::domain::password::PasswordRejection;
use crate::policy::DenyReason;

/// Why a typed address was refused, next to the field.
pub fn email_error(lang: Lang, e: &EmailError) -> String {
    let key = match e {
        EmailError::Empty => "email-error-empty",
        EmailError::Malformed => "email-error-malformed",
        EmailError::MultipleAt => "email-error-multiple-at",
        EmailError::List => "email-error-list",
        EmailError::Whitespace => "email-error-whitespace",
        EmailError::Quoted => "email-error-quoted",
        EmailError::EmptyLocalPart => "email-error-empty-local",
        EmailError::LocalPartTooLong => "email-error-local-too-long",
        EmailError::LocalPartDots => "email-error-local-dots",
        EmailError::LocalPartCharacter => "email-error-local-character",
        EmailError::EmptyDomain => "email-error-empty-domain",
        EmailError::IpLiteral => "email-error-ip-literal",
        EmailError::DomainWithoutDot => "email-error-domain-without-dot",
        EmailError::DomainTooLong => "email-error-domain-too-long",
        EmailError::InvalidDomain => "email-error-invalid-domain",
        EmailError::TooLong => "email-error-too-long",
    };
    lang.t(key)
}

/// Why a new password was refused, next to the field.
pub fn password_rejection(lang: Lang, r: &PasswordRejection) -> String {
    match r {
        PasswordRejection::TooShort { min } => {
            lang.t_args("password-too-short", &Args::new().num("min", *min as f64))
        }
        PasswordRejection::TooLong { max } => {
            lang.t_args("password-too-long", &Args::new().num("max", *max as f64))
        }
        PasswordRejection::Mismatch => lang.t("password-mismatch"),
        PasswordRejection::Common => lang.t("password-common"),
        PasswordRejection::ContainsContext => lang.t("password-contains-context"),
        PasswordRejection::ContainsBannedWord => lang.t("password-banned-word"),
        PasswordRejection::Breached { count } => lang.t_args(
            "password-breached",
            &Args::new().num("count", *count as f64),
        ),
        PasswordRejection::BreachCheckUnavailable => lang.t("password-breach-check-unavailable"),
        PasswordRejection::TooGuessable => lang.t("password-too-guessable"),
        PasswordRejection::SameAsCurrent => lang.t("password-same-as-current"),
    }
}

/// Why the organisation's directory refused a password.
pub fn directory_rejection(lang: Lang, r: RejectReason) -> String {
    lang.t(match r {
        RejectReason::TooShort => "directory-too-short",
        RejectReason::InHistory => "directory-in-history",
        RejectReason::Quality => "directory-quality",
        RejectReason::TooYoung => "directory-too-young",
        RejectReason::Other => "directory-other",
    })
}

/// Why a reset is not possible, as the guest reads it.
pub fn deny_sentence(lang: Lang, r: &DenyReason) -> String {
    match r {
        DenyReason::TenantNotLicensed => lang.t("deny-tenant-not-licensed"),
        DenyReason::SsprDisabled => lang.t("deny-sspr-disabled"),
        DenyReason::UnknownAccount => lang.t("deny-unknown-account"),
        DenyReason::AccountDisabled => lang.t("deny-account-disabled"),
        DenyReason::AccountLocked { until } => lang.t_args(
            "deny-account-locked",
            &Args::new().str("until", until.format("%Y-%m-%d %H:%M").to_string()),
        ),
        DenyReason::EmailUndeliverable(_) => lang.t("deny-email-undeliverable"),
        DenyReason::EmailUnverified => lang.t("deny-email-unverified"),
        DenyReason::MethodsNotRegistered => lang.t("deny-methods-not-registered"),
    }
}

/// "That code is not right. … You have 2 tries left."
pub fn code_wrong(lang: Lang, tries_left: Option<u32>) -> String {
    let mut s = lang.t("code-wrong");
    if let Some(n) = tries_left {
        s.push(' ');
        s.push_str(&lang.t_args("tries-left", &Args::new().num("n", f64::from(n))));
    }
    s
}

/// " You have 2 tries left." (with its leading space), or nothing when the count is unknown.
pub fn tries_left_sentence(lang: Lang, tries_left: Option<u32>) -> String {
    match tries_left {
        Some(n) => format!(
            " {}",
            lang.t_args("tries-left", &Args::new().num("n", f64::from(n)))
        ),
        None => String::new(),
    }
}
