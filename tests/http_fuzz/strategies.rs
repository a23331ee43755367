//! The random requests: bodies, headers, query strings and path segments, as proptest strategies.

use super::*;

#[derive(Debug, Clone)]
pub(super) enum Body {
    None,
    Bytes(Vec<u8>),
    /// Urlencoded; `true`: with the identity's valid `csrf_token` first.
    Form(Vec<(String, String)>, bool),
    Json(String),
}

#[derive(Debug, Clone)]
pub(super) struct Case {
    pub(super) method: &'static str,
    pub(super) path: String,
    pub(super) query: Option<String>,
    pub(super) identity: usize,
    pub(super) headers: Vec<(&'static str, Vec<u8>)>,
    /// Appended to the identity's cookies.
    pub(super) cookie_garbage: Option<String>,
    pub(super) bearer: Option<String>,
    pub(super) body: Body,
}

/// Percent-encodes every byte outside the unreserved set (so any byte string, including
/// invalid UTF-8 once decoded, survives URL parsing).
pub(super) fn pct(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(b) {
                (*b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub(super) fn text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => any::<String>(),
        2 => "[ -~]{0,40}",
        2 => prop::sample::select(vec![
            GUEST, "ALICE@Fabrikam.TEST", "a@b", "a@b.c,d@e.f", "x@[127.0.0.1]", "mıke@fabrikam.test",
            "ABCD-EFGH", "abcdefgh", "123456", "000000", "2026-01-01", "2026-13-45", "premium", "free",
            "all", "any", "email", "totp", "none", "pending", "redeemed", "expired", "1", "0", "-1",
            "99999999999999999999999", "true", "on", "null", "https://help.example/", "javascript:alert(1)",
            "mailto:x@y.z", "%", "%zz", "\u{0}", "\r\nBcc: x@y.z", PASSWORD, "brisk-meadow-compass-81",
            "a\u{200b}b@fabrikam.test",
        ]).prop_map(str::to_string),
        1 => (1usize..40_000).prop_map(|n| "A".repeat(n)),
        1 => "[A-Za-z0-9_-]{43}",
    ]
    .boxed()
}

pub(super) fn field_name() -> BoxedStrategy<String> {
    prop_oneof![
        6 => prop::sample::select(vec![
            "csrf_token", "email", "password", "password_confirm", "code", "plan", "sspr_enabled",
            "methods_required", "helpdesk_url", "name", "tenant_domain", "tenant", "q", "event",
            "outcome", "ip", "from", "to", "page", "cursor", "before", "setup", "signed_out", "done",
            "saved", "revoked", "enrolled", "removed", "status", "token", "next", "display_name",
            "cc_email", "format", "language", "default_language",
        ]).prop_map(str::to_string),
        1 => any::<String>(),
        1 => Just(String::new()),
    ]
    .boxed()
}

pub(super) fn segment(known: Vec<String>) -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[A-Za-z0-9_-]{43}",
        3 => prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| pct(&b)),
        2 => prop::sample::select(known),
        2 => prop::sample::select(vec![
            "0", "1", "-1", "%00", "%zz", "..%2F..", "%2e%2e", "%C0%AF", "%FF%FE", ".", "%20",
            "00000000-0000-0000-0000-000000000000", "99999999999999999999999999",
        ]).prop_map(str::to_string),
        1 => (1usize..12_000).prop_map(|n| "z".repeat(n)),
    ]
    .boxed()
}

pub(super) fn query() -> BoxedStrategy<Option<String>> {
    prop_oneof![
        3 => Just(None),
        4 => prop::collection::vec((field_name(), text()), 0..5).prop_map(|pairs| {
            Some(pairs.iter().map(|(k, v)| format!("{}={}", pct(k.as_bytes()), pct(v.as_bytes())))
                .collect::<Vec<_>>().join("&"))
        }),
        1 => prop::collection::vec(any::<u8>(), 0..200).prop_map(|b| Some(pct(&b))),
        1 => "[=&%a-z0-9+;]{0,40}".prop_map(Some),
    ]
    .boxed()
}

pub(super) fn header_value(choices: Vec<&'static str>) -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        3 => prop::sample::select(choices).prop_map(|s| s.as_bytes().to_vec()),
        1 => "[ -~]{0,80}".prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..80),
    ]
    .boxed()
}

