//! TOTP seeds encrypted at rest (issue 9): a database dump alone reveals no seed.
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
//! `crate::seeds`). Base32 has no `.`, so the two forms cannot be confused.
//!
//! Pure: no I/O except [`SecretBox::load_or_create_file`] and [`add_current_key_to_file`],
//! which read and write the keyring file.

use anyhow::Context as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::fmt;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use zeroize::Zeroizing;

use super::mac::os_random;
use super::totp::TotpSecret;

/// The envelope's version tag.
const VERSION: &str = "v1";
/// Bytes of key material per key.
pub const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;
/// Longest key id accepted.
const MAX_KEY_ID: usize = 32;

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

/// Key ids: 1–32 of `a-z`, `0-9`, `-` (they appear in stored values and in SQL `LIKE`
/// patterns, so no `.`, `%` or `_`; lowercase because SQLite's `LIKE` ignores case).
pub fn valid_key_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_KEY_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
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

/// One parsed keyring entry `id:hexkey`.
pub struct KeyEntry {
    pub id: String,
    material: Zeroizing<[u8; KEY_BYTES]>,
}

impl fmt::Debug for KeyEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyEntry({:?}, ***)", self.id)
    }
}

impl KeyEntry {
    /// Parses `id:hexkey` (64 hex digits). Errors name the fix and never echo the key.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let Some((id, hex_key)) = text.split_once(':') else {
            return Err(
                "each key must be written `id:hexkey`, e.g. `2026-11:` followed by 64 hex digits \
                 (`openssl rand -hex 32`)"
                    .into(),
            );
        };
        let id = id.trim();
        if !valid_key_id(id) {
            return Err(format!(
                "key id {id:?} must be 1–{MAX_KEY_ID} characters of a-z, 0-9 and -"
            ));
        }
        let bytes = Zeroizing::new(hex::decode(hex_key.trim()).map_err(|_| {
            format!("the key with id {id:?} is not hex; generate one with `openssl rand -hex 32`")
        })?);
        if bytes.len() != KEY_BYTES {
            return Err(format!(
                "the key with id {id:?} must be exactly {KEY_BYTES} bytes (64 hex digits); \
                 generate one with `openssl rand -hex 32`"
            ));
        }
        let mut material = Zeroizing::new([0u8; KEY_BYTES]);
        material.copy_from_slice(&bytes);
        Ok(Self {
            id: id.to_string(),
            material,
        })
    }

    /// A fresh random key with an id derived from today's date and a random suffix.
    pub fn generate() -> Self {
        let suffix: [u8; 3] = os_random();
        let id = format!(
            "k{}-{}",
            chrono::Utc::now().format("%Y%m%d"),
            hex::encode(suffix)
        );
        Self {
            id,
            material: Zeroizing::new(os_random()),
        }
    }

    /// The `id:hexkey` line, for the keyring file or the operator. A secret: never log it.
    pub fn expose_line(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("{}:{}", self.id, hex::encode(*self.material)))
    }
}

impl SecretBox {
    /// A keyring from entries; the first is current. At least one; ids unique.
    pub fn new(entries: Vec<KeyEntry>) -> Result<Self, String> {
        if entries.is_empty() {
            return Err("the keyring holds no key; write at least one `id:hexkey`".into());
        }
        let mut keys: Vec<Key> = Vec::with_capacity(entries.len());
        for e in entries {
            if keys.iter().any(|k| k.id == e.id) {
                return Err(format!("the key id {:?} appears twice", e.id));
            }
            let cipher = XChaCha20Poly1305::new_from_slice(&*e.material)
                .map_err(|_| "bad key length".to_string())?;
            keys.push(Key { id: e.id, cipher });
        }
        Ok(Self {
            keys: Arc::new(keys),
        })
    }

