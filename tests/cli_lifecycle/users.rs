//! `latchkey user` list, show, disable, enable and delete.

use super::*;

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
