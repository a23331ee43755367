//! Reset tokens, one-time codes and flow ids (docs/architecture.md#the-reset-flow-end-to-end).
//!
//! - [`TokenSecret`]: the secret in a reset link. 32 bytes from the OS CSPRNG, base64url without
//!   padding (43 characters). Only its SHA-256 ([`TokenHash`]) is stored (docs/security.md#1, #2).
//! - [`FlowId`]: the random id in the `reset_flow` cookie, same shape and hashing as a token.
//! - [`OneTimeCode`]: the 8-character code mailed beside the link. It is short (≈40 bits), so it
//!   is stored as an HMAC keyed with a server secret ([`hash_code`]): a plain hash of a 40-bit
//!   value could be brute-forced from a database dump.
//!
//! None of these types print their value in `Debug`, and none implement `Display` or
//! `Serialize`: getting the secret out takes an explicit `expose()`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::fmt;

use super::mac::{ct_eq, hmac_sha256_parts, os_random};

/// Length of a token or flow id in characters: 32 bytes, base64url, no padding.
pub const TOKEN_CHARS: usize = 43;

/// The alphabet of one-time codes: digits and capitals without the look-alikes 0/O, 1/I/L.
pub const CODE_ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Length of a one-time code in characters (31^8 ≈ 2^39.6 possibilities).
pub const CODE_CHARS: usize = 8;

/// Presented codes longer than this are refused before any processing.
const MAX_PRESENTED_CODE_BYTES: usize = 64;

/// Domain separation for [`hash_code`], so a key shared with another MAC use cannot be confused.
const CODE_MAC_LABEL: &[u8] = b"latchkey/one-time-code/v1\0";

/// 32 random bytes as base64url: the common shape of tokens and flow ids.
fn random_token_string() -> String {
    URL_SAFE_NO_PAD.encode(os_random::<32>())
}

