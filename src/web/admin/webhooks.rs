//! `/admin/webhooks` (platform admins only; anyone else gets 404): each configured webhook with
//! its recent deliveries, and a button that sends it a test event (audited).

use super::{see_other, AdminCtx, Frame, PlatformPage};
use crate::domain::audit::{Event, Outcome};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::AppError;
use crate::webhooks::console::{self, Delivery, WebhookView};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/webhooks").get(show))
        .service(web::resource("/webhooks/{index}/test").post(send_test));
}

#[derive(Serialize)]
struct Page {
    #[serde(flatten)]
    frame: Frame,
    webhooks: Vec<Hook>,
    /// The delivery id of a test event just queued.
    sent: Option<String>,
}

#[derive(Serialize)]
struct Hook {
    index: usize,
    url: String,
    events: Vec<&'static str>,
    tenant: Option<String>,
    timeout_seconds: u64,
    deliveries: Vec<Row>,
}

/// A delivery with its times as this admin reads them.
#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    delivery: Delivery,
    created: String,
    last_attempt: Option<String>,
    delivered: Option<String>,
}

fn hook(admin: &AdminCtx, view: WebhookView) -> Hook {
    Hook {
        index: view.index,
        url: view.url,
        events: view.events,
        tenant: view.tenant,
        timeout_seconds: view.timeout_seconds,
        deliveries: view
            .deliveries
            .into_iter()
            .map(|d| Row {
                created: admin.time(d.created_at),
                last_attempt: d.last_attempt_at.map(|t| admin.time(t)),
                delivered: d.delivered_at.map(|t| admin.time(t)),
                delivery: d,
            })
            .collect(),
    }
}

#[derive(Deserialize)]
pub(crate) struct ShowQuery {
    sent: Option<String>,
}

/// `GET /admin/webhooks`.
async fn show(
    PlatformPage(page): PlatformPage,
    q: web::Query<ShowQuery>,
) -> Result<HttpResponse, AppError> {
    let webhooks = console::overview(&page.state)
        .await?
        .into_iter()
        .map(|view| hook(page.admin(), view))
        .collect();
    let sent = q
        .into_inner()
        .sent
        .filter(|s| s.starts_with("msg_") && s.len() <= 40 && s.is_ascii());
    let ctx = Page {
        frame: page.admin().frame(),
        webhooks,
        sent,
    };
    page.ok("admin/webhooks.html", &ctx)
}

/// `POST /admin/webhooks/{index}/test`.
async fn send_test(
    PlatformPage(page): PlatformPage,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let index: usize = path.parse().map_err(|_| AppError::NotFound)?;
    let event = page.event(Event::WebhookTestSent, Outcome::Success);
    match console::send_test(&page.state, index, event).await? {
        Some(id) => Ok(see_other(&format!("/admin/webhooks?sent={id}"))),
        None => Err(AppError::NotFound),
    }
}
