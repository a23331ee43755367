//! The email syntax table: what `EmailAddress::parse` accepts, how it normalises, and
//! what it refuses with which explanation. docs/security.md#15 (one recipient) and #16 (no Unicode or
//! case-fold collisions) start here.

use latchkey::domain::{EmailAddress, EmailError};

/// Accepted inputs and their normalised form.
const GOOD: &[(&str, &str)] = &[
    ("jane@example.org", "jane@example.org"),
    ("Jane.Doe@Example.ORG", "jane.doe@example.org"),
    ("MIKE@EXAMPLE.ORG", "mike@example.org"),
    ("  padded@example.org\t", "padded@example.org"),
    (
        "first.last+tag@sub.example.co.uk",
        "first.last+tag@sub.example.co.uk",
    ),
    ("a@b.co", "a@b.co"),
    ("x@a-b.example", "x@a-b.example"),
    ("1234@example.org", "1234@example.org"),
    ("o'brien@example.ie", "o'brien@example.ie"),
    (
        "!#$%&'*+-/=?^_`{|}~@example.org",
        "!#$%&'*+-/=?^_`{|}~@example.org",
    ),
    ("user@bücher.example", "user@xn--bcher-kva.example"),
    ("user@BÜCHER.example", "user@xn--bcher-kva.example"),
    ("user@xn--bcher-kva.example", "user@xn--bcher-kva.example"),
    ("user@münchen.de", "user@xn--mnchen-3ya.de"),
    ("用户@例子.广告", "用户@xn--fsqu00a.xn--4rr70v"),
    ("mıke@example.org", "mıke@example.org"),
    ("JOSÉ@example.org", "josé@example.org"),
    // NFC: e + combining acute becomes é.
    ("jose\u{301}@example.org", "josé@example.org"),
    // Plain lowercase applies the Greek final-sigma rule.
    ("ΔΙΑΣ@example.gr", "διας@example.gr"),
    ("user@example.xn--p1ai", "user@example.xn--p1ai"),
    ("user@123.example", "user@123.example"),
    // 64-octet local part: the RFC 5321 maximum.
    (
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.org",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.org",
    ),
];

/// Refused inputs and the reason.
const BAD: &[(&str, EmailError)] = &[
    ("", EmailError::Empty),
    ("   ", EmailError::Empty),
    ("plainaddress", EmailError::Malformed),
    ("@example.org", EmailError::EmptyLocalPart),
    ("user@", EmailError::EmptyDomain),
    ("a@b@example.org", EmailError::MultipleAt),
    // GitLab CVE-2023-7028 shapes: a list where one address belongs.
    ("a@b.c,evil@x.y", EmailError::List),
    ("a@b.c;evil@x.y", EmailError::List),
    ("a@b.c evil@x.y", EmailError::Whitespace),
    // Header injection.
    ("a@b.c\r\nBcc: e@x.y", EmailError::Whitespace),
    ("a@b.c\nBcc: e@x.y", EmailError::Whitespace),
    ("a\0@example.org", EmailError::Whitespace),
    ("\"a b\"@x.y", EmailError::Quoted),
    ("\"ab\"@x.y", EmailError::Quoted),
    ("Jane <jane@example.org>", EmailError::Whitespace),
    ("<jane@example.org>", EmailError::LocalPartCharacter),
    ("jane doe@example.org", EmailError::Whitespace),
    ("jane\u{200b}@example.org", EmailError::Whitespace),
    ("jane\u{202e}gro@example.org", EmailError::Whitespace),
    (".jane@example.org", EmailError::LocalPartDots),
    ("jane.@example.org", EmailError::LocalPartDots),
    ("ja..ne@example.org", EmailError::LocalPartDots),
    ("ja(ne)@example.org", EmailError::LocalPartCharacter),
    ("ja\\ne@example.org", EmailError::LocalPartCharacter),
    ("ja[ne]@example.org", EmailError::LocalPartCharacter),
    ("user@[192.0.2.1]", EmailError::IpLiteral),
    ("user@[IPv6:2001:db8::1]", EmailError::IpLiteral),
    ("user@192.0.2.1", EmailError::IpLiteral),
    ("user@localhost", EmailError::DomainWithoutDot),
    ("user@example..org", EmailError::InvalidDomain),
    ("user@.example.org", EmailError::InvalidDomain),
    ("user@example.org.", EmailError::InvalidDomain),
    ("user@-example.org", EmailError::InvalidDomain),
    ("user@example-.org", EmailError::InvalidDomain),
    ("user@exa_mple.org", EmailError::InvalidDomain),
    ("user@exa%mple.org", EmailError::InvalidDomain),
    ("user@xn--invalid-.example", EmailError::InvalidDomain),
    // Fullwidth at sign is not an @ (NFC, not NFKC).
    ("user\u{ff20}example.org", EmailError::Malformed),
];

