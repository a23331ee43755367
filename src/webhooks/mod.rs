//! Webhooks: audit events sent to other systems (`[[webhooks]]` in the configuration).
//!
//! - [`settings`]: the validated configuration (URL, `whsec_` secret, events, tenant filter);
//! - [`dispatch`]: reads the audit trail after a cursor and queues one delivery per
//!   subscribed webhook (the audit table is the outbox);
//! - [`deliver`]: the queue's job that POSTs a delivery, signed the Standard Webhooks way
//!   ([`signature`]), retried for a day;
//! - [`console`]: the console's list of deliveries and its test event.
//!
//! See docs/passwords-and-webhooks.md#webhooks.

pub mod console;
pub mod deliver;
pub mod dispatch;
pub mod settings;
pub mod signature;

pub use settings::{RawWebhook, Webhook, WebhookSecret};

use crate::services::Services;

/// Registers the delivery job in the worker's registry (called by `startup`).
pub fn register_jobs(registry: &mut crate::jobs::Registry<Services>) {
    registry.register::<deliver::WebhookDelivery>();
}
