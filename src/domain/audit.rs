//! The names of the audit trail: every event the service writes and the outcomes it records.
//!
//! Writers take an [`Event`], never a string, so an event the console cannot offer in its filter
//! cannot be written; the console, the CSV export and the insights read the same list.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

macro_rules! events {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $outcome:expr, $describe:literal; )*) => {
        /// One kind of audit event. Its [`name`](Event::name) is what the `event` column holds.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Event {
            $( $(#[$doc])* $variant, )*
        }

        impl Event {
            /// Every event, in the order the console offers them.
            pub const ALL: &'static [Event] = &[$(Event::$variant),*];

            /// The stable snake_case name stored in the `event` column.
            pub fn name(self) -> &'static str {
                match self {
                    $(Event::$variant => $name,)*
                }
            }

            /// The outcome this event always has, if it has one (`None` when it varies, as
            /// for `reset_requested`, allowed or denied).
            pub fn default_outcome(self) -> Option<Outcome> {
                match self {
                    $(Event::$variant => $outcome,)*
                }
            }

            /// A short description for the console.
            pub fn describe(self) -> &'static str {
                match self {
                    $(Event::$variant => $describe,)*
                }
            }
        }
    };
}

use Outcome::{Alert, Denied, Failure, Success};

events! {
    // ---- the reset flow ----
    /// A guest asked for a reset; the policy allowed or denied it.
    ResetRequested = "reset_requested", None, "reset requested (allowed or denied by the policy)";
    /// Written by versions in which asking too often locked an account; asking for a reset no
    /// longer locks anything (docs/security.md#30). Kept so that older rows are still offered.
    AccountLocked = "account_locked", Some(Denied), "account locked after too many requests";
    /// A tenant's reset requests exceeded the burst threshold.
    TenantResetBurst = "tenant_reset_burst", Some(Alert), "unusual burst of resets for a tenant";
    /// A mail was handed to the transport.
    MailSent = "mail_sent", Some(Success), "mail sent";
    /// A mail could not be sent (temporary failure).
    MailFailed = "mail_failed", Some(Failure), "mail could not be sent";
    /// A mail was refused permanently; the address is marked bounced.
    MailBounced = "mail_bounced", Some(Failure), "mail bounced (address marked undeliverable)";
    /// The relay refused a mail for a reason that is not the recipient's (policy, relaying,
    /// quota, size): retried, nobody marked; an operator should look.
    MailRefused = "mail_refused", Some(Alert), "mail refused by the relay (policy, quota, size): retried, address not marked";
    /// A delivery status report (`POST /api/v1/bounces`) was read: how many recipients it
    /// marked bounced (each also a `mail_bounced` row) and how many it ignored.
    BounceReportReceived = "bounce_report_received", None, "bounce report received (late delivery status notification)";
    /// A mail was not sent: the per-address cap was reached.
    MailSuppressed = "mail_suppressed", Some(Denied), "mail not sent (per-address cap)";
    /// A reset link was opened.
    LinkOpened = "link_opened", Some(Success), "reset link opened";
    /// A reset code was accepted.
    CodeAccepted = "code_accepted", Some(Success), "reset code accepted";
    /// A wrong reset code was typed.
    CodeFailed = "code_failed", Some(Failure), "wrong reset code";
    /// A reset code was refused without comparing it: the flow's tries are spent.
    CodeRefused = "code_refused", Some(Denied), "reset code refused (tries spent)";
    /// A reset link that is malformed, unknown, used, expired or revoked.
    TokenInvalid = "token_invalid", Some(Failure), "invalid reset link";
    /// A used reset token was presented again.
    TokenReused = "token_reused", Some(Failure), "reset token presented again";
    /// A TOTP code was accepted during a reset.
    TotpVerified = "totp_verified", Some(Success), "TOTP code accepted during a reset";
    /// A wrong TOTP code was typed during a reset.
    TotpFailed = "totp_failed", None, "wrong TOTP code during a reset";
    /// A TOTP code was refused without comparing it: the token's tries are spent.
    TotpRefused = "totp_refused", Some(Denied), "TOTP code refused (tries spent)";
    /// A step of the reset was skipped (a forged or stale form).
    StepSkipped = "step_skipped", Some(Denied), "reset step skipped";
    /// The policy, asked again at redemption, refused.
    ResetDeniedAtRedemption = "reset_denied_at_redemption", Some(Denied), "reset refused at redemption";
    /// A new password was set.
    ResetCompleted = "reset_completed", Some(Success), "password reset completed";
    /// A guest followed a "this wasn't me" link and confirmed: every session ended, every reset
    /// link and code revoked, the tenant's admins told (detail: `admins_notified` or
    /// `audit_only`).
    NotMeReported = "not_me_reported", Some(Alert), "guest reported a reset or password change that was not theirs";
    /// A "this wasn't me" link that is unknown, used or expired.
    NotMeInvalid = "not_me_invalid", Some(Failure), "invalid \"this wasn't me\" link";
    /// A client was rate limited.
    RateLimited = "rate_limited", Some(Denied), "rate limited";
    /// Two or more directory entries share the address asked for: the account is unknown.
    DirectoryAmbiguous = "directory_ambiguous", Some(Denied), "several directory entries share an address";
    /// The directory refused a new password (its own password policy).
    PasswordRejected = "password_rejected", Some(Failure), "the directory refused the new password";
    /// A background job failed for good.
    JobFailed = "job_failed", Some(Failure), "background job failed";
    // ---- guests ----
    /// A guest signed in (or failed to).
    SignIn = "signin", None, "guest sign-in";
    /// A guest signed out.
    SignOut = "signout", Some(Success), "guest sign-out";
    /// A guest followed (or failed to follow) an address verification link.
    EmailVerification = "email_verification", None, "address verification link followed";
    /// A guest's address was verified.
    EmailVerified = "email_verified", Some(Success), "address verified";
    /// A guest enrolled an authenticator (or failed to).
    TotpEnrolled = "totp_enrolled", None, "authenticator enrolled";
    /// A guest removed their authenticator (or failed to).
    TotpRemoved = "totp_removed", None, "authenticator removed";
    /// A guest stored their language: on the account page, or at sign-in from the language
    /// switch's choice when they had none (docs/languages.md).
    LanguageChosen = "language_chosen", Some(Success), "guest's language stored";
    /// A guest asked to sign up.
    SignupRequested = "signup_requested", Some(Success), "sign-up requested";
    /// A guest completed sign-up.
    SignupCompleted = "signup_completed", Some(Success), "sign-up completed";
    /// A guest accepted an invitation.
    InvitationRedeemed = "invitation_redeemed", Some(Success), "invitation accepted";
    /// A guest started taking over their organisation's domain.
    TenantTakeoverStarted = "tenant_takeover_started", Some(Success), "domain takeover started";
    /// A domain takeover check failed.
    TenantTakeoverFailed = "tenant_takeover_failed", Some(Failure), "domain takeover check failed";
    /// A domain takeover was verified; the tenant is now managed.
    TenantTakeoverVerified = "tenant_takeover_verified", Some(Success), "domain takeover verified";
    // ---- admins ----
    /// An admin completed their account set-up.
    AdminSetupCompleted = "admin_setup_completed", Some(Success), "admin set-up completed";
    /// An admin signed in.
    AdminSignedIn = "admin_signed_in", Some(Success), "admin signed in";
    /// An admin sign-in failed (password, lock, disabled).
    AdminSignInFailed = "admin_sign_in_failed", Some(Failure), "admin sign-in failed";
    /// An admin typed a wrong TOTP code at sign-in.
    AdminTotpFailed = "admin_totp_failed", Some(Failure), "admin TOTP code failed";
    /// An admin signed out of one session.
    AdminSignedOut = "admin_signed_out", Some(Success), "admin signed out";
    /// An admin signed out of every session.
    AdminSignedOutEverywhere = "admin_signed_out_everywhere", Some(Success), "admin signed out everywhere";
    /// An admin listed the audit.
    AdminViewedAudit = "admin_viewed_audit", Some(Success), "admin viewed the audit";
    /// An admin opened one audit event.
    AdminViewedEvent = "admin_viewed_event", Some(Success), "admin viewed an audit event";
    /// An admin exported the audit as CSV.
    AdminExportedAudit = "admin_exported_audit", Some(Success), "admin exported the audit";
    /// An admin listed guests.
    AdminViewedGuests = "admin_viewed_guests", Some(Success), "admin listed guests";
    /// An admin opened a guest's page.
    AdminViewedGuest = "admin_viewed_guest", Some(Success), "admin viewed a guest";
    /// An admin opened the insights.
    AdminViewedInsights = "admin_viewed_insights", Some(Success), "admin viewed insights";
    /// The helpdesk issued a reset link for a guest (or was refused).
    HelpdeskResetLinkIssued = "helpdesk_reset_link_issued", None, "helpdesk issued a reset link";
    /// The helpdesk removed a guest's authenticator.
    HelpdeskTotpReset = "helpdesk_totp_reset", Some(Success), "helpdesk reset a guest's TOTP";
    /// The helpdesk cleared a guest's lock.
    HelpdeskLockoutCleared = "helpdesk_lockout_cleared", Some(Success), "helpdesk cleared a lockout";
    /// The helpdesk marked a guest's address bounced.
    HelpdeskMarkedBounced = "helpdesk_marked_bounced", Some(Success), "helpdesk marked an address bounced";
    /// The helpdesk marked a guest's address deliverable again.
    HelpdeskMarkedDeliverable = "helpdesk_marked_deliverable", Some(Success), "helpdesk marked an address deliverable";
    /// An admin changed tenant settings.
    TenantUpdated = "tenant_updated", Some(Success), "tenant settings changed";
    /// An admin changed a tenant's banned password words (detail: before and after).
    TenantBannedWordsUpdated = "tenant_banned_words_updated", Some(Success), "tenant banned password words changed";
    /// A tenant settings change was refused.
    TenantUpdateRefused = "tenant_update_refused", Some(Denied), "tenant settings change refused";
    /// An admin uploaded a CSV of invitations.
    InvitationsUploaded = "invitations_uploaded", Some(Success), "invitations uploaded";
    /// An invitation was created (console, API or CLI).
    InvitationCreated = "invitation_created", Some(Success), "invitation created";
    /// An API key was created.
    ApiKeyCreated = "api_key_created", Some(Success), "API key created";
    /// An API key was revoked.
    ApiKeyRevoked = "api_key_revoked", Some(Success), "API key revoked";
    /// An admin was disabled (sign-in refused, sessions ended); detail names the target.
    AdminDisabled = "admin_disabled", Some(Success), "admin disabled";
    /// A disabled admin was enabled again.
    AdminEnabled = "admin_enabled", Some(Success), "admin enabled";
    /// An admin's set-up was started again: a new one-time link, the password and authenticator
    /// removed, sessions ended.
    AdminSetupReissued = "admin_setup_reissued", Some(Success), "admin set-up link re-issued";
    /// A change to an admin was refused (themselves, or the last enabled platform admin).
    AdminChangeRefused = "admin_change_refused", Some(Denied), "admin change refused";
    // ---- operators and the system ----
    /// A tenant was created (by an operator, or by sign-up for a new domain).
    TenantCreated = "tenant_created", Some(Success), "tenant created";
    /// An operator changed a tenant's plan.
    TenantPlanChanged = "tenant_plan_changed", Some(Success), "tenant plan changed";
    /// An operator created a guest account.
    UserCreated = "user_created", Some(Success), "guest account created by an operator";
    /// An operator created an admin.
    AdminCreated = "admin_created", Some(Success), "admin created";
    /// The demo directory was created.
    DemoCreated = "demo_created", Some(Success), "demo directory created";
    /// A webhook delivery gave up (a day of failed attempts, or its webhook was removed).
    WebhookDeliveryFailed = "webhook_delivery_failed", Some(Failure), "webhook delivery failed for good";
    /// A platform admin sent a test event to a webhook.
    WebhookTestSent = "webhook_test_sent", Some(Success), "webhook test event sent";
    /// The retention sweep (or `latchkey purge`) deleted what the settings no longer keep
    /// (detail: rows per kind).
    RetentionSwept = "retention_swept", Some(Success), "old records deleted by retention";
    /// A guest account was disabled (policy rule 4 then denies resets; sessions end).
    UserDisabled = "user_disabled", Some(Success), "guest account disabled";
    /// A disabled guest account was enabled again.
    UserEnabled = "user_enabled", Some(Success), "guest account enabled";
    /// A guest account and its personal data were deleted; the audit keeps a pseudonym.
    UserDeleted = "user_deleted", Some(Success), "guest account deleted";
    /// A domain was added to a tenant.
    TenantDomainAdded = "tenant_domain_added", Some(Success), "domain added to a tenant";
    /// A domain was removed from a tenant.
    TenantDomainRemoved = "tenant_domain_removed", Some(Success), "domain removed from a tenant";
}

