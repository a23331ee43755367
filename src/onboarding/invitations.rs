//! Inviting guests (docs/onboarding.md): one address at a time (the API) or a whole CSV file (the
//! admin console's upload page and `latchkey invite --csv`), with the same per-row outcomes.
//!
//! Creating an invitation stores a row and queues one sending job per copy (the address, and the
//! `CcEmail` when given). No secret is stored in either (docs/security.md#2): the row is created with
//! the hash of a token nobody holds, and the job ([`super::invitation_mail::send`]) issues a fresh token, stores its hash
//! and mails it within one attempt, so a retried send supersedes an undelivered link.
//!
//! Re-inviting is idempotent: an address with a pending invitation, or with an account, is
//! reported and nothing is sent again.

use super::csv::CsvRow;
use super::invitation_mail::InvitationSendJob;
use super::Inviter;
use crate::config::Settings;
use crate::db::audit::{self, NewAuditEvent};
use crate::db::invitations::{self, Copy, Invitation};
use crate::db::WriteTransaction as _;
use crate::db::{users, AnyConnection, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::domain::{EmailAddress, InvitationId};
use crate::jobs;
use crate::mail::InvitationMail;
use crate::security::TokenSecret;
use crate::services::eligibility;
use crate::services::Services;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

pub use super::invitation_list::{get, list, InvitationView};

/// Why nobody can be invited when the directory is read-only for Latchkey.
pub const DIRECTORY_READ_ONLY: &str = "Not invited: accounts live in your directory and Latchkey \
     may not create entries in it (directory.create_under is not set). Create the account in the \
     directory instead, or set directory.create_under.";

/// Longest display name kept (longer ones are cut).
pub const MAX_DISPLAY_NAME_CHARS: usize = 200;

/// One guest to invite, as given (addresses still unparsed, so each row can report its reason).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct InviteRequest {
    pub email: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub cc_email: Option<String>,
}

impl From<CsvRow> for InviteRequest {
    fn from(r: CsvRow) -> Self {
        Self {
            email: r.email,
            display_name: r.display_name,
            cc_email: r.cc_email,
        }
    }
}

/// What became of one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum InviteOutcome {
    /// A new invitation; its mail(s) are queued.
    Invited {
        id: InvitationId,
        /// The address is at a consumer mail provider (accepted; the guest joins `consumers`).
        consumer_domain: bool,
    },
    /// A pending invitation for this address exists: nothing was sent again.
    AlreadyInvited { id: InvitationId },
    /// The address already has an account: nothing was sent.
    AlreadyUser,
    /// The address (or the CcEmail) cannot be used; `reason` says why.
    InvalidAddress { reason: String },
    /// A tenant-scoped API key may invite only into its own tenant's domains.
    ForbiddenDomain,
    /// Accounts live in a directory Latchkey may not create entries in (`directory.create_under`
    /// is not set): nobody can be invited.
    DirectoryReadOnly,
}

impl InviteOutcome {
    /// A stable code for reports, the API and tests.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invited { .. } => "invited",
            Self::AlreadyInvited { .. } => "already_invited",
            Self::AlreadyUser => "already_user",
            Self::InvalidAddress { .. } => "invalid_address",
            Self::ForbiddenDomain => "forbidden_domain",
            Self::DirectoryReadOnly => "directory_read_only",
        }
    }

    /// A sentence for the uploader.
    pub fn message(&self) -> String {
        match self {
            Self::Invited {
                consumer_domain: true,
                ..
            } => {
                "Invited (personal email provider: the guest joins the consumers directory).".into()
            }
            Self::Invited { .. } => "Invited.".into(),
            Self::AlreadyInvited { .. } => {
                "Already invited: the pending invitation stands, nothing was sent again.".into()
            }
            Self::AlreadyUser => "Already has an account: nothing was sent.".into(),
            Self::InvalidAddress { reason } => format!("Not invited: {reason}"),
            Self::ForbiddenDomain => {
                "Not invited: this API key may invite only into its own organisation's domains."
                    .into()
            }
            Self::DirectoryReadOnly => DIRECTORY_READ_ONLY.into(),
        }
    }
}

