//! `latchkey mail dkim-keygen` and `latchkey mail check` (docs/mail.md#dkim).

use super::CliError;
use crate::config::Settings;
use crate::deliverability::{Deliverability, TxtError};
use crate::mail::dkim::{self, DkimAlgorithm};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Generate a DKIM signing key (PKCS#8 PEM) and print the DNS TXT record that publishes it.
    /// Reads no configuration.
    DkimKeygen(DkimKeygen),
    /// Look up the DKIM TXT record of `[mail.dkim]` through the configured resolver (`dns`) and
    /// say whether it publishes the configured key. Exit 0: it does; 1: the record is missing,
    /// different or unreadable; 2: DKIM is not configured or DNS is off.
    Check,
}

#[derive(Debug, Args)]
pub struct DkimKeygen {
    /// The selector: the record is `<selector>._domainkey.<domain>`.
    #[arg(long)]
    pub selector: String,
    /// The signing domain (`d=`), usually the domain of `mail_from`.
    #[arg(long)]
    pub domain: String,
    /// `ed25519` (short, RFC 8463) or `rsa` (2048 bits, understood everywhere).
    #[arg(long, value_enum, default_value = "rsa")]
    pub algorithm: DkimAlgorithm,
    /// Write the key to this new file (mode 0600; an existing file is never overwritten).
    /// Without it the key is printed first, before the record.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `latchkey mail dkim-keygen`: needs no settings, so it runs before the configuration is read
/// (a `mail.dkim.private_key_file` that does not exist yet must not stop it).
pub fn keygen(args: &DkimKeygen) -> Result<(), CliError> {
    let selector = args.selector.trim();
    let domain = args
        .domain
        .trim()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let probe = crate::config::RawDkimSettings {
        selector: Some(selector.to_string()),
        domain: Some(domain.clone()),
        private_key_file: None,
    };
    probe
        .check_names()
        .map_err(|e| super::usage(e.to_string()))?;
    let key = dkim::generate(args.algorithm).map_err(|e| CliError::Failure(anyhow::anyhow!(e)))?;
    match &args.out {
        Some(path) => {
            write_private(path, key.pem.as_bytes())?;
            println!("Private key written to {} (mode 0600).", path.display());
        }
        None => print!("{}", key.pem.as_str()),
    }
    let name = dkim::record_name(selector, &domain);
    println!("Publish this DNS TXT record:");
    println!("  name:  {name}");
    println!("  value: {}", key.record_value);
    println!("Then configure (latchkey.toml):");
    println!("  [mail.dkim]");
    println!("  selector = \"{selector}\"");
    println!("  domain = \"{domain}\"");
    match &args.out {
        Some(path) => println!("  private_key_file = \"{}\"", path.display()),
        None => println!("  private_key_file = \"<the file you saved the key above in>\""),
    }
    println!("and run `latchkey mail check` once the record is published.");
    Ok(())
}

/// Creates `path` (never replacing a file) readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            super::usage(format!(
                "{} exists; choose another --out (a key is never overwritten)",
                path.display()
            ))
        } else {
            CliError::Failure(anyhow::anyhow!("cannot create {}: {e}", path.display()))
        }
    })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| CliError::Failure(anyhow::anyhow!("cannot write {}: {e}", path.display())))
}

/// `latchkey mail check`.
pub fn check(settings: &Settings) -> Result<(), CliError> {
    let Some(signer) = &settings.dkim else {
        return Err(super::usage(
            "DKIM is not configured: set mail.dkim.selector, mail.dkim.domain and \
             mail.dkim.private_key_file (see `latchkey mail dkim-keygen`)",
        ));
    };
    if settings.dns == crate::deliverability::DnsMode::Off {
        return Err(super::usage(
            "dns = \"off\": cannot look up the DKIM record; set dns to \"system\" or a nameserver",
        ));
    }
    let name = signer.record_name();
    let deliverability = Deliverability::new(settings.dns.clone(), &settings.deliverability)
        .map_err(|e| super::usage(format!("{e:#}")))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)?;
    let found = runtime.block_on(deliverability.txt_records(&name));
    let expected = signer.record_value();
    let fail = |why: String| {
        println!("FAIL {name}: {why}");
        println!("     publish: {expected}");
        Err(CliError::Failure(anyhow::anyhow!(
            "the DKIM record does not publish the configured key"
        )))
    };
    match found {
        Ok(records) if records.iter().any(|r| signer.matches(r)) => {
            println!("ok   {name} publishes the configured key ({expected:.30}…)");
            Ok(())
        }
        Ok(records) if records.is_empty() => fail("no TXT record".into()),
        Ok(records) => fail(format!(
            "{} TXT record(s), none with the configured key (another key, or another k=)",
            records.len()
        )),
        Err(TxtError::NxDomain) => fail("the name does not exist (NXDOMAIN)".into()),
        Err(e) => fail(e.to_string()),
    }
}
