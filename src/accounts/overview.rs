//! What `/account` shows a signed-in guest: who they are, their reset methods, and whether
//! their organisation's policy allows a self-service reset now (gather → decide).

use super::User;
use crate::db::models::Tenant;
use crate::db::{tenants, DbError};
use crate::domain::TenantKind;
use crate::i18n::Lang;
use crate::policy::DenyReason;
use crate::services::eligibility;
use crate::services::Services;
use serde::Serialize;

/// The account page's content.
#[derive(Debug, Serialize)]
pub struct Overview {
    pub email: String,
    pub display_name: Option<String>,
    pub tenant_name: String,
    /// Who administers the organisation, in words.
    pub tenant_kind: String,
    pub verified: bool,
    pub totp: bool,
    pub reset_allowed: bool,
    /// Why not, in words for the guest.
    pub reset_note: Option<String>,
    /// The reference to quote to a helpdesk, for domain-level reasons.
    pub reference: Option<String>,
    pub helpdesk_url: Option<String>,
    /// The tenant requires an authenticator app and none is set up.
    pub needs_totp: bool,
    /// The address's domain, named where the page offers to manage it.
    pub domain: String,
    /// Nobody administers the organisation yet and it is not a personal-mail bucket: the page
    /// may offer to take it over (`/account/organisation`), with what that changes.
    pub manageable: bool,
}

fn describe_tenant(lang: Lang, t: Option<&Tenant>) -> String {
    match t {
        Some(t) if t.is_consumer => lang.t("account-kind-consumer"),
        Some(t) if t.kind() == TenantKind::Managed => lang.t("account-kind-managed"),
        Some(_) => lang.t("account-kind-unmanaged"),
        None => lang.t("account-kind-unknown"),
    }
}

/// The overview of `user`, with the reset policy as it stands now, its sentences in `lang`.
pub async fn overview(svc: &Services, user: &User, lang: Lang) -> Result<Overview, DbError> {
    let tid = user.tenant_id();
    let tenant = svc.db.run(move |c| tenants::find_by_id(c, &tid)).await?;
    let decision = eligibility::gather_for(svc, &user.email).await?.decide();
    let reason = decision.deny_reason().copied();
    let reset_allowed = decision.is_allow();
    // Domain-level reasons are public and have a guest sentence; the account-level ones are
    // worded for the mailbox, so the signed-in guest gets a sentence written for this page.
    let reset_note = match reason {
        _ if reset_allowed => None,
        Some(r) if r.browser_visible() => Some(crate::i18n::messages::deny_sentence(lang, &r)),
        Some(DenyReason::EmailUnverified) => Some(lang.t("account-note-unverified")),
        Some(DenyReason::MethodsNotRegistered) => Some(lang.t("account-note-needs-totp")),
        _ => Some(lang.t("account-note-unavailable")),
    };
    Ok(Overview {
        email: user.email.to_string(),
        display_name: user.display_name.clone(),
        tenant_name: tenant.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
        tenant_kind: describe_tenant(lang, tenant.as_ref()),
        verified: user.verified_at.is_some(),
        totp: user.totp_secret.is_some(),
        reset_allowed,
        reset_note,
        reference: reason
            .filter(DenyReason::browser_visible)
            .map(|r| r.reference()),
        helpdesk_url: tenant.as_ref().and_then(|t| t.helpdesk_url.clone()),
        needs_totp: matches!(reason, Some(DenyReason::MethodsNotRegistered)),
        domain: user.email.domain().to_string(),
        manageable: tenant
            .as_ref()
            .is_some_and(|t| !t.is_consumer && t.kind() == TenantKind::Unmanaged),
    })
}
