//! The request id: an incoming `X-Request-Id` (from a proxy or the caller) is kept when it is
//! short and plain; otherwise the trace id of a W3C `traceparent`; otherwise a fresh UUID. The
//! id names the request's tracing span and is echoed in the response's `X-Request-Id`, so one
//! id follows a request through the proxy's logs and ours.

/// At most this many characters of an incoming id are accepted.
const MAX_LEN: usize = 64;

/// The id for a request with these header values.
pub fn choose(x_request_id: Option<&str>, traceparent: Option<&str>) -> String {
    if let Some(id) = x_request_id.map(str::trim).filter(|v| is_plain(v)) {
        return id.to_string();
    }
    if let Some(trace) = traceparent.and_then(trace_id) {
        return trace.to_string();
    }
    uuid::Uuid::new_v4().to_string()
}

/// Letters, digits and `-_.:`; 1 to 64 characters (nothing a log line could be forged with).
fn is_plain(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= MAX_LEN
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// The trace id of a `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`), unless it is all zeros.
fn trace_id(v: &str) -> Option<&str> {
    let mut parts = v.trim().split('-');
    let (version, trace, parent, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, n: usize| {
        s.len() == n && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    let valid = hex(version, 2)
        && version != "ff"
        && hex(trace, 32)
        && trace.bytes().any(|b| b != b'0')
        && hex(parent, 16)
        && hex(flags, 2);
    valid.then_some(trace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_incoming_plain_id_is_kept() {
        assert_eq!(choose(Some("abc-123"), None), "abc-123");
        let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(choose(Some("abc-123"), Some(tp)), "abc-123");
    }

    #[test]
    fn a_traceparent_gives_its_trace_id() {
        let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(choose(None, Some(tp)), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(
            choose(Some("bad\nid"), Some(tp)),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
    }

    #[test]
    fn anything_else_gets_a_fresh_id() {
        for (x, tp) in [
            (Some(""), None),
            (Some("has space"), None),
            (Some(&*"a".repeat(65)), None),
            (
                None,
                Some("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
            ),
            (
                None,
                Some("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"),
            ),
            (None, Some("garbage")),
        ] {
            let id = choose(x, tp);
            assert!(uuid::Uuid::parse_str(&id).is_ok(), "{x:?} {tp:?} → {id}");
        }
    }
}
