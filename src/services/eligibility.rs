//! Facts gathering: for one email address, load the tenant and the user, ask deliverability
//! and the clock, and return the policy's [`Facts`] (docs/policy.md: gather → decide → act).
//! Used by the reset worker, the admin console and `latchkey policy explain`.

use crate::config::Settings;
use crate::db::models::{Tenant, User};
use crate::db::{tenants, users, Db, DbError};
use crate::deliverability::Deliverability;
use crate::domain::EmailAddress;
use crate::policy::{self, AccountFacts, Check, Decision, Facts, TenantFacts};
use crate::services::clock::Clock;
use crate::services::Services;
use serde::Serialize;

/// What was gathered for an address, with the rows it came from.
#[derive(Debug, Clone)]
pub struct Gathered {
    pub email: EmailAddress,
    pub tenant: Option<Tenant>,
    pub user: Option<User>,
    pub facts: Facts,
    /// The directory entry, when a directory (LDAP) holds the account.
    pub directory_account: Option<crate::directory::DirectoryAccount>,
    /// Where each account fact came from.
    pub sources: FactSources,
}

/// Where each account fact came from: `directory` (LDAP / Active Directory, read at evaluation
/// time) or `latchkey` (Latchkey's own tables).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FactSources {
    pub exists: &'static str,
    pub disabled: &'static str,
    pub address: &'static str,
    pub verified: &'static str,
    pub locked: &'static str,
    pub totp: &'static str,
}

impl FactSources {
    pub const LATCHKEY: FactSources = FactSources {
        exists: "latchkey",
        disabled: "latchkey",
        address: "latchkey",
        verified: "latchkey",
        locked: "latchkey",
        totp: "latchkey",
    };

    fn directory(mail_verified: bool) -> FactSources {
        FactSources {
            exists: "directory",
            disabled: "directory and latchkey",
            address: "directory",
            verified: if mail_verified {
                "directory"
            } else {
                "latchkey"
            },
            locked: "latchkey",
            totp: "latchkey",
        }
    }
}

impl Gathered {
    pub fn decide(&self) -> Decision {
        policy::decide(&self.facts)
    }

    /// Every check with its result, for operators.
    pub fn explain(&self) -> Explanation {
        let decision = self.decide();
        Explanation {
            email: self.email.to_string(),
            tenant: self.tenant.as_ref().map(|t| t.name.clone()),
            decision: if decision.is_allow() { "allow" } else { "deny" },
            code: decision.code().to_string(),
            reference: decision.deny_reason().map(|r| r.reference()),
            guest_sentence: decision
                .deny_reason()
                .map(|r| crate::i18n::messages::deny_sentence(crate::i18n::Lang::En, r)),
            admin_sentence: decision.deny_reason().map(|r| r.admin_sentence()),
            facts: self.facts.clone(),
            sources: self.sources,
            checks: policy::explain(&self.facts),
        }
    }
}

/// The JSON form of `latchkey policy explain --json` (and the console's "why can't this guest
/// reset?").
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub email: String,
    pub tenant: Option<String>,
    pub decision: &'static str,
    pub code: String,
    pub reference: Option<String>,
    pub guest_sentence: Option<String>,
    pub admin_sentence: Option<String>,
    pub facts: Facts,
    pub sources: FactSources,
    pub checks: Vec<Check>,
}

/// The tenant an address belongs to: the `consumers` tenant for consumer domains, otherwise
/// the tenant that owns the domain (if any).
pub fn tenant_of(
    conn: &mut crate::db::AnyConnection,
    consumer_domain: bool,
    email: &EmailAddress,
) -> Result<Option<Tenant>, DbError> {
    if consumer_domain {
        tenants::find_by_name(conn, crate::domain::tenant::CONSUMERS_TENANT_NAME)
    } else {
        tenants::find_by_domain(conn, email.domain())
    }
}

/// [`tenant_of`] for `email`, with the consumer-domain case decided by the settings.
pub fn address_tenant(
    conn: &mut crate::db::AnyConnection,
    settings: &Settings,
    email: &EmailAddress,
) -> Result<Option<Tenant>, DbError> {
    tenant_of(conn, settings.is_consumer_domain(email.domain()), email)
}

pub fn tenant_facts(t: &Tenant) -> TenantFacts {
    TenantFacts {
        kind: t.kind(),
        plan: t.plan(),
        sspr_enabled: t.sspr_enabled,
        methods_required: u8::try_from(t.methods_required).unwrap_or(2),
    }
}

