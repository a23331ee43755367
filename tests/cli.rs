//! The operator CLI: every command's success and error cases, on SQLite and (with
//! LATCHKEY_TEST_PG) on PostgreSQL.

mod support;
use support::cli::Cli;

const GOOD_PASSWORD: &str = "violet-harbour-telescope-42\n";

#[test]
fn help_describes_every_command() {
    let cli = Cli::new();
    let (code, out, _) = cli.run(&["--help"]);
    assert_eq!(code, 0);
    for cmd in ["serve", "migrate", "tenant", "user", "admin", "demo"] {
        assert!(out.contains(cmd), "{cmd} missing from help:\n{out}");
    }
    for sub in [
        vec!["tenant", "create", "--help"],
        vec!["tenant", "set-plan", "--help"],
        vec!["tenant", "list", "--help"],
        vec!["user", "create", "--help"],
        vec!["admin", "create", "--help"],
        vec!["migrate", "--help"],
        vec!["serve", "--help"],
        vec!["demo", "--help"],
        vec!["rotate-key", "--help"],
    ] {
        let (code, out, _) = cli.run(&sub);
        assert_eq!(code, 0, "{sub:?}");
        assert!(out.contains("Usage:"), "{sub:?}: {out}");
    }
}

#[test]
fn migrate_applies_then_reports_up_to_date() {
    let cli = Cli::new();
    let (code, out, err) = cli.run(&["migrate"]);
    assert_eq!(code, 0, "{err}");
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .unwrap()
        .count();
    assert!(
        out.contains(&format!("Applied {migrations} migration")),
        "{out}"
    );
    let (code, out, _) = cli.run(&["migrate"]);
    assert_eq!(code, 0);
    assert!(out.contains("up to date"), "{out}");
}

