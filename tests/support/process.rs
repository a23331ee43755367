//! The REAL `latchkey` binary as a child process, for tests about process life: graceful
//! shutdown on SIGTERM, `kill -9` crash safety, several instances on one database.
//!
//! Each instance gets its own config file (written here), a chosen free port (the binary does
//! not print the port it bound, so the test picks it), stdout+stderr captured to a log file,
//! and is always killed on drop.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Cargo builds the package's binary before the integration tests.
pub const BINARY: &str = env!("CARGO_BIN_EXE_latchkey");

/// The key every member of a test fleet shares (sessions and CSRF tokens verify anywhere).
pub const FLEET_SECRET: &str = "test-fleet-secret-0123456789abcdef0123456789abcdef";

/// A free loopback port (free now; the child binds it a moment later).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// What one instance is started with.
#[derive(Debug, Clone)]
pub struct ProcessConfig {
    pub database_url: String,
    /// Where the config file and log go; also `data_dir`.
    pub dir: PathBuf,
    pub port: u16,
    /// The management listener's port (`/readyz`, `/metrics`).
    pub management_port: u16,
    pub smtp_url: Option<String>,
    pub smtp_timeout_seconds: u64,
    pub log_level: String,
    /// Extra TOML: top-level keys first, then tables (appended after the defaults below, so
    /// it must not repeat `[jobs]` or `[rate_limits]`; use `jobs` / `rate_limits` instead).
    pub extra: String,
    /// Lines for the `[jobs]` table.
    pub jobs: String,
    /// Lines for the `[rate_limits]` table.
    pub rate_limits: String,
    /// Environment variables for the process (beside PATH; the rest of the test's environment
    /// is not passed on).
    pub env: Vec<(String, String)>,
}

impl ProcessConfig {
    /// Defaults for tests: no demo, no DNS, quick job polling, per-IP limits out of the way
    /// (every request comes from 127.0.0.1), persistent limits as configured by default.
    pub fn new(dir: &Path, database_url: &str) -> ProcessConfig {
        ProcessConfig {
            database_url: database_url.to_string(),
            dir: dir.to_path_buf(),
            port: free_port(),
            management_port: free_port(),
            smtp_url: None,
            smtp_timeout_seconds: 2,
            log_level: "info".into(),
            extra: String::new(),
            jobs: "poll_interval_ms = 100\n".into(),
            rate_limits: "public_forms = { per_minute = 1000000, burst = 1000000 }\n\
                token_pages = { per_minute = 1000000, burst = 1000000 }\n\
                reset_global = { per_minute = 1000000, burst = 1000000 }\n"
                .into(),
            env: Vec::new(),
        }
    }

    fn toml(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!("bind = \"127.0.0.1:{}\"\n", self.port));
        s.push_str(&format!(
            "management_bind = \"127.0.0.1:{}\"\n",
            self.management_port
        ));
        s.push_str(&format!(
            "public_base_url = \"http://127.0.0.1:{}\"\n",
            self.port
        ));
        s.push_str(&format!(
            "data_dir = {:?}\n",
            self.dir.display().to_string()
        ));
        s.push_str(&format!("database_url = {:?}\n", self.database_url));
        s.push_str("demo = false\ndns = \"off\"\n");
        s.push_str(&format!("log_level = {:?}\n", self.log_level));
        s.push_str(&format!("secret_key = \"{FLEET_SECRET}\"\n"));
        if let Some(url) = &self.smtp_url {
            s.push_str(&format!(
                "smtp_url = {url:?}\nsmtp_timeout_seconds = {}\n",
                self.smtp_timeout_seconds
            ));
        }
        s.push_str(&self.extra);
        s.push_str("\n[jobs]\n");
        s.push_str(&self.jobs);
        s.push_str("\n[rate_limits]\n");
        s.push_str(&self.rate_limits);
        s
    }
}

/// One running (or exited) `latchkey serve`.
pub struct ServerProcess {
    child: Option<Child>,
    pub name: String,
    pub port: u16,
    pub address: String,
    pub log: PathBuf,
    pub config: ProcessConfig,
    exit: Option<ExitStatus>,
}

impl ServerProcess {
    /// Writes `NAME.toml` and starts `latchkey --config NAME.toml serve` (does not wait).
    pub fn start(name: &str, config: &ProcessConfig) -> ServerProcess {
        std::fs::create_dir_all(&config.dir).unwrap();
        let path = config.dir.join(format!("{name}.toml"));
        std::fs::write(&path, config.toml()).unwrap();
        let log = config.dir.join(format!("{name}.log"));
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        writeln!(file, "---- start {name} ----").unwrap();
        let child = Command::new(BINARY)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(config.env.iter().map(|(k, v)| (k, v)))
            .arg("--config")
            .arg(&path)
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .expect("start latchkey serve");
        ServerProcess {
            child: Some(child),
            name: name.to_string(),
            port: config.port,
            address: format!("http://127.0.0.1:{}", config.port),
            log,
            config: config.clone(),
            exit: None,
        }
    }

