//! The branding a signed-in guest's pages show: their tenant's overrides over `[branding]`
//! (docs/branding.md), as the mails about them already do.

use super::User;
use crate::db::{tenant_branding, DbError};
use crate::domain::branding::Branding;
use crate::services::Services;

/// `[branding]` with the overrides of `user`'s tenant.
pub async fn of_user(svc: &Services, user: &User) -> Result<Branding, DbError> {
    let tenant = user.tenant_id();
    let overrides = svc
        .db
        .run(move |c| tenant_branding::find(c, &tenant))
        .await?;
    Ok(svc.settings.branding.with(&overrides))
}
