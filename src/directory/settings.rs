//! The `[directory]` settings (`LATCHKEY_DIRECTORY__…`): where accounts and passwords live.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// Which directory holds the guests' accounts and passwords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DirectoryKind {
    /// Latchkey's own tables (the default; the embedded demo uses it).
    #[default]
    Builtin,
    /// An LDAPv3 server (OpenLDAP, 389-DS, lldap, FreeIPA) or Active Directory.
    Ldap,
}

/// How the connection to the directory is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// `ldap://` upgraded with the StartTLS extended operation (the default).
    #[default]
    Starttls,
    /// `ldaps://` (TLS from the first byte).
    Ldaps,
    /// Plain text. Only with an explicit setting; logged loudly at start.
    None,
}

/// How a new password is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PasswordWrite {
    /// The Password Modify extended operation (RFC 3062).
    #[default]
    Exop,
    /// Active Directory: `unicodePwd` replaced by the quoted UTF-16LE value (needs TLS).
    Ad,
    /// `userPassword` replaced (servers without RFC 3062).
    Attribute,
}

/// `[directory]` as written. No `Debug`: it holds the bind password.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawDirectorySettings {
    pub kind: DirectoryKind,
    /// Servers, tried in order (failover).
    pub url: Vec<String>,
    pub tls: TlsMode,
    /// PEM file of the CA(s) that sign the server's certificate; default: the system's roots.
    pub ca_file: Option<PathBuf>,
    pub bind_dn: String,
    pub bind_password: Option<String>,
    pub bind_password_file: Option<PathBuf>,
    pub users_base_dn: String,
    /// `{email}` is replaced by the RFC 4515-escaped address.
    pub user_filter: String,
    pub mail_attribute: String,
    pub display_name_attribute: String,
    /// A value that survives a rename or a move (`entryUUID`; `objectGUID` on AD).
    pub id_attribute: String,
    /// An account is disabled when this attribute is present (ppolicy `pwdAccountLockedTime`),
    /// or, for `userAccountControl`, when its bit 0x2 (ACCOUNTDISABLE) is set.
    pub disabled_attribute: String,
    pub password_write: PasswordWrite,
    /// Where invitations and signups create entries (a DN); unset: the directory is read-only
    /// for Latchkey and invitations and signups are refused.
    pub create_under: Option<String>,
    pub create_object_classes: Vec<String>,
    pub timeout_seconds: u64,
    /// Service-account connections kept open.
    pub pool_size: u32,
    /// Whether the directory is authoritative for its accounts' addresses (policy rule 7 passes
    /// for them unless this is `false`).
    pub mail_verified: bool,
}

impl Default for RawDirectorySettings {
    fn default() -> Self {
        Self {
            kind: DirectoryKind::Builtin,
            url: Vec::new(),
            tls: TlsMode::Starttls,
            ca_file: None,
            bind_dn: String::new(),
            bind_password: None,
            bind_password_file: None,
            users_base_dn: String::new(),
            user_filter: "(&(objectClass=inetOrgPerson)(mail={email}))".into(),
            mail_attribute: "mail".into(),
            display_name_attribute: "cn".into(),
            id_attribute: "entryUUID".into(),
            disabled_attribute: "pwdAccountLockedTime".into(),
            password_write: PasswordWrite::Exop,
            create_under: None,
            create_object_classes: vec![
                "top".into(),
                "person".into(),
                "organizationalPerson".into(),
                "inetOrgPerson".into(),
            ],
            timeout_seconds: 5,
            pool_size: 4,
            mail_verified: true,
        }
    }
}

/// Validated `[directory]` settings.
#[derive(Clone, Debug)]
pub struct DirectorySettings {
    pub kind: DirectoryKind,
    pub ldap: Option<LdapSettings>,
    pub mail_verified: bool,
}

impl Default for DirectorySettings {
    fn default() -> Self {
        Self {
            kind: DirectoryKind::Builtin,
            ldap: None,
            mail_verified: true,
        }
    }
}

impl DirectorySettings {
    /// Whether Latchkey may create accounts (invitations, signups, `latchkey user create`):
    /// always with the builtin directory; with LDAP only when `create_under` is set.
    pub fn creates_accounts(&self) -> bool {
        match (&self.kind, &self.ldap) {
            (DirectoryKind::Ldap, Some(l)) => l.create_under.is_some(),
            _ => true,
        }
    }
}

/// The LDAP connector's validated settings. `Debug` shows the bind password as
/// `[REDACTED]` (a `SecretString`).
#[derive(Clone, Debug)]
pub struct LdapSettings {
    pub urls: Vec<String>,
    pub tls: TlsMode,
    pub ca_file: Option<PathBuf>,
    pub bind_dn: String,
    pub bind_password: SecretString,
    pub users_base_dn: String,
    pub user_filter: String,
    pub mail_attribute: String,
    pub display_name_attribute: String,
    pub id_attribute: String,
    pub disabled_attribute: String,
    pub password_write: PasswordWrite,
    pub create_under: Option<String>,
    pub create_object_classes: Vec<String>,
    pub timeout: Duration,
    pub pool_size: usize,
}

/// A `[directory]` value that was refused: the setting's name (without the section) and the fix.
#[derive(Debug)]
pub struct DirectorySettingError {
    pub setting: &'static str,
    pub message: String,
}

