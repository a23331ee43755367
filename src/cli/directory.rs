//! Tenant, user and admin commands.

use super::table::{print_list, Column::*};
use super::{open_db, usage, CliError, TenantCreate, UserCreate};
use crate::config::Settings;
use crate::db::audit::{self, NewAuditEvent};
use crate::db::models::{Tenant, User};
use crate::db::{tenants, users, AnyConnection};
use crate::domain::audit::{Event, Outcome};
use crate::domain::{EmailAddress, Plan, TenantKind};
use crate::security::totp::TotpSecret;
use chrono::{NaiveDateTime, Utc};

/// Normalises a domain the way addresses are normalised (IDNA, lowercase).
pub(crate) fn normalise_domain(domain: &str) -> Result<String, CliError> {
    EmailAddress::parse(&format!("postmaster@{}", domain.trim()))
        .map(|e| e.domain().to_string())
        .map_err(|e| usage(format!("{domain:?} is not a valid email domain: {e}")))
}

pub(crate) fn parse_email(text: &str) -> Result<EmailAddress, CliError> {
    EmailAddress::parse(text)
        .map_err(|e| usage(format!("{text:?} is not a valid email address: {e}")))
}

/// The tenant that owns the (normalised) `domain`; naming none is a usage error.
pub(crate) fn tenant_owning(conn: &mut AnyConnection, domain: &str) -> Result<Tenant, CliError> {
    tenants::find_by_domain(conn, domain)?.ok_or_else(|| {
        usage(format!(
            "no tenant owns the domain {domain}; see `latchkey tenant list`"
        ))
    })
}

fn parse_plan(text: &str) -> Result<Plan, CliError> {
    text.parse::<Plan>().map_err(usage)
}

pub fn tenant_create(settings: &Settings, args: TenantCreate) -> Result<(), CliError> {
    let name = args.name.trim().to_string();
    if name.is_empty() {
        return Err(usage("--name must not be empty"));
    }
    let mut domains = Vec::new();
    for d in &args.domains {
        let d = normalise_domain(d)?;
        if settings.is_consumer_domain(&d) {
            return Err(usage(format!(
                "{d} is a consumer mail domain; its users belong to the built-in `consumers` tenant"
            )));
        }
        domains.push(d);
    }
    let (kind, plan) = match (args.managed, args.plan.as_deref()) {
        (true, Some(p)) => (TenantKind::Managed, parse_plan(p)?),
        (true, None) => {
            return Err(usage(
                "a managed tenant needs a plan: add --plan free or --plan premium",
            ))
        }
        (false, Some(_)) => {
            return Err(usage(
                "--plan applies to managed tenants only: add --managed, or drop --plan",
            ))
        }
        (false, None) => (TenantKind::Unmanaged, Plan::Free),
    };
    if let Some(url) = &args.helpdesk_url {
        validate_helpdesk_url(url)?;
    }
    let db = open_db(settings)?;
    let mut conn = db.get()?;
    let now = Utc::now().naive_utc();
    let tenant = tenants::create(
        &mut conn,
        &tenants::NewTenant {
            name,
            kind,
            plan,
            domains: domains.clone(),
            helpdesk_url: args.helpdesk_url.clone(),
            is_consumer: false,
        },
        now,
    )?;
    let mut event = NewAuditEvent::new(now, "operator", Event::TenantCreated, Outcome::Success);
    event.tenant_id = Some(tenant.tenant_id());
    event.detail =
        Some(serde_json::json!({"kind": kind, "plan": plan, "domains": domains}).to_string());
    audit::insert(&mut conn, &event)?;
    println!(
        "Created {} tenant {:?} ({}) for {}.",
        kind,
        tenant.name,
        if kind == TenantKind::Managed {
            plan.as_str()
        } else {
            "no plan"
        },
        domains.join(", ")
    );
    Ok(())
}

/// A helpdesk link guests can follow: an absolute http(s) URL or a mailto: address.
pub(crate) fn validate_helpdesk_url(text: &str) -> Result<(), CliError> {
    match url::Url::parse(text) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(()),
        Ok(u) if u.scheme() == "mailto" && EmailAddress::parse(u.path()).is_ok() => Ok(()),
        _ => Err(usage(format!(
            "{text:?} is not a helpdesk link; use an https:// URL or mailto:helpdesk@example.com"
        ))),
    }
}