#[test]
fn good_addresses_parse_and_normalise() {
    for (input, expected) in GOOD {
        match EmailAddress::parse(input) {
            Ok(e) => assert_eq!(e.as_str(), *expected, "input {input:?}"),
            Err(err) => panic!("{input:?} should be accepted, got {err:?}"),
        }
    }
}

#[test]
fn bad_addresses_are_refused_with_their_reason() {
    for (input, expected) in BAD {
        assert_eq!(
            EmailAddress::parse(input)
                .as_ref()
                .map(EmailAddress::as_str),
            Err(expected),
            "input {input:?}"
        );
    }
}

#[test]
fn the_table_has_at_least_forty_rows() {
    assert!(GOOD.len() + BAD.len() + overlong().len() >= 40);
}

fn overlong() -> Vec<(String, EmailError)> {
    let label63 = "a".repeat(63);
    vec![
        // 65-octet local part.
        (
            format!("{}@example.org", "a".repeat(65)),
            EmailError::LocalPartTooLong,
        ),
        // 33 × "é" = 66 octets, though only 33 characters.
        (
            format!("{}@example.org", "é".repeat(33)),
            EmailError::LocalPartTooLong,
        ),
        // A 64-octet label.
        (
            format!("user@{}.org", "a".repeat(64)),
            EmailError::DomainTooLong,
        ),
        // A 255-octet domain made of legal labels.
        (
            format!("u@{label63}.{label63}.{label63}.{label63}"),
            EmailError::DomainTooLong,
        ),
        // Every part within its limit, the whole over 254 octets: 64 + 1 + 191.
        (
            format!(
                "{}@{label63}.{label63}.{}.org",
                "a".repeat(64),
                "b".repeat(59)
            ),
            EmailError::TooLong,
        ),
        // Absurd input is refused before any Unicode work.
        ("a".repeat(100_000) + "@example.org", EmailError::TooLong),
    ]
}

#[test]
fn overlong_parts_are_refused() {
    for (input, expected) in overlong() {
        assert_eq!(
            EmailAddress::parse(&input).map(|e| e.to_string()),
            Err(expected),
            "input of {} bytes",
            input.len()
        );
    }
}

#[test]
fn boundaries_at_exactly_the_limits_are_accepted() {
    let label63 = "a".repeat(63);
    // 253-octet domain: 63 + 1 + 63 + 1 + 63 + 1 + 61.
    let domain = format!("{label63}.{label63}.{label63}.{}", "b".repeat(61));
    assert_eq!(domain.len(), 253);
    // The domain itself is fine; only the whole (255 octets) is over the limit.
    assert_eq!(
        EmailAddress::parse(&format!("u@{domain}")),
        Err(EmailError::TooLong)
    );
    // 254-octet address: 64 + 1 + 189.
    let domain = format!("{label63}.{label63}.{}.org", "b".repeat(57));
    let address = format!("{}@{domain}", "a".repeat(64));
    assert_eq!(address.len(), 254);
    assert!(EmailAddress::parse(&address).is_ok());
}

#[test]
fn dotless_i_and_plain_i_stay_different_addresses() {
    let dotless = EmailAddress::parse("mıke@example.org").unwrap();
    let plain = EmailAddress::parse("mike@example.org").unwrap();
    assert_ne!(dotless, plain);
    assert_ne!(dotless.as_str(), plain.as_str());
    // Uppercase input still folds onto the stored lowercase value.
    assert_eq!(EmailAddress::parse("MIKE@EXAMPLE.ORG").unwrap(), plain);
    // The Turkish capital dotted İ lowercases to i + combining dot: also not "mike".
    assert_ne!(EmailAddress::parse("MİKE@example.org").unwrap(), plain);
}

#[test]
fn every_refusal_is_a_sentence_for_the_guest() {
    for (input, _) in BAD {
        if let Err(e) = EmailAddress::parse(input) {
            let text = e.to_string();
            assert!(text.ends_with('.'), "{text}");
            assert!(
                text.chars().next().is_some_and(char::is_uppercase),
                "{text}"
            );
            assert!(!text.contains(['\r', '\n']), "{text}");
        }
    }
}