/// One row of a bulk report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowReport {
    /// The line of the CSV file (or the position in the list, from 1).
    pub line: u64,
    /// The address as given (at most 254 characters), for the uploader to find the row.
    pub email: String,
    #[serde(flatten)]
    pub outcome: InviteOutcome,
}

/// The report of a bulk invitation: every row, and the counts by outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BulkReport {
    pub rows: Vec<RowReport>,
    pub invited: usize,
    pub consumer_domain: usize,
    pub already_invited: usize,
    pub already_user: usize,
    pub invalid: usize,
}

impl BulkReport {
    fn push(&mut self, row: RowReport) {
        match &row.outcome {
            InviteOutcome::Invited {
                consumer_domain, ..
            } => {
                self.invited += 1;
                self.consumer_domain += usize::from(*consumer_domain);
            }
            InviteOutcome::AlreadyInvited { .. } => self.already_invited += 1,
            InviteOutcome::AlreadyUser => self.already_user += 1,
            InviteOutcome::InvalidAddress { .. }
            | InviteOutcome::ForbiddenDomain
            | InviteOutcome::DirectoryReadOnly => self.invalid += 1,
        }
        self.rows.push(row);
    }

    /// "3 invited (1 at a personal email provider), 1 already invited, 0 already users, 2 invalid".
    pub fn summary(&self) -> String {
        format!(
            "{} invited ({} at a personal email provider), {} already invited, {} already had an account, {} not invited",
            self.invited, self.consumer_domain, self.already_invited, self.already_user, self.invalid
        )
    }
}

fn clean_display_name(name: Option<&str>) -> Option<String> {
    name.map(|n| {
        n.chars()
            .filter(|c| !c.is_control())
            .take(MAX_DISPLAY_NAME_CHARS)
            .collect::<String>()
            .trim()
            .to_string()
    })
    .filter(|n| !n.is_empty())
}

