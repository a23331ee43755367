//! `latchkey mail dkim-keygen` and `latchkey mail check`, run as an operator would. The check
//! asks a real DNS server: dnsmasq (`apt-get install dnsmasq-base`) serving the DKIM records.
//! Without dnsmasq those tests print "skipped: …" and pass, except under `CI=true`.

mod dns_support;
mod support;

use dns_support::{require_dnsmasq, Dnsmasq};
use std::path::Path;
use support::cli::{outcome, Cli, Outcome};

/// `latchkey mail dkim-keygen ARGS` in `dir`, with a DKIM setting that names a file that does not
/// exist yet: keygen reads no configuration, so it must not stop it.
fn keygen(dir: &Path, args: &[&str]) -> Outcome {
    let mut cmd = assert_cmd::Command::cargo_bin("latchkey").unwrap();
    cmd.current_dir(dir)
        .env("LATCHKEY_MAIL__DKIM__SELECTOR", "s1")
        .env("LATCHKEY_MAIL__DKIM__DOMAIN", "example.org")
        .env(
            "LATCHKEY_MAIL__DKIM__PRIVATE_KEY_FILE",
            dir.join("not-yet.pem"),
        )
        .env("LATCHKEY_LOG_LEVEL", "warn")
        .timeout(std::time::Duration::from_secs(120))
        .args(["mail", "dkim-keygen"])
        .args(args);
    outcome(&mut cmd)
}

/// The `value:` line of keygen's output.
fn record_value(out: &str) -> String {
    out.lines()
        .find_map(|l| l.trim().strip_prefix("value: "))
        .unwrap_or_else(|| panic!("no value line in {out}"))
        .to_string()
}

