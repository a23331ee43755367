//! `latchkey admin create|list|disable|enable|reissue`: administrators from the shell
//! (docs/operations.md#the-operator-cli). The changes go through
//! [`crate::console::admins`], as in the console, audited with the actor `operator`.

use super::directory::{normalise_domain, parse_email};
use super::table::{print_list, time, yes_no, Column::*};
use super::{open_db, usage, ByEmail, CliError};
use crate::config::Settings;
use crate::console::admins::{self, AdminEntry, Change, Changed, Refused, Status};
use crate::db::audit::{self, NewAuditEvent};
use crate::db::{tenants, AnyConnection};
use crate::domain::audit::{Event, Outcome};
use crate::domain::{AdminRole, TenantKind};
use chrono::{NaiveDateTime, Utc};
use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an administrator and print a one-time set-up link (valid 24 hours).
    Create(AdminCreate),
    /// List administrators: address, role, state, authenticator, last sign-in.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Disable an administrator: sign-in is refused and their sessions end at their next
    /// request. Never the last enabled platform admin.
    Disable(ByEmail),
    /// Enable a disabled administrator again (same password and authenticator).
    Enable(ByEmail),
    /// Print a new one-time set-up link (valid 24 hours) for an administrator who lost their
    /// authenticator: their password and authenticator are removed, their sessions and any
    /// earlier set-up link end.
    Reissue(ByEmail),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("role").required(true).args(["platform", "tenant_domain"])))]
pub struct AdminCreate {
    /// The admin's email address.
    #[arg(long)]
    pub email: String,
    /// A platform admin: sees every tenant, sets plans, invites guests.
    #[arg(long)]
    pub platform: bool,
    /// A tenant admin of the managed tenant that owns this domain.
    #[arg(long)]
    pub tenant_domain: Option<String>,
}

/// The audit actor of every change made from the shell.
const ACTOR: &str = "operator";

pub fn run(settings: &Settings, command: AdminCommand) -> Result<(), CliError> {
    match command {
        AdminCommand::Create(args) => create(settings, args),
        AdminCommand::List { json } => list(settings, json),
        AdminCommand::Disable(ByEmail { email }) => change(settings, &email, Change::Disable),
        AdminCommand::Enable(ByEmail { email }) => change(settings, &email, Change::Enable),
        AdminCommand::Reissue(ByEmail { email }) => change(settings, &email, Change::Reissue),
    }
}

fn create(settings: &Settings, args: AdminCreate) -> Result<(), CliError> {
    let email = parse_email(&args.email)?;
    let db = open_db(settings)?;
    let mut conn = db.get()?;
    let now = Utc::now().naive_utc();
    let (role, tenant) = match &args.tenant_domain {
        Some(d) => {
            let d = normalise_domain(d)?;
            let tenant = tenants::find_by_domain(&mut conn, &d)?
                .ok_or_else(|| usage(format!("no tenant owns the domain {d}")))?;
            if tenant.kind() != TenantKind::Managed {
                return Err(usage(format!(
                    "{:?} is unmanaged and has no admins; it becomes managed by DNS takeover or `tenant create --managed`",
                    tenant.name
                )));
            }
            (AdminRole::Tenant, Some(tenant))
        }
        None => (AdminRole::Platform, None),
    };
    let setup = crate::security::tokens::TokenSecret::generate();
    let admin = crate::db::admins::create(
        &mut conn,
        &crate::db::admins::NewAdmin {
            email: email.clone(),
            role,
            tenant_id: tenant.as_ref().map(|t| t.tenant_id()),
            setup_token_hash: setup.hash().into_string(),
            setup_expires_at: now + chrono::Duration::hours(admins::SETUP_LINK_HOURS),
        },
        now,
    )?;
    let mut event = NewAuditEvent::new(now, ACTOR, Event::AdminCreated, Outcome::Success);
    event.tenant_id = tenant.as_ref().map(|t| t.tenant_id());
    event.email = Some(admin.email.to_string());
    event.detail = Some(serde_json::json!({"admin_id": admin.id, "role": role}).to_string());
    audit::insert(&mut conn, &event)?;
    println!(
        "Created {} admin {email}{}.",
        role,
        tenant
            .map(|t| format!(" for tenant {:?}", t.name))
            .unwrap_or_default()
    );
    print_setup_link(settings, setup.expose(), None);
    Ok(())
}

