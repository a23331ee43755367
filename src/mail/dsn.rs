//! Reading a delivery status notification (RFC 3464): a `multipart/report;
//! report-type=delivery-status` message whose `message/delivery-status` part holds one block of
//! per-message fields and one block per recipient (`Final-Recipient`, `Action`, `Status`,
//! `Diagnostic-Code`, …). Pure: no I/O, never a panic on any input (the MIME structure is
//! read by the `mail-parser` crate; the status fields, which it leaves alone, here).
//!
//! What identifies the mail is collected but not judged here: the addresses the report was
//! sent to (its `To:`, an MTA's `X-Original-To:` / `Delivered-To:` / `Envelope-To:`, Postfix's
//! `X-Postfix-Sender` field) and the returned message's `Return-Path:`; [`super::bounces`]
//! looks for a VERP return path among them.

use super::reply::{enhanced_status, Enhanced};
use mail_parser::{MessageParser, MimeHeaders as _};

/// Why a message is not a delivery status notification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotADsn {
    #[error("the body is not a mail message (no header block)")]
    NotAMessage,
    #[error(
        "the message is not a delivery status notification: its Content-Type is {0}, not \
         multipart/report; report-type=delivery-status"
    )]
    NotAReport(String),
    #[error("the report has no message/delivery-status part")]
    NoStatusPart,
    #[error("the delivery-status part names no recipient (no Final-Recipient and Action fields)")]
    NoRecipients,
}

/// One per-recipient block of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientStatus {
    /// `Original-Recipient` (the address as we gave it at `RCPT TO`) when present and an
    /// RFC 822 address, else `Final-Recipient`; lowercase, without the `rfc822;` type.
    pub address: Option<String>,
    /// `Action`, lowercase: `failed`, `delayed`, `delivered`, `relayed` or `expanded`.
    pub action: String,
    /// `Status`: the enhanced status code (RFC 3463), when it is one.
    pub status: Option<Enhanced>,
    /// The basic SMTP reply code of an `smtp;` `Diagnostic-Code`, when there is one.
    pub smtp_code: Option<u16>,
}

impl RecipientStatus {
    /// A permanent failure: `Action: failed` with a `5.x.x` status.
    pub fn is_permanent_failure(&self) -> bool {
        self.action == "failed" && self.status.is_some_and(|s| s.class == 5)
    }
}

/// What a report says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The per-recipient blocks, in order.
    pub recipients: Vec<RecipientStatus>,
    /// Values that may hold the mail's return path (see the module documentation).
    pub return_path_candidates: Vec<String>,
    /// `Reporting-MTA`, for the audit (a host name; never an address).
    pub reporting_mta: Option<String>,
}

/// Headers of the report itself that name where it was delivered: the envelope sender of the
/// failed mail.
const ENVELOPE_HEADERS: &[&str] = &["to", "x-original-to", "delivered-to", "envelope-to"];

/// Reads `raw` (a whole message; an mbox `From ` line before it is skipped).
pub fn parse(raw: &[u8]) -> Result<Report, NotADsn> {
    let raw = skip_mbox_line(raw);
    let message = MessageParser::default()
        .parse(raw)
        .filter(|m| !m.headers().is_empty())
        .ok_or(NotADsn::NotAMessage)?;
    let ct = message.content_type();
    let is_report = ct.is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct
                .attribute("report-type")
                .is_some_and(|t| t.eq_ignore_ascii_case("delivery-status"))
    });
    if !is_report {
        let shown = ct.map_or("missing".to_string(), |ct| {
            format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or(""))
        });
        return Err(NotADsn::NotAReport(shown));
    }
    let mut report = Report::default();
    for (name, value) in message.headers_raw() {
        if ENVELOPE_HEADERS
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h))
        {
            report.return_path_candidates.push(value.trim().to_string());
        }
    }
    let mut status_part = None;
    for part in message.parts.iter().skip(1) {
        let Some(ct) = part.content_type() else {
            continue;
        };
        let (ctype, subtype) = (ct.ctype(), ct.subtype().unwrap_or(""));
        if ctype.eq_ignore_ascii_case("message")
            && (subtype.eq_ignore_ascii_case("delivery-status")
                || subtype.eq_ignore_ascii_case("global-delivery-status"))
        {
            status_part.get_or_insert(part.contents());
        } else if let Some(returned) = part.message() {
            // message/rfc822: the returned mail.
            for (name, value) in returned.headers_raw() {
                if name.eq_ignore_ascii_case("return-path") {
                    report.return_path_candidates.push(value.trim().to_string());
                }
            }
        } else if subtype.eq_ignore_ascii_case("rfc822-headers") {
            for (name, value) in header_fields(&String::from_utf8_lossy(part.contents())) {
                if name.eq_ignore_ascii_case("return-path") {
                    report.return_path_candidates.push(value);
                }
            }
        }
    }
    let body = String::from_utf8_lossy(status_part.ok_or(NotADsn::NoStatusPart)?);
    let mut blocks = blocks(&body).into_iter();
    for (name, value) in blocks.next().unwrap_or_default() {
        if name.eq_ignore_ascii_case("reporting-mta") {
            report.reporting_mta = Some(typed_value(&value).chars().take(255).collect());
        } else if name.eq_ignore_ascii_case("x-postfix-sender") {
            report.return_path_candidates.push(value);
        }
    }
    report.recipients = blocks.filter_map(recipient).collect();
    if report.recipients.is_empty() {
        return Err(NotADsn::NoRecipients);
    }
    Ok(report)
}

