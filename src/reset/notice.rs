//! The "your password was changed" notice, queued by a completed reset (no token in it).

use super::evaluate::utc;
use crate::db::users;
use crate::domain::UserId;
use crate::jobs::{Job, JobError, JobRun};
use crate::mail::PasswordChangedMail;
use crate::services::eligibility;
use crate::services::Services;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// The job: which account, when, and from which client address.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasswordChangedJob {
    pub user_id: UserId,
    pub changed_at: chrono::NaiveDateTime,
    pub ip: Option<IpAddr>,
    /// The language of the request that changed it (docs/languages.md).
    #[serde(default)]
    pub lang: Option<crate::i18n::Lang>,
    /// The browser that changed it, in words. Absent in jobs queued before.
    #[serde(default)]
    pub browser: Option<crate::domain::user_agent::BrowserWords>,
}

impl Job for PasswordChangedJob {
    type Context = Services;
    const KIND: &'static str = "password_changed";

    /// Mails the notice to the account's stored address; nothing if the account is gone.
    async fn run(self, svc: &Services, _: &JobRun) -> Result<(), JobError> {
        let uid = self.user_id.clone();
        let settings = svc.settings.clone();
        // The account and its address's tenant in one trip to the database.
        let found = svc
            .db
            .run(move |c| {
                let Some(user) = users::find_by_id(c, &uid)? else {
                    return Ok(None);
                };
                let tenant = eligibility::address_tenant(c, &settings, &user.email)?;
                Ok(Some((user, tenant)))
            })
            .await?;
        let Some((user, tenant)) = found else {
            return Ok(());
        };
        let gathered = eligibility::of_account(svc, &user, tenant).await;
        let helpdesk = gathered
            .tenant
            .as_ref()
            .and_then(|t| t.helpdesk_url.clone());
        let ip = self.ip.unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let ctx =
            PasswordChangedMail::new(&svc.settings, utc(self.changed_at), ip, helpdesk.as_deref());
        // Not counted against the per-address cap: whoever floods an address with reset
        // requests must not be able to suppress the notice of a real change.
        let not_me = super::not_me::issue(svc, &user.user_id(), &user.tenant_id()).await?;
        let recipient = crate::mail::Recipient {
            browser: self.browser.clone(),
            requested_at: Some(self.changed_at),
            not_me: Some(not_me),
            lang: self.lang,
            ..super::evaluate::recipient(&gathered, &user, self.ip)
        };
        crate::mail::deliver_reserved(&svc.postman(), &recipient, &ctx).await?;
        Ok(())
    }
}
