//! Creating a guest account (docs/onboarding.md): by redeeming an invitation link, or by self-service
//! signup (`/signup` → an emailed link → a password). Either way the account lands in the tenant
//! of its domain: the `consumers` tenant for consumer mail domains, the tenant that owns the
//! domain, or a new **unmanaged** tenant named after the domain.
//!
//! A GET of a link never consumes it (mail scanners open links); the account is created by one
//! transaction that also consumes the link with a guarded UPDATE, so a link makes one account.
//!
//! Redeeming the copy of an invitation that went to the `CcEmail` proves nothing about the
//! invited address: the account is created unverified, and a verification mail is queued to the
//! invited address (policy rule 7 denies SSPR with `email_unverified` until it is used).

use crate::config::Settings;
use crate::db::audit::{self, NewAuditEvent};
use crate::db::models::Tenant;
use crate::db::WriteTransaction as _;
use crate::db::{tenants, users, AnyConnection, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::domain::password::PasswordRejection;
use crate::domain::{EmailAddress, Plan, TenantKind, UserId};
use crate::passwords::TenantOf;
use crate::security::TokenHash;
use crate::services::Services;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use std::net::IpAddr;

/// The `purpose` of the verification rows of self-service signup.
pub const SIGNUP_PURPOSE: &str = "signup";
/// The `purpose` of the rows that `/verify/{token}` redeems.
pub const VERIFY_PURPOSE: &str = "verify";

/// An account about to be created from a live link: what the set-password page shows.
#[derive(Debug, Clone, Serialize)]
pub struct PendingAccount {
    pub email: String,
    pub display_name: Option<String>,
    /// The organisation the account will belong to, by its display name ("fabrikam.com" for a
    /// new one); `None` for a personal address (a consumer mail domain), which belongs to none.
    pub organisation: Option<String>,
    /// The link is the copy sent to the CcEmail: the address will need confirming.
    pub via_cc: bool,
    /// Minimum password length, for the form's hint.
    pub min_chars: u32,
}

impl PendingAccount {
    /// The account of `email` in `organisation`, through a link that went to the address itself,
    /// with no name yet.
    pub(super) fn new(
        settings: &Settings,
        email: &EmailAddress,
        organisation: Option<String>,
    ) -> Self {
        Self {
            email: email.to_string(),
            display_name: None,
            organisation,
            via_cc: false,
            min_chars: settings.password.min_chars,
        }
    }
}

/// What creating the account came to.
#[derive(Debug)]
pub enum AccountOutcome {
    /// The account exists now.
    Created {
        user_id: UserId,
        email: EmailAddress,
        /// As in [`PendingAccount::organisation`].
        organisation: Option<String>,
        /// The address counts as verified (the link went to it).
        verified: bool,
    },
    /// The password does not meet the policy; the form is shown again with the reason.
    Rejected {
        reason: PasswordRejection,
        pending: PendingAccount,
    },
    /// The directory refused the password (its own policy); the form is shown again with the
    /// reason in plain words, and the link stays usable.
    DirectoryRejected {
        rejection: crate::directory::Rejection,
        pending: PendingAccount,
    },
    /// The directory could not be reached: nothing was created, the link stays usable.
    DirectoryUnavailable,
    /// Latchkey may not create accounts in the directory (`directory.create_under` is unset).
    DirectoryReadOnly,
    /// The address already has an account (created since the link was sent).
    AlreadyUser,
    /// Unknown, used or expired link.
    Invalid,
}

pub(super) fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(t, Utc)
}

/// The name of the tenant an address would join (without creating anything); `None` for a
/// personal address, whose tenant is the consumer bucket rather than an organisation.
pub(super) fn organisation_of(
    conn: &mut AnyConnection,
    settings: &Settings,
    email: &EmailAddress,
) -> Result<Option<String>, DbError> {
    if settings.is_consumer_domain(email.domain()) {
        return Ok(None);
    }
    Ok(Some(
        tenants::find_by_domain(conn, email.domain())?
            .filter(|t| !t.is_consumer)
            .map_or_else(|| email.domain().to_string(), |t| t.name),
    ))
}

