//! Tenant domains, API keys and the hidden bench-seed.

use super::*;

#[test]
fn tenant_domains_are_added_and_removed_with_clear_refusals() {
    let cli = fabrikam();
    cli.ok(&[
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
    let out = cli.ok(&[
        "tenant",
        "add-domain",
        "--tenant-domain",
        "fabrikam.com",
        "--domain",
        "Fabrikam.CO.UK",
    ]);
    assert!(
        out.contains("\"Fabrikam\" now owns fabrikam.co.uk"),
        "{out}"
    );
    cli.ok(&[
        "tenant",
        "add-domain",
        "--tenant-domain",
        "contoso.com",
        "--domain",
        "contoso.net",
    ]);
    assert_eq!(
        cli.count("SELECT COUNT(*) AS n FROM tenant_domains WHERE domain = 'contoso.net' AND verified_at IS NOT NULL"),
        1,
        "a managed tenant's new domain is vouched for by the operator"
    );
    cli.guest("ann@fabrikam.co.uk");

    let refusals: &[(&[&str], &str)] = &[
        (
            &[
                "tenant",
                "add-domain",
                "--tenant-domain",
                "fabrikam.com",
                "--domain",
                "contoso.com",
            ],
            "already belongs to the tenant \"Contoso\"",
        ),
        (
            &[
                "tenant",
                "add-domain",
                "--tenant-domain",
                "nowhere.com",
                "--domain",
                "x.com",
            ],
            "no tenant owns the domain nowhere.com",
        ),
        (
            &[
                "tenant",
                "add-domain",
                "--tenant-domain",
                "fabrikam.com",
                "--domain",
                "gmail.com",
            ],
            "consumer mail domain",
        ),
        (
            &["tenant", "remove-domain", "--domain", "fabrikam.co.uk"],
            "1 guest(s) of the tenant have addresses at fabrikam.co.uk",
        ),
        (
            &["tenant", "remove-domain", "--domain", "nowhere.com"],
            "no tenant owns the domain nowhere.com",
        ),
    ];
    for (args, needle) in refusals {
        let (code, out, err) = cli.run(args);
        assert_eq!(code, 2, "{args:?}: {out}\n{err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    let out = cli.ok(&["tenant", "remove-domain", "--domain", "fabrikam.com"]);
    assert!(
        out.contains("Removed fabrikam.com from the tenant \"Fabrikam\""),
        "{out}"
    );
    let (code, _, err) = cli.run(&["tenant", "remove-domain", "--domain", "contoso.net"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = cli.run(&["tenant", "remove-domain", "--domain", "contoso.com"]);
    assert_eq!(code, 2);
    assert!(err.contains("last domain of its tenant"), "{err}");
    assert_eq!(
        cli.count("SELECT COUNT(*) AS n FROM audit_events WHERE event IN ('tenant_domain_added', 'tenant_domain_removed')"),
        4
    );
}

#[test]
fn apikey_list_json_plan_values_and_hidden_bench_seed() {
    let cli = fabrikam();
    let out = cli.ok(&["apikey", "create", "--name", "HR onboarding"]);
    let key = out.lines().last().unwrap().trim().to_string();
    let list: serde_json::Value =
        serde_json::from_str(&cli.ok(&["apikey", "list", "--json"])).unwrap();
    let rows = list.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["name"], "HR onboarding");
    assert_eq!(rows[0]["status"], "live");
    assert!(!list.to_string().contains(&key), "the key is never listed");
    assert!(rows[0].get("key_hash").is_none());

    let (code, _, err) = cli.run(&[
        "tenant",
        "set-plan",
        "--domain",
        "fabrikam.com",
        "--plan",
        "gold",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("[possible values: free, premium]"), "{err}");
    let (code, _, err) = cli.run(&[
        "tenant",
        "create",
        "--name",
        "X",
        "--domain",
        "x.com",
        "--managed",
        "--plan",
        "gold",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("possible values: free, premium"), "{err}");

    let help = cli.ok(&["--help"]);
    assert!(!help.contains("bench-seed"), "{help}");
    assert!(help.contains("purge"), "{help}");
    let help = cli.ok(&["user", "--help"]);
    for verb in ["list", "show", "disable", "enable", "delete"] {
        assert!(help.contains(verb), "{verb}: {help}");
    }
    // Hidden, not gone.
    cli.ok(&["bench-seed", "--help"]);
}
