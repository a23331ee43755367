//! DKIM (RFC 6376): the signing key of `[mail.dkim]`, the DNS record that publishes it, and new
//! keys for `latchkey mail dkim-keygen` (docs/mail.md#dkim).
//!
//! Keys are PEM files: PKCS#8 (`BEGIN PRIVATE KEY`, what `dkim-keygen` and
//! `openssl genpkey` write) for RSA and Ed25519 (RFC 8463), or PKCS#1 (`BEGIN RSA PRIVATE KEY`)
//! for RSA. RSA keys shorter than 2048 bits are refused. Every mail is signed with
//! relaxed/relaxed canonicalisation over those of [`SIGNED_HEADERS`] it has, on the exact bytes
//! that are sent or written to the outbox ([`DkimSigner::sign`]). lettre's own DKIM signer is not
//! used: it leaves the `Content-Type` of a multipart message out of the hash while naming it in
//! `h=`, so receivers reject the signature.
//!
//! The private key never reaches a log: [`DkimSigner`]'s `Debug` shows the selector, domain and
//! algorithm only.

use super::dkim_canonical::{canonical_body, canonical_header, header_fields, split_message};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use ed25519_dalek::Signer as _;
use rsa::pkcs1::DecodeRsaPrivateKey as _;
use rsa::pkcs8::{EncodePublicKey as _, LineEnding};
use rsa::rand_core::{OsRng, RngCore as _};
use rsa::traits::PublicKeyParts as _;
use sha2::{Digest as _, Sha256};
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use zeroize::Zeroizing;

/// The headers a signature covers, those of them the mail has.
pub const SIGNED_HEADERS: [&str; 10] = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "Reply-To",
    "Auto-Submitted",
    "X-Auto-Response-Suppress",
];

/// The shortest RSA key accepted (RFC 8301 asks signers for 2048 bits).
const MIN_RSA_BITS: usize = 2048;

/// The key algorithm: `k=` in the DNS record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DkimAlgorithm {
    /// RSA-2048 with SHA-256 (`rsa-sha256`): understood by every receiver.
    Rsa,
    /// Ed25519 with SHA-256 (`ed25519-sha256`, RFC 8463): short keys, not yet checked everywhere.
    Ed25519,
}

impl DkimAlgorithm {
    /// The `k=` tag value.
    pub fn tag(self) -> &'static str {
        match self {
            DkimAlgorithm::Rsa => "rsa",
            DkimAlgorithm::Ed25519 => "ed25519",
        }
    }
}

/// A private key read from a PEM file, with its public half as published in DNS.
struct KeyPair {
    key: PrivateKey,
    /// The `p=` value: base64 SubjectPublicKeyInfo (RSA) or the raw 32-byte key (Ed25519).
    public_b64: String,
}

/// The private key. Both types zeroise their secret on drop.
enum PrivateKey {
    Rsa(Box<rsa::RsaPrivateKey>),
    Ed25519(Box<ed25519_dalek::SigningKey>),
}

impl PrivateKey {
    fn algorithm(&self) -> DkimAlgorithm {
        match self {
            PrivateKey::Rsa(_) => DkimAlgorithm::Rsa,
            PrivateKey::Ed25519(_) => DkimAlgorithm::Ed25519,
        }
    }

    /// The signature of the SHA-256 hash `digest`: RSASSA-PKCS1-v1_5 (`rsa-sha256`), or Ed25519
    /// over the hash itself (`ed25519-sha256`, RFC 8463).
    fn sign(&self, digest: &[u8]) -> Option<Vec<u8>> {
        match self {
            PrivateKey::Rsa(key) => key.sign(rsa::Pkcs1v15Sign::new::<Sha256>(), digest).ok(),
            PrivateKey::Ed25519(key) => Some(key.sign(digest).to_bytes().to_vec()),
        }
    }
}

