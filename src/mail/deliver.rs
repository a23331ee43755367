//! The one delivery path for every mail the service sends (reset links and notices, invitations,
//! signup and verification links): render, the per-address mail cap, the send, bounce marking,
//! and the `mail_*` audit row.
//!
//! | outcome                         | audit                                   | job            |
//! |---------------------------------|-----------------------------------------|----------------|
//! | sent                            | `mail_sent` / success                   | done           |
//! | over the per-address cap        | `mail_suppressed` / denied, `address_mail_cap`, not sent | done |
//! | the recipient refused (5.1.x, bare 550/553) | `mail_bounced` / failure; the address's account marked bounced (policy rule 6) and its reset tokens revoked ([`super::bounce::record_bounce`], as for a bounce that arrives later) | done |
//! | the relay refused (policy, relay, quota, size: 5.7/5.3/5.4/…, 552, 554) | `mail_refused` / alert; nobody is marked | retried |
//! | temporary failure               | `mail_failed` / failure                 | retried        |
//!
//! Which refusal is which: [`super::reply`] (docs/security.md#41). With `mail.bounce_domain`
//! set, each mail's envelope sender is its own VERP return path ([`super::bounce`]).

use super::bounce;
use super::{helpdesk_reply_to, render_with, Cause, Envelope, MailTemplate, Mailer, SendError};
use crate::db::audit::{self, NewAuditEvent};
use crate::db::mail_envelopes::MailEnvelope;
use crate::db::{languages, tenant_branding, tenants, Db};
use crate::domain::audit::{Event, Outcome};
use crate::domain::branding::Branding;
use crate::domain::user_agent::BrowserWords;
use crate::domain::{EmailAddress, TenantId, UserId};
use crate::i18n::Lang;
use crate::jobs::JobError;
use crate::ratelimit::persistent::PersistentLimits;
use crate::security::TokenSecret;
use crate::services::clock::SharedClock;
use crate::services::templates::Templates;
use serde_json::{Map, Value};
use std::net::IpAddr;

/// What delivering needs: storage (audit, bounce marks), templates, the transport, the
/// per-address cap and the clock.
#[derive(Clone, Copy)]
pub struct Postman<'a> {
    pub db: &'a Db,
    pub templates: &'a Templates,
    pub mailer: &'a Mailer,
    pub limits: &'a PersistentLimits,
    pub clock: &'a SharedClock,
    /// Branding and `public_base_url` (logo and "this wasn't me" links).
    pub settings: &'a crate::config::Settings,
}

/// Who a mail goes to, and what its audit rows say about it.
#[derive(Debug, Clone)]
pub struct Recipient {
    /// The one recipient: an address as stored, never one typed into a form
    /// (docs/security.md#15).
    pub to: EmailAddress,
    /// The account the mail is about, if any (audited; the one marked when the mail bounces;
    /// when `None` a bounce marks the account whose address `to` is, if there is one).
    pub user_id: Option<UserId>,
    pub tenant_id: Option<TenantId>,
    /// The client address of the request that caused the mail.
    pub ip: Option<IpAddr>,
    /// Extra fields of the audit `detail` beside `kind` and `message_id`.
    pub detail: Map<String, Value>,
    /// The language of the request that caused the mail: used when neither the account nor
    /// its tenant has one ([`mail_language`]).
    pub lang: Option<Lang>,
    /// The browser of the request that caused the mail, when known (the mail names it).
    pub browser: Option<BrowserWords>,
    /// When that request was made (the mail says so; the send time when `None`).
    pub requested_at: Option<chrono::NaiveDateTime>,
    /// The account the mail is about when it is not the recipient's (an alert to admins).
    pub about_account: Option<EmailAddress>,
    /// A "this wasn't me" token to link from the mail (reset mail, password-changed notice).
    pub not_me: Option<TokenSecret>,
}

impl Recipient {
    pub fn new(to: EmailAddress) -> Self {
        Self {
            to,
            user_id: None,
            tenant_id: None,
            ip: None,
            detail: Map::new(),
            lang: None,
            browser: None,
            requested_at: None,
            about_account: None,
            not_me: None,
        }
    }
}

/// What became of a mail that did not fail temporarily.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Over the per-address cap: not sent.
    Suppressed,
    /// Permanently rejected: the address is marked bounced.
    Bounced,
}

