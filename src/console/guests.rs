//! The helpdesk's view of a guest and its actions (docs/security.md#36): each change is one
//! transaction with its audit event, written by the admin the web layer names in `event`.

use crate::accounts::lifecycle::{self, LifecycleError};
use crate::accounts::lockout::{self, Account, Client, Method};
use crate::accounts::User;
use crate::console::audit::{AuditEvent, AuditFilter, NewAuditEvent};
use crate::db::models::Tenant;
use crate::db::reset_tokens::NewToken;
use crate::db::{admin_queries, audit, reset_tokens, tenants, users, AnyConnection, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::domain::{TenantId, UserId};
use crate::policy::Decision;
use crate::ratelimit::persistent::Allowance;
use crate::security::TokenSecret;
use crate::services::eligibility;
use crate::services::Services;
use chrono::NaiveDateTime;

/// The guest with this id (the caller checks that the admin may see its tenant).
pub async fn find(svc: &Services, id: &str) -> Result<Option<User>, DbError> {
    let uid = UserId::from_string(id);
    svc.db.run(move |c| users::find_by_id(c, &uid)).await
}

/// Guests of `scope` (every tenant when `None`) whose address or name contains `text`.
pub async fn search(
    svc: &Services,
    scope: Option<TenantId>,
    text: String,
    limit: i64,
) -> Result<Vec<User>, DbError> {
    svc.db
        .run(move |c| admin_queries::search_guests(c, scope.as_ref(), &text, limit))
        .await
}

/// What the guest page shows besides the guest: the policy's explanation (why they can or
/// cannot reset), their tenant, and their latest events.
pub struct GuestDetail {
    pub explanation: eligibility::Explanation,
    pub tenant: Option<Tenant>,
    pub recent: Vec<AuditEvent>,
}

/// The guest page's detail; `seen` (the admin's view) is audited.
pub async fn detail(
    svc: &Services,
    user: &User,
    recent: i64,
    seen: NewAuditEvent,
) -> Result<GuestDetail, DbError> {
    let explanation = eligibility::gather_for(svc, &user.email).await?.explain();
    let tid = user.tenant_id();
    // Every event of this guest, by id or address, but not the console's page views.
    let filter = AuditFilter {
        tenant_id: Some(user.tenant_id()),
        guest: Some(crate::db::audit::GuestKey {
            user_id: user.user_id(),
            email: Some(user.email.clone()),
        }),
        hide: crate::domain::audit::Event::PAGE_VIEWS.to_vec(),
        ..Default::default()
    };
    let (tenant, recent) = svc
        .db
        .run(move |c| {
            Ok((
                tenants::find_by_id(c, &tid)?,
                audit::page(c, &filter, None, recent)?,
            ))
        })
        .await?;
    svc.db.run(move |c| audit::insert(c, &seen)).await?;
    Ok(GuestDetail {
        explanation,
        tenant,
        recent,
    })
}

/// Whether the guest may sign in now, as far as failed attempts go: the count shared by every
/// client without the guest's device cookie (where strangers' guesses land), for the password
/// and the authenticator alike. The stricter of the two: a hard stop, else the later pause.
pub async fn sign_in_allowance(svc: &Services, user: &User) -> Result<Allowance, DbError> {
    let uid = user.user_id();
    let mut strictest = Allowance::Allowed;
    for method in [Method::Password, Method::Totp] {
        let limits = &svc.rate_limits.persistent;
        let now =
            lockout::allowance(limits, Account::Guest(&uid), method, &Client::Untrusted).await?;
        strictest = match (strictest, now) {
            (Allowance::Blocked, _) | (_, Allowance::Blocked) => Allowance::Blocked,
            (Allowance::NotBefore(a), Allowance::NotBefore(b)) => Allowance::NotBefore(a.max(b)),
            (Allowance::Allowed, other) | (other, Allowance::Allowed) => other,
        };
    }
    Ok(strictest)
}

/// A helpdesk change to a guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Removes the authenticator (lost phone); reset links that required it die with it.
    ResetTotp,
    /// Lets the guest sign in again at once: clears the failure counts of the password and the
    /// authenticator, from every client (a pause, or the hard stop at
    /// `max_consecutive_failures`), and a lock stored on the account.
    Unlock,
    /// The address cannot receive mail (policy rule 6); reset links die.
    MarkBounced,
    /// Forgets a recorded bounce.
    MarkDeliverable,
}

impl Action {
    /// The audit event the action writes.
    pub fn event_name(self) -> Event {
        match self {
            Action::ResetTotp => Event::HelpdeskTotpReset,
            Action::Unlock => Event::HelpdeskLockoutCleared,
            Action::MarkBounced => Event::HelpdeskMarkedBounced,
            Action::MarkDeliverable => Event::HelpdeskMarkedDeliverable,
        }
    }

