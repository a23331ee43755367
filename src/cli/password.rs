//! `latchkey password breached-check [--file F]`: whether an offline breached-password file is
//! usable (`SHA1:count` lines ordered by hash), and how many entries it has.

use super::{usage, CliError};
use crate::config::Settings;
use crate::passwords::breached::BreachFile;
use clap::Subcommand;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Subcommand)]
pub enum PasswordCommand {
    /// Read an offline breached-password file once (the configured `password.breached_file`,
    /// or --file): say whether it is usable and how many entries it has. Exit 1 if it is not.
    BreachedCheck {
        /// The file to check instead of `password.breached_file`.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

pub fn run(settings: &Settings, command: PasswordCommand) -> Result<(), CliError> {
    match command {
        PasswordCommand::BreachedCheck { file } => breached_check(settings, file),
    }
}

fn breached_check(settings: &Settings, file: Option<PathBuf>) -> Result<(), CliError> {
    let Some(path) = file.or_else(|| settings.password.breached_file.clone()) else {
        return Err(usage(
            "no file to check: pass --file F, or set password.breached_file",
        ));
    };
    let not_usable =
        |why: String| CliError::Failure(anyhow::anyhow!("{} is not usable: {why}", path.display()));
    let started = Instant::now();
    let file = BreachFile::open(&path).map_err(|e| not_usable(format!("{e:#}")))?;
    let report = file.verify();
    if let Some((line, problem)) = report.problem {
        return Err(not_usable(format!(
            "line {line}: {problem} ({} well-formed entries before it)",
            report.entries
        )));
    }
    println!(
        "{} is usable: {} entries, SHA1:count lines ordered by hash (read in {:.1} s).",
        path.display(),
        report.entries,
        started.elapsed().as_secs_f64()
    );
    println!(
        "Use it with password.breached = \"file\" and password.breached_file = \"{}\".",
        path.display()
    );
    Ok(())
}
