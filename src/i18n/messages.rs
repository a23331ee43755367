//! Sentences that Rust code produces for guests (form errors, the policy's refusals, what a
//! takeover came to), in any language. The English `Display` texts of these types serve logs, the API and the console.

use super::{Args, Lang};
use crate::directory::RejectReason;
use crate::domain::email::EmailError;
use crate::domain::password::PasswordRejection;
use crate::onboarding::takeover::{Ineligible, VerifyOutcome};
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

/// Why a reset is not possible, as the guest reads it ([`DenyReason::guest_message`]).
pub fn deny_sentence(lang: Lang, r: &DenyReason) -> String {
    match r.guest_message() {
        (id, Some(until)) => lang.t_args(id, &Args::new().str("until", until)),
        (id, None) => lang.t(id),
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

/// Why a guest cannot take over their organisation.
pub fn takeover_ineligible(lang: Lang, i: Ineligible) -> String {
    match i {
        Ineligible::Unverified => lang.t("takeover-ineligible-unverified"),
        Ineligible::Consumer => lang.t("takeover-ineligible-consumer"),
        Ineligible::AlreadyManaged => lang.t("takeover-ineligible-already-managed"),
        Ineligible::NoDomain => lang.t("takeover-ineligible-no-domain"),
    }
}

/// What a takeover's verification came to; `service` is the service's name (operators are
/// asked for help under it).
pub fn takeover_outcome(lang: Lang, o: &VerifyOutcome, service: &str) -> String {
    match o {
        VerifyOutcome::Verified { organisation, .. } => lang.t_args(
            "takeover-verified",
            &Args::new().str("organisation", organisation.clone()),
        ),
        VerifyOutcome::Ineligible(i) => takeover_ineligible(lang, *i),
        VerifyOutcome::NoChallenge => lang.t("takeover-no-challenge"),
        VerifyOutcome::Expired => lang.t("takeover-expired"),
        VerifyOutcome::RecordMissing => lang.t("takeover-record-missing"),
        VerifyOutcome::DomainNotFound => lang.t("takeover-domain-not-found"),
        VerifyOutcome::DnsUnavailable => lang.t("takeover-dns-unavailable"),
        VerifyOutcome::TooManyAttempts {
            retry_after_minutes,
        } => lang.t_args(
            "takeover-too-many",
            &Args::new().num("n", *retry_after_minutes as f64),
        ),
        VerifyOutcome::AdminExists => lang.t_args(
            "takeover-admin-exists",
            &Args::new().str("service", service),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::UndeliverableReason;

    #[test]
    fn every_refusal_reads_in_every_language() {
        let until = chrono::NaiveDate::from_ymd_opt(2026, 11, 3)
            .unwrap()
            .and_hms_opt(12, 30, 0)
            .unwrap();
        let reasons = [
            DenyReason::TenantNotLicensed,
            DenyReason::SsprDisabled,
            DenyReason::UnknownAccount,
            DenyReason::AccountDisabled,
            DenyReason::AccountLocked { until },
            DenyReason::EmailUndeliverable(UndeliverableReason::NullMx),
            DenyReason::EmailUnverified,
            DenyReason::MethodsNotRegistered,
        ];
        for r in reasons {
            let en = deny_sentence(Lang::En, &r);
            for lang in Lang::ALL {
                let s = deny_sentence(lang, &r);
                assert!(s.len() > 20 && s.ends_with('.'), "{lang} {}: {s}", r.code());
                assert!(!s.starts_with("deny-"), "{lang}: the key leaked");
                if lang != Lang::En {
                    assert_ne!(s, en, "{lang} {}", r.code());
                }
            }
        }
        let locked = DenyReason::AccountLocked { until };
        for lang in Lang::ALL {
            assert!(deny_sentence(lang, &locked).contains("2026-11-03 12:30 UTC"));
        }
    }
}
