//! One delivery: a job of the generic queue that POSTs a stored body to its webhook, signed the
//! Standard Webhooks way, and records the attempt. A failed attempt is retried with the queue's
//! backoff until a day has passed since the delivery was queued; then it is given up, counted
//! in `/metrics` and written to the audit.

use super::settings::Webhook;
use super::signature::sign;
use crate::db::audit::{self, NewAuditEvent};
use crate::db::webhooks::{self as store, NewDelivery};
use crate::db::{AnyConnection, DbError, WriteTransaction};
use crate::domain::audit::{Event, Outcome};
use crate::domain::{DeliveryId, TenantId};
use crate::jobs::{Job, JobError, JobRun};
use crate::services::Services;
use crate::telemetry::metrics::WEBHOOK_DELIVERIES;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// How long a delivery is retried.
pub const GIVE_UP_AFTER_HOURS: i64 = 24;

/// A bound on attempts besides the day (a very small `jobs.max_backoff_seconds` must not let
/// a dead receiver be hammered).
pub const MAX_ATTEMPTS: u32 = 1000;

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

/// The queued work: which delivery row to send (the body is in the row, never in the queue).
#[derive(Debug, Serialize, Deserialize)]
pub struct WebhookDelivery {
    pub delivery_id: DeliveryId,
}

impl Job for WebhookDelivery {
    type Context = Services;
    const KIND: &'static str = "webhook_delivery";

    async fn run(self, svc: &Services, run: &JobRun) -> Result<(), JobError> {
        attempt(svc, &self.delivery_id, run.attempt).await
    }
}

/// A new `webhook-id` (a delivery's id): `msg_` and 32 random hex digits.
pub fn new_message_id() -> DeliveryId {
    DeliveryId::from_string(format!("msg_{}", uuid::Uuid::new_v4().simple()))
}

/// Stores a delivery of `body` to `hook` and queues its job, on the caller's connection (in
/// the caller's transaction). Wake the worker after the commit.
pub fn enqueue(
    conn: &mut AnyConnection,
    hook: &Webhook,
    event: &str,
    tenant_id: Option<&TenantId>,
    audit_event_id: Option<i64>,
    body: &str,
    now: NaiveDateTime,
) -> Result<DeliveryId, DbError> {
    let id = new_message_id();
    store::insert(
        conn,
        &NewDelivery {
            id: id.as_str(),
            webhook_url: hook.url.as_str(),
            audit_event_id,
            event,
            tenant_id: tenant_id.map(TenantId::as_str),
            body,
            status: PENDING,
            attempts: 0,
            created_at: now,
        },
    )?;
    crate::jobs::enqueue(
        conn,
        &WebhookDelivery {
            delivery_id: id.clone(),
        },
        now,
        MAX_ATTEMPTS,
    )?;
    Ok(id)
}

/// The one HTTP client: no redirects (only configured URLs are contacted), no cookies, no
/// proxy from the environment; the timeout is set per request.
fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("latchkey-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the webhook HTTP client builds")
    })
}

/// What came of one POST: `Ok(status)` on 2xx, else the status (if any) and why.
async fn post(
    hook: &Webhook,
    id: &str,
    timestamp: i64,
    body: &str,
) -> Result<u16, (Option<u16>, String)> {
    let signature = sign(&hook.secret, id, timestamp, body.as_bytes());
    let sent = client()
        .post(hook.url.clone())
        .timeout(hook.timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body.to_string())
        .send()
        .await;
    match sent {
        Ok(answer) => {
            let status = answer.status();
            let code = status.as_u16();
            if status.is_success() {
                Ok(code)
            } else if status.is_redirection() {
                Err((
                    Some(code),
                    format!("HTTP {code} (redirects are not followed)"),
                ))
            } else {
                Err((Some(code), format!("HTTP {code}")))
            }
        }
        Err(e) if e.is_timeout() => Err((
            None,
            format!("no answer within {} s", hook.timeout.as_secs()),
        )),
        Err(e) if e.is_connect() => Err((None, "could not connect".to_string())),
        // Without the URL: its query may carry a token.
        Err(e) => Err((None, format!("request failed: {}", e.without_url()))),
    }
}