/// Renders `ctx` for `recipient` and sends it, unless the address is over its mail cap
/// (docs/security.md#28). A temporary send failure is a [`JobError::Transient`] (the job is
/// retried with backoff); a rendering error is permanent.
pub async fn deliver<C: MailTemplate>(
    postman: &Postman<'_>,
    recipient: &Recipient,
    ctx: &C,
) -> Result<Delivery, JobError> {
    if !reserve::<C>(postman, recipient).await? {
        return Ok(Delivery::Suppressed);
    }
    deliver_reserved(postman, recipient, ctx).await
}

/// Counts one mail of kind `C` against the recipient's per-address cap (at most N an hour and a
/// day; what the guest sees is the same either way). Over the cap it audits `mail_suppressed`
/// and answers `false`: the caller then sends nothing **and changes nothing** (a reset request
/// past the cap issues no token that would supersede the guest's live link).
pub async fn reserve<C: MailTemplate>(
    postman: &Postman<'_>,
    recipient: &Recipient,
) -> Result<bool, JobError> {
    if postman.limits.mail_allowed(&recipient.to).await? {
        return Ok(true);
    }
    let now = postman.clock.now_naive();
    let mut detail = recipient.detail.clone();
    detail.insert("kind".into(), C::KIND.as_str().into());
    let mut e = audit_row(now, recipient, Event::MailSuppressed, Outcome::Denied);
    e.reason = Some("address_mail_cap".into());
    e.detail = Some(Value::Object(detail).to_string());
    postman
        .db
        .run_grouped(move |c| audit::insert(c, &e))
        .await?;
    Ok(false)
}

fn audit_row(
    now: chrono::NaiveDateTime,
    recipient: &Recipient,
    event: Event,
    outcome: Outcome,
) -> NewAuditEvent {
    let mut e = NewAuditEvent::new(now, "system", event, outcome);
    e.ip = recipient.ip.map(|i| i.to_string());
    e.tenant_id = recipient.tenant_id.clone();
    e.user_id = recipient.user_id.clone();
    e.email = Some(recipient.to.to_string());
    e
}

/// What the database says about a mail's recipient, read in one round trip: the account's own
/// language, its tenant's default, the tenant's helpdesk and branding overrides.
#[derive(Default)]
struct Stored {
    own_language: Option<String>,
    tenant_language: Option<String>,
    helpdesk_url: Option<String>,
    branding: crate::domain::branding::BrandingOverrides,
}

async fn stored_facts(postman: &Postman<'_>, recipient: &Recipient) -> Result<Stored, JobError> {
    let (user, tenant) = (recipient.user_id.clone(), recipient.tenant_id.clone());
    if user.is_none() && tenant.is_none() {
        return Ok(Stored::default());
    }
    Ok(postman
        .db
        .run(move |c| {
            let (own_language, mut tenant_language) = match &user {
                Some(user) => languages::of_user(c, user)?,
                None => (None, None),
            };
            let mut stored = Stored {
                own_language,
                ..Stored::default()
            };
            if let Some(tenant_id) = &tenant {
                if user.is_none() {
                    tenant_language = languages::tenant_default(c, tenant_id)?;
                }
                stored.helpdesk_url =
                    tenants::find_by_id(c, tenant_id)?.and_then(|t| t.helpdesk_url);
                stored.branding = tenant_branding::find(c, tenant_id)?;
            }
            stored.tenant_language = tenant_language;
            Ok::<_, crate::db::DbError>(stored)
        })
        .await?)
}

/// The language of a mail (docs/languages.md): the account's own choice, else its tenant's
/// default, else the language of the request that caused it, else English.
fn mail_language(stored: &Stored, recipient: &Recipient) -> Lang {
    Lang::parse_opt(stored.own_language.as_deref())
        .or_else(|| Lang::parse_opt(stored.tenant_language.as_deref()))
        .or(recipient.lang)
        .unwrap_or_default()
}

/// The branding in force for the recipient's tenant (its overrides over `[branding]`) and
/// `Reply-To:` when the tenant's helpdesk is a `mailto:` link: replies reach the people who
/// can help, not the unattended sender address.
fn tenant_facts(postman: &Postman<'_>, stored: &Stored) -> (Branding, Option<EmailAddress>) {
    let reply_to = stored.helpdesk_url.as_deref().and_then(helpdesk_reply_to);
    (postman.settings.branding.with(&stored.branding), reply_to)
}

