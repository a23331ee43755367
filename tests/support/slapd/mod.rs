//! A private, throwaway OpenLDAP `slapd` for one test: its own configuration, database and TLS
//! certificates in a temp dir (nothing under /etc/ldap is written; the stock schema files are
//! only read), on a free 127.0.0.1 port, with the `ppolicy` overlay (minimum length 16, a
//! history of 3) and a seeded tree:
//!
//! | entry                         | mail                  | notes                          |
//! |-------------------------------|-----------------------|--------------------------------|
//! | `uid=ann,ou=people,…`         | ann@example.com       | password [`ANN_PASSWORD`]      |
//! | `uid=carl,ou=people,…`        | carl@example.com      | password [`CARL_PASSWORD`]     |
//! | `uid=dis,ou=people,…`         | disabled@example.com  | `pwdAccountLockedTime` set     |
//! | `uid=twin1,…`, `uid=twin2,…`  | shared@example.com    | two entries share the address  |
//! | `uid=nomail,ou=people,…`      | (none)                |                                |
//! | `cn=latchkey,ou=services,…`   |                       | the service account ([`SERVICE_DN`]) |
//!
//! StartTLS is on, with a throwaway CA ([`Slapd::ca_file`]) and a server certificate for
//! `localhost` / `127.0.0.1`, so the default `tls = "starttls"` path is what tests exercise.
//! [`Slapd::stop`] and [`Slapd::start_again`] simulate an outage on the same port and data.
//!
//! Without `slapd`/`slapadd`/`ldap-utils`/`openssl`, [`Slapd::start`] prints why and returns
//! `None` (skip); under `CI=true` it panics instead (a CI machine must have them).

mod files;

pub use files::make_certificates;
use files::{slapd_conf, SEED};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub const BASE: &str = "dc=example,dc=com";
pub const PEOPLE: &str = "ou=people,dc=example,dc=com";
pub const SERVICE_DN: &str = "cn=latchkey,ou=services,dc=example,dc=com";
pub const SERVICE_PASSWORD: &str = "service-account-secret";
pub const ANN_DN: &str = "uid=ann,ou=people,dc=example,dc=com";
pub const ANN_PASSWORD: &str = "ann-old-password-1";
pub const CARL_DN: &str = "uid=carl,ou=people,dc=example,dc=com";
pub const CARL_PASSWORD: &str = "carl-old-password-1";
pub const DISABLED_PASSWORD: &str = "dis-old-password-1";
const ROOT_DN: &str = "cn=admin,dc=example,dc=com";
const ROOT_PASSWORD: &str = "root-secret-for-tests";

pub struct Slapd {
    dir: tempfile::TempDir,
    port: u16,
    pid: Option<u32>,
}

