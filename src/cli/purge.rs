//! `latchkey purge [--dry-run] [--json]`: what the `[retention]` settings no longer keep, per
//! kind; without `--dry-run` it is deleted, batch by batch, as the background sweep does
//! (docs/operations.md#retention).

use super::{open_db, CliError};
use crate::config::Settings;
use crate::jobs::retention::{self, Report};

#[derive(Debug, clap::Args)]
pub struct Purge {
    /// Show what would be deleted; delete nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the counts as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(settings: &Settings, args: Purge) -> Result<(), CliError> {
    let db = open_db(settings)?;
    let now = chrono::Utc::now().naive_utc();
    let r = &settings.retention;
    let report = if args.dry_run {
        retention::plan(&db, r, now)?
    } else {
        retention::sweep(&db, r, now, "operator", &|| false)?
    };
    if args.json {
        let out = serde_json::json!({ "dry_run": args.dry_run, "counts": report.to_json() });
        println!("{out}");
        return Ok(());
    }
    print_report(&report, args.dry_run, settings);
    Ok(())
}

fn print_report(report: &Report, dry_run: bool, settings: &Settings) {
    let r = &settings.retention;
    println!(
        "{} (audit older than {} days, jobs and webhook deliveries finished more than {} days ago, tokens, verifications and invitations expired more than {} days ago):",
        if dry_run { "Would delete" } else { "Deleted" },
        r.audit_days,
        r.jobs_days,
        r.expired_days
    );
    for (kind, n) in &report.counts {
        println!("  {:<20} {n}", kind.name());
    }
    println!("  {:<20} {}", "total", report.total());
    if dry_run {
        println!(
            "Nothing was deleted (--dry-run). Export the audit first if it must be kept longer."
        );
    }
}
