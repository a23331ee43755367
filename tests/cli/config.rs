//! Configuration errors and secrets from files or generated into the data directory.

use super::*;

#[test]
fn config_errors_name_the_setting_and_exit_2() {
    let cli = Cli::new();
    let cases: &[(&str, &str, &str)] = &[
        (
            "LATCHKEY_DATABASE_URL",
            "mysql://localhost/x",
            "database_url",
        ),
        (
            "LATCHKEY_PUBLIC_BASE_URL",
            "reset.example.com",
            "public_base_url",
        ),
        (
            "LATCHKEY_RATE_LIMITS__MAILS_PER_ADDRESS_HOUR",
            "0",
            "rate_limits.mails_per_address_hour",
        ),
        ("LATCHKEY_BIND", "nowhere", "bind"),
        ("LATCHKEY_DNS", "8.8.8.8", "dns"),
        ("LATCHKEY_SMTP_URL", "http://mail", "smtp_url"),
    ];
    for (var, value, setting) in cases {
        let out = cli.cmd().env(var, value).arg("migrate").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(setting), "{var}: {err}");
    }
    let out = cli
        .cmd()
        .args(["--config", "/no/such/file.toml", "migrate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    // Unknown keys in the file are refused (typos must not be silently ignored).
    let file = cli.dir.path().join("bad.toml");
    std::fs::write(&file, "bnid = \"127.0.0.1:1\"\n").unwrap();
    let out = cli
        .cmd()
        .args(["--config", file.to_str().unwrap(), "migrate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bnid"));
}

#[test]
fn secrets_can_come_from_files() {
    let cli = Cli::new();
    let key = cli.dir.path().join("key.txt");
    std::fs::write(&key, format!("{}\n", "k".repeat(40))).unwrap();
    let out = cli
        .cmd()
        .env("LATCHKEY_SECRET_KEY_FILE", &key)
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = cli.dir.path().join("db.txt");
    std::fs::write(&url, &cli.db.url).unwrap();
    let out = cli
        .cmd()
        .env_remove("LATCHKEY_DATABASE_URL")
        .env("LATCHKEY_DATABASE_URL_FILE", &url)
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cli
        .cmd()
        .env("LATCHKEY_SECRET_KEY_FILE", "/no/such/key")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("secret_key_file"));
}

#[test]
fn generated_secret_key_is_kept_private_in_the_data_dir() {
    let cli = Cli::new();
    let (code, _, _) = cli.run(&["migrate"]);
    assert_eq!(code, 0);
    let key = cli.dir.path().join("secret.key");
    assert!(key.exists());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
}