impl KeyPair {
    fn from_pem(pem: &str) -> Result<Self, String> {
        if let Ok(key) = rsa::RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(pem))
        {
            return Self::from_rsa(key);
        }
        if let Ok(key) = ed25519_dalek::SigningKey::from_pkcs8_pem(pem) {
            return Ok(Self::from_ed25519(key));
        }
        Err(
            "not a PEM private key (PKCS#8 RSA or Ed25519, or PKCS#1 RSA); generate one with \
             `latchkey mail dkim-keygen`"
                .into(),
        )
    }

    fn from_rsa(key: rsa::RsaPrivateKey) -> Result<Self, String> {
        let bits = key.size() * 8;
        if bits < MIN_RSA_BITS {
            return Err(format!(
                "an RSA key of {bits} bits; DKIM keys need at least {MIN_RSA_BITS}"
            ));
        }
        let public = key
            .to_public_key()
            .to_public_key_der()
            .map_err(|_| "the RSA public key cannot be encoded".to_string())?;
        Ok(Self {
            key: PrivateKey::Rsa(Box::new(key)),
            public_b64: BASE64.encode(public.as_bytes()),
        })
    }

    fn from_ed25519(key: ed25519_dalek::SigningKey) -> Self {
        let public_b64 = BASE64.encode(key.verifying_key().to_bytes());
        Self {
            key: PrivateKey::Ed25519(Box::new(key)),
            public_b64,
        }
    }
}

/// The configured DKIM key, ready to sign. Cheap to clone.
#[derive(Clone)]
pub struct DkimSigner {
    inner: Arc<Inner>,
}

struct Inner {
    selector: String,
    domain: String,
    key: PrivateKey,
    public_b64: String,
}

impl fmt::Debug for DkimSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DkimSigner")
            .field("selector", &self.inner.selector)
            .field("domain", &self.inner.domain)
            .field("algorithm", &self.inner.key.algorithm())
            .finish_non_exhaustive()
    }
}

impl DkimSigner {
    /// Reads the key at `path`. The error says what is wrong with the file, never its content.
    pub fn load(selector: &str, domain: &str, path: &Path) -> Result<Self, String> {
        let pem = Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {}", path.display(), e.kind()))?,
        );
        let pair = KeyPair::from_pem(&pem).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Self::new(selector, domain, pair))
    }

    fn new(selector: &str, domain: &str, pair: KeyPair) -> Self {
        Self {
            inner: Arc::new(Inner {
                selector: selector.to_string(),
                domain: domain.to_string(),
                key: pair.key,
                public_b64: pair.public_b64,
            }),
        }
    }

    /// `message` (a whole RFC 5322 message, CRLF line ends, as sent) with a `DKIM-Signature`
    /// header in front, signed now. `None` only if the key fails to sign (the caller then
    /// retries rather than sending unsigned mail).
    pub fn sign(&self, message: &[u8]) -> Option<Vec<u8>> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.sign_at(message, now)
    }

    fn sign_at(&self, message: &[u8], timestamp: u64) -> Option<Vec<u8>> {
        let (head, body) = split_message(message);
        let body_hash = BASE64.encode(Sha256::digest(canonical_body(body)));
        let fields = header_fields(head);
        let mut hashed = Sha256::new();
        let mut names = Vec::new();
        for name in SIGNED_HEADERS {
            if let Some((_, value)) = fields
                .iter()
                .rev()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                hashed.update(canonical_header(name, value));
                hashed.update(b"\r\n");
                names.push(name.to_ascii_lowercase());
            }
        }
        // Folded at "; " only: relaxed canonicalisation reads each fold as the one space it
        // replaces, so the signed text and the sent header canonicalise alike.
        let unsigned = format!(
            "v=1; a={}-sha256; c=relaxed/relaxed; d={}; s={};\r\n\tt={timestamp}; h={};\r\n\tbh={body_hash};\r\n\tb=",
            self.inner.key.algorithm().tag(),
            self.inner.domain,
            self.inner.selector,
            names.join(":"),
        );
        hashed.update(canonical_header("DKIM-Signature", unsigned.as_bytes()));
        let signature = BASE64.encode(self.inner.key.sign(&hashed.finalize())?);
        let folded = signature
            .as_bytes()
            .chunks(72)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\r\n\t");
        let mut out = Vec::with_capacity(message.len() + unsigned.len() + folded.len() + 20);
        out.extend_from_slice(b"DKIM-Signature: ");
        out.extend_from_slice(unsigned.as_bytes());
        out.extend_from_slice(folded.as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(message);
        Some(out)
    }

    /// Where the public key is published: `<selector>._domainkey.<domain>`.
    pub fn record_name(&self) -> String {
        record_name(&self.inner.selector, &self.inner.domain)
    }

    /// The TXT record's value: `v=DKIM1; k=…; p=…`.
    pub fn record_value(&self) -> String {
        record_value(self.inner.key.algorithm(), &self.inner.public_b64)
    }

    /// Whether a published TXT record holds this key (same `k=`, same `p=`).
    pub fn matches(&self, published: &str) -> bool {
        let tags = parse_tags(published);
        let k = tags.get("k").map(String::as_str).unwrap_or("rsa");
        let v_ok = tags.get("v").is_none_or(|v| v == "DKIM1");
        v_ok && k.eq_ignore_ascii_case(self.inner.key.algorithm().tag())
            && tags.get("p") == Some(&self.inner.public_b64)
    }
}

