//! Connections, the r2d2 manager that picks the backend from the URL scheme, migrations, and
//! the async-to-blocking bridge every caller uses.

use anyhow::Context as _;
use diesel::connection::SimpleConnection;
#[cfg(feature = "postgres")]
use diesel::PgConnection;
use diesel::{Connection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::mpsc;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
#[cfg(feature = "postgres")]
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// One connection to either backend (only SQLite in a build without the `postgres` feature).
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    #[cfg(feature = "postgres")]
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

impl AnyConnection {
    pub fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "postgres")]
            AnyConnection::Postgresql(_) => Backend::Postgres,
            AnyConnection::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Whether this build can talk to PostgreSQL (the `postgres` cargo feature).
pub const POSTGRES_SUPPORTED: bool = cfg!(feature = "postgres");

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// A validated database URL. The scheme picks the backend.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://relative/path.db` or `sqlite:///absolute/path.db`.
    Sqlite(PathBuf),
    /// `postgres://…` or `postgresql://…`, passed to libpq as is.
    Postgres(String),
}

impl DatabaseUrl {
    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }
}

// The PostgreSQL URL may carry a password: never print it.
impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(p) => write!(f, "sqlite://{}", p.display()),
            DatabaseUrl::Postgres(_) => f.write_str("postgres://***"),
        }
    }
}

impl FromStr for DatabaseUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some(path) = s.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(
                    "the sqlite:// URL has no file path; write e.g. sqlite://data/latchkey.db"
                        .into(),
                );
            }
            Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
        } else if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            if !POSTGRES_SUPPORTED {
                return Err(
                    "this latchkey was built without PostgreSQL support (cargo feature \
                     `postgres`): use sqlite://PATH, or a build with the default features"
                        .into(),
                );
            }
            Ok(DatabaseUrl::Postgres(s.to_string()))
        } else {
            let scheme = s.split("://").next().unwrap_or(s);
            Err(format!(
                "unsupported database URL scheme {scheme:?}; use sqlite://PATH (embedded) or postgres://USER@HOST/DB"
            ))
        }
    }
}

pub use super::error::DbError;
use super::pooled::PooledConn;

/// r2d2 manager: opens the backend named by the URL and prepares SQLite connections.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }
}

/// Opens one connection (used by the pool and by the CLI).
pub fn establish(url: &DatabaseUrl) -> anyhow::Result<AnyConnection> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            let path_str = path
                .to_str()
                .context("the SQLite path is not valid UTF-8")?;
            let mut conn = SqliteConnection::establish(path_str)
                .with_context(|| format!("cannot open SQLite database {}", path.display()))?;
            // Pragmas need batch_execute. WAL lets readers run beside the
            // writer; busy_timeout makes concurrent writers wait instead of failing.
            conn.batch_execute(
                "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
                 PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
            )
            .context("cannot configure the SQLite connection")?;
            Ok(AnyConnection::Sqlite(conn))
        }
        #[cfg(feature = "postgres")]
        DatabaseUrl::Postgres(u) => {
            let conn = PgConnection::establish(u)
                .map_err(|e| anyhow::anyhow!("cannot connect to PostgreSQL: {e}"))?;
            Ok(AnyConnection::Postgresql(conn))
        }
        // Unreachable in practice: parsing refuses the URL in such a build.
        #[cfg(not(feature = "postgres"))]
        DatabaseUrl::Postgres(_) => {
            anyhow::bail!(
                "this latchkey was built without PostgreSQL support (cargo feature `postgres`)"
            )
        }
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = PooledConn;
    type Error = ManagerError;

    fn connect(&self) -> Result<PooledConn, ManagerError> {
        establish(&self.url)
            .map(PooledConn::new)
            .map_err(ManagerError)
    }

    /// Run on every checkout, so a connection the database went away under is replaced, not
    /// handed out again (recovery without a restart); a PostgreSQL connection whose last caller
    /// finished with it cleanly within the last second is not probed (a round trip per
    /// checkout, several per request: see `PooledConn`). On SQLite `SELECT 1` never reads the
    /// file: reading the schema does, and fails on a file that vanished or was replaced under
    /// an open connection.
    fn is_valid(&self, conn: &mut PooledConn) -> Result<(), ManagerError> {
        if conn.skips_probe() {
            return Ok(());
        }
        let conn: &mut AnyConnection = conn;
        let probe = match conn {
            #[cfg(feature = "postgres")]
            AnyConnection::Postgresql(_) => "SELECT 1",
            AnyConnection::Sqlite(_) => "SELECT count(*) FROM sqlite_master",
        };
        conn.batch_execute(probe)
            .map_err(|e| ManagerError(anyhow::Error::new(e)))
    }

    fn has_broken(&self, _conn: &mut PooledConn) -> bool {
        false
    }
}