pub(super) fn headers() -> BoxedStrategy<Vec<(&'static str, Vec<u8>)>> {
    let opt = |name: &'static str, s: BoxedStrategy<Vec<u8>>| {
        prop::option::of(s).prop_map(move |v| v.map(|v| (name, v)))
    };
    (
        opt(
            "content-type",
            header_value(vec![
                "application/x-www-form-urlencoded",
                "application/x-www-form-urlencoded; charset=utf-8",
                "multipart/form-data; boundary=xyz",
                "multipart/form-data",
                "application/json",
                "text/plain",
                "application/x-www-form-urlencoded; charset=latin1",
                "*/*",
            ]),
        ),
        opt(
            "origin",
            header_value(vec![
                ORIGIN,
                "null",
                "https://evil.example",
                "http://reset.test.example",
            ]),
        ),
        opt(
            "sec-fetch-site",
            header_value(vec!["same-origin", "cross-site", "same-site", "none"]),
        ),
        opt(
            "x-forwarded-for",
            header_value(vec![
                "192.0.2.1",
                "::1, 10.0.0.1",
                "unknown",
                "[2001:db8::1]:80",
                ",",
            ]),
        ),
        opt(
            "accept",
            header_value(vec!["application/json", "text/html", "*/*", "text/csv"]),
        ),
        opt("idempotency-key", header_value(vec!["k1", "", "x"])),
        opt(
            "referer",
            header_value(vec![ORIGIN, "https://evil.example/"]),
        ),
        opt(
            "accept-language",
            header_value(vec!["de", "*", "en-GB;q=0.9"]),
        ),
    )
        .prop_map(|(a, b, c, d, e, f, g, h)| {
            [a, b, c, d, e, f, g, h].into_iter().flatten().collect()
        })
        .boxed()
}

pub(super) fn body() -> BoxedStrategy<Body> {
    prop_oneof![
        2 => Just(Body::None),
        2 => prop::collection::vec(any::<u8>(), 0..512).prop_map(Body::Bytes),
        1 => (1usize..3_000_000).prop_map(|n| Body::Bytes(vec![b'x'; n])),
        6 => (prop::collection::vec((field_name(), text()), 0..6), any::<bool>())
            .prop_map(|(f, csrf)| Body::Form(f, csrf)),
        1 => any::<String>().prop_map(Body::Json),
        1 => (prop::option::of(text()), prop::option::of(text()), prop::option::of(text()))
            .prop_map(|(e, d, c)| {
                let mut m = serde_json::Map::new();
                for (k, v) in [("email", e), ("display_name", d), ("cc_email", c)] {
                    if let Some(v) = v {
                        m.insert(k.into(), v.into());
                    }
                }
                Body::Json(serde_json::Value::Object(m).to_string())
            }),
    ]
    .boxed()
}

pub(super) fn case(routes: &'static [&'static str], ctx: &Ctx) -> BoxedStrategy<Case> {
    let n = ctx.identities.len();
    let known = ctx.known.clone();
    (
        prop::sample::select(routes),
        prop::collection::vec(segment(known), 2),
        prop_oneof![
            8 => Just("GET"), 8 => Just("POST"),
            1 => prop::sample::select(vec!["HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"]),
        ],
        query(),
        0..n,
        headers(),
        prop::option::of(prop_oneof![
            "[ -~]{0,120}",
            "(lk_csrf|__Host-lk_csrf|reset_flow|__Host-reset_flow|lk_session|__Host-lk_session|lk_admin|__Host-lk_admin|lk_reset|__Host-lk_reset)=[A-Za-z0-9_%+/=-]{0,200}",
        ]),
        prop::option::of(prop_oneof![Just("valid".to_string()), "[ -~]{0,80}"]),
        body(),
    )
        .prop_map(
            |(route, segs, method, query, identity, headers, cookie_garbage, bearer, body)| {
                let path = route.replacen("{a}", &segs[0], 1).replacen("{b}", &segs[1], 1);
                Case {
                    method,
                    path,
                    query,
                    identity,
                    headers,
                    cookie_garbage,
                    bearer,
                    body,
                }
            },
        )
        .boxed()
}
