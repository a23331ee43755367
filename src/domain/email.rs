//! `EmailAddress`: a syntactically valid, normalised address.
//!
//! Parsing happens once, at the edge (a form field, a CSV cell, an API body, a config value);
//! everything inside takes `&EmailAddress`. The rules are deliberately narrower than RFC 5322:
//! Latchkey only needs addresses a guest can receive mail at, and every oddity we accept is a
//! place where two spellings could mean one mailbox, or one string could mean two recipients
//! (GitLab CVE-2023-7028, docs/security.md#15).
//!
//! Normalisation: trim surrounding whitespace, Unicode NFC, lowercase the local part with plain
//! `str::to_lowercase` (no case folding beyond that: `mıke@` with a dotless ı stays distinct from
//! `mike@`, docs/security.md#16), and map the domain through IDNA (UTS #46) to lowercase ASCII
//! (punycode).
//!
//! Syntax (RFC 5321 §4.5.3.1, RFC 5322 §3.4.1, RFC 6531):
//! - local part: a dot-atom of `atext` plus any non-ASCII character except whitespace, controls
//!   and invisible formatting characters; no quoted strings, no leading, trailing or double dots;
//!   at most 64 octets (UTF-8);
//! - domain: at least two labels, each 1–63 octets of letters, digits and inner hyphens after
//!   IDNA; at most 253 octets; the top-level label is not all digits; no `[IP]` literals;
//! - whole address at most 254 octets.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use unicode_normalization::UnicodeNormalization;

/// RFC 5321 §4.5.3.1.1: the local part is at most 64 octets.
pub const MAX_LOCAL_PART_OCTETS: usize = 64;
/// RFC 5321 §4.5.3.1.2 (255 minus the length octets of the wire form): at most 253 octets.
pub const MAX_DOMAIN_OCTETS: usize = 253;
/// RFC 5321 §4.5.3.1.3 path limit (256) minus the angle brackets: at most 254 octets.
pub const MAX_ADDRESS_OCTETS: usize = 254;
/// RFC 1035 §2.3.4: a label is at most 63 octets.
const MAX_LABEL_OCTETS: usize = 63;
/// Inputs longer than this are refused before any Unicode processing (cheap DoS guard).
const MAX_INPUT_BYTES: usize = 1024;

/// Why an address was refused, in words a guest understands.
///
/// The `Display` text is shown next to the form field, so it is a full sentence and never echoes
/// the input back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing was entered.
    #[error("Enter your email address.")]
    Empty,
    /// No `@`, or otherwise not shaped like an address.
    #[error("Enter an email address like name@example.com.")]
    Malformed,
    /// More than one `@` outside a quoted string.
    #[error("Enter a single email address: it can contain only one @.")]
    MultipleAt,
    /// A comma or semicolon: an attempt to give a list of recipients.
    #[error("Enter one email address only, without commas or semicolons.")]
    List,
    /// Spaces, tabs, line breaks or other control or invisible characters.
    #[error("An email address cannot contain spaces, line breaks or invisible characters.")]
    Whitespace,
    /// A quoted local part (`"a b"@example.com`) or a stray quote.
    #[error("Quoted local parts like \"a b\"@x.y are not supported.")]
    Quoted,
    /// Nothing before the `@`.
    #[error("The part before the @ is missing.")]
    EmptyLocalPart,
    /// The local part is longer than 64 octets.
    #[error("The part before the @ is too long (at most 64 characters).")]
    LocalPartTooLong,
    /// A dot at the start or end of the local part, or two dots in a row.
    #[error("The part before the @ cannot start or end with a dot or contain two dots in a row.")]
    LocalPartDots,
    /// A character not allowed in an unquoted local part, such as `(`, `<` or `\`.
    #[error("The part before the @ contains a character that is not allowed in email addresses.")]
    LocalPartCharacter,
    /// Nothing after the `@`.
    #[error("The domain after the @ is missing.")]
    EmptyDomain,
    /// `name@[192.0.2.1]` or `name@192.0.2.1`.
    #[error("Addresses at an IP address are not supported; use an address with a domain name.")]
    IpLiteral,
    /// A domain without a dot, like `name@localhost`.
    #[error("The domain after the @ must contain a dot, like example.com.")]
    DomainWithoutDot,
    /// The domain (after IDNA) is longer than 253 octets or has a label over 63 octets.
    #[error("The domain after the @ is too long.")]
    DomainTooLong,
    /// The domain is not a valid (internationalised) host name.
    #[error("The domain after the @ is not a valid domain name.")]
    InvalidDomain,
    /// The whole address is longer than 254 octets.
    #[error("The email address is too long (at most 254 characters).")]
    TooLong,
}

/// A normalised email address: trimmed, NFC, lowercase local part, IDNA (punycode) domain.
///
/// Equality, hashing and ordering are on the normalised form, so `Mike@Example.ORG` and
/// `mike@example.org` are the same address, while `mıke@example.org` (dotless ı) is another.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailAddress {
    full: String,
    at: usize,
}

