//! What an SMTP server's refusal means for the address (the bounce classes of
//! docs/operations.md#outages-smtp-and-database, docs/security.md#41): only a refusal *of the
//! recipient* marks the address bounced. A refusal by the relay — its policy, a quota, the message's size or content, the
//! sender — says nothing about the guest's mailbox: marking the guest would let one misbehaving
//! relay (`550 5.4.5 quota exceeded` to every message) make every account undeliverable.
//!
//! | reply | class | what happens |
//! |---|---|---|
//! | 4xx | [`SendError::Transient`] | retried |
//! | enhanced status `5.1.x` (not 5.1.7/5.1.8, the sender's) | recipient: [`SendError::Permanent`] | address marked bounced |
//! | 550, 551, 553, 556 with no enhanced status (or `5.0.0`) | recipient | address marked bounced |
//! | any other enhanced status (`5.2`–`5.7`, e.g. 5.7.1 relay denied, 5.4.5 quota, 5.3.4 too big), 552, 554 | relay: [`SendError::Refused`] | retried, audited `mail_refused` (alert), counted `outcome="refused"`; never marks |
//! | 500–504, 530–538 | session: [`SendError::Transient`] | retried (check `smtp_url`) |
//!
//! lettre reports the reply but not the command it answered, so the enhanced status code
//! decides; a bare 550/553 is read as the `RCPT TO` reply RFC 5321 defines it as ("mailbox
//! unavailable", "mailbox name not allowed"). Servers that refuse a sender or a relay answer with
//! an enhanced code (5.7.x, 5.1.7/5.1.8) almost always.
//!
//! The [`SendError`] text holds the codes only, never the server's words (they often echo the
//! address: docs/security.md#13, #37).

use super::SendError;

/// An RFC 3463 enhanced status code: class.subject.detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enhanced {
    pub class: u8,
    pub subject: u16,
    pub detail: u16,
}

impl std::fmt::Display for Enhanced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// The enhanced status code at the start of a reply's text (`"5.1.1 no such user"`), if any.
/// Each line of a multi-line reply starts with it; the first one counts.
pub fn enhanced_status(text: &str) -> Option<Enhanced> {
    let first = text.split_whitespace().next()?;
    let mut parts = first.split('.');
    let class: u8 = parts.next()?.parse().ok()?;
    let subject: u16 = parts.next()?.parse().ok()?;
    let detail: u16 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !matches!(class, 2 | 4 | 5) || subject > 999 || detail > 999 {
        return None;
    }
    Some(Enhanced {
        class,
        subject,
        detail,
    })
}

/// Basic codes that, without an enhanced status saying otherwise, refuse the recipient.
const RECIPIENT_CODES: &[u16] = &[550, 551, 553, 556];

/// Classifies a negative reply: `code` is the three-digit reply code, `text` the reply's text
/// (read for its enhanced status only).
pub fn classify_reply(code: u16, text: &str) -> SendError {
    if !(500..600).contains(&code) {
        return SendError::Transient(format!("the SMTP server asked to retry later ({code})"));
    }
    if (500..=504).contains(&code) || (530..=538).contains(&code) {
        return SendError::Transient(format!(
            "the SMTP server refused the session ({code}); check smtp_url and its credentials"
        ));
    }
    let enhanced = enhanced_status(text).filter(|e| e.class == 5);
    let recipient = match enhanced {
        // 5.1.7 / 5.1.8: the *sender's* address is bad.
        Some(e) if e.subject == 1 => !matches!(e.detail, 7 | 8),
        // 5.0.0 is "other, undefined": the basic code has to speak.
        Some(e) if e.subject == 0 && e.detail == 0 => RECIPIENT_CODES.contains(&code),
        Some(_) => false,
        None => RECIPIENT_CODES.contains(&code),
    };
    let codes = match enhanced {
        Some(e) => format!("{code} {e}"),
        None => code.to_string(),
    };
    if recipient {
        SendError::Permanent(format!("the SMTP server refused the recipient ({codes})"))
    } else {
        SendError::Refused(format!(
            "the SMTP server refused the message for a reason not about the recipient ({codes}); \
             will retry"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(code: u16, text: &str) -> &'static str {
        match classify_reply(code, text) {
            SendError::Permanent(_) => "bounced",
            SendError::Refused(_) => "refused",
            SendError::Transient(_) => "retry",
        }
    }

    #[test]
    fn only_recipient_failures_bounce() {
        // docs/security.md#41: the bounce classes.
        assert_eq!(class(550, "5.1.1 no such user"), "bounced");
        assert_eq!(class(550, "5.1.10 null MX"), "bounced");
        assert_eq!(class(553, "5.1.3 bad address syntax"), "bounced");
        assert_eq!(class(554, "5.1.1 unknown user"), "bounced");
        assert_eq!(class(550, "mailbox unavailable"), "bounced");
        assert_eq!(class(553, ""), "bounced");
        assert_eq!(class(550, "5.0.0 rejected"), "bounced");
        assert_eq!(class(556, "5.1.10 domain does not accept mail"), "bounced");
    }

    #[test]
    fn relay_policy_quota_and_sender_refusals_retry() {
        for (code, text) in [
            (550, "5.4.5 quota exceeded"),
            (550, "5.7.1 relaying denied"),
            (554, "5.7.1 message rejected as spam"),
            (552, "5.3.4 message too big"),
            (552, "message size exceeds limit"),
            (554, "transaction failed"),
            (554, "5.0.0 transaction failed"),
            (550, "5.1.7 bad sender address"),
            (553, "5.1.8 bad sender domain"),
            (550, "5.2.2 mailbox full"),
            (550, "5.6.0 content refused"),
        ] {
            assert_eq!(class(code, text), "refused", "{code} {text}");
        }
    }

    #[test]
    fn temporary_and_session_replies_retry_quietly() {
        assert_eq!(class(451, "4.3.0 try later"), "retry");
        assert_eq!(class(421, ""), "retry");
        assert_eq!(class(535, "5.7.8 authentication failed"), "retry");
        assert_eq!(class(503, "5.5.1 bad sequence"), "retry");
    }

    #[test]
    fn the_error_names_codes_never_the_servers_words() {
        let e = classify_reply(550, "5.1.1 <guest@example.com>: no such user").to_string();
        assert!(e.contains("550 5.1.1"), "{e}");
        assert!(!e.contains("guest@example.com"), "{e}");
    }

    #[test]
    fn enhanced_status_parsing() {
        assert_eq!(
            enhanced_status("5.4.5 quota"),
            Some(Enhanced {
                class: 5,
                subject: 4,
                detail: 5
            })
        );
        assert_eq!(enhanced_status("quota 5.4.5"), None);
        assert_eq!(enhanced_status("5.4"), None);
        assert_eq!(enhanced_status("5.4.5.1 x"), None);
        assert_eq!(enhanced_status("9.1.1 x"), None);
        assert_eq!(enhanced_status(""), None);
    }
}
