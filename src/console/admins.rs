//! Managing administrators (platform admins in the console, operators with `latchkey admin`):
//! the list, disable, enable, and a new set-up link. Each change is one write transaction with
//! its audit event, which names the target (its address, tenant and id); a refusal is audited
//! too (`admin_change_refused`).
//!
//! Two refusals keep the console reachable: nobody disables or re-issues their own account from
//! a session of it, and the last enabled platform admin is never disabled (the platform admins'
//! rows are locked while counting, so two admins disabling each other cannot both succeed).

use crate::console::audit::NewAuditEvent;
use crate::console::Admin;
use crate::db::{admins, audit, tenants, AnyConnection, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::domain::{AdminId, AdminRole, EmailAddress};
use crate::security::TokenSecret;
use crate::services::Services;
use chrono::NaiveDateTime;
use std::collections::HashMap;

/// How long a set-up link works: the same for the first link (`latchkey admin create`, a
/// domain takeover) and for a re-issued one.
pub const SETUP_LINK_HOURS: i64 = crate::onboarding::takeover::SETUP_LINK_HOURS;

/// Where an admin's account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Set up and allowed to sign in.
    Active,
    /// Waiting for the admin to open a live set-up link.
    SetupPending,
    /// Not set up, and the set-up link has expired: a new one is needed.
    SetupExpired,
    /// Sign-in refused until enabled.
    Disabled,
}

impl Status {
    pub fn of(a: &Admin, now: NaiveDateTime) -> Status {
        if a.disabled {
            Status::Disabled
        } else if super::auth::usable(a) {
            Status::Active
        } else if a.setup_expires_at.is_some_and(|t| t > now) {
            Status::SetupPending
        } else {
            Status::SetupExpired
        }
    }

    /// For people: "active", "set-up pending", …
    pub fn label(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::SetupPending => "set-up pending",
            Status::SetupExpired => "set-up link expired",
            Status::Disabled => "disabled",
        }
    }
}

/// An admin with the name of their tenant (tenant admins).
#[derive(Debug, Clone)]
pub struct AdminEntry {
    pub admin: Admin,
    pub tenant_name: Option<String>,
}

impl AdminEntry {
    /// "platform admin" or "tenant admin of Contoso".
    pub fn role_label(&self) -> String {
        match (self.admin.role(), &self.tenant_name) {
            (AdminRole::Platform, _) => "platform admin".into(),
            (AdminRole::Tenant, Some(name)) => format!("tenant admin of {name}"),
            (AdminRole::Tenant, None) => "tenant admin".into(),
        }
    }
}

/// Why a change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error(
        "You cannot do this to your own account while signed in with it. Ask another platform \
         admin, or an operator (`latchkey admin …`)."
    )]
    Themselves,
    #[error(
        "This is the last enabled platform admin: disabling it would leave nobody able to \
         manage the service. Create or enable another platform admin first."
    )]
    LastPlatformAdmin,
    #[error("This admin is disabled: enable them first, then issue a new set-up link.")]
    Disabled,
}

impl Refused {
    fn reason(self) -> &'static str {
        match self {
            Refused::Themselves => "themselves",
            Refused::LastPlatformAdmin => "last_platform_admin",
            Refused::Disabled => "disabled",
        }
    }
}

/// A change to an admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Disable,
    Enable,
    Reissue,
}

impl Change {
    /// The event a successful change writes.
    pub fn event_name(self) -> Event {
        match self {
            Change::Disable => Event::AdminDisabled,
            Change::Enable => Event::AdminEnabled,
            Change::Reissue => Event::AdminSetupReissued,
        }
    }
}

/// What a change did.
#[derive(Debug)]
pub enum Changed {
    /// Disabled or enabled; `false` when the admin already was.
    Toggled(bool),
    /// A new set-up link, shown once (only its hash is stored).
    Reissued {
        secret: TokenSecret,
        expires_at: NaiveDateTime,
    },
}

/// Every admin, with tenant names.
pub fn list_in(conn: &mut AnyConnection) -> Result<Vec<AdminEntry>, DbError> {
    let names: HashMap<String, String> = tenants::list(conn)?
        .into_iter()
        .map(|t| (t.tenant.id.to_string(), t.tenant.name.clone()))
        .collect();
    Ok(admins::list(conn)?
        .into_iter()
        .map(|admin| AdminEntry {
            tenant_name: admin
                .tenant_id
                .as_ref()
                .and_then(|t| names.get(t.as_str()).cloned()),
            admin,
        })
        .collect())
}

