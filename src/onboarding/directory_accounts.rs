//! Creating an invited or signed-up guest's account when a directory holds the accounts
//! (`[directory] kind = "ldap"` with `create_under`): the entry is created in the directory with
//! the configured object classes and the password is set there (the directory's password policy
//! applies, and a refusal shows its reason next to the field); then one Latchkey transaction
//! creates Latchkey's row for the account (no password hash), links it to the entry by its
//! stable id and consumes the link. The guest then signs in by a bind, like every directory
//! account.
//!
//! Crash window: if the process dies after the directory write and before Latchkey's commit,
//! the link is still live and the entry exists; the guest's next attempt with the same link finds
//! the entry at the DN it would create, sets the password again and completes (see
//! docs/directory.md).

use super::accounts::{create_account, AccountOutcome, Credential, NewAccount, PendingAccount};
use crate::db::audit::{self, NewAuditEvent};
use crate::db::{users, AnyConnection, DbError};
use crate::directory::ldap::LdapDirectory;
use crate::directory::{DirectoryError, Lookup, NewEntry};
use crate::domain::audit::{Event, Outcome};
use crate::domain::UserId;
use crate::services::Services;
use secrecy::SecretString;

/// Creates the entry and the account; `consume` uses the link inside Latchkey's transaction.
pub(super) async fn create(
    svc: &Services,
    ldap: &LdapDirectory,
    pending: PendingAccount,
    new: NewAccount,
    password: &SecretString,
    consume: impl FnOnce(&mut AnyConnection, &UserId) -> Result<bool, DbError> + Send + 'static,
) -> Result<AccountOutcome, DbError> {
    let Some(planned_dn) = ldap.new_entry_dn(new.email.as_str()) else {
        return Ok(AccountOutcome::DirectoryReadOnly);
    };
    let lookup = new.email.clone();
    if svc
        .db
        .run(move |c| users::find_by_email(c, &lookup))
        .await?
        .is_some()
    {
        return Ok(AccountOutcome::AlreadyUser);
    }
    // An entry elsewhere with this address is someone's account already: never a second one.
    match ldap.lookup(new.email.as_str()).await {
        Ok(Lookup::NotFound) => {}
        Ok(Lookup::Found(a)) if a.dn.eq_ignore_ascii_case(&planned_dn) => {}
        Ok(_) => return Ok(AccountOutcome::AlreadyUser),
        Err(e) => return Ok(unavailable(&e)),
    }
    let display_name = new.display_name.clone().unwrap_or_default();
    let entry = NewEntry {
        email: new.email.as_str(),
        display_name: &display_name,
        password,
    };
    let account = match ldap.create(&entry).await {
        Ok(a) => a,
        Err(DirectoryError::Rejected(rejection)) => {
            let mut e = NewAuditEvent::new(
                svc.now(),
                "guest",
                Event::PasswordRejected,
                Outcome::Failure,
            );
            e.email = Some(new.email.to_string());
            e.ip = new.ip.map(|i| i.to_string());
            e.reason = Some(rejection.code.clone());
            e.detail = Some(serde_json::json!({ "source": new.event }).to_string());
            svc.db.run(move |c| audit::insert(c, &e)).await?;
            return Ok(AccountOutcome::DirectoryRejected { rejection, pending });
        }
        Err(DirectoryError::ReadOnly) => return Ok(AccountOutcome::DirectoryReadOnly),
        Err(e) => return Ok(unavailable(&e)),
    };
    let credential = Credential::Directory {
        stable_id: account.stable_id,
        dn: account.dn,
    };
    let (settings, now) = (svc.settings.clone(), svc.now());
    svc.db
        .run(move |c| create_account(c, &settings, &new, &credential, now, consume))
        .await
}

fn unavailable(e: &DirectoryError) -> AccountOutcome {
    tracing::warn!(error = %e, "the directory is unavailable: no account was created");
    AccountOutcome::DirectoryUnavailable
}
