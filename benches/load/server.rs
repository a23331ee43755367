//! The server under test: the release `latchkey` binary that Cargo built beside this bench,
//! started as its own process on a temp directory, seeded with `latchkey bench-seed`.

use diesel::prelude::*;
use latchkey::db::schema::{audit_events, jobs};
use latchkey::db::{AnyConnection, DatabaseUrl, Db};
use latchkey::dispatch;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Cargo builds the package's binaries, in the bench profile (release), before a bench.
const BUILT: &str = env!("CARGO_BIN_EXE_latchkey");

/// The server binary the bench runs: this build's, or `LATCHKEY_BENCH_BINARY` (another build of
/// `latchkey`, to compare two builds with the same client on the same machine).
fn binary() -> std::ffi::OsString {
    std::env::var_os("LATCHKEY_BENCH_BINARY").unwrap_or_else(|| BUILT.into())
}

pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub dir: PathBuf,
    pub db: Db,
    /// The SMTP sink the server mails to (`None`: the outbox).
    pub sink: Option<crate::smtp::Sink>,
}

/// The environment every `latchkey` command of the run gets.
fn env(cmd: &mut Command, dir: &Path, db_url: &str, bind: &str, base: &str) {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("LATCHKEY_BIND", bind)
        .env("LATCHKEY_MANAGEMENT_BIND", "0")
        .env("LATCHKEY_PUBLIC_BASE_URL", base)
        .env("LATCHKEY_DATA_DIR", dir)
        .env("LATCHKEY_DATABASE_URL", db_url)
        .env("LATCHKEY_DEMO", "false")
        .env("LATCHKEY_DNS", "off")
        // Benchmarks only: every limit off (the server warns about it).
        .env("LATCHKEY_RATE_LIMITS__ENABLED", "false")
        .env(
            "LATCHKEY_LOG_LEVEL",
            std::env::var("LATCHKEY_BENCH_LOG").unwrap_or_else(|_| "warn".into()),
        );
    for (k, v) in std::env::vars() {
        // Lets a run try other settings (pool size, batch size …) without a rebuild.
        if let Some(setting) = k.strip_prefix("LATCHKEY_BENCH_SET_") {
            cmd.env(format!("LATCHKEY_{setting}"), v);
        } else if k.starts_with("MALLOC_") {
            // glibc allocator tuning, to compare memory figures.
            cmd.env(k, v);
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Server {
    /// Seeds the database with `bench-seed`, then starts the server and waits for `/healthz`;
    /// `config`: a `latchkey.toml` for both (e.g. a `[directory]`).
    pub fn start(
        dir: &Path,
        db_url: &str,
        users: u32,
        audit_rows: u64,
        mail: crate::knobs::Mail,
        config: Option<&Path>,
    ) -> Self {
        Self::start_with(dir, db_url, users, audit_rows, mail, config, &[])
    }

    /// [`Server::start`] with more `LATCHKEY_*` settings for the server (after the bench's own,
    /// so they win: e.g. limits back on for scenario I).
    pub fn start_with(
        dir: &Path,
        db_url: &str,
        users: u32,
        audit_rows: u64,
        mail: crate::knobs::Mail,
        config: Option<&Path>,
        settings: &[(&str, &str)],
    ) -> Self {
        let port = free_port();
        let bind = format!("127.0.0.1:{port}");
        let base = format!("http://{bind}");

        let mut seed = Command::new(binary());
        env(&mut seed, dir, db_url, &bind, &base);
        if let Some(file) = config {
            seed.env("LATCHKEY_CONFIG", file);
        }
        seed.args([
            "bench-seed",
            "--users",
            &users.to_string(),
            "--domain",
            crate::DOMAIN,
        ])
        .args(["--audit-rows", &audit_rows.to_string()]);
        let started = Instant::now();
        let status = seed.status().expect("run latchkey bench-seed");
        assert!(status.success(), "latchkey bench-seed failed: {status}");
        eprintln!("seeded in {:.1} s", started.elapsed().as_secs_f64());

        let log = std::fs::File::create(dir.join("server.log")).expect("server log");
        let mut cmd = Command::new(binary());
        env(&mut cmd, dir, db_url, &bind, &base);
        if let Some(file) = config {
            cmd.env("LATCHKEY_CONFIG", file);
        }
        let sink = (mail == crate::knobs::Mail::Smtp).then(crate::smtp::Sink::start);
        if let Some(sink) = &sink {
            cmd.env("LATCHKEY_SMTP_URL", sink.url());
        }
        for (k, v) in settings {
            cmd.env(k, v);
        }
        cmd.arg("serve")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log);
        let child = cmd.spawn().expect("start latchkey serve");
        let addr: SocketAddr = bind.parse().expect("loopback address");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the server did not listen within 30 s; see {}",
                dir.join("server.log").display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let url: DatabaseUrl = db_url.parse().expect("database url");
        let db = Db::connect_lazy(&url, 2).expect("bench's own pool");
        Self {
            child,
            addr,
            dir: dir.to_path_buf(),
            db,
            sink,
        }
    }

    /// Resident memory of the server process (VmRSS and peak VmHWM), MiB.
    pub fn rss_mib(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
                .map_or(f64::NAN, |kb| kb / 1024.0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    pub fn outbox(&self) -> PathBuf {
        self.dir.join("outbox")
    }

    pub fn conn(&self) -> r2d2::PooledConnection<latchkey::db::ConnectionManager> {
        self.db.get().expect("a bench connection")
    }

    /// (open jobs, done jobs).
    pub fn queue(&self) -> (i64, i64) {
        let mut c = self.conn();
        let open = latchkey::jobs::queue::open_count(&mut c).unwrap_or(-1);
        let done: i64 = dispatch!(&mut *c, c => jobs::table
            .filter(jobs::done_at.is_not_null())
            .count()
            .get_result(c))
        .unwrap_or(-1);
        (open, done)
    }

    /// Failed jobs (a healthy run has none).
    pub fn failed_jobs(&self) -> i64 {
        latchkey::jobs::queue::failed_count(&mut self.conn()).unwrap_or(-1)
    }

    /// Waits until no job is open (or `limit` passes); returns whether the queue drained.
    pub fn wait_drained(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.queue().0 == 0 {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Our own child only, by its id.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// (lowest id, highest id, rows) of the audit.
pub fn audit_span(conn: &mut AnyConnection) -> (i64, i64, i64) {
    dispatch!(conn, c => {
        let min: Option<i64> = audit_events::table.select(diesel::dsl::min(audit_events::id)).first(c).expect("min id");
        let max: Option<i64> = audit_events::table.select(diesel::dsl::max(audit_events::id)).first(c).expect("max id");
        let n: i64 = audit_events::table.count().get_result(c).expect("count");
        (min.unwrap_or(0), max.unwrap_or(0), n)
    })
}

/// A fresh database on the PostgreSQL server `base` names; returns its URL. Dropped by
/// [`drop_pg_database`].
pub fn create_pg_database(base: &str) -> (String, String) {
    let name = format!("latchkey_bench_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::establish(base).expect("connect to LATCHKEY_BENCH_PG");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("create the bench database");
    let mut url = url::Url::parse(base).expect("LATCHKEY_BENCH_PG is a URL");
    url.set_path(&format!("/{name}"));
    (url.to_string(), name)
}

pub fn drop_pg_database(base: &str, name: &str) {
    if let Ok(mut admin) = PgConnection::establish(base) {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin);
    }
}
