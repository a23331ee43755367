//! Self-service signup (`/signup` → an emailed link → `/signup/complete/{token}`) and the mail
//! that verifies an invited address after a `CcEmail` redemption. The account itself is created
//! by [`super::accounts`], the same way an invitation creates one.

use super::accounts::{
    live_link, set_password_and_create, utc, AccountOutcome, NewAccount, PendingAccount,
    SIGNUP_PURPOSE, VERIFY_PURPOSE,
};
use crate::db::audit::{self, NewAuditEvent};
use crate::db::email_verifications::{self, EmailVerification};
use crate::db::{users, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::domain::{EmailAddress, UserId};
use crate::jobs::{self, Job, JobError, JobRun};
use crate::mail::{self, MailTemplate, Recipient, SignupMail, VerifyEmailMail};
use crate::services::Services;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// What the signup job needs (no secret: the job issues the token).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignupJob {
    pub email: EmailAddress,
    pub ip: Option<IpAddr>,
    /// The language of the signup page: the mail's (docs/languages.md).
    #[serde(default)]
    pub lang: Option<crate::i18n::Lang>,
}

impl Job for SignupJob {
    type Context = Services;
    const KIND: &'static str = "signup_request";

    async fn run(self, svc: &Services, _: &JobRun) -> Result<(), JobError> {
        send_signup(svc, &self).await
    }
}

/// `POST /signup`: queues the mail and returns. The same work is done whether or not the address
/// has an account, so the reply says nothing about accounts (docs/security.md#11).
pub async fn request_signup(
    svc: &Services,
    email: &EmailAddress,
    ip: Option<IpAddr>,
    lang: Option<crate::i18n::Lang>,
) -> Result<(), DbError> {
    let job = SignupJob {
        email: email.clone(),
        ip,
        lang,
    };
    let (now, max_attempts) = (svc.now(), svc.settings.jobs.max_attempts);
    svc.db
        .run(move |c| jobs::enqueue(c, &job, now, max_attempts).map(|_| ()))
        .await?;
    svc.jobs_wakeup.notify_one();
    Ok(())
}

/// The signup job: for a new address, a link to `/signup/complete/{token}`; for an address
/// with an account, a note saying so (no link). Nothing for an undeliverable address, and at most
/// the per-address mail cap (docs/security.md#28, applied by [`mail::deliver`]).
pub async fn send_signup(svc: &Services, job: &SignupJob) -> Result<(), JobError> {
    let email = job.email.clone();
    let now = svc.now();
    let lookup = email.clone();
    let user = svc
        .db
        .run(move |c| users::find_by_email(c, &lookup))
        .await?;
    // With a directory, an entry Latchkey has not seen yet is an account too.
    let in_directory = match svc.directory.ldap() {
        Some(ldap) if user.is_none() => !matches!(
            ldap.lookup(email.as_str())
                .await
                .map_err(crate::directory::accounts::outage)?,
            crate::directory::Lookup::NotFound
        ),
        _ => false,
    };
    let verdict = svc
        .deliverability
        .check(
            &email,
            user.as_ref().is_some_and(|u| u.bounced_at.is_some()),
        )
        .await;
    let mut e = NewAuditEvent::new(now, "guest", Event::SignupRequested, Outcome::Success);
    e.email = Some(email.to_string());
    e.ip = job.ip.map(|i| i.to_string());
    e.user_id = user.as_ref().map(|u| u.user_id());
    e.tenant_id = user.as_ref().map(|u| u.tenant_id());
    if matches!(verdict, crate::policy::EmailVerdict::Undeliverable(_)) {
        e.set_outcome(Outcome::Denied);
        e.reason = Some("email_undeliverable".into());
        svc.db.run(move |c| audit::insert(c, &e)).await?;
        return Ok(());
    }
    let ctx = if user.is_some() || in_directory {
        e.reason = Some("existing_account".into());
        SignupMail::existing(&svc.settings)
    } else {
        let (token, expires_at) =
            crate::accounts::verification::issue_link(svc, &email, None, SIGNUP_PURPOSE, now)
                .await?;
        SignupMail::new(&svc.settings, &token, utc(now), utc(expires_at))
    };
    svc.db.run(move |c| audit::insert(c, &e)).await?;
    send_mail(svc, &email, &ctx, None, job.lang).await
}

