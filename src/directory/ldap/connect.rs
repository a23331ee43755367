//! Opening connections: failover over `url`, TLS (StartTLS, LDAPS, or none), `ca_file`, the
//! connection timeout. Errors say what went wrong in words.

use crate::directory::{DirectoryError, LdapSettings, TlsMode};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};
use std::sync::Arc;

/// The trusted roots: the certificates of `ca_file`, or the system's.
pub(crate) fn roots(settings: &LdapSettings) -> anyhow::Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    match &settings.ca_file {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .map_err(|e| {
                    anyhow::anyhow!(
                        "directory.ca_file: cannot read certificates from {}: {e}",
                        path.display()
                    )
                })?;
            if certs.is_empty() {
                anyhow::bail!(
                    "directory.ca_file: {} holds no PEM certificate",
                    path.display()
                );
            }
            for cert in certs {
                roots
                    .add(cert)
                    .map_err(|e| anyhow::anyhow!("directory.ca_file: {}: {e}", path.display()))?;
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
    }
    Ok(roots)
}

/// The TLS client configuration: the roots of `ca_file`, or the system's.
pub(crate) fn tls_config(settings: &LdapSettings) -> anyhow::Result<Option<Arc<ClientConfig>>> {
    if settings.tls == TlsMode::None {
        return Ok(None);
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow::anyhow!("TLS setup: {e}"))?
        .with_root_certificates(roots(settings)?)
        .with_no_client_auth();
    Ok(Some(Arc::new(config)))
}

/// An LDAP error in words for the logs and `latchkey directory check` (never for a page).
pub(crate) fn describe(url: &str, e: &LdapError) -> String {
    let text = e.to_string();
    let lower = text.to_ascii_lowercase();
    if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
        format!("{url}: TLS failure: {text} (check directory.ca_file and the server's certificate name)")
    } else if matches!(e, LdapError::Timeout { .. }) || lower.contains("timed out") {
        format!("{url}: timed out")
    } else if lower.contains("connection refused") {
        format!("{url}: connection refused (is the server running and the port right?)")
    } else {
        format!("{url}: {text}")
    }
}

/// Opens an unauthenticated connection to the first server that answers.
pub(crate) async fn open(
    settings: &LdapSettings,
    tls: &Option<Arc<ClientConfig>>,
) -> Result<Ldap, DirectoryError> {
    let mut failures = Vec::new();
    for url in &settings.urls {
        match open_one(settings, tls, url).await {
            Ok(ldap) => return Ok(ldap),
            Err(why) => {
                tracing::warn!(error = %why, "directory server unreachable; trying the next");
                failures.push(why);
            }
        }
    }
    Err(DirectoryError::Unavailable(failures.join("; ")))
}

pub(crate) async fn open_one(
    settings: &LdapSettings,
    tls: &Option<Arc<ClientConfig>>,
    url: &str,
) -> Result<Ldap, String> {
    let mut conn_settings = LdapConnSettings::new().set_conn_timeout(settings.timeout);
    if settings.tls == TlsMode::Starttls {
        conn_settings = conn_settings.set_starttls(true);
    }
    if let Some(config) = tls {
        conn_settings = conn_settings.set_config(config.clone());
    }
    let connect = LdapConnAsync::with_settings(conn_settings, url);
    // StartTLS runs inside `connect`: bound the whole of it, not only the TCP connect.
    let (conn, mut ldap) = match tokio::time::timeout(settings.timeout, connect).await {
        Ok(Ok(pair)) => pair,
        Ok(Err(e)) => return Err(describe(url, &e)),
        Err(_) => return Err(format!("{url}: timed out")),
    };
    ldap3::drive!(conn);
    ldap.with_timeout(settings.timeout);
    Ok(ldap)
}
