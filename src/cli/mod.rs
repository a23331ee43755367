//! The operator CLI (docs/operations.md#the-operator-cli). `main.rs` parses; the commands live here so tests and the
//! binary share them.

mod admins;
mod apikey;
mod bench_seed;
mod config_check;
pub mod demo;
mod directory;
mod directory_check;
mod explain;
mod invite;
pub mod mail;
mod password;
mod purge;
mod rotate_key;
mod table;
mod tenant_domains;
mod users;

use crate::config::Settings;
use crate::db::Db;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

pub use admins::{AdminCommand, AdminCreate};
pub use demo::{seed_demo, DemoAccounts};
pub use users::{UserCommand, UserCreate};

/// Latchkey: self-service password reset for guest users of partner organisations.
#[derive(Debug, Parser)]
#[command(name = "latchkey", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (TOML). Defaults to ./latchkey.toml when present. LATCHKEY_*
    /// environment variables override it.
    #[arg(long, global = true, env = "LATCHKEY_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web application (the default when no command is given).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage tenants (partner organisations).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage guest users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage administrators.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Explain the reset policy for one address: the facts, each check, and the decision.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Check the connection to the configured directory (LDAP / Active Directory).
    #[command(subcommand)]
    Directory(DirectoryCommand),
    /// Invite guests from a CSV file (Email, DisplayName, optional CcEmail); prints a report
    /// per row. The mails are queued for the running server to send.
    Invite {
        /// The CSV file (UTF-8, `,` or `;`, at most 10 000 rows / 2 MiB).
        #[arg(long, value_name = "FILE")]
        csv: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Manage API keys for the JSON API.
    #[command(subcommand)]
    Apikey(ApikeyCommand),
    /// Create the demo directory (tenants of each kind, guests, a platform admin) if the
    /// database is empty, and print its accounts.
    Demo,
    /// Fill the database for the load bench: N verified guests sharing one password hash,
    /// and optionally M audit rows. Never on a directory real guests use.
    #[command(hide = true)]
    BenchSeed(bench_seed::BenchSeed),
    /// Re-encrypt every stored TOTP secret under the current key of the TOTP keyring
    /// (`secrets.totp_keys`); --new-key first generates a key and makes it current in the
    /// keyring file. Safe to re-run; says when an old key can be removed.
    RotateKey(rotate_key::RotateKey),
    /// Password checks.
    #[command(subcommand)]
    Password(password::PasswordCommand),
    /// Check the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Delete what the `[retention]` settings no longer keep (old audit events, finished jobs,
    /// long-expired tokens, verifications and invitations), with counts per kind. The server
    /// does this in the background too. Export the audit first if it must be kept longer.
    Purge(purge::Purge),
    /// Mail signing: DKIM keys and their DNS record.
    #[command(subcommand)]
    Mail(mail::MailCommand),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Load and validate the whole configuration, resolve the secrets, reach the database and
    /// the mail relay, and print what was found (never a secret). Exit 0: all good; 1: a check
    /// failed; 2: the configuration is invalid.
    Check,
}