    fn apply(self, c: &mut AnyConnection, id: &UserId, now: NaiveDateTime) -> Result<(), DbError> {
        match self {
            Action::ResetTotp => {
                users::set_totp_secret(c, id, None, now)?;
                reset_tokens::revoke_all_for_user(c, id, "totp_reset", now)?;
            }
            Action::Unlock => admin_queries::clear_lockout(c, id, now)?,
            Action::MarkBounced => {
                users::mark_bounced(c, id, "marked by the helpdesk", now)?;
                reset_tokens::revoke_all_for_user(c, id, "email_undeliverable", now)?;
            }
            Action::MarkDeliverable => admin_queries::mark_deliverable(c, id, now)?,
        }
        Ok(())
    }
}

/// Runs `action` on `user` and appends `event` ([`Action::event_name`]), in one transaction.
pub async fn act(
    svc: &Services,
    user: &User,
    action: Action,
    event: NewAuditEvent,
) -> Result<(), DbError> {
    let uid = user.user_id();
    let now = svc.now();
    if action == Action::Unlock {
        // Before the audit: an event never says a lockout was cleared that still holds.
        lockout::clear_everywhere(&svc.rate_limits.persistent, Account::Guest(&uid)).await?;
    }
    svc.db
        .run(move |c| {
            use crate::db::WriteTransaction as _;
            c.write_transaction::<_, DbError, _>(|c| {
                action.apply(c, &uid, now)?;
                audit::insert(c, &event)
            })
        })
        .await
}

/// What asking for a helpdesk reset link did.
pub enum ResetLink {
    /// Issued: the raw secret is shown once and never stored (only its hash).
    Issued {
        secret: TokenSecret,
        expires_at: NaiveDateTime,
        totp_required: bool,
    },
    /// The policy refuses a reset for this guest (its code), so no link was issued: redeeming
    /// re-checks the policy, so such a link could never be used.
    Refused(&'static str),
}

/// Issues a reset link for `user` valid `reset.helpdesk_ttl_hours`, through the one issuer
/// ([`crate::reset::issue`]), when the policy allows a reset now. `event`
/// (`helpdesk_reset_link_issued`) is written with the outcome: `denied` with the policy's
/// code, or `success` with the token id and expiry, in the issuing transaction.
pub async fn issue_reset_link(
    svc: &Services,
    user: &User,
    issued_by: String,
    mut event: NewAuditEvent,
) -> Result<ResetLink, DbError> {
    let decision = eligibility::gather_for(svc, &user.email).await?.decide();
    let totp_required = match decision {
        Decision::Allow { methods } => methods.totp,
        Decision::Deny(_) => {
            event.set_outcome(Outcome::Denied);
            event.reason = Some(decision.code().to_string());
            svc.db.run(move |c| audit::insert(c, &event)).await?;
            return Ok(ResetLink::Refused(decision.code()));
        }
    };
    let now = svc.now();
    let expires_at =
        now + chrono::Duration::hours(i64::from(svc.settings.reset.helpdesk_ttl_hours));
    let secret = TokenSecret::generate();
    let new = NewToken {
        user_id: user.user_id(),
        tenant_id: user.tenant_id(),
        token_hash: secret.hash().into_string(),
        code_hash: None,
        flow_id_hash: None,
        issued_by: Some(issued_by),
        totp_required,
        expires_at,
    };
    svc.db
        .run(move |c| {
            use crate::db::WriteTransaction as _;
            c.write_transaction::<_, DbError, _>(|c| {
                let token = crate::reset::issue::issue(c, &new, now)?;
                event.detail = Some(
                    serde_json::json!({ "token_id": token.id, "expires_at": expires_at })
                        .to_string(),
                );
                audit::insert(c, &event)
            })
        })
        .await?;
    Ok(ResetLink::Issued {
        secret,
        expires_at,
        totp_required,
    })
}

/// Disables or enables `user` (docs/operations.md#guest-lifecycle): `event` is
/// `user_disabled` / `user_enabled` by the admin. Refused in LDAP mode, where the directory
/// decides. Returns whether anything changed.
pub async fn set_disabled(
    svc: &Services,
    user: &User,
    disabled: bool,
    event: NewAuditEvent,
) -> Result<bool, LifecycleError> {
    lifecycle::ensure_builtin(&svc.settings)?;
    let (settings, user, now) = (svc.settings.clone(), user.clone(), svc.now());
    Ok(svc
        .db
        .run(move |c| {
            lifecycle::set_disabled(c, &settings, &user, disabled, event, now).map_err(db_error)
        })
        .await?)
}

/// A lifecycle error inside a database task (the refusals are checked before it starts).
fn db_error(e: LifecycleError) -> DbError {
    match e {
        LifecycleError::Db(e) => e,
        other => DbError::Unexpected(anyhow::anyhow!("{other}")),
    }
}

/// Deletes `user` and their personal data; the audit keeps a pseudonym (`event` is
/// `user_deleted` by the admin).
pub async fn delete(svc: &Services, user: &User, event: NewAuditEvent) -> Result<(), DbError> {
    let (settings, user) = (svc.settings.clone(), user.clone());
    svc.db
        .run(move |c| {
            lifecycle::delete(c, &settings, &user, event)
                .map(|_| ())
                .map_err(db_error)
        })
        .await
}
