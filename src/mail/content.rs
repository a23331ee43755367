//! The context of each mail: one `#[derive(Serialize)]` struct per kind, built only through
//! constructors that take links from [`Settings::link`] (the configured `public_base_url`, never
//! a request's Host: docs/security.md#14) and write every time out in words and UTC.

use super::message::{MailKind, MailTemplate};
use crate::config::Settings;
use crate::domain::{EmailAddress, TenantId};
use crate::i18n::words::Words;
use crate::security::tokens::{OneTimeCode, TokenSecret};
use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};
use std::fmt;

/// Where a reset token is redeemed: `GET /reset/link/{token}` (docs/architecture.md#the-reset-flow-end-to-end).
pub const RESET_LINK_PATH: &str = "/reset/link/";
/// Where an email verification token is redeemed: `GET /verify/{token}`.
pub const VERIFY_EMAIL_PATH: &str = "/verify/";
/// Where an invitation token is redeemed: `GET /invite/{token}`.
pub const INVITE_PATH: &str = "/invite/";
/// Where a self-service signup link is completed: `GET /signup/complete/{token}`.
pub const SIGNUP_PATH: &str = "/signup/complete/";

/// A value that carries a secret (a tokenised link, a one-time code): serialised as the plain
/// string for the template, but `Debug` prints `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretText(String);

impl SecretText {
    pub(crate) fn new(value: String) -> Self {
        Self(value)
    }

    /// The value, for tests that read a rendered mail's context. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Serialize for SecretText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

fn token_link(settings: &Settings, path: &str, token: &TokenSecret) -> SecretText {
    // Tokens are base64url (no character needs escaping in a path), and appear exactly once.
    SecretText(settings.link(&format!("{path}{}", token.expose())))
}

/// When a link or code stops working, in words for the mail: flattened into each context as
/// `expires_in` ("20 minutes") and `expires_at` ("14:35 UTC", with the date when it falls on
/// another day).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Expiry {
    pub expires_in: Words,
    pub expires_at: Words,
}

impl Expiry {
    /// For a link issued at `now` that expires at `expires_at`.
    pub fn new(now: DateTime<Utc>, expires_at: DateTime<Utc>) -> Self {
        Self {
            expires_in: Words::Duration {
                seconds: (expires_at - now).num_seconds(),
            },
            expires_at: Words::Time {
                at: expires_at,
                now,
            },
        }
    }

    /// The same, with the full date always written out (for links that live for days).
    pub fn dated(now: DateTime<Utc>, expires_at: DateTime<Utc>) -> Self {
        Self {
            expires_in: Words::Duration {
                seconds: (expires_at - now).num_seconds(),
            },
            expires_at: Words::DateTime { at: expires_at },
        }
    }
}

/// A reset link and its 8-character code (docs/architecture.md#the-reset-flow-end-to-end step 4).
#[derive(Debug, Clone, Serialize)]
pub struct ResetLinkMail {
    /// `https://<public_base_url>/reset/link/<token>`.
    pub link: SecretText,
    /// The code grouped for reading, `ABCD-EFGH`.
    pub code: SecretText,
    /// When the link stops working, in words.
    #[serde(flatten)]
    pub expiry: Expiry,
    /// The form to ask for a new link when this one has expired.
    pub reset_page: String,
}

