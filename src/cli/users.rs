//! `latchkey user list|show|disable|enable|delete`: a guest's lifecycle from the shell
//! (docs/operations.md#guest-lifecycle), through [`crate::accounts::lifecycle`].

use super::directory::parse_email;
use super::table::{print_list, time, yes_no, Column::*};
use super::{open_db, usage, ByEmail, CliError};
use crate::accounts::lifecycle::{self, LifecycleError};
use crate::accounts::User;
use crate::config::Settings;
use crate::db::audit::NewAuditEvent;
use crate::db::{directory_links, tenants, user_lifecycle, users, AnyConnection};
use crate::domain::audit::{Event, Outcome};
use chrono::Utc;
use clap::{Args, Subcommand};
use std::collections::HashMap;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a guest in the tenant of the email's domain. The password is read from stdin.
    Create(UserCreate),
    /// List guests: address, tenant, status, verification, authenticator.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one guest (never their password hash or TOTP seed).
    Show {
        #[arg(long)]
        email: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Disable a guest: resets are refused (policy rule 4, account_disabled), sessions and
    /// outstanding reset links end. Builtin directory only.
    Disable(ByEmail),
    /// Enable a disabled guest again. Builtin directory only.
    Enable(ByEmail),
    /// Delete a guest and their personal data (account, authenticator, sessions, tokens,
    /// verifications, invitations, directory link). The audit keeps its events, with the
    /// address replaced by a stable pseudonym. Cannot be undone.
    Delete(ByEmail),
}

#[derive(Debug, Args)]
pub struct UserCreate {
    /// The guest's email address.
    #[arg(long)]
    pub email: String,
    /// Read the password from standard input (one line).
    #[arg(long, required = true)]
    pub password_stdin: bool,
    /// Mark the email address as verified.
    #[arg(long)]
    pub verified: bool,
    /// Enrol a TOTP authenticator and print its secret.
    #[arg(long)]
    pub totp: bool,
    /// Display name.
    #[arg(long)]
    pub display_name: Option<String>,
}

/// Guests listed at most.
const LIST_LIMIT: i64 = 100_000;

fn lifecycle_error(e: LifecycleError) -> CliError {
    match e {
        LifecycleError::DirectoryManaged => usage(e.to_string()),
        LifecycleError::Db(d) => d.into(),
    }
}

fn find(conn: &mut AnyConnection, email: &str) -> Result<User, CliError> {
    let address = parse_email(email)?;
    users::find_by_email(conn, &address)?
        .ok_or_else(|| usage(format!("there is no guest with the address {address}")))
}

fn status(u: &User) -> &'static str {
    if u.disabled {
        "disabled"
    } else {
        "active"
    }
}

fn json_of(u: &User, tenant: &str) -> serde_json::Value {
    serde_json::json!({
        "id": u.id,
        "email": u.email,
        "display_name": u.display_name,
        "tenant": tenant,
        "status": status(u),
        "verified_at": u.verified_at,
        "bounced_at": u.bounced_at,
        "totp": u.totp_secret.is_some(),
        "locked_until": u.locked_until,
        "password_changed_at": u.password_changed_at,
        "created_at": u.created_at,
    })
}

pub fn list(settings: &Settings, json: bool) -> Result<(), CliError> {
    let db = open_db(settings)?;
    let mut conn = db.get()?;
    let names: HashMap<String, String> = tenants::list(&mut conn)?
        .into_iter()
        .map(|t| (t.tenant.id.to_string(), t.tenant.name.clone()))
        .collect();
    let guests = user_lifecycle::list(&mut conn, LIST_LIMIT)?;
    let tenant = |u: &User| names.get(u.tenant_id.as_str()).cloned().unwrap_or_default();
    let json = json.then(|| {
        let rows: Vec<_> = guests.iter().map(|u| json_of(u, &tenant(u))).collect();
        serde_json::Value::Array(rows).to_string()
    });
    print_list(
        &guests,
        json,
        "No guests.",
        &[
            Left("EMAIL", 40),
            Left("TENANT", 24),
            Left("STATUS", 9),
            Left("VERIFIED", 8),
            Left("TOTP", 5),
            Last("CREATED"),
        ],
        |u| {
            vec![
                u.email.to_string(),
                tenant(u),
                status(u).to_string(),
                yes_no(u.verified_at.is_some()),
                yes_no(u.totp_secret.is_some()),
                time(Some(u.created_at)),
            ]
        },
    );
    Ok(())
}

