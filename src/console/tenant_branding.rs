//! A tenant's branding overrides, which a platform admin sets on the tenant's page: each set
//! value replaces the service-wide `[branding]` one in mails about that tenant's guests.
//! Each change is audited (`tenant_updated`, detail: before and after).

use crate::console::audit::NewAuditEvent;
use crate::db::{audit, tenant_branding, DbError};
use crate::domain::branding::{self, AccentColour, BrandingOverrides, LogoFile};
use crate::domain::TenantId;
use crate::services::Services;
use serde::Serialize;

/// The overrides as the form shows them (empty: the service-wide value applies).
#[derive(Debug, Clone, Default, Serialize)]
pub struct BrandingForm {
    pub service_name: String,
    pub organisation: String,
    pub logo: String,
    pub accent_colour: String,
}

impl BrandingForm {
    pub fn of(o: &BrandingOverrides) -> Self {
        Self {
            service_name: o.service_name.clone().unwrap_or_default(),
            organisation: o.organisation.clone().unwrap_or_default(),
            logo: o
                .logo
                .as_ref()
                .map(|l| l.as_str().to_string())
                .unwrap_or_default(),
            accent_colour: o
                .accent_colour
                .as_ref()
                .map(|a| a.as_str().to_string())
                .unwrap_or_default(),
        }
    }

    /// The overrides, or the first field's error as a sentence for the admin. A logo must
    /// exist in the static directory.
    pub fn parse(&self, svc: &Services) -> Result<BrandingOverrides, String> {
        let opt = |s: &str| Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_string);
        let name = |s: &str, field: &str| {
            opt(s)
                .map(|v| branding::clean_name(&v).map_err(|m| format!("{field}: {m}.")))
                .transpose()
        };
        let logo = match opt(&self.logo) {
            Some(l) => {
                let logo = LogoFile::parse(&l).map_err(|m| format!("Logo: {m}."))?;
                if !svc.settings.static_dir().join(logo.as_str()).is_file() {
                    return Err(format!(
                        "Logo: there is no file {} in the static directory ({}).",
                        logo.as_str(),
                        svc.settings.static_dir().display()
                    ));
                }
                Some(logo)
            }
            None => None,
        };
        Ok(BrandingOverrides {
            service_name: name(&self.service_name, "Service name")?,
            organisation: name(&self.organisation, "Organisation")?,
            logo,
            accent_colour: opt(&self.accent_colour)
                .map(|c| AccentColour::parse(&c).map_err(|m| format!("Accent colour: {m}.")))
                .transpose()?,
        })
    }
}

/// The tenant's overrides.
pub async fn load(svc: &Services, id: TenantId) -> Result<BrandingOverrides, DbError> {
    svc.db.run(move |c| tenant_branding::find(c, &id)).await
}

/// Stores the overrides and audits the change (before and after) in one transaction.
pub async fn save(
    svc: &Services,
    id: TenantId,
    after: BrandingOverrides,
    mut event: NewAuditEvent,
) -> Result<(), DbError> {
    let now = svc.now();
    svc.db
        .run(move |c| {
            use crate::db::WriteTransaction as _;
            c.write_transaction::<_, DbError, _>(|c| {
                let before = tenant_branding::find(c, &id)?;
                event.tenant_id = Some(id.clone());
                event.detail = Some(
                    serde_json::json!({
                        "branding": {
                            "before": BrandingForm::of(&before),
                            "after": BrandingForm::of(&after),
                        }
                    })
                    .to_string(),
                );
                tenant_branding::save(c, &id, &after, now)?;
                audit::insert(c, &event)
            })
        })
        .await
}
