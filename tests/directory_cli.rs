//! The real `latchkey` binary with `[directory] kind = "ldap"` against a real OpenLDAP `slapd`
//! (tests/support/slapd/): `latchkey directory check` says what works and, in words, what does
//! not (a TLS failure names the server's certificate and why it was refused); `latchkey policy
//! explain` says where each account fact came from.

mod support;
use support::cli::Cli;
use support::slapd::{self, Slapd};

#[test]
fn directory_check_reports_each_step_and_what_it_sees_for_an_address() {
    let Some(server) = Slapd::start() else { return };
    let cli = Cli::with_toml(&server.directory_toml());
    let (code, out, err) = cli.run(&["directory", "check", "--email", "carl@example.com"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("connected"), "{out}");
    assert!(
        out.contains(&format!("service bind as {:?} ok", slapd::SERVICE_DN)),
        "{out}"
    );
    assert!(
        out.contains(&format!("search of {:?} ok", slapd::PEOPLE)),
        "{out}"
    );
    assert!(
        out.contains(&format!("carl@example.com: dn {:?}", slapd::CARL_DN)),
        "{out}"
    );
    assert!(out.contains("enabled"), "{out}");
    assert!(!out.contains("FAIL"), "{out}");
    assert!(!out.contains(slapd::SERVICE_PASSWORD), "{out}");
    assert!(!err.contains(slapd::SERVICE_PASSWORD), "{err}");
}

#[test]
fn directory_check_says_the_service_password_is_wrong() {
    let Some(server) = Slapd::start() else { return };
    let toml = server.directory_toml().replace(
        &format!("bind_password = \"{}\"", slapd::SERVICE_PASSWORD),
        "bind_password = \"not-the-service-password\"",
    );
    assert!(toml.contains("not-the-service-password"));
    let cli = Cli::with_toml(&toml);
    let (code, out, err) = cli.run(&["directory", "check"]);
    assert_ne!(code, 0, "{out}\n{err}");
    assert!(out.contains("FAIL"), "{out}");
    assert!(
        out.contains(&format!(
            "wrong password or bind_dn for {:?}",
            slapd::SERVICE_DN
        )),
        "{out}"
    );
    assert!(err.contains("the directory check found problems"), "{err}");
    assert!(!out.contains("not-the-service-password"), "{out}");
    assert!(!err.contains("not-the-service-password"), "{err}");
}

#[test]
fn directory_check_names_the_certificate_on_a_tls_failure() {
    let Some(server) = Slapd::start() else { return };
    // ca_file holds a self-signed certificate that did not sign the server's.
    let other = tempfile::tempdir().unwrap();
    slapd::run(
        std::process::Command::new(slapd::program("openssl").unwrap())
            .current_dir(other.path())
            .args([
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "other.key",
                "-out",
                "other.pem",
                "-days",
                "2",
                "-subj",
                "/CN=Some other CA",
            ]),
        "openssl (another CA)",
    );
    let other_ca = other.path().join("other.pem");
    let toml = server.directory_toml().replace(
        &server.ca_file().display().to_string(),
        &other_ca.display().to_string(),
    );
    assert!(toml.contains("other.pem"));
    let cli = Cli::with_toml(&toml);
    let (code, out, err) = cli.run(&["directory", "check"]);
    assert_ne!(code, 0, "{out}\n{err}");
    let line = out
        .lines()
        .find(|l| l.contains("TLS failure"))
        .unwrap_or_else(|| panic!("a TLS failure line: {out}"));
    assert!(line.starts_with("[FAIL]"), "{line}");
    assert!(line.contains("\"CN=localhost\""), "the subject: {line}");
    assert!(
        line.contains("issued by \"CN=Latchkey test CA\""),
        "the issuer: {line}"
    );
    assert!(line.contains("unknown issuer"), "why: {line}");
    assert!(
        line.contains("names localhost, 127.0.0.1"),
        "the names: {line}"
    );
    assert!(line.contains("other.pem"), "which ca_file: {line}");
}

#[test]
fn policy_explain_says_where_each_fact_came_from() {
    let Some(server) = Slapd::start() else { return };
    let cli = Cli::with_toml(&server.directory_toml());
    let (code, _, err) = cli.run(&["migrate"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = cli.run(&[
        "tenant",
        "create",
        "--name",
        "Example",
        "--domain",
        "example.com",
    ]);
    assert_eq!(code, 0, "{err}");

    let (code, out, err) = cli.run(&["policy", "explain", "--email", "carl@example.com"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains(
            "Account facts from: exists directory, disabled directory and latchkey, \
             address directory, verified directory, lock latchkey, TOTP latchkey"
        ),
        "{out}"
    );
    let (code, out, err) = cli.run(&[
        "policy",
        "explain",
        "--email",
        "disabled@example.com",
        "--json",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["code"], "account_disabled", "{json:#}");
    assert_eq!(json["sources"]["exists"], "directory", "{json:#}");
    assert_eq!(json["sources"]["totp"], "latchkey", "{json:#}");
}
