use super::*;
use proptest::prelude::*;

fn ok(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
}

#[test]
fn serde_round_trips_the_normalised_form_and_validates() {
    let e = ok("Jane@Example.ORG");
    let json = serde_json::to_string(&e).unwrap();
    assert_eq!(json, r#""jane@example.org""#);
    assert_eq!(serde_json::from_str::<EmailAddress>(&json).unwrap(), e);
    assert_eq!(
        serde_json::from_str::<EmailAddress>(r#"" Jane@Example.ORG""#).unwrap(),
        e
    );
    for bad in [r#""a@b.org, c@d.org""#, r#""no-at-sign""#, r#""""#, "42"] {
        assert!(serde_json::from_str::<EmailAddress>(bad).is_err(), "{bad}");
    }
}

#[test]
fn parts_are_split_at_the_single_at() {
    let e = ok("  Jane.Doe+Tag@Example.ORG ");
    assert_eq!(e.as_str(), "jane.doe+tag@example.org");
    assert_eq!(e.local_part(), "jane.doe+tag");
    assert_eq!(e.domain(), "example.org");
    assert_eq!(e.as_ref(), e.to_string());
    assert_eq!(
        format!("{e:?}"),
        "EmailAddress(\"jane.doe+tag@example.org\")"
    );
    assert_eq!(
        serde_json::to_string(&e).unwrap(),
        "\"jane.doe+tag@example.org\""
    );
}

#[test]
fn dotless_i_is_not_folded_into_i() {
    let dotless = ok("mıke@example.org");
    let plain = ok("MIKE@EXAMPLE.ORG");
    assert_ne!(dotless, plain);
    assert_eq!(plain.as_str(), "mike@example.org");
    assert_eq!(dotless.local_part(), "mıke");
}

#[test]
fn nfc_makes_composed_and_decomposed_equal() {
    assert_eq!(
        ok("jose\u{0301}@example.org"),
        ok("jos\u{00e9}@example.org")
    );
}

#[test]
fn idn_domains_become_punycode() {
    assert_eq!(ok("a@Bücher.example").domain(), "xn--bcher-kva.example");
    assert_eq!(
        ok("a@xn--bcher-kva.example").domain(),
        "xn--bcher-kva.example"
    );
}

#[test]
fn errors_read_as_sentences() {
    assert_eq!(
        EmailAddress::parse("\"a b\"@x.y").unwrap_err().to_string(),
        "Quoted local parts like \"a b\"@x.y are not supported."
    );
    for e in [
        EmailError::List,
        EmailError::Whitespace,
        EmailError::TooLong,
    ] {
        let text = e.to_string();
        assert!(text.ends_with('.') && text.chars().next().is_some_and(char::is_uppercase));
    }
}

#[test]
fn length_limits_are_in_octets() {
    // 32 two-octet characters = 64 octets: fits; 33 does not.
    assert!(EmailAddress::parse(&format!("{}@example.org", "é".repeat(32))).is_ok());
    assert_eq!(
        EmailAddress::parse(&format!("{}@example.org", "é".repeat(33))),
        Err(EmailError::LocalPartTooLong)
    );
}

/// The premise of reading stored addresses strictly (docs/architecture.md#storage): the text an
/// `EmailAddress` stores parses again to the same address, for the tricky inputs too.
#[test]
fn stored_text_parses_again_to_itself() {
    for input in [
        "Jane.Doe+Tag@Example.ORG",
        "  padded@example.org\t",
        "a@Bücher.example",
        "a@xn--bcher-kva.example",
        "a@ＥＸＡＭＰＬＥ.org",
        "jose\u{0301}@example.org",
        "JOSÉ@example.org",
        "mıke@example.org",
        "İSTANBUL@example.org",
        "STRASSE@straße.example",
        "ΟΔΥΣΣΕΥΣ@example.org",
        "\u{212A}elvin@example.org",
        "用户@例子.广告",
        "o'brien!#$%&*+/=?^_`{|}~-@sub.example.co.uk",
        &format!("{}@example.org", "é".repeat(32)),
    ] {
        let stored = String::from(ok(input));
        let read = EmailAddress::try_from(stored.clone())
            .unwrap_or_else(|e| panic!("{input:?} stored as {stored:?} does not parse: {e}"));
        assert_eq!(read.as_str(), stored, "{input:?}");
    }
}

#[test]
fn reading_refuses_text_that_does_not_parse() {
    for bad in [
        "a@b.c,evil@x.y",
        "no-at-sign",
        "",
        "\"a b\"@x.y",
        "a@localhost",
    ] {
        assert!(EmailAddress::try_from(bad.to_string()).is_err(), "{bad:?}");
    }
}

proptest! {
    #[test]
    fn parse_never_panics(s in "\\PC{0,300}") {
        let _ = EmailAddress::parse(&s);
    }

    #[test]
    fn parse_is_idempotent(s in "[a-zA-Z0-9._%+-]{1,20}@[a-zA-Z0-9-]{1,20}\\.[a-zA-Z]{2,6}") {
        if let Ok(e) = EmailAddress::parse(&s) {
            prop_assert_eq!(EmailAddress::parse(e.as_str()), Ok(e.clone()));
        }
    }

    #[test]
    fn stored_text_is_a_fixed_point(local in "\\PC{1,24}", domain in "\\PC{1,16}", tld in "[a-zA-Zà-ÿ]{2,6}") {
        if let Ok(e) = EmailAddress::parse(&format!("{local}@{domain}.{tld}")) {
            let stored = String::from(e.clone());
            prop_assert_eq!(EmailAddress::try_from(stored.clone()), Ok(e));
        }
    }

    #[test]
    fn accepted_addresses_have_one_recipient(s in "\\PC{0,80}") {
        if let Ok(e) = EmailAddress::parse(&s) {
            let out = e.as_str();
            prop_assert_eq!(out.matches('@').count(), 1);
            prop_assert!(!out.contains([',', ';', '"', '\r', '\n', ' ', '<', '>']));
            prop_assert!(out.len() <= MAX_ADDRESS_OCTETS);
            prop_assert!(e.domain().is_ascii());
        }
    }
}
