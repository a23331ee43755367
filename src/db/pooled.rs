//! A pooled connection and what the pool remembers of its health, so a PostgreSQL connection
//! that just answered is handed out again without a probe.

use super::connection::AnyConnection;
use super::DbError;
use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

/// How long after a caller finished with a connection cleanly it is handed out without a probe.
/// A database that goes away in that window costs the request that finds out a 503 (the
/// failure is classified as an outage and the connection is probed and replaced after it), as
/// the probe's own failure would; a restart takes longer than this, so connections idle across
/// it are probed.
const RECENTLY: Duration = Duration::from_secs(1);

/// One connection of the pool. Derefs to [`AnyConnection`].
pub struct PooledConn {
    conn: AnyConnection,
    /// When its last caller finished with it without a sign of the database going away;
    /// taken at every checkout, so a caller that does not report leaves it to be probed.
    clean_at: Option<Instant>,
}

impl PooledConn {
    pub(super) fn new(conn: AnyConnection) -> Self {
        Self {
            conn,
            clean_at: None,
        }
    }

    /// Whether the pool may hand this connection out without a probe (called at checkout;
    /// forgets the mark either way). Only PostgreSQL skips: its probe is a round trip to the
    /// server, SQLite's reads the local file and is what notices a file replaced under it.
    pub(super) fn skips_probe(&mut self) -> bool {
        let postgres = !matches!(self.conn, AnyConnection::Sqlite(_));
        skips(self.clean_at.take(), Instant::now(), postgres)
    }

    /// Remembers how the caller's work on it ended: cleanly, or with an error that may mean the
    /// connection or the database is gone (then the next checkout probes it).
    pub(super) fn finished<T>(&mut self, result: &Result<T, DbError>) {
        self.clean_at = clean(result).then(Instant::now);
    }
}

fn skips(clean_at: Option<Instant>, now: Instant, postgres: bool) -> bool {
    postgres && clean_at.is_some_and(|t| now.saturating_duration_since(t) < RECENTLY)
}

/// Whether a caller's result says nothing against the connection: success, or the database
/// refusing this statement (a conflict, text it cannot store, a full bounded resource).
fn clean<T>(result: &Result<T, DbError>) -> bool {
    match result {
        Ok(_) => true,
        Err(DbError::Conflict(_) | DbError::InvalidText(_) | DbError::Busy(_)) => true,
        Err(DbError::Unavailable(_) | DbError::Unexpected(_)) => false,
    }
}

impl Deref for PooledConn {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl DerefMut for PooledConn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

/// What [`dispatch!`](crate::dispatch) accepts: a connection, or a pooled one.
#[doc(hidden)]
pub trait AsAnyConnection {
    fn as_any_connection(&mut self) -> &mut AnyConnection;
}

impl AsAnyConnection for AnyConnection {
    fn as_any_connection(&mut self) -> &mut AnyConnection {
        self
    }
}

impl AsAnyConnection for PooledConn {
    fn as_any_connection(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

impl AsAnyConnection for r2d2::PooledConnection<super::ConnectionManager> {
    fn as_any_connection(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_postgres_connection_that_just_answered_skips_the_probe() {
        let now = Instant::now();
        let just = now - Duration::from_millis(200);
        assert!(skips(Some(just), now, true));
        assert!(!skips(Some(just), now, false), "SQLite always probes");
        assert!(!skips(None, now, true), "no clean finish: probe");
        assert!(
            !skips(Some(now - RECENTLY), now, true),
            "idle a second: probe"
        );
    }

    #[test]
    fn an_outage_or_an_unexpected_error_leaves_the_connection_to_be_probed() {
        let gone = DbError::Unavailable(anyhow::anyhow!("server closed the connection"));
        assert!(!clean::<()>(&Err(gone)));
        assert!(!clean::<()>(&Err(DbError::Unexpected(anyhow::anyhow!(
            "?"
        )))));
        assert!(clean::<()>(&Err(DbError::Conflict("users.email".into()))));
        assert!(clean(&Ok(())));
    }
}
