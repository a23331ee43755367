//! Platform admins invite guests by CSV upload and see the invitations still pending
//! (docs/onboarding.md). Thin pages over `crate::onboarding`.

use super::{AdminPage, Frame, PlatformPage};
use crate::console::audit;
use crate::domain::audit::{Event, Outcome};
use crate::domain::TenantId;
use crate::onboarding::{invitation_list, invitations, Inviter};
use crate::web::csrf;
use crate::web::middleware::UPLOAD_LIMIT;
use crate::web::AppError;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use futures_util::StreamExt;
use serde::Serialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/invitations").get(form).post(upload));
}

#[derive(Serialize, Default)]
struct UploadPage {
    #[serde(flatten)]
    frame: Frame,
    error: Option<String>,
    summary: Option<String>,
    rows: Vec<ReportRow>,
    pending: Vec<PendingRow>,
    pending_limit: i64,
}

/// Invitations listed as pending.
const PENDING_LIMIT: i64 = 200;

#[derive(Serialize)]
struct PendingRow {
    email: String,
    display_name: Option<String>,
    tenant_id: Option<TenantId>,
    tenant_name: Option<String>,
    sent: String,
    expires: String,
}

/// The page with the pending invitations listed (after an upload too, so new ones show).
async fn upload_page(page: &AdminPage) -> Result<UploadPage, AppError> {
    let (state, admin) = (&page.state, page.admin());
    let pending = invitation_list::pending(state, PENDING_LIMIT).await?;
    let names = audit::tenant_names(state).await?;
    Ok(UploadPage {
        frame: admin.frame(),
        pending: pending
            .into_iter()
            .map(|i| PendingRow {
                tenant_name: i.tenant_id.as_ref().and_then(|t| names.get(t).cloned()),
                tenant_id: i.tenant_id,
                email: i.email,
                display_name: i.display_name,
                sent: admin.time(i.created_at.naive_utc()),
                expires: admin.time(i.expires_at.naive_utc()),
            })
            .collect(),
        pending_limit: PENDING_LIMIT,
        ..UploadPage::default()
    })
}

#[derive(Serialize)]
struct ReportRow {
    line: u64,
    email: String,
    message: String,
}

/// `GET /admin/invitations`. Tenant admins do not invite across the platform: the page does
/// not exist for them.
async fn form(PlatformPage(page): PlatformPage) -> Result<HttpResponse, AppError> {
    page.ok("admin/invitations.html", &upload_page(&page).await?)
}

/// `POST /admin/invitations` (multipart: `csrf_token`, `file`).
async fn upload(
    PlatformPage(page): PlatformPage,
    mut body: Multipart,
) -> Result<HttpResponse, AppError> {
    let (req, state, admin) = (&page.req, &page.state, page.admin());
    let mut token = String::new();
    let mut bytes = Vec::new();
    while let Some(field) = body.next().await {
        let mut field = field.map_err(|e| AppError::BadRequest(e.to_string()))?;
        let name = field.name().unwrap_or_default().to_string();
        let mut value = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| AppError::BadRequest(e.to_string()))?;
            if value.len() + chunk.len() > UPLOAD_LIMIT {
                return Err(AppError::PayloadTooLarge);
            }
            value.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "csrf_token" => token = String::from_utf8_lossy(&value).into_owned(),
            "file" => bytes = value,
            _ => {}
        }
    }
    if !csrf::verify_token(req, state, &token) {
        return Err(AppError::Forbidden);
    }
    let report = invitations::upload_csv(state, Inviter::Admin(admin.id.clone()), bytes).await?;
    let mut ctx = upload_page(&page).await?;
    match report {
        Err(e) => {
            ctx.error = Some(e.to_string());
            page.render(StatusCode::BAD_REQUEST, "admin/invitations.html", &ctx)
        }
        Ok(report) => {
            let mut e = page.event(Event::InvitationsUploaded, Outcome::Success);
            e.detail = Some(serde_json::json!({ "summary": report.summary() }).to_string());
            audit::record(state, e).await?;
            ctx.summary = Some(report.summary());
            ctx.rows = report
                .rows
                .into_iter()
                .map(|r| ReportRow {
                    line: r.line,
                    email: r.email,
                    message: r.outcome.message(),
                })
                .collect();
            page.ok("admin/invitations.html", &ctx)
        }
    }
}