/// Sends a mail already counted by [`reserve`]: renders, sends, marks a bounce, audits.
pub async fn deliver_reserved<C: MailTemplate>(
    postman: &Postman<'_>,
    recipient: &Recipient,
    ctx: &C,
) -> Result<Delivery, JobError> {
    let to = &recipient.to;
    let stored = stored_facts(postman, recipient).await?;
    let lang = mail_language(&stored, recipient);
    let now = postman.clock.now_naive();
    let (brand, reply_to) = tenant_facts(postman, &stored);
    let cause = Cause {
        ip: recipient.ip,
        browser: recipient.browser.clone(),
        at: recipient.requested_at,
    };
    let envelope = Envelope::new(
        postman.settings,
        &brand,
        recipient.about_account.as_ref().unwrap_or(to).as_str(),
        &cause,
        now,
        recipient.not_me.as_ref(),
    );
    let mut msg = render_with(postman.templates, to, ctx, &envelope, lang)
        .map_err(|e| JobError::Permanent(format!("render: {e}")))?;
    msg.reply_to = reply_to;
    let kind = C::KIND.as_str();
    if let Some(domain) = postman.mailer.bounce_domain() {
        // Stored before the send: a bounce may come back before this job is done.
        let id = bounce::new_return_path_id();
        let row = MailEnvelope {
            id_hash: bounce::hash_return_path_id(&id),
            message_id: msg.id.to_string(),
            kind: kind.to_string(),
            email: to.clone(),
            user_id: recipient.user_id.clone(),
            tenant_id: recipient.tenant_id.clone(),
            created_at: now,
            bounced_at: None,
        };
        postman
            .db
            .run_grouped(move |c| bounce::remember(c, &row))
            .await?;
        msg.return_path = Some(bounce::return_path(&id, domain));
    }
    let mut detail = recipient.detail.clone();
    detail.insert("kind".into(), kind.into());
    let mut e = audit_row(now, recipient, Event::MailSent, Outcome::Success);
    let result = postman.mailer.send(&msg).await;
    detail.insert("message_id".into(), msg.id.to_string().into());
    e.detail = Some(Value::Object(detail).to_string());
    // Logs carry the message id and the account id, never the address (docs/security.md#13).
    let user = recipient.user_id.as_ref().map(|u| u.to_string());
    match result {
        Ok(()) => {
            postman
                .db
                .run_grouped(move |c| audit::insert(c, &e))
                .await?;
            Ok(Delivery::Sent)
        }
        Err(SendError::Permanent(why)) => {
            tracing::warn!(kind, message_id = %msg.id, user_id = ?user, "mail permanently rejected; marking the address bounced");
            e.set_event(Event::MailBounced, Outcome::Failure);
            e.reason = Some(why.clone());
            let (known, to) = (recipient.user_id.clone(), to.clone());
            postman
                .db
                .run(move |c| bounce::record_bounce(c, &to, known, &why, now, e))
                .await?;
            Ok(Delivery::Bounced)
        }
        Err(SendError::Refused(why)) => {
            // The relay's policy, quota or size limit: nothing about this guest's mailbox, so
            // nobody is marked; an operator has to look (alert), and the job retries.
            tracing::error!(kind, message_id = %msg.id, user_id = ?user, error = %why, "the SMTP relay refused the mail (not the recipient); will retry");
            retry_later(postman, e, Event::MailRefused, Outcome::Alert, why).await
        }
        Err(SendError::Transient(why)) => {
            tracing::error!(kind, message_id = %msg.id, user_id = ?user, error = %why, "mail send failed; will retry");
            retry_later(postman, e, Event::MailFailed, Outcome::Failure, why).await
        }
    }
}

/// A send to try again: its audit row (`event`, with the reason), then the job's transient error.
async fn retry_later(
    postman: &Postman<'_>,
    mut e: NewAuditEvent,
    event: Event,
    outcome: Outcome,
    why: String,
) -> Result<Delivery, JobError> {
    e.set_event(event, outcome);
    e.reason = Some(why.clone());
    postman
        .db
        .run_grouped(move |c| audit::insert(c, &e))
        .await?;
    Err(JobError::Transient(why))
}
