//! Where breached passwords are looked up (`password.breached`): the k-anonymity range API or an
//! offline file. Both are asked with the SHA-1 of the password as it is stored (NFKC); the
//! password itself and its full hash never leave the process.

pub mod file;
pub mod range_api;

pub use file::{BreachFile, FileReport};
pub use range_api::RangeApi;

use crate::config::{BreachedMode, PasswordSettings};
use anyhow::Context as _;
use sha1::{Digest, Sha1};
use std::sync::Arc;
use std::time::Duration;

/// The configured source.
#[derive(Debug)]
pub enum BreachedSource {
    Off,
    Api(RangeApi),
    File(Arc<BreachFile>),
}

impl BreachedSource {
    /// Builds the source the settings name; opens (and quickly checks) the file in `file` mode,
    /// so a wrong path fails at start, naming the setting.
    pub fn from_settings(password: &PasswordSettings) -> anyhow::Result<Self> {
        Ok(match password.breached {
            BreachedMode::Off => Self::Off,
            BreachedMode::Api => Self::Api(
                RangeApi::new(
                    &password.breached_api_url,
                    Duration::from_millis(password.breached_timeout_ms),
                )
                .context("configuration error in `password.breached_api_url`")?,
            ),
            BreachedMode::File => {
                let path = password.breached_file.as_deref().context(
                    "configuration error in `password.breached_file`: required when \
                     password.breached = \"file\"",
                )?;
                Self::File(Arc::new(
                    BreachFile::open(path)
                        .context("configuration error in `password.breached_file`")?,
                ))
            }
        })
    }

    /// The mode's name, for logs and metrics.
    pub fn mode(&self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Api(_) => "api",
            Self::File(_) => "file",
        }
    }

    /// How often the corpus has seen `password` (`Ok(None)`: never, or the check is off); an
    /// error when the source could not be asked. The file is searched on the blocking pool.
    pub async fn lookup(&self, password: &str) -> Result<Option<u64>, String> {
        let hash = sha1_upper_hex(password);
        match self {
            Self::Off => Ok(None),
            Self::Api(api) => api
                .lookup(std::str::from_utf8(&hash).unwrap_or_default())
                .await
                .map_err(|e| e.to_string()),
            Self::File(file) => {
                let file = file.clone();
                tokio::task::spawn_blocking(move || file.lookup(&hash))
                    .await
                    .map_err(|e| format!("the file lookup task failed: {e}"))
            }
        }
    }
}

/// The SHA-1 of `password`'s UTF-8, as 40 uppercase hex digits.
pub fn sha1_upper_hex(password: &str) -> [u8; 40] {
    let digest = Sha1::digest(password.as_bytes());
    let mut out = [0u8; 40];
    // Cannot fail: 20 bytes encode to exactly 40 digits.
    let _ = hex::encode_to_slice(digest, &mut out);
    out.make_ascii_uppercase();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_is_uppercase_hex() {
        // SHA-1("password"), the first line of every Pwned Passwords tutorial.
        assert_eq!(
            &sha1_upper_hex("password"),
            b"5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8"
        );
    }
}
