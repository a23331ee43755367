//! A directory account and Latchkey's own row for it. The directory holds the facts it owns
//! (exists, disabled, the address, the password); Latchkey's row, linked by the entry's stable
//! id, holds what the directory does not (TOTP, verification, bounce, lock, session generation).
//! The row is made on first sight of the account, in the tenant of the address's domain.

use super::ldap::LdapDirectory;
use super::{DirectoryAccount, DirectoryError, Lookup};
use crate::config::Settings;
use crate::db::audit::{self, NewAuditEvent};
use crate::db::models::User;
use crate::db::users::{self, NewUser};
use crate::db::{directory_links, Db, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::domain::EmailAddress;
use chrono::NaiveDateTime;

/// What the directory says about an address, with Latchkey's row for the account.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub user: Option<User>,
    pub account: Option<DirectoryAccount>,
}

/// A directory outage as a storage outage (the caller answers 503 or retries the job).
pub fn outage(e: DirectoryError) -> DbError {
    DbError::Unavailable(anyhow::anyhow!("directory: {e}"))
}

/// Looks `email` up in the directory and finds (or makes) Latchkey's row for the one account.
/// No entry, or several entries with the address (audited with their DNs, never shown), is no
/// account.
pub async fn resolve(
    db: &Db,
    directory: &LdapDirectory,
    settings: &Settings,
    email: &EmailAddress,
    now: NaiveDateTime,
) -> Result<Resolved, DbError> {
    let account = match directory.lookup(email.as_str()).await.map_err(outage)? {
        Lookup::Found(a) => a,
        Lookup::NotFound => {
            return Ok(Resolved {
                user: None,
                account: None,
            })
        }
        Lookup::Ambiguous(dns) => {
            let mut e =
                NewAuditEvent::new(now, "system", Event::DirectoryAmbiguous, Outcome::Denied);
            e.email = Some(email.to_string());
            e.reason = Some("several_entries_share_the_address".into());
            e.detail = Some(serde_json::json!({ "dns": dns }).to_string());
            db.run(move |c| audit::insert(c, &e)).await?;
            return Ok(Resolved {
                user: None,
                account: None,
            });
        }
    };
    let consumer = settings.is_consumer_domain(email.domain());
    let verified = settings.directory.mail_verified;
    let (found, email_owned) = (account.clone(), email.clone());
    let user = db
        .run(move |c| {
            use crate::db::WriteTransaction as _;
            c.write_transaction::<Option<User>, DbError, _>(|c| {
                if let Some(mut user) = directory_links::find_user(c, &found.stable_id)? {
                    // A rename, a move or a new address: the row (TOTP, history) follows.
                    directory_links::follow(
                        c,
                        &found.stable_id,
                        &user.user_id(),
                        &found.dn,
                        &email_owned,
                        now,
                    )?;
                    user.email = email_owned.clone();
                    return Ok(Some(user));
                }
                let Some(tenant) =
                    crate::services::eligibility::tenant_of(c, consumer, &email_owned)?
                else {
                    return Ok(None);
                };
                let user = match users::find_by_email(c, &email_owned)? {
                    Some(u) => u,
                    None => users::create(
                        c,
                        &NewUser {
                            tenant_id: tenant.tenant_id(),
                            email: email_owned.clone(),
                            display_name: found.display_name.clone(),
                            password_hash: None,
                            verified,
                            totp_secret: None,
                        },
                        now,
                    )?,
                };
                directory_links::link(c, &found.stable_id, &user.user_id(), &found.dn, now)?;
                Ok(Some(user))
            })
        })
        .await?;
    Ok(Resolved {
        user,
        account: Some(account),
    })
}