pub fn tenant_set_plan(settings: &Settings, domain: &str, plan: &str) -> Result<(), CliError> {
    let domain = normalise_domain(domain)?;
    let plan = parse_plan(plan)?;
    let db = open_db(settings)?;
    let mut conn = db.get()?;
    let tenant = tenant_owning(&mut conn, &domain)?;
    if tenant.kind() != TenantKind::Managed {
        return Err(usage(format!(
            "{:?} is unmanaged: plans apply to managed tenants (unmanaged tenants always allow SSPR)",
            tenant.name
        )));
    }
    let before = tenant.plan();
    let now = Utc::now().naive_utc();
    tenants::set_plan(&mut conn, &tenant.tenant_id(), plan, now)?;
    let mut event = NewAuditEvent::new(now, "operator", Event::TenantPlanChanged, Outcome::Success);
    event.tenant_id = Some(tenant.tenant_id());
    event.detail = Some(serde_json::json!({"before": before, "after": plan}).to_string());
    audit::insert(&mut conn, &event)?;
    println!("Tenant {:?}: plan {} → {}.", tenant.name, before, plan);
    Ok(())
}

pub fn tenant_list(settings: &Settings, json: bool) -> Result<(), CliError> {
    let db = open_db(settings)?;
    let mut conn = db.get()?;
    let list = tenants::list(&mut conn)?;
    let json = json
        .then(|| serde_json::to_string_pretty(&list))
        .transpose()
        .map_err(anyhow::Error::from)?;
    print_list(
        &list,
        json,
        "No tenants yet. Create one with `latchkey tenant create --name N --domain D`.",
        &[
            Left("NAME", 24),
            Left("KIND", 10),
            Left("PLAN", 8),
            Left("SSPR", 5),
            Right("GUESTS", 6),
            Last("DOMAINS"),
        ],
        |t| {
            let plan = if t.tenant.kind() == TenantKind::Managed {
                t.tenant.plan.as_str()
            } else {
                "-"
            };
            vec![
                t.tenant.name.clone(),
                t.tenant.kind.to_string(),
                plan.to_string(),
                if t.tenant.sspr_enabled { "on" } else { "off" }.to_string(),
                t.guests.to_string(),
                t.domains.join(", "),
            ]
        },
    );
    Ok(())
}

pub fn user_create(settings: &Settings, args: UserCreate, password: &str) -> Result<(), CliError> {
    if !settings.directory.creates_accounts() {
        return Err(usage(DIRECTORY_READ_ONLY));
    }
    let email = parse_email(&args.email)?;
    let db = open_db(settings)?;
    let mut conn = db.get()?;
    let now = Utc::now().naive_utc();
    let tenant = if settings.is_consumer_domain(email.domain()) {
        tenants::consumers(&mut conn, now)?
    } else {
        tenants::find_by_domain(&mut conn, email.domain())?.ok_or_else(|| {
            usage(format!(
                "no tenant owns {}; create one first with `latchkey tenant create --name N --domain {}`",
                email.domain(),
                email.domain()
            ))
        })?
    };
    // The same check as every other place a password is set: policy, context and banned
    // words, and the breach corpus (`password.breached`).
    let hasher = crate::security::hashing::PasswordHasher::new(&settings.hashing)?;
    let passwords = crate::passwords::Passwords::new(
        std::sync::Arc::new(settings.clone()),
        db.clone(),
        hasher.clone(),
    )
    .map_err(|e| usage(format!("{e:#}")))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)?;
    let password = runtime
        .block_on(passwords.check_new(
            password,
            password,
            &email,
            crate::passwords::TenantOf::Tenant(&tenant),
        ))?
        .map_err(|r| usage(format!("password refused: {r}")))?;
    if users::find_by_email(&mut conn, &email)?.is_some() {
        return Err(usage(format!(
            "a guest with the address {email} already exists"
        )));
    }
    let secret = password.into_secret();
    // With a directory the entry is created there with the password; Latchkey keeps no hash.
    let entry = runtime.block_on(directory_entry(settings, &args, &email, &secret))?;
    let hash = match entry {
        Some(_) => None,
        None => Some(hasher.hash_blocking(&secret)?),
    };
    let totp = args.totp.then(crate::security::totp::TotpSecret::generate);
    let user = users::create(
        &mut conn,
        &users::NewUser {
            tenant_id: tenant.tenant_id(),
            email: email.clone(),
            display_name: args.display_name.clone(),
            password_hash: hash,
            verified: args.verified,
            totp_secret: None,
        },
        now,
    )?;
    if let Some(account) = &entry {
        crate::db::directory_links::link(
            &mut conn,
            &account.stable_id,
            &user.user_id(),
            &account.dn,
            now,
        )?;
    }
    let mut event = guest_created(&mut conn, settings, &tenant, &user, totp.as_ref(), now)?;
    event.email = Some(email.to_string());
    audit::insert(&mut conn, &event)?;
    println!(
        "Created guest {email} in tenant {:?}{}.",
        tenant.name,
        if args.verified {
            " (email verified)"
        } else {
            " (email not verified)"
        }
    );
    if let Some(t) = totp {
        println!(
            "TOTP secret (add it to an authenticator app): {}",
            t.expose_base32()
        );
        println!(
            "otpauth URL: {}",
            t.otpauth_url(&settings.branding.service_name, email.as_str())?
        );
    }
    Ok(())
}

