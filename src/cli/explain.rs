//! `latchkey policy explain`: what an operator runs when a guest says "reset doesn't work".

use super::directory::parse_email;
use super::{open_db, CliError};
use crate::config::Settings;
use crate::deliverability::Deliverability;
use crate::services::clock::SystemClock;
use crate::services::eligibility::{self, Explanation};
use std::fmt::Write as _;

pub fn policy_explain(settings: &Settings, email: &str, json: bool) -> Result<(), CliError> {
    let email = parse_email(email)?;
    let db = open_db(settings)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)?;
    let explanation = runtime.block_on(async {
        let deliverability = Deliverability::new(settings.dns.clone(), &settings.deliverability)?;
        let gathered = match crate::directory::Directory::from_settings(&settings.directory)? {
            crate::directory::Directory::Ldap(ldap) => {
                eligibility::gather_from_directory(
                    &db,
                    &deliverability,
                    &SystemClock,
                    settings,
                    &ldap,
                    &email,
                )
                .await?
            }
            crate::directory::Directory::Builtin => {
                eligibility::gather(&db, &deliverability, &SystemClock, settings, &email).await?
            }
        };
        Ok::<_, anyhow::Error>(gathered.explain())
    })?;
    if json {
        let text = serde_json::to_string_pretty(&explanation).map_err(anyhow::Error::from)?;
        println!("{text}");
    } else {
        print!("{}", render(&explanation));
    }
    Ok(())
}

fn render(e: &Explanation) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Reset policy for {} (tenant: {})",
        e.email,
        e.tenant
            .as_deref()
            .unwrap_or("none — no tenant owns this domain")
    );
    let s = &e.sources;
    let _ = writeln!(
        out,
        "Account facts from: exists {}, disabled {}, address {}, verified {}, lock {}, TOTP {}",
        s.exists, s.disabled, s.address, s.verified, s.locked, s.totp
    );
    let _ = writeln!(out, "\nChecks, in the order of the policy table:");
    for c in &e.checks {
        let _ = writeln!(
            out,
            "  [{}] rule {} {:<24} {}",
            if c.passed { "pass" } else { "FAIL" },
            c.rule,
            c.name,
            c.detail
        );
    }
    let _ = writeln!(out, "\nDecision: {} ({})", e.decision, e.code);
    if let Some(r) = &e.reference {
        let _ = writeln!(out, "Reference: {r}");
    }
    if let Some(s) = &e.admin_sentence {
        let _ = writeln!(out, "For the admin: {s}");
    }
    if let Some(s) = &e.guest_sentence {
        let _ = writeln!(out, "For the guest: {s}");
    }
    out
}
