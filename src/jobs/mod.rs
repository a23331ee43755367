//! The job queue and its worker (reset evaluation, mail sending), with retries.

pub mod queue;
pub mod worker;

use crate::db::{Db, DbError};

/// What a job does; stored as text in `jobs.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Evaluate a `POST /reset`: gather facts, decide, audit, mail.
    ResetRequest,
    /// Send the "your password was changed" notice.
    PasswordChanged,
    /// Send one copy of an invitation (issues its token).
    InvitationSend,
    /// Mail a self-service signup link (or an "account exists" note).
    SignupRequest,
    /// Mail a link to confirm a guest's address (after a CcEmail redemption).
    VerifyEmail,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::ResetRequest => "reset_request",
            JobKind::PasswordChanged => "password_changed",
            JobKind::InvitationSend => "invitation_send",
            JobKind::SignupRequest => "signup_request",
            JobKind::VerifyEmail => "verify_email",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reset_request" => Some(JobKind::ResetRequest),
            "password_changed" => Some(JobKind::PasswordChanged),
            "invitation_send" => Some(JobKind::InvitationSend),
            "signup_request" => Some(JobKind::SignupRequest),
            "verify_email" => Some(JobKind::VerifyEmail),
            _ => None,
        }
    }
}

/// How a job attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth retrying later (SMTP down, database briefly away).
    #[error("transient: {0}")]
    Transient(String),
    /// Retrying cannot help (bad payload).
    #[error("permanent: {0}")]
    Permanent(String),
}

impl From<DbError> for JobError {
    fn from(e: DbError) -> Self {
        JobError::Transient(format!("{e:#}"))
    }
}

/// The queue's depth and the age of its oldest open job at `now`, for `/metrics`.
pub async fn queue_stats(
    db: &Db,
    now: chrono::NaiveDateTime,
) -> Result<crate::telemetry::metrics::QueueStats, DbError> {
    let (depth, oldest) = db
        .run(|c| Ok((queue::open_count(c)?, queue::oldest_open_created_at(c)?)))
        .await?;
    let oldest_age_seconds = oldest
        .map(|t| (now - t).num_milliseconds().max(0) as f64 / 1000.0)
        .unwrap_or(0.0);
    Ok(crate::telemetry::metrics::QueueStats {
        depth,
        oldest_age_seconds,
    })
}

/// Open jobs, for `/metrics`.
pub async fn queue_depth(db: &Db) -> Result<i64, DbError> {
    db.run(queue::open_count).await
}