/// Why `latchkey user create` refuses when the directory is read-only for Latchkey.
const DIRECTORY_READ_ONLY: &str = "accounts live in the directory and Latchkey may not create \
     entries in it (directory.create_under is not set): create the account in the directory \
     (it can then reset its password and sign in here), or set directory.create_under";

/// With a directory: creates the guest's entry under `create_under` with the password (the
/// directory's password policy applies). `None` with the builtin directory.
async fn directory_entry(
    settings: &Settings,
    args: &UserCreate,
    email: &EmailAddress,
    password: &secrecy::SecretString,
) -> Result<Option<crate::directory::DirectoryAccount>, CliError> {
    use crate::directory::{Directory, DirectoryError, Lookup, NewEntry};
    let Directory::Ldap(ldap) = Directory::from_settings(&settings.directory)? else {
        return Ok(None);
    };
    let failure = |e: DirectoryError| CliError::Failure(anyhow::anyhow!("{e}"));
    if ldap.lookup(email.as_str()).await.map_err(failure)? != Lookup::NotFound {
        return Err(usage(format!(
            "an entry with the address {email} already exists in the directory"
        )));
    }
    let entry = NewEntry {
        email: email.as_str(),
        display_name: args.display_name.as_deref().unwrap_or_default(),
        password,
    };
    match ldap.create(&entry).await {
        Ok(account) => Ok(Some(account)),
        Err(DirectoryError::Rejected(r)) => Err(usage(format!(
            "the directory refused the password: {} ({})",
            r.reason.message(),
            r.code
        ))),
        Err(DirectoryError::ReadOnly) => Err(usage(DIRECTORY_READ_ONLY)),
        Err(e) => Err(failure(e)),
    }
}

/// What follows the creation of a guest by the operator (`latchkey user create`, the demo
/// seed): stores `totp` as the guest's authenticator, sealed for this user's row (encrypted at
/// rest), and returns the `user_created` event for the caller to complete and insert.
pub(crate) fn guest_created(
    conn: &mut AnyConnection,
    settings: &Settings,
    tenant: &Tenant,
    user: &User,
    totp: Option<&TotpSecret>,
    now: NaiveDateTime,
) -> Result<NewAuditEvent, CliError> {
    if let Some(t) = totp {
        let sealed = settings
            .totp_keys
            .seal(crate::security::SeedOwner::User(user.id.as_str()), t);
        users::set_totp_secret(conn, &user.user_id(), Some(&sealed), now)?;
    }
    let mut event = NewAuditEvent::new(now, "operator", Event::UserCreated, Outcome::Success);
    event.tenant_id = Some(tenant.tenant_id());
    event.user_id = Some(user.user_id());
    Ok(event)
}