/// The tenant a new account of `email` belongs to, creating an unmanaged tenant named after the
/// domain when none owns it. Returns the tenant and whether it was created now.
pub fn tenant_for_new_account(
    conn: &mut AnyConnection,
    settings: &Settings,
    email: &EmailAddress,
    now: NaiveDateTime,
) -> Result<(Tenant, bool), DbError> {
    if settings.is_consumer_domain(email.domain()) {
        return Ok((tenants::consumers(conn, now)?, false));
    }
    let domain = email.domain();
    if let Some(t) = tenants::find_by_domain(conn, domain)? {
        return Ok((t, false));
    }
    let mut new = tenants::NewTenant {
        name: domain.to_string(),
        kind: TenantKind::Unmanaged,
        plan: Plan::Free,
        domains: vec![domain.to_string()],
        helpdesk_url: None,
        is_consumer: false,
    };
    match tenants::create(conn, &new, now) {
        Ok(t) => Ok((t, true)),
        Err(DbError::Conflict(_)) => {
            // Another request created it meanwhile, or another tenant already bears the name.
            if let Some(t) = tenants::find_by_domain(conn, domain)? {
                return Ok((t, false));
            }
            new.name = format!(
                "{domain} ({})",
                &uuid::Uuid::new_v4().simple().to_string()[..6]
            );
            Ok((tenants::create(conn, &new, now)?, true))
        }
        Err(e) => Err(e),
    }
}

/// Why a transaction creating an account was abandoned.
enum Abort {
    AlreadyUser,
    Invalid,
    Db(DbError),
}

impl From<diesel::result::Error> for Abort {
    fn from(e: diesel::result::Error) -> Self {
        Abort::Db(e.into())
    }
}

impl From<DbError> for Abort {
    fn from(e: DbError) -> Self {
        Abort::Db(e)
    }
}

/// What [`create_account`] needs besides the password hash.
pub(super) struct NewAccount {
    pub(super) email: EmailAddress,
    pub(super) display_name: Option<String>,
    pub(super) verified: bool,
    /// The audit event of the creation (`invitation_redeemed`, `signup_completed`).
    pub(super) event: Event,
    pub(super) detail: serde_json::Value,
    pub(super) ip: Option<IpAddr>,
}

/// Where the new account's password is: Latchkey's hash, or the directory entry it is linked to
/// (by its stable id; Latchkey then keeps no hash).
pub(super) enum Credential {
    Hash(String),
    Directory { stable_id: String, dn: String },
}

