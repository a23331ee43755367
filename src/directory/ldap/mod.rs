//! The LDAPv3 / Active Directory connector (crate `ldap3` over rustls).
//!
//! The service account's connections are pooled; a user's password is checked by a bind on a
//! fresh connection that is closed right after. The address in the search filter is escaped
//! (RFC 4515), so an address can never widen the search.

mod check;
mod connect;
mod create;
mod pool;
mod tls_diagnosis;

use super::outcome::{ad_unicode_pwd, classify_write, ppolicy_error, PPOLICY_OID};
use super::{DirectoryAccount, DirectoryError, LdapSettings, Lookup, PasswordWrite};
use ldap3::controls::RawControl;
use ldap3::exop::PasswordModify;
use ldap3::{Ldap, LdapError, LdapResult, Mod, Scope, SearchEntry, SearchOptions};
use pool::{Lease, Pool};
use rustls::ClientConfig;
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashSet;
use std::sync::Arc;

pub struct LdapDirectory {
    settings: LdapSettings,
    tls: Option<Arc<ClientConfig>>,
    pool: Pool,
}

/// The `{email}` placeholder filled with the RFC 4515-escaped address.
pub fn user_filter(template: &str, email: &str) -> String {
    template.replace("{email}", &ldap3::ldap_escape(email))
}

fn unavailable(what: &str, e: LdapError) -> DirectoryError {
    DirectoryError::Unavailable(format!("{what}: {e}"))
}

fn ppolicy_request() -> RawControl {
    RawControl {
        ctype: PPOLICY_OID.to_string(),
        crit: false,
        val: None,
    }
}

fn ppolicy_in(result: &LdapResult) -> Option<u32> {
    result
        .ctrls
        .iter()
        .find(|c| c.1.ctype == PPOLICY_OID)
        .and_then(|c| c.1.val.as_deref())
        .and_then(ppolicy_error)
}

/// The first value of `name` (attribute names compare case-insensitively); binary values (AD's
/// `objectGUID`) in lowercase hex.
fn first_value(entry: &SearchEntry, name: &str) -> Option<String> {
    let text = entry
        .attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.first().cloned());
    text.or_else(|| {
        entry
            .bin_attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.first().map(hex::encode))
    })
}

impl LdapDirectory {
    pub fn new(settings: LdapSettings) -> anyhow::Result<Self> {
        let tls = connect::tls_config(&settings)?;
        let pool = Pool::new(settings.pool_size);
        Ok(Self {
            settings,
            tls,
            pool,
        })
    }

    pub fn settings(&self) -> &LdapSettings {
        &self.settings
    }

    /// A DN no entry has, under the users' base: a bind as it is refused like a wrong password,
    /// so a sign-in for an unknown address costs the same round trip as a real one.
    pub fn unknown_dn(&self) -> String {
        format!(
            "cn=latchkey-no-such-account,{}",
            self.settings.users_base_dn
        )
    }

    /// A connection bound as the service account: from the pool, or opened and bound now.
    async fn service(&self) -> Result<Lease, DirectoryError> {
        let (idle, permit) = self.pool.take().await;
        if let Some(ldap) = idle {
            return Ok(Pool::lease(ldap, permit, true));
        }
        let mut ldap = connect::open(&self.settings, &self.tls).await?;
        let bind = ldap
            .simple_bind(
                &self.settings.bind_dn,
                self.settings.bind_password.expose_secret(),
            )
            .await
            .map_err(|e| unavailable("service bind", e))?;
        match bind.rc {
            0 => Ok(Pool::lease(ldap, permit, false)),
            49 => Err(DirectoryError::Unavailable(format!(
                "the directory refused the service account {:?}: wrong bind_dn or bind_password",
                self.settings.bind_dn
            ))),
            rc => Err(DirectoryError::Unavailable(format!(
                "service bind failed: ldap {rc}: {}",
                bind.text
            ))),
        }
    }

    /// Gives a connection back unless the operation failed at the transport level.
    async fn finish<T>(&self, lease: Lease, result: Result<T, LdapError>) -> Result<T, LdapError> {
        match &result {
            Ok(_) => self.pool.put(lease).await,
            Err(_) => self.pool.clear().await,
        }
        result
    }

    /// The entries whose address is `email`: exactly one is an account; none or several are
    /// not (the caller audits an ambiguity with the DNs and treats it as unknown).
    pub async fn lookup(&self, email: &str) -> Result<Lookup, DirectoryError> {
        let s = &self.settings;
        let filter = user_filter(&s.user_filter, email);
        let attrs = [
            s.mail_attribute.as_str(),
            s.display_name_attribute.as_str(),
            s.id_attribute.as_str(),
            s.disabled_attribute.as_str(),
        ];
        let mut retried = false;
        let search = loop {
            let mut lease = self.service().await?;
            let reused = lease.reused;
            let result = lease
                .ldap
                .with_search_options(SearchOptions::new().sizelimit(2))
                .search(&s.users_base_dn, Scope::Subtree, &filter, attrs.to_vec())
                .await;
            match self.finish(lease, result).await {
                Ok(r) => break r,
                // A pooled connection that died (a server restart): once more on a new one.
                Err(_) if reused && !retried => retried = true,
                Err(e) => return Err(unavailable("search", e)),
            }
        };
        let (entries, result) = (search.0, search.1);
        match result.rc {
            // sizeLimitExceeded: two or more entries, which is all an ambiguity needs.
            0 | 4 => {}
            32 => {
                return Err(DirectoryError::Unavailable(format!(
                    "no such base: users_base_dn {:?} does not exist",
                    s.users_base_dn
                )))
            }
            rc => {
                return Err(DirectoryError::Unavailable(format!(
                    "search failed: ldap {rc}: {}",
                    result.text
                )))
            }
        }
        let entries: Vec<SearchEntry> = entries
            .into_iter()
            .filter(|e| !e.is_ref() && !e.is_intermediate())
            .map(SearchEntry::construct)
            .collect();
        match entries.len() {
            0 => Ok(Lookup::NotFound),
            1 => Ok(self
                .account(&entries[0])
                .map_or(Lookup::NotFound, Lookup::Found)),
            _ => Ok(Lookup::Ambiguous(
                entries.into_iter().map(|e| e.dn).collect(),
            )),
        }
    }

