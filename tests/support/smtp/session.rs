//! The server side: the listener and one SMTP dialogue per connection.

use super::*;

pub(super) fn bind(port: u16) -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    // Coming back up on the same port must not wait for TIME_WAIT of the dropped sessions.
    socket.set_reuseaddr(true)?;
    socket.bind(([127, 0, 0, 1], port).into())?;
    socket.listen(64)
}

pub(super) fn spawn_listener(shared: &Arc<Shared>, listener: TcpListener) {
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
    shared.stats.lock().unwrap().connections += 1;
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
            "EHLO" => {
                let mut ehlo = String::from("250-latchkey-test-sink\r\n");
                if starttls {
                    ehlo.push_str("250-STARTTLS\r\n");
                }
                if *shared.pipelining.lock().unwrap() {
                    ehlo.push_str("250-PIPELINING\r\n");
                }
                ehlo.push_str("250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n");
                reply!(ehlo)
            }
            "STARTTLS" if starttls => {
                reply!("220 2.0.0 Ready to start TLS\r\n");
                return End::StartTls;
            }
            "HELO" => reply!("250 latchkey-test-sink\r\n"),
            "NOOP" => {
                shared.stats.lock().unwrap().noops += 1;
                reply!("250 2.0.0 OK\r\n")
            }
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
            "MAIL" if upper.starts_with("MAIL FROM:") => {
                // What the client wrote with this command is already read into the buffer.
                let buffered = String::from_utf8_lossy(reader.buffer()).to_ascii_uppercase();
                if buffered.contains("\r\nDATA\r\n") {
                    shared.stats.lock().unwrap().pipelined += 1;
                }
                match angle_addr(&line[10..]) {
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
                }
            }
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