/// Whether `s` has the exact shape of a generated token: 43 base64url characters that decode to
/// 32 bytes canonically. Checked before hashing, so junk is refused cheaply and uniformly.
fn is_token_shaped(s: &str) -> bool {
    s.len() == TOKEN_CHARS
        && s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        // Rejects non-canonical trailing bits, so each 32-byte value has exactly one spelling.
        && URL_SAFE_NO_PAD
            .decode(s)
            .is_ok_and(|bytes| bytes.len() == 32)
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// The SHA-256 (lowercase hex, 64 characters) of a token or flow id: what the database stores
/// and looks up. Not secret in itself, but equality is still compared in constant time.
#[derive(Clone, Debug, Eq)]
pub struct TokenHash(String);

impl TokenHash {
    /// Hashes a token as presented by a browser (URL path, cookie, form). Returns `None` for
    /// anything that cannot be a token (wrong length, characters outside base64url, NUL,
    /// percent-escapes, 10 KB of junk…), so a malformed token costs no database lookup and
    /// takes the same "invalid link" path as an unknown one (docs/security.md#8).
    pub fn of_presented(presented: &str) -> Option<TokenHash> {
        is_token_shaped(presented).then(|| TokenHash(sha256_hex(presented)))
    }

    /// Wraps a hash read back from storage. Returns `None` unless it is 64 lowercase hex digits.
    pub fn from_stored(stored: &str) -> Option<TokenHash> {
        (stored.len() == 64
            && stored
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| TokenHash(stored.to_owned()))
    }

    /// The hex digest, as stored in the database.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hex digest, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl PartialEq for TokenHash {
    fn eq(&self, other: &Self) -> bool {
        ct_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl std::hash::Hash for TokenHash {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // Consistent with `PartialEq`: equal hashes are equal strings.
        self.0.hash(state);
    }
}

impl AsRef<str> for TokenHash {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

macro_rules! random_secret {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            /// A fresh value: 32 bytes from the OS CSPRNG, base64url, 43 characters.
            ///
            /// # Panics
            ///
            /// Only if the operating system has no working random source.
            pub fn generate() -> Self {
                Self(SecretString::from(random_token_string()))
            }

            /// The secret itself, for building a link or setting a cookie. Never log it.
            pub fn expose(&self) -> &str {
                self.0.expose_secret()
            }

            /// The SHA-256 that is stored in place of the secret (docs/security.md#2).
            pub fn hash(&self) -> TokenHash {
                TokenHash(sha256_hex(self.expose()))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(***)"))
            }
        }
    };
}

random_secret!(
    /// The secret of a reset link (`/reset/link/{token}`). Mailed once, never stored: the
    /// database keeps [`TokenSecret::hash`] only.
    TokenSecret
);

random_secret!(
    /// The random id in the `reset_flow` cookie, which binds a one-time code to the browser that
    /// asked for it. Stored hashed, like a token; read back with [`TokenHash::of_presented`].
    FlowId
);

/// An 8-character one-time code from [`CODE_ALPHABET`], mailed beside the reset link.
///
/// Generated codes come from [`OneTimeCode::generate`]; codes typed by a guest go through
/// [`OneTimeCode::normalize_presented`]. Either way the value is only reachable by `expose()`.
#[derive(Clone)]
pub struct OneTimeCode(SecretString);

impl OneTimeCode {
    /// A fresh code, each character drawn uniformly from [`CODE_ALPHABET`] with the OS CSPRNG
    /// (rejection sampling, so there is no modulo bias).
    ///
    /// # Panics
    ///
    /// Only if the operating system has no working random source.
    pub fn generate() -> Self {
        // 248 = 8 * 31: bytes at or above it would bias the modulo, so they are redrawn.
        const LIMIT: u8 = 248;
        let mut code = String::with_capacity(CODE_CHARS);
        while code.len() < CODE_CHARS {
            for b in os_random::<16>() {
                if b < LIMIT && code.len() < CODE_CHARS {
                    code.push(CODE_ALPHABET[usize::from(b % 31)] as char);
                }
            }
        }
        Self(SecretString::from(code))
    }

    /// Reads a code as a guest typed it: trims, upper-cases, drops spaces and dashes (the mail
    /// shows `ABCD-EFGH`), then requires exactly 8 characters of the alphabet. Anything else,
    /// including oversized input, gives `None` without further work.
    pub fn normalize_presented(presented: &str) -> Option<OneTimeCode> {
        if presented.len() > MAX_PRESENTED_CODE_BYTES {
            return None;
        }
        let mut code = String::with_capacity(CODE_CHARS);
        for c in presented.trim().chars() {
            if c == ' ' || c == '-' {
                continue;
            }
            let c = c.to_ascii_uppercase();
            if !c.is_ascii() || !CODE_ALPHABET.contains(&(c as u8)) || code.len() >= CODE_CHARS {
                return None;
            }
            code.push(c);
        }
        (code.len() == CODE_CHARS).then(|| Self(SecretString::from(code)))
    }

    /// The code itself (8 characters), for the mail. Never log it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The code grouped for reading, `ABCD-EFGH`; [`OneTimeCode::normalize_presented`] accepts
    /// it back.
    pub fn expose_grouped(&self) -> String {
        let code = self.expose();
        let (a, b) = code.split_at(CODE_CHARS / 2);
        format!("{a}-{b}")
    }
}

impl fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneTimeCode(***)")
    }
}

/// The stored form of a one-time code: HMAC-SHA256 under the server's code key, hex.
///
/// A keyed MAC, not a plain hash: with only ≈2^40 codes, SHA-256 of a code could be inverted
/// from a database dump in minutes; without the key (kept outside the database) it cannot.
pub fn hash_code(key: &[u8], code: &OneTimeCode) -> String {
    hex::encode(hmac_sha256_parts(
        key,
        &[CODE_MAC_LABEL, code.expose().as_bytes()],
    ))
}

