//! The branding of this request's page when it is about a known guest: their tenant's
//! overrides (docs/branding.md). Pages about nobody in particular show `[branding]`, which the
//! templates add themselves.

use super::{AppError, AppState};
use crate::accounts::{self, User};
use crate::domain::branding::Branding;
use crate::services::templates::PageBrand;
use actix_web::{HttpMessage as _, HttpRequest};

/// The page context's `brand`, and the service name it carries.
#[derive(Clone)]
struct Hint(serde_json::Value, String);

/// Records the branding of `user`'s tenant for this request's pages (the account pages, and
/// the reset flow once its link has named the account).
pub async fn for_user(req: &HttpRequest, state: &AppState, user: &User) -> Result<(), AppError> {
    let brand = accounts::branding::of_user(state, user).await?;
    with(req, state, &brand);
    Ok(())
}

/// [`for_user`] with the branding already read.
pub fn with(req: &HttpRequest, state: &AppState, brand: &Branding) {
    hint(req, brand, &state.settings.branding);
}

/// Records `brand` (a tenant's, over `service_wide`) for this request's pages.
fn hint(req: &HttpRequest, brand: &Branding, service_wide: &Branding) {
    if brand == service_wide {
        return;
    }
    if let Ok(value) = serde_json::to_value(PageBrand::of_tenant(brand, service_wide)) {
        req.extensions_mut()
            .insert(Hint(value, brand.service_name.clone()));
    }
}

/// Puts the recorded branding into a page's context as `brand`.
pub fn add_to_context(req: &HttpRequest, map: &mut serde_json::Map<String, serde_json::Value>) {
    if let Some(Hint(brand, _)) = req.extensions().get::<Hint>() {
        map.insert("brand".into(), brand.clone());
    }
}

/// What this request's pages call the service: the guest's tenant's name for it when it has
/// one (the authenticator app's issuer, sentences that name the service), else `[branding]`'s.
pub fn service_name(req: &HttpRequest, state: &AppState) -> String {
    match req.extensions().get::<Hint>() {
        Some(Hint(_, name)) => name.clone(),
        None => state.settings.branding.service_name.clone(),
    }
}