pub fn show(settings: &Settings, email: &str, json: bool) -> Result<(), CliError> {
    let db = open_db(settings)?;
    let mut conn = db.get()?;
    let u = find(&mut conn, email)?;
    let tenant = tenants::find_by_id(&mut conn, &u.tenant_id)?
        .map(|t| t.name)
        .unwrap_or_default();
    let link = directory_links::of_user(&mut conn, &u.user_id())?;
    if json {
        let mut v = json_of(&u, &tenant);
        v["directory_dn"] = serde_json::json!(link.as_ref().map(|l| &l.1));
        println!("{v}");
        return Ok(());
    }
    println!("email:            {}", u.email);
    println!("id:               {}", u.id);
    println!(
        "display name:     {}",
        u.display_name.as_deref().unwrap_or("-")
    );
    println!("tenant:           {tenant}");
    println!("status:           {}", status(&u));
    println!("verified:         {}", time(u.verified_at));
    println!(
        "bounced:          {}{}",
        time(u.bounced_at),
        u.bounce_reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default()
    );
    println!(
        "authenticator:    {}",
        if u.totp_secret.is_some() {
            "enrolled"
        } else {
            "none"
        }
    );
    println!("locked until:     {}", time(u.locked_until));
    println!("password changed: {}", time(u.password_changed_at));
    println!("created:          {}", time(Some(u.created_at)));
    if let Some((_, dn)) = link {
        println!("directory entry:  {dn}");
    }
    Ok(())
}

pub fn set_disabled(settings: &Settings, email: &str, disabled: bool) -> Result<(), CliError> {
    lifecycle::ensure_builtin(settings).map_err(lifecycle_error)?;
    let db = open_db(settings)?;
    let mut conn = db.get()?;
    let u = find(&mut conn, email)?;
    let now = Utc::now().naive_utc();
    let event = if disabled {
        Event::UserDisabled
    } else {
        Event::UserEnabled
    };
    let event = NewAuditEvent::new(now, "operator", event, Outcome::Success);
    let changed = lifecycle::set_disabled(&mut conn, settings, &u, disabled, event, now)
        .map_err(lifecycle_error)?;
    match (changed, disabled) {
        (true, true) => println!(
            "Disabled {}: resets are refused (account_disabled), sessions and reset links ended.",
            u.email
        ),
        (true, false) => println!("Enabled {}.", u.email),
        (false, true) => println!("{} is already disabled.", u.email),
        (false, false) => println!("{} is not disabled.", u.email),
    }
    Ok(())
}

pub fn delete(settings: &Settings, email: &str) -> Result<(), CliError> {
    let db = open_db(settings)?;
    let mut conn = db.get()?;
    let u = find(&mut conn, email)?;
    let now = Utc::now().naive_utc();
    let event = NewAuditEvent::new(now, "operator", Event::UserDeleted, Outcome::Success);
    let erased = lifecycle::delete(&mut conn, settings, &u, event).map_err(lifecycle_error)?;
    println!(
        "Deleted {} and their personal data ({} reset token(s), {} verification(s), {} invitation(s), {} directory link(s)).",
        u.email,
        erased.reset_tokens,
        erased.email_verifications,
        erased.invitations,
        erased.directory_links
    );
    println!(
        "The audit keeps its {} event(s) about them under the pseudonym {}.",
        erased.audit_events_pseudonymised,
        lifecycle::pseudonym(settings, &u.email)
    );
    Ok(())
}
