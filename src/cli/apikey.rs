//! `latchkey apikey create|revoke|list`: API keys for the JSON API. A key is printed once, at
//! creation; only its hash and a short prefix are stored.

use super::{open_db, usage, CliError};
use crate::config::Settings;
use crate::domain::{ApiKeyId, TenantId};
use crate::onboarding::api_keys::{self, ApiKeyError};
use chrono::Utc;
use secrecy::ExposeSecret as _;

pub fn create(
    settings: &Settings,
    name: &str,
    tenant_domain: Option<&str>,
) -> Result<(), CliError> {
    let db = open_db(settings)?;
    let mut conn = db.get()?;
    let key = api_keys::create(
        &mut conn,
        settings,
        name,
        tenant_domain,
        "operator",
        Utc::now().naive_utc(),
    )
    .map_err(|e| match e {
        ApiKeyError::Db(d) => CliError::from(d),
        other => usage(other.to_string()),
    })?;
    let scope = key.tenant.as_ref().map_or_else(
        || "the whole platform".to_string(),
        |t| format!("tenant {:?}", t.name),
    );
    println!(
        "Created API key {:?} (id {}) for {scope}.",
        key.name, key.id
    );
    println!("The key is shown only now; store it in your secret manager:");
    println!("{}", key.secret.expose_secret());
    Ok(())
}

pub fn revoke(settings: &Settings, id: &str) -> Result<(), CliError> {
    let db = open_db(settings)?;
    let mut conn = db.get()?;
    let key = ApiKeyId::from_string(id.trim());
    if api_keys::revoke(&mut conn, &key, "operator", Utc::now().naive_utc())? {
        println!("Revoked API key {id}: it stops working at once.");
        Ok(())
    } else {
        Err(usage(format!("there is no live API key with id {id}")))
    }
}

pub fn list(settings: &Settings, json: bool) -> Result<(), CliError> {
    let db = open_db(settings)?;
    let mut conn = db.get()?;
    let keys = api_keys::list(&mut conn)?;
    if json {
        // The stored hash is never serialised; the prefix only identifies a key.
        let rows: Vec<_> = keys
            .iter()
            .map(|k| {
                serde_json::json!({
                    "id": k.id,
                    "prefix": k.prefix,
                    "name": k.name,
                    "tenant_id": k.tenant_id,
                    "created_by": k.created_by,
                    "created_at": k.created_at,
                    "last_used_at": k.last_used_at,
                    "revoked_at": k.revoked_at,
                    "status": if k.revoked_at.is_some() { "revoked" } else { "live" },
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(rows));
        return Ok(());
    }
    for k in keys {
        println!(
            "{}  {}…  {:<24} {}  {}",
            k.id,
            k.prefix,
            k.name,
            k.tenant_id.as_ref().map_or("platform", TenantId::as_str),
            if k.revoked_at.is_some() {
                "revoked"
            } else {
                "live"
            }
        );
    }
    Ok(())
}
