//! Storage failures, classified once at the boundary: an unreachable database (503, retried),
//! a unique-constraint conflict, text the database cannot store (400), a full bounded resource
//! (503 with `Retry-After`), or anything else (500).

/// Storage failures, split so the HTTP edge can answer 503 for an unreachable database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had (database down, pool exhausted past its timeout).
    #[error("the database is unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// A unique constraint refused the write.
    #[error("already exists: {0}")]
    Conflict(String),
    /// The database refused text it cannot store: PostgreSQL rejects a NUL byte in any text
    /// value (SQLSTATE 22021), wherever it came from (a path segment, a query, a form field).
    /// The request was wrong, not the service: the edge answers 400.
    #[error("the database cannot store this text: {0}")]
    InvalidText(String),
    /// Not storage, but answered the same way by every service that returns this error: a
    /// bounded resource in front of the work (the sign-in share of the password hasher) is
    /// full. The edge answers 503 with `Retry-After` (the seconds carried) at once.
    #[error("busy; retry in {0} s")]
    Busy(u64),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl DbError {
    /// A unique-constraint conflict told in the caller's words (what it knows is taken); any
    /// other error as it is.
    pub fn conflict_means(self, message: impl FnOnce() -> String) -> DbError {
        match self {
            DbError::Conflict(_) => DbError::Conflict(message()),
            other => other,
        }
    }
}

impl From<diesel::result::Error> for DbError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                DbError::Conflict(info.message().to_string())
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                DbError::Unavailable(anyhow::Error::new(e))
            }
            Error::DatabaseError(_, ref info) if is_outage_message(info.message()) => {
                DbError::Unavailable(anyhow::Error::new(e))
            }
            Error::DatabaseError(_, ref info) if is_invalid_text_message(info.message()) => {
                DbError::InvalidText(info.message().to_string())
            }
            other => DbError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

/// Whether a database error message says the database itself is away (the server stopped or
/// restarting, the connection cut, the SQLite file gone, unreadable or busy past the timeout),
/// rather than that this query was wrong: those answer 503 and are retried, never 500.
fn is_outage_message(message: &str) -> bool {
    const OUTAGE: &[&str] = &[
        // PostgreSQL (libpq and server messages)
        "server closed the connection",
        "terminating connection",
        "no connection to the server",
        "connection to server",
        "could not connect",
        "could not receive data",
        "could not send data",
        "the database system is",
        "database is not accepting connections",
        "ssl syscall error",
        "broken pipe",
        // SQLite
        "unable to open database file",
        "disk i/o error",
        "file is not a database",
        "database disk image is malformed",
        "database is locked",
        "attempt to write a readonly database",
    ];
    let message = message.to_ascii_lowercase();
    OUTAGE.iter().any(|m| message.contains(m))
}

/// PostgreSQL's refusal of a NUL byte (or bytes invalid in the database encoding) in text:
/// `invalid byte sequence for encoding "UTF8": 0x00`.
fn is_invalid_text_message(message: &str) -> bool {
    message.contains("invalid byte sequence for encoding")
}

impl From<r2d2::Error> for DbError {
    fn from(e: r2d2::Error) -> Self {
        DbError::Unavailable(anyhow::Error::new(e))
    }
}
