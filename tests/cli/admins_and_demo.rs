//! `latchkey admin create` and `latchkey demo`.

use super::*;

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
