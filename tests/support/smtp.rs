//! A real SMTP server in the test process (RFC 5321), on a random 127.0.0.1 port. The service
//! sends to it over TCP with `smtp://127.0.0.1:PORT?tls=none`, or over TLS (STARTTLS, RFC 3207,
//! or TLS from the first byte) with a certificate the test made ([`SmtpSink::start_tls`]).
//!
//! Its [`Mode`] changes at run time, so a test can make the server reject, defer, stall, or go
//! away and come back on the same port (docs/security.md#13, #41).

use base64::Engine as _;
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

struct Shared {
    port: u16,
    tls: Option<(SinkTls, tokio_rustls::TlsAcceptor)>,
    mode: Mutex<Mode>,
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

fn bind(port: u16) -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    // Coming back up on the same port must not wait for TIME_WAIT of the dropped sessions.
    socket.set_reuseaddr(true)?;
    socket.bind(([127, 0, 0, 1], port).into())?;
    socket.listen(64)
}

fn spawn_listener(shared: &Arc<Shared>, listener: TcpListener) {
    let weak = Arc::downgrade(shared);
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            let Some(shared) = weak.upgrade() else { return };
            let session = tokio::spawn(session(shared.clone(), stream));
            let mut sessions = shared.sessions.lock().unwrap();
            sessions.retain(|t| !t.is_finished());
            sessions.push(session);
        }
    });
    *shared.listener.lock().unwrap() = Some(task);
}

