//! Platform admins manage API keys (docs/onboarding.md): create (the key is shown once), list
//! with the tenant each is scoped to, and revoke after a confirmation page. Thin pages over
//! `crate::onboarding::api_keys`.

use super::{see_other, AdminPage, Frame, PlatformPage};
use crate::console::audit;
use crate::domain::{ApiKeyId, TenantId};
use crate::onboarding::api_keys;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::AppError;
use actix_web::{web, HttpResponse};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api-keys").get(keys).post(create_key))
        .service(
            web::resource("/api-keys/{id}/revoke")
                .get(revoke_form)
                .post(revoke_key),
        );
}

#[derive(Serialize)]
struct KeyRow {
    id: ApiKeyId,
    prefix: String,
    name: String,
    tenant_id: Option<TenantId>,
    /// The name of the tenant the key is scoped to.
    tenant_name: Option<String>,
    created_at: String,
    last_used_at: Option<String>,
    revoked: bool,
}

#[derive(Serialize, Default)]
struct KeysPage {
    #[serde(flatten)]
    frame: Frame,
    keys: Vec<KeyRow>,
    created: Option<String>,
    error: Option<String>,
}

/// Every key as the pages show it, with its tenant's name.
async fn key_rows(page: &AdminPage) -> Result<Vec<KeyRow>, AppError> {
    let (state, admin) = (&page.state, page.admin());
    let list = api_keys::list_keys(state).await?;
    let names = audit::tenant_names(state).await?;
    Ok(list
        .into_iter()
        .map(|k| KeyRow {
            id: k.id,
            prefix: k.prefix,
            name: k.name,
            tenant_name: k.tenant_id.as_ref().and_then(|t| names.get(t).cloned()),
            tenant_id: k.tenant_id,
            created_at: admin.time(k.created_at),
            last_used_at: k.last_used_at.map(|t| admin.time(t)),
            revoked: k.revoked_at.is_some(),
        })
        .collect())
}

async fn keys_page(
    page: &AdminPage,
    created: Option<String>,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let ctx = KeysPage {
        frame: page.admin().frame(),
        keys: key_rows(page).await?,
        created,
        error,
    };
    page.ok("admin/api_keys.html", &ctx)
}

async fn keys(PlatformPage(page): PlatformPage) -> Result<HttpResponse, AppError> {
    keys_page(&page, None, None).await
}

#[derive(Deserialize)]
pub(crate) struct NewKey {
    name: String,
    #[serde(default)]
    tenant_domain: String,
}

async fn create_key(
    PlatformPage(page): PlatformPage,
    form: CsrfForm<NewKey>,
) -> Result<HttpResponse, AppError> {
    let NewKey {
        name,
        tenant_domain,
    } = form.0;
    let name = name.trim().to_string();
    if name.is_empty() {
        return keys_page(&page, None, Some("Give the key a name.".into())).await;
    }
    let domain = Some(tenant_domain.trim().to_string()).filter(|d| !d.is_empty());
    let created = api_keys::create_key(&page.state, name, domain, page.admin().actor()).await?;
    match created {
        // Shown once; only its hash is stored.
        Ok(key) => keys_page(&page, Some(key.secret.expose_secret().to_string()), None).await,
        Err(e) => keys_page(&page, None, Some(e.to_string())).await,
    }
}

#[derive(Serialize)]
struct RevokePage {
    #[serde(flatten)]
    frame: Frame,
    key: KeyRow,
}

/// `GET /admin/api-keys/{id}/revoke`: what revoking does, and the button that does it.
async fn revoke_form(
    PlatformPage(page): PlatformPage,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = ApiKeyId::from_string(path.into_inner());
    let key = key_rows(&page)
        .await?
        .into_iter()
        .find(|k| k.id == id)
        .ok_or(AppError::NotFound)?;
    let ctx = RevokePage {
        frame: page.admin().frame(),
        key,
    };
    page.ok("admin/api_key_revoke.html", &ctx)
}

/// `POST /admin/api-keys/{id}/revoke`: the key stops working at once (audited).
async fn revoke_key(
    PlatformPage(page): PlatformPage,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let id = ApiKeyId::from_string(path.into_inner());
    if !api_keys::revoke_key(&page.state, id, page.admin().actor()).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/admin/api-keys"))
}
