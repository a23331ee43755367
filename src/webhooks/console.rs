//! What the console shows of webhooks (each one's recent deliveries) and its one action: a
//! test event sent to a webhook, queued like any delivery and audited.

use super::deliver;
use crate::db::audit::{self, NewAuditEvent};
pub use crate::db::webhooks::Delivery;
use crate::db::{webhooks as store, DbError, WriteTransaction};
use crate::domain::DeliveryId;
use crate::services::Services;
use serde::Serialize;

/// Deliveries shown per webhook.
pub const RECENT: i64 = 25;

/// The `type` of a test event.
pub const TEST_EVENT: &str = "webhook_test";

/// One webhook as the console lists it.
#[derive(Debug, Serialize)]
pub struct WebhookView {
    /// Its position in the configuration, from 0: the test button names it by this.
    pub index: usize,
    /// Without its query.
    pub url: String,
    pub events: Vec<&'static str>,
    pub tenant: Option<String>,
    pub timeout_seconds: u64,
    /// Newest first.
    pub deliveries: Vec<Delivery>,
}

/// Every configured webhook with its recent deliveries.
pub async fn overview(svc: &Services) -> Result<Vec<WebhookView>, DbError> {
    let hooks = svc.settings.webhooks.clone();
    svc.db
        .run(move |c| {
            hooks
                .iter()
                .enumerate()
                .map(|(index, h)| {
                    Ok(WebhookView {
                        index,
                        url: h.display_url(),
                        events: h.events.iter().map(|e| e.name()).collect(),
                        tenant: h.tenant.clone(),
                        timeout_seconds: h.timeout.as_secs(),
                        deliveries: store::recent(c, h.url.as_str(), RECENT)?,
                    })
                })
                .collect()
        })
        .await
}

/// Queues a test event for the webhook at `index` and audits it (`event`, written by the
/// caller's admin). `None` when there is no such webhook. Only configured URLs are contacted:
/// the index chooses among them.
pub async fn send_test(
    svc: &Services,
    index: usize,
    mut event: NewAuditEvent,
) -> Result<Option<DeliveryId>, DbError> {
    let Some(hook) = svc.settings.webhooks.get(index).cloned() else {
        return Ok(None);
    };
    let now = svc.now();
    let body = serde_json::json!({
        "type": TEST_EVENT,
        "timestamp": now.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "data": {
            "message": "A test event sent from the Latchkey console.",
            "sent_by": event.actor,
        }
    })
    .to_string();
    let id = svc
        .db
        .run(move |c| {
            c.write_transaction(|c| {
                let id = deliver::enqueue(c, &hook, TEST_EVENT, None, None, &body, now)?;
                event.detail = Some(
                    serde_json::json!({ "webhook": hook.display_url(), "delivery_id": id })
                        .to_string(),
                );
                audit::insert(c, &event)?;
                Ok::<_, DbError>(id)
            })
        })
        .await?;
    svc.jobs_wakeup.notify_one();
    Ok(Some(id))
}