impl EmailAddress {
    /// Validates and normalises `input`. Never panics; every refusal is an [`EmailError`] whose
    /// text can be shown to the guest.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        if input.len() > MAX_INPUT_BYTES {
            return Err(EmailError::TooLong);
        }
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        let nfc: String = trimmed.nfc().collect();

        // Order matters only for the message: the most specific explanation wins.
        if nfc.chars().any(|c| c.is_control()) {
            // CR/LF header injection ("a@b.c\r\nBcc: e@x.y") ends here.
            return Err(EmailError::Whitespace);
        }
        if nfc.contains('"') {
            return Err(EmailError::Quoted);
        }
        if nfc.contains([',', ';']) {
            // GitLab CVE-2023-7028: one field, exactly one recipient.
            return Err(EmailError::List);
        }
        if nfc.chars().any(|c| c.is_whitespace() || is_invisible(c)) {
            return Err(EmailError::Whitespace);
        }
        let (local_raw, domain_raw) = match nfc.split_once('@') {
            Some(parts) => parts,
            None => return Err(EmailError::Malformed),
        };
        if domain_raw.contains('@') {
            return Err(EmailError::MultipleAt);
        }

        let local = normalise_local_part(local_raw)?;
        let domain = normalise_domain(domain_raw)?;

        let full = format!("{local}@{domain}");
        if full.len() > MAX_ADDRESS_OCTETS {
            return Err(EmailError::TooLong);
        }
        Ok(Self {
            at: local.len(),
            full,
        })
    }

    /// The whole normalised address.
    pub fn as_str(&self) -> &str {
        &self.full
    }

    /// The part before the `@`, lowercased (may contain non-ASCII, RFC 6531).
    pub fn local_part(&self) -> &str {
        &self.full[..self.at]
    }

    /// The domain in ASCII (punycode) lowercase form.
    pub fn domain(&self) -> &str {
        &self.full[self.at + 1..]
    }
}

/// RFC 5322 `atext` specials allowed in an unquoted local part besides letters and digits.
const ATEXT_SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";

fn normalise_local_part(raw: &str) -> Result<String, EmailError> {
    if raw.is_empty() {
        return Err(EmailError::EmptyLocalPart);
    }
    // Plain lowercase, then NFC again (lowercasing can in principle denormalise). No NFKC, no
    // case folding: look-alikes must stay distinct (docs/security.md#16).
    let local: String = raw.to_lowercase().nfc().collect();
    if local.len() > MAX_LOCAL_PART_OCTETS {
        return Err(EmailError::LocalPartTooLong);
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(EmailError::LocalPartDots);
    }
    let allowed = |c: char| {
        c.is_ascii_alphanumeric() || c == '.' || ATEXT_SPECIALS.contains(c) || !c.is_ascii()
    };
    if !local.chars().all(allowed) {
        return Err(EmailError::LocalPartCharacter);
    }
    Ok(local)
}

fn normalise_domain(raw: &str) -> Result<String, EmailError> {
    if raw.is_empty() {
        return Err(EmailError::EmptyDomain);
    }
    if raw.starts_with('[') || raw.ends_with(']') {
        return Err(EmailError::IpLiteral);
    }
    // A cheap bound before IDNA: punycode never shrinks a name below its ASCII length.
    if raw.len() > MAX_DOMAIN_OCTETS * 4 {
        return Err(EmailError::DomainTooLong);
    }
    // UTS #46 with the STD3 deny list: lowercases, maps compatibility forms, encodes punycode
    // and validates existing `xn--` labels.
    let ascii = idna::domain_to_ascii_cow(raw.as_bytes(), idna::AsciiDenyList::STD3)
        .map_err(|_| EmailError::InvalidDomain)?
        .into_owned();
    if ascii.is_empty() {
        return Err(EmailError::EmptyDomain);
    }
    if ascii.parse::<std::net::IpAddr>().is_ok() {
        return Err(EmailError::IpLiteral);
    }
    if ascii.len() > MAX_DOMAIN_OCTETS {
        return Err(EmailError::DomainTooLong);
    }
    if !ascii.contains('.') {
        return Err(EmailError::DomainWithoutDot);
    }
    for label in ascii.split('.') {
        if label.len() > MAX_LABEL_OCTETS {
            return Err(EmailError::DomainTooLong);
        }
        let ldh = !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ldh {
            return Err(EmailError::InvalidDomain);
        }
    }
    // RFC 3696 §2: a top-level label is never all-numeric; "1.2.3.4"-like names are addresses.
    if ascii
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(EmailError::IpLiteral);
    }
    Ok(ascii)
}

/// Invisible formatting characters (Unicode `Cf` and friends) that would let two addresses look
/// identical on screen: zero-width spaces and joiners, bidi controls, soft hyphen, BOM, tags.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.full
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full)
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailAddress({:?})", self.full)
    }
}

impl Serialize for EmailAddress {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.full)
    }
}

/// Validates as [`EmailAddress::parse`] does. This is how a row reads an address column
/// (`deserialize_as = String`, docs/architecture.md): stored text that no longer parses fails the
/// read. Parsing the normalised text again yields it unchanged, so a stored address reads back as
/// the one written.
impl TryFrom<String> for EmailAddress {
    type Error = StoredAddressError;

    fn try_from(text: String) -> Result<Self, StoredAddressError> {
        EmailAddress::parse(&text).map_err(StoredAddressError)
    }
}

/// Why a stored address failed to read back: the reason only, never the text (it is personal
/// data, and the error goes to the log).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a stored email address no longer parses ({0:?})")]
pub struct StoredAddressError(pub EmailError);

/// The normalised text, as an address column stores it (`serialize_as = String`).
impl From<EmailAddress> for String {
    fn from(address: EmailAddress) -> String {
        address.full
    }
}

/// Validates as [`EmailAddress::parse`] does: stored text that no longer parses is refused.
impl<'de> Deserialize<'de> for EmailAddress {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        EmailAddress::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