    /// Parses a list of `id:hexkey` entries (the `secrets.totp_keys` setting).
    pub fn from_entries<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let parsed = entries
            .iter()
            .enumerate()
            .map(|(i, e)| KeyEntry::parse(e.as_ref()).map_err(|m| format!("entry {}: {m}", i + 1)))
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(parsed)
    }

    /// Parses a keyring file: one `id:hexkey` per line, the current key first; blank lines
    /// and `#` comments are ignored.
    pub fn parse_file_text(text: &str) -> Result<Self, String> {
        let parsed = text
            .lines()
            .enumerate()
            .filter(|(_, l)| {
                let l = l.trim();
                !l.is_empty() && !l.starts_with('#')
            })
            .map(|(n, l)| KeyEntry::parse(l).map_err(|m| format!("line {}: {m}", n + 1)))
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(parsed)
    }

    /// Reads the keyring file at `path`, creating it with one generated key (mode 0600, its
    /// directory 0700) when it does not exist, so the service works without configuration.
    pub fn load_or_create_file(path: &Path) -> anyhow::Result<Self> {
        if !path.exists() {
            let entry = KeyEntry::generate();
            let mut text = Zeroizing::new(String::from(FILE_HEADER));
            text.push_str(&entry.expose_line());
            text.push('\n');
            match create_private_file(path, text.as_bytes()) {
                Ok(()) => {}
                // Another process created it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("cannot create the TOTP keyring file {}", path.display())
                    })
                }
            }
        }
        Self::load_file(path)
    }

    /// Reads an existing keyring file.
    pub fn load_file(path: &Path) -> anyhow::Result<Self> {
        let text = Zeroizing::new(std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read the TOTP keyring file {}; check the path and its permissions",
                path.display()
            )
        })?);
        Self::parse_file_text(&text)
            .map_err(|m| anyhow::anyhow!("the TOTP keyring file {}: {m}", path.display()))
    }

    /// The id of the key new seals use.
    pub fn current_key_id(&self) -> &str {
        &self.keys[0].id
    }

    /// Every key id, current first.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| k.id.as_str())
    }

    pub fn has_key(&self, id: &str) -> bool {
        self.keys.iter().any(|k| k.id == id)
    }

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

const FILE_HEADER: &str = "\
# Latchkey TOTP keyring: one `id:hexkey` per line, the current key first; the others are
# accepted for decryption only. Back this file up with the database: without it, enrolled
# TOTP seeds cannot be read. Rotate with `latchkey rotate-key --new-key`.
";

/// Makes a new key current in the keyring file at `path` (the old keys stay, for
/// decryption), writing the file atomically (temporary file, then rename; mode 0600).
/// Returns the new keyring.
pub fn add_current_key_to_file(path: &Path, entry: &KeyEntry) -> anyhow::Result<SecretBox> {
    let old = Zeroizing::new(
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the TOTP keyring file {}", path.display()))?,
    );
    let existing = SecretBox::parse_file_text(&old)
        .map_err(|m| anyhow::anyhow!("the TOTP keyring file {}: {m}", path.display()))?;
    anyhow::ensure!(
        !existing.has_key(&entry.id),
        "the key id {:?} is already in {}",
        entry.id,
        path.display()
    );
    let mut text = Zeroizing::new(String::from(FILE_HEADER));
    text.push_str(&entry.expose_line());
    text.push('\n');
    for line in old
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        text.push_str(line);
        text.push('\n');
    }
    let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
    create_private_file(&tmp, text.as_bytes())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot replace {}", path.display())
    })?;
    let updated = SecretBox::parse_file_text(&text).map_err(|m| anyhow::anyhow!(m))?;
    Ok(updated)
}

