//! The SMTP relay: `smtp_url` parsed into where and how to connect ([`Relay`]), and the roots a
//! relay's certificate may chain to (the bundled Mozilla roots, the system's trust store, and
//! `smtp_ca_file`).

use super::smtp_pool::Relay;
use super::transport::{config_error, MailerConfigError};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::CertificateDer;
use std::path::Path;
use url::Url;

/// The certificates, beyond the bundled Mozilla roots, that a relay's chain may end in.
#[derive(Clone, Default)]
pub struct TrustRoots {
    extra: Vec<CertificateDer<'static>>,
}

impl TrustRoots {
    /// The system's trust store (`/etc/ssl/certs` and the like, through rustls-native-certs)
    /// plus every certificate of `ca_file` (PEM), e.g. a corporate CA that signed the relay.
    /// A system certificate rustls cannot use is skipped; one in `ca_file` is an error.
    pub fn load(ca_file: Option<&Path>) -> Result<Self, MailerConfigError> {
        let mut extra: Vec<CertificateDer<'static>> = rustls_native_certs::load_native_certs()
            .certs
            .into_iter()
            .filter(|c| rustls::RootCertStore::empty().add(c.clone()).is_ok())
            .collect();
        if let Some(path) = ca_file {
            let refuse = |why: String| MailerConfigError::new("smtp_ca_file", why);
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .map_err(|e| {
                    refuse(format!(
                        "cannot read certificates from {}: {e}",
                        path.display()
                    ))
                })?;
            if certs.is_empty() {
                return Err(refuse(format!(
                    "{} holds no PEM certificate",
                    path.display()
                )));
            }
            for cert in certs {
                rustls::RootCertStore::empty()
                    .add(cert.clone())
                    .map_err(|e| refuse(format!("{}: {e}", path.display())))?;
                extra.push(cert);
            }
        }
        Ok(Self { extra })
    }

    /// TLS parameters for `host`: the bundled roots plus these.
    fn tls_parameters(&self, host: &str) -> Result<TlsParameters, MailerConfigError> {
        let mut builder = TlsParameters::builder(host.to_string())
            .certificate_store(CertificateStore::WebpkiRoots);
        for cert in &self.extra {
            let cert = Certificate::from_der(cert.to_vec())
                .map_err(|e| config_error(format!("TLS setup failed: {e}")))?;
            builder = builder.add_root_certificate(cert);
        }
        builder
            .build()
            .map_err(|e| config_error(format!("TLS setup failed: {e}")))
    }
}

/// Reads `smtp_url`. Unlike lettre's own `from_url` (where a bare `smtp://` means no TLS at
/// all), a bare `smtp://` here requires STARTTLS: plain text must be asked for by name.
pub(super) fn relay(text: &str, roots: &TrustRoots) -> Result<Relay, MailerConfigError> {
    let url = Url::parse(text)
        .map_err(|_| config_error("not a URL; write e.g. smtp://user:pass@mail.example.com:587"))?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| config_error("has no host"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let mut tls_param: Option<String> = None;
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "tls" if tls_param.is_none() => tls_param = Some(value.into_owned()),
            other => {
                return Err(config_error(format!(
                    "unknown or repeated parameter {other:?}; only tls=required|none is understood"
                )))
            }
        }
    }
    let tls_for = |host: &str| roots.tls_parameters(host);
    let (tls, default_port) = match (url.scheme(), tls_param.as_deref()) {
        ("smtp", None | Some("required" | "starttls")) => (Tls::Required(tls_for(&host)?), 587),
        ("smtp", Some("none")) => (Tls::None, 25),
        ("smtps", None | Some("required" | "wrapper")) => (Tls::Wrapper(tls_for(&host)?), 465),
        ("smtp" | "smtps", Some(other)) => {
            return Err(config_error(format!(
                "tls={other:?} is not supported; use tls=required (the default) or, for a \
                 local test server only, tls=none with smtp://"
            )))
        }
        (scheme, _) => {
            return Err(config_error(format!(
                "unsupported scheme {scheme:?}; use smtp:// (STARTTLS) or smtps:// (TLS)"
            )))
        }
    };
    let credentials = if url.username().is_empty() {
        None
    } else {
        let decode = |s: &str| {
            percent_decode(s).ok_or_else(|| config_error("user or password is not valid UTF-8"))
        };
        let user = decode(url.username())?;
        let password = decode(url.password().unwrap_or(""))?;
        Some(Credentials::new(user, password))
    };
    Ok(Relay {
        host,
        port: url.port().unwrap_or(default_port),
        tls,
        credentials,
    })
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Relay, MailerConfigError> {
        relay(text, &TrustRoots::default())
    }

    #[test]
    fn smtp_urls_default_to_starttls_and_reject_downgrades() {
        assert!(parse("smtp://user:p%40ss@mail.example.com").is_ok());
        assert!(parse("smtp://mail.example.com:587?tls=required").is_ok());
        assert!(parse("smtps://mail.example.com").is_ok());
        assert!(parse("smtp://127.0.0.1:2525?tls=none").is_ok());
        for bad in [
            "smtp://mail.example.com?tls=opportunistic",
            "smtps://mail.example.com?tls=none",
            "smtp://mail.example.com?tls=none&tls=none",
            "smtp://mail.example.com?hello=x",
            "http://mail.example.com",
            "not a url",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn config_errors_never_repeat_the_password() {
        // `Relay` has no Debug on purpose (it holds the credentials): `.err()`, not `.unwrap_err()`.
        let e = parse("smtp://u:hunter2@h?tls=bogus")
            .err()
            .unwrap()
            .to_string();
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("p%40ss%2Fw").as_deref(), Some("p@ss/w"));
        assert_eq!(percent_decode("plain").as_deref(), Some("plain"));
        assert_eq!(percent_decode("bad%zz"), None);
        assert_eq!(percent_decode("end%4").as_deref(), Some("end%4"));
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused_with_the_setting_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let e = TrustRoots::load(Some(&path)).err().unwrap().to_string();
        assert!(e.starts_with("smtp_ca_file: "), "{e}");
        assert!(e.contains("holds no PEM certificate"), "{e}");
        let e = TrustRoots::load(Some(&dir.path().join("missing.pem")))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("cannot read certificates"), "{e}");
    }
}
