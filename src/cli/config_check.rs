//! `latchkey config check`: the configuration loaded and validated (else exit 2, before this
//! runs), the secrets resolved, then each dependency reached: the database and the mail relay.
//! Prints what it found, never a secret; exit 1 when a check failed.

use super::CliError;
use crate::config::Settings;
use crate::db::{DatabaseUrl, Db};
use std::time::Duration;

/// `host[:port]` of a URL, without credentials or path.
fn host_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => format!(
            "{}://{}{}",
            u.scheme(),
            u.host_str().unwrap_or("?"),
            u.port().map(|p| format!(":{p}")).unwrap_or_default()
        ),
        Err(_) => "(unparseable)".into(),
    }
}

fn database_desc(url: &DatabaseUrl, settings: &Settings) -> String {
    match url {
        DatabaseUrl::Sqlite(p) => format!("sqlite {}", p.display()),
        DatabaseUrl::Postgres(s) => {
            let mut d = format!("postgresql {}", host_of(s));
            if let Ok(u) = url::Url::parse(s) {
                d.push_str(u.path());
            }
            if settings.database_is_embedded_default() {
                d.push_str(" (embedded default)");
            }
            d
        }
    }
}

fn line(ok: bool, what: &str, detail: &str) {
    println!("{} {what:<10} {detail}", if ok { "ok  " } else { "FAIL" });
}

pub fn run(settings: &Settings) -> Result<(), CliError> {
    println!("configuration: valid");
    println!("  bind              {}", settings.bind);
    println!("  management_bind   {}", settings.management_bind);
    println!("  public_base_url   {}", settings.public_base_url);
    println!("  data_dir          {}", settings.data_dir.display());
    println!(
        "  database          {}",
        database_desc(&settings.database_url, settings)
    );
    println!(
        "  mail              {}",
        settings.smtp_url_exposed().map_or_else(
            || format!("files in {} (no smtp_url)", settings.outbox_dir().display()),
            |u| format!("smtp via {}", host_of(u))
        )
    );
    println!("  directory         {:?}", settings.directory.kind);
    println!("  demo              {}", settings.demo_applies());
    println!(
        "  retention         audit {} days, jobs {} days, expired records {} days",
        settings.retention.audit_days,
        settings.retention.jobs_days,
        settings.retention.expired_days
    );
    println!(
        "secrets: resolved (secret key, TOTP keyring{})",
        settings
            .totp_keys_file
            .as_ref()
            .map(|f| format!(" from {}", f.display()))
            .unwrap_or_default()
    );

    let mut failed = false;
    let db_result = Db::connect_lazy_with_timeout(
        &settings.database_url,
        1,
        Duration::from_secs(settings.database_timeout_seconds),
    )
    .map_err(|e| format!("{e:#}"))
    .and_then(|db| {
        use diesel::connection::SimpleConnection as _;
        let mut conn = db.get().map_err(|e| format!("{e:#}"))?;
        conn.batch_execute("SELECT 1").map_err(|e| format!("{e}"))
    });
    match db_result {
        Ok(()) => line(true, "database", "reachable"),
        Err(e) => {
            failed = true;
            line(false, "database", &e);
        }
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failure(e.into()))?;
    let mail = runtime.block_on(async {
        let mailer = crate::mail::Mailer::from_settings(settings).map_err(|e| e.to_string())?;
        mailer.check().await.map(|()| mailer.transport_name())
    });
    match mail {
        Ok("smtp") => line(true, "mail", "the relay answered"),
        Ok(_) => line(true, "mail", "outbox directory writable"),
        Err(e) => {
            failed = true;
            line(false, "mail", &e);
        }
    }
    if settings.directory.kind == crate::directory::DirectoryKind::Ldap {
        println!("note the LDAP directory is checked by `latchkey directory check`");
    }
    if failed {
        return Err(CliError::Failure(anyhow::anyhow!(
            "a check failed (see FAIL above)"
        )));
    }
    println!("all checks passed");
    Ok(())
}
