//! A small HTTP/1.1 load client on hyper's connection API: one keep-alive connection per
//! simulated browser, a cookie jar of its own, closed loop (the next request leaves when the
//! previous answer is read). No redirects are followed, nothing else sits in the measured path.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One connection and the cookies its server set.
pub struct Conn {
    addr: SocketAddr,
    host: String,
    sender: Option<SendRequest<Full<Bytes>>>,
    pub cookies: BTreeMap<String, String>,
    /// Sent as `X-Forwarded-For` on every request (the server must trust the bench as a proxy).
    pub forwarded_for: Option<String>,
}

/// A response as the bench needs it.
pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    /// `Retry-After`, in seconds.
    pub retry_after: Option<u64>,
    pub body: Bytes,
}

impl Reply {
    /// Whether a `POST /reset` was taken: the redirect to the check-email page (post-redirect-
    /// get), or a page of its own (a domain that offers no reset).
    pub fn reset_taken(&self) -> bool {
        self.status.is_success() || (self.status.as_u16() == 303 && self.location.is_some())
    }
}

impl Conn {
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            host: addr.to_string(),
            sender: None,
            cookies: BTreeMap::new(),
            forwarded_for: None,
        }
    }

    async fn connect(&mut self) -> Result<(), BoxError> {
        let stream = tokio::net::TcpStream::connect(self.addr).await?;
        stream.set_nodelay(true)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        self.sender = Some(sender);
        Ok(())
    }

    pub async fn get(&mut self, path: &str) -> Result<Reply, BoxError> {
        self.send(Method::GET, path, None).await
    }

    /// A urlencoded form POST.
    pub async fn post_form(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<Reply, BoxError> {
        let body = serde_urlencoded::to_string(form)?;
        self.send(Method::POST, path, Some(body)).await
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> Result<Reply, BoxError> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            self.connect().await?;
        }
        let sender = self.sender.as_mut().expect("connected above");
        sender.ready().await?;
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.host);
        if let Some(ip) = &self.forwarded_for {
            req = req.header("x-forwarded-for", ip);
        }
        if !self.cookies.is_empty() {
            let jar = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req = req.header("cookie", jar);
        }
        let body = match body {
            Some(b) => {
                req = req.header("content-type", "application/x-www-form-urlencoded");
                Full::new(Bytes::from(b))
            }
            None => Full::new(Bytes::new()),
        };
        let res = match sender.send_request(req.body(body)?).await {
            Ok(r) => r,
            Err(e) => {
                self.sender = None;
                return Err(e.into());
            }
        };
        for v in res.headers().get_all("set-cookie") {
            let Ok(v) = v.to_str() else { continue };
            let pair = v.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                let expired = v.to_ascii_lowercase().contains("max-age=0");
                if value.is_empty() || expired {
                    self.cookies.remove(name.trim());
                } else {
                    self.cookies
                        .insert(name.trim().to_string(), value.trim().to_string());
                }
            }
        }
        let status = res.status();
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let retry_after = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let body = res.into_body().collect().await?.to_bytes();
        Ok(Reply {
            status,
            location,
            retry_after,
            body,
        })
    }

    /// Fetches `GET /reset` and returns the form's `csrf_token` (the `lk_csrf` cookie is kept).
    pub async fn csrf_token(&mut self) -> Result<String, BoxError> {
        let reply = self.get("/reset").await?;
        let html = std::str::from_utf8(&reply.body)?;
        hidden_field(html, "csrf_token").ok_or_else(|| "no csrf_token in GET /reset".into())
    }
}

/// The value of `<input … name="NAME" … value="…">`.
pub fn hidden_field(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let v = tag.find("value=\"")? + 7;
    let end = v + tag[v..].find('"')?;
    Some(tag[v..end].to_string())
}

/// What one closed-loop run observed.
#[derive(Default)]
pub struct Samples {
    /// Latency of each successful request, microseconds.
    pub micros: Vec<u32>,
    pub errors: u64,
    pub elapsed: Duration,
}

impl Samples {
    pub fn record(&mut self, started: Instant, ok: bool) {
        if ok {
            self.micros
                .push(started.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
        } else {
            self.errors += 1;
        }
    }

    pub fn merge(&mut self, other: Samples) {
        self.micros.extend(other.micros);
        self.errors += other.errors;
    }
}
