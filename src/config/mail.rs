//! The mail transport's settings: `smtp_url` (its shape; the mailer parses the rest) and
//! `smtp_ca_file`.

use super::{config_error, ConfigError};
use std::path::Path;
use url::Url;

/// Refuses an `smtp_url` that is not an `smtp://` or `smtps://` URL and an `smtp_ca_file` that
/// is not a file.
pub(super) fn check_smtp(
    smtp_url: Option<&str>,
    smtp_ca_file: Option<&Path>,
) -> Result<(), ConfigError> {
    if let Some(u) = smtp_url {
        let parsed = Url::parse(u).map_err(|_| {
            config_error(
                "smtp_url",
                "not a URL; write e.g. smtp://user:pass@mail.example.com:587?tls=required",
            )
        })?;
        if !matches!(parsed.scheme(), "smtp" | "smtps") {
            return Err(config_error(
                "smtp_url",
                format!(
                    "unsupported scheme {:?}; use smtp:// (STARTTLS) or smtps:// (TLS)",
                    parsed.scheme()
                ),
            ));
        }
    }

    if let Some(ca) = smtp_ca_file {
        if !ca.is_file() {
            return Err(config_error(
                "smtp_ca_file",
                format!(
                    "{} does not exist or is not a file (PEM certificates of the CA that \
                     signed the relay's certificate)",
                    ca.display()
                ),
            ));
        }
    }
    Ok(())
}
