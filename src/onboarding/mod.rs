//! Partner onboarding (docs/onboarding.md), below the web layer: the services that the guest pages
//! (`/invite`, `/signup`, `/account/organisation`), the JSON API, the CLI and the admin console
//! all call.
//!
//! - [`csv`]: reading an invitation file (pure);
//! - [`invitations`]: inviting one guest or a file of them, and listing them;
//! - [`invitation_mail`]: the job that mails one copy of an invitation;
//! - [`invitation_list`]: invitations as admins and the API see them;
//! - [`accounts`]: creating an account, in the tenant of its domain (an unmanaged tenant is
//!   created for a new domain); with a directory, `directory_accounts` creates the entry there
//!   (under `directory.create_under`) instead of a password hash;
//! - [`redeem`]: opening and redeeming an invitation link (which creates the account so);
//! - [`signup`]: self-service signup (which creates the account the same way) and the mail that
//!   verifies an invited address;
//! - [`takeover`]: "manage this organisation" by a DNS TXT record;
//! - [`api_keys`]: creating, revoking and checking API keys, and idempotent API replies.

pub mod accounts;
pub mod api;
pub mod api_keys;
pub mod csv;
mod directory_accounts;
pub mod invitation_list;
pub mod invitation_mail;
pub mod invitations;
pub mod redeem;
pub mod signup;
pub mod takeover;

use crate::config::Settings;
use crate::domain::{AdminId, ApiKeyId, TenantId};
use crate::services::Services;

/// Onboarding's jobs (invitation, signup and verification mails), for the worker's registry.
pub fn register_jobs(registry: &mut crate::jobs::Registry<Services>) {
    registry
        .register::<invitation_mail::InvitationSendJob>()
        .register::<signup::SignupJob>()
        .register::<signup::VerifyEmailJob>();
}

/// Who invites: recorded on the invitation and in the audit, and (for a tenant-scoped API key)
/// limiting where invitations may go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inviter {
    /// The operator at the command line (`latchkey invite`).
    Operator,
    /// A platform admin in the console.
    Admin(AdminId),
    /// An API key; `tenant_id` is `Some` for a key scoped to one tenant.
    ApiKey {
        id: ApiKeyId,
        tenant_id: Option<TenantId>,
    },
}

impl Inviter {
    /// The audit `actor`.
    pub fn actor(&self) -> String {
        match self {
            Inviter::Operator => "operator".into(),
            Inviter::Admin(id) => format!("admin:{id}"),
            Inviter::ApiKey { id, .. } => format!("api_key:{id}"),
        }
    }

    /// Stored in `invitations.invited_by`.
    fn invited_by(&self) -> Option<String> {
        match self {
            Inviter::Operator => Some("operator".into()),
            Inviter::Admin(id) => Some(id.to_string()),
            Inviter::ApiKey { .. } => None,
        }
    }

    fn api_key_id(&self) -> Option<&ApiKeyId> {
        match self {
            Inviter::ApiKey { id, .. } => Some(id),
            _ => None,
        }
    }

    /// The one tenant this inviter is limited to, if any.
    pub fn tenant_scope(&self) -> Option<&TenantId> {
        match self {
            Inviter::ApiKey {
                tenant_id: Some(t), ..
            } => Some(t),
            _ => None,
        }
    }
}

/// The service's name as mail shows it (the display name of `mail_from`, else "Latchkey").
pub fn service_name(settings: &Settings) -> String {
    settings
        .mail_from
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "Latchkey".into())
}
