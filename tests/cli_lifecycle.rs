//! The guest lifecycle and tenant domains through the real `latchkey` binary: `user
//! list|show|disable|enable|delete`, `tenant add-domain|remove-domain`, `apikey list --json`,
//! `--plan` as a value list, `bench-seed` hidden. SQLite, and PostgreSQL with LATCHKEY_TEST_PG.

mod support;
use support::cli::Cli;
use support::process::{count, direct_db, pairs};

const GOOD_PASSWORD: &str = "violet-harbour-telescope-42\n";

impl Cli {
    fn guest(&self, email: &str) {
        let (code, out, err) = self.run_stdin(
            &[
                "user",
                "create",
                "--email",
                email,
                "--password-stdin",
                "--verified",
                "--totp",
            ],
            GOOD_PASSWORD,
        );
        assert_eq!(code, 0, "{out}\n{err}");
    }

    fn count(&self, sql: &str) -> i64 {
        count(&direct_db(&self.db.url), sql)
    }
}

fn fabrikam() -> Cli {
    let cli = Cli::new();
    cli.ok(&[
        "tenant",
        "create",
        "--name",
        "Fabrikam",
        "--domain",
        "fabrikam.com",
    ]);
    cli
}

#[test]
fn users_are_listed_shown_disabled_and_enabled() {
    let cli = fabrikam();
    cli.guest("ann@fabrikam.com");
    cli.guest("bob@fabrikam.com");

    let out = cli.ok(&["user", "list"]);
    assert!(out.contains("ann@fabrikam.com"), "{out}");
    assert!(out.contains("Fabrikam"), "{out}");
    let list: serde_json::Value =
        serde_json::from_str(&cli.ok(&["user", "list", "--json"])).unwrap();
    let rows = list.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["email"], "ann@fabrikam.com");
    assert_eq!(rows[0]["status"], "active");
    assert_eq!(rows[0]["totp"], true);
    // Secrets never leave: no hash, no seed.
    let text = list.to_string();
    assert!(!text.contains("argon2"), "{text}");
    assert!(!text.contains("totp_secret"), "{text}");

    let out = cli.ok(&["user", "show", "--email", "Ann@Fabrikam.com"]);
    assert!(out.contains("tenant:           Fabrikam"), "{out}");
    assert!(out.contains("authenticator:    enrolled"), "{out}");
    assert!(!out.contains("argon2"), "{out}");

    let out = cli.ok(&["user", "disable", "--email", "ann@fabrikam.com"]);
    assert!(out.contains("Disabled ann@fabrikam.com"), "{out}");
    assert_eq!(
        cli.count("SELECT COUNT(*) AS n FROM users WHERE disabled = TRUE AND email = 'ann@fabrikam.com' AND session_generation = 1"),
        1,
        "disabled, and every session ended"
    );
    // Policy rule 4 fires for the disabled guest.
    let explain: serde_json::Value = serde_json::from_str(&cli.ok(&[
        "policy",
        "explain",
        "--email",
        "ann@fabrikam.com",
        "--json",
    ]))
    .unwrap();
    assert_eq!(explain["code"], "account_disabled", "{explain}");
    let out = cli.ok(&["user", "disable", "--email", "ann@fabrikam.com"]);
    assert!(out.contains("already disabled"), "{out}");
    let shown: serde_json::Value =
        serde_json::from_str(&cli.ok(&["user", "show", "--email", "ann@fabrikam.com", "--json"]))
            .unwrap();
    assert_eq!(shown["status"], "disabled");

    let out = cli.ok(&["user", "enable", "--email", "ann@fabrikam.com"]);
    assert!(out.contains("Enabled ann@fabrikam.com"), "{out}");
    assert_eq!(
        cli.count("SELECT COUNT(*) AS n FROM users WHERE disabled = TRUE"),
        0
    );
    assert_eq!(
        cli.count("SELECT COUNT(*) AS n FROM audit_events WHERE event IN ('user_disabled', 'user_enabled') AND actor = 'operator' AND email = 'ann@fabrikam.com'"),
        2,
        "each change audited once; the no-op is not"
    );

    // Unknown and malformed addresses: clear errors, exit 2.
    for (args, needle) in [
        (
            vec!["user", "disable", "--email", "nobody@fabrikam.com"],
            "there is no guest",
        ),
        (
            vec!["user", "show", "--email", "not an address"],
            "not a valid email",
        ),
        (
            vec!["user", "delete", "--email", "nobody@fabrikam.com"],
            "there is no guest",
        ),
    ] {
        let (code, out, err) = cli.run(&args);
        assert_eq!(code, 2, "{args:?}: {out}\n{err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn deleting_a_user_erases_their_data_and_pseudonymises_the_audit_stably() {
    let cli = fabrikam();
    cli.guest("ann@fabrikam.com");
    cli.guest("bob@fabrikam.com");
    let db = direct_db(&cli.db.url);
    assert!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM audit_events WHERE email = 'ann@fabrikam.com'"
        ) >= 1
    );

    let out = cli.ok(&["user", "delete", "--email", "ann@fabrikam.com"]);
    assert!(out.contains("Deleted ann@fabrikam.com"), "{out}");
    assert!(out.contains("pseudonym deleted-"), "{out}");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM users WHERE email = 'ann@fabrikam.com'"
        ),
        0
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM audit_events WHERE email = 'ann@fabrikam.com' OR detail LIKE '%ann@fabrikam.com%'"),
        0,
        "the address is gone from the audit"
    );
    let first = pairs(
        &db,
        "SELECT email AS a, event AS b FROM audit_events WHERE email LIKE 'deleted-%' ORDER BY id",
    );
    assert!(first.len() >= 2, "{first:?}");
    assert!(first.iter().any(|(_, e)| e == "user_created"), "{first:?}");
    assert!(first.iter().any(|(_, e)| e == "user_deleted"), "{first:?}");
    let alias = first[0].0.clone();
    assert!(first.iter().all(|(a, _)| *a == alias), "{first:?}");
    // Bob is untouched.
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM users WHERE email = 'bob@fabrikam.com' AND totp_secret IS NOT NULL"),
        1
    );

    // The same address later maps to the same pseudonym; another address to another.
    cli.guest("ann@fabrikam.com");
    cli.ok(&["user", "delete", "--email", "ann@fabrikam.com"]);
    cli.ok(&["user", "delete", "--email", "bob@fabrikam.com"]);
    let aliases = pairs(
        &db,
        "SELECT DISTINCT email AS a, '' AS b FROM audit_events WHERE email LIKE 'deleted-%'",
    );
    assert_eq!(aliases.len(), 2, "{aliases:?}");
    assert_eq!(
        count(&db, &format!("SELECT COUNT(*) AS n FROM audit_events WHERE email = '{alias}' AND event = 'user_deleted'")),
        2
    );
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM users"), 0);
}