/// Creates the account in one transaction with `consume` (the guarded UPDATE that uses the
/// link: it must return true, or nothing is created).
pub(super) fn create_account(
    conn: &mut AnyConnection,
    settings: &Settings,
    new: &NewAccount,
    credential: &Credential,
    now: NaiveDateTime,
    consume: impl FnOnce(&mut AnyConnection, &UserId) -> Result<bool, DbError>,
) -> Result<AccountOutcome, DbError> {
    let result = conn.write_transaction::<_, Abort, _>(|c| {
        if users::find_by_email(c, &new.email)?.is_some() {
            return Err(Abort::AlreadyUser);
        }
        let (tenant, created) = tenant_for_new_account(c, settings, &new.email, now)?;
        let user = users::create(
            c,
            &users::NewUser {
                tenant_id: tenant.tenant_id(),
                email: new.email.clone(),
                display_name: new.display_name.clone(),
                password_hash: match credential {
                    Credential::Hash(h) => Some(h.clone()),
                    Credential::Directory { .. } => None,
                },
                verified: new.verified,
                totp_secret: None,
            },
            now,
        )?;
        if let Credential::Directory { stable_id, dn } = credential {
            crate::db::directory_links::link(c, stable_id, &user.user_id(), dn, now)?;
        }
        if !consume(c, &user.id)? {
            return Err(Abort::Invalid);
        }
        let ip = new.ip.map(|i| i.to_string());
        if created {
            let mut e = NewAuditEvent::new(now, "system", Event::TenantCreated, Outcome::Success);
            e.tenant_id = Some(tenant.tenant_id());
            e.ip = ip.clone();
            e.detail = Some(
                serde_json::json!({ "kind": "unmanaged", "domains": [new.email.domain()], "source": new.event })
                    .to_string(),
            );
            audit::insert(c, &e)?;
        }
        let mut e = NewAuditEvent::new(now, "guest", new.event, Outcome::Success);
        e.tenant_id = Some(tenant.tenant_id());
        e.user_id = Some(user.user_id());
        e.email = Some(user.email.to_string());
        e.ip = ip;
        e.detail = Some(new.detail.to_string());
        audit::insert(c, &e)?;
        Ok((user, tenant))
    });
    match result {
        Ok((user, tenant)) => Ok(AccountOutcome::Created {
            user_id: user.user_id(),
            email: user.email,
            organisation: (!tenant.is_consumer).then_some(tenant.name),
            verified: new.verified,
        }),
        Err(Abort::AlreadyUser) => Ok(AccountOutcome::AlreadyUser),
        Err(Abort::Invalid) => Ok(AccountOutcome::Invalid),
        // Two redemptions raced to create the same address: the loser's user insert conflicts.
        Err(Abort::Db(DbError::Conflict(_))) => Ok(AccountOutcome::AlreadyUser),
        Err(Abort::Db(e)) => Err(e),
    }
}

/// Checks the password, hashes it (on the blocking pool) and creates the account. With a
/// directory, the entry is created there with the password instead (no hash is kept), see
/// [`super::directory_accounts`].
pub(super) async fn set_password_and_create(
    svc: &Services,
    pending: PendingAccount,
    new: NewAccount,
    password: &str,
    confirm: &str,
    consume: impl FnOnce(&mut AnyConnection, &UserId) -> Result<bool, DbError> + Send + 'static,
) -> Result<AccountOutcome, DbError> {
    if !svc.settings.directory.creates_accounts() {
        return Ok(AccountOutcome::DirectoryReadOnly);
    }
    let checked = match svc
        .passwords
        .check_new(password, confirm, &new.email, TenantOf::NewAccount)
        .await?
    {
        Ok(p) => p,
        Err(reason) => return Ok(AccountOutcome::Rejected { reason, pending }),
    };
    if let Some(ldap) = svc.directory.ldap() {
        let secret = checked.into_secret();
        return super::directory_accounts::create(svc, ldap, pending, new, &secret, consume).await;
    }
    let credential = Credential::Hash(svc.hasher.hash(checked.into_secret()).await?);
    let (settings, now) = (svc.settings.clone(), svc.now());
    svc.db
        .run(move |c| create_account(c, &settings, &new, &credential, now, consume))
        .await
}

/// The row a presented link token belongs to (an invitation's, a signup's), when `find` finds
/// it by the token's hash and live at `now`: with its address (`address`) and the organisation
/// it would join.
pub(super) async fn live_link<R, F>(
    svc: &Services,
    presented: &str,
    find: F,
    address: fn(&R) -> &EmailAddress,
) -> Result<Option<(R, EmailAddress, Option<String>)>, DbError>
where
    R: Send + 'static,
    F: FnOnce(&mut AnyConnection, &str, NaiveDateTime) -> Result<Option<R>, DbError>
        + Send
        + 'static,
{
    let Some(hash) = TokenHash::of_presented(presented) else {
        return Ok(None);
    };
    let (settings, now) = (svc.settings.clone(), svc.now());
    svc.db
        .run(move |c| {
            let Some(row) = find(c, hash.as_str(), now)? else {
                return Ok(None);
            };
            let email = address(&row).clone();
            let organisation = organisation_of(c, &settings, &email)?;
            Ok(Some((row, email, organisation)))
        })
        .await
}
