//! The checks behind each fuzz target, shared by the targets (tests/fuzz/fuzz_targets) and by
//! the normal test suite (tests/fuzz_regressions.rs replays the seed corpus and every recorded
//! finding through them). Each takes the raw fuzz input and panics on a violated invariant.
#![allow(dead_code)]

pub mod email_parse {
    //! `EmailAddress::parse` never panics, and what it accepts is a fixed point: parsing the
    //! rendered address gives the same address; the domain is lowercase ASCII; the RFC 5321
    //! length limits hold; exactly one `@`; no whitespace or control characters.
    use latchkey::domain::email::{
        EmailAddress, MAX_ADDRESS_OCTETS, MAX_DOMAIN_OCTETS, MAX_LOCAL_PART_OCTETS,
    };

    pub fn check(data: &[u8]) {
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
            assert_eq!(
                EmailAddress::parse(&format!(" {input}\t")).as_ref(),
                Ok(addr)
            );
        }
    }
}

pub mod csv_invitations {
    //! The invitation CSV parser never panics; a file is either refused as a whole with an error
    //! that names a real line (or the header), or every data row comes back with its own line
    //! number (increasing, after the header, within the file), trimmed cells, and an address
    //! that `EmailAddress::parse` accepts or refuses without panicking (as `invite_one` does).
    use latchkey::domain::email::EmailAddress;
    use latchkey::onboarding::csv::{parse, CsvError, MAX_ROWS};

    pub fn check(data: &[u8]) {
        let lines = 1 + latchkey::onboarding::csv::line_breaks(data);
        match parse(data) {
            Ok(rows) => {
                assert!(rows.len() <= MAX_ROWS);
                let mut previous = 1;
                for row in &rows {
                    assert!(row.line > previous, "line {} after {previous}", row.line);
                    assert!(row.line <= lines, "line {} of {lines}", row.line);
                    previous = row.line;
                    assert_eq!(row.email, row.email.trim());
                    for cell in [&row.display_name, &row.cc_email].into_iter().flatten() {
                        assert!(!cell.is_empty() && cell == cell.trim());
                    }
                    let _ = EmailAddress::parse(&row.email);
                    if let Some(cc) = &row.cc_email {
                        let _ = EmailAddress::parse(cc);
                    }
                }
            }
            Err(e) => {
                assert!(!e.to_string().is_empty());
                let line = match e {
                    CsvError::TooManyRows { line, .. }
                    | CsvError::Binary { line }
                    | CsvError::NotUtf8 { line }
                    | CsvError::FieldCount { line, .. }
                    | CsvError::Malformed { line, .. } => Some(line),
                    CsvError::Empty
                    | CsvError::TooLarge
                    | CsvError::MissingColumn { .. }
                    | CsvError::DuplicateColumn { .. } => None,
                };
                if let Some(line) = line {
                    assert!(
                        (1..=lines).contains(&line),
                        "error line {line} of {lines}: {e}"
                    );
                }
            }
        }
    }
}

pub mod form_decode {
    //! Every urlencoded form (inside its `csrf_token` envelope), every query string and the API's
    //! JSON body decode to a value or an error, never a panic.
    use latchkey::web::fuzzing::{decode_api_body, decode_forms, decode_queries};

    pub fn check(data: &[u8]) {
        decode_forms(data);
        decode_queries(&String::from_utf8_lossy(data));
        decode_api_body(data);
    }
}

pub mod token_code_parse {
    //! Reset tokens, flow ids, one-time codes and TOTP codes as presented by a browser: parsing
    //! never panics, accepts only the canonical shapes, and a random input never matches a MAC.
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use latchkey::security::tokens::{CODE_ALPHABET, CODE_CHARS, TOKEN_CHARS};
    use latchkey::security::{code_matches, hash_code, totp, OneTimeCode, TokenHash, TotpSecret};

