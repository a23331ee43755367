//! A guest's lifecycle, for the operator CLI and the console alike: disable (policy rule 4,
//! `account_disabled`, then denies resets; sessions and outstanding reset links end), enable,
//! and delete (personal data erased; the audit keeps its rows under a stable pseudonym). Each
//! change is one write transaction with its audit event.

use crate::accounts::User;
use crate::config::Settings;
use crate::db::audit::{self, NewAuditEvent};
use crate::db::user_lifecycle::{self, Erased};
use crate::db::{reset_tokens, AnyConnection, DbError, WriteTransaction as _};
use crate::directory::DirectoryKind;
use crate::domain::audit::Event;
use crate::domain::EmailAddress;
use chrono::NaiveDateTime;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Why a lifecycle change was refused.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// In LDAP mode the directory decides whether an account is disabled.
    #[error(
        "in LDAP directory mode the directory decides whether an account is disabled: \
         disable or enable the entry there (OpenLDAP ppolicy: set or remove pwdAccountLockedTime; \
         Active Directory: the ACCOUNTDISABLE bit 0x2 of userAccountControl); \
         Latchkey sees the change at the next lookup"
    )]
    DirectoryManaged,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The stable pseudonym that replaces `email` in the audit once its guest is deleted: a keyed
/// hash (HMAC-SHA-256 under a key derived from `secret_key`), so the same address always maps
/// to the same pseudonym and the audit rows of one person still group together, but the
/// address cannot be read back without the key.
pub fn pseudonym(settings: &Settings, email: &EmailAddress) -> String {
    let key = settings.master_key.derive("latchkey/audit-pseudonym");
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(email.as_str().as_bytes());
    let digest = mac.finalize().into_bytes();
    format!("deleted-{}", &hex::encode(digest)[..24])
}

/// Refuses with [`LifecycleError::DirectoryManaged`] in LDAP mode, where the directory decides.
pub fn ensure_builtin(settings: &Settings) -> Result<(), LifecycleError> {
    if settings.directory.kind == DirectoryKind::Ldap {
        return Err(LifecycleError::DirectoryManaged);
    }
    Ok(())
}

/// Disables (`disabled = true`) or enables the guest and writes `event` (its `email`,
/// `tenant_id`, `user_id` are filled here). Disabling ends every session and revokes the
/// outstanding reset links. Returns whether anything changed (an already disabled guest is
/// left as is, and no event is written).
pub fn set_disabled(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    disabled: bool,
    mut event: NewAuditEvent,
    now: NaiveDateTime,
) -> Result<bool, LifecycleError> {
    ensure_builtin(settings)?;
    debug_assert_eq!(
        event.event(),
        if disabled {
            Event::UserDisabled.name()
        } else {
            Event::UserEnabled.name()
        }
    );
    fill(&mut event, user);
    let uid = user.user_id();
    Ok(conn.write_transaction::<_, DbError, _>(|c| {
        if !user_lifecycle::set_disabled(c, &uid, disabled, now)? {
            return Ok(false);
        }
        if disabled {
            reset_tokens::revoke_all_for_user(c, &uid, "account_disabled", now)?;
        }
        audit::insert(c, &event)?;
        Ok(true)
    })?)
}

/// Deletes the guest and their personal data ([`user_lifecycle::erase`]); `event`
/// (`user_deleted`) is written with the pseudonym in place of the address. In LDAP mode only
/// what Latchkey holds goes; the directory entry is the directory's business.
pub fn delete(
    conn: &mut AnyConnection,
    settings: &Settings,
    user: &User,
    mut event: NewAuditEvent,
) -> Result<Erased, LifecycleError> {
    let alias = pseudonym(settings, &user.email);
    fill(&mut event, user);
    event.email = Some(alias.clone());
    Ok(conn.write_transaction::<_, DbError, _>(|c| {
        let erased = user_lifecycle::erase(c, user, &alias)?;
        event.detail = Some(serde_json::to_string(&erased).map_err(anyhow::Error::from)?);
        audit::insert(c, &event)?;
        Ok(erased)
    })?)
}

fn fill(event: &mut NewAuditEvent, user: &User) {
    event.email = Some(user.email.to_string());
    event.tenant_id = Some(user.tenant_id());
    event.user_id = Some(user.user_id());
}
