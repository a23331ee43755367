//! What the directory said, in Latchkey's words: a refusal of a password (with its reason and
//! the directory's code, for the audit) or an outage. Raw LDAP texts never reach a page.

use ldap3::asn1::{parse_tag, TagClass, PL};

/// The ppolicy request/response control (draft-behera-ldap-password-policy).
pub(crate) const PPOLICY_OID: &str = "1.3.6.1.4.1.42.2.27.8.5.1";

/// Why the directory refused a new password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    TooShort,
    InHistory,
    /// Complexity or a quality check (AD reports length, complexity and history together).
    Quality,
    TooYoung,
    Other,
}

impl RejectReason {
    /// The reason in plain words, shown next to the password field.
    pub fn message(self) -> String {
        crate::i18n::messages::directory_rejection(crate::i18n::Lang::En, self)
    }
}

/// A refused password: the reason and the directory's own code (for the audit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub reason: RejectReason,
    /// e.g. `ppolicy:passwordTooShort`, `ad:0000052D`, `ldap:19`.
    pub code: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The directory refused the value (its password policy). Nothing was changed.
    #[error("the directory refused the password ({})", .0.code)]
    Rejected(Rejection),
    /// Unreachable, timed out, or misconfigured (the detail is for the logs only). Nothing was
    /// changed.
    #[error("the directory is unavailable: {0}")]
    Unavailable(String),
    /// Latchkey may not create entries (`directory.create_under` is not set).
    #[error("the directory is read-only for Latchkey (directory.create_under is not set)")]
    ReadOnly,
}

impl DirectoryError {
    pub fn is_unavailable(&self) -> bool {
        matches!(self, DirectoryError::Unavailable(_))
    }
}

/// The `error` field of a ppolicy response control value, if present.
pub(crate) fn ppolicy_error(value: &[u8]) -> Option<u32> {
    let (_, tag) = parse_tag(value).ok()?;
    let PL::C(children) = tag.payload else {
        return None;
    };
    children
        .into_iter()
        .find_map(|c| match (c.class, c.id, c.payload) {
            (TagClass::Context, 1, PL::P(bytes)) if !bytes.is_empty() && bytes.len() <= 4 => {
                Some(bytes.iter().fold(0u32, |n, b| (n << 8) | u32::from(*b)))
            }
            _ => None,
        })
}

fn ppolicy_name(code: u32) -> &'static str {
    match code {
        0 => "passwordExpired",
        1 => "accountLocked",
        2 => "changeAfterReset",
        3 => "passwordModNotAllowed",
        4 => "mustSupplyOldPassword",
        5 => "insufficientPasswordQuality",
        6 => "passwordTooShort",
        7 => "passwordTooYoung",
        8 => "passwordInHistory",
        9 => "passwordTooLong",
        _ => "unknown",
    }
}

/// The Active Directory error code at the start of a diagnostic message (`0000052D: …`).
fn ad_code(text: &str) -> Option<&str> {
    let head = text.get(..8)?;
    (head.chars().all(|c| c.is_ascii_hexdigit()) && text[8..].starts_with(':')).then_some(head)
}

fn reason_from_text(text: &str) -> RejectReason {
    let t = text.to_ascii_lowercase();
    if t.contains("too short") || t.contains("length") {
        RejectReason::TooShort
    } else if t.contains("history") {
        RejectReason::InHistory
    } else if t.contains("too young") || t.contains("too recently") {
        RejectReason::TooYoung
    } else if t.contains("quality") || t.contains("complex") {
        RejectReason::Quality
    } else {
        RejectReason::Other
    }
}

/// Maps the result of a password write (result code, diagnostic text, ppolicy error) to
/// success, a refusal or an outage.
pub(crate) fn classify_write(
    rc: u32,
    text: &str,
    ppolicy: Option<u32>,
) -> Result<(), DirectoryError> {
    if rc == 0 {
        return Ok(());
    }
    if let Some(code) = ppolicy {
        let reason = match code {
            6 => RejectReason::TooShort,
            8 => RejectReason::InHistory,
            5 | 9 => RejectReason::Quality,
            7 => RejectReason::TooYoung,
            _ => RejectReason::Other,
        };
        // Refusals that are the operator's to fix are outages for the guest.
        if matches!(code, 0..=4) {
            return Err(DirectoryError::Unavailable(format!(
                "the directory's password policy forbids this change: {} (ldap {rc}: {text})",
                ppolicy_name(code)
            )));
        }
        return Err(DirectoryError::Rejected(Rejection {
            reason,
            code: format!("ppolicy:{}", ppolicy_name(code)),
        }));
    }
    if let Some(code) = ad_code(text) {
        let upper = code.to_ascii_uppercase();
        return match upper.as_str() {
            // ERROR_PASSWORD_RESTRICTION: length, complexity, history or minimum age.
            "0000052D" => Err(DirectoryError::Rejected(Rejection {
                reason: match reason_from_text(&text[9..]) {
                    RejectReason::Other => RejectReason::Quality,
                    r => r,
                },
                code: format!("ad:{upper}"),
            })),
            // ERROR_INVALID_PASSWORD: the current password given was wrong.
            "00000056" => Err(DirectoryError::Rejected(Rejection {
                reason: RejectReason::Other,
                code: format!("ad:{upper}"),
            })),
            _ => Err(DirectoryError::Unavailable(format!(
                "Active Directory refused the write: ldap {rc}: {text}"
            ))),
        };
    }
    match rc {
        // constraintViolation: the server's password policy said no.
        19 => Err(DirectoryError::Rejected(Rejection {
            reason: reason_from_text(text),
            code: "ldap:19".into(),
        })),
        _ => Err(DirectoryError::Unavailable(format!(
            "the directory refused the write: ldap {rc}: {text}"
        ))),
    }
}