    const CODE_KEY: &[u8] = b"fuzz code key: 32 bytes exactly!";
    /// A fixed TOTP secret (RFC 6238's test key, base32).
    const TOTP_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    pub fn check(data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        let s: &str = &text;

        // A reset token / flow id (URL path segment, cookie).
        if let Some(hash) = TokenHash::of_presented(s) {
            assert_eq!(s.len(), TOKEN_CHARS);
            let raw = URL_SAFE_NO_PAD
                .decode(s)
                .expect("accepted tokens are base64url");
            assert_eq!(raw.len(), 32);
            assert_eq!(
                URL_SAFE_NO_PAD.encode(&raw),
                s,
                "non-canonical spelling accepted"
            );
            assert_eq!(hash.as_str().len(), 64);
            assert_eq!(TokenHash::from_stored(hash.as_str()), Some(hash));
        }
        if let Some(stored) = TokenHash::from_stored(s) {
            assert!(s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
            assert_eq!(stored.as_str(), s);
        }

        // A one-time code as typed (`abcd-efgh`, spaces, lowercase …).
        if let Some(code) = OneTimeCode::normalize_presented(s) {
            let c = code.expose();
            assert_eq!(c.len(), CODE_CHARS);
            assert!(c.bytes().all(|b| CODE_ALPHABET.contains(&b)));
            let again = OneTimeCode::normalize_presented(&code.expose_grouped()).expect("grouped");
            assert_eq!(again.expose(), c);
            let stored = hash_code(CODE_KEY, &code);
            assert!(code_matches(CODE_KEY, &code, &stored));
            // The fuzz input as a stored MAC matches only if it is that very MAC.
            assert_eq!(code_matches(CODE_KEY, &code, s), s == stored);
            assert!(!code_matches(b"another key", &code, &stored));
        }

        // A TOTP code against a fixed secret, at a time taken from the input; and the input as a
        // stored secret.
        let secret = TotpSecret::from_base32(TOTP_SECRET).expect("test secret");
        let now = data
            .iter()
            .take(8)
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let _ = totp::verify(&secret, s, now, None);
        let _ = totp::verify(&secret, s, now, Some(i64::MAX));
        if let Some(other) = TotpSecret::from_base32(s) {
            let _ = totp::verify(&other, "123456", now, None);
        }
    }
}

pub mod csrf_verify {
    //! The CSRF verifier never panics and never accepts a token it did not issue for that
    //! binding; a token it issued verifies for its binding only.
    use latchkey::security::CsrfKey;

    pub fn check(data: &[u8]) {
        let key = CsrfKey::new([7; 32]);
        let text = String::from_utf8_lossy(data);
        // The first line is the binding (the cookie), the rest the presented token.
        let (binding, presented) = text.split_once('\n').unwrap_or((&text, &text));
        assert!(!key.verify(binding, presented), "forged token accepted");
        // A binding the server did not issue never verifies, even with a token issued for it.
        let issued = key.issue(binding);
        assert_eq!(key.verify(binding, &issued), key.binding_is_ours(binding));
        assert!(!key.binding_is_ours(binding), "forged binding accepted");
        // A binding it did issue verifies with its tokens only.
        let ours = key.new_binding();
        assert!(key.verify(&ours, &key.issue(&ours)));
        assert!(!key.verify(&ours, presented), "forged token accepted");
        let other = format!("{ours}x");
        assert!(!key.verify(&other, &key.issue(&other)));
        assert!(!CsrfKey::new([8; 32]).verify(&ours, &key.issue(&ours)));
    }
}

pub mod client_ip {
    //! `X-Forwarded-For` resolution never panics, never lets an untrusted peer choose its address,
    //! and always reports a canonical (IPv4-mapped → IPv4) address.
    use ipnet::IpNet;
    use latchkey::security::client_ip::resolve;
    use std::net::IpAddr;

    pub fn check(data: &[u8]) {
        let header = String::from_utf8_lossy(data);
        let trusted: Vec<IpNet> = ["10.0.0.0/8", "::1/128", "2001:db8::/32"]
            .iter()
            .map(|n| n.parse().unwrap())
            .collect();
        let untrusted: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(resolve(untrusted, Some(&header), &trusted), untrusted);
        for peer in ["10.1.2.3", "::ffff:10.1.2.3", "::1"] {
            let peer: IpAddr = peer.parse().unwrap();
            let got = resolve(peer, Some(&header), &trusted);
            assert_eq!(got, got.to_canonical());
            if got != peer.to_canonical() {
                // Anything else is one of the header's entries (bare or with a port).
                let entries = header.split(',').map(str::trim).filter_map(|e| {
                    e.parse::<IpAddr>()
                        .ok()
                        .or_else(|| e.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
                });
                assert!(
                    entries.map(|ip| ip.to_canonical()).any(|ip| ip == got),
                    "{got} is not in {header:?}"
                );
            }
        }
    }
}
