//! Saying why a TLS connection to the directory failed, naming the server's certificate: for
//! `latchkey directory check` only. The failed connection is tried once more with a verifier
//! that checks exactly as the real one does (the same roots) but also keeps the certificate the
//! server presented, so the message can name its subject, its issuer and the names it holds.

use super::connect;
use crate::directory::LdapSettings;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, SignatureScheme};
use std::sync::{Arc, Mutex};

/// What the verifier saw: the server's certificate (DER) and why it was refused.
type Seen = Arc<Mutex<Option<(Vec<u8>, rustls::Error)>>>;

#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    seen: Seen,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        if let Err(e) = &result {
            if let Ok(mut seen) = self.seen.lock() {
                *seen = Some((end_entity.to_vec(), e.clone()));
            }
        }
        result
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Connects to `url` once more and, if the server's certificate is refused, says which
/// certificate and why, e.g. `the server's certificate "CN=ldap.example.com" (issued by
/// "CN=Corp CA"; names ldap.example.com) is not trusted: its issuer is not in
/// directory.ca_file (unknown issuer)`. `None` when the certificate was not the problem.
pub(crate) async fn diagnose(settings: &LdapSettings, url: &str) -> Option<String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = Arc::new(connect::roots(settings).ok()?);
    let inner = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
        .build()
        .ok()?;
    let seen: Seen = Arc::default();
    let verifier = Recording {
        inner,
        seen: seen.clone(),
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    if let Ok(mut ldap) = connect::open_one(settings, &Some(Arc::new(config)), url).await {
        let _ = ldap.unbind().await;
    }
    let (der, error) = seen.lock().ok()?.take()?;
    Some(describe(settings, &der, &error))
}

/// A subject alternative name as people write it (`ldap.example.com`, `127.0.0.1`).
fn name(n: &x509_parser::extensions::GeneralName<'_>) -> String {
    use x509_parser::extensions::GeneralName;
    match n {
        GeneralName::DNSName(s) => (*s).to_string(),
        GeneralName::IPAddress(b) => match <[u8; 4]>::try_from(*b) {
            Ok(v4) => std::net::IpAddr::from(v4).to_string(),
            Err(_) => <[u8; 16]>::try_from(*b)
                .map(|v6| std::net::IpAddr::from(v6).to_string())
                .unwrap_or_else(|_| n.to_string()),
        },
        other => other.to_string(),
    }
}

fn describe(settings: &LdapSettings, der: &[u8], error: &rustls::Error) -> String {
    let (subject, issuer, names) = match x509_parser::parse_x509_certificate(der) {
        Ok((_, cert)) => {
            let names: Vec<String> = cert
                .subject_alternative_name()
                .ok()
                .flatten()
                .map(|san| san.value.general_names.iter().map(name).collect())
                .unwrap_or_default();
            (cert.subject().to_string(), cert.issuer().to_string(), names)
        }
        Err(_) => ("(unreadable)".into(), "(unreadable)".into(), Vec::new()),
    };
    let trusted_by = match &settings.ca_file {
        Some(path) => format!("directory.ca_file ({})", path.display()),
        None => "the system's trusted roots (set directory.ca_file to your CA)".into(),
    };
    let why = match error {
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            if subject == issuer {
                format!("it is self-signed and not in {trusted_by} (unknown issuer)")
            } else {
                format!("its issuer is not in {trusted_by} (unknown issuer)")
            }
        }
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => "it is not valid for the host name in directory.url (name mismatch)".into(),
        rustls::Error::InvalidCertificate(
            CertificateError::Expired | CertificateError::ExpiredContext { .. },
        ) => "it has expired".into(),
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. },
        ) => "it is not valid yet (check the clocks)".into(),
        other => other.to_string(),
    };
    let names = if names.is_empty() {
        String::new()
    } else {
        format!("; names {}", names.join(", "))
    };
    format!(
        "the server's certificate {subject:?} (issued by {issuer:?}{names}) is not trusted: {why}"
    )
}
