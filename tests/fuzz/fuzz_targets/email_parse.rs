//! `EmailAddress::parse` never panics, and what it accepts is a fixed point: parsing the
//! rendered address gives the same address; the domain is lowercase ASCII; the RFC 5321
//! length limits hold; exactly one `@`; no whitespace or control characters.
#![no_main]

use latchkey::domain::email::{
    EmailAddress, MAX_ADDRESS_OCTETS, MAX_DOMAIN_OCTETS, MAX_LOCAL_PART_OCTETS,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = EmailAddress::parse(input);
    let Ok(addr) = &parsed else {
        // The refusal renders as a sentence (shown next to the field).
        assert!(!parsed.unwrap_err().to_string().is_empty());
        return;
    };
    let full = addr.as_str();
    let (local, domain) = (addr.local_part(), addr.domain());
    assert_eq!(full, format!("{local}@{domain}"));
    assert_eq!(full.matches('@').count(), 1, "{full:?}");
    assert!(full.len() <= MAX_ADDRESS_OCTETS, "{full:?}");
    assert!(local.len() <= MAX_LOCAL_PART_OCTETS, "{full:?}");
    assert!(domain.len() <= MAX_DOMAIN_OCTETS, "{full:?}");
    assert!(!local.is_empty() && domain.contains('.'), "{full:?}");
    assert!(domain.is_ascii(), "{full:?}");
    assert_eq!(domain, domain.to_ascii_lowercase(), "{full:?}");
    assert_eq!(local, local.to_lowercase(), "{full:?}");
    assert!(
        !full.chars().any(|c| c.is_whitespace() || c.is_control()),
        "{full:?}"
    );
    // parse(render(parse(x))) == parse(x)
    assert_eq!(
        EmailAddress::parse(full).as_ref(),
        Ok(addr),
        "not a fixed point: {input:?} -> {full:?}"
    );
    // Surrounding whitespace is trimmed, nothing else changes.
    if input.len() + 2 <= 1024 {
        assert_eq!(EmailAddress::parse(&format!(" {input}\t")).as_ref(), Ok(addr));
    }
});