/// The `unicodePwd` value Active Directory expects: the password in double quotes, UTF-16LE.
pub(crate) fn ad_unicode_pwd(password: &str) -> Vec<u8> {
    format!("\"{password}\"")
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_pwd_is_quoted_utf16le() {
        assert_eq!(
            ad_unicode_pwd("ab"),
            vec![0x22, 0, b'a', 0, b'b', 0, 0x22, 0]
        );
        // Outside the BMP: a surrogate pair, little-endian.
        assert_eq!(
            ad_unicode_pwd("😀"),
            vec![0x22, 0, 0x3d, 0xd8, 0x00, 0xde, 0x22, 0]
        );
    }

    #[test]
    fn ppolicy_control_values_parse() {
        // SEQUENCE { error [1] 6 }
        assert_eq!(ppolicy_error(&[0x30, 0x03, 0x81, 0x01, 0x06]), Some(6));
        // SEQUENCE { warning [0] { graceAuthNsRemaining [1] 2 }, error [1] 8 }
        assert_eq!(
            ppolicy_error(&[0x30, 0x08, 0xa0, 0x03, 0x81, 0x01, 0x02, 0x81, 0x01, 0x08]),
            Some(8)
        );
        assert_eq!(ppolicy_error(&[0x30, 0x00]), None);
        assert_eq!(ppolicy_error(&[0xff]), None);
    }

    #[test]
    fn ppolicy_refusals_are_rejections_with_their_code() {
        let Err(DirectoryError::Rejected(r)) =
            classify_write(19, "Password fails quality checking policy", Some(6))
        else {
            panic!("expected a rejection");
        };
        assert_eq!(r.reason, RejectReason::TooShort);
        assert_eq!(r.code, "ppolicy:passwordTooShort");
        let Err(DirectoryError::Rejected(r)) =
            classify_write(19, "Password is in history of old passwords", None)
        else {
            panic!("expected a rejection");
        };
        assert_eq!(r.reason, RejectReason::InHistory);
        assert_eq!(r.code, "ldap:19");
        assert!(classify_write(0, "", None).is_ok());
        assert!(classify_write(52, "unavailable", None)
            .unwrap_err()
            .is_unavailable());
        assert!(classify_write(50, "no write access", None)
            .unwrap_err()
            .is_unavailable());
    }

    /// Diagnostic messages as Samba 4.17 and Windows Server 2019 send them.
    #[test]
    fn active_directory_replies_map_to_reasons() {
        let samba_short = "0000052D: Constraint violation - check_password_restrictions: the \
                           password is too short. It should be equal or longer than 7 characters!";
        let Err(DirectoryError::Rejected(r)) = classify_write(19, samba_short, None) else {
            panic!("expected a rejection");
        };
        assert_eq!(r.reason, RejectReason::TooShort);
        assert_eq!(r.code, "ad:0000052D");

        let samba_history = "0000052D: Constraint violation - check_password_restrictions: the \
                             password was already used (in history)!";
        let Err(DirectoryError::Rejected(r)) = classify_write(19, samba_history, None) else {
            panic!("expected a rejection");
        };
        assert_eq!(r.reason, RejectReason::InHistory);

        let windows = "0000052D: AtrErr: DSID-03191083, #1:\n\t0: 0000052D: DSID-03191083, \
                       problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 9005a (unicodePwd)\n\0";
        let Err(DirectoryError::Rejected(r)) = classify_write(19, windows, None) else {
            panic!("expected a rejection");
        };
        assert_eq!(r.reason, RejectReason::Quality);

        let wrong_old = "00000056: AtrErr: DSID-03190F80, #1:\n\t0: 00000056: DSID-03190F80, \
                         problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 9005a (unicodePwd)";
        assert!(matches!(
            classify_write(19, wrong_old, None),
            Err(DirectoryError::Rejected(_))
        ));

        // Not over TLS, or no right to reset: the operator's problem, an outage for the guest.
        let no_tls = "0000001F: SvcErr: DSID-031A12D2, problem 5003 (WILL_NOT_PERFORM), data 0";
        assert!(classify_write(53, no_tls, None)
            .unwrap_err()
            .is_unavailable());
        let denied = "00000005: SecErr: DSID-031A1256, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0";
        assert!(classify_write(50, denied, None)
            .unwrap_err()
            .is_unavailable());
    }
}