/// One per-recipient block, if it has the two required fields (a recipient and an action).
fn recipient(fields: Vec<(String, String)>) -> Option<RecipientStatus> {
    let field = |n: &str| {
        fields
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
    };
    let rfc822 = |v: &str| {
        let (kind, address) = v.split_once(';')?;
        let address = address.trim().trim_start_matches('<').trim_end_matches('>');
        (kind.trim().eq_ignore_ascii_case("rfc822") && address.contains('@'))
            .then(|| address.to_lowercase())
    };
    let final_recipient = field("final-recipient")?;
    let action = field("action")?
        .split_whitespace()
        .next()?
        .to_ascii_lowercase();
    let address = field("original-recipient")
        .and_then(rfc822)
        .or_else(|| rfc822(final_recipient));
    let status = field("status").and_then(enhanced_status);
    let smtp_code = field("diagnostic-code").and_then(|d| {
        let (kind, text) = d.split_once(';')?;
        if !kind.trim().eq_ignore_ascii_case("smtp") {
            return None;
        }
        let code = text.trim().get(..3)?;
        code.parse::<u16>().ok().filter(|c| (200..600).contains(c))
    });
    Some(RecipientStatus {
        address,
        action,
        status,
        smtp_code,
    })
}

/// `dns; mx.example.com` → `mx.example.com`.
fn typed_value(value: &str) -> &str {
    value.split_once(';').map_or(value, |(_, v)| v).trim()
}

/// The groups of header-style fields of a delivery-status body, separated by blank lines.
fn blocks(body: &str) -> Vec<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in body.lines() {
        if line.trim().is_empty() {
            if !current.trim().is_empty() {
                out.push(header_fields(&current));
            }
            current.clear();
        } else {
            current.push_str(line);
            current.push('\n');
        }
    }
    if !current.trim().is_empty() {
        out.push(header_fields(&current));
    }
    out
}

/// `Name: value` fields, continuation lines (starting with white space) unfolded; stops at the
/// first blank line. A line without a colon is skipped.
fn header_fields(text: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            fields.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    fields
}

/// An mbox `From sender date` line, as some delivery agents write before a message.
fn skip_mbox_line(raw: &[u8]) -> &[u8] {
    if raw.starts_with(b"From ") {
        if let Some(end) = raw.iter().position(|&b| b == b'\n') {
            return &raw[end + 1..];
        }
    }
    raw
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "From: MAILER-DAEMON@mx.example.net\r\n\
        To: bounce+00112233445566778899aabbccddeeff@bounces.example.com\r\n\
        Subject: Undelivered Mail Returned to Sender\r\n\
        MIME-Version: 1.0\r\n\
        Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"B\"\r\n\
        \r\n\
        --B\r\n\
        Content-Type: text/plain\r\n\
        \r\n\
        It failed.\r\n\
        --B\r\n\
        Content-Type: message/delivery-status\r\n\
        \r\n\
        Reporting-MTA: dns; mx.example.net\r\n\
        \r\n\
        Final-Recipient: rfc822; Gone@Example.org\r\n\
        Action: failed\r\n\
        Status: 5.1.1\r\n\
        Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>:\r\n\
        \x20 user unknown\r\n\
        \r\n\
        Final-Recipient: rfc822; late@example.org\r\n\
        Action: delayed\r\n\
        Status: 4.4.1\r\n\
        \r\n\
        --B--\r\n";

    #[test]
    fn a_report_gives_its_recipients_and_return_path_candidates() {
        let report = parse(MINIMAL.as_bytes()).unwrap();
        assert_eq!(report.reporting_mta.as_deref(), Some("mx.example.net"));
        assert_eq!(report.recipients.len(), 2);
        let gone = &report.recipients[0];
        assert_eq!(gone.address.as_deref(), Some("gone@example.org"));
        assert!(gone.is_permanent_failure());
        assert_eq!(gone.smtp_code, Some(550));
        assert_eq!(gone.status.unwrap().to_string(), "5.1.1");
        assert!(!report.recipients[1].is_permanent_failure());
        assert!(report
            .return_path_candidates
            .iter()
            .any(|c| c.contains("bounce+0011")));
    }

    #[test]
    fn anything_else_is_refused_without_a_panic() {
        assert_eq!(parse(b""), Err(NotADsn::NotAMessage));
        assert!(matches!(
            parse(b"Subject: hi\r\n\r\nhello"),
            Err(NotADsn::NotAReport(_))
        ));
        let no_part = MINIMAL.replace("message/delivery-status", "text/plain");
        assert_eq!(parse(no_part.as_bytes()), Err(NotADsn::NoStatusPart));
        let no_rcpt = MINIMAL.replace("Final-Recipient", "X-Recipient");
        assert_eq!(parse(no_rcpt.as_bytes()), Err(NotADsn::NoRecipients));
        for junk in [&b"\xff\xfe\x00"[..], b"{\"json\": true}", b"--B--\r\n"] {
            assert!(parse(junk).is_err());
        }
    }

    #[test]
    fn an_mbox_from_line_is_skipped() {
        let with = format!("From MAILER-DAEMON Mon Dec  7 10:00:00 2026\n{MINIMAL}");
        assert_eq!(parse(with.as_bytes()).unwrap().recipients.len(), 2);
    }
}
