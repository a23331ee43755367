use super::*;

fn with(toml: &str) -> anyhow::Result<Settings> {
    let dir = std::env::temp_dir().join(format!("lk-config-{}", uuid::Uuid::new_v4()));
    let figment = Figment::from(Serialized::defaults(RawSettings {
        data_dir: dir,
        ..RawSettings::default()
    }))
    .merge(Toml::string(toml));
    Settings::from_figment(figment)
}

/// Why `toml` is refused (it must be).
fn refusal(toml: &str) -> String {
    with(toml).unwrap_err().to_string()
}

/// `toml` is refused with a message that says each of `words` (the setting, the fix).
fn assert_refused(toml: &str, words: &[&str]) {
    let e = refusal(toml);
    assert!(words.iter().all(|w| e.contains(w)), "{e}");
}

#[test]
fn defaults_are_valid() {
    let s = with("").unwrap();
    assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
    assert_eq!(s.public_base_url.as_str(), "http://127.0.0.1:8080/");
    assert!(matches!(s.database_url, DatabaseUrl::Sqlite(_)));
    assert!(s.demo);
}

#[test]
fn errors_name_the_setting() {
    assert_refused("database_url = \"mysql://x\"", &["database_url", "mysql"]);
    assert_refused("public_base_url = \"/relative\"", &["public_base_url"]);
    assert_refused(
        "[rate_limits]\nmails_per_address_hour = 0",
        &["rate_limits.mails_per_address_hour"],
    );
    assert_refused("no_such_setting = 1", &["no_such_setting"]);
}

#[test]
fn totp_keyring_settings() {
    let default = with("").unwrap();
    assert!(default.totp_keys_file.unwrap().ends_with("totp.keys"));
    let k = "ab".repeat(32);
    let s = with(&format!(
        "[secrets]\ntotp_keys = [\"new:{k}\", \"old:{}\"]",
        "cd".repeat(32)
    ))
    .unwrap();
    assert_eq!(s.totp_keys.current_key_id(), "new");
    assert!(s.totp_keys.has_key("old") && s.totp_keys_file.is_none());
    for (toml, needle) in [
        ("[secrets]\ntotp_keys = []".to_string(), "no key"),
        ("[secrets]\ntotp_keys = [\"x:abcd\"]".to_string(), "64 hex"),
        (
            format!("[secrets]\ntotp_keys = [\"x:{k}\"]\ntotp_keys_file = \"/nope\""),
            "not both",
        ),
        (
            "[secrets]\ntotp_keys_file = \"/nonexistent/totp.keys\"".to_string(),
            "cannot read",
        ),
    ] {
        let e = refusal(&toml);
        assert!(e.contains("secrets.totp_keys") && e.contains(needle), "{e}");
        assert!(!e.contains(&k), "{e}");
    }
}

#[test]
fn outage_bounds_are_settings_within_reason() {
    let s = with("database_timeout_seconds = 2\n[jobs]\nmax_backoff_seconds = 60").unwrap();
    assert_eq!(s.database_timeout_seconds, 2);
    assert_eq!(s.jobs.max_backoff_seconds, 60);
    assert_refused(
        "database_timeout_seconds = 0",
        &["database_timeout_seconds"],
    );
    assert_refused(
        "[jobs]\nmax_backoff_seconds = 0",
        &["jobs.max_backoff_seconds"],
    );
}

#[test]
fn directory_settings_are_validated_with_the_setting_named() {
    let s = with("").unwrap();
    assert_eq!(s.directory.kind, crate::directory::DirectoryKind::Builtin);
    assert!(s.directory.mail_verified);

    assert_refused("[directory]\nkind = \"ldap\"", &["directory.url"]);
    let base = "[directory]\nkind = \"ldap\"\nurl = [\"ldap://ldap.example.com\"]\n\
                bind_dn = \"cn=svc,dc=example,dc=com\"\nusers_base_dn = \"ou=people,dc=example,dc=com\"\n";
    assert_refused(base, &["directory.bind_password"]);
    assert_refused(
        &format!("{base}bind_password = \"x\"\ntls = \"ldaps\""),
        &["directory.url", "ldaps://"],
    );
    assert_refused(
        &format!("{base}bind_password = \"x\"\nuser_filter = \"(mail=x)\""),
        &["directory.user_filter", "{email}"],
    );

    let file = std::env::temp_dir().join(format!("lk-bindpw-{}", uuid::Uuid::new_v4()));
    std::fs::write(&file, "from-a-file\n").unwrap();
    let s = with(&format!(
        "{base}bind_password_file = \"{}\"\nmail_verified = false",
        file.display()
    ))
    .unwrap();
    let ldap = s.directory.ldap.as_ref().unwrap();
    assert_eq!(
        secrecy::ExposeSecret::expose_secret(&ldap.bind_password),
        "from-a-file"
    );
    assert!(!s.directory.mail_verified);
    assert!(
        !format!("{:?}", s.directory).contains("from-a-file"),
        "never in Debug"
    );
    std::fs::remove_file(file).unwrap();
}

#[test]
fn the_bounce_domain_is_a_domain_normalised_or_refused_by_name() {
    assert_eq!(with("").unwrap().bounce_domain, None);
    let s = with("[mail]\nbounce_domain = \"Bounces.Example.COM.\"").unwrap();
    assert_eq!(s.bounce_domain.as_deref(), Some("bounces.example.com"));
    for bad in ["localhost", "bounce+x@example.com", "exa mple.com", ""] {
        let e = refusal(&format!("[mail]\nbounce_domain = \"{bad}\""));
        assert!(e.contains("mail.bounce_domain"), "{bad}: {e}");
    }
}