/// The manager's error type (r2d2 needs `std::error::Error`).
#[derive(Debug, thiserror::Error)]
#[error("{0:#}")]
pub struct ManagerError(anyhow::Error);

pub type Pool = r2d2::Pool<ConnectionManager>;

/// A write queued for group commit. The writer that runs the queue is `db::group_commit`, which
/// depends on this module and not the other way round.
pub(super) type GroupOp = Box<dyn FnMut(&mut AnyConnection) -> Result<(), DbError> + Send>;

/// One caller's operation in the group-commit queue, and where to say how it ended.
pub(super) struct Grouped {
    pub(super) op: GroupOp,
    pub(super) done: tokio::sync::oneshot::Sender<Result<(), DbError>>,
}

/// The shared handle to storage: a pool plus the bridge onto the blocking thread pool.
#[derive(Clone)]
pub struct Db {
    pub(super) pool: Pool,
    backend: Backend,
    url: DatabaseUrl,
    /// The group-commit writer's queue ([`Db::run_grouped`]), started on first use.
    pub(super) group: Arc<OnceLock<mpsc::UnboundedSender<Grouped>>>,
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Db {
    /// Builds the pool without requiring the database to be up (the service must start and
    /// report not-ready rather than crash when the database is briefly away).
    pub fn connect_lazy(url: &DatabaseUrl, max_size: u32) -> anyhow::Result<Self> {
        Self::connect_lazy_with_timeout(url, max_size, Duration::from_secs(5))
    }

    /// [`Db::connect_lazy`] with how long a caller waits for a connection before the database
    /// counts as unavailable (`database_timeout_seconds`).
    pub fn connect_lazy_with_timeout(
        url: &DatabaseUrl,
        max_size: u32,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        if let DatabaseUrl::Sqlite(path) = url {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).with_context(|| {
                    format!("cannot create database directory {}", dir.display())
                })?;
            }
        }
        let pool = r2d2::Pool::builder()
            .max_size(max_size)
            .min_idle(Some(0))
            .test_on_check_out(true)
            .connection_timeout(timeout)
            .build_unchecked(ConnectionManager::new(url.clone()));
        Ok(Self {
            pool,
            backend: url.backend(),
            url: url.clone(),
            group: Arc::new(OnceLock::new()),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A pooled connection for synchronous callers (CLI, tests).
    pub fn get(&self) -> Result<r2d2::PooledConnection<ConnectionManager>, DbError> {
        Ok(self.pool.get()?)
    }

    /// Runs `f` with a connection on tokio's blocking pool: diesel never runs on an async
    /// worker thread.
    pub async fn run<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            let result = f(&mut conn);
            conn.finished(&result);
            result
        })
        .await
        .map_err(|e| DbError::Unexpected(anyhow::anyhow!("database task failed: {e}")))?
    }

    /// Whether a connection can be had and answers (readiness).
    pub async fn ping(&self) -> bool {
        self.run(|c| {
            // Touch a table: `SELECT 1` alone never reads the database file.
            c.batch_execute("SELECT count(*) FROM tenants")
                .map_err(DbError::from)?;
            Ok(())
        })
        .await
        .is_ok()
    }

    /// Applies pending migrations; returns the versions applied.
    pub fn migrate(&self) -> anyhow::Result<Vec<String>> {
        // A direct connection, so a failure says why (the pool only says it timed out).
        let mut conn = establish(&self.url)?;
        run_migrations(&mut conn)
    }
}

/// Applies the embedded migrations of the connection's backend. On PostgreSQL an advisory lock
/// makes instances that start together migrate one at a time.
pub fn run_migrations(conn: &mut AnyConnection) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        AnyConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("SQLite migration failed: {e}"))?
            .iter()
            .map(|v| v.to_string())
            .collect(),
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(c) => {
            // Any fixed 64-bit number; it only has to be the same for every instance.
            c.batch_execute("SELECT pg_advisory_lock(7306092545100155001)")
                .context("cannot take the migration lock")?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.iter().map(|v| v.to_string()).collect::<Vec<_>>())
                .map_err(|e| anyhow::anyhow!("PostgreSQL migration failed: {e}"));
            c.batch_execute("SELECT pg_advisory_unlock(7306092545100155001)")
                .context("cannot release the migration lock")?;
            result?
        }
    };
    Ok(applied)
}
