//! The operator CLI: every command's success and error cases, on SQLite and (with
//! LATCHKEY_TEST_PG) on PostgreSQL.

mod admins_and_demo;
mod config;
#[path = "../support/mod.rs"]
mod support;
mod tenants_and_users;
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
