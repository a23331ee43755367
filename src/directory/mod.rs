//! Where accounts and passwords live: `builtin` (Latchkey's own tables) or `ldap` (any LDAPv3
//! server and Active Directory). Chosen by `[directory] kind`; built once in `startup`.
//!
//! The LDAP connector answers four questions: who has this address (exactly one entry, or
//! nobody), is this the account's password (a user bind on a fresh connection), set this
//! password (the directory's own policy applies; a refusal is [`DirectoryError::Rejected`], an
//! outage [`DirectoryError::Unavailable`]), and create an entry (only under `create_under`).

pub mod accounts;
pub mod ldap;
mod outcome;
mod settings;

pub use outcome::{DirectoryError, RejectReason, Rejection};
pub use settings::{
    DirectoryKind, DirectorySettings, LdapSettings, PasswordWrite, RawDirectorySettings, TlsMode,
};

use std::sync::Arc;

/// One directory entry as Latchkey sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryAccount {
    /// Where the entry is now (changes on a rename or a move).
    pub dn: String,
    /// What survives a rename or a move (`entryUUID`, `objectGUID` in hex): Latchkey's own row
    /// for the account (TOTP, verification, bounce, lock) is keyed by it.
    pub stable_id: String,
    /// The entry's address as the directory holds it.
    pub mail: Option<String>,
    pub display_name: Option<String>,
    pub disabled: bool,
}

/// What a search by address found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found(DirectoryAccount),
    /// No entry has the address.
    NotFound,
    /// Two or more entries share the address: treated as unknown (the caller audits the DNs;
    /// they are never shown).
    Ambiguous(Vec<String>),
}

impl Lookup {
    /// The one account, if exactly one entry matched.
    pub fn account(&self) -> Option<&DirectoryAccount> {
        match self {
            Lookup::Found(a) => Some(a),
            _ => None,
        }
    }
}

/// A new entry for an invited or signed-up guest.
pub struct NewEntry<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password: &'a secrecy::SecretString,
}

/// The configured directory.
#[derive(Clone, Default)]
pub enum Directory {
    /// Latchkey's own tables: the reset and sign-in services use their own storage.
    #[default]
    Builtin,
    Ldap(Arc<ldap::LdapDirectory>),
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Directory::Builtin => f.write_str("Directory::Builtin"),
            Directory::Ldap(_) => f.write_str("Directory::Ldap"),
        }
    }
}

impl Directory {
    /// Builds the configured directory (no connection is opened yet). Logs loudly when the
    /// LDAP connection is not protected by TLS.
    pub fn from_settings(settings: &DirectorySettings) -> anyhow::Result<Self> {
        match (&settings.kind, &settings.ldap) {
            (DirectoryKind::Ldap, Some(ldap)) => {
                if ldap.tls == TlsMode::None {
                    tracing::warn!(
                        urls = ?ldap.urls,
                        "directory.tls = \"none\": passwords cross the network IN CLEAR TEXT; \
                         use \"starttls\" or \"ldaps\" outside a test bench"
                    );
                }
                Ok(Directory::Ldap(Arc::new(ldap::LdapDirectory::new(
                    ldap.clone(),
                )?)))
            }
            _ => Ok(Directory::Builtin),
        }
    }

    /// The LDAP connector, when one is configured.
    pub fn ldap(&self) -> Option<&ldap::LdapDirectory> {
        match self {
            Directory::Ldap(l) => Some(l),
            Directory::Builtin => None,
        }
    }
}