/// Invites one guest: validates, checks for an account or a pending invitation, and otherwise
/// stores the invitation and queues its mail(s), in one transaction. `idempotency_key` (API)
/// is stored on the row so a concurrent retry cannot create a second invitation.
pub fn invite_one(
    conn: &mut AnyConnection,
    settings: &Settings,
    inviter: &Inviter,
    request: &InviteRequest,
    idempotency_key: Option<&str>,
    now: NaiveDateTime,
) -> Result<InviteOutcome, DbError> {
    if !settings.directory.creates_accounts() {
        return Ok(InviteOutcome::DirectoryReadOnly);
    }
    let email = match EmailAddress::parse(&request.email) {
        Ok(e) => e,
        Err(e) => {
            return Ok(InviteOutcome::InvalidAddress {
                reason: e.to_string(),
            })
        }
    };
    let cc = match request.cc_email.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => match EmailAddress::parse(text) {
            Ok(cc) if cc == email => None,
            Ok(cc) => Some(cc),
            Err(e) => {
                return Ok(InviteOutcome::InvalidAddress {
                    reason: format!("CcEmail: {e}"),
                })
            }
        },
    };
    let consumer = settings.is_consumer_domain(email.domain());
    let tenant = eligibility::tenant_of(conn, consumer, &email)?;
    if let Some(scope) = inviter.tenant_scope() {
        if consumer || tenant.as_ref().is_none_or(|t| t.id != *scope) {
            return Ok(InviteOutcome::ForbiddenDomain);
        }
    }
    if users::find_by_email(conn, &email)?.is_some() {
        return Ok(InviteOutcome::AlreadyUser);
    }
    if let Some(existing) = invitations::find_pending_by_email(conn, &email, now)? {
        return Ok(InviteOutcome::AlreadyInvited { id: existing.id });
    }
    let row = Invitation {
        id: InvitationId::generate(),
        email: email.clone(),
        display_name: clean_display_name(request.display_name.as_deref()),
        cc_email: cc.clone(),
        tenant_id: tenant.as_ref().map(|t| t.id.clone()),
        // Hashes of tokens nobody holds: the sending job issues the real ones.
        token_hash: TokenSecret::generate().hash().into_string(),
        cc_token_hash: cc
            .as_ref()
            .map(|_| TokenSecret::generate().hash().into_string()),
        invited_by: inviter.invited_by(),
        api_key_id: inviter.api_key_id().cloned(),
        idempotency_key: idempotency_key.map(str::to_string),
        created_at: now,
        expires_at: now + InvitationMail::default_lifetime(),
        redeemed_at: None,
        redeemed_via: None,
        user_id: None,
    };
    let max_attempts = settings.jobs.max_attempts;
    conn.write_transaction::<_, DbError, _>(|c| {
        invitations::insert(c, &row)?;
        let copies: &[Copy] = if cc.is_some() {
            &[Copy::Primary, Copy::Cc]
        } else {
            &[Copy::Primary]
        };
        for copy in copies {
            let job = InvitationSendJob {
                invitation_id: row.id.clone(),
                copy: *copy,
            };
            jobs::enqueue(c, &job, now, max_attempts)?;
        }
        let mut e = NewAuditEvent::new(
            now,
            &inviter.actor(),
            Event::InvitationCreated,
            Outcome::Success,
        );
        e.tenant_id = row.tenant_id.clone();
        e.email = Some(row.email.to_string());
        e.detail = Some(
            serde_json::json!({
                "invitation_id": row.id,
                "cc": row.cc_email.is_some(),
                "consumer_domain": consumer,
            })
            .to_string(),
        );
        audit::insert(c, &e)
    })?;
    Ok(InviteOutcome::Invited {
        id: row.id,
        consumer_domain: consumer,
    })
}

/// Invites every row, reporting each; `progress` is called after each row with the number done.
pub fn invite_many(
    conn: &mut AnyConnection,
    settings: &Settings,
    inviter: &Inviter,
    rows: Vec<(u64, InviteRequest)>,
    now: NaiveDateTime,
    mut progress: impl FnMut(usize),
) -> Result<BulkReport, DbError> {
    let mut report = BulkReport::default();
    for (i, (line, request)) in rows.into_iter().enumerate() {
        let outcome = invite_one(conn, settings, inviter, &request, None, now)?;
        report.push(RowReport {
            line,
            email: request.email.chars().take(254).collect(),
            outcome,
        });
        progress(i + 1);
    }
    Ok(report)
}

/// Invites the rows of a parsed CSV file.
pub fn invite_csv(
    conn: &mut AnyConnection,
    settings: &Settings,
    inviter: &Inviter,
    rows: Vec<CsvRow>,
    now: NaiveDateTime,
    progress: impl FnMut(usize),
) -> Result<BulkReport, DbError> {
    let rows = rows
        .into_iter()
        .map(|r| (r.line, InviteRequest::from(r)))
        .collect();
    invite_many(conn, settings, inviter, rows, now, progress)
}

/// Parses and invites an uploaded CSV file: the admin console's upload page calls this.
pub async fn upload_csv(
    svc: &Services,
    inviter: Inviter,
    bytes: Vec<u8>,
) -> Result<Result<BulkReport, super::csv::CsvError>, DbError> {
    let rows = match super::csv::parse(&bytes) {
        Ok(rows) => rows,
        Err(e) => return Ok(Err(e)),
    };
    let (settings, now) = (svc.settings.clone(), svc.now());
    let report = svc
        .db
        .run(move |c| invite_csv(c, &settings, &inviter, rows, now, |_| {}))
        .await?;
    svc.jobs_wakeup.notify_one();
    Ok(Ok(report))
}
