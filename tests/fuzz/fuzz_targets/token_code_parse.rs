//! Reset tokens, flow ids, one-time codes and TOTP codes as presented by a browser: parsing
//! never panics, accepts only the canonical shapes, and a random input never matches a MAC.
#![no_main]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use latchkey::security::tokens::{CODE_ALPHABET, CODE_CHARS, TOKEN_CHARS};
use latchkey::security::{code_matches, hash_code, totp, OneTimeCode, TokenHash, TotpSecret};
use libfuzzer_sys::fuzz_target;

const CODE_KEY: &[u8] = b"fuzz code key: 32 bytes exactly!";
/// A fixed TOTP secret (RFC 6238's test key, base32).
const TOTP_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let s: &str = &text;

    // A reset token / flow id (URL path segment, cookie).
    if let Some(hash) = TokenHash::of_presented(s) {
        assert_eq!(s.len(), TOKEN_CHARS);
        let raw = URL_SAFE_NO_PAD.decode(s).expect("accepted tokens are base64url");
        assert_eq!(raw.len(), 32);
        assert_eq!(URL_SAFE_NO_PAD.encode(&raw), s, "non-canonical spelling accepted");
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
});
