//! `EmailAddress`: a syntactically valid, normalised address. (Placeholder: hardened in the
//! policy/deliverability work; the interface below is the contract.)

use serde::{Serialize, Serializer};
use std::fmt;

/// Why an address was refused, in words a guest understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter an email address like name@example.com.")]
    Malformed,
}

/// A normalised email address: trimmed, NFC, lowercase local part, IDNA (punycode) domain.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailAddress {
    full: String,
    at: usize,
}

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim().to_lowercase();
        let at = s.find('@').ok_or(EmailError::Malformed)?;
        if at == 0 || at + 1 >= s.len() || s[at + 1..].contains('@') {
            return Err(EmailError::Malformed);
        }
        Ok(Self { full: s, at })
    }

    pub fn as_str(&self) -> &str {
        &self.full
    }

    pub fn local_part(&self) -> &str {
        &self.full[..self.at]
    }

    /// The domain in ASCII (punycode) lowercase form.
    pub fn domain(&self) -> &str {
        &self.full[self.at + 1..]
    }
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