#[test]
fn keygen_writes_an_owner_only_key_and_prints_the_record_to_publish() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("dkim.pem");
    let key_arg = key.to_str().unwrap();
    let (code, out, err) = keygen(
        dir.path(),
        &[
            "--selector",
            "s1",
            "--domain",
            "Example.ORG",
            "--algorithm",
            "ed25519",
            "--out",
            key_arg,
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Private key written to"), "{out}");
    assert!(
        out.contains("  name:  s1._domainkey.example.org\n"),
        "{out}"
    );
    let value = record_value(&out);
    let p = value
        .strip_prefix("v=DKIM1; k=ed25519; p=")
        .unwrap_or_else(|| panic!("{value}"));
    assert_eq!(p.len(), 44, "a 32-byte key in base64: {p}");
    assert!(out.contains("private_key_file = "), "{out}");
    assert!(
        !out.contains("BEGIN PRIVATE KEY"),
        "the key is in the file only: {out}"
    );
    let pem = std::fs::read_to_string(&key).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }

    // Never overwrites a key.
    let (code, _, err) = keygen(
        dir.path(),
        &[
            "--selector",
            "s1",
            "--domain",
            "example.org",
            "--out",
            key_arg,
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("exists"), "{err}");
    assert_eq!(std::fs::read_to_string(&key).unwrap(), pem);

    // A selector that is not a DNS label is a usage error.
    let (code, _, err) = keygen(
        dir.path(),
        &["--selector", "s 1", "--domain", "example.org"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("mail.dkim.selector"), "{err}");
}

#[test]
fn keygen_without_out_prints_an_rsa_2048_key_then_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = keygen(dir.path(), &["--selector", "lk", "--domain", "example.org"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{out}");
    assert!(
        out.contains("  name:  lk._domainkey.example.org\n"),
        "{out}"
    );
    let value = record_value(&out);
    let p = value
        .strip_prefix("v=DKIM1; k=rsa; p=")
        .unwrap_or_else(|| panic!("{value}"));
    // SubjectPublicKeyInfo of a 2048-bit key: 294 bytes, 392 base64 characters.
    assert_eq!(p.len(), 392, "{p}");
}

/// A configured Ed25519 key in a CLI data directory, and its record value.
fn configured(cli: &Cli) -> String {
    let key = cli.path().join("dkim.pem");
    let (code, out, err) = keygen(
        cli.path(),
        &[
            "--selector",
            "s1",
            "--domain",
            "example.test",
            "--algorithm",
            "ed25519",
            "--out",
            key.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    std::fs::write(
        cli.path().join("latchkey.toml"),
        format!(
            "[mail.dkim]\nselector = \"s1\"\ndomain = \"example.test\"\nprivate_key_file = \"{}\"\n",
            key.display()
        ),
    )
    .unwrap();
    record_value(&out)
}

#[test]
fn mail_check_says_whether_dns_publishes_the_configured_key() {
    let Some(binary) = require_dnsmasq() else {
        return;
    };
    let cli = Cli::new();
    let ours = configured(&cli);
    let other_dir = tempfile::tempdir().unwrap();
    let (_, other_out, _) = keygen(
        other_dir.path(),
        &[
            "--selector",
            "s2",
            "--domain",
            "example.test",
            "--algorithm",
            "ed25519",
        ],
    );
    let theirs = record_value(&other_out);
    // An RSA key published as two strings of one record (longer than 255 characters).
    let (_, rsa_out, _) = keygen(
        other_dir.path(),
        &["--selector", "s3", "--domain", "example.test"],
    );
    let rsa = record_value(&rsa_out);
    let (rsa_a, rsa_b) = rsa.split_at(200);
    let dns = Dnsmasq::start(
        &binary,
        &[
            format!("--txt-record=s1._domainkey.example.test,{ours}"),
            format!("--txt-record=s2._domainkey.example.test,{theirs}"),
            format!("--txt-record=s3._domainkey.example.test,{rsa_a},{rsa_b}"),
            "--txt-record=other.example.test,hello".to_string(),
            "--local=/test/".to_string(),
        ],
    );
    let dns_env = dns.addr().to_string();
    let check = |selector: &str, key: Option<&Path>| {
        let mut env = vec![
            ("LATCHKEY_DNS", dns_env.clone()),
            ("LATCHKEY_MAIL__DKIM__SELECTOR", selector.to_string()),
        ];
        if let Some(key) = key {
            env.push((
                "LATCHKEY_MAIL__DKIM__PRIVATE_KEY_FILE",
                key.display().to_string(),
            ));
        }
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        cli.run_env(&["mail", "check"], &env)
    };

    let (code, out, err) = check("s1", None);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("ok   s1._domainkey.example.test publishes the configured key"),
        "{out}"
    );

    // Another key under the selector: exit 1, and the record to publish.
    let (code, out, err) = check("s2", None);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("FAIL s2._domainkey.example.test"), "{out}");
    assert!(out.contains(&format!("publish: {ours}")), "{out}");

    // Nothing published under the selector.
    let (code, out, err) = check("nope", None);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("FAIL nope._domainkey.example.test"), "{out}");

    // The RSA key, split over two strings, is found whole.
    let rsa_key = other_dir.path().join("rsa.pem");
    std::fs::write(&rsa_key, rsa_out.split("Publish").next().unwrap()).unwrap();
    let (code, out, err) = check("s3", Some(&rsa_key));
    assert_eq!(code, 0, "{out}\n{err}");
}

#[test]
fn mail_check_without_dkim_or_dns_is_a_configuration_error() {
    let cli = Cli::new();
    let (code, _, err) = cli.run(&["mail", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("mail.dkim.selector"), "{err}");

    configured(&cli);
    // support::cli runs with LATCHKEY_DNS=off.
    let (code, _, err) = cli.run(&["mail", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("dns"), "{err}");

    // A key file that is not a key stops every command, naming the setting.
    std::fs::write(cli.path().join("dkim.pem"), "garbage").unwrap();
    let (code, _, err) = cli.run(&["config", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("mail.dkim.private_key_file"), "{err}");
}
