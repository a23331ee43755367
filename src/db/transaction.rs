//! Write transactions that wait for the lock instead of failing.
//!
//! diesel's `Connection::transaction` opens a *deferred* transaction (`BEGIN`). On SQLite a
//! deferred transaction that reads first and writes later cannot upgrade its read snapshot once
//! another connection has committed: the write fails at once with "database is locked"
//! (`SQLITE_BUSY_SNAPSHOT`) and `busy_timeout` does not help. Every transaction here reads
//! before it writes (check the token, then use it), so under concurrent writers — the job
//! worker beside the web handlers, a CLI command beside a running server — they failed at
//! random. [`WriteTransaction::write_transaction`] takes the write lock up front on SQLite
//! (`BEGIN IMMEDIATE`, which does wait for `busy_timeout`); on PostgreSQL it is a plain
//! transaction. Nested calls become savepoints, as with diesel's own.
//!
//! `clippy.toml` forbids `Connection::transaction` elsewhere so the deferred form cannot creep
//! back.

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::result::Error;
#[cfg(feature = "postgres")]
use diesel::PgConnection;
use diesel::{Connection, SqliteConnection};

use super::AnyConnection;

/// A transaction that will write: see the module documentation.
pub trait WriteTransaction: Sized {
    fn write_transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Self) -> Result<T, E>,
        E: From<Error>;
}

/// Whether `conn` is inside a transaction already (then a nested one is a savepoint).
fn in_transaction(conn: &mut SqliteConnection) -> bool {
    !matches!(
        <AnsiTransactionManager as TransactionManager<SqliteConnection>>::transaction_manager_status_mut(conn)
            .transaction_depth(),
        Ok(None)
    )
}

impl WriteTransaction for SqliteConnection {
    #[allow(clippy::disallowed_methods)] // the one place the deferred form is right: a savepoint
    fn write_transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Self) -> Result<T, E>,
        E: From<Error>,
    {
        if in_transaction(self) {
            self.transaction(f)
        } else {
            self.immediate_transaction(f)
        }
    }
}

#[cfg(feature = "postgres")]
impl WriteTransaction for PgConnection {
    #[allow(clippy::disallowed_methods)] // PostgreSQL takes row locks as it goes
    fn write_transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Self) -> Result<T, E>,
        E: From<Error>,
    {
        self.transaction(f)
    }
}

impl WriteTransaction for AnyConnection {
    #[allow(clippy::disallowed_methods)]
    fn write_transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Self) -> Result<T, E>,
        E: From<Error>,
    {
        #[cfg_attr(not(feature = "postgres"), allow(irrefutable_let_patterns))]
        let AnyConnection::Sqlite(sqlite) = self
        else {
            return self.transaction(f);
        };
        if in_transaction(sqlite) {
            return self.transaction(f);
        }
        AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
        // As diesel's `TransactionManager::transaction`, after our own BEGIN. The
        // multi-connection's manager delegates to the SQLite connection's, which now knows
        // it is in a transaction (so anything nested inside `f` is a savepoint).
        type Manager = <AnyConnection as Connection>::TransactionManager;
        match f(self) {
            Ok(value) => {
                Manager::commit_transaction(self)?;
                Ok(value)
            }
            Err(user_error) => match Manager::rollback_transaction(self) {
                Ok(()) | Err(Error::BrokenTransactionManager) => Err(user_error),
                Err(rollback_error) => Err(rollback_error.into()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::connection::establish;
    use crate::db::{DatabaseUrl, DbError};
    use diesel::connection::SimpleConnection;
    use diesel::sql_types::BigInt;
    use diesel::RunQueryDsl;
    use std::sync::mpsc;
    use std::thread;

    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    fn count(c: &mut AnyConnection) -> Result<i64, DbError> {
        let row: N = crate::dispatch!(c, c => diesel::sql_query("SELECT COUNT(*) AS n FROM t").get_result::<N>(c))?;
        Ok(row.n)
    }

    fn insert(c: &mut AnyConnection, v: i64) -> Result<(), DbError> {
        c.batch_execute(&format!("INSERT INTO t (v) VALUES ({v})"))?;
        Ok(())
    }

    fn open(url: &DatabaseUrl) -> AnyConnection {
        establish(url).expect("open the test database")
    }

    /// A new SQLite file holding the empty table `t`: its directory (which must outlive the
    /// test's connections) and its URL.
    fn database_with_t() -> (tempfile::TempDir, DatabaseUrl) {
        let dir = tempfile::tempdir().unwrap();
        let url: DatabaseUrl = format!("sqlite://{}", dir.path().join("t.db").display())
            .parse()
            .unwrap();
        open(&url)
            .batch_execute("CREATE TABLE t (v INTEGER NOT NULL)")
            .unwrap();
        (dir, url)
    }

    /// docs/security.md#43 (resources, concurrency): a transaction that reads and then writes,
    /// while another connection commits a write in between, must wait for that writer and
    /// then succeed. With diesel's deferred `transaction` on SQLite the second write failed
    /// at once with "database is locked" (how `bench-seed` failed beside a running server).
    #[test]
    fn read_then_write_waits_for_a_concurrent_writer_instead_of_failing() {
        let (_dir, url) = database_with_t();

        let (read_done, wait_read) = mpsc::channel();
        let other_url = url.clone();
        let mut mine = open(&url);
        let result = mine.write_transaction::<_, DbError, _>(|c| {
            let before = count(c)?;
            // Another connection writes after our read. With BEGIN IMMEDIATE it waits for our
            // commit (busy_timeout); with a deferred BEGIN it would commit first and make our
            // own write below fail.
            let other = thread::spawn(move || {
                let mut theirs = open(&other_url);
                read_done.send(()).unwrap();
                insert(&mut theirs, 2)
            });
            wait_read.recv().unwrap();
            thread::sleep(std::time::Duration::from_millis(200));
            insert(c, 1)?;
            Ok((before, other))
        });
        let (before, other) = result.expect("the read-then-write transaction commits");
        other
            .join()
            .unwrap()
            .expect("the other writer commits after ours");
        assert_eq!(before, 0);
        assert_eq!(count(&mut open(&url)).unwrap(), 2);
    }

    #[test]
    fn nested_write_transactions_are_savepoints_and_a_failure_rolls_back() {
        let (_dir, url) = database_with_t();
        let mut c = open(&url);
        c.write_transaction::<_, DbError, _>(|c| {
            insert(c, 1)?;
            let inner = c.write_transaction::<(), DbError, _>(|c| {
                insert(c, 2)?;
                Err(DbError::Conflict("inner".into()))
            });
            assert!(inner.is_err());
            Ok(())
        })
        .unwrap();
        assert_eq!(count(&mut c).unwrap(), 1, "the savepoint rolled back alone");
        let failed = c.write_transaction::<(), DbError, _>(|c| {
            insert(c, 3)?;
            Err(DbError::Conflict("outer".into()))
        });
        assert!(failed.is_err());
        assert_eq!(
            count(&mut c).unwrap(),
            1,
            "the failed transaction left nothing"
        );
        // The connection is usable again (no transaction left open).
        c.write_transaction::<_, DbError, _>(|c| insert(c, 4))
            .unwrap();
        assert_eq!(count(&mut c).unwrap(), 2);
    }
}
