//! Secrets given inline or in a file, and the TOTP keyring.

use super::{config_error, ConfigError, RawSecretsSettings};
use crate::security::SecretBox;
use std::path::{Path, PathBuf};

fn read_secret_file(setting: &str, path: &Path) -> Result<String, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        config_error(
            setting,
            format!(
                "cannot read {}: {e}; check the path and its permissions",
                path.display()
            ),
        )
    })?;
    Ok(text.trim_end_matches(['\r', '\n']).to_string())
}

/// A secret from its setting or from the file named by `<setting>_file` (not both).
pub(super) fn secret(
    setting: &str,
    value: Option<String>,
    file: Option<&Path>,
) -> Result<Option<String>, ConfigError> {
    match (value, file) {
        (Some(_), Some(_)) => Err(config_error(
            setting,
            format!("set either `{setting}` or `{setting}_file`, not both"),
        )),
        (Some(v), None) => Ok(Some(v)),
        (None, Some(path)) => read_secret_file(&format!("{setting}_file"), path).map(Some),
        (None, None) => Ok(None),
    }
}

/// The TOTP keyring: inline `secrets.totp_keys`, or the file `secrets.totp_keys_file`, or the
/// generated `<data_dir>/totp.keys`.
pub(super) fn totp_keyring(
    raw: &RawSecretsSettings,
    data_dir: &Path,
) -> Result<(SecretBox, Option<PathBuf>), ConfigError> {
    const FIX: &str = "write `id:hexkey` entries, current key first, e.g. \
                       totp_keys = [\"2026-11:<64 hex digits from `openssl rand -hex 32`>\"]";
    match (&raw.totp_keys, &raw.totp_keys_file) {
        (Some(_), Some(_)) => Err(config_error(
            "secrets.totp_keys",
            "set either `secrets.totp_keys` or `secrets.totp_keys_file`, not both",
        )),
        (Some(entries), None) => SecretBox::from_entries(entries)
            .map(|b| (b, None))
            .map_err(|m| config_error("secrets.totp_keys", format!("{m}; {FIX}"))),
        (None, Some(path)) => SecretBox::load_file(path)
            .map(|b| (b, Some(path.clone())))
            .map_err(|e| config_error("secrets.totp_keys_file", format!("{e:#}"))),
        (None, None) => {
            let path = data_dir.join("totp.keys");
            SecretBox::load_or_create_file(&path)
                .map(|b| (b, Some(path)))
                .map_err(|e| {
                    config_error(
                        "secrets.totp_keys_file",
                        format!(
                            "{e:#}; fix or delete the generated file only if no TOTP is \
                             enrolled yet (its keys decrypt the enrolled seeds)"
                        ),
                    )
                })
        }
    }
}
