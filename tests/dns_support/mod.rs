//! A throwaway dnsmasq on a free loopback port, for tests that need a real DNS server.
//!
//! dnsmasq (Debian/Ubuntu package `dnsmasq-base`) is started with no configuration file, no
//! upstream servers and no hosts file, answering only the records given on its command line.
//! The process is killed when the guard drops.

#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running dnsmasq; killed (and reaped) on drop.
pub struct Dnsmasq {
    child: Child,
    addr: SocketAddr,
}

/// Where dnsmasq is, if installed. Looks in `PATH` and in the sbin directories that a non-root
/// `PATH` often lacks.
pub fn dnsmasq_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|dir| dir.join("dnsmasq"))
        .find(|p| p.is_file())
}

/// The dnsmasq binary, or `None` after printing why the test is skipped. Under CI (`CI=true`)
/// a missing dnsmasq fails the test instead: CI installs it.
pub fn require_dnsmasq() -> Option<PathBuf> {
    match dnsmasq_binary() {
        Some(p) => Some(p),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("dnsmasq not installed, but CI=true: install dnsmasq-base")
        }
        None => {
            eprintln!("skipped: dnsmasq not installed (apt-get install dnsmasq-base)");
            None
        }
    }
}

impl Dnsmasq {
    /// Starts dnsmasq with `records` (dnsmasq options such as `--mx-host=…`) on a free
    /// 127.0.0.1 port and waits until it accepts connections.
    pub fn start(binary: &Path, records: &[String]) -> Self {
        let mut last_error = String::new();
        // A port found free can be taken before dnsmasq binds it; try a few.
        for _ in 0..5 {
            let port = free_port();
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let mut child = Command::new(binary)
                .args([
                    "--keep-in-foreground",
                    "--conf-file=/dev/null",
                    "--no-resolv",
                    "--no-hosts",
                    "--no-poll",
                    "--pid-file=",
                    "--bind-interfaces",
                    "--listen-address=127.0.0.1",
                    "--log-facility=-",
                ])
                .arg(format!("--port={port}"))
                .args(records)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("spawning {}: {e}", binary.display()));
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(status)) = child.try_wait() {
                    let mut stderr = String::new();
                    if let Some(mut err) = child.stderr.take() {
                        let _ = std::io::Read::read_to_string(&mut err, &mut stderr);
                    }
                    last_error = format!("dnsmasq exited with {status}: {stderr}");
                    break;
                }
                if TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
                    return Self { child, addr };
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
            if last_error.is_empty() {
                last_error = "dnsmasq did not start listening within 5 s".into();
            }
        }
        panic!("could not start dnsmasq: {last_error}");
    }

    /// The address it answers on (UDP and TCP).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Kills it now (e.g. to show that later answers come from a cache).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A 127.0.0.1 port free for both UDP and TCP at the time of asking.
pub fn free_port() -> u16 {
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind an ephemeral UDP port");
        let port = udp.local_addr().expect("local address").port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A "nameserver" that accepts UDP datagrams and TCP connections and never answers. Holds the
/// sockets until dropped.
pub struct SilentServer {
    _udp: UdpSocket,
    _tcp: TcpListener,
    addr: SocketAddr,
}

impl SilentServer {
    /// Binds UDP and TCP on one free 127.0.0.1 port.
    pub fn bind() -> Self {
        loop {
            let udp = UdpSocket::bind("127.0.0.1:0").expect("bind an ephemeral UDP port");
            let addr = udp.local_addr().expect("local address");
            if let Ok(tcp) = TcpListener::bind(addr) {
                return Self {
                    _udp: udp,
                    _tcp: tcp,
                    addr,
                };
            }
        }
    }

    /// Where it (does not) answer.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}
