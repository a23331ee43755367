//! `latchkey tenant` and `latchkey user`: round trips and their errors.

use super::*;

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