/// Whether `code` matches a stored [`hash_code`] value, compared in constant time.
pub fn code_matches(key: &[u8], code: &OneTimeCode, stored: &str) -> bool {
    ct_eq(hash_code(key, code).as_bytes(), stored.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    // docs/security.md#1: ≥128 bits from a CSPRNG, base64url, unique.
    #[test]
    fn tokens_are_43_base64url_chars_and_unique() {
        let mut seen = HashSet::new();
        for _ in 0..500 {
            let t = TokenSecret::generate();
            assert_eq!(t.expose().len(), TOKEN_CHARS);
            assert!(t
                .expose()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            assert!(seen.insert(t.expose().to_owned()));
        }
    }

    // docs/security.md#2: what is stored is the SHA-256, not the token.
    #[test]
    fn hash_is_sha256_hex_and_matches_presented() {
        let t = TokenSecret::generate();
        let h = t.hash();
        assert_eq!(h.as_str().len(), 64);
        assert_ne!(h.as_str(), t.expose());
        assert_eq!(TokenHash::of_presented(t.expose()), Some(h.clone()));
        assert_eq!(TokenHash::from_stored(h.as_str()), Some(h));
        assert_ne!(TokenSecret::generate().hash(), t.hash());
    }

    // docs/security.md#8: malformed tokens are refused before any lookup.
    #[test]
    fn malformed_tokens_have_no_hash() {
        let good = TokenSecret::generate();
        let g = good.expose();
        let ten_kb = "A".repeat(10 * 1024);
        let nul = format!("{}\0", &g[..42]);
        let pct = format!("{}%00", &g[..40]);
        let plus = format!("{}+", &g[..42]);
        let padded = format!("{g}=");
        for bad in [
            "",
            "zzzz",
            ten_kb.as_str(),
            nul.as_str(),
            pct.as_str(),
            plus.as_str(),
            padded.as_str(),
            &g[..42],
            "ÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄ",
        ] {
            assert_eq!(TokenHash::of_presented(bad), None, "{bad:?}");
        }
        // Non-canonical final character (low bits set) is not a token we could have issued.
        let mut chars: Vec<char> = g.chars().collect();
        let last = chars[42];
        let idx = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            .iter()
            .position(|&c| c as char == last)
            .unwrap();
        chars[42] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[idx | 1] as char;
        let odd: String = chars.into_iter().collect();
        assert_eq!(TokenHash::of_presented(&odd), None);
        assert_eq!(TokenHash::from_stored("XYZ"), None);
    }

    #[test]
    fn debug_never_prints_secrets() {
        let t = TokenSecret::generate();
        assert_eq!(format!("{t:?}"), "TokenSecret(***)");
        let f = FlowId::generate();
        assert_eq!(format!("{f:?}"), "FlowId(***)");
        assert!(!format!("{f:?}").contains(f.expose()));
        let c = OneTimeCode::generate();
        assert_eq!(format!("{c:?}"), "OneTimeCode(***)");
    }

    #[test]
    fn flow_ids_hash_like_tokens() {
        let f = FlowId::generate();
        assert_eq!(TokenHash::of_presented(f.expose()), Some(f.hash()));
    }

    #[test]
    fn codes_use_the_unambiguous_alphabet() {
        let mut seen = HashSet::new();
        for _ in 0..500 {
            let c = OneTimeCode::generate();
            assert_eq!(c.expose().len(), CODE_CHARS);
            assert!(c.expose().bytes().all(|b| CODE_ALPHABET.contains(&b)));
            for banned in ['0', 'O', '1', 'I', 'L'] {
                assert!(!c.expose().contains(banned));
            }
            seen.insert(c.expose().to_owned());
        }
        assert!(seen.len() > 495);
        // Every letter of the alphabet turns up (catches an off-by-one in the sampling).
        let all: String = seen.into_iter().collect();
        assert!(CODE_ALPHABET.iter().all(|&b| all.contains(b as char)));
    }

    #[test]
    fn presented_codes_are_normalised() {
        let c = OneTimeCode::generate();
        let grouped = c.expose_grouped();
        assert_eq!(grouped.len(), 9);
        let lower = format!("  {}  ", grouped.to_lowercase());
        let spaced = c.expose().chars().fold(String::new(), |mut s, ch| {
            s.push(ch);
            s.push(' ');
            s
        });
        for form in [
            c.expose(),
            grouped.as_str(),
            lower.as_str(),
            spaced.as_str(),
        ] {
            let n = OneTimeCode::normalize_presented(form).expect(form);
            assert_eq!(n.expose(), c.expose());
        }
    }

    #[test]
    fn garbage_codes_are_refused() {
        let long = "A".repeat(1_000_000);
        for bad in [
            "",
            "ABCDEFG",
            "ABCDEFGHJ",
            "ABCDEFG0",
            "ABCDEFGO",
            "ABCDEFG1",
            "ABCDEFGI",
            "ABCDEFGL",
            "ABCD\0EFG",
            "ABCDÉFGH",
            "ＡＢＣＤＥＦＧＨ",
            long.as_str(),
        ] {
            assert!(OneTimeCode::normalize_presented(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn code_hash_is_keyed() {
        let c = OneTimeCode::normalize_presented("ABCD-EFGH").unwrap();
        let h1 = hash_code(b"key one", &c);
        let h2 = hash_code(b"key two", &c);
        assert_eq!(h1.len(), 64);
        assert_ne!(h1, h2);
        assert_ne!(h1, hex::encode(Sha256::digest(b"ABCDEFGH")));
        assert!(code_matches(b"key one", &c, &h1));
        assert!(!code_matches(b"key two", &c, &h1));
        let other = OneTimeCode::normalize_presented("ABCD-EFGJ").unwrap();
        assert!(!code_matches(b"key one", &other, &h1));
    }
}