#[test]
fn disabling_is_refused_clearly_in_ldap_directory_mode() {
    let cli = Cli::new();
    std::fs::write(
        cli.dir.path().join("latchkey.toml"),
        "[directory]\nkind = \"ldap\"\nurl = [\"ldap://127.0.0.1:1\"]\ntls = \"none\"\n\
         bind_dn = \"cn=svc,dc=example,dc=com\"\nbind_password = \"x\"\n\
         users_base_dn = \"ou=people,dc=example,dc=com\"\ntimeout_seconds = 1\n",
    )
    .unwrap();
    for verb in ["disable", "enable"] {
        let (code, out, err) = cli.run(&["user", verb, "--email", "ann@fabrikam.com"]);
        assert_eq!(code, 2, "{out}\n{err}");
        assert!(err.contains("LDAP directory mode"), "{err}");
        assert!(err.contains("pwdAccountLockedTime"), "{err}");
        assert!(err.contains("userAccountControl"), "{err}");
    }
}

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

fn config_check(cli: &Cli, env: &[(&str, &str)]) -> (i32, String, String) {
    let mut env = env.to_vec();
    env.insert(0, ("LATCHKEY_SMTP_TIMEOUT_SECONDS", "5"));
    cli.run_env(&["config", "check"], &env)
}

// Multi-threaded: the SMTP sink answers while this thread waits for the binary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_check_reports_what_it_found_with_exit_codes_0_1_2() {
    let cli = Cli::new();
    // All good: the database answers, mail goes to the outbox.
    let (code, out, err) = config_check(&cli, &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("configuration: valid"), "{out}");
    assert!(out.contains("ok   database   reachable"), "{out}");
    assert!(out.contains("outbox directory writable"), "{out}");
    assert!(out.contains("all checks passed"), "{out}");

    // A relay that answers, reached with credentials that are never printed.
    let sink = support::smtp::SmtpSink::start().await;
    let (code, out, err) = config_check(&cli, &[("LATCHKEY_SMTP_URL", &sink.url())]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("the relay answered"), "{out}");

    // A relay that is not there: exit 1, the failure named; the password never printed.
    let port = support::process::free_port();
    let url = format!("smtp://mailer:s3cret-pw@127.0.0.1:{port}?tls=none");
    let (code, out, err) = config_check(&cli, &[("LATCHKEY_SMTP_URL", &url)]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("FAIL mail"), "{out}");
    assert!(
        out.contains(&format!("smtp via smtp://127.0.0.1:{port}")),
        "{out}"
    );
    assert!(
        !out.contains("s3cret-pw") && !err.contains("s3cret-pw"),
        "{out}\n{err}"
    );

    // A database that is not there: exit 1.
    let (code, out, err) = config_check(
        &cli,
        &[(
            "LATCHKEY_DATABASE_URL",
            "postgres://latchkey:pw@127.0.0.1:1/latchkey",
        )],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("FAIL database"), "{out}");

    // An invalid configuration: exit 2, the setting named.
    let (code, out, err) = config_check(&cli, &[("LATCHKEY_RETENTION__AUDIT_DAYS", "0")]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("retention.audit_days"), "{err}");
}
