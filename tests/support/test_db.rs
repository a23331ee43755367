//! A database for one test: a SQLite file in the test's directory, or a new PostgreSQL database
//! when `LATCHKEY_TEST_PG` names a server, dropped afterwards.

use diesel::connection::SimpleConnection;
use diesel::Connection;
use std::path::PathBuf;

/// A database for one test: its URL, and what to drop afterwards.
pub struct TestDb {
    pub url: String,
    pg: Option<(String, String)>,
}

impl TestDb {
    /// A fresh database: SQLite under `dir`, or PostgreSQL when LATCHKEY_TEST_PG is set.
    pub fn create(dir: &std::path::Path) -> TestDb {
        match std::env::var("LATCHKEY_TEST_PG") {
            Ok(server) if !server.trim().is_empty() => {
                let server = server.trim().trim_end_matches('/').to_string();
                let name = format!("lk_{}", uuid::Uuid::new_v4().simple());
                let mut admin = diesel::PgConnection::establish(&format!("{server}/postgres"))
                    .expect("LATCHKEY_TEST_PG server reachable");
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                TestDb {
                    url: format!("{server}/{name}"),
                    pg: Some((server, name)),
                }
            }
            _ => TestDb {
                url: format!("sqlite://{}", dir.join("latchkey.db").display()),
                pg: None,
            },
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }

    /// A database on a server the test runs itself (tests/support/pg_server.rs): `server` is
    /// `postgres://USER@HOST:PORT`, `name` an existing database there.
    /// A second handle on the same database, for a second instance; dropping it drops nothing
    /// (the first handle cleans up).
    pub fn shared(&self) -> TestDb {
        TestDb {
            url: self.url.clone(),
            pg: None,
        }
    }

    pub fn on_server(server: &str, name: &str) -> TestDb {
        TestDb {
            url: format!("{server}/{name}"),
            pg: Some((server.to_string(), name.to_string())),
        }
    }

    /// Makes the database unreachable for the running server (docs/security.md#42 style tests);
    /// [`TestDb::restore`] brings it back with its data.
    ///
    /// SQLite: a consistent snapshot is kept (`VACUUM INTO`), then every file is moved away
    /// and a directory left where the database was, and the moved files are corrupted, so open
    /// connections fail too. PostgreSQL: the database stops accepting connections and every
    /// session on it is terminated.
    pub fn break_it(&self, dir: &std::path::Path) {
        match &self.pg {
            Some((server, name)) => {
                let mut admin =
                    diesel::PgConnection::establish(&format!("{server}/postgres")).unwrap();
                admin
                    .batch_execute(&format!(
                        "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
                         SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                         WHERE datname = '{name}' AND pid <> pg_backend_pid();"
                    ))
                    .unwrap();
            }
            None => {
                let db = dir.join("latchkey.db");
                let gone = dir.join("gone");
                std::fs::create_dir_all(&gone).unwrap();
                let snapshot = gone.join("snapshot.db");
                let _ = std::fs::remove_file(&snapshot);
                let mut c = diesel::SqliteConnection::establish(db.to_str().unwrap())
                    .expect("open the SQLite file for a snapshot");
                c.batch_execute(&format!("VACUUM INTO '{}'", snapshot.display()))
                    .expect("snapshot the SQLite file");
                drop(c);
                // Move every file away and leave a directory where the database was: open
                // connections see a vanished file, new ones cannot open it.
                for suffix in ["", "-wal", "-shm"] {
                    let from = PathBuf::from(format!("{}{suffix}", db.display()));
                    if from.exists() {
                        let to = gone.join(format!("latchkey.db{suffix}"));
                        std::fs::rename(&from, &to).unwrap();
                        // Corrupt the header so connections that kept the file open fail too.
                        let _ = std::fs::write(&to, vec![0u8; 4096]);
                    }
                }
                std::fs::create_dir_all(&db).unwrap();
            }
        }
    }

    /// Undoes [`TestDb::break_it`]: the database is reachable again, with the data it had
    /// (SQLite: as of the snapshot taken when it was broken).
    pub fn restore(&self, dir: &std::path::Path) {
        match &self.pg {
            Some((server, name)) => {
                let mut admin =
                    diesel::PgConnection::establish(&format!("{server}/postgres")).unwrap();
                admin
                    .batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
                    .unwrap();
            }
            None => {
                let db = dir.join("latchkey.db");
                let snapshot = dir.join("gone").join("snapshot.db");
                std::fs::remove_dir_all(&db).unwrap();
                // Copy to a temporary name, then rename: the file appears whole at once.
                let tmp = dir.join("latchkey.db.restoring");
                std::fs::copy(&snapshot, &tmp).unwrap();
                std::fs::rename(&tmp, &db).unwrap();
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.pg {
            if let Ok(mut admin) = diesel::PgConnection::establish(&format!("{server}/postgres")) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}