/// Every admin, with tenant names.
pub async fn list(svc: &Services) -> Result<Vec<AdminEntry>, DbError> {
    svc.db.run(list_in).await
}

/// One admin by id, with their tenant's name.
pub async fn find(svc: &Services, id: &str) -> Result<Option<AdminEntry>, DbError> {
    let id = AdminId::from_string(id.to_string());
    svc.db
        .run(move |c| {
            let Some(admin) = admins::find_by_id(c, &id)? else {
                return Ok(None);
            };
            entry(c, admin).map(Some)
        })
        .await
}

/// One admin by address, with their tenant's name.
pub fn find_by_email_in(
    conn: &mut AnyConnection,
    email: &EmailAddress,
) -> Result<Option<AdminEntry>, DbError> {
    match admins::find_by_email(conn, email)? {
        Some(admin) => entry(conn, admin).map(Some),
        None => Ok(None),
    }
}

fn entry(conn: &mut AnyConnection, admin: Admin) -> Result<AdminEntry, DbError> {
    let tenant_name = match &admin.tenant_id {
        Some(t) => tenants::find_by_id(conn, t)?.map(|t| t.name),
        None => None,
    };
    Ok(AdminEntry { admin, tenant_name })
}

/// Applies `change` to `target` for `acting` (the signed-in admin; `None` for an operator),
/// writing `event` (its actor and origin; the target is filled in here) in the same
/// transaction. A refusal is audited as `admin_change_refused` and returned as `Ok(Err(_))`.
pub fn change_in(
    conn: &mut AnyConnection,
    target: &Admin,
    change: Change,
    acting: Option<&AdminId>,
    mut event: NewAuditEvent,
    now: NaiveDateTime,
) -> Result<Result<Changed, Refused>, DbError> {
    use crate::db::WriteTransaction as _;
    let id = target.id.clone();
    event.email = Some(target.email.to_string());
    event.tenant_id = target.tenant_id.clone();
    event.detail = Some(
        serde_json::json!({ "admin_id": target.id, "role": target.role, "change": change.event_name().name() })
            .to_string(),
    );
    conn.write_transaction::<_, DbError, _>(|c| {
        let refused = refusal(c, target, change, acting)?;
        if let Some(refused) = refused {
            event.set_event(Event::AdminChangeRefused, Outcome::Denied);
            event.reason = Some(refused.reason().into());
            audit::insert(c, &event)?;
            return Ok(Err(refused));
        }
        let done = match change {
            Change::Disable | Change::Enable => {
                let changed = admins::set_disabled(c, &id, change == Change::Disable)?;
                if !changed {
                    return Ok(Ok(Changed::Toggled(false)));
                }
                Changed::Toggled(true)
            }
            Change::Reissue => {
                let secret = TokenSecret::generate();
                let expires_at = now + chrono::Duration::hours(SETUP_LINK_HOURS);
                admins::reissue_setup(c, &id, secret.hash().as_str(), expires_at)?;
                Changed::Reissued { secret, expires_at }
            }
        };
        audit::insert(c, &event)?;
        Ok(Ok(done))
    })
}

/// Why `change` may not happen, if it may not. Locks the platform admins first (see the
/// module documentation).
fn refusal(
    c: &mut AnyConnection,
    target: &Admin,
    change: Change,
    acting: Option<&AdminId>,
) -> Result<Option<Refused>, DbError> {
    let enabled_platform = admins::lock_enabled_platform_count(c)?;
    let current = admins::find_by_id(c, &target.id)?;
    let disabled = current.as_ref().map_or(target.disabled, |a| a.disabled);
    let themselves = acting.is_some_and(|a| a.as_str() == target.id.as_str());
    Ok(match change {
        Change::Enable => None,
        _ if themselves => Some(Refused::Themselves),
        Change::Disable
            if target.role() == AdminRole::Platform && !disabled && enabled_platform <= 1 =>
        {
            Some(Refused::LastPlatformAdmin)
        }
        Change::Disable => None,
        Change::Reissue if disabled => Some(Refused::Disabled),
        Change::Reissue => None,
    })
}

/// [`change_in`] from the console.
pub async fn change(
    svc: &Services,
    target: Admin,
    change: Change,
    acting: AdminId,
    event: NewAuditEvent,
) -> Result<Result<Changed, Refused>, DbError> {
    let now = svc.now();
    svc.db
        .run(move |c| change_in(c, &target, change, Some(&acting), event, now))
        .await
}