    fn account(&self, entry: &SearchEntry) -> Option<DirectoryAccount> {
        let s = &self.settings;
        let Some(stable_id) = first_value(entry, &s.id_attribute) else {
            tracing::warn!(dn = %entry.dn, attribute = %s.id_attribute,
                "a directory entry has no stable id; it is treated as unknown");
            return None;
        };
        let disabled = if s
            .disabled_attribute
            .eq_ignore_ascii_case("userAccountControl")
        {
            first_value(entry, &s.disabled_attribute)
                .and_then(|v| v.trim().parse::<i64>().ok())
                .is_some_and(|uac| uac & 0x2 != 0)
        } else {
            first_value(entry, &s.disabled_attribute).is_some()
        };
        Some(DirectoryAccount {
            dn: entry.dn.clone(),
            stable_id,
            mail: first_value(entry, &s.mail_attribute),
            display_name: first_value(entry, &s.display_name_attribute),
            disabled,
        })
    }

    /// Whether `password` is the password of `dn`: a simple bind on a fresh connection, closed
    /// right after. Every refusal (wrong password, locked, unknown DN) is `Ok(false)`.
    pub async fn verify_password(
        &self,
        dn: &str,
        password: &SecretString,
    ) -> Result<bool, DirectoryError> {
        // An empty password would be an unauthenticated bind, which succeeds (RFC 4513 5.1.2).
        if password.expose_secret().is_empty() || dn.is_empty() {
            return Ok(false);
        }
        let mut ldap = connect::open(&self.settings, &self.tls).await?;
        let bind = ldap.simple_bind(dn, password.expose_secret()).await;
        let _ = ldap.unbind().await;
        match bind {
            Ok(r) if r.rc == 0 => Ok(true),
            // invalidCredentials, insufficientAccess, unwillingToPerform (locked), constraint.
            Ok(r) if matches!(r.rc, 49 | 50 | 53 | 19 | 32 | 34) => Ok(false),
            Ok(r) => Err(DirectoryError::Unavailable(format!(
                "user bind: ldap {}: {}",
                r.rc, r.text
            ))),
            Err(e) => Err(unavailable("user bind", e)),
        }
    }

    /// Sets `dn`'s password as configured (`password_write`), under the directory's password
    /// policy. A refusal is [`DirectoryError::Rejected`]; nothing is changed then.
    pub async fn set_password(
        &self,
        dn: &str,
        password: &SecretString,
    ) -> Result<(), DirectoryError> {
        let mut retried = false;
        loop {
            let lease = self.service().await?;
            let reused = lease.reused;
            match self.write_password(lease, dn, password).await {
                Err(_) if reused && !retried => retried = true,
                Err(e) => return Err(unavailable("password write", e)),
                Ok(result) => return classify_write(result.rc, &result.text, ppolicy_in(&result)),
            }
        }
    }

    /// One password write on `lease` (transport errors are returned for a retry).
    async fn write_password(
        &self,
        mut lease: Lease,
        dn: &str,
        password: &SecretString,
    ) -> Result<LdapResult, LdapError> {
        let pw = password.expose_secret();
        let ldap: &mut Ldap = &mut lease.ldap;
        let result = match self.settings.password_write {
            PasswordWrite::Exop => ldap
                .with_controls(vec![ppolicy_request()])
                .extended(PasswordModify {
                    user_id: Some(dn),
                    old_pass: None,
                    new_pass: Some(pw),
                })
                .await
                .map(|r| r.1),
            PasswordWrite::Attribute => {
                ldap.with_controls(vec![ppolicy_request()])
                    .modify(
                        dn,
                        vec![Mod::Replace(
                            b"userPassword".to_vec(),
                            HashSet::from([pw.as_bytes().to_vec()]),
                        )],
                    )
                    .await
            }
            PasswordWrite::Ad => {
                ldap.modify(
                    dn,
                    vec![Mod::Replace(
                        b"unicodePwd".to_vec(),
                        HashSet::from([ad_unicode_pwd(pw)]),
                    )],
                )
                .await
            }
        };
        self.finish(lease, result).await
    }
}

#[cfg(test)]
mod tests {
    use super::user_filter;

    const DEFAULT: &str = "(&(objectClass=inetOrgPerson)(mail={email}))";

    #[test]
    fn the_address_is_escaped_in_the_filter() {
        assert_eq!(
            user_filter(DEFAULT, "ann@example.com"),
            "(&(objectClass=inetOrgPerson)(mail=ann@example.com))"
        );
        let hostile = user_filter(DEFAULT, "*)(uid=*))(|(uid=*");
        assert_eq!(
            hostile,
            "(&(objectClass=inetOrgPerson)(mail=\\2a\\29\\28uid=\\2a\\29\\29\\28|\\28uid=\\2a))"
        );
        assert!(ldap3::parse_filter(&hostile).is_ok());
        let nul = user_filter(DEFAULT, "a\0b@example.com");
        assert_eq!(
            nul,
            "(&(objectClass=inetOrgPerson)(mail=a\\00b@example.com))"
        );
        assert_eq!(
            user_filter(DEFAULT, "back\\slash@example.com"),
            "(&(objectClass=inetOrgPerson)(mail=back\\5cslash@example.com))"
        );
    }
}
