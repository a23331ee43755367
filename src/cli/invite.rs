//! `latchkey invite --csv FILE`: bulk invitations from the command line, with a progress bar and
//! the same per-row report as the admin console's upload page. The mails are queued: a running
//! `latchkey serve` (any instance on the same database) sends them.

use super::{open_db, CliError};
use crate::config::Settings;
use crate::onboarding::invitations::{self, BulkReport};
use crate::onboarding::{csv, Inviter};
use chrono::Utc;
use std::path::Path;

/// Reads, invites and prints the report (JSON with `json`).
pub fn invite_csv(settings: &Settings, file: &Path, json: bool) -> Result<(), CliError> {
    if !settings.directory.creates_accounts() {
        return Err(super::usage(
            invitations::DIRECTORY_READ_ONLY.trim_start_matches("Not invited: "),
        ));
    }
    let meta = std::fs::metadata(file)
        .map_err(|e| super::usage(format!("cannot read {}: {e}", file.display())))?;
    if meta.len() > csv::MAX_BYTES as u64 {
        return Err(super::usage(csv::CsvError::TooLarge.to_string()));
    }
    let bytes = std::fs::read(file)
        .map_err(|e| super::usage(format!("cannot read {}: {e}", file.display())))?;
    let rows = csv::parse(&bytes).map_err(|e| super::usage(format!("{}: {e}", file.display())))?;
    let db = open_db(settings)?;
    let mut conn = db.get()?;
    let bar = if json {
        indicatif::ProgressBar::hidden()
    } else {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(rows.len() as u64),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows") {
            bar.set_style(style);
        }
        bar
    };
    let report = invitations::invite_csv(
        &mut conn,
        settings,
        &Inviter::Operator,
        rows,
        Utc::now().naive_utc(),
        |done| bar.set_position(done as u64),
    )?;
    bar.finish_and_clear();
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(anyhow::Error::from)?
        );
    } else {
        print!("{}", describe(&report));
    }
    Ok(())
}

/// The human report: one line per row that was not simply invited, then the summary.
pub fn describe(report: &BulkReport) -> String {
    let mut out = String::new();
    for row in &report.rows {
        out.push_str(&format!(
            "line {:>5}  {:<16} {}  {}\n",
            row.line,
            row.outcome.code(),
            row.email,
            row.outcome.message()
        ));
    }
    out.push_str(&format!("{}.\n", report.summary()));
    if report.invited > 0 {
        out.push_str("The invitation mails are queued; a running `latchkey serve` sends them.\n");
    }
    out
}