    /// Starts and waits for `/readyz`.
    pub async fn start_ready(name: &str, config: &ProcessConfig) -> ServerProcess {
        let mut p = Self::start(name, config);
        p.wait_ready(Duration::from_secs(60)).await;
        p
    }

    /// Starts again with the same config (same port, same database).
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "{} still running", self.name);
        *self = Self::start_ready(&self.name.clone(), &self.config.clone()).await;
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().expect("running").id() as i32
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Waits until `/readyz` answers 200; panics with the log if the process exits or time
    /// runs out.
    pub async fn wait_ready(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let client = reqwest::Client::new();
        loop {
            let ready = format!("http://127.0.0.1:{}/readyz", self.config.management_port);
            if let Ok(r) = client.get(ready).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            if let Some(status) = self.try_exit() {
                panic!(
                    "{} exited ({status}) before it was ready:\n{}",
                    self.name,
                    self.log_text()
                );
            }
            if Instant::now() > deadline {
                panic!(
                    "{} not ready within {timeout:?}:\n{}",
                    self.name,
                    self.log_text()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends a signal (SIGTERM, SIGKILL, …) to the process.
    pub fn signal(&self, sig: libc::c_int) {
        if let Some(child) = &self.child {
            // SAFETY: kill(2) on our own child's pid; no memory is involved.
            let rc = unsafe { libc::kill(child.id() as libc::pid_t, sig) };
            assert_eq!(rc, 0, "kill({}, {sig})", child.id());
        }
    }

    pub fn terminate(&self) {
        self.signal(libc::SIGTERM);
    }

    /// `kill -9`, then reaps it.
    pub fn kill9(&mut self) -> ExitStatus {
        self.signal(libc::SIGKILL);
        self.wait_exit(Duration::from_secs(10))
            .expect("a killed process exits")
    }

    /// The exit status if the process has exited (reaping it).
    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.exit = Some(status);
                    self.child = None;
                }
            }
        }
        self.exit
    }

    /// Waits up to `timeout` for the process to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(s) = self.try_exit() {
                return Some(s);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        self.try_exit().is_none() && self.child.is_some()
    }

    /// Everything the process wrote so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs a `latchkey` command (not `serve`) with an instance's config file, e.g.
/// `["bench-seed", "--users", "10", "--domain", "x.test"]`; panics with its output on failure.
pub fn run_cli(server: &ServerProcess, args: &[&str]) -> String {
    let config = server.config.dir.join(format!("{}.toml", server.name));
    let out = Command::new(BINARY)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg("--config")
        .arg(&config)
        .args(args)
        .output()
        .expect("run latchkey");
    assert!(
        out.status.success(),
        "latchkey {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The test's own small pool on the instances' database (setup and invariant checks).
pub fn direct_db(url: &str) -> latchkey::db::Db {
    latchkey::db::Db::connect_lazy(&url.parse().expect("database url"), 4).expect("a pool")
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// `SELECT COUNT(*) AS n …` (or any query yielding one BIGINT column `n`) on either backend.
pub fn count(db: &latchkey::db::Db, query: &str) -> i64 {
    use diesel::RunQueryDsl as _;
    let mut conn = db.get().expect("a connection");
    let row: Count =
        latchkey::dispatch!(&mut *conn, c => diesel::sql_query(query).get_result::<Count>(c))
            .unwrap_or_else(|e| panic!("{query}: {e}"));
    row.n
}

/// Rows of text columns `a`, `b` (NULL as empty) for a query selecting `… AS a, … AS b`.
pub fn pairs(db: &latchkey::db::Db, query: &str) -> Vec<(String, String)> {
    #[derive(diesel::QueryableByName)]
    struct Pair {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        a: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        b: Option<String>,
    }
    use diesel::RunQueryDsl as _;
    let mut conn = db.get().expect("a connection");
    let rows: Vec<Pair> =
        latchkey::dispatch!(&mut *conn, c => diesel::sql_query(query).load::<Pair>(c))
            .unwrap_or_else(|e| panic!("{query}: {e}"));
    rows.into_iter()
        .map(|p| (p.a.unwrap_or_default(), p.b.unwrap_or_default()))
        .collect()
}

/// Waits until `cond` holds (polling), or panics with `what` after `timeout`.
pub async fn wait_until(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
