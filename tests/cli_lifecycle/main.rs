//! The guest lifecycle and tenant domains through the real `latchkey` binary: `user
//! list|show|disable|enable|delete`, `tenant add-domain|remove-domain`, `apikey list --json`,
//! `--plan` as a value list, `bench-seed` hidden. SQLite, and PostgreSQL with LATCHKEY_TEST_PG.

mod config_check;
#[path = "../support/mod.rs"]
mod support;
mod tenants_and_keys;
mod users;
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
