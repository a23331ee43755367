//! The master secret and the keys derived from it (cookie signing/encryption, CSRF, code MACs).
//! One secret to configure or back up; each use gets its own derived key.

use anyhow::Context as _;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::io::Write;
use std::path::Path;

/// The service's master secret. Its `Debug` never shows the value.
#[derive(Clone)]
pub struct MasterKey(Vec<u8>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

impl MasterKey {
    /// A configured secret: at least 32 characters of anything (e.g. `openssl rand -hex 32`).
    pub fn from_config(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.len() < 32 {
            return Err(
                "must be at least 32 characters; generate one with `openssl rand -hex 32`".into(),
            );
        }
        Ok(Self(text.as_bytes().to_vec()))
    }

    /// Reads the generated key from `path`, creating it (64 random bytes, hex, mode 0600) on
    /// first start, so sessions survive restarts without any configuration.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        if path.exists() {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the key file {}", path.display()))?;
            let bytes = hex::decode(text.trim())
                .with_context(|| format!("the key file {} is not hex; delete it to generate a new one (signs everyone out)", path.display()))?;
            anyhow::ensure!(
                bytes.len() >= 32,
                "the key file {} is too short",
                path.display()
            );
            return Ok(Self(bytes));
        }
        if let Some(dir) = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty() && !d.exists())
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
            // The data directory holds the key, the SQLite database and the outbox: owner only.
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
            }
        }
        let mut bytes = vec![0u8; 64];
        rand::rng().fill_bytes(&mut bytes);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(path) {
            Ok(mut file) => {
                file.write_all(hex::encode(&bytes).as_bytes())
                    .with_context(|| format!("cannot write the key file {}", path.display()))?;
                Ok(Self(bytes))
            }
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::load_or_create(path),
            Err(e) => {
                Err(e).with_context(|| format!("cannot create the key file {}", path.display()))
            }
        }
    }

    /// A 32-byte key for one purpose: HMAC-SHA256(master, label).
    pub fn derive(&self, label: &str) -> [u8; 32] {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(label.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// 64 bytes for actix's signed + encrypted cookies.
    pub fn cookie_key_material(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&self.derive("latchkey/cookie/signing"));
        out[32..].copy_from_slice(&self.derive("latchkey/cookie/encryption"));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_is_private_and_stable() {
        let dir = tempfile_dir();
        let path = dir.join("secret.key");
        let a = MasterKey::load_or_create(&path).unwrap();
        let b = MasterKey::load_or_create(&path).unwrap();
        assert_eq!(a.derive("x"), b.derive("x"));
        assert_ne!(a.derive("x"), a.derive("y"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(format!("{a:?}"), "MasterKey(***)");
    }

    #[test]
    fn short_configured_key_is_refused() {
        assert!(MasterKey::from_config("short").is_err());
        assert!(MasterKey::from_config(&"k".repeat(32)).is_ok());
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("lk-keys-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
