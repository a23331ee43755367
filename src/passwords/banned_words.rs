//! A tenant's banned password words, as its admins (or a platform admin) keep them on the
//! console's tenant page. Saving replaces the list in one transaction with an audit event that
//! carries the list before and after.

use crate::db::audit::{self, NewAuditEvent};
use crate::db::{banned_words, tenants, Db, DbError};
use crate::domain::password::words::{parse_banned_words, BannedWordsError};
use crate::domain::TenantId;
use chrono::NaiveDateTime;

/// The audit event of a change.
pub const UPDATED_EVENT: crate::domain::audit::Event =
    crate::domain::audit::Event::TenantBannedWordsUpdated;

/// A tenant's list, for its page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TenantWords {
    pub tenant_id: crate::domain::TenantId,
    pub tenant_name: String,
    pub words: Vec<String>,
}

/// What saving came to.
#[derive(Debug)]
pub enum SaveOutcome {
    /// Stored (and audited); how many words the list holds now.
    Saved { words: usize },
    /// The list was refused; nothing changed. The reason goes next to the field.
    Refused(BannedWordsError),
    /// No such tenant.
    NotFound,
}

/// The tenant's name and banned words; `None` when there is no such tenant.
pub async fn load(db: &Db, tenant: &TenantId) -> Result<Option<TenantWords>, DbError> {
    let tenant = tenant.clone();
    db.run(move |c| {
        let Some(t) = tenants::find_by_id(c, &tenant)? else {
            return Ok(None);
        };
        Ok(Some(TenantWords {
            words: banned_words::of_tenant(c, &tenant)?,
            tenant_id: t.id,
            tenant_name: t.name,
        }))
    })
    .await
}

/// Replaces the tenant's list with the words in `text` (one per line or comma-separated),
/// auditing `event` (its name and detail are set here) with the lists before and after.
pub async fn save(
    db: &Db,
    tenant: &TenantId,
    text: &str,
    mut event: NewAuditEvent,
    now: NaiveDateTime,
) -> Result<SaveOutcome, DbError> {
    let after = match parse_banned_words(text) {
        Ok(words) => words,
        Err(e) => return Ok(SaveOutcome::Refused(e)),
    };
    let tenant = tenant.clone();
    db.run(move |c| {
        use crate::db::WriteTransaction as _;
        c.write_transaction::<_, DbError, _>(|c| {
            if tenants::find_by_id(c, &tenant)?.is_none() {
                return Ok(SaveOutcome::NotFound);
            }
            let before = banned_words::of_tenant(c, &tenant)?;
            banned_words::replace(c, &tenant, &after, now)?;
            event.set_event(UPDATED_EVENT, crate::domain::audit::Outcome::Success);
            event.tenant_id = Some(tenant.clone());
            event.detail =
                Some(serde_json::json!({ "before": before, "after": after }).to_string());
            audit::insert(c, &event)?;
            Ok(SaveOutcome::Saved { words: after.len() })
        })
    })
    .await
}
