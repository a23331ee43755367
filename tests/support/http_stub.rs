//! A tiny HTTP/1.1 server on loopback for outbound-HTTP tests (the breached-password range API,
//! webhook receivers): one request per connection, answered by a handler that may also hang.
//! Every request is recorded, so a test can assert exactly what left the service.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request as received.
#[derive(Debug, Clone)]
pub struct StubRequest {
    pub method: String,
    pub path: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl StubRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The whole request as text (request line, headers, body), to search for what must not
    /// be in it.
    pub fn raw_text(&self) -> String {
        let mut s = format!("{} {}\n", self.method, self.path);
        for (n, v) in &self.headers {
            s.push_str(&format!("{n}: {v}\n"));
        }
        s.push_str(&String::from_utf8_lossy(&self.body));
        s
    }
}

/// What the handler does with a request.
pub enum Reply {
    /// Status, extra headers, body.
    Respond(u16, Vec<(String, String)>, Vec<u8>),
    /// Accept the request and never answer (the connection stays open until the test ends).
    Hang,
}

impl Reply {
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Reply::Respond(status, vec![], body.into().into_bytes())
    }
}

type Handler = dyn Fn(&StubRequest) -> Reply + Send + Sync;

/// A running stub; stops when dropped.
pub struct StubServer {
    pub url: String,
    requests: Arc<Mutex<Vec<StubRequest>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for StubServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl StubServer {
    /// Starts on 127.0.0.1 with a random port.
    pub async fn start(handler: impl Fn(&StubRequest) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let seen = requests.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let (handler, seen) = (handler.clone(), seen.clone());
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut socket).await else {
                        return;
                    };
                    seen.lock().unwrap().push(request.clone());
                    match handler(&request) {
                        Reply::Hang => {
                            // Hold the connection open without answering.
                            let mut buf = [0u8; 1];
                            let _ = socket.read(&mut buf).await;
                            std::future::pending::<()>().await;
                        }
                        Reply::Respond(status, headers, body) => {
                            let mut head = format!(
                                "HTTP/1.1 {status} Stub\r\ncontent-length: {}\r\nconnection: close\r\n",
                                body.len()
                            );
                            for (n, v) in headers {
                                head.push_str(&format!("{n}: {v}\r\n"));
                            }
                            head.push_str("\r\n");
                            let _ = socket.write_all(head.as_bytes()).await;
                            let _ = socket.write_all(&body).await;
                            let _ = socket.shutdown().await;
                        }
                    }
                });
            }
        });
        StubServer {
            url,
            requests,
            task,
        }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<StubRequest> {
        self.requests.lock().unwrap().clone()
    }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<StubRequest> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 1 << 20 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_string(), first.next()?.to_string());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(StubRequest {
        method,
        path,
        headers,
        body,
    })
}
