//! TOTP (RFC 6238) as authenticator apps expect it: SHA-1, 6 digits, 30-second steps, ±1 step
//! of clock skew, and a code never accepted twice (docs/architecture.md#the-reset-flow-end-to-end step 5; docs/security.md#24, #25).
//!
//! totp-rs computes codes; replay protection is ours: [`verify`] returns the step it matched and
//! refuses any step at or below the last one used, which the caller persists.

use anyhow::anyhow;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Builder, Secret, Totp};

use super::mac::os_random;

/// Seconds per TOTP step.
pub const STEP_SECONDS: u64 = 30;
/// Digits per code.
pub const DIGITS: usize = 6;
/// Steps of clock skew accepted on either side of the current one.
pub const SKEW_STEPS: u64 = 1;

/// Presented codes longer than this (bytes) are refused without parsing.
const MAX_PRESENTED_BYTES: usize = 32;

/// A TOTP shared secret, held as RFC 4648 base32 without padding (the form stored and shown to
/// the user for manual entry). `Debug` never prints it.
#[derive(Clone)]
pub struct TotpSecret(SecretString);

impl TotpSecret {
    /// A fresh 160-bit secret from the OS CSPRNG (RFC 4226 §4 recommends 160 bits).
    ///
    /// # Panics
    ///
    /// Only if the operating system has no working random source.
    pub fn generate() -> Self {
        let bytes: [u8; 20] = os_random();
        Self(SecretString::from(Secret::from(bytes).to_base32()))
    }

    /// Reads a stored secret. Returns `None` unless it is base32 of at least 128 bits (the RFC
    /// minimum), so a corrupt value fails closed.
    pub fn from_base32(stored: &str) -> Option<Self> {
        let normalised: String = stored
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let secret = Secret::try_from_base32(&normalised).ok()?;
        (secret.as_bytes().len() >= 16).then(|| Self(SecretString::from(secret.to_base32())))
    }

    /// The base32 secret, for storing it or showing it for manual entry. Never log it.
    pub fn expose_base32(&self) -> &str {
        self.0.expose_secret()
    }

    fn totp(&self, issuer: Option<&str>, account: &str) -> Option<Totp> {
        let secret = Secret::try_from_base32(self.expose_base32()).ok()?;
        let builder = Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(DIGITS as u8)
            .with_skew(SKEW_STEPS as u16)
            .with_step_duration(STEP_SECONDS)
            .with_secret(secret.as_bytes().to_vec())
            .with_account_name(sanitize_label(account))
            .with_issuer(issuer.map(sanitize_label));
        builder.build().ok()
    }

    /// The `otpauth://totp/Issuer:account?secret=…&issuer=…` URL that authenticator apps read.
    /// Colons are not allowed in either label by the key-URI format, so they become spaces.
    pub fn otpauth_url(&self, issuer: &str, account: &str) -> anyhow::Result<String> {
        let totp = self
            .totp(Some(issuer), account)
            .ok_or_else(|| anyhow!("invalid TOTP secret or labels"))?;
        totp.to_url().map_err(|e| anyhow!("otpauth url: {e}"))
    }

    /// The otpauth URL as a QR code: an SVG, base64-encoded, for an inline
    /// `<img src="data:image/svg+xml;base64,…">` (no third-party resource, docs/security.md#38).
    pub fn qr_svg_base64(&self, issuer: &str, account: &str) -> anyhow::Result<String> {
        super::qr::svg_base64(&self.otpauth_url(issuer, account)?)
    }

    /// The code for the step containing `unix_time`: for tests and for the CLI demo.
    pub fn code_at(&self, unix_time: u64) -> Option<String> {
        Some(self.totp(None, "x")?.generate(unix_time).to_string())
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(***)")
    }
}

fn sanitize_label(s: &str) -> String {
    let cleaned: String = s.replace(':', " ").trim().to_owned();
    if cleaned.is_empty() {
        "account".to_owned()
    } else {
        cleaned
    }
}

