//! The black-box test harness (zero2prod's `spawn_app`): a real server on a random port, a
//! fresh database per test (SQLite file, or a new PostgreSQL database when `LATCHKEY_TEST_PG`
//! names a server), and helpers per endpoint.
#![allow(dead_code)]

pub mod smtp;

use diesel::connection::SimpleConnection;
use diesel::Connection;
use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use latchkey::clock::OffsetClock;
use latchkey::config::{RawSettings, Settings};
use latchkey::startup::Application;
use std::path::PathBuf;
use std::sync::Arc;

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

    /// Makes the database unreachable for the running server (SECURITY.md #42 style tests).
    pub fn break_it(&self, dir: &std::path::Path) {
        match &self.pg {
            Some((server, name)) => {
                let mut admin =
                    diesel::PgConnection::establish(&format!("{server}/postgres")).unwrap();
                admin
                    .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
                    .unwrap();
            }
            None => {
                // Move every file away and leave a directory where the database was: open
                // connections see a vanished file, new ones cannot open it.
                let db = dir.join("latchkey.db");
                let gone = dir.join("gone");
                std::fs::create_dir_all(&gone).unwrap();
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

/// Settings for a test: port 0, a temp data dir, no demo, no DNS, plus `extra` TOML.
pub fn test_settings(dir: &std::path::Path, db_url: &str, extra: &str) -> Settings {
    let raw = RawSettings {
        bind: "127.0.0.1:0".into(),
        public_base_url: Some("https://reset.test.example".into()),
        data_dir: dir.to_path_buf(),
        database_url: Some(db_url.to_string()),
        demo: false,
        dns: "off".into(),
        ..RawSettings::default()
    };
    let figment = Figment::from(Serialized::defaults(raw)).merge(Toml::string(extra));
    Settings::from_figment(figment).expect("valid test settings")
}

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub db: TestDb,
    pub clock: OffsetClock,
    pub state: latchkey::web::AppState,
    pub client: reqwest::Client,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with("").await
    }

    /// Spawns with extra TOML settings.
    pub async fn spawn_with(extra: &str) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let db = TestDb::create(dir.path());
        let settings = test_settings(dir.path(), &db.url, extra);
        let clock = OffsetClock::new();
        let app = Application::build_with_clock(settings, Arc::new(clock.clone()))
            .await
            .expect("application builds");
        let port = app.port();
        let state = app.state.clone();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            dir,
            db,
            clock,
            state,
            client: client(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }
}

/// A client that keeps cookies and does not follow redirects (tests assert on 303s).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}
