//! TOTP seeds encrypted at rest: a database dump alone reveals no seed.
//!
//! A [`SecretBox`] is a keyring of 256-bit keys, each with a short id; the first is the
//! *current* key (used to encrypt), the others are accepted for decryption only, so keys can
//! be rotated (`latchkey rotate-key`) without a flag day. A seed is stored as the
//! self-describing text
//!
//! ```text
//! v1.<key-id>.<base64url(nonce || ciphertext)>
//! ```
//!
//! sealed with XChaCha20-Poly1305 under a random 24-byte nonce. The associated data binds the
//! ciphertext to its row (table and id) and to the key id, so a value copied to another
//! user's row, or relabelled with another key id, fails authentication.
//!
//! A stored value without the `v1.` prefix is a plain base32 seed written before this change:
//! [`SecretBox::open`] still reads it (the start-up pass encrypts such rows, see
//! `crate::security::seeds`). Base32 has no `.`, so the two forms cannot be confused.
//!
//! Pure: no I/O except [`SecretBox::load_or_create_file`] and [`add_current_key_to_file`],
//! which read and write the keyring file.

mod keyring;
#[cfg(test)]
mod tests;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::fmt;
use std::sync::Arc;
use zeroize::Zeroizing;

use super::mac::os_random;
use super::totp::TotpSecret;

pub use keyring::{add_current_key_to_file, valid_key_id, KeyEntry, KEY_BYTES};

/// The envelope's version tag.
const VERSION: &str = "v1";
const NONCE_BYTES: usize = 24;

/// Which row a seed belongs to: the associated data of its ciphertext.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedOwner<'a> {
    /// `users.totp_secret` of the user with this id.
    User(&'a str),
    /// `admins.totp_secret` of the admin with this id.
    Admin(&'a str),
}

impl SeedOwner<'_> {
    fn table(&self) -> &'static str {
        match self {
            SeedOwner::User(_) => "users",
            SeedOwner::Admin(_) => "admins",
        }
    }

    fn id(&self) -> &str {
        match self {
            SeedOwner::User(id) | SeedOwner::Admin(id) => id,
        }
    }
}

/// Why a stored seed could not be read. The message never contains the stored value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error(
        "the TOTP secret is encrypted under key id {0:?}, which is not in the keyring \
         (`secrets.totp_keys` / `secrets.totp_keys_file`); add that key back as a non-current key"
    )]
    UnknownKey(String),
    #[error(
        "the TOTP secret failed authentication under key id {0:?}: the value was altered, \
         copied from another row, or the key with that id is not the one it was sealed with"
    )]
    Tampered(String),
    #[error("the stored TOTP secret is neither a `v1.` envelope nor a base32 seed")]
    Malformed,
}

/// What a stored value is, without decrypting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredForm<'a> {
    /// A plain base32 seed from before encryption at rest.
    Plain,
    /// A `v1.` envelope under this key id.
    Sealed { key_id: &'a str },
    /// Neither.
    Malformed,
}

/// Classifies a stored value (no key needed).
pub fn stored_form(stored: &str) -> StoredForm<'_> {
    match stored.split_once('.') {
        None => StoredForm::Plain,
        Some((VERSION, rest)) => match rest.split_once('.') {
            Some((key_id, body)) if valid_key_id(key_id) && !body.is_empty() => {
                StoredForm::Sealed { key_id }
            }
            _ => StoredForm::Malformed,
        },
        Some(_) => StoredForm::Malformed,
    }
}

/// The `LIKE` pattern matching every value sealed under `key_id` (ids hold no `%` or `_`).
pub fn like_pattern_for(key_id: &str) -> String {
    format!("{VERSION}.{key_id}.%")
}

/// The `LIKE` pattern matching every sealed value.
pub fn like_pattern_sealed() -> String {
    format!("{VERSION}.%")
}

struct Key {
    id: String,
    cipher: XChaCha20Poly1305,
}

/// The TOTP keyring. Cheap to clone; `Debug` shows key ids only.
#[derive(Clone)]
pub struct SecretBox {
    keys: Arc<Vec<Key>>,
}

impl fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretBox")
            .field("current", &self.current_key_id())
            .field("keys", &self.key_ids().collect::<Vec<_>>())
            .finish()
    }
}

impl SecretBox {
    /// Seals `secret` for `owner` under the current key.
    ///
    /// # Panics
    ///
    /// Only if the operating system has no working random source.
    pub fn seal(&self, owner: SeedOwner<'_>, secret: &TotpSecret) -> String {
        let key = &self.keys[0];
        let nonce_bytes: [u8; NONCE_BYTES] = os_random();
        let aad = associated_data(owner, &key.id);
        let ciphertext = key
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce_bytes),
                Payload {
                    msg: secret.expose_base32().as_bytes(),
                    aad: &aad,
                },
            )
            .expect("XChaCha20-Poly1305 encryption of a short message cannot fail");
        let mut body = Vec::with_capacity(NONCE_BYTES + ciphertext.len());
        body.extend_from_slice(&nonce_bytes);
        body.extend_from_slice(&ciphertext);
        format!("{VERSION}.{}.{}", key.id, URL_SAFE_NO_PAD.encode(body))
    }

    /// Opens a stored value for `owner`: a `v1.` envelope under any key of the ring, or a
    /// plain base32 seed from before encryption at rest.
    pub fn open(&self, owner: SeedOwner<'_>, stored: &str) -> Result<TotpSecret, OpenError> {
        match stored_form(stored) {
            StoredForm::Plain => TotpSecret::from_base32(stored).ok_or(OpenError::Malformed),
            StoredForm::Malformed => Err(OpenError::Malformed),
            StoredForm::Sealed { key_id } => {
                let key = self
                    .keys
                    .iter()
                    .find(|k| k.id == key_id)
                    .ok_or_else(|| OpenError::UnknownKey(key_id.to_string()))?;
                let body = &stored[VERSION.len() + 1 + key_id.len() + 1..];
                let tampered = || OpenError::Tampered(key_id.to_string());
                let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| tampered())?;
                if bytes.len() <= NONCE_BYTES {
                    return Err(tampered());
                }
                let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
                let aad = associated_data(owner, key_id);
                let plain = Zeroizing::new(
                    key.cipher
                        .decrypt(
                            XNonce::from_slice(nonce),
                            Payload {
                                msg: ciphertext,
                                aad: &aad,
                            },
                        )
                        .map_err(|_| tampered())?,
                );
                let text = std::str::from_utf8(&plain).map_err(|_| tampered())?;
                TotpSecret::from_base32(text).ok_or_else(tampered)
            }
        }
    }

    /// Whether `stored` is already sealed under the current key (rotation skips it).
    pub fn is_current(&self, stored: &str) -> bool {
        matches!(stored_form(stored), StoredForm::Sealed { key_id } if key_id == self.current_key_id())
    }
}

fn associated_data(owner: SeedOwner<'_>, key_id: &str) -> Vec<u8> {
    format!(
        "latchkey/totp-seed/{VERSION}\0{}\0{}\0{key_id}",
        owner.table(),
        owner.id()
    )
    .into_bytes()
}
