//! `latchkey tenant add-domain|remove-domain`: a tenant's email domains.

use super::directory::{normalise_domain, tenant_owning};
use super::{open_db, usage, CliError};
use crate::config::Settings;
use crate::db::audit::{self, NewAuditEvent};
use crate::db::tenant_domains::{self, RemoveDomainError};
use crate::db::tenants;
use crate::domain::audit::{Event, Outcome};
use crate::domain::TenantKind;
use chrono::Utc;

/// Adds `domain` to the tenant that owns `tenant_domain`. A managed tenant's new domain counts
/// as verified: the operator vouches for it, as with `tenant create --managed`.
pub fn add(settings: &Settings, tenant_domain: &str, domain: &str) -> Result<(), CliError> {
    let existing = normalise_domain(tenant_domain)?;
    let domain = normalise_domain(domain)?;
    if settings.is_consumer_domain(&domain) {
        return Err(usage(format!(
            "{domain} is a consumer mail domain; its users belong to the built-in `consumers` tenant"
        )));
    }
    let db = open_db(settings)?;
    let mut conn = db.get()?;
    let tenant = tenant_owning(&mut conn, &existing)?;
    let now = Utc::now().naive_utc();
    let managed = tenant.kind() == TenantKind::Managed;
    tenant_domains::add(&mut conn, &tenant.tenant_id(), &domain, managed, now)?;
    let mut event = NewAuditEvent::new(now, "operator", Event::TenantDomainAdded, Outcome::Success);
    event.tenant_id = Some(tenant.tenant_id());
    event.detail = Some(serde_json::json!({ "domain": domain }).to_string());
    audit::insert(&mut conn, &event)?;
    println!("Tenant {:?} now owns {domain}.", tenant.name);
    Ok(())
}

/// Removes `domain` from its tenant (never the last one, nor one its guests still use).
pub fn remove(settings: &Settings, domain: &str) -> Result<(), CliError> {
    let domain = normalise_domain(domain)?;
    let db = open_db(settings)?;
    let mut conn = db.get()?;
    let tenant_id = tenant_domains::remove(&mut conn, &domain).map_err(|e| match e {
        RemoveDomainError::Db(d) => CliError::from(d),
        other => usage(other.to_string()),
    })?;
    let now = Utc::now().naive_utc();
    let mut event = NewAuditEvent::new(
        now,
        "operator",
        Event::TenantDomainRemoved,
        Outcome::Success,
    );
    event.tenant_id = Some(tenant_id.clone());
    event.detail = Some(serde_json::json!({ "domain": domain }).to_string());
    audit::insert(&mut conn, &event)?;
    let name = tenants::find_by_id(&mut conn, &tenant_id)?
        .map(|t| t.name)
        .unwrap_or_default();
    println!("Removed {domain} from the tenant {name:?}.");
    Ok(())
}
