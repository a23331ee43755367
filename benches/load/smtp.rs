//! A minimal SMTP receiver on loopback, so C measures the production transport (lettre over
//! TCP) rather than the development outbox. It accepts every message, counts it, and keeps only
//! the newest reset link per recipient (for D), and when the first message to each watched
//! recipient was accepted (for J); bodies are not stored.
//!
//! It offers `PIPELINING` (RFC 2920), as Postfix and Exim do by default, and like them writes
//! its replies to a pipelined group together: a reply waits in a buffer while more commands are
//! already in, and goes out once the sink has read all it was sent.
//!
//! It runs on its own thread and current-thread runtime, beside the client's.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};

#[derive(Default)]
pub struct Received {
    pub messages: AtomicU64,
    /// Recipient → the token of the newest reset link mailed to it.
    pub tokens: Mutex<BTreeMap<String, String>>,
    /// Watched recipient → when the sink accepted (`250` after `DATA`) the first message to it
    /// since it was watched.
    pub accepted_at: Mutex<HashMap<String, Option<Instant>>>,
}

impl Received {
    /// Starts timing the first message to `rcpt` accepted from now on.
    pub fn watch(&self, rcpt: &str) {
        self.accepted_at
            .lock()
            .expect("sink watch list")
            .insert(rcpt.to_ascii_lowercase(), None);
    }

    /// When the first message to a watched `rcpt` was accepted, if it was.
    pub fn accepted(&self, rcpt: &str) -> Option<Instant> {
        self.accepted_at
            .lock()
            .expect("sink watch list")
            .get(&rcpt.to_ascii_lowercase())
            .copied()
            .flatten()
    }
}

pub struct Sink {
    pub addr: SocketAddr,
    pub received: Arc<Received>,
}

impl Sink {
    pub fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the SMTP sink");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("sink address");
        let received = Arc::new(Received::default());
        let shared = received.clone();
        std::thread::Builder::new()
            .name("smtp-sink".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("sink runtime");
                rt.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    while let Ok((stream, _)) = listener.accept().await {
                        tokio::spawn(session(stream, shared.clone()));
                    }
                });
            })
            .expect("sink thread");
        Self { addr, received }
    }

    pub fn url(&self) -> String {
        format!("smtp://{}?tls=none", self.addr)
    }
}

async fn session(stream: tokio::net::TcpStream, received: Arc<Received>) {
    let (read, write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut write = BufWriter::new(write);
    let mut line = String::new();
    let mut rcpt = String::new();
    let mut reply: &[u8] = b"220 sink ESMTP\r\n";
    loop {
        if write.write_all(reply).await.is_err() {
            return;
        }
        // Replies to a pipelined group go out together, once every command sent is read.
        if lines.buffer().is_empty() && write.flush().await.is_err() {
            return;
        }
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let upper = line.to_ascii_uppercase();
        reply = if upper.starts_with("EHLO") {
            b"250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 10000000\r\n"
        } else if upper.starts_with("RCPT TO:") {
            rcpt = line[8..]
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string();
            b"250 ok\r\n"
        } else if upper.starts_with("DATA") {
            if write.write_all(b"354 go on\r\n").await.is_err() || write.flush().await.is_err() {
                return;
            }
            let mut body = String::new();
            loop {
                line.clear();
                match lines.read_line(&mut line).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                body.push_str(&line);
            }
            let accepted = Instant::now();
            received.messages.fetch_add(1, Ordering::Relaxed);
            if let Some(slot @ None) = received
                .accepted_at
                .lock()
                .expect("sink watch list")
                .get_mut(&rcpt.to_ascii_lowercase())
            {
                *slot = Some(accepted);
            }
            if let Some(token) = crate::mail::link_token(&crate::mail::unquote(&body)) {
                received
                    .tokens
                    .lock()
                    .expect("sink tokens")
                    .insert(std::mem::take(&mut rcpt), token);
            }
            b"250 queued\r\n"
        } else if upper.starts_with("QUIT") {
            let _ = write.write_all(b"221 bye\r\n").await;
            let _ = write.flush().await;
            return;
        } else {
            // HELO, MAIL FROM, RSET, NOOP …
            b"250 ok\r\n"
        };
    }
}
