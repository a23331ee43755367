//! A guest's lifecycle in storage: disable / enable, list, and erasure of everything that names
//! them (the audit keeps its rows, with the address replaced by a pseudonym).

use super::models::User;
use super::schema::{
    audit_events, directory_links, email_verifications, invitations, reset_tokens, tenant_domains,
    users,
};
use super::{AnyConnection, DbError};
use crate::dispatch;
use crate::domain::UserId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

diesel::define_sql_function! {
    /// SQL `replace(text, from, to)` (the same on SQLite and PostgreSQL).
    fn replace(text: diesel::sql_types::Nullable<diesel::sql_types::Text>, from: diesel::sql_types::Text, to: diesel::sql_types::Text) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// Sets the disabled flag; returns whether it changed. Disabling also ends every session
/// (generation + 1): sessions are cookies bound to the generation.
pub fn set_disabled(
    conn: &mut AnyConnection,
    id: &UserId,
    disabled: bool,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let target = users::table
        .filter(users::id.eq(id.as_str()))
        .filter(users::disabled.eq(!disabled));
    let n = if disabled {
        update_rows!(
            conn,
            target,
            (
                users::disabled.eq(true),
                users::session_generation.eq(users::session_generation + 1),
                users::updated_at.eq(now),
            )
        )?
    } else {
        update_rows!(
            conn,
            target,
            (users::disabled.eq(false), users::updated_at.eq(now))
        )?
    };
    Ok(n == 1)
}

/// Every guest, by address (at most `limit`).
pub fn list(conn: &mut AnyConnection, limit: i64) -> Result<Vec<User>, DbError> {
    all_rows!(conn, users::table.order(users::email).limit(limit), User)
}

/// What an erasure removed, per table.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Erased {
    pub reset_tokens: usize,
    pub email_verifications: usize,
    pub invitations: usize,
    pub directory_links: usize,
    pub audit_events_pseudonymised: usize,
}

/// Deletes the guest's row (password hash, TOTP seed, names) and everything that names them:
/// reset tokens, address verifications, invitations to the address, the directory link, a
/// pending domain-takeover challenge; in the audit the address becomes `pseudonym` (in the
/// `email` column and inside `detail`). Call inside a write transaction.
pub fn erase(conn: &mut AnyConnection, user: &User, pseudonym: &str) -> Result<Erased, DbError> {
    let (id, email) = (user.id.as_str(), user.email.as_str());
    let mut out = Erased {
        reset_tokens: dispatch!(conn, c => diesel::delete(
            reset_tokens::table.filter(reset_tokens::user_id.eq(id))).execute(c))?,
        email_verifications: dispatch!(conn, c => diesel::delete(email_verifications::table
            .filter(email_verifications::user_id.eq(id).or(email_verifications::email.eq(email))))
            .execute(c))?,
        invitations: dispatch!(conn, c => diesel::delete(invitations::table
            .filter(invitations::user_id.eq(id).or(invitations::email.eq(email))))
            .execute(c))?,
        directory_links: dispatch!(conn, c => diesel::delete(
            directory_links::table.filter(directory_links::user_id.eq(id))).execute(c))?,
        audit_events_pseudonymised: 0,
    };
    // Someone else's invitation that copied this address.
    update_rows!(
        conn,
        invitations::table.filter(invitations::cc_email.eq(email)),
        (
            invitations::cc_email.eq(None::<String>),
            invitations::cc_token_hash.eq(None::<String>)
        )
    )?;
    update_rows!(
        conn,
        tenant_domains::table.filter(tenant_domains::challenge_user_id.eq(id)),
        (
            tenant_domains::challenge.eq(None::<String>),
            tenant_domains::challenge_user_id.eq(None::<String>),
            tenant_domains::challenge_expires_at.eq(None::<NaiveDateTime>),
        )
    )?;
    out.audit_events_pseudonymised = update_rows!(
        conn,
        audit_events::table.filter(audit_events::email.eq(email)),
        audit_events::email.eq(pseudonym)
    )?;
    let pattern = format!(
        "%{}%",
        email
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    update_rows!(
        conn,
        audit_events::table.filter(audit_events::detail.like(&pattern).escape('\\')),
        audit_events::detail.eq(replace(audit_events::detail, email, pseudonym))
    )?;
    dispatch!(conn, c => diesel::delete(users::table.find(id)).execute(c))?;
    Ok(out)
}
