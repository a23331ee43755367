//! A real SMTP server in the test process (RFC 5321), on a random 127.0.0.1 port. The service
//! sends to it over TCP with `smtp://127.0.0.1:PORT?tls=none`, or over TLS (STARTTLS, RFC 3207,
//! or TLS from the first byte) with a certificate the test made ([`SmtpSink::start_tls`]).
//!
//! Its [`Mode`] changes at run time, so a test can make the server reject, defer, stall, or go
//! away and come back on the same port (docs/security.md#13, #41).

mod mime;
mod session;

pub use mime::*;
use session::{bind, spawn_listener};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// How the server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Accepts and stores every message.
    Accept,
    /// `550 5.1.1` to every `RCPT TO`.
    RejectRecipients,
    /// `451 4.3.0` to every `RCPT TO`.
    TempFail,
    /// Accepts connections and never says a word (not even the greeting); open sessions stall.
    Hang,
    /// Not listening: connections are refused, open ones are dropped.
    Down,
    /// Like `Accept`, but waits this long after the final `.` of DATA before it stores the
    /// message and answers `250` (a mail stays "being sent" that long).
    Slow(Duration),
    /// Answers the given reply line (e.g. `"550 5.4.5 quota exceeded"`) at one stage of every
    /// transaction and accepts everything else: at [`Stage::Data`] the whole message is read
    /// first, then refused (not stored).
    Answer(Stage, &'static str),
}

/// A stage of an SMTP transaction, for [`Mode::Answer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The reply to `MAIL FROM`.
    MailFrom,
    /// The reply to `RCPT TO`.
    RcptTo,
    /// The reply after the message's final `.`.
    Data,
}

/// One message as received.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The `MAIL FROM` address.
    pub from: String,
    /// Every `RCPT TO` address accepted for this message.
    pub to: Vec<String>,
    /// The message after dot-unstuffing, CRLF line ends, without the final `.`.
    pub data: String,
}

impl ReceivedMail {
    /// The decoded `text/plain` part.
    pub fn text(&self) -> String {
        mime_part(&self.data, "text/plain").unwrap_or_default()
    }

    /// The decoded `text/html` part.
    pub fn html(&self) -> String {
        mime_part(&self.data, "text/html").unwrap_or_default()
    }

    /// The value of a top-level header (unfolded), if present.
    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = split_head(&self.data);
        headers(head)
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Every top-level header name, in order.
    pub fn header_names(&self) -> Vec<String> {
        let (head, _) = split_head(&self.data);
        headers(head).into_iter().map(|(n, _)| n).collect()
    }
}

/// How a TLS sink offers TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkTls {
    /// Plain at first, `STARTTLS` advertised and honoured (`smtp://`).
    StartTls,
    /// TLS from the first byte (`smtps://`).
    Wrapper,
}

/// What the server has seen of its clients' conversations (for tests of the connection pool).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SinkStats {
    /// TCP connections accepted.
    pub connections: usize,
    /// `NOOP` commands.
    pub noops: usize,
    /// `MAIL FROM` commands whose `DATA` had already arrived with them (RFC 2920 pipelining).
    pub pipelined: usize,
}

struct Shared {
    port: u16,
    tls: Option<(SinkTls, tokio_rustls::TlsAcceptor)>,
    mode: Mutex<Mode>,
    /// Whether `EHLO` offers `PIPELINING` (as Postfix and Exim do by default).
    pipelining: Mutex<bool>,
    stats: Mutex<SinkStats>,
    messages: Mutex<Vec<ReceivedMail>>,
    failed_handshakes: Mutex<usize>,
    arrived: Notify,
    listener: Mutex<Option<JoinHandle<()>>>,
    sessions: Mutex<Vec<JoinHandle<()>>>,
}

/// The running server. Dropping it stops the listener and every session.
pub struct SmtpSink {
    shared: Arc<Shared>,
}

impl SmtpSink {
    /// Starts in [`Mode::Accept`] on a random port.
    pub async fn start() -> SmtpSink {
        Self::start_with(None).await
    }

