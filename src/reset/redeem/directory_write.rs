//! `POST /reset/new` with a directory (LDAP / Active Directory): the new password is written
//! there, under the directory's own password policy, before Latchkey consumes the token.
//!
//! Order and crash behaviour: the directory write happens first, then one Latchkey transaction
//! consumes the token. A refusal or an outage changes nothing and leaves the token usable. If
//! the process dies between the two, the directory already has the new password and the token
//! is still live: the link works once more and sets a password again (the guest's retry), and
//! the completed reset is audited then. See docs/directory.md.

use super::token::audit_token;
use crate::db::models::User;
use crate::db::reset_tokens::ResetToken;
use crate::db::{directory_links, DbError};
use crate::directory::ldap::LdapDirectory;
use crate::directory::{DirectoryError, Lookup, Rejection};
use crate::domain::audit::{Event, Outcome};
use crate::services::Services;
use secrecy::SecretString;
use std::net::IpAddr;

pub(super) enum Written {
    Done,
    Rejected(Rejection),
    Unavailable,
    /// The account no longer resolves to the linked entry (deleted, address moved away).
    Gone,
}

pub(super) async fn write(
    svc: &Services,
    ldap: &LdapDirectory,
    user: &User,
    token: &ResetToken,
    password: &SecretString,
    ip: Option<IpAddr>,
) -> Result<Written, DbError> {
    let uid = user.user_id();
    let Some((stable_id, _)) = svc
        .db
        .run(move |c| directory_links::of_user(c, &uid))
        .await?
    else {
        return Ok(Written::Gone);
    };
    // The entry may have been renamed or moved since the link was sent: find it again by its
    // address and check it is still the same entry.
    let dn = match ldap.lookup(user.email.as_str()).await {
        Ok(Lookup::Found(a)) if a.stable_id == stable_id && !a.disabled => a.dn,
        Ok(_) => return Ok(Written::Gone),
        Err(e) => {
            tracing::warn!(error = %e, "directory unavailable at /reset/new; nothing was changed");
            return Ok(Written::Unavailable);
        }
    };
    match ldap.set_password(&dn, password).await {
        Ok(()) => Ok(Written::Done),
        Err(DirectoryError::Rejected(r)) => {
            audit_token(
                svc,
                Event::PasswordRejected,
                Outcome::Failure,
                Some(token),
                Some(&r.code),
                ip,
            )
            .await?;
            Ok(Written::Rejected(r))
        }
        Err(e) => {
            tracing::warn!(error = %e, "the directory did not take the new password; nothing was changed");
            Ok(Written::Unavailable)
        }
    }
}
