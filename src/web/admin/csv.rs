//! CSV for the audit export: RFC 4180 quoting, plus neutralising cells a spreadsheet would run
//! as a formula (OWASP "CSV Injection"): a cell starting with `=`, `+`, `-`, `@`, tab or
//! carriage return gets a leading `'`. Pure, so it is tested here.

use crate::console::audit::AuditEvent;

/// The header row of the export: the stored columns (ids, for machines), then the tenant's
/// and the actor's names as the console shows them (for people).
pub const HEADER: &str = "id,occurred_at_utc,tenant_id,user_id,actor,ip,event,outcome,reason,email,detail,request_id,tenant_name,actor_name\r\n";

/// One cell, neutralised and quoted as needed.
pub fn cell(value: &str) -> String {
    let neutral = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// One event as a CSV line (CRLF-terminated), with its tenant's and actor's names. Times are
/// UTC, RFC 3339.
pub fn row(e: &AuditEvent, tenant_name: &str, actor_name: &str) -> String {
    fn opt(v: &Option<impl AsRef<str>>) -> String {
        cell(v.as_ref().map_or("", AsRef::as_ref))
    }
    let fields = [
        e.id.to_string(),
        e.occurred_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        opt(&e.tenant_id),
        opt(&e.user_id),
        cell(&e.actor),
        opt(&e.ip),
        cell(&e.event),
        cell(&e.outcome),
        opt(&e.reason),
        opt(&e.email),
        opt(&e.detail),
        opt(&e.request_id),
        cell(tenant_name),
        cell(actor_name),
    ];
    let mut line = fields.join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised() {
        for (value, written) in [
            ("=1+2", "'=1+2"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("plain@x.y", "plain@x.y"),
            ("", ""),
        ] {
            assert_eq!(cell(value), written, "{value:?}");
        }
    }

    #[test]
    fn separators_and_quotes_are_quoted() {
        for (value, written) in [
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            (
                "=HYPERLINK(\"x\",\"y\")",
                "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"",
            ),
        ] {
            assert_eq!(cell(value), written, "{value:?}");
        }
    }
}