    /// Starts with TLS: `cert_pem` (the server's chain, PEM) and `key_pem` (its key), for
    /// 127.0.0.1. [`SmtpSink::url`] then names the matching `smtp://` or `smtps://` URL.
    pub async fn start_tls(kind: SinkTls, cert_pem: &[u8], key_pem: &[u8]) -> SmtpSink {
        use rustls::pki_types::pem::PemObject as _;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .expect("the sink's certificate");
        let key = PrivateKeyDer::from_pem_slice(key_pem).expect("the sink's key");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("the sink's TLS configuration");
        Self::start_with(Some((
            kind,
            tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        )))
        .await
    }

    async fn start_with(tls: Option<(SinkTls, tokio_rustls::TlsAcceptor)>) -> SmtpSink {
        let listener = bind(0).expect("bind the SMTP sink");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            port,
            tls,
            mode: Mutex::new(Mode::Accept),
            pipelining: Mutex::new(true),
            stats: Mutex::new(SinkStats::default()),
            messages: Mutex::new(Vec::new()),
            failed_handshakes: Mutex::new(0),
            arrived: Notify::new(),
            listener: Mutex::new(None),
            sessions: Mutex::new(Vec::new()),
        });
        spawn_listener(&shared, listener);
        SmtpSink { shared }
    }

    /// The port it listens on (kept across [`Mode::Down`] and back).
    pub fn port(&self) -> u16 {
        self.shared.port
    }

    /// `smtp://127.0.0.1:PORT?tls=none` for a plain sink, `smtp://127.0.0.1:PORT` (STARTTLS)
    /// or `smtps://127.0.0.1:PORT` for a TLS one: for `smtp_url`.
    pub fn url(&self) -> String {
        match &self.shared.tls {
            None => format!("smtp://127.0.0.1:{}?tls=none", self.port()),
            Some((SinkTls::StartTls, _)) => format!("smtp://127.0.0.1:{}", self.port()),
            Some((SinkTls::Wrapper, _)) => format!("smtps://127.0.0.1:{}", self.port()),
        }
    }

    /// How many TLS handshakes failed (a client that did not trust the certificate).
    pub fn failed_handshakes(&self) -> usize {
        *self.shared.failed_handshakes.lock().unwrap()
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        *self.shared.mode.lock().unwrap()
    }

    /// Switches mode. Into [`Mode::Down`]: stops listening and drops every open session, and
    /// returns only once the port is closed. Out of it: listens again on the same port.
    pub async fn set_mode(&self, mode: Mode) {
        let previous = std::mem::replace(&mut *self.shared.mode.lock().unwrap(), mode);
        if mode == Mode::Down && previous != Mode::Down {
            let listener = self.shared.listener.lock().unwrap().take();
            let sessions: Vec<_> = self.shared.sessions.lock().unwrap().drain(..).collect();
            // Aborting is asynchronous: wait until each task (and its socket) is really gone,
            // so the port refuses connections now and can be bound again right after.
            for task in listener.into_iter().chain(sessions) {
                task.abort();
                let _ = task.await;
            }
        } else if mode != Mode::Down && previous == Mode::Down {
            let listener = bind(self.shared.port).expect("listen again on the same port");
            spawn_listener(&self.shared, listener);
        }
    }

    /// Whether `EHLO` offers `PIPELINING` from now on (it does from the start).
    pub fn set_pipelining(&self, offered: bool) {
        *self.shared.pipelining.lock().unwrap() = offered;
    }

    /// Connections, `NOOP`s and pipelined transactions seen so far.
    pub fn stats(&self) -> SinkStats {
        *self.shared.stats.lock().unwrap()
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.shared.messages.lock().unwrap().clone()
    }

    /// Waits until at least `n` messages have arrived; returns them all, or panics with the
    /// count after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.arrived.notified();
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "expected {n} message(s) within {timeout:?}, got {}",
                    self.messages().len()
                );
            }
        }
    }

    /// The last message whose envelope recipients include `addr` (case-insensitive).
    pub fn last_to(&self, addr: &str) -> Option<ReceivedMail> {
        self.messages()
            .into_iter()
            .rev()
            .find(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(addr)))
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(task) = self.shared.listener.lock().unwrap().take() {
            task.abort();
        }
        for task in self.shared.sessions.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}
