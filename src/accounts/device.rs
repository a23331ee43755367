//! Device cookies (OWASP Authentication Cheat Sheet, "device cookies"; docs/security.md#30).
//!
//! A browser that completes a sign-in for an account (a guest at `/signin`, an admin after the
//! TOTP step) is given an entry for that account in its device cookie: the account, a random
//! device id and the time it was issued. The cookie is sealed by the web layer (authenticated
//! encryption under the cookie key), so its entries cannot be forged or edited.
//!
//! Failed attempts are counted apart by where they come from ([`super::lockout`]): a browser
//! whose cookie names the account counts against its own device id; every other client counts
//! against the account's shared "untrusted" count. Someone who knows only the address can
//! therefore pause sign-ins from unknown browsers, but never the browser the owner already
//! signed in with. A completed sign-in gives the entry a fresh device id (and clears that
//! device's count); entries older than [`DEVICE_DAYS`] are ignored.
//!
//! Pure: no HTTP, no storage; times are Unix seconds passed in.

use super::lockout::Account;
use serde::{Deserialize, Serialize};

/// How long an entry trusts its browser after the sign-in that issued it.
pub const DEVICE_DAYS: i64 = 180;
/// At most this many accounts per browser (the oldest entry goes first).
pub const MAX_ENTRIES: usize = 8;

/// Where an attempt comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Client {
    /// No valid device cookie for the account: counted with every other unknown client.
    Untrusted,
    /// A browser that signed in as the account before: counted on its own (the device id).
    Device(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    /// `g:<user id>` or `a:<admin id>`.
    account: String,
    /// The random device id (32 hex characters).
    device: String,
    /// Unix seconds of the sign-in that issued the entry.
    issued: i64,
}

/// The entries of one browser's device cookie.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCookie {
    entries: Vec<Entry>,
}

fn name(account: Account<'_>) -> String {
    match account {
        Account::Guest(u) => format!("g:{u}"),
        Account::Admin(a) => format!("a:{a}"),
        // No browser holds a device entry for an address without an account.
        Account::UnknownGuest(key) => format!("u:{key}"),
    }
}

impl DeviceCookie {
    /// The entries of a (opened) cookie value that are still valid at `now`; anything that
    /// does not parse is an empty cookie.
    pub fn parse(value: Option<&str>, now: i64) -> Self {
        let mut cookie: DeviceCookie = value
            .and_then(|v| serde_json::from_str(v).ok())
            .unwrap_or_default();
        cookie.entries.retain(|e| {
            e.issued <= now
                && now - e.issued < DEVICE_DAYS * 86_400
                && e.device.len() == 32
                && e.device.bytes().all(|b| b.is_ascii_hexdigit())
        });
        cookie.entries.truncate(MAX_ENTRIES);
        cookie
    }

    /// Where an attempt at `account` from this browser comes from.
    pub fn client_for(&self, account: Account<'_>) -> Client {
        let wanted = name(account);
        self.entries
            .iter()
            .find(|e| e.account == wanted)
            .map_or(Client::Untrusted, |e| Client::Device(e.device.clone()))
    }

    /// The cookie after a completed sign-in as `account` at `now`: its entry first, with a
    /// fresh device id.
    pub fn remember(mut self, account: Account<'_>, now: i64) -> Self {
        let wanted = name(account);
        self.entries.retain(|e| e.account != wanted);
        self.entries.insert(
            0,
            Entry {
                account: wanted,
                device: hex::encode(crate::security::mac::os_random::<16>()),
                issued: now,
            },
        );
        self.entries.truncate(MAX_ENTRIES);
        self
    }

    /// The value to seal into the cookie.
    pub fn to_value(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AdminId, UserId};

    const T0: i64 = 1_800_000_000;

    #[test]
    fn a_sign_in_trusts_this_browser_for_that_account_only() {
        let (u, other, a) = (UserId::generate(), UserId::generate(), AdminId::generate());
        let c = DeviceCookie::default().remember(Account::Guest(&u), T0);
        let back = DeviceCookie::parse(Some(&c.to_value()), T0 + 60);
        assert!(matches!(back.client_for(Account::Guest(&u)), Client::Device(d) if d.len() == 32));
        assert_eq!(back.client_for(Account::Guest(&other)), Client::Untrusted);
        assert_eq!(back.client_for(Account::Admin(&a)), Client::Untrusted);
    }

    #[test]
    fn a_new_sign_in_gives_a_new_device_id_and_entries_expire() {
        let u = UserId::generate();
        let c = DeviceCookie::default().remember(Account::Guest(&u), T0);
        let first = c.client_for(Account::Guest(&u));
        let c = c.remember(Account::Guest(&u), T0 + 1);
        assert_ne!(c.client_for(Account::Guest(&u)), first);
        assert_eq!(c.entries.len(), 1);
        let later = DeviceCookie::parse(Some(&c.to_value()), T0 + DEVICE_DAYS * 86_400 + 1);
        assert_eq!(later.client_for(Account::Guest(&u)), Client::Untrusted);
    }

    #[test]
    fn garbage_is_an_empty_cookie_and_entries_are_capped() {
        assert_eq!(
            DeviceCookie::parse(Some("{nope"), T0),
            DeviceCookie::default()
        );
        assert_eq!(DeviceCookie::parse(None, T0), DeviceCookie::default());
        let mut c = DeviceCookie::default();
        for _ in 0..20 {
            c = c.remember(Account::Guest(&UserId::generate()), T0);
        }
        assert_eq!(c.entries.len(), MAX_ENTRIES);
    }
}
