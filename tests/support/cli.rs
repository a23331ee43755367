//! The real `latchkey` binary, run as an operator would: in a data directory of its own, on a
//! fresh test database, without the demo, DNS or chatty logs.

use super::TestDb;
use assert_cmd::Command;
use std::path::Path;
use std::time::Duration;

/// What a run printed: (exit code, stdout, stderr).
pub type Outcome = (i32, String, String);

pub struct Cli {
    pub dir: tempfile::TempDir,
    pub db: TestDb,
}

impl Cli {
    pub fn new() -> Cli {
        let dir = tempfile::tempdir().unwrap();
        let db = TestDb::create(dir.path());
        Cli { dir, db }
    }

    /// A data directory whose `latchkey.toml` holds `toml`.
    pub fn with_toml(toml: &str) -> Cli {
        let cli = Cli::new();
        std::fs::write(cli.path().join("latchkey.toml"), toml).unwrap();
        cli
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The command with the data directory, the database and the quiet defaults set.
    pub fn cmd(&self) -> Command {
        command(self.path(), &self.db.url)
    }

    pub fn run(&self, args: &[&str]) -> Outcome {
        self.run_stdin(args, "")
    }

    pub fn run_stdin(&self, args: &[&str], stdin: &str) -> Outcome {
        outcome(self.cmd().args(args).write_stdin(stdin))
    }

    /// Runs with extra environment variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Outcome {
        outcome(self.cmd().envs(env.iter().copied()).args(args))
    }

    /// Runs and asserts exit code 0; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "{args:?}\n{out}\n{err}");
        out
    }
}

/// The binary in data directory `dir` on the database at `db_url`, quiet, with no demo and no
/// DNS; a hang fails after two minutes.
pub fn command(dir: &Path, db_url: &str) -> Command {
    let mut c = Command::cargo_bin("latchkey").unwrap();
    c.current_dir(dir)
        .env("LATCHKEY_DATA_DIR", dir)
        .env("LATCHKEY_DATABASE_URL", db_url)
        .env("LATCHKEY_DEMO", "false")
        .env("LATCHKEY_DNS", "off")
        .env("LATCHKEY_LOG_LEVEL", "warn")
        .timeout(Duration::from_secs(120));
    c
}

/// Runs `cmd` and returns what it printed.
pub fn outcome(cmd: &mut Command) -> Outcome {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
