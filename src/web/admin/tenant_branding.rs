//! `POST /admin/tenants/{id}/branding`: a platform admin sets a tenant's branding overrides
//! (the "Branding" fieldset of the tenant's page). Tenant admins cannot: the host decides in
//! whose name mail is sent.

use super::{see_other, AdminCtx, AdminPage};
use crate::console::tenant_branding::{self, BrandingForm};
use crate::domain::audit::{Event, Outcome};
use crate::domain::TenantId;
use crate::web::csrf::CsrfForm;
use crate::web::{AppError, AppState};
use actix_web::{web, HttpResponse};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/tenants/{id}/branding").post(update));
}

/// The fieldset's values for the tenant's page (platform admins only; `None` otherwise).
pub async fn form_for(
    state: &AppState,
    admin: &AdminCtx,
    id: &str,
) -> Result<Option<BrandingForm>, AppError> {
    if !admin.is_platform() {
        return Ok(None);
    }
    let overrides = tenant_branding::load(state, TenantId::from_string(id)).await?;
    Ok(Some(BrandingForm::of(&overrides)))
}

#[derive(Deserialize)]
pub(crate) struct Form {
    #[serde(default)]
    service_name: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    logo: String,
    #[serde(default)]
    accent_colour: String,
}

async fn update(
    page: AdminPage,
    path: web::Path<String>,
    form: CsrfForm<Form>,
) -> Result<HttpResponse, AppError> {
    let (state, admin) = (&page.state, page.admin());
    let id = admin.tenant_in_scope(&path)?;
    if !admin.is_platform() {
        return Err(AppError::Forbidden);
    }
    crate::console::tenants::load(state, id.clone())
        .await?
        .ok_or(AppError::NotFound)?;
    let f = form.0;
    let typed = BrandingForm {
        service_name: f.service_name.chars().take(200).collect(),
        organisation: f.organisation.chars().take(200).collect(),
        logo: f.logo.chars().take(200).collect(),
        accent_colour: f.accent_colour.chars().take(20).collect(),
    };
    let overrides = typed.parse(state).map_err(AppError::BadRequest)?;
    let event = page.event(Event::TenantUpdated, Outcome::Success);
    tenant_branding::save(state, id, overrides, event).await?;
    Ok(see_other(&format!(
        "/admin/tenants/{}?saved=1",
        path.as_str()
    )))
}
