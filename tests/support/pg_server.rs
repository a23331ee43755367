//! A private, throwaway PostgreSQL server for one test: `initdb` into a temp dir, `pg_ctl start`
//! on a free 127.0.0.1 port, and stop / start again on the same port and data directory (for
//! outage tests, docs/security.md#42). Runs as the `postgres` user via `runuser` when the test runs
//! as root (PostgreSQL refuses to run as root).
//!
//! Binaries: `$LATCHKEY_PG_BINDIR`, else `pg_config --bindir`, else the newest
//! /usr/lib/postgresql/*/bin. When none is found, [`PgServer::start`] returns `None` after
//! printing why, and panics instead when `CI=true` (a CI machine must have them).

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct PgServer {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
    running: bool,
}

impl PgServer {
    /// Initialises and starts a server, or `None` (skip) when PostgreSQL is not installed.
    pub fn start() -> Option<PgServer> {
        let Some(bin) = find_bindir() else {
            let why = "PostgreSQL server binaries (initdb, pg_ctl) not found: set \
                       LATCHKEY_PG_BINDIR or install postgresql";
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("{why} (CI=true: this test may not be skipped)");
            }
            eprintln!("SKIPPED: {why}");
            return None;
        };
        let dir = tempfile::tempdir().expect("temp dir for PostgreSQL");
        let as_postgres = is_root();
        if as_postgres {
            // The postgres user must own (and reach) the data directory and the socket dir.
            chown_postgres(dir.path());
        }
        let port = free_port();
        let mut server = PgServer {
            bin,
            dir,
            port,
            as_postgres,
            running: false,
        };
        let data = server.data_dir();
        let out = server
            .command("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"])
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        server.start_again();
        Some(server)
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    /// The port it listens on (kept across stops).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `postgres://postgres@127.0.0.1:PORT/DB`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates a database and returns its URL.
    pub fn create_database(&self, name: &str) -> String {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        let mut admin = diesel::PgConnection::establish(&self.url("postgres"))
            .expect("private PostgreSQL reachable");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
        self.url(name)
    }

    /// Starts (again) on the same port and data directory; waits until it accepts connections.
    pub fn start_again(&mut self) {
        let data = self.data_dir();
        let log = self.dir.path().join("log");
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c max_connections=100",
            self.port,
            self.dir.path().display()
        );
        let out = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .args(["-o", &opts, "-w", "-t", "30", "start"])
            .output()
            .expect("run pg_ctl start");
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        self.running = true;
    }

    /// Stops at once (`-m immediate`: no checkpoint, every client cut off), like a crash.
    pub fn stop_immediate(&mut self) {
        self.stop("immediate");
    }

    fn stop(&mut self, mode: &str) {
        if !self.running {
            return;
        }
        let out = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", mode, "-w", "stop"])
            .output()
            .expect("run pg_ctl stop");
        assert!(
            out.status.success(),
            "pg_ctl stop failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.running = false;
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if self.running {
            let _ = self
                .command("pg_ctl")
                .arg("-D")
                .arg(self.data_dir())
                .args(["-m", "immediate", "-w", "stop"])
                .output();
        }
    }
}

fn find_bindir() -> Option<PathBuf> {
    let has = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    if let Ok(d) = std::env::var("LATCHKEY_PG_BINDIR") {
        let d = PathBuf::from(d);
        if has(&d) {
            return Some(d);
        }
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let d = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has(&d) {
            return Some(d);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, d)| has(d))
        .collect();
    versions.sort();
    versions.pop().map(|(_, d)| d)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn chown_postgres(dir: &Path) {
    let ok = Command::new("chown")
        .arg("postgres")
        .arg(dir)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "cannot chown {} to postgres", dir.display());
    // tempdir is 0700 and owned by root: fine once chowned; its parent (/tmp) is world-readable.
}

/// A port nobody listens on right now (the server binds it a moment later).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