fn refuse(setting: &'static str, message: impl Into<String>) -> DirectorySettingError {
    DirectorySettingError {
        setting,
        message: message.into(),
    }
}

impl RawDirectorySettings {
    /// Validates; `bind_password` is the secret already read from the setting or its `_file`.
    pub fn validate(
        &self,
        bind_password: Option<String>,
    ) -> Result<DirectorySettings, DirectorySettingError> {
        if self.kind == DirectoryKind::Builtin {
            return Ok(DirectorySettings {
                kind: DirectoryKind::Builtin,
                ldap: None,
                mail_verified: self.mail_verified,
            });
        }
        if self.url.is_empty() {
            return Err(refuse(
                "url",
                "kind = \"ldap\" needs at least one server, e.g. url = [\"ldap://ldap.example.com\"]",
            ));
        }
        for u in &self.url {
            let scheme = u.split("://").next().unwrap_or("").to_ascii_lowercase();
            let expected = match self.tls {
                TlsMode::Ldaps => "ldaps",
                TlsMode::Starttls | TlsMode::None => "ldap",
            };
            if !u.contains("://") || scheme != expected {
                return Err(refuse(
                    "url",
                    format!(
                        "{u:?} does not match tls = \"{}\": use {expected}://host[:port] \
                         (ldaps:// goes with tls = \"ldaps\", ldap:// with \"starttls\" or \"none\")",
                        tls_name(self.tls)
                    ),
                ));
            }
        }
        if let Some(ca) = &self.ca_file {
            if !ca.is_file() {
                return Err(refuse(
                    "ca_file",
                    format!("{} does not exist or is not a file", ca.display()),
                ));
            }
        }
        if self.bind_dn.trim().is_empty() {
            return Err(refuse(
                "bind_dn",
                "set the service account's DN, e.g. \"cn=latchkey,ou=services,dc=example,dc=com\"",
            ));
        }
        let Some(password) = bind_password.filter(|p| !p.is_empty()) else {
            return Err(refuse(
                "bind_password",
                "set `bind_password` or `bind_password_file` (the service account's password)",
            ));
        };
        if self.users_base_dn.trim().is_empty() {
            return Err(refuse(
                "users_base_dn",
                "set the subtree searched for accounts, e.g. \"ou=people,dc=example,dc=com\"",
            ));
        }
        if self.user_filter.matches("{email}").count() != 1 {
            return Err(refuse(
                "user_filter",
                "must contain the placeholder {email} exactly once, e.g. \
                 \"(&(objectClass=inetOrgPerson)(mail={email}))\"",
            ));
        }
        let probe = self.user_filter.replace("{email}", "probe@example.com");
        if ldap3::parse_filter(&probe).is_err() {
            return Err(refuse(
                "user_filter",
                format!(
                    "{:?} is not a valid LDAP filter (RFC 4515)",
                    self.user_filter
                ),
            ));
        }
        for (name, value) in [
            ("mail_attribute", &self.mail_attribute),
            ("display_name_attribute", &self.display_name_attribute),
            ("id_attribute", &self.id_attribute),
            ("disabled_attribute", &self.disabled_attribute),
        ] {
            if value.trim().is_empty() || value.contains(|c: char| c.is_whitespace()) {
                return Err(refuse(name, "must be an attribute name such as \"mail\""));
            }
        }
        if self.password_write == PasswordWrite::Ad && self.tls == TlsMode::None {
            return Err(refuse(
                "password_write",
                "Active Directory accepts unicodePwd only over TLS: set tls = \"ldaps\" or \"starttls\"",
            ));
        }
        if self.timeout_seconds == 0 {
            return Err(refuse("timeout_seconds", "must be greater than zero"));
        }
        if self.pool_size == 0 {
            return Err(refuse("pool_size", "must be greater than zero"));
        }
        if self.create_under.is_some() && self.create_object_classes.is_empty() {
            return Err(refuse(
                "create_object_classes",
                "create_under is set: list the object classes of new entries",
            ));
        }
        Ok(DirectorySettings {
            kind: DirectoryKind::Ldap,
            mail_verified: self.mail_verified,
            ldap: Some(LdapSettings {
                urls: self.url.clone(),
                tls: self.tls,
                ca_file: self.ca_file.clone(),
                bind_dn: self.bind_dn.clone(),
                bind_password: SecretString::from(password),
                users_base_dn: self.users_base_dn.clone(),
                user_filter: self.user_filter.clone(),
                mail_attribute: self.mail_attribute.clone(),
                display_name_attribute: self.display_name_attribute.clone(),
                id_attribute: self.id_attribute.clone(),
                disabled_attribute: self.disabled_attribute.clone(),
                password_write: self.password_write,
                create_under: self.create_under.clone().filter(|s| !s.trim().is_empty()),
                create_object_classes: self.create_object_classes.clone(),
                timeout: Duration::from_secs(self.timeout_seconds),
                pool_size: self.pool_size as usize,
            }),
        })
    }
}

fn tls_name(t: TlsMode) -> &'static str {
    match t {
        TlsMode::Starttls => "starttls",
        TlsMode::Ldaps => "ldaps",
        TlsMode::None => "none",
    }
}