fn print_setup_link(settings: &Settings, secret: &str, expires_at: Option<NaiveDateTime>) {
    let until = expires_at
        .map(|t| format!(", until {} UTC", t.format("%Y-%m-%d %H:%M")))
        .unwrap_or_default();
    println!(
        "One-time set-up link (valid {} hours{until}; sets the password and the authenticator):",
        admins::SETUP_LINK_HOURS
    );
    println!("  {}", settings.link(&format!("/admin/setup/{secret}")));
}

fn json_of(e: &AdminEntry, now: NaiveDateTime) -> serde_json::Value {
    let a = &e.admin;
    serde_json::json!({
        "id": a.id,
        "email": a.email,
        "role": a.role,
        "tenant": e.tenant_name,
        "status": Status::of(a, now),
        "totp": a.totp_secret.is_some(),
        "last_sign_in_at": a.last_login_at,
        "setup_expires_at": a.setup_expires_at,
        "created_at": a.created_at,
    })
}

fn list(settings: &Settings, json: bool) -> Result<(), CliError> {
    let db = open_db(settings)?;
    let mut conn = db.get()?;
    let all = admins::list_in(&mut conn)?;
    let now = Utc::now().naive_utc();
    let json = json.then(|| {
        let rows: Vec<_> = all.iter().map(|e| json_of(e, now)).collect();
        serde_json::Value::Array(rows).to_string()
    });
    print_list(
        &all,
        json,
        "No admins. Create one with `latchkey admin create --email E --platform`.",
        &[
            Left("EMAIL", 36),
            Left("ROLE", 32),
            Left("STATE", 20),
            Left("TOTP", 5),
            Last("LAST SIGN-IN"),
        ],
        |e| {
            vec![
                e.admin.email.to_string(),
                e.role_label(),
                Status::of(&e.admin, now).label().to_string(),
                yes_no(e.admin.totp_secret.is_some()),
                time(e.admin.last_login_at),
            ]
        },
    );
    Ok(())
}

fn find(conn: &mut AnyConnection, email: &str) -> Result<AdminEntry, CliError> {
    let address = parse_email(email)?;
    admins::find_by_email_in(conn, &address)?
        .ok_or_else(|| usage(format!("there is no admin with the address {address}")))
}

fn change(settings: &Settings, email: &str, change: Change) -> Result<(), CliError> {
    let db = open_db(settings)?;
    let mut conn = db.get()?;
    let target = find(&mut conn, email)?;
    let now = Utc::now().naive_utc();
    let event = NewAuditEvent::new(now, ACTOR, change.event_name(), Outcome::Success);
    let who = &target.admin.email;
    let done = admins::change_in(&mut conn, &target.admin, change, None, event, now)?;
    match done {
        Err(Refused::LastPlatformAdmin) => Err(CliError::Failure(anyhow::anyhow!(
            "{who} is the last enabled platform admin; nothing was changed. Create another \
             (`latchkey admin create --email E --platform`) or enable one first."
        ))),
        Err(Refused::Disabled) => Err(CliError::Failure(anyhow::anyhow!(
            "{who} is disabled; nothing was changed. Enable them first \
             (`latchkey admin enable --email {who}`), then issue the link."
        ))),
        Err(refused) => Err(CliError::Failure(anyhow::anyhow!("{refused}"))),
        Ok(Changed::Toggled(true)) if change == Change::Disable => {
            println!(
                "Disabled {who} ({}): sign-in is refused and their sessions end at their next request.",
                target.role_label()
            );
            Ok(())
        }
        Ok(Changed::Toggled(true)) => {
            println!(
                "Enabled {who} ({}): they can sign in again.",
                target.role_label()
            );
            Ok(())
        }
        Ok(Changed::Toggled(false)) => {
            let state = if change == Change::Disable {
                "already disabled"
            } else {
                "not disabled"
            };
            println!("{who} is {state}; nothing changed.");
            Ok(())
        }
        Ok(Changed::Reissued { secret, expires_at }) => {
            println!(
                "Started the set-up of {who} ({}) again: their password, authenticator, sessions \
                 and any earlier set-up link no longer work.",
                target.role_label()
            );
            print_setup_link(settings, secret.expose(), Some(expires_at));
            println!(
                "Give the link to {who} over a channel you trust; it is shown only this once."
            );
            Ok(())
        }
    }
}
