//! Sending one onboarding mail (invitation, signup, address verification) and auditing the
//! outcome the same way for each: `mail_sent`, `mail_bounced` (a permanent rejection: not
//! retried) or `mail_failed` (temporary: returned so the worker retries with backoff).

use crate::db::audit::{self, NewAuditEvent};
use crate::domain::audit::{Event, Outcome};
use crate::jobs::JobError;
use crate::mail::{OutgoingMail, SendError};
use crate::services::Services;

/// Sends `msg` and inserts `event` (a `mail_sent`/`success` event with the caller's fields),
/// turned into `mail_bounced` or `mail_failed` when the send fails.
pub(super) async fn send_audited(
    svc: &Services,
    msg: &OutgoingMail,
    mut event: NewAuditEvent,
) -> Result<(), JobError> {
    let kind = msg.kind.as_str();
    match svc.mailer.send(msg).await {
        Ok(()) => {
            svc.db.run(move |c| audit::insert(c, &event)).await?;
            Ok(())
        }
        Err(SendError::Permanent(why)) => {
            tracing::warn!(kind, message_id = %msg.id, "mail permanently rejected");
            event.set_event(Event::MailBounced, Outcome::Failure);
            event.reason = Some(why);
            svc.db.run(move |c| audit::insert(c, &event)).await?;
            Ok(())
        }
        Err(SendError::Transient(why)) => {
            tracing::error!(kind, message_id = %msg.id, error = %why, "mail send failed; will retry");
            event.set_event(Event::MailFailed, Outcome::Failure);
            event.reason = Some(why.clone());
            svc.db.run(move |c| audit::insert(c, &event)).await?;
            Err(JobError::Transient(why))
        }
    }
}