/// Checks a presented TOTP code at `now_unix`.
///
/// Accepts the current step and one step either side only, and refuses any step at or below
/// `last_used_step` (replay, docs/security.md#25). On success returns the matched step, which the
/// caller must persist as the new `last_used_step` in the same transaction that accepts the code.
/// Spaces in the code (apps show `123 456`) are ignored; anything else that is not exactly six
/// ASCII digits is refused, without panicking, whatever the input.
pub fn verify(
    secret: &TotpSecret,
    code: &str,
    now_unix: u64,
    last_used_step: Option<i64>,
) -> Option<i64> {
    if code.len() > MAX_PRESENTED_BYTES {
        return None;
    }
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = secret.totp(None, "x")?;
    let current = now_unix / STEP_SECONDS;

    let mut matched: Option<i64> = None;
    // Every candidate step is computed and compared (no early exit), in constant time.
    for step in current.saturating_sub(SKEW_STEPS)..=current.saturating_add(SKEW_STEPS) {
        let expected = totp.generate(step.saturating_mul(STEP_SECONDS)).to_string();
        let equal: bool = expected.as_bytes().ct_eq(code.as_bytes()).into();
        let Ok(step) = i64::try_from(step) else {
            continue;
        };
        let fresh = last_used_step.is_none_or(|last| step > last);
        if equal && fresh && matched.is_none() {
            matched = Some(step);
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_015; // inside step 60_000_000

    fn step(t: u64) -> i64 {
        (t / STEP_SECONDS) as i64
    }

    #[test]
    fn generated_secrets_are_160_bit_base32_and_redacted() {
        let s = TotpSecret::generate();
        assert_eq!(s.expose_base32().len(), 32);
        assert_eq!(format!("{s:?}"), "TotpSecret(***)");
        assert_ne!(s.expose_base32(), TotpSecret::generate().expose_base32());
        let again = TotpSecret::from_base32(&s.expose_base32().to_lowercase()).unwrap();
        assert_eq!(again.expose_base32(), s.expose_base32());
    }

    #[test]
    fn short_or_corrupt_stored_secrets_are_refused() {
        assert!(TotpSecret::from_base32("").is_none());
        assert!(TotpSecret::from_base32("JBSWY3DP").is_none()); // 40 bits
        assert!(TotpSecret::from_base32("not base32 at all!!").is_none());
    }

    // RFC 6238 Appendix B, SHA-1, truncated to 6 digits.
    #[test]
    fn codes_match_the_rfc_6238_vectors() {
        let s = TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        assert_eq!(s.code_at(59).unwrap(), "287082");
        assert_eq!(s.code_at(1_111_111_109).unwrap(), "081804");
        assert_eq!(s.code_at(1_234_567_890).unwrap(), "005924");
        assert_eq!(verify(&s, "081804", 1_111_111_109, None), Some(37_037_036));
    }

    // docs/security.md#25: current step and ±1 accepted, the matched step returned.
    #[test]
    fn current_and_adjacent_steps_are_accepted() {
        let s = TotpSecret::generate();
        let now = s.code_at(NOW).unwrap();
        assert_eq!(verify(&s, &now, NOW, None), Some(step(NOW)));
        let prev = s.code_at(NOW - STEP_SECONDS).unwrap();
        assert_eq!(verify(&s, &prev, NOW, None), Some(step(NOW) - 1));
        let next = s.code_at(NOW + STEP_SECONDS).unwrap();
        assert_eq!(verify(&s, &next, NOW, None), Some(step(NOW) + 1));
        let spaced = format!("{} {}", &now[..3], &now[3..]);
        assert_eq!(verify(&s, &spaced, NOW, None), Some(step(NOW)));
    }

    // docs/security.md#25: a code two steps old is refused.
    #[test]
    fn codes_two_steps_away_are_refused() {
        let s = TotpSecret::generate();
        let old = s.code_at(NOW - 2 * STEP_SECONDS).unwrap();
        let future = s.code_at(NOW + 2 * STEP_SECONDS).unwrap();
        let current = s.code_at(NOW).unwrap();
        // Rare collision of two 6-digit codes would make this flaky; skip that case.
        if old != current && old != s.code_at(NOW - STEP_SECONDS).unwrap() {
            assert_eq!(verify(&s, &old, NOW, None), None);
        }
        if future != current && future != s.code_at(NOW + STEP_SECONDS).unwrap() {
            assert_eq!(verify(&s, &future, NOW, None), None);
        }
    }

    // docs/security.md#25: the same code (or an older step) is never accepted twice.
    #[test]
    fn replayed_steps_are_refused() {
        let s = TotpSecret::generate();
        let code = s.code_at(NOW).unwrap();
        let used = verify(&s, &code, NOW, None).unwrap();
        assert_eq!(verify(&s, &code, NOW, Some(used)), None);
        assert_eq!(verify(&s, &code, NOW + 10, Some(used)), None);
        let prev = s.code_at(NOW - STEP_SECONDS).unwrap();
        if prev != code {
            assert_eq!(verify(&s, &prev, NOW, Some(used)), None);
        }
        // The next step's code still works after the current one was used.
        let next = s.code_at(NOW + STEP_SECONDS).unwrap();
        assert_eq!(
            verify(&s, &next, NOW + STEP_SECONDS, Some(used)),
            Some(used + 1)
        );
    }

    #[test]
    fn garbage_codes_are_refused_without_panicking() {
        let s = TotpSecret::generate();
        let long = "1".repeat(1 << 20);
        for bad in [
            "",
            "12345",
            "1234567",
            "12345a",
            "+12345",
            "-12345",
            "１２３４５６",
            "12 34 5",
            "\0\0\0\0\0\0",
            "۱۲۳۴۵۶",
            long.as_str(),
        ] {
            assert_eq!(verify(&s, bad, NOW, None), None, "{bad:?}");
        }
        assert_eq!(
            verify(&s, "123456", 0, None).is_some(),
            s.code_at(0).unwrap() == "123456" || s.code_at(30).unwrap() == "123456"
        );
        let _ = verify(&s, "123456", u64::MAX, Some(i64::MAX));
    }

    #[test]
    fn otpauth_url_and_qr_code() {
        let s = TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        let url = s
            .otpauth_url("Latchkey: Contoso", "ann@contoso.com")
            .unwrap();
        assert!(url.starts_with("otpauth://totp/"), "{url}");
        assert!(
            url.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            "{url}"
        );
        assert!(url.contains("issuer=Latchkey"), "{url}");
        let svg = s.qr_svg_base64("Latchkey", "ann@contoso.com").unwrap();
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&svg)
            .unwrap();
        assert!(bytes.starts_with(b"<svg xmlns=\"http://www.w3.org/2000/svg\""));
    }
}
