//! The mail to a tenant's admins after a guest confirmed "this wasn't me" (queued in the
//! transaction that did it, so it is sent at least once).

use super::evaluate::utc;
use crate::db::{not_me_tokens, tenants, users};
use crate::domain::user_agent::BrowserWords;
use crate::domain::{TenantId, UserId};
use crate::jobs::{Job, JobError, JobRun};
use crate::mail::{NotMeAlertMail, Recipient};
use crate::services::Services;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotMeAlertJob {
    pub user_id: UserId,
    pub tenant_id: TenantId,
    pub reported_at: chrono::NaiveDateTime,
    pub ip: Option<IpAddr>,
    #[serde(default)]
    pub browser: Option<BrowserWords>,
}

impl Job for NotMeAlertJob {
    type Context = Services;
    const KIND: &'static str = "not_me_alert";

    /// Mails every enabled admin of the tenant (each counted against its address's cap).
    async fn run(self, svc: &Services, _: &JobRun) -> Result<(), JobError> {
        let (uid, tid) = (self.user_id.clone(), self.tenant_id.clone());
        let (user, tenant, admins) = svc
            .db
            .run(move |c| {
                Ok::<_, crate::db::DbError>((
                    users::find_by_id(c, &uid)?,
                    tenants::find_by_id(c, &tid)?,
                    not_me_tokens::tenant_admin_addresses(c, &tid)?,
                ))
            })
            .await?;
        let (Some(user), Some(tenant)) = (user, tenant) else {
            return Ok(());
        };
        let ctx = NotMeAlertMail::new(
            &svc.settings,
            &user.email,
            &tenant.name,
            &tenant.id,
            utc(self.reported_at),
        );
        for to in admins {
            let recipient = Recipient {
                tenant_id: Some(self.tenant_id.clone()),
                ip: self.ip,
                browser: self.browser.clone(),
                requested_at: Some(self.reported_at),
                about_account: Some(user.email.clone()),
                ..Recipient::new(to)
            };
            crate::mail::deliver(&svc.postman(), &recipient, &ctx).await?;
        }
        Ok(())
    }
}