pub fn account_facts(u: &User) -> AccountFacts {
    AccountFacts {
        disabled: u.disabled,
        locked_until: u.locked_until,
        verified: u.verified_at.is_some(),
        totp_enrolled: u.totp_secret.is_some(),
    }
}

/// Gathers the facts for `email`. Deliverability is always asked (its answer is cached), so the
/// work done does not depend on whether the account exists.
pub async fn gather(
    db: &Db,
    deliverability: &Deliverability,
    clock: &dyn Clock,
    settings: &Settings,
    email: &EmailAddress,
) -> Result<Gathered, DbError> {
    let lookup = email.clone();
    let consumer = settings.is_consumer_domain(email.domain());
    let (tenant, user) = db
        .run(move |conn| {
            let tenant = tenant_of(conn, consumer, &lookup)?;
            let user = users::find_by_email(conn, &lookup)?;
            Ok((tenant, user))
        })
        .await?;
    Ok(from_rows(deliverability, clock, email, tenant, user).await)
}

/// The facts for `email` from its tenant and user rows, already read: deliverability (cached)
/// and the clock are asked now.
pub async fn from_rows(
    deliverability: &Deliverability,
    clock: &dyn Clock,
    email: &EmailAddress,
    tenant: Option<Tenant>,
    user: Option<User>,
) -> Gathered {
    let bounced = user.as_ref().is_some_and(|u| u.bounced_at.is_some());
    let verdict = deliverability.check(email, bounced).await;
    let facts = Facts {
        tenant: tenant.as_ref().map(tenant_facts),
        account: user.as_ref().map(account_facts),
        email: verdict,
        now: clock.now_naive(),
    };
    Gathered {
        email: email.clone(),
        tenant,
        user,
        facts,
        directory_account: None,
        sources: FactSources::LATCHKEY,
    }
}

/// [`from_rows`] for an account already read, with the tenant its address belongs to.
pub async fn of_account(svc: &Services, user: &User, address_tenant: Option<Tenant>) -> Gathered {
    from_rows(
        &svc.deliverability,
        svc.clock.as_ref(),
        &user.email,
        address_tenant,
        Some(user.clone()),
    )
    .await
}

/// Gathers the facts for `email` from the configured directory: Latchkey's tables (builtin),
/// or the LDAP directory looked up now, with Latchkey's own row for what it does not hold.
pub async fn gather_for(svc: &Services, email: &EmailAddress) -> Result<Gathered, DbError> {
    match svc.directory.ldap() {
        None => {
            gather(
                &svc.db,
                &svc.deliverability,
                svc.clock.as_ref(),
                &svc.settings,
                email,
            )
            .await
        }
        Some(ldap) => {
            gather_from_directory(
                &svc.db,
                &svc.deliverability,
                svc.clock.as_ref(),
                &svc.settings,
                ldap,
                email,
            )
            .await
        }
    }
}

/// [`gather_for`] with an LDAP directory: the account's facts from the directory, looked up now.
pub async fn gather_from_directory(
    db: &Db,
    deliverability: &Deliverability,
    clock: &dyn Clock,
    settings: &Settings,
    ldap: &crate::directory::ldap::LdapDirectory,
    email: &EmailAddress,
) -> Result<Gathered, DbError> {
    let now = clock.now_naive();
    let resolved = crate::directory::accounts::resolve(db, ldap, settings, email, now).await?;
    let lookup = email.clone();
    let consumer = settings.is_consumer_domain(email.domain());
    let tenant = db
        .run(move |conn| tenant_of(conn, consumer, &lookup))
        .await?;
    let user = resolved.user;
    let bounced = user.as_ref().is_some_and(|u| u.bounced_at.is_some());
    let verdict = deliverability.check(email, bounced).await;
    let mail_verified = settings.directory.mail_verified;
    let directory_disabled = resolved.account.as_ref().is_some_and(|a| a.disabled);
    let account = user.as_ref().map(|u| {
        let mut f = account_facts(u);
        f.disabled |= directory_disabled;
        f.verified |= mail_verified;
        f
    });
    Ok(Gathered {
        email: email.clone(),
        tenant: tenant.clone(),
        facts: Facts {
            tenant: tenant.as_ref().map(tenant_facts),
            account,
            email: verdict,
            now,
        },
        user,
        directory_account: resolved.account,
        sources: FactSources::directory(mail_verified),
    })
}
