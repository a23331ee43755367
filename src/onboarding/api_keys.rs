//! API keys for the JSON API: created by the operator (`latchkey apikey create`) or a platform
//! admin, shown once, stored as a SHA-256 and a short prefix; scoped to one tenant or to the
//! whole platform. And the `Idempotency-Key` store: a retried request with the same key and the
//! same body gets the first reply again; the same key with another body is refused.

use crate::db::api_keys::{self, ApiKey, IdempotentResponse};
use crate::db::audit::{self, NewAuditEvent};
use crate::db::models::Tenant;
use crate::db::{tenants, AnyConnection, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::domain::{ApiKeyId, EmailAddress};
use crate::security::TokenSecret;
use crate::services::Services;
use chrono::NaiveDateTime;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// Every key starts with this, so a leaked key is recognisable by secret scanners.
pub const KEY_PREFIX: &str = "lk_";
/// How many characters of a key are kept in clear to recognise it ("lk_AbCdEfGh").
const SHOWN_CHARS: usize = 11;
/// Presented keys longer than this are refused before hashing.
const MAX_PRESENTED_CHARS: usize = 128;
/// Longest `Idempotency-Key` accepted.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;

/// A key just created: the only time the secret exists outside the caller's hands.
pub struct CreatedKey {
    pub id: ApiKeyId,
    /// The whole key: show it once, never store or log it.
    pub secret: SecretString,
    pub prefix: String,
    pub name: String,
    /// The tenant it is scoped to (`None`: platform key).
    pub tenant: Option<Tenant>,
}

impl std::fmt::Debug for CreatedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedKey")
            .field("id", &self.id)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// Why a key could not be created.
#[derive(Debug, thiserror::Error)]
pub enum ApiKeyError {
    #[error("The key needs a name (what uses it), of at most 100 characters.")]
    BadName,
    #[error("{0:?} is not a valid domain.")]
    BadDomain(String),
    #[error("No tenant owns the domain {0}.")]
    UnknownDomain(String),
    #[error("{0} is a consumer mail domain: a key cannot be scoped to it.")]
    ConsumerDomain(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// SHA-256 (hex) of a key: what is stored and looked up.
fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Creates a key named `name`, scoped to the tenant owning `tenant_domain` (or platform-wide),
/// audited with `actor` (`operator`, `admin:<id>`).
pub fn create(
    conn: &mut AnyConnection,
    settings: &crate::config::Settings,
    name: &str,
    tenant_domain: Option<&str>,
    actor: &str,
    now: NaiveDateTime,
) -> Result<CreatedKey, ApiKeyError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiKeyError::BadName);
    }
    let tenant = match tenant_domain {
        None => None,
        Some(d) => {
            let domain = EmailAddress::parse(&format!("postmaster@{}", d.trim()))
                .map_err(|_| ApiKeyError::BadDomain(d.to_string()))?
                .domain()
                .to_string();
            if settings.is_consumer_domain(&domain) {
                return Err(ApiKeyError::ConsumerDomain(domain));
            }
            Some(
                tenants::find_by_domain(conn, &domain)?
                    .ok_or(ApiKeyError::UnknownDomain(domain))?,
            )
        }
    };
    // 32 bytes from the OS CSPRNG, base64url (the shape of a reset token).
    let secret = format!("{KEY_PREFIX}{}", TokenSecret::generate().expose());
    let row = ApiKey {
        id: ApiKeyId::generate(),
        key_hash: hash_key(&secret),
        prefix: secret[..SHOWN_CHARS].to_string(),
        name: name.to_string(),
        tenant_id: tenant.as_ref().map(Tenant::tenant_id),
        created_by: Some(actor.to_string()),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    api_keys::insert(conn, &row)?;
    let mut e = NewAuditEvent::new(now, actor, Event::ApiKeyCreated, Outcome::Success);
    e.tenant_id = row.tenant_id.clone();
    e.detail = Some(
        serde_json::json!({ "api_key_id": row.id, "name": row.name, "prefix": row.prefix })
            .to_string(),
    );
    audit::insert(conn, &e)?;
    Ok(CreatedKey {
        id: row.id,
        secret: SecretString::from(secret),
        prefix: row.prefix,
        name: row.name,
        tenant,
    })
}

/// Revokes a key (it stops working at once); false when there is no such live key.
pub fn revoke(
    conn: &mut AnyConnection,
    id: &ApiKeyId,
    actor: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let key = api_keys::find_by_id(conn, id)?;
    if !api_keys::revoke(conn, id, now)? {
        return Ok(false);
    }
    let mut e = NewAuditEvent::new(now, actor, Event::ApiKeyRevoked, Outcome::Success);
    e.tenant_id = key.and_then(|k| k.tenant_id);
    e.detail = Some(serde_json::json!({ "api_key_id": id }).to_string());
    audit::insert(conn, &e)?;
    Ok(true)
}

/// [`list`] for the console.
pub async fn list_keys(svc: &Services) -> Result<Vec<ApiKey>, DbError> {
    svc.db.run(list).await
}

/// [`create`] for the console, audited as `actor`.
pub async fn create_key(
    svc: &Services,
    name: String,
    tenant_domain: Option<String>,
    actor: String,
) -> Result<Result<CreatedKey, ApiKeyError>, DbError> {
    let (settings, now) = (svc.settings.clone(), svc.now());
    svc.db
        .run(move |c| {
            Ok(create(
                c,
                &settings,
                &name,
                tenant_domain.as_deref(),
                &actor,
                now,
            ))
        })
        .await
}

/// [`revoke`] for the console, audited as `actor`.
pub async fn revoke_key(svc: &Services, id: ApiKeyId, actor: String) -> Result<bool, DbError> {
    let now = svc.now();
    svc.db.run(move |c| revoke(c, &id, &actor, now)).await
}

/// Every key (revoked ones too), newest first: the console's list.
pub fn list(conn: &mut AnyConnection) -> Result<Vec<ApiKey>, DbError> {
    api_keys::list(conn)
}

/// The live key a presented bearer token is, recording its use.
pub fn authenticate(
    conn: &mut AnyConnection,
    presented: &SecretString,
    now: NaiveDateTime,
) -> Result<Option<ApiKey>, DbError> {
    let text = presented.expose_secret();
    if !text.starts_with(KEY_PREFIX) || text.len() > MAX_PRESENTED_CHARS {
        return Ok(None);
    }
    let key = api_keys::find_live_by_hash(conn, &hash_key(text))?;
    if let Some(k) = &key {
        api_keys::touch(conn, &k.id, now)?;
    }
    Ok(key)
}

/// What a request with an `Idempotency-Key` comes to before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replay {
    /// First use of the key: run the request, then [`remember`] its reply.
    Fresh,
    /// The same request was answered before: send this again.
    Stored { status: u16, body: String },
    /// The key was used for a different request.
    Mismatch,
}

