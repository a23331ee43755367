//! `latchkey admin list|disable|enable|reissue` through the real binary, against the database
//! of a running server, so the effects are checked over HTTP too: a disabled admin's session
//! ends, a re-issued link sets the admin up again. SQLite, and PostgreSQL with
//! LATCHKEY_TEST_PG.

mod admin_support;
mod support;

use admin_support::*;
use support::TestApp;

async fn app() -> TestApp {
    TestApp::spawn_with("[rate_limits.admin_login]\nper_minute = 6000\nburst = 6000").await
}

/// Runs the binary on `app`'s database: (exit code, stdout, stderr).
fn cli(app: &TestApp, args: &[&str]) -> support::cli::Outcome {
    support::cli::outcome(support::cli::command(app.dir.path(), &app.db.url).args(args))
}

fn ok(app: &TestApp, args: &[&str]) -> String {
    let (code, out, err) = cli(app, args);
    assert_eq!(code, 0, "{args:?}\n{out}\n{err}");
    out
}

fn admin_row(app: &TestApp, email: &str) -> latchkey::db::models::Admin {
    let mut conn = app.state.db.get().unwrap();
    latchkey::db::admins::find_by_email(
        &mut conn,
        &latchkey::domain::EmailAddress::parse(email).unwrap(),
    )
    .unwrap()
    .expect("admin")
}

fn events(app: &TestApp, name: &str) -> Vec<latchkey::db::models::AuditEvent> {
    app.audit_events()
        .into_iter()
        .filter(|e| e.event == name)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_lists_disables_enables_and_reissues_admins() {
    let app = app().await;
    app.tenant("Northwind", "northwind.test", "managed", "premium");
    let _root = set_up(&app, "root@ops.test", None).await;
    let it = set_up(&app, "it@northwind.test", Some("northwind.test")).await;
    create_admin(&app, "new@ops.test", None);

    let out = ok(&app, &["admin", "list"]);
    for text in [
        "root@ops.test",
        "it@northwind.test",
        "tenant admin of Northwind",
        "platform admin",
        "set-up pending",
        "active",
    ] {
        assert!(out.contains(text), "{text:?} missing:\n{out}");
    }
    let list: serde_json::Value =
        serde_json::from_str(&ok(&app, &["admin", "list", "--json"])).unwrap();
    let rows = list.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let it_json = rows
        .iter()
        .find(|r| r["email"] == "it@northwind.test")
        .unwrap();
    assert_eq!(it_json["status"], "active");
    assert_eq!(it_json["tenant"], "Northwind");
    assert_eq!(it_json["totp"], true);
    let new_json = rows.iter().find(|r| r["email"] == "new@ops.test").unwrap();
    assert_eq!(new_json["status"], "setup_pending");
    let text = list.to_string();
    assert!(!text.contains("argon2"), "{text}");
    assert!(!text.contains("totp_secret"), "{text}");

    // Disable: the open session ends at its next request.
    let mut session = signed_in(&app, &it).await;
    let out = ok(&app, &["admin", "disable", "--email", "IT@northwind.test"]);
    assert!(out.contains("Disabled it@northwind.test"), "{out}");
    assert!(admin_row(&app, "it@northwind.test").disabled);
    assert_eq!(session.get("/admin/audit").await.status, 303);
    let e = events(&app, "admin_disabled").pop().expect("audited");
    assert_eq!(e.actor, "operator");
    assert_eq!(e.email.as_deref(), Some("it@northwind.test"));
    let out = ok(&app, &["admin", "disable", "--email", "it@northwind.test"]);
    assert!(out.contains("already disabled"), "{out}");
    assert_eq!(events(&app, "admin_disabled").len(), 1, "no-op not audited");

    // No new link for a disabled admin: exit 1, a clear message.
    let (code, out, err) = cli(&app, &["admin", "reissue", "--email", "it@northwind.test"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(err.contains("Enable them first"), "{err}");

    let out = ok(&app, &["admin", "enable", "--email", "it@northwind.test"]);
    assert!(out.contains("Enabled it@northwind.test"), "{out}");
    assert_eq!(events(&app, "admin_enabled")[0].actor, "operator");
    signed_in(&app, &it).await;

    // Re-issue: the authenticator is gone, the printed link sets the admin up again.
    let out = ok(&app, &["admin", "reissue", "--email", "it@northwind.test"]);
    assert!(out.contains("valid 24 hours"), "{out}");
    let at = out.find("/admin/setup/").expect("a set-up link");
    let path = out[at..].split_whitespace().next().unwrap().to_string();
    let row = admin_row(&app, "it@northwind.test");
    assert!(row.totp_secret.is_none());
    assert!(row.password_hash.is_none());
    let e = events(&app, "admin_setup_reissued").pop().expect("audited");
    assert_eq!(e.actor, "operator");
    assert_eq!(e.email.as_deref(), Some("it@northwind.test"));
    let mut b = app.browser();
    let p = b.get(&path).await;
    assert_eq!(p.location(), Some("/admin/setup"), "{}", p.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_never_disables_the_last_enabled_platform_admin() {
    let app = app().await;
    set_up(&app, "root@ops.test", None).await;
    let (code, out, err) = cli(&app, &["admin", "disable", "--email", "root@ops.test"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(err.contains("last enabled platform admin"), "{err}");
    assert!(!admin_row(&app, "root@ops.test").disabled);
    let refused = events(&app, "admin_change_refused");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].reason.as_deref(), Some("last_platform_admin"));
    assert_eq!(refused[0].actor, "operator");

    // With a second platform admin it is allowed; then that one is the last.
    create_admin(&app, "ops@ops.test", None);
    ok(&app, &["admin", "disable", "--email", "root@ops.test"]);
    let (code, _, err) = cli(&app, &["admin", "disable", "--email", "ops@ops.test"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("last enabled platform admin"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_and_malformed_admin_addresses_exit_2() {
    let app = app().await;
    for (args, needle) in [
        (
            vec!["admin", "disable", "--email", "nobody@ops.test"],
            "there is no admin",
        ),
        (
            vec!["admin", "reissue", "--email", "not an address"],
            "not a valid email",
        ),
        (
            vec!["admin", "enable", "--email", "nobody@ops.test"],
            "there is no admin",
        ),
    ] {
        let (code, out, err) = cli(&app, &args);
        assert_eq!(code, 2, "{args:?}: {out}\n{err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    let out = ok(&app, &["admin", "list"]);
    assert!(out.contains("No admins"), "{out}");
}
