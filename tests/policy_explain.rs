//! `latchkey policy explain`: one case per decision code, in both output forms.

mod support;
use assert_cmd::Command;
use diesel::connection::SimpleConnection;
use latchkey::db::{DatabaseUrl, Db};
use support::TestDb;

struct Env {
    dir: tempfile::TempDir,
    db: TestDb,
    config: std::path::PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = TestDb::create(dir.path());
        let config = dir.path().join("latchkey.toml");
        std::fs::write(
            &config,
            "dns = \"off\"\ndemo = false\n\
             [deliverability.static_answers.\"gone.test\"]\nnxdomain = true\n",
        )
        .unwrap();
        let env = Env { dir, db, config };
        env.ok(&[
            "tenant",
            "create",
            "--name",
            "Fabrikam",
            "--domain",
            "fabrikam.test",
        ]);
        env.ok(&[
            "tenant",
            "create",
            "--name",
            "Contoso",
            "--domain",
            "contoso.test",
            "--managed",
            "--plan",
            "free",
        ]);
        env.ok(&[
            "tenant",
            "create",
            "--name",
            "Northwind",
            "--domain",
            "northwind.test",
            "--managed",
            "--plan",
            "premium",
        ]);
        env.ok(&[
            "tenant",
            "create",
            "--name",
            "Gone",
            "--domain",
            "gone.test",
        ]);
        env
    }

    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("latchkey").unwrap();
        c.env("LATCHKEY_CONFIG", &self.config)
            .env("LATCHKEY_DATA_DIR", self.dir.path())
            .env("LATCHKEY_DATABASE_URL", &self.db.url)
            .env("LATCHKEY_LOG_LEVEL", "warn");
        c
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self
            .cmd()
            .args(args)
            .write_stdin("violet-harbour-telescope-42\n")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn user(&self, email: &str, verified: bool) {
        let mut args = vec!["user", "create", "--email", email, "--password-stdin"];
        if verified {
            args.push("--verified");
        }
        self.ok(&args);
    }

    fn sql(&self, sql: &str) {
        let url: DatabaseUrl = self.db.url.parse().unwrap();
        let db = Db::connect_lazy(&url, 1).unwrap();
        db.get().unwrap().batch_execute(sql).unwrap();
    }

    fn explain_json(&self, email: &str) -> serde_json::Value {
        let text = self.ok(&["policy", "explain", "--email", email, "--json"]);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    fn explain_text(&self, email: &str) -> String {
        self.ok(&["policy", "explain", "--email", email])
    }
}

fn check(env: &Env, email: &str, code: &str, decision: &str) {
    let json = env.explain_json(email);
    assert_eq!(json["code"], code, "{email}: {json:#}");
    assert_eq!(json["decision"], decision, "{email}");
    assert!(json["facts"].is_object());
    assert!(json["checks"].as_array().unwrap().len() >= 8, "{json:#}");
    let text = env.explain_text(email);
    assert!(
        text.contains(&format!("Decision: {decision} ({code})")),
        "{text}"
    );
    assert!(text.contains("rule 1"), "{text}");
    if decision == "deny" {
        assert!(
            text.contains("For the admin:") && text.contains("For the guest:"),
            "{text}"
        );
        assert!(text.contains("Reference: LK-"), "{text}");
    }
}

#[test]
fn explain_gives_every_decision_code() {
    let env = Env::new();
    // allow: verified guest of an unmanaged tenant; and of a premium managed tenant.
    env.user("alice@fabrikam.test", true);
    check(&env, "alice@fabrikam.test", "allow", "allow");
    env.user("dave@northwind.test", true);
    check(&env, "dave@northwind.test", "allow", "allow");
    // Rule 1: managed, free plan, even for an unknown account (domain-level).
    env.user("carol@contoso.test", true);
    check(&env, "carol@contoso.test", "tenant_not_licensed", "deny");
    check(&env, "nobody@contoso.test", "tenant_not_licensed", "deny");
    // Rule 2: premium but switched off.
    env.user("erin@northwind.test", true);
    env.sql("UPDATE tenants SET sspr_enabled = FALSE WHERE name = 'Northwind'");
    check(&env, "erin@northwind.test", "sspr_disabled", "deny");
    env.sql("UPDATE tenants SET sspr_enabled = TRUE WHERE name = 'Northwind'");
    // Rule 3: no such account (also for a domain with no tenant at all).
    check(&env, "nobody@fabrikam.test", "unknown_account", "deny");
    check(
        &env,
        "someone@unknown-domain.test",
        "unknown_account",
        "deny",
    );
    // Rule 4: disabled.
    env.user("dan@fabrikam.test", true);
    env.sql("UPDATE users SET disabled = TRUE WHERE email = 'dan@fabrikam.test'");
    check(&env, "dan@fabrikam.test", "account_disabled", "deny");
    // Rule 5: locked until a future time.
    env.user("lou@fabrikam.test", true);
    env.sql(
        "UPDATE users SET locked_until = '2999-01-01 00:00:00' WHERE email = 'lou@fabrikam.test'",
    );
    check(&env, "lou@fabrikam.test", "account_locked", "deny");
    // Rule 6: undeliverable — a recorded hard bounce, and a domain that does not exist.
    env.user("bo@fabrikam.test", true);
    env.sql("UPDATE users SET bounced_at = '2026-01-01 00:00:00' WHERE email = 'bo@fabrikam.test'");
    check(&env, "bo@fabrikam.test", "email_undeliverable", "deny");
    env.user("ghost@gone.test", true);
    check(&env, "ghost@gone.test", "email_undeliverable", "deny");
    // Rule 7: never verified.
    env.user("una@fabrikam.test", false);
    check(&env, "una@fabrikam.test", "email_unverified", "deny");
    // Rule 8: two methods required, no TOTP.
    env.user("ted@northwind.test", true);
    env.sql("UPDATE tenants SET methods_required = 2 WHERE name = 'Northwind'");
    check(&env, "ted@northwind.test", "methods_not_registered", "deny");
    // ... and with TOTP enrolled the same tenant allows, with TOTP as a method.
    env.ok(&[
        "user",
        "create",
        "--email",
        "tia@northwind.test",
        "--password-stdin",
        "--verified",
        "--totp",
    ]);
    let json = env.explain_json("tia@northwind.test");
    assert_eq!(json["code"], "allow", "{json:#}");
}

#[test]
fn explain_refuses_a_malformed_address_with_exit_2() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["policy", "explain", "--email", "a@b.c,evil@x.y"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a valid email address"));
}
