//! Platform admins invite guests by CSV upload, and manage API keys (docs/onboarding.md). Thin pages
//! over `crate::onboarding`.

use super::{see_other, AdminCtx};
use crate::console::audit;
use crate::domain::audit::{Event, Outcome};
use crate::onboarding::{api_keys, invitations, Inviter};
use crate::web::csrf::{self, CsrfForm};
use crate::web::middleware::UPLOAD_LIMIT;
use crate::web::{page, AppError, AppState};
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/invitations").get(form).post(upload))
        .service(web::resource("/api-keys").get(keys).post(create_key))
        .service(web::resource("/api-keys/{id}/revoke").post(revoke_key));
}

fn platform_only(admin: &AdminCtx) -> Result<(), AppError> {
    // Tenant admins do not invite across the platform: the page does not exist for them.
    if admin.is_platform() {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

#[derive(Serialize, Default)]
struct UploadPage {
    admin_email: String,
    platform: bool,
    error: Option<String>,
    summary: Option<String>,
    rows: Vec<ReportRow>,
}

#[derive(Serialize)]
struct ReportRow {
    line: u64,
    email: String,
    message: String,
}

async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AdminCtx,
) -> Result<HttpResponse, AppError> {
    platform_only(&admin)?;
    let ctx = UploadPage {
        admin_email: admin.admin.email.clone(),
        platform: true,
        ..UploadPage::default()
    };
    page::ok(&req, &state, "admin/invitations.html", &ctx)
}

/// `POST /admin/invitations` (multipart: `csrf_token`, `file`).
async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AdminCtx,
    mut body: Multipart,
) -> Result<HttpResponse, AppError> {
    platform_only(&admin)?;
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
    if !csrf::verify_token(&req, &state, &token) {
        return Err(AppError::Forbidden);
    }
    let mut ctx = UploadPage {
        admin_email: admin.admin.email.clone(),
        platform: true,
        ..UploadPage::default()
    };
    match invitations::upload_csv(&state, Inviter::Admin(admin.id.clone()), bytes).await? {
        Err(e) => {
            ctx.error = Some(e.to_string());
            page::render(
                &req,
                &state,
                StatusCode::BAD_REQUEST,
                "admin/invitations.html",
                &ctx,
            )
        }
        Ok(report) => {
            let mut e = admin.event(state.now(), Event::InvitationsUploaded, Outcome::Success);
            e.detail = Some(serde_json::json!({ "summary": report.summary() }).to_string());
            audit::record(&state, e).await?;
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
            page::ok(&req, &state, "admin/invitations.html", &ctx)
        }
    }
}

#[derive(Serialize)]
struct KeyRow {
    id: String,
    prefix: String,
    name: String,
    tenant_id: Option<String>,
    created_at: String,
    last_used_at: Option<String>,
    revoked: bool,
}

#[derive(Serialize, Default)]
struct KeysPage {
    admin_email: String,
    platform: bool,
    keys: Vec<KeyRow>,
    created: Option<String>,
    error: Option<String>,
}

async fn keys_page(
    req: &HttpRequest,
    state: &AppState,
    admin: &AdminCtx,
    created: Option<String>,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let list = api_keys::list_keys(state).await?;
    let ctx = KeysPage {
        admin_email: admin.admin.email.clone(),
        platform: true,
        keys: list
            .into_iter()
            .map(|k| KeyRow {
                id: k.id,
                prefix: k.prefix,
                name: k.name,
                tenant_id: k.tenant_id,
                created_at: k.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                last_used_at: k
                    .last_used_at
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
                revoked: k.revoked_at.is_some(),
            })
            .collect(),
        created,
        error,
    };
    page::ok(req, state, "admin/api_keys.html", &ctx)
}

async fn keys(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AdminCtx,
) -> Result<HttpResponse, AppError> {
    platform_only(&admin)?;
    keys_page(&req, &state, &admin, None, None).await
}

#[derive(Deserialize)]
pub(crate) struct NewKey {
    name: String,
    #[serde(default)]
    tenant_domain: String,
}

async fn create_key(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AdminCtx,
    form: CsrfForm<NewKey>,
) -> Result<HttpResponse, AppError> {
    platform_only(&admin)?;
    let NewKey {
        name,
        tenant_domain,
    } = form.0;
    let name = name.trim().to_string();
    if name.is_empty() {
        return keys_page(
            &req,
            &state,
            &admin,
            None,
            Some("Give the key a name.".into()),
        )
        .await;
    }
    let domain = Some(tenant_domain.trim().to_string()).filter(|d| !d.is_empty());
    let created = api_keys::create_key(&state, name, domain, admin.actor()).await?;
    match created {
        Ok(key) => {
            // Shown once; only its hash is stored.
            keys_page(
                &req,
                &state,
                &admin,
                Some(key.secret.expose_secret().to_string()),
                None,
            )
            .await
        }
        Err(e) => keys_page(&req, &state, &admin, None, Some(e.to_string())).await,
    }
}

async fn revoke_key(
    state: web::Data<AppState>,
    admin: AdminCtx,
    path: web::Path<String>,
    _form: CsrfForm<crate::web::csrf::NoFields>,
) -> Result<HttpResponse, AppError> {
    platform_only(&admin)?;
    if !api_keys::revoke_key(&state, path.into_inner(), admin.actor()).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/admin/api-keys"))
}