/// Creates `path` (and a missing parent directory, mode 0700) with `bytes`, mode 0600; fails
/// with `AlreadyExists` if it exists.
fn create_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists())
    {
        std::fs::create_dir_all(dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    fn key(id: &str, byte: u8) -> String {
        format!("{id}:{}", hex::encode([byte; 32]))
    }

    fn ring(entries: &[String]) -> SecretBox {
        SecretBox::from_entries(entries).unwrap()
    }

    fn seed() -> TotpSecret {
        TotpSecret::from_base32(SEED).unwrap()
    }

    #[test]
    fn sealed_seeds_round_trip_and_hide_the_seed() {
        let b = ring(&[key("a", 1)]);
        let sealed = b.seal(SeedOwner::User("u1"), &seed());
        assert!(sealed.starts_with("v1.a."), "{sealed}");
        assert!(!sealed.contains(SEED) && !sealed.contains(&SEED[..8]));
        assert_eq!(stored_form(&sealed), StoredForm::Sealed { key_id: "a" });
        let opened = b.open(SeedOwner::User("u1"), &sealed).unwrap();
        assert_eq!(opened.expose_base32(), SEED);
        // A fresh nonce every time.
        assert_ne!(sealed, b.seal(SeedOwner::User("u1"), &seed()));
        assert!(b.is_current(&sealed));
    }

    #[test]
    fn a_seed_moved_to_another_row_or_table_does_not_open() {
        let b = ring(&[key("a", 1)]);
        let sealed = b.seal(SeedOwner::User("u1"), &seed());
        assert_eq!(
            b.open(SeedOwner::User("u2"), &sealed).unwrap_err(),
            OpenError::Tampered("a".into())
        );
        assert!(b.open(SeedOwner::Admin("u1"), &sealed).is_err());
    }

    #[test]
    fn tampering_and_relabelling_fail_closed() {
        let b = ring(&[key("a", 1), key("b", 2)]);
        let sealed = b.seal(SeedOwner::User("u1"), &seed());
        // Flip one character of the body.
        let mut chars: Vec<char> = sealed.chars().collect();
        let last = chars.len() - 3;
        chars[last] = if chars[last] == 'A' { 'B' } else { 'A' };
        let flipped: String = chars.into_iter().collect();
        assert!(matches!(
            b.open(SeedOwner::User("u1"), &flipped),
            Err(OpenError::Tampered(_))
        ));
        // Relabelled with the other key id.
        let relabelled = sealed.replacen("v1.a.", "v1.b.", 1);
        assert!(b.open(SeedOwner::User("u1"), &relabelled).is_err());
        for bad in ["v1.a.", "v1.a.AAAA", "v1..xx", "v2.a.xx", "v1.A.xx", "x.y"] {
            assert!(b.open(SeedOwner::User("u1"), bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_key_ids_are_reported_by_id() {
        let old = ring(&[key("old", 1)]);
        let sealed = old.seal(SeedOwner::Admin("x"), &seed());
        let new = ring(&[key("new", 2)]);
        let err = new.open(SeedOwner::Admin("x"), &sealed).unwrap_err();
        assert_eq!(err, OpenError::UnknownKey("old".into()));
        assert!(!err.to_string().contains(&sealed[6..]));
    }

    #[test]
    fn rotation_keeps_old_keys_readable() {
        let old = ring(&[key("old", 1)]);
        let sealed = old.seal(SeedOwner::User("u"), &seed());
        let rotated = ring(&[key("new", 2), key("old", 1)]);
        assert!(!rotated.is_current(&sealed));
        let opened = rotated.open(SeedOwner::User("u"), &sealed).unwrap();
        let resealed = rotated.seal(SeedOwner::User("u"), &opened);
        assert!(resealed.starts_with("v1.new."));
        assert!(rotated.is_current(&resealed));
        let only_new = ring(&[key("new", 2)]);
        assert_eq!(
            only_new
                .open(SeedOwner::User("u"), &resealed)
                .unwrap()
                .expose_base32(),
            SEED
        );
    }

    #[test]
    fn plain_seeds_from_before_encryption_still_open() {
        let b = ring(&[key("a", 1)]);
        assert_eq!(stored_form(SEED), StoredForm::Plain);
        assert_eq!(
            b.open(SeedOwner::User("u"), SEED).unwrap().expose_base32(),
            SEED
        );
        assert!(!b.is_current(SEED));
        assert_eq!(
            b.open(SeedOwner::User("u"), "not base32!").unwrap_err(),
            OpenError::Malformed
        );
    }

    #[test]
    fn keyring_entries_are_validated_without_echoing_keys() {
        let secret_hex = "ab".repeat(31);
        for (bad, needle) in [
            (vec![], "no key"),
            (vec!["nocolon".to_string()], "id:hexkey"),
            (vec![key("Upper", 1)], "a-z"),
            (vec![key("a.b", 1)], "a-z"),
            (vec![format!("a:{secret_hex}")], "64 hex"),
            (vec!["a:zz".to_string()], "not hex"),
            (vec![key("a", 1), key("a", 2)], "twice"),
        ] {
            let e = SecretBox::from_entries(&bad).unwrap_err();
            assert!(e.contains(needle), "{e}");
            assert!(!e.contains(&secret_hex), "{e}");
        }
        let b = ring(&[key("cur", 1), key("old", 2)]);
        assert_eq!(b.current_key_id(), "cur");
        let dbg = format!("{b:?}");
        assert!(dbg.contains("cur") && !dbg.contains("0101"), "{dbg}");
        let e = KeyEntry::generate();
        assert!(valid_key_id(&e.id), "{}", e.id);
        assert!(!format!("{e:?}").contains(&hex::encode(*e.material)));
    }

    #[test]
    fn keyring_file_is_created_private_and_rotates() {
        let dir = std::env::temp_dir().join(format!("lk-secretbox-{}", uuid::Uuid::new_v4()));
        let path = dir.join("sub").join("totp.keys");
        let a = SecretBox::load_or_create_file(&path).unwrap();
        let b = SecretBox::load_or_create_file(&path).unwrap();
        assert_eq!(a.current_key_id(), b.current_key_id());
        let sealed = a.seal(SeedOwner::User("u"), &seed());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let entry = KeyEntry::generate();
        let rotated = add_current_key_to_file(&path, &entry).unwrap();
        assert_eq!(rotated.current_key_id(), entry.id);
        assert!(rotated.has_key(a.current_key_id()));
        let reread = SecretBox::load_file(&path).unwrap();
        assert_eq!(reread.current_key_id(), entry.id);
        assert!(reread.open(SeedOwner::User("u"), &sealed).is_ok());
        assert!(add_current_key_to_file(&path, &entry).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