/// `<selector>._domainkey.<domain>`.
pub fn record_name(selector: &str, domain: &str) -> String {
    format!("{selector}._domainkey.{domain}")
}

fn record_value(algorithm: DkimAlgorithm, public_b64: &str) -> String {
    format!("v=DKIM1; k={}; p={public_b64}", algorithm.tag())
}

/// The `tag=value` pairs of a DKIM record, whitespace removed from values (a long `p=` is often
/// split over several TXT strings or lines).
fn parse_tags(record: &str) -> std::collections::HashMap<String, String> {
    record
        .split(';')
        .filter_map(|pair| {
            let (tag, value) = pair.split_once('=')?;
            let value: String = value.chars().filter(|c| !c.is_whitespace()).collect();
            Some((tag.trim().to_string(), value))
        })
        .collect()
}

/// A freshly generated key: the PKCS#8 PEM to store, and the DNS record to publish.
pub struct GeneratedKey {
    /// PKCS#8 PEM (`BEGIN PRIVATE KEY`).
    pub pem: Zeroizing<String>,
    /// `v=DKIM1; k=…; p=…`.
    pub record_value: String,
}

/// Generates a key from the operating system's random source: Ed25519, or RSA-2048.
pub fn generate(algorithm: DkimAlgorithm) -> Result<GeneratedKey, String> {
    let failed = |what: &str| format!("cannot {what} the key");
    let (pem, pair) = match algorithm {
        DkimAlgorithm::Ed25519 => {
            let mut seed = Zeroizing::new([0u8; 32]);
            OsRng.fill_bytes(seed.as_mut());
            let key = ed25519_dalek::SigningKey::from_bytes(&seed);
            let pem = key
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|_| failed("encode"))?;
            (pem, KeyPair::from_ed25519(key))
        }
        DkimAlgorithm::Rsa => {
            let key = rsa::RsaPrivateKey::new(&mut OsRng, MIN_RSA_BITS)
                .map_err(|_| failed("generate"))?;
            let pem = rsa::pkcs8::EncodePrivateKey::to_pkcs8_pem(&key, LineEnding::LF)
                .map_err(|_| failed("encode"))?;
            (pem, KeyPair::from_rsa(key)?)
        }
    };
    Ok(GeneratedKey {
        pem: Zeroizing::new(pem.to_string()),
        record_value: record_value(pair.key.algorithm(), &pair.public_b64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(algorithm: DkimAlgorithm) -> (DkimSigner, GeneratedKey) {
        let generated = generate(algorithm).unwrap();
        let pair = KeyPair::from_pem(&generated.pem).unwrap();
        (DkimSigner::new("s1", "example.org", pair), generated)
    }

    #[test]
    fn a_generated_ed25519_key_loads_and_matches_its_record() {
        let (signer, generated) = signer(DkimAlgorithm::Ed25519);
        assert!(generated.pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert_eq!(signer.record_name(), "s1._domainkey.example.org");
        assert_eq!(signer.record_value(), generated.record_value);
        assert!(generated.record_value.starts_with("v=DKIM1; k=ed25519; p="));
        assert!(signer.matches(&generated.record_value));
        // Split over TXT strings, or with other tags: still the same key.
        let split = generated.record_value.replacen("p=", "t=s; p= ", 1);
        assert!(signer.matches(&split));
        assert!(!signer.matches("v=DKIM1; k=rsa; p=AAAA"));
        assert!(!signer.matches(&generated.record_value.replace("k=ed25519", "k=rsa")));
        let other = generate(DkimAlgorithm::Ed25519).unwrap();
        assert!(!signer.matches(&other.record_value));
    }

    #[test]
    fn debug_never_shows_the_key() {
        let (signer, generated) = signer(DkimAlgorithm::Ed25519);
        let shown = format!("{signer:?}");
        assert!(shown.contains("s1") && shown.contains("Ed25519"), "{shown}");
        let body = generated.pem.lines().nth(1).unwrap();
        assert!(!shown.contains(body), "{shown}");
    }

    #[test]
    fn malformed_keys_are_refused_with_a_reason() {
        let err = KeyPair::from_pem("not a key").err().unwrap();
        assert!(err.contains("not a PEM private key"), "{err}");
        let short = rsa::RsaPrivateKey::new(&mut OsRng, 1024).unwrap();
        let err = KeyPair::from_rsa(short).err().unwrap();
        assert!(err.contains("1024 bits"), "{err}");
    }

    #[test]
    fn relaxed_canonicalisation_follows_rfc_6376() {
        // RFC 6376 section 3.4.5's example, and a colon inside a value.
        assert_eq!(canonical_header("A", b" X"), b"a:X");
        assert_eq!(canonical_header("B ", b" Y\t\r\n\tZ  "), b"b:Y Z");
        assert_eq!(canonical_header("Subject", b" Re: hi"), b"subject:Re: hi");
        assert_eq!(
            canonical_body(b" C \r\nD \t E\r\n\r\n\r\n"),
            b" C\r\nD E\r\n"
        );
        assert_eq!(canonical_body(b""), b"");
        assert_eq!(canonical_body(b"\r\n\r\n"), b"");
        assert_eq!(canonical_body(b"a\r\n \r\nb"), b"a\r\n\r\nb\r\n");
    }

    #[test]
    fn the_signature_covers_the_headers_the_mail_has() {
        let (signer, _) = signer(DkimAlgorithm::Ed25519);
        let message = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: Hi\r\n there\r\nX-Other: 1\r\n\r\nBody\r\n";
        let signed = String::from_utf8(signer.sign_at(message, 7).unwrap()).unwrap();
        assert!(
            signed.starts_with(
                "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.org; \
                 s=s1;\r\n\tt=7; h=from:to:subject;\r\n\tbh="
            ),
            "{signed}"
        );
        assert!(signed.ends_with("\r\n\r\nBody\r\n"));
        let fields = header_fields(b"Subject: Hi\r\n there\r\nTo: b\r\n");
        assert_eq!(fields[0], ("Subject".to_string(), &b" Hi\r\n there"[..]));
        assert_eq!(fields[1], ("To".to_string(), &b" b"[..]));
    }
}
