//! CSRF tokens (docs/security.md#31; OWASP CSRF cheat sheet, "signed double-submit cookie").
//!
//! The web layer keeps a random per-browser *binding* in a cookie ([`CsrfKey::new_binding`]) and puts
//! [`CsrfKey::issue`]`(binding)` in every form's hidden `csrf_token` field. On POST it calls
//! [`CsrfKey::verify`] with the cookie's binding and the field. An attacker can neither read the
//! victim's cookie nor forge the MAC without the server key, so a cross-site form cannot carry a
//! valid token.
//!
//! Each token is `base64url(nonce ‖ HMAC(key, label ‖ binding ‖ nonce))` with a fresh 16-byte
//! nonce, so two pages never show the same token (nothing to compare across responses, no
//! BREACH-style secret repeated in compressed bodies), yet all verify against one binding.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use std::fmt;

use super::mac::{ct_eq, hmac_sha256_parts, os_random};

const NONCE_BYTES: usize = 16;
const MAC_BYTES: usize = 32;
/// Length of an issued token in characters: base64url of 48 bytes, no padding.
pub const TOKEN_CHARS: usize = 64;
/// Domain separation, so the CSRF key's MACs cannot be confused with any other use of a key.
const LABEL: &[u8] = b"latchkey/csrf/v1\0";

/// Domain separation for the signature on a binding.
const BINDING_LABEL: &[u8] = b"latchkey/csrf-binding/v1\0";
/// Length of a binding: 43 characters of randomness, a dot, 43 characters of MAC.
pub const BINDING_CHARS: usize = 87;

/// The server-side key that signs CSRF tokens. `Debug` never prints it.
#[derive(Clone)]
pub struct CsrfKey([u8; 32]);

impl CsrfKey {
    /// Wraps a 256-bit key (loaded from the data directory or configuration).
    pub fn new(key: [u8; 32]) -> Self {
        Self(key)
    }

    /// A fresh random key (tests, or a first start with no stored key).
    ///
    /// # Panics
    ///
    /// Only if the operating system has no working random source.
    pub fn generate() -> Self {
        Self(os_random())
    }

    fn mac(&self, binding: &str, nonce: &[u8]) -> [u8; 32] {
        hmac_sha256_parts(&self.0, &[LABEL, binding.as_bytes(), nonce])
    }

    /// A fresh per-browser binding for the CSRF cookie: 32 random bytes and the server's MAC
    /// over them (`base64url(random).base64url(mac)`). Only bindings this key issued are
    /// accepted: on plain http a sibling host can set a cookie for our name, and a value it
    /// chose (for which it also knows tokens it got from us) must not verify.
    ///
    /// # Panics
    ///
    /// Only if the operating system has no working random source.
    pub fn new_binding(&self) -> String {
        let random = URL_SAFE_NO_PAD.encode(os_random::<32>());
        let mac = hmac_sha256_parts(&self.0, &[BINDING_LABEL, random.as_bytes()]);
        format!("{random}.{}", URL_SAFE_NO_PAD.encode(mac))
    }

    /// Whether `binding` was issued by [`Self::new_binding`] under this key.
    pub fn binding_is_ours(&self, binding: &str) -> bool {
        if binding.len() != BINDING_CHARS {
            return false;
        }
        let Some((random, mac)) = binding.split_once('.') else {
            return false;
        };
        let Ok(mac) = URL_SAFE_NO_PAD.decode(mac) else {
            return false;
        };
        ct_eq(
            &hmac_sha256_parts(&self.0, &[BINDING_LABEL, random.as_bytes()]),
            &mac,
        )
    }

    /// A new token for a form, bound to `binding` (the value of the browser's CSRF cookie).
    /// Every call returns a different string; all of them verify.
    pub fn issue(&self, binding: &str) -> String {
        let nonce: [u8; NONCE_BYTES] = os_random();
        let mut raw = [0u8; NONCE_BYTES + MAC_BYTES];
        raw[..NONCE_BYTES].copy_from_slice(&nonce);
        raw[NONCE_BYTES..].copy_from_slice(&self.mac(binding, &nonce));
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// Whether `presented` was issued by this key for `binding`, and `binding` by this key too.
    /// Constant-time on the MACs; `false` (never a panic) for a binding the server did not
    /// issue, a missing, truncated, oversized or non-base64 token, or one issued for another
    /// binding or key.
    pub fn verify(&self, binding: &str, presented: &str) -> bool {
        if !self.binding_is_ours(binding) || presented.len() != TOKEN_CHARS {
            return false;
        }
        let Ok(raw) = URL_SAFE_NO_PAD.decode(presented) else {
            return false;
        };
        if raw.len() != NONCE_BYTES + MAC_BYTES {
            return false;
        }
        let (nonce, mac) = raw.split_at(NONCE_BYTES);
        ct_eq(&self.mac(binding, nonce), mac)
    }
}

impl fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CsrfKey(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // docs/security.md#31
    #[test]
    fn issued_tokens_verify_and_differ_each_time() {
        let key = CsrfKey::generate();
        let binding = key.new_binding();
        let a = key.issue(&binding);
        let b = key.issue(&binding);
        assert_eq!(a.len(), TOKEN_CHARS);
        assert_ne!(a, b);
        assert!(key.verify(&binding, &a));
        assert!(key.verify(&binding, &b));
    }

    // docs/security.md#31: a token from another browser or another key is refused.
    #[test]
    fn tokens_are_bound_to_the_binding_and_the_key() {
        let key = CsrfKey::generate();
        let binding = key.new_binding();
        let token = key.issue(&binding);
        assert!(!key.verify(&key.new_binding(), &token));
        assert!(!CsrfKey::generate().verify(&binding, &token));
        assert!(!key.verify("", &key.issue("")));
    }

    #[test]
    fn garbage_is_refused_without_panicking() {
        let key = CsrfKey::new([7; 32]);
        let binding = key.new_binding();
        let token = key.issue(&binding);
        let mut flipped = token.clone().into_bytes();
        flipped[TOKEN_CHARS - 5] = if flipped[TOKEN_CHARS - 5] == b'A' {
            b'B'
        } else {
            b'A'
        };
        let flipped = String::from_utf8(flipped).unwrap();
        let huge = "A".repeat(1 << 20);
        let with_pad = format!("{}=", &token[..63]);
        let bad_chars = format!("{}+", &token[..63]);
        for bad in [
            "",
            "x",
            &token[..63],
            &flipped,
            &huge,
            &with_pad,
            &bad_chars,
            "ÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄ",
            "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
        ] {
            assert!(!key.verify(&binding, bad), "{bad:?}");
        }
        assert_eq!(format!("{key:?}"), "CsrfKey(***)");
    }

    // docs/security.md#31: a binding the server did not issue is refused, even with a token
    // the server issued for it (a sibling host on plain http could set the cookie).
    #[test]
    fn bindings_the_server_did_not_issue_are_refused() {
        let key = CsrfKey::generate();
        let ours = key.new_binding();
        assert_eq!(ours.len(), BINDING_CHARS);
        assert!(key.binding_is_ours(&ours));
        assert!(!CsrfKey::generate().binding_is_ours(&ours));
        let (random, _) = ours.split_once('.').unwrap();
        let forged = format!("{random}.{}", "A".repeat(43));
        for chosen in [
            "attacker-chosen-binding-value-0123456789",
            random,
            &forged,
            &ours[..BINDING_CHARS - 1],
            "",
        ] {
            assert!(!key.binding_is_ours(chosen), "{chosen:?}");
            assert!(!key.verify(chosen, &key.issue(chosen)), "{chosen:?}");
        }
    }
}
