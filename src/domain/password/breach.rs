//! What a breached-password lookup found, and what the policy makes of it. The lookup itself
//! (a range API or an offline file) is I/O and lives in `crate::passwords`; this part is pure.

use super::PasswordRejection;
use serde::{Deserialize, Serialize};

/// What the breached-password lookup found for a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreachVerdict {
    /// The check is off (`password.breached = "off"`).
    NotChecked,
    /// Not in the corpus.
    NotFound,
    /// In the corpus, seen this many times.
    Found(u64),
    /// The source could not be asked (timeout, error answer, unreadable file).
    Unavailable,
}

/// What to do with a password when the breached-password source cannot be asked
/// (`password.breached_fail`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BreachedFail {
    /// Accept it (the default): an outage of the source must not stop every reset.
    #[default]
    Open,
    /// Refuse it with "try again shortly".
    Closed,
}

/// The rejection, if any, that a verdict calls for.
pub fn judge_breach(verdict: BreachVerdict, fail: BreachedFail) -> Result<(), PasswordRejection> {
    match verdict {
        BreachVerdict::NotChecked | BreachVerdict::NotFound => Ok(()),
        // A count of 0 is a padding line of the range API, never a real entry.
        BreachVerdict::Found(0) => Ok(()),
        BreachVerdict::Found(count) => Err(PasswordRejection::Breached { count }),
        BreachVerdict::Unavailable => match fail {
            BreachedFail::Open => Ok(()),
            BreachedFail::Closed => Err(PasswordRejection::BreachCheckUnavailable),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_found_password_is_refused_with_its_count() {
        let err = judge_breach(BreachVerdict::Found(3), BreachedFail::Open).unwrap_err();
        assert_eq!(err, PasswordRejection::Breached { count: 3 });
        assert_eq!(
            err.to_string(),
            "This password has appeared in a data breach 3 times; choose another."
        );
        assert_eq!(err.code(), "password_breached");
        assert_eq!(
            judge_breach(BreachVerdict::Found(1), BreachedFail::Open)
                .unwrap_err()
                .to_string(),
            "This password has appeared in a data breach once; choose another."
        );
    }

    #[test]
    fn an_unavailable_source_fails_open_unless_set_closed() {
        assert!(judge_breach(BreachVerdict::Unavailable, BreachedFail::Open).is_ok());
        let err = judge_breach(BreachVerdict::Unavailable, BreachedFail::Closed).unwrap_err();
        assert_eq!(err, PasswordRejection::BreachCheckUnavailable);
        assert!(err.to_string().contains("try again shortly"), "{err}");
    }

    #[test]
    fn not_found_not_checked_and_padding_pass() {
        for v in [
            BreachVerdict::NotChecked,
            BreachVerdict::NotFound,
            BreachVerdict::Found(0),
        ] {
            assert!(judge_breach(v, BreachedFail::Closed).is_ok(), "{v:?}");
        }
    }
}