/// SHA-256 of what identifies a request: method, path and body.
pub fn request_fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update(b"\0");
    h.update(path.as_bytes());
    h.update(b"\0");
    h.update(body);
    hex::encode(h.finalize())
}

/// Looks an `Idempotency-Key` up for `api_key_id`.
pub fn replay(
    conn: &mut AnyConnection,
    api_key_id: &ApiKeyId,
    key: &str,
    fingerprint: &str,
) -> Result<Replay, DbError> {
    Ok(match api_keys::find_idempotent(conn, api_key_id, key)? {
        None => Replay::Fresh,
        Some(r) if r.request_hash == fingerprint => Replay::Stored {
            status: u16::try_from(r.status).unwrap_or(500),
            body: r.body,
        },
        Some(_) => Replay::Mismatch,
    })
}

/// Stores the reply to a request with an `Idempotency-Key`. A concurrent twin that stored first
/// wins; its reply is returned so both callers send the same.
pub fn remember(
    conn: &mut AnyConnection,
    api_key_id: &ApiKeyId,
    key: &str,
    fingerprint: &str,
    status: u16,
    body: &str,
    now: NaiveDateTime,
) -> Result<Replay, DbError> {
    let row = IdempotentResponse {
        api_key_id: api_key_id.clone(),
        idempotency_key: key.to_string(),
        request_hash: fingerprint.to_string(),
        status: i32::from(status),
        body: body.to_string(),
        created_at: now,
    };
    match api_keys::insert_idempotent(conn, &row) {
        Ok(()) => Ok(Replay::Fresh),
        Err(DbError::Conflict(_)) => replay(conn, api_key_id, key, fingerprint),
        Err(e) => Err(e),
    }
}