async fn stall() -> ! {
    loop {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

/// Longest command or data line accepted (RFC 5321 §4.5.3.1.6 says 1000 with CRLF for text
/// lines; a little slack).
const MAX_LINE: usize = 4096;

/// One connection: plain, TLS from the first byte, or plain until `STARTTLS`.
async fn session(shared: Arc<Shared>, mut stream: TcpStream) {
    if *shared.mode.lock().unwrap() == Mode::Hang {
        let _keep = stream;
        stall().await;
    }
    let handshake = |shared: &Arc<Shared>, result: std::io::Result<_>| {
        if result.is_err() {
            *shared.failed_handshakes.lock().unwrap() += 1;
        }
        result.ok()
    };
    match shared.tls.clone() {
        None => {
            dialogue(&shared, stream, Greeting::Banner, false).await;
        }
        Some((SinkTls::Wrapper, acceptor)) => {
            let accepted = acceptor.accept(stream).await;
            if let Some(tls) = handshake(&shared, accepted) {
                dialogue(&shared, tls, Greeting::Banner, true).await;
            }
        }
        Some((SinkTls::StartTls, acceptor)) => {
            if dialogue(&shared, &mut stream, Greeting::Banner, false).await == End::StartTls {
                let accepted = acceptor.accept(stream).await;
                if let Some(tls) = handshake(&shared, accepted) {
                    // RFC 3207 §4.2: the client starts again with EHLO; no new banner.
                    dialogue(&shared, tls, Greeting::None, true).await;
                }
            }
        }
    }
}

#[derive(PartialEq, Eq)]
enum Greeting {
    Banner,
    None,
}

/// How a dialogue ended.
#[derive(PartialEq, Eq)]
enum End {
    Closed,
    /// The client asked for STARTTLS and was told to go ahead.
    StartTls,
}

/// One SMTP dialogue over `stream` (`secure`: already inside TLS, so no STARTTLS offered).
async fn dialogue<S: AsyncRead + AsyncWrite + Unpin>(
    shared: &Arc<Shared>,
    stream: S,
    greeting: Greeting,
    secure: bool,
) -> End {
    let shared = shared.clone();
    let mode = |s: &Shared| *s.mode.lock().unwrap();
    let starttls = !secure && matches!(shared.tls, Some((SinkTls::StartTls, _)));
    let (read, mut write) = tokio::io::split(stream);
    let mut reader = BufReader::new(read);
    macro_rules! reply {
        ($text:expr) => {
            if write.write_all($text.as_bytes()).await.is_err() {
                return End::Closed;
            }
        };
    }
    if greeting == Greeting::Banner {
        reply!("220 latchkey-test-sink ESMTP ready\r\n");
    }
    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    loop {
        let Some(line) = read_line(&mut reader).await else {
            return End::Closed;
        };
        if mode(&shared) == Mode::Hang {
            stall().await;
        }
        let upper = line.to_ascii_uppercase();
        let verb = upper.split_whitespace().next().unwrap_or("").to_string();
        match verb.as_str() {
            "EHLO" if starttls => reply!(
                "250-latchkey-test-sink\r\n250-STARTTLS\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n"
            ),
            "EHLO" => reply!(
                "250-latchkey-test-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n"
            ),
            "STARTTLS" if starttls => {
                reply!("220 2.0.0 Ready to start TLS\r\n");
                return End::StartTls;
            }
            "HELO" => reply!("250 latchkey-test-sink\r\n"),
            "NOOP" => reply!("250 2.0.0 OK\r\n"),
            "RSET" => {
                from = None;
                to.clear();
                reply!("250 2.0.0 OK\r\n");
            }
            "QUIT" => {
                let _ = write.write_all(b"221 2.0.0 Bye\r\n").await;
                let _ = write.shutdown().await;
                return End::Closed;
            }
            "MAIL" if upper.starts_with("MAIL FROM:") => match angle_addr(&line[10..]) {
                Some(_) if matches!(mode(&shared), Mode::Answer(Stage::MailFrom, _)) => {
                    if let Mode::Answer(_, answer) = mode(&shared) {
                        reply!(format!("{answer}\r\n"));
                    }
                }
                Some(addr) => {
                    from = Some(addr);
                    to.clear();
                    reply!("250 2.1.0 OK\r\n");
                }
                None => reply!("501 5.1.7 Bad sender address syntax\r\n"),
            },
            "RCPT" if upper.starts_with("RCPT TO:") => {
                if from.is_none() {
                    reply!("503 5.5.1 Need MAIL first\r\n");
                    continue;
                }
                match (angle_addr(&line[8..]), mode(&shared)) {
                    (None, _) => reply!("501 5.1.3 Bad recipient address syntax\r\n"),
                    (Some(_), Mode::RejectRecipients) => {
                        reply!("550 5.1.1 Recipient address rejected: user unknown\r\n")
                    }
                    (Some(_), Mode::TempFail) => {
                        reply!("451 4.3.0 Temporary failure, try again later\r\n")
                    }
                    (Some(_), Mode::Answer(Stage::RcptTo, answer)) => {
                        reply!(format!("{answer}\r\n"))
                    }
                    (Some(addr), _) => {
                        to.push(addr);
                        reply!("250 2.1.5 OK\r\n");
                    }
                }
            }
            "DATA" => {
                let Some(sender) = from.clone() else {
                    reply!("503 5.5.1 Need MAIL first\r\n");
                    continue;
                };
                if to.is_empty() {
                    reply!("554 5.5.1 No valid recipients\r\n");
                    continue;
                }
                reply!("354 End data with <CR><LF>.<CR><LF>\r\n");
                let mut data = String::new();
                loop {
                    let Some(line) = read_line(&mut reader).await else {
                        return End::Closed;
                    };
                    if line == "." {
                        break;
                    }
                    // RFC 5321 §4.5.2: a leading dot was doubled by the client.
                    let line = line.strip_prefix('.').unwrap_or(&line);
                    data.push_str(line);
                    data.push_str("\r\n");
                }
                if let Mode::Slow(delay) = mode(&shared) {
                    tokio::time::sleep(delay).await;
                }
                if let Mode::Answer(Stage::Data, answer) = mode(&shared) {
                    from = None;
                    to.clear();
                    reply!(format!("{answer}\r\n"));
                    continue;
                }
                shared.messages.lock().unwrap().push(ReceivedMail {
                    from: sender,
                    to: std::mem::take(&mut to),
                    data,
                });
                from = None;
                shared.arrived.notify_waiters();
                reply!("250 2.0.0 OK: queued\r\n");
            }
            _ => reply!("502 5.5.2 Command not recognized\r\n"),
        }
    }
}

/// A line without its CRLF (bytes read as UTF-8, lossily); `None` at EOF or past [`MAX_LINE`].
async fn read_line<R: tokio::io::AsyncBufRead + Unpin>(reader: &mut R) -> Option<String> {
    let mut buf = Vec::new();
    let n = reader.read_until(b'\n', &mut buf).await.ok()?;
    if n == 0 || buf.len() > MAX_LINE {
        return None;
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// `<addr> [params]` → `addr` (the null path `<>` gives an empty string).
fn angle_addr(rest: &str) -> Option<String> {
    let rest = rest.trim_start();
    let rest = rest.strip_prefix('<')?;
    let end = rest.find('>')?;
    Some(rest[..end].to_string())
}

// ---- a tiny MIME reader, enough for what lettre writes ----

/// Splits a message (or part) into its header block and body at the first empty line.
pub fn split_head(raw: &str) -> (&str, &str) {
    match raw.find("\r\n\r\n") {
        Some(i) => (&raw[..i], &raw[i + 4..]),
        None => match raw.find("\n\n") {
            Some(i) => (&raw[..i], &raw[i + 2..]),
            None => (raw, ""),
        },
    }
}

/// Unfolded headers as (name, value).
pub fn headers(head: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    out
}

fn header_of(hs: &[(String, String)], name: &str) -> Option<String> {
    hs.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

/// A parameter of a structured header value, e.g. `boundary` of a Content-Type.
pub fn header_param(value: &str, param: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(param)
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The decoded body of the first part with this content type (searched through nested
/// multiparts), or of the message itself when it is a single part of that type.
pub fn mime_part(raw: &str, content_type: &str) -> Option<String> {
    let (head, body) = split_head(raw);
    let hs = headers(head);
    let ct = header_of(&hs, "Content-Type").unwrap_or_else(|| "text/plain".into());
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime.starts_with("multipart/") {
        let boundary = header_param(&ct, "boundary")?;
        return multipart_parts(body, &boundary)
            .into_iter()
            .find_map(|part| mime_part(part, content_type));
    }
    if mime != content_type {
        return None;
    }
    let cte = header_of(&hs, "Content-Transfer-Encoding")
        .unwrap_or_default()
        .to_ascii_lowercase();
    Some(
        match cte.as_str() {
            "quoted-printable" => decode_quoted_printable(body),
            "base64" => {
                let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .expect("valid base64 part");
                String::from_utf8(bytes).expect("UTF-8 part")
            }
            _ => body.to_string(),
        }
        .replace("\r\n", "\n"),
    )
}

/// The parts of a multipart body (each with its own headers).
pub fn multipart_parts<'a>(body: &'a str, boundary: &str) -> Vec<&'a str> {
    let delimiter = format!("--{boundary}");
    body.split(delimiter.as_str())
        .skip(1)
        .take_while(|p| !p.starts_with("--"))
        // The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1): drop one.
        .map(|p| {
            let p = p.strip_prefix("\r\n").unwrap_or(p);
            p.strip_suffix("\r\n").unwrap_or(p)
        })
        .collect()
}

/// RFC 2045 §6.7 quoted-printable.
pub fn decode_quoted_printable(body: &str) -> String {
    let mut bytes = Vec::with_capacity(body.len());
    let lines: Vec<&str> = body.split("\r\n").collect();
    for (i, line) in lines.iter().enumerate() {
        let line = line.trim_end_matches([' ', '\t']);
        let (line, soft) = match line.strip_suffix('=') {
            Some(l) => (l, true),
            None => (line, false),
        };
        let raw = line.as_bytes();
        let mut j = 0;
        while j < raw.len() {
            if raw[j] == b'=' && j + 2 < raw.len() {
                let hex = std::str::from_utf8(&raw[j + 1..j + 3]).unwrap_or("");
                if let Ok(b) = u8::from_str_radix(hex, 16) {
                    bytes.push(b);
                    j += 3;
                    continue;
                }
            }
            bytes.push(raw[j]);
            j += 1;
        }
        if !soft && i + 1 < lines.len() {
            bytes.extend_from_slice(b"\r\n");
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Every `http(s)://…` link in a text, up to the first space, `<`, `>` or `"`.
pub fn links_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("http") {
        let candidate = &rest[i..];
        if candidate.starts_with("https://") || candidate.starts_with("http://") {
            let end = candidate
                .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
                .unwrap_or(candidate.len());
            out.push(candidate[..end].to_string());
            rest = &candidate[end..];
        } else {
            rest = &candidate[4..];
        }
    }
    out
}

/// The first link containing `path` (e.g. `/reset/link/`).
pub fn link_with(text: &str, path: &str) -> Option<String> {
    links_in(text).into_iter().find(|l| l.contains(path))
}

/// The one-time code in a reset mail's text part: the first `XXXX-XXXX` word of code-alphabet
/// characters (uppercase letters and digits).
pub fn code_in(text: &str) -> Option<String> {
    text.split_whitespace().find_map(|w| {
        let w = w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-');
        let (a, b) = w.split_once('-')?;
        let ok = |s: &str| {
            s.len() == 4
                && s.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        };
        (ok(a) && ok(b)).then(|| w.to_string())
    })
}
