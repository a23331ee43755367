//! The keyring: key ids, `id:hexkey` entries, building a [`SecretBox`] from the
//! `secrets.totp_keys` setting or the keyring file, which key is current, and the file itself
//! (created on first start, rotated by `latchkey rotate-key`).

use anyhow::Context as _;
use chacha20poly1305::aead::KeyInit;
use chacha20poly1305::XChaCha20Poly1305;
use std::fmt;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use zeroize::Zeroizing;

use super::{Key, SecretBox};
use crate::security::mac::os_random;

/// Bytes of key material per key.
pub const KEY_BYTES: usize = 32;
/// Longest key id accepted.
const MAX_KEY_ID: usize = 32;

/// Key ids: 1–32 of `a-z`, `0-9`, `-` (they appear in stored values and in SQL `LIKE`
/// patterns, so no `.`, `%` or `_`; lowercase because SQLite's `LIKE` ignores case).
pub fn valid_key_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_KEY_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// One parsed keyring entry `id:hexkey`.
pub struct KeyEntry {
    pub id: String,
    // pub(super) only so the unit tests (`tests.rs`) can check that `Debug` hides it.
    pub(super) material: Zeroizing<[u8; KEY_BYTES]>,
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
