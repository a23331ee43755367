//! The `latchkey` binary: parse the CLI, load settings, start tracing, call into the library.

use clap::Parser;
use latchkey::cli::{self, Cli, Command};
use latchkey::config::Settings;
use latchkey::startup::Application;

fn main() {
    let cli = Cli::parse();
    // Reads no settings: the key it makes is often the one the settings are about to name.
    if let Some(Command::Mail(cli::mail::MailCommand::DkimKeygen(args))) = &cli.command {
        if let Err(e) = cli::mail::keygen(args) {
            eprintln!("error: {e:#}");
            std::process::exit(e.exit_code());
        }
        return;
    }
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    };
    latchkey::telemetry::init(settings.log_format, &settings.log_level);
    for name in &settings.ignored_variables {
        tracing::debug!(
            variable = %name,
            "ignoring an orchestrator-injected variable (not a setting)"
        );
    }
    let result = match cli.command.unwrap_or(Command::Serve) {
        // A setting found wrong only once the database is open (e.g. a TOTP key id in use
        // but missing from the keyring) is still a configuration error: exit 2.
        Command::Serve => serve(settings).map_err(|e| {
            if e.downcast_ref::<latchkey::config::ConfigError>().is_some() {
                cli::CliError::Usage(format!("{e:#}"))
            } else {
                cli::CliError::Failure(e)
            }
        }),
        other => cli::run(other, &settings),
    };
    // The runtime has stopped: the spans of the last requests are exported now.
    latchkey::telemetry::shutdown();
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(e.exit_code());
    }
}

/// Mail goes to files outside the demo: say so at start and once a minute, so it is not missed.
async fn warn_about_outbox(dir: std::path::PathBuf) {
    let minute = std::time::Duration::from_secs(60);
    let mut every_minute = tokio::time::interval_at(tokio::time::Instant::now() + minute, minute);
    loop {
        every_minute.tick().await;
        outbox_warning(&dir);
    }
}

fn outbox_warning(dir: &std::path::Path) {
    tracing::warn!(
        outbox = %dir.display(),
        "no smtp_url: mail is written to files, not sent; set smtp_url to deliver it"
    );
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let demo = settings.demo_applies();
        if settings.demo && !demo {
            tracing::info!(
                backend = %settings.database_url.backend(),
                "demo is on but the database is not the embedded default \
                 (SQLite under data_dir, no database_url): no demo directory is created"
            );
        }
        let app = Application::build(settings.clone()).await?;
        if settings.smtp_url.is_none() && !demo {
            outbox_warning(&settings.outbox_dir());
            actix_web::rt::spawn(warn_about_outbox(settings.outbox_dir()));
        }
        if demo {
            // Only on an empty database: a real directory never gets demo accounts.
            let db = app.state.db.clone();
            let s = settings.clone();
            let seeded = tokio::task::spawn_blocking(move || cli::seed_demo(&db, &s)).await?;
            match seeded {
                Ok(Some(accounts)) => print!("{}", accounts.describe(&settings)),
                Ok(None) => {}
                Err(e) => return Err(anyhow::anyhow!("creating the demo directory: {e}")),
            }
        }
        tracing::info!(url = %settings.link("/"), "serving");
        app.run_until_stopped().await
    })
}
