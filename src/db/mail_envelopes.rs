//! The return paths of sent mail (VERP): when `mail.bounce_domain` is set each mail goes out
//! with `MAIL FROM:<bounce+<id>@<bounce domain>>`, a random id of its own, and this table maps
//! the id's SHA-256 back to the one recipient. A delivery status notification that arrives
//! later (`POST /api/v1/bounces`) names the id; nobody who has not seen the mail can name one,
//! so nobody can mark another person's address bounced by making one up. The retention sweep
//! deletes rows `retention.jobs_days` after they were written.

use super::schema::mail_envelopes;
use super::{AnyConnection, DbError, NullableId};
use crate::dispatch;
use crate::domain::{EmailAddress, TenantId, UserId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// One sent mail's return path.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = mail_envelopes)]
pub struct MailEnvelope {
    /// SHA-256 (hex) of the id in the return path; the id itself is never stored.
    pub id_hash: String,
    /// The mail's `Message-ID` (its uuid), as the `mail_*` audit rows carry it.
    pub message_id: String,
    /// What the mail was (`reset_link`, `invitation`, …).
    pub kind: String,
    /// The one recipient.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub email: EmailAddress,
    #[diesel(deserialize_as = NullableId, serialize_as = NullableId)]
    pub user_id: Option<UserId>,
    #[diesel(deserialize_as = NullableId, serialize_as = NullableId)]
    pub tenant_id: Option<TenantId>,
    pub created_at: NaiveDateTime,
    /// When a report marked the recipient bounced (once per mail).
    pub bounced_at: Option<NaiveDateTime>,
}

/// Stores a return path before its mail is sent.
pub fn insert(conn: &mut AnyConnection, row: &MailEnvelope) -> Result<(), DbError> {
    dispatch!(conn, c => diesel::insert_into(mail_envelopes::table)
        .values(row.clone())
        .execute(c))?;
    Ok(())
}

/// The return path whose id hashes to `id_hash`, if it is still kept.
pub fn find(conn: &mut AnyConnection, id_hash: &str) -> Result<Option<MailEnvelope>, DbError> {
    first_row!(
        conn,
        mail_envelopes::table.filter(mail_envelopes::id_hash.eq(id_hash)),
        MailEnvelope
    )
}

/// Claims the right to mark the recipient of `id_hash` bounced: true for the one report that
/// claims it first, false when another report already did (a DSN posted twice marks once).
pub fn claim_bounce(
    conn: &mut AnyConnection,
    id_hash: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = update_rows!(
        conn,
        mail_envelopes::table
            .filter(mail_envelopes::id_hash.eq(id_hash))
            .filter(mail_envelopes::bounced_at.is_null()),
        mail_envelopes::bounced_at.eq(now)
    )?;
    Ok(n == 1)
}
