//! The mail settings: `smtp_url` (its shape; the mailer parses the rest), `smtp_ca_file`, and
//! the `[mail]` table (`[mail.dkim]`: the signing key).

use super::{config_error, ConfigError};
use crate::mail::DkimSigner;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use url::Url;

/// `[mail]` (`LATCHKEY_MAIL__…`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawMailSettings {
    /// `[mail.dkim]`: sign every mail (docs/mail.md#dkim).
    pub dkim: RawDkimSettings,
    /// The domain of the VERP return path: when set, every mail's SMTP envelope sender is
    /// `bounce+<id>@<bounce_domain>` and bounces that come back later are matched to their mail
    /// by the id (docs/mail.md#bounces). Unset: the envelope sender is `mail_from`.
    pub bounce_domain: Option<String>,
}

impl RawMailSettings {
    /// `mail.bounce_domain`, lowercase without a trailing dot; refuses a value that is not a
    /// domain.
    pub(super) fn bounce_domain(&self) -> Result<Option<String>, ConfigError> {
        let Some(raw) = self.bounce_domain.as_deref() else {
            return Ok(None);
        };
        let domain = raw.trim().trim_end_matches('.').to_ascii_lowercase();
        if !is_dns_name(&domain) || !domain.contains('.') {
            return Err(config_error(
                "mail.bounce_domain",
                format!("{raw:?} is not a domain such as bounces.example.com"),
            ));
        }
        Ok(Some(domain))
    }
}

/// `[mail.dkim]`: all three set, or none.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawDkimSettings {
    /// The DNS selector: the key is published at `<selector>._domainkey.<domain>`.
    pub selector: Option<String>,
    /// The signing domain (`d=`); DMARC wants it to be, or to be a parent of, `mail_from`'s domain.
    pub domain: Option<String>,
    /// A PEM private key: PKCS#8 RSA (2048 bits or more) or Ed25519, or PKCS#1 RSA.
    pub private_key_file: Option<PathBuf>,
}

impl RawDkimSettings {
    /// The signer, or `None` when DKIM is not configured. Refuses a partial configuration, a
    /// selector or domain that is not a DNS name, and a key file that cannot be read or is not
    /// a usable key, naming the setting.
    pub(super) fn load(&self) -> Result<Option<DkimSigner>, ConfigError> {
        let (selector, domain, file) = match (&self.selector, &self.domain, &self.private_key_file)
        {
            (None, None, None) => return Ok(None),
            (Some(s), Some(d), Some(f)) => (s.trim(), d.trim().trim_end_matches('.'), f),
            _ => {
                let missing = [
                    ("mail.dkim.selector", self.selector.is_none()),
                    ("mail.dkim.domain", self.domain.is_none()),
                    (
                        "mail.dkim.private_key_file",
                        self.private_key_file.is_none(),
                    ),
                ]
                .into_iter()
                .find(|(_, missing)| *missing)
                .map_or("mail.dkim", |(name, _)| name);
                return Err(config_error(
                    missing,
                    "DKIM needs mail.dkim.selector, mail.dkim.domain and \
                     mail.dkim.private_key_file together (or none of them)",
                ));
            }
        };
        self.check_names()?;
        DkimSigner::load(selector, &domain.to_ascii_lowercase(), file)
            .map(Some)
            .map_err(|m| config_error("mail.dkim.private_key_file", m))
    }

    /// Refuses a selector or domain that is not a DNS name.
    pub fn check_names(&self) -> Result<(), ConfigError> {
        let selector = self.selector.as_deref().unwrap_or_default().trim();
        let domain = self.domain.as_deref().unwrap_or_default().trim();
        let domain = domain.trim_end_matches('.');
        if !is_dns_name(selector) {
            return Err(config_error(
                "mail.dkim.selector",
                format!("{selector:?} is not a DNS label such as s1 or latchkey2026"),
            ));
        }
        if !is_dns_name(domain) || !domain.contains('.') {
            return Err(config_error(
                "mail.dkim.domain",
                format!("{domain:?} is not a domain such as example.com"),
            ));
        }
        Ok(())
    }
}

/// Dot-separated labels of ASCII letters, digits and hyphens.
fn is_dns_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

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
