//! `POST /api/v1/bounces` (docs/mail.md#bounces): a delivery status notification, as an MTA's
//! pipe or a webhook posts it, marks the addresses it reports as permanently failed. Platform
//! keys only: a tenant's key could otherwise mark other tenants' guests.

use super::super::client_ip::ClientIp;
use super::super::{AppError, AppState};
use super::Authenticated;
use super::{error, json_reply, read_body_up_to};
use crate::mail::bounces::{self, Reporter, MAX_REPORT_BYTES};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

/// `POST /api/v1/bounces`: the body is the whole report message (any content type:
/// `message/rfc822` is the right one, but MTA pipes post what they post). The body is read only
/// once a platform key is authenticated.
pub(super) async fn report(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
    Authenticated(key): Authenticated,
) -> Result<HttpResponse, AppError> {
    if key.tenant_id.is_some() {
        return Ok(error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Only a platform API key (not one scoped to a tenant) may report bounces.",
        ));
    }
    let Some(body) = read_body_up_to(payload, MAX_REPORT_BYTES).await? else {
        return Ok(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("The report is larger than {} KiB.", MAX_REPORT_BYTES / 1024),
        ));
    };
    let reporter = Reporter {
        actor: format!("api_key:{}", key.id),
        ip: Some(ClientIp::of(&req).0),
    };
    let outcome = bounces::receive(
        &state.db,
        &state.clock,
        state.settings.bounce_domain.clone(),
        body.to_vec(),
        reporter,
    )
    .await?;
    Ok(match outcome {
        Ok(summary) => json_reply(
            StatusCode::OK,
            &serde_json::to_value(summary).map_err(anyhow::Error::from)?,
        ),
        Err(why) => json_reply(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({
                "error": "not_a_dsn",
                "message": format!(
                    "{why}. Post the whole delivery status notification (RFC 3464) as the body."
                ),
            }),
        ),
    })
}