#[derive(Debug, Subcommand)]
pub enum DirectoryCommand {
    /// Connect to each server, bind as the service account, search the base, and with --email
    /// show what Latchkey sees for that address.
    Check {
        #[arg(long)]
        email: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApikeyCommand {
    /// Create a key and print it (once: only a hash is stored).
    Create {
        /// What uses the key, e.g. "HR onboarding".
        #[arg(long)]
        name: String,
        /// Scope the key to the tenant owning this domain (else: platform-wide).
        #[arg(long)]
        tenant_domain: Option<String>,
    },
    /// Revoke a key: it stops working at once.
    Revoke {
        /// The key's id, as printed by `create` or `list`.
        #[arg(long)]
        id: String,
    },
    /// List keys (ids, prefixes, scopes; never the keys).
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Why may (or may not) this guest reset? Prints every check with what was seen, and the
    /// decision code with the sentences for the guest and the admin (--json adds the raw facts).
    Explain {
        /// The guest's email address.
        #[arg(long)]
        email: String,
        /// Print JSON: {"decision", "code", "facts", "checks", …}.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant for one or more email domains.
    Create(TenantCreate),
    /// Set the plan of the tenant that owns a domain (managed tenants need `premium` for SSPR).
    SetPlan {
        /// A domain of the tenant, e.g. contoso.com.
        #[arg(long)]
        domain: String,
        /// The new plan.
        #[arg(long, value_parser = ["free", "premium"])]
        plan: String,
    },
    /// Add an email domain to the tenant that owns --tenant-domain.
    AddDomain {
        /// A domain the tenant already owns, e.g. contoso.com.
        #[arg(long)]
        tenant_domain: String,
        /// The domain to add, e.g. contoso.co.uk.
        #[arg(long)]
        domain: String,
    },
    /// Remove an email domain from its tenant (never the last one, nor one its guests use).
    RemoveDomain {
        #[arg(long)]
        domain: String,
    },
    /// List tenants with their kind, plan, domains and number of guests.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// The one account a command acts on (`latchkey user disable|enable|delete`, `latchkey admin
/// disable|enable|reissue`).
#[derive(Debug, Args)]
pub struct ByEmail {
    #[arg(long)]
    pub email: String,
}

#[derive(Debug, Args)]
pub struct TenantCreate {
    /// Display name of the organisation.
    #[arg(long)]
    pub name: String,
    /// Email domain owned by the tenant (repeat for several).
    #[arg(long = "domain", required = true)]
    pub domains: Vec<String>,
    /// The domain's control is proven (the tenant has an admin); requires --plan.
    #[arg(long)]
    pub managed: bool,
    /// Plan of a managed tenant.
    #[arg(long, value_parser = ["free", "premium"])]
    pub plan: Option<String>,
    /// Where guests of this tenant get help (https URL or mailto:).
    #[arg(long)]
    pub helpdesk_url: Option<String>,
}

/// How a command failed: bad input (exit 2) or a failure while doing it (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Failure(#[from] anyhow::Error),
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Failure(_) => 1,
        }
    }
}

impl From<crate::db::DbError> for CliError {
    fn from(e: crate::db::DbError) -> Self {
        match e {
            crate::db::DbError::Conflict(m) => CliError::Usage(m),
            other => CliError::Failure(other.into()),
        }
    }
}

pub(crate) fn usage(message: impl Into<String>) -> CliError {
    CliError::Usage(message.into())
}

/// Opens the database and applies migrations (every command works on a fresh data directory).
pub(crate) fn open_db(settings: &Settings) -> Result<Db, CliError> {
    let db = Db::connect_lazy(&settings.database_url, 2)?;
    db.migrate()?;
    Ok(db)
}

/// Runs a non-serving command.
pub fn run(command: Command, settings: &Settings) -> Result<(), CliError> {
    match command {
        Command::Serve => unreachable!("serve is handled by main"),
        Command::Migrate => {
            let db = Db::connect_lazy(&settings.database_url, 1)?;
            let applied = db.migrate()?;
            if applied.is_empty() {
                println!("Database ({}) is up to date.", db.backend());
            } else {
                println!(
                    "Applied {} migration(s) to the {} database:",
                    applied.len(),
                    db.backend()
                );
                for v in applied {
                    println!("  {v}");
                }
            }
            Ok(())
        }
        Command::Tenant(TenantCommand::Create(args)) => directory::tenant_create(settings, args),
        Command::Tenant(TenantCommand::SetPlan { domain, plan }) => {
            directory::tenant_set_plan(settings, &domain, &plan)
        }
        Command::Tenant(TenantCommand::List { json }) => directory::tenant_list(settings, json),
        Command::User(UserCommand::Create(args)) => {
            let password = read_password_stdin()?;
            directory::user_create(settings, args, &password)
        }
        Command::Tenant(TenantCommand::AddDomain {
            tenant_domain,
            domain,
        }) => tenant_domains::add(settings, &tenant_domain, &domain),
        Command::Tenant(TenantCommand::RemoveDomain { domain }) => {
            tenant_domains::remove(settings, &domain)
        }
        Command::User(UserCommand::List { json }) => users::list(settings, json),
        Command::User(UserCommand::Show { email, json }) => users::show(settings, &email, json),
        Command::User(UserCommand::Disable(ByEmail { email })) => {
            users::set_disabled(settings, &email, true)
        }
        Command::User(UserCommand::Enable(ByEmail { email })) => {
            users::set_disabled(settings, &email, false)
        }
        Command::User(UserCommand::Delete(ByEmail { email })) => users::delete(settings, &email),
        Command::Admin(command) => admins::run(settings, command),
        Command::Policy(PolicyCommand::Explain { email, json }) => {
            explain::policy_explain(settings, &email, json)
        }
        Command::Directory(DirectoryCommand::Check { email }) => {
            directory_check::run(settings, email.as_deref())
        }
        Command::Invite { csv, json } => invite::invite_csv(settings, &csv, json),
        Command::Apikey(ApikeyCommand::Create {
            name,
            tenant_domain,
        }) => apikey::create(settings, &name, tenant_domain.as_deref()),
        Command::Apikey(ApikeyCommand::Revoke { id }) => apikey::revoke(settings, &id),
        Command::Apikey(ApikeyCommand::List { json }) => apikey::list(settings, json),
        Command::BenchSeed(args) => bench_seed::run(settings, args),
        Command::RotateKey(args) => rotate_key::run(settings, args),
        Command::Password(command) => password::run(settings, command),
        Command::Purge(args) => purge::run(settings, args),
        Command::Config(ConfigCommand::Check) => config_check::run(settings),
        Command::Mail(mail::MailCommand::DkimKeygen(args)) => mail::keygen(&args),
        Command::Mail(mail::MailCommand::Check) => mail::check(settings),
        Command::Demo => {
            let db = open_db(settings)?;
            match seed_demo(&db, settings)? {
                Some(accounts) => print!("{}", accounts.describe(settings)),
                None => {
                    println!("The database already holds data; the demo directory was not created.")
                }
            }
            Ok(())
        }
    }
}

fn read_password_stdin() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| {
        CliError::Failure(anyhow::anyhow!("cannot read the password from stdin: {e}"))
    })?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        return Err(usage("no password on standard input; pipe it in, e.g. `printf '%s\\n' \"$PW\" | latchkey user create --email … --password-stdin`"));
    }
    Ok(password)
}
