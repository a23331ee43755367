//! A permanent failure of the recipient, wherever it is learnt: a refusal at `RCPT TO` during
//! the send ([`super::deliver`]) or a delivery status notification that arrives later
//! ([`super::bounces`]). Both call [`record_bounce`], so both mark the same way.
//!
//! And the VERP return path (`mail.bounce_domain`): each mail goes out with
//! `MAIL FROM:<bounce+<id>@<bounce domain>>`, where `<id>` is 128 random bits (hex) stored as
//! its SHA-256 with the one recipient ([`crate::db::mail_envelopes`]). The id says nothing about
//! the address, and nobody who has not seen the mail can name one, so a made-up report cannot
//! mark someone else's address bounced.

use crate::db::audit::{self, NewAuditEvent};
use crate::db::mail_envelopes::{self, MailEnvelope};
use crate::db::{reset_tokens, users, AnyConnection, DbError};
use crate::domain::{EmailAddress, UserId};
use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

/// The local part of every return path, before the `+`.
pub const RETURN_PATH_PREFIX: &str = "bounce+";

/// Marks `to` bounced: the account (`known`, or else the one whose address `to` is, if any)
/// gets `bounced_at` and `why` (policy rule 6 then denies its resets), its outstanding reset
/// tokens are revoked, and `audit` (a `mail_bounced` row; given the account found when it
/// names none) is written. Returns the account marked, if there was one.
pub(crate) fn record_bounce(
    c: &mut AnyConnection,
    to: &EmailAddress,
    known: Option<UserId>,
    why: &str,
    now: NaiveDateTime,
    mut audit: NewAuditEvent,
) -> Result<Option<UserId>, DbError> {
    let account = match known {
        Some(id) => Some(id),
        None => users::find_by_email(c, to)?.map(|u| {
            if audit.user_id.is_none() {
                audit.user_id = Some(u.id.clone());
                audit.tenant_id = audit.tenant_id.take().or(Some(u.tenant_id.clone()));
            }
            u.user_id()
        }),
    };
    if let Some(uid) = &account {
        users::mark_bounced(c, uid, why, now)?;
        reset_tokens::revoke_all_for_user(c, uid, "bounced", now)?;
    }
    audit::insert(c, &audit)?;
    Ok(account)
}

/// A fresh return-path id: 16 bytes from the OS CSPRNG, lowercase hex (local parts are
/// case-insensitive at many MTAs, so the id survives any case folding).
pub(crate) fn new_return_path_id() -> String {
    hex::encode(crate::security::mac::os_random::<16>())
}

/// SHA-256 (hex) of a return-path id: what is stored and looked up.
pub(crate) fn hash_return_path_id(id: &str) -> String {
    hex::encode(Sha256::digest(id.to_ascii_lowercase().as_bytes()))
}

/// The return path for `id` at `domain`.
pub(crate) fn return_path(id: &str, domain: &str) -> String {
    format!("{RETURN_PATH_PREFIX}{id}@{domain}")
}

/// The id of a return path at `domain` found in `text` (an address, possibly in `<>` or with
/// an `rfc822;` type), if `text` is one.
pub(crate) fn return_path_id(text: &str, domain: &str) -> Option<String> {
    let address = text
        .rsplit(';')
        .next()
        .unwrap_or(text)
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    let (local, host) = address.rsplit_once('@')?;
    if !host.trim_end_matches('.').eq_ignore_ascii_case(domain) {
        return None;
    }
    let lower = local.to_ascii_lowercase();
    let id = lower.strip_prefix(RETURN_PATH_PREFIX)?;
    (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())).then(|| id.to_string())
}

/// Stores the return path of a mail about to be sent.
pub(crate) fn remember(c: &mut AnyConnection, row: &MailEnvelope) -> Result<(), DbError> {
    mail_envelopes::insert(c, row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_path_ids_are_found_only_at_the_bounce_domain() {
        let id = new_return_path_id();
        assert_eq!(id.len(), 32);
        let path = return_path(&id, "bounces.example.com");
        assert_eq!(
            return_path_id(&path, "bounces.example.com").as_deref(),
            Some(id.as_str())
        );
        for shape in [
            format!("<{path}>"),
            format!("rfc822; {path}"),
            path.to_uppercase(),
        ] {
            assert_eq!(
                return_path_id(&shape, "bounces.example.com").as_deref(),
                Some(id.as_str()),
                "{shape}"
            );
        }
        assert_eq!(return_path_id(&path, "example.com"), None);
        assert_eq!(
            return_path_id("bounce+xyz@bounces.example.com", "bounces.example.com"),
            None
        );
        assert_eq!(
            return_path_id("guest@bounces.example.com", "bounces.example.com"),
            None
        );
        assert_ne!(new_return_path_id(), id);
        assert_eq!(
            hash_return_path_id(&id),
            hash_return_path_id(&id.to_uppercase())
        );
    }
}