/// One attempt of a delivery.
async fn attempt(svc: &Services, delivery_id: &DeliveryId, attempt: i32) -> Result<(), JobError> {
    let id = delivery_id.clone();
    let Some(delivery) = svc.db.run(move |c| store::find(c, &id)).await? else {
        return Err(JobError::Permanent(format!(
            "webhook delivery {delivery_id} not found"
        )));
    };
    if delivery.status != PENDING {
        return Ok(());
    }
    let Some(hook) = svc
        .settings
        .webhooks
        .iter()
        .find(|h| h.url.as_str() == delivery.webhook_url)
    else {
        let why = "the webhook is no longer configured".to_string();
        give_up(svc, &delivery, None, why, false).await?;
        return Ok(());
    };
    let timestamp = svc.clock.now().timestamp();
    let result = post(hook, delivery.id.as_str(), timestamp, &delivery.body).await;
    let now = svc.now();
    match result {
        Ok(code) => {
            svc.metrics.incr(WEBHOOK_DELIVERIES, "outcome=delivered");
            let id = delivery.id.clone();
            svc.db
                .run(move |c| {
                    store::record_attempt(c, &id, DELIVERED, Some(i32::from(code)), None, now, true)
                })
                .await?;
            Ok(())
        }
        Err((code, why)) => {
            let expired = now - delivery.created_at >= chrono::Duration::hours(GIVE_UP_AFTER_HOURS)
                || attempt >= MAX_ATTEMPTS as i32;
            if expired {
                give_up(svc, &delivery, code, why, true).await?;
                return Ok(());
            }
            svc.metrics.incr(WEBHOOK_DELIVERIES, "outcome=retried");
            tracing::info!(delivery = %delivery.id, webhook = %super::settings::display_url(&delivery.webhook_url), error = %why, "webhook delivery attempt failed; it will be retried");
            let (id, error) = (delivery.id.clone(), why.clone());
            svc.db
                .run(move |c| {
                    store::record_attempt(
                        c,
                        &id,
                        PENDING,
                        code.map(i32::from),
                        Some(&error),
                        now,
                        false,
                    )
                })
                .await?;
            Err(JobError::Transient(why))
        }
    }
}

/// Ends a delivery as failed: recorded on its row (with the last attempt when there was one),
/// counted, and written to the audit in the same transaction.
async fn give_up(
    svc: &Services,
    delivery: &store::Delivery,
    code: Option<u16>,
    why: String,
    attempted: bool,
) -> Result<(), DbError> {
    svc.metrics.incr(WEBHOOK_DELIVERIES, "outcome=failed");
    let url = super::settings::display_url(&delivery.webhook_url);
    tracing::warn!(delivery = %delivery.id, webhook = %url, error = %why, "webhook delivery given up");
    let now = svc.now();
    let mut event = NewAuditEvent::new(
        now,
        "system",
        Event::WebhookDeliveryFailed,
        Outcome::Failure,
    );
    event.tenant_id = delivery.tenant_id.clone();
    event.reason = Some(why.clone());
    event.detail = Some(
        serde_json::json!({
            "delivery_id": delivery.id,
            "webhook": url,
            "event": delivery.event,
            "attempts": delivery.attempts + i32::from(attempted),
        })
        .to_string(),
    );
    let id = delivery.id.clone();
    svc.db
        .run(move |c| {
            c.write_transaction(|c| {
                if attempted {
                    store::record_attempt(
                        c,
                        &id,
                        FAILED,
                        code.map(i32::from),
                        Some(&why),
                        now,
                        false,
                    )?;
                } else {
                    store::give_up(c, &id, &why)?;
                }
                audit::insert(c, &event)
            })
        })
        .await
}