impl ResetLinkMail {
    /// The context for a reset issued at `now` that expires at `expires_at`.
    pub fn new(
        settings: &Settings,
        token: &TokenSecret,
        code: &OneTimeCode,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Self {
        Self {
            link: token_link(settings, RESET_LINK_PATH, token),
            code: SecretText(code.expose_grouped()),
            expiry: Expiry::new(now, expires_at),
            reset_page: settings.link("/reset"),
        }
    }
}

/// Deny reason `account_locked`: the account is temporarily locked; says when to try again.
#[derive(Debug, Clone, Serialize)]
pub struct AccountLockedMail {
    /// "15 minutes".
    pub retry_in: Words,
    /// "14:50 UTC".
    pub retry_at: Words,
    /// The form to use again after `retry_at`.
    pub reset_page: String,
    /// Whom to contact, as the tenant wrote it (a name, a phone number, a link), if any.
    pub helpdesk: Option<String>,
}

impl AccountLockedMail {
    /// The context for a lock that lifts at `retry_at`.
    pub fn new(
        settings: &Settings,
        now: DateTime<Utc>,
        retry_at: DateTime<Utc>,
        helpdesk: Option<&str>,
    ) -> Self {
        Self {
            retry_in: Words::Duration {
                seconds: (retry_at - now).num_seconds(),
            },
            retry_at: Words::Time { at: retry_at, now },
            reset_page: settings.link("/reset"),
            helpdesk: helpdesk.map(super::helpdesk_words),
        }
    }
}

/// Deny reason `email_unverified`: offers to verify the address. Never carries a reset link.
#[derive(Debug, Clone, Serialize)]
pub struct EmailUnverifiedMail {
    /// `https://<public_base_url>/verify/<token>`.
    pub verify_link: SecretText,
    /// When the link stops working, in words.
    #[serde(flatten)]
    pub expiry: Expiry,
    /// The reset form, to use once the address is verified.
    pub reset_page: String,
}

impl EmailUnverifiedMail {
    /// The context for a verification token issued at `now`.
    pub fn new(
        settings: &Settings,
        token: &TokenSecret,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Self {
        Self {
            verify_link: token_link(settings, VERIFY_EMAIL_PATH, token),
            expiry: Expiry::new(now, expires_at),
            reset_page: settings.link("/reset"),
        }
    }
}

/// Deny reason `methods_not_registered`: the organisation requires a second step (an
/// authenticator app) the guest has not set up; how to set it up, or whom to call.
#[derive(Debug, Clone, Serialize)]
pub struct MethodsNotRegisteredMail {
    /// The organisation's display name.
    pub tenant_name: String,
    /// Whom to contact, as the tenant wrote it, if any.
    pub helpdesk: Option<String>,
    /// The sign-in page, for guests who still know their password.
    pub signin_link: String,
    /// Where an authenticator is added once signed in.
    pub security_link: String,
}

impl MethodsNotRegisteredMail {
    /// The context for a guest of `tenant_name`.
    pub fn new(settings: &Settings, tenant_name: &str, helpdesk: Option<&str>) -> Self {
        Self {
            tenant_name: tenant_name.to_string(),
            helpdesk: helpdesk.map(super::helpdesk_words),
            signin_link: settings.link("/signin"),
            security_link: settings.link("/account/security"),
        }
    }
}

/// "Your password was changed" (docs/security.md#18): when, from where, and what to do if it was not
/// the guest. Carries no token.
#[derive(Debug, Clone, Serialize)]
pub struct PasswordChangedMail {
    /// "14:35 UTC on Tuesday 3 November 2026".
    pub changed_at: Words,
    /// The client IP of the request that changed it, as the service saw it.
    pub ip: String,
    /// The reset form, to take the account back.
    pub reset_page: String,
    /// Whom to contact, as the tenant wrote it, if any.
    pub helpdesk: Option<String>,
}

impl PasswordChangedMail {
    /// The context for a change at `changed_at` from `ip`.
    pub fn new(
        settings: &Settings,
        changed_at: DateTime<Utc>,
        ip: std::net::IpAddr,
        helpdesk: Option<&str>,
    ) -> Self {
        Self {
            changed_at: Words::DateTime { at: changed_at },
            ip: ip.to_string(),
            reset_page: settings.link("/reset"),
            helpdesk: helpdesk.map(super::helpdesk_words),
        }
    }
}

/// An email verification link.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyEmailMail {
    /// `https://<public_base_url>/verify/<token>`.
    pub link: SecretText,
    /// When the link stops working, in words.
    #[serde(flatten)]
    pub expiry: Expiry,
}

impl VerifyEmailMail {
    /// The context for a verification token issued at `now`.
    pub fn new(
        settings: &Settings,
        token: &TokenSecret,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Self {
        Self {
            link: token_link(settings, VERIFY_EMAIL_PATH, token),
            expiry: Expiry::new(now, expires_at),
        }
    }
}

/// An invitation to an organisation, with a redemption link (valid 7 days by default).
#[derive(Debug, Clone, Serialize)]
pub struct InvitationMail {
    /// The inviting organisation's display name.
    pub tenant_name: String,
    /// Who sent it, as shown to the guest (a display name), if known.
    pub inviter: Option<String>,
    /// `https://<public_base_url>/invite/<token>`.
    pub link: SecretText,
    /// When the link stops working, in words.
    #[serde(flatten)]
    pub expiry: Expiry,
}

impl InvitationMail {
    /// How long an invitation link lasts unless the caller chooses otherwise.
    pub fn default_lifetime() -> chrono::Duration {
        chrono::Duration::days(7)
    }

