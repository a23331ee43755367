//! A private, throwaway Samba Active Directory domain controller for one test: `samba-tool
//! domain provision` into a temp dir (realm `LATCHKEY.TEST`, no DNS), users created offline with
//! `samba-tool user`, then `samba -i -M single` with only its LDAP service, on 127.0.0.1.
//!
//! | account        | mail                    | notes                                   |
//! |----------------|-------------------------|-----------------------------------------|
//! | `ann`          | ann@latchkey.test       | password [`ANN_PASSWORD`]               |
//! | `dis`          | disabled@latchkey.test  | disabled (`userAccountControl` bit 0x2) |
//! | `Administrator`|                         | the service account ([`SERVICE_DN`])    |
//!
//! The domain's password policy is Samba's default: complexity on, at least 7 characters, a
//! history of 24. Samba's LDAP ports cannot be moved, so the server takes 389/636 on 127.0.0.1
//! (the start fails clearly if they are busy). LDAPS uses a throwaway CA ([`SambaAd::ca_file`])
//! and a certificate for `localhost` / `127.0.0.1` (Samba's own self-signed certificate names
//! `DC1.latchkey.test`, which a client connecting to 127.0.0.1 rightly refuses).
//!
//! Samba must run as root. Without `samba`/`samba-tool` (Debian `samba`, `samba-ad-dc`,
//! `samba-ad-provision`), `openssl`, or root, [`SambaAd::start`] prints why and returns `None`
//! (skip); under `CI=true` it panics instead.

use super::slapd::{make_certificates, program, run};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BASE: &str = "DC=latchkey,DC=test";
pub const USERS: &str = "CN=Users,DC=latchkey,DC=test";
pub const SERVICE_DN: &str = "CN=Administrator,CN=Users,DC=latchkey,DC=test";
pub const SERVICE_PASSWORD: &str = "Adm1n-Service-Passw0rd!";
pub const ANN_MAIL: &str = "ann@latchkey.test";
pub const ANN_PASSWORD: &str = "Ann-Old-Passw0rd!";
pub const DISABLED_MAIL: &str = "disabled@latchkey.test";
const DISABLED_PASSWORD: &str = "Dis-Old-Passw0rd!";

pub struct SambaAd {
    dir: tempfile::TempDir,
    child: Option<Child>,
}

fn skip(why: String) -> Option<SambaAd> {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{why} (CI=true: this test may not be skipped)");
    }
    eprintln!("SKIPPED: {why}");
    None
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn port_busy(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_err()
}

impl SambaAd {
    /// Provisions, seeds and starts a domain controller, or `None` (skip) when Samba is not
    /// installed or the test does not run as root.
    pub fn start() -> Option<SambaAd> {
        let missing: Vec<&str> = ["samba", "samba-tool", "openssl"]
            .into_iter()
            .filter(|p| program(p).is_none())
            .collect();
        if !missing.is_empty() || !Path::new("/usr/share/samba/setup/ad-schema").is_dir() {
            return skip(format!(
                "Samba AD DC not available (missing: {missing:?}, or the AD schema files): \
                 apt-get install samba samba-ad-dc samba-ad-provision openssl"
            ));
        }
        if !is_root() {
            return skip("a Samba AD DC must run as root".into());
        }
        if port_busy(389) || port_busy(636) {
            panic!("127.0.0.1:389 or :636 is busy: a Samba AD DC cannot use other ports");
        }
        let dir = tempfile::tempdir().expect("temp dir for samba");
        let d = dir.path();
        make_certificates(d);
        let tool = program("samba-tool").unwrap();
        run(
            Command::new(&tool).args([
                "domain",
                "provision",
                "--targetdir",
                &d.join("dc").display().to_string(),
                "--realm=LATCHKEY.TEST",
                "--domain=LATCHKEY",
                "--host-name=dc1",
                "--server-role=dc",
                "--dns-backend=NONE",
                "--use-rfc2307",
                &format!("--adminpass={SERVICE_PASSWORD}"),
                "--option=interfaces=127.0.0.1",
                "--option=bind interfaces only=yes",
            ]),
            "samba-tool domain provision",
        );
        let conf = d.join("dc/etc/smb.conf");
        // Only the LDAP service; logs, pid and TLS files in the temp dir; the old password stops
        // working at once (Samba, like Windows, accepts it for 60 minutes by default).
        let provisioned = std::fs::read_to_string(&conf).unwrap();
        let global_start = provisioned.find("[global]").expect("a [global] section");
        let global_end = provisioned[global_start..]
            .find("\n[")
            .map_or(provisioned.len(), |i| global_start + i);
        let mut global: String = provisioned[..global_end]
            .lines()
            .filter(|l| {
                let l = l.trim_start();
                !(l.starts_with("server services")
                    || l.starts_with("log file")
                    || l.starts_with("unix password sync"))
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let dd = d.display();
        global.push_str(&format!(
            "\tserver services = ldap\n\tlog file = {dd}/samba.log\n\tpid directory = {dd}\n\
             \tunix password sync = no\n\told password allowed period = 0\n\ttls enabled = yes\n\ttls keyfile = {dd}/server.key\n\
             \ttls certfile = {dd}/server.pem\n\ttls cafile = {dd}/ca.pem\n"
        ));
        std::fs::write(&conf, global).unwrap();
        let conf_arg = format!("--configfile={}", conf.display());
        let user = |args: &[&str], what: &str| {
            run(
                Command::new(&tool).arg("user").args(args).arg(&conf_arg),
                what,
            );
        };
        user(
            &[
                "create",
                "ann",
                ANN_PASSWORD,
                &format!("--mail-address={ANN_MAIL}"),
                "--given-name=Ann",
                "--surname=Example",
            ],
            "samba-tool user create ann",
        );
        user(
            &[
                "create",
                "dis",
                DISABLED_PASSWORD,
                &format!("--mail-address={DISABLED_MAIL}"),
            ],
            "samba-tool user create dis",
        );
        user(&["disable", "dis"], "samba-tool user disable dis");
        let log = std::fs::File::create(d.join("samba.out")).unwrap();
        let child = Command::new(program("samba").unwrap())
            .args(["-i", "-M", "single", "--debug-stdout", "-d", "1"])
            .arg(&conf_arg)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("spawn samba");
        let mut server = SambaAd {
            dir,
            child: Some(child),
        };
        server.wait_ready();
        Some(server)
    }

    /// Waits until LDAPS accepts connections (a guard against a hang, not a timing assumption).
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", 636)).is_ok() {
                return;
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!(
                    "samba exited ({status}): {}",
                    std::fs::read_to_string(self.dir.path().join("samba.out")).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "samba did not listen on 127.0.0.1:636 within 120 s"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `ldaps://127.0.0.1:636`.
    pub fn url(&self) -> String {
        "ldaps://127.0.0.1:636".into()
    }

    /// The PEM file of the throwaway CA that signed the server's certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for SambaAd {
    fn drop(&mut self) {
        self.stop();
    }
}