/// Mails `ctx` to `to` through the one delivery path (cap, bounce marking, audit); transient
/// failures are retried by the worker.
async fn send_mail<C: MailTemplate>(
    svc: &Services,
    to: &EmailAddress,
    ctx: &C,
    user_id: Option<UserId>,
    lang: Option<crate::i18n::Lang>,
) -> Result<(), JobError> {
    let recipient = Recipient {
        user_id,
        lang,
        ..Recipient::new(to.clone())
    };
    mail::deliver(&svc.postman(), &recipient, ctx).await?;
    Ok(())
}

/// The live signup link a presented token belongs to.
async fn live_signup(
    svc: &Services,
    presented: &str,
) -> Result<Option<(EmailVerification, EmailAddress, Option<String>)>, DbError> {
    live_link(
        svc,
        presented,
        |c, hash, now| {
            Ok(email_verifications::find_live(c, hash, now)?
                .filter(|r| r.purpose == SIGNUP_PURPOSE))
        },
        |row| &row.email,
    )
    .await
}

/// `GET /signup/complete/{token}`: what the set-password page shows, if the link is live.
pub async fn open_signup(
    svc: &Services,
    presented: &str,
) -> Result<Option<PendingAccount>, DbError> {
    Ok(live_signup(svc, presented)
        .await?
        .map(|(_, email, organisation)| PendingAccount::new(&svc.settings, &email, organisation)))
}

/// `POST /signup/complete/{token}`: sets the password and creates the verified account.
pub async fn complete_signup(
    svc: &Services,
    presented: &str,
    password: &str,
    confirm: &str,
    ip: Option<IpAddr>,
) -> Result<AccountOutcome, DbError> {
    let Some((row, email, organisation)) = live_signup(svc, presented).await? else {
        return Ok(AccountOutcome::Invalid);
    };
    let pending = PendingAccount::new(&svc.settings, &email, organisation);
    let new = NewAccount {
        email,
        display_name: None,
        verified: true,
        event: Event::SignupCompleted,
        detail: serde_json::json!({}),
        ip,
    };
    let now = svc.now();
    set_password_and_create(svc, pending, new, password, confirm, move |c, _uid| {
        email_verifications::redeem(c, &row, now)
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Verifying the invited address after a CcEmail redemption

/// What the verification job needs (no secret).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VerifyEmailJob {
    pub user_id: UserId,
}

impl Job for VerifyEmailJob {
    type Context = Services;
    const KIND: &'static str = "verify_email";

    async fn run(self, svc: &Services, _: &JobRun) -> Result<(), JobError> {
        send_verification(svc, &self).await
    }
}

/// The job: a `/verify/{token}` link to the user's stored address, unless it is verified already.
pub async fn send_verification(svc: &Services, job: &VerifyEmailJob) -> Result<(), JobError> {
    let uid = job.user_id.clone();
    let Some(user) = svc.db.run(move |c| users::find_by_id(c, &uid)).await? else {
        return Ok(());
    };
    if user.verified_at.is_some() {
        return Ok(());
    }
    let now = svc.now();
    let (token, expires_at) = crate::accounts::verification::issue_link(
        svc,
        &user.email,
        Some(user.user_id()),
        VERIFY_PURPOSE,
        now,
    )
    .await?;
    let ctx = VerifyEmailMail::new(&svc.settings, &token, utc(now), utc(expires_at));
    send_mail(svc, &user.email, &ctx, Some(user.user_id()), None).await
}
