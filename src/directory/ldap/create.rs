//! Creating an entry for an invited or signed-up guest under `create_under`, with the
//! configured object classes, and setting its password as a reset would (the directory's
//! password policy applies).
//!
//! The entry is added without a password, then the password is written. If the directory
//! refuses the password (or goes away), the entry just added is deleted again, so the guest's
//! next attempt starts clean. An entry left at the same DN by an attempt that died half-way
//! (added, but the process stopped before the password or Latchkey's commit) is taken over by
//! the next attempt: only the holder of the invitation or signup link gets that far.

use super::{unavailable, LdapDirectory};
use crate::directory::{DirectoryAccount, DirectoryError, Lookup, NewEntry};
use std::collections::HashSet;

/// `entryAlreadyExists` (RFC 4511).
const ALREADY_EXISTS: u32 = 68;

impl LdapDirectory {
    /// The DN a new entry for `email` gets (`uid=<email>,<create_under>`), or `None` when the
    /// directory is read-only for Latchkey.
    pub fn new_entry_dn(&self, email: &str) -> Option<String> {
        let under = self.settings.create_under.as_ref()?;
        Some(format!("uid={},{under}", ldap3::dn_escape(email)))
    }

    /// Creates an entry for `entry` under `create_under` and sets its password; refuses with
    /// [`DirectoryError::ReadOnly`] when `create_under` is not set. A password refusal is
    /// [`DirectoryError::Rejected`] and leaves no entry behind.
    pub async fn create(&self, entry: &NewEntry<'_>) -> Result<DirectoryAccount, DirectoryError> {
        let s = &self.settings;
        let Some(dn) = self.new_entry_dn(entry.email) else {
            return Err(DirectoryError::ReadOnly);
        };
        let name = if entry.display_name.trim().is_empty() {
            entry.email
        } else {
            entry.display_name
        };
        let one = |v: &str| HashSet::from([v.as_bytes().to_vec()]);
        let classes: HashSet<Vec<u8>> = s
            .create_object_classes
            .iter()
            .map(|c| c.as_bytes().to_vec())
            .collect();
        let attrs: Vec<(Vec<u8>, HashSet<Vec<u8>>)> = vec![
            (b"objectClass".to_vec(), classes),
            (b"uid".to_vec(), one(entry.email)),
            (b"cn".to_vec(), one(name)),
            (b"sn".to_vec(), one(name)),
            (s.mail_attribute.as_bytes().to_vec(), one(entry.email)),
        ];
        let mut lease = self.service().await?;
        let result = lease.ldap.add(&dn, attrs).await;
        let result = self
            .finish(lease, result)
            .await
            .map_err(|e| unavailable("add", e))?;
        let added_now = match result.rc {
            0 => true,
            // Left by an attempt that died half-way: this attempt finishes it.
            ALREADY_EXISTS => false,
            rc => {
                return Err(DirectoryError::Unavailable(format!(
                    "adding {dn:?} failed: ldap {rc}: {}",
                    result.text
                )))
            }
        };
        if let Err(e) = self.set_password(&dn, entry.password).await {
            if added_now {
                self.remove(&dn).await;
            }
            return Err(e);
        }
        match self.lookup(entry.email).await? {
            Lookup::Found(account) => Ok(account),
            _ => Err(DirectoryError::Unavailable(format!(
                "the new entry {dn:?} is not found by user_filter under users_base_dn"
            ))),
        }
    }

    /// Deletes an entry this connector just added (best effort: a failure is logged, and the
    /// next attempt takes the entry over).
    async fn remove(&self, dn: &str) {
        let Ok(mut lease) = self.service().await else {
            tracing::warn!(%dn, "could not delete the half-created directory entry");
            return;
        };
        let result = lease.ldap.delete(dn).await;
        match self.finish(lease, result).await {
            Ok(r) if r.rc == 0 => {}
            Ok(r) => {
                tracing::warn!(%dn, rc = r.rc, "could not delete the half-created directory entry")
            }
            Err(e) => {
                tracing::warn!(%dn, error = %e, "could not delete the half-created directory entry")
            }
        }
    }
}