#[test]
fn tenant_round_trip_create_list_set_plan() {
    let cli = Cli::new();
    let (code, out, err) = cli.run(&[
        "tenant",
        "create",
        "--name",
        "Contoso",
        "--domain",
        "Contoso.COM",
        "--managed",
        "--plan",
        "free",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("managed tenant \"Contoso\""), "{out}");
    let (code, _, err) = cli.run(&[
        "tenant",
        "create",
        "--name",
        "Fabrikam",
        "--domain",
        "fabrikam.com",
        "--domain",
        "fabrikam.co.uk",
    ]);
    assert_eq!(code, 0, "{err}");

    let (code, out, _) = cli.run(&["tenant", "list", "--json"]);
    assert_eq!(code, 0);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["name"], "Contoso");
    assert_eq!(list[0]["kind"], "managed");
    assert_eq!(list[0]["plan"], "free");
    assert_eq!(list[0]["domains"], serde_json::json!(["contoso.com"]));
    assert_eq!(
        list[1]["domains"],
        serde_json::json!(["fabrikam.co.uk", "fabrikam.com"])
    );

    let (code, out, err) = cli.run(&[
        "tenant",
        "set-plan",
        "--domain",
        "contoso.com",
        "--plan",
        "premium",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("free → premium"), "{out}");
    let (_, out, _) = cli.run(&["tenant", "list"]);
    assert!(out.contains("Contoso") && out.contains("premium"), "{out}");
}

#[test]
fn tenant_errors_are_clear_and_exit_2() {
    let cli = Cli::new();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "tenant",
                "create",
                "--name",
                "X",
                "--domain",
                "x.com",
                "--managed",
            ],
            "needs a plan",
        ),
        (
            &[
                "tenant", "create", "--name", "X", "--domain", "x.com", "--plan", "free",
            ],
            "managed tenants only",
        ),
        (
            &[
                "tenant",
                "create",
                "--name",
                "X",
                "--domain",
                "x.com",
                "--managed",
                "--plan",
                "gold",
            ],
            "free, premium",
        ),
        (
            &[
                "tenant",
                "create",
                "--name",
                "X",
                "--domain",
                "not a domain",
            ],
            "not a valid email domain",
        ),
        (
            &["tenant", "create", "--name", "G", "--domain", "gmail.com"],
            "consumer mail domain",
        ),
        (
            &[
                "tenant",
                "create",
                "--name",
                "X",
                "--domain",
                "x.com",
                "--helpdesk-url",
                "javascript:alert(1)",
            ],
            "helpdesk",
        ),
        (
            &[
                "tenant",
                "set-plan",
                "--domain",
                "nobody.com",
                "--plan",
                "premium",
            ],
            "no tenant owns",
        ),
    ];
    for (args, expected) in cases {
        let (code, _, err) = cli.run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let (code, _, _) = cli.run(&["tenant", "create", "--name", "Y", "--domain", "y.com"]);
    assert_eq!(code, 0);
    let (code, _, err) = cli.run(&["tenant", "create", "--name", "Z", "--domain", "y.com"]);
    assert_eq!(code, 2);
    assert!(err.contains("already belongs"), "{err}");
    let (code, _, err) = cli.run(&[
        "tenant", "set-plan", "--domain", "y.com", "--plan", "premium",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("unmanaged"), "{err}");
}

#[test]
fn user_create_round_trip_and_errors() {
    let cli = Cli::new();
    cli.run(&[
        "tenant",
        "create",
        "--name",
        "Fabrikam",
        "--domain",
        "fabrikam.com",
    ]);
    let (code, out, err) = cli.run_stdin(
        &[
            "user",
            "create",
            "--email",
            "Alice@Fabrikam.com",
            "--password-stdin",
            "--verified",
            "--totp",
        ],
        GOOD_PASSWORD,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Created guest alice@fabrikam.com"), "{out}");
    assert!(out.contains("TOTP secret"), "{out}");
    assert!(out.contains("otpauth://totp/"), "{out}");
    // Consumer domains land in the built-in consumers tenant.
    let (code, out, err) = cli.run_stdin(
        &[
            "user",
            "create",
            "--email",
            "frank@gmail.com",
            "--password-stdin",
        ],
        GOOD_PASSWORD,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"consumers\""), "{out}");

    let (_, out, _) = cli.run(&["tenant", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    let guests: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["guests"].as_i64().unwrap())
        .collect();
    assert_eq!(guests, vec![1, 1]);

    let cases: &[(&[&str], &str, &str)] = &[
        (
            &[
                "user",
                "create",
                "--email",
                "alice@fabrikam.com",
                "--password-stdin",
            ],
            GOOD_PASSWORD,
            "already exists",
        ),
        (
            &[
                "user",
                "create",
                "--email",
                "bob@unknown.com",
                "--password-stdin",
            ],
            GOOD_PASSWORD,
            "no tenant owns unknown.com",
        ),
        (
            &[
                "user",
                "create",
                "--email",
                "not-an-address",
                "--password-stdin",
            ],
            GOOD_PASSWORD,
            "not a valid email address",
        ),
        (
            &[
                "user",
                "create",
                "--email",
                "carol@fabrikam.com",
                "--password-stdin",
            ],
            "short\n",
            "password refused",
        ),
        (
            &[
                "user",
                "create",
                "--email",
                "carol@fabrikam.com",
                "--password-stdin",
            ],
            "",
            "no password",
        ),
    ];
    for (args, stdin, expected) in cases {
        let (code, _, err) = cli.run_stdin(args, stdin);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
}

#[test]
fn admin_create_prints_a_setup_link_and_refuses_bad_input() {
    let cli = Cli::new();
    let (code, out, err) = cli.run(&[
        "admin",
        "create",
        "--email",
        "root@latchkey.test",
        "--platform",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("/admin/setup/"), "{out}");
    cli.run(&[
        "tenant",
        "create",
        "--name",
        "Contoso",
        "--domain",
        "contoso.com",
        "--managed",
        "--plan",
        "free",
    ]);
    cli.run(&[
        "tenant",
        "create",
        "--name",
        "Fabrikam",
        "--domain",
        "fabrikam.com",
    ]);
    let (code, out, err) = cli.run(&[
        "admin",
        "create",
        "--email",
        "it@contoso.com",
        "--tenant-domain",
        "contoso.com",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("tenant admin") && out.contains("Contoso"),
        "{out}"
    );

    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "admin",
                "create",
                "--email",
                "root@latchkey.test",
                "--platform",
            ],
            "already exists",
        ),
        (
            &[
                "admin",
                "create",
                "--email",
                "x@fabrikam.com",
                "--tenant-domain",
                "fabrikam.com",
            ],
            "unmanaged",
        ),
        (
            &[
                "admin",
                "create",
                "--email",
                "x@y.com",
                "--tenant-domain",
                "nowhere.com",
            ],
            "no tenant owns",
        ),
    ];
    for (args, expected) in cases {
        let (code, _, err) = cli.run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    // Neither or both roles: clap refuses.
    let (code, _, _) = cli.run(&["admin", "create", "--email", "a@b.com"]);
    assert_eq!(code, 2);
}

#[test]
fn demo_creates_the_directory_once() {
    let cli = Cli::new();
    let (code, out, err) = cli.run(&["demo"]);
    assert_eq!(code, 0, "{err}");
    for needle in [
        "alice@fabrikam.example",
        "erin@northwind.example",
        "TOTP secret",
        "/admin/setup/",
        "frank@gmail.com",
    ] {
        assert!(out.contains(needle), "{needle} missing:\n{out}");
    }
    let (_, list, _) = cli.run(&["tenant", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    let kinds: Vec<(String, String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().into(),
                t["kind"].as_str().unwrap().into(),
                t["plan"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(kinds.contains(&("Contoso".into(), "managed".into(), "free".into())));
    assert!(kinds.contains(&("Northwind".into(), "managed".into(), "premium".into())));
    assert!(kinds.contains(&("Fabrikam".into(), "unmanaged".into(), "free".into())));
    assert!(kinds.iter().any(|k| k.0 == "consumers"));
    // Passwords are random per install.
    let other = Cli::new();
    let (_, out2, _) = other.run(&["demo"]);
    let pw = |s: &str| {
        s.lines()
            .find(|l| l.contains("alice@"))
            .unwrap()
            .split("password: ")
            .nth(1)
            .unwrap()
            .to_string()
    };
    assert_ne!(pw(&out), pw(&out2));
    // A second run changes nothing.
    let (code, out, _) = cli.run(&["demo"]);
    assert_eq!(code, 0);
    assert!(out.contains("already holds data"), "{out}");
}

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