    /// The context for an invitation issued at `now`.
    pub fn new(
        settings: &Settings,
        token: &TokenSecret,
        tenant_name: &str,
        inviter: Option<&str>,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Self {
        Self {
            tenant_name: tenant_name.to_string(),
            inviter: inviter.map(str::to_string),
            link: token_link(settings, INVITE_PATH, token),
            expiry: Expiry::dated(now, expires_at),
        }
    }
}

/// Self-service signup: a link to choose a password, or (for an address that already has an
/// account) a note saying so, with no link. The browser saw the same page either way.
#[derive(Debug, Clone, Serialize)]
pub struct SignupMail {
    /// `https://<public_base_url>/signup/complete/<token>`; `None` for an existing account.
    pub link: Option<SecretText>,
    /// When the link stops working, in words.
    #[serde(flatten)]
    pub expiry: Expiry,
    /// For an existing account: where to sign in and where to reset.
    pub signin_page: String,
    pub reset_page: String,
}

impl SignupMail {
    /// The context for a signup token issued at `now`.
    pub fn new(
        settings: &Settings,
        token: &TokenSecret,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Self {
        Self {
            link: Some(token_link(settings, SIGNUP_PATH, token)),
            expiry: Expiry::new(now, expires_at),
            signin_page: settings.link("/signin"),
            reset_page: settings.link("/reset"),
        }
    }

    /// The note for an address that already has an account.
    pub fn existing(settings: &Settings) -> Self {
        Self {
            link: None,
            expiry: Expiry::default(),
            signin_page: settings.link("/signin"),
            reset_page: settings.link("/reset"),
        }
    }
}

/// To a tenant's admins: a guest said a reset or password change was not theirs; what was
/// done, and where the audit shows it.
#[derive(Debug, Clone, Serialize)]
pub struct NotMeAlertMail {
    /// The guest's address.
    pub guest: EmailAddress,
    pub tenant_name: String,
    /// "14:35 UTC on Tuesday 3 November 2026".
    pub reported_at: Words,
    /// The console's audit of that guest.
    pub audit_link: String,
}

impl NotMeAlertMail {
    pub fn new(
        settings: &Settings,
        guest: &EmailAddress,
        tenant_name: &str,
        tenant_id: &TenantId,
        reported_at: DateTime<Utc>,
    ) -> Self {
        let mut audit = url::Url::parse(&settings.link("/admin/audit")).expect("a valid base URL");
        audit
            .query_pairs_mut()
            .append_pair("tenant", tenant_id.as_str())
            .append_pair("email", guest.as_str());
        Self {
            guest: guest.clone(),
            tenant_name: tenant_name.to_string(),
            reported_at: Words::DateTime { at: reported_at },
            audit_link: audit.to_string(),
        }
    }
}

/// The kind (and so the templates) of each context.
macro_rules! kinds {
    ($($context:ty => $kind:ident),* $(,)?) => {
        $(impl MailTemplate for $context {
            const KIND: MailKind = MailKind::$kind;
        })*
    };
}

kinds! {
    ResetLinkMail => ResetLink,
    AccountLockedMail => AccountLocked,
    EmailUnverifiedMail => EmailUnverified,
    MethodsNotRegisteredMail => MethodsNotRegistered,
    PasswordChangedMail => PasswordChanged,
    VerifyEmailMail => VerifyEmail,
    InvitationMail => Invitation,
    SignupMail => Signup,
    NotMeAlertMail => NotMeAlert,
}

#[cfg(test)]
mod tests;