impl Event {
    /// The event named `name`, if the enum knows it.
    pub fn from_name(name: &str) -> Option<Event> {
        Self::ALL.iter().copied().find(|e| e.name() == name)
    }

    /// The console's own page views: an admin reading the audit, a guest or the insights.
    /// Audited (docs/security.md#36) but noise in an investigation, so the audit list hides
    /// them unless asked.
    pub const PAGE_VIEWS: &'static [Event] = &[
        Event::AdminViewedAudit,
        Event::AdminViewedEvent,
        Event::AdminViewedGuests,
        Event::AdminViewedGuest,
        Event::AdminViewedInsights,
    ];

    /// Whether this event is one of [`Event::PAGE_VIEWS`].
    pub fn is_page_view(self) -> bool {
        Self::PAGE_VIEWS.contains(&self)
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Event {
    type Err = UnknownEvent;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_name(s).ok_or(UnknownEvent)
    }
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// A name no [`Event`] has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownEvent;

impl fmt::Display for UnknownEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown audit event")
    }
}

impl std::error::Error for UnknownEvent {}

/// What came of an event, stored in the `outcome` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
    /// The policy or a limit refused.
    Denied,
    /// The policy let a reset proceed.
    Allowed,
    /// Something an operator should look at.
    Alert,
}

impl Outcome {
    /// Every outcome.
    pub const ALL: &'static [Outcome] = &[
        Self::Success,
        Self::Failure,
        Self::Denied,
        Self::Allowed,
        Self::Alert,
    ];

    /// The stable name stored in the `outcome` column.
    pub fn name(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Denied => "denied",
            Self::Allowed => "allowed",
            Self::Alert => "alert",
        }
    }
}

impl FromStr for Outcome {
    type Err = UnknownOutcome;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|o| o.name() == s)
            .ok_or(UnknownOutcome)
    }
}

/// A name no [`Outcome`] has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownOutcome;

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_snake_case_and_round_trip() {
        let mut seen = HashSet::new();
        for &e in Event::ALL {
            let name = e.name();
            assert!(seen.insert(name), "{name} twice");
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{name}"
            );
            assert_eq!(name.parse::<Event>(), Ok(e));
            assert!(!e.describe().is_empty());
        }
        assert_eq!("no_such_event".parse::<Event>(), Err(UnknownEvent));
    }
}