pub fn program(name: &str) -> Option<PathBuf> {
    [
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
        "/usr/local/sbin",
        "/usr/local/bin",
    ]
    .iter()
    .map(|d| Path::new(d).join(name))
    .find(|p| p.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Slapd {
    /// Configures, seeds and starts a server, or `None` (skip) when OpenLDAP is not installed.
    pub fn start() -> Option<Slapd> {
        let missing: Vec<&str> = ["slapd", "slapadd", "ldapwhoami", "ldapmodify", "openssl"]
            .into_iter()
            .filter(|p| program(p).is_none())
            .collect();
        if !missing.is_empty()
            || !Path::new("/etc/ldap/schema/inetorgperson.schema").is_file()
            || !Path::new("/usr/lib/ldap/ppolicy.so").exists()
        {
            let why = format!(
                "OpenLDAP test server not available (missing: {missing:?}, or the schema / \
                 ppolicy module): apt-get install slapd ldap-utils openssl"
            );
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("{why} (CI=true: this test may not be skipped)");
            }
            eprintln!("SKIPPED: {why}");
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir for slapd");
        let d = dir.path();
        std::fs::create_dir(d.join("db")).unwrap();
        make_certificates(d);
        std::fs::write(d.join("slapd.conf"), slapd_conf(d)).unwrap();
        std::fs::write(d.join("seed.ldif"), SEED).unwrap();
        run(
            Command::new(program("slapadd").unwrap())
                .arg("-f")
                .arg(d.join("slapd.conf"))
                .arg("-l")
                .arg(d.join("seed.ldif")),
            "slapadd",
        );
        let mut server = Slapd {
            dir,
            port: free_port(),
            pid: None,
        };
        server.start_again();
        Some(server)
    }

    /// `ldap://127.0.0.1:PORT` (StartTLS is available on it).
    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The PEM file of the throwaway CA that signed the server's certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// `[directory]` settings for this server, as TOML lines (`kind = "ldap"`, StartTLS with the
    /// CA, the service account, the people subtree).
    pub fn directory_toml(&self) -> String {
        format!(
            "[directory]\nkind = \"ldap\"\nurl = [\"{}\"]\ntls = \"starttls\"\nca_file = \"{}\"\n\
             bind_dn = \"{SERVICE_DN}\"\nbind_password = \"{SERVICE_PASSWORD}\"\n\
             users_base_dn = \"{PEOPLE}\"\ntimeout_seconds = 5\n",
            self.url(),
            self.ca_file().display()
        )
    }

    /// Starts the server (again) on the same port and data; waits until it answers.
    pub fn start_again(&mut self) {
        let d = self.dir.path();
        run(
            Command::new(program("slapd").unwrap())
                .arg("-f")
                .arg(d.join("slapd.conf"))
                .arg("-h")
                .arg(format!("ldap://127.0.0.1:{}/", self.port)),
            "slapd",
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(text) = std::fs::read_to_string(d.join("slapd.pid")) {
                if let Ok(pid) = text.trim().parse() {
                    if self.bind_works(SERVICE_DN, SERVICE_PASSWORD) {
                        self.pid = Some(pid);
                        return;
                    }
                }
            }
            assert!(Instant::now() < deadline, "slapd did not come up in 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server (an outage); the port and the data are kept for [`Slapd::start_again`].
    pub fn stop(&mut self) {
        let Some(pid) = self.pid.take() else { return };
        // SAFETY: a plain kill(2) of the slapd this harness started.
        unsafe {
            libc::kill(pid as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while Path::new(&format!("/proc/{pid}")).exists() {
            assert!(Instant::now() < deadline, "slapd did not stop in 30 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = std::fs::remove_file(self.dir.path().join("slapd.pid"));
    }

    fn tls_env(&self, cmd: &mut Command) {
        cmd.env("LDAPTLS_CACERT", self.ca_file())
            .env("LDAPTLS_REQCERT", "demand")
            .env("LDAPCONF", "/dev/null")
            .env("LDAPRC", "/dev/null");
    }

    /// Whether a simple bind (over StartTLS) as `dn` with `password` succeeds (`ldapwhoami`).
    pub fn bind_works(&self, dn: &str, password: &str) -> bool {
        let mut cmd = Command::new(program("ldapwhoami").unwrap());
        self.tls_env(&mut cmd);
        cmd.args(["-x", "-ZZ", "-H", &self.url(), "-D", dn, "-w", password]);
        cmd.output().map(|o| o.status.success()).unwrap_or(false)
    }

    /// Applies an LDIF change as the directory's root (renames, locks, test set-up).
    pub fn modify(&self, ldif: &str) {
        let file = self.dir.path().join("change.ldif");
        std::fs::write(&file, ldif).unwrap();
        let mut cmd = Command::new(program("ldapmodify").unwrap());
        self.tls_env(&mut cmd);
        cmd.args([
            "-x",
            "-ZZ",
            "-H",
            &self.url(),
            "-D",
            ROOT_DN,
            "-w",
            ROOT_PASSWORD,
            "-f",
        ])
        .arg(&file);
        run(&mut cmd, "ldapmodify");
    }

    /// Moves `uid=<old>,ou=people` to `uid=<new>,ou=people` (its entryUUID is kept).
    pub fn rename(&self, old_uid: &str, new_uid: &str) {
        self.modify(&format!(
            "dn: uid={old_uid},{PEOPLE}\nchangetype: modrdn\nnewrdn: uid={new_uid}\n\
             deleteoldrdn: 1\n"
        ));
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.stop();
    }
}
