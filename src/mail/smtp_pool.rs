//! The connections to the SMTP relay, kept open between mails.
//!
//! lettre's own pool says `NOOP` on every checkout and sends `MAIL FROM`, `RCPT TO` and `DATA`
//! one round trip at a time. This pool, built on lettre's `AsyncSmtpConnection` (connect,
//! STARTTLS, AUTH, reply parsing, dot-stuffing), does two things differently:
//! - a connection that finished a mail cleanly less than [`FRESH_FOR`] ago is handed out without
//!   the `NOOP` (an older one is probed first, as before);
//! - when the relay offers `PIPELINING` (RFC 2920), `MAIL FROM`, `RCPT TO` and `DATA` go out in
//!   one write and their replies are read in order: two round trips a mail instead of five.
//!
//! A connection that saw any error is never reused. If a connection handed out unprobed turns out
//! to be closed before the relay answered anything (it went away while idle), the mail is sent
//! once more on a new connection: nothing of it reached the relay.

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Tls};
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A connection that finished a mail less than this long ago is used without a `NOOP` first.
const FRESH_FOR: Duration = Duration::from_secs(1);
/// An idle connection older than this is closed rather than reused (relays close idle sessions).
const IDLE_FOR: Duration = Duration::from_secs(60);

/// Where and how to reach the relay (`smtp_url`, parsed by [`super::smtp`]).
pub(super) struct Relay {
    pub host: String,
    pub port: u16,
    pub tls: Tls,
    pub credentials: Option<Credentials>,
}

/// Why a mail did not go out over SMTP.
#[derive(Debug)]
pub(super) enum SmtpFailure {
    /// A reply, a timeout, a network or TLS error, as lettre reports it.
    Smtp(lettre::transport::smtp::Error),
    /// The message needs an extension the relay does not offer (`SMTPUTF8`, `8BITMIME`).
    Unsupported(&'static str),
}

impl From<lettre::transport::smtp::Error> for SmtpFailure {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        SmtpFailure::Smtp(e)
    }
}

/// The open connections to one relay. Cloning shares them.
#[derive(Clone)]
pub(super) struct SmtpPool {
    inner: Arc<Inner>,
}

struct Inner {
    relay: Relay,
    hello: ClientId,
    /// The TCP connect timeout (the whole exchange has its deadline in [`super::transport`]).
    timeout: Duration,
    /// At most this many idle connections are kept (`smtp_pool_size`); the number in use at once
    /// is bounded by the worker's concurrency.
    keep: usize,
    /// Idle connections, the most recently used last.
    idle: Mutex<Vec<Idle>>,
}

struct Idle {
    conn: Conn,
    since: Instant,
}

struct Conn {
    smtp: AsyncSmtpConnection,
    pipelining: bool,
}

/// A failed exchange, and whether it failed before the relay answered anything of it.
struct Failed {
    failure: SmtpFailure,
    before_any_reply: bool,
}

impl SmtpPool {
    pub(super) fn new(relay: Relay, timeout: Duration, keep: u32) -> Self {
        Self {
            inner: Arc::new(Inner {
                relay,
                hello: ClientId::default(),
                timeout,
                keep: keep.max(1) as usize,
                idle: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Sends `email` (formatted, signed) to the envelope's recipients.
    pub(super) async fn send(&self, envelope: &Envelope, email: &[u8]) -> Result<(), SmtpFailure> {
        let (mut conn, unprobed) = self.checkout().await?;
        let failed = match conn.send(envelope, email).await {
            Ok(()) => {
                self.put_back(conn);
                return Ok(());
            }
            Err(failed) => failed,
        };
        conn.close(&failed.failure).await;
        if !(unprobed && failed.before_any_reply) {
            return Err(failed.failure);
        }
        // The relay closed this connection while it was idle; nothing of the mail reached it.
        let mut conn = self.connect().await?;
        match conn.send(envelope, email).await {
            Ok(()) => {
                self.put_back(conn);
                Ok(())
            }
            Err(failed) => {
                conn.close(&failed.failure).await;
                Err(failed.failure)
            }
        }
    }

    /// `latchkey config check`: a new connection (TLS and credentials as configured) answers
    /// `NOOP`. Whether it did; an error when it could not be opened.
    pub(super) async fn check(&self) -> Result<bool, SmtpFailure> {
        let mut conn = self.connect().await?;
        let answered = conn.smtp.test_connected().await;
        let _ = conn.smtp.quit().await;
        Ok(answered)
    }

    /// An idle connection (and whether it was handed out without a probe), or a new one.
    async fn checkout(&self) -> Result<(Conn, bool), SmtpFailure> {
        loop {
            let idle = self.inner.idle.lock().expect("SMTP pool").pop();
            let Some(Idle { mut conn, since }) = idle else {
                return Ok((self.connect().await?, false));
            };
            let age = since.elapsed();
            if age < FRESH_FOR {
                return Ok((conn, true));
            }
            if age < IDLE_FOR && conn.smtp.test_connected().await {
                return Ok((conn, false));
            }
            // Closed by the relay, or idle too long: dropped (the socket closes with it).
        }
    }

    fn put_back(&self, conn: Conn) {
        let mut idle = self.inner.idle.lock().expect("SMTP pool");
        idle.retain(|i| i.since.elapsed() < IDLE_FOR);
        if idle.len() < self.inner.keep {
            idle.push(Idle {
                conn,
                since: Instant::now(),
            });
        }
    }

    /// Connects with the configured TLS, learns whether the relay pipelines, and logs in.
    async fn connect(&self) -> Result<Conn, SmtpFailure> {
        let Inner {
            relay,
            hello,
            timeout,
            ..
        } = &*self.inner;
        let wrapper = match &relay.tls {
            Tls::Wrapper(parameters) => Some(parameters.clone()),
            _ => None,
        };
        let mut smtp = AsyncSmtpConnection::connect_tokio1(
            (relay.host.as_str(), relay.port),
            Some(*timeout),
            hello,
            wrapper,
            None,
        )
        .await?;
        if let Tls::Required(parameters) = &relay.tls {
            smtp.starttls(parameters.clone(), hello).await?;
        }
        // lettre's view of the relay's extensions has no PIPELINING: read the keywords of a
        // second EHLO (before AUTH, which some relays forget on EHLO).
        let ehlo = smtp.command(Ehlo::new(hello.clone())).await?;
        let pipelining = ehlo.message().skip(1).any(|line| {
            line.split_whitespace()
                .next()
                .is_some_and(|keyword| keyword.eq_ignore_ascii_case("PIPELINING"))
        });
        if let Some(credentials) = &relay.credentials {
            smtp.auth(DEFAULT_MECHANISMS, credentials).await?;
        }
        Ok(Conn { smtp, pipelining })
    }
}

impl Conn {
    /// One mail: `MAIL FROM`, a `RCPT TO` per recipient, `DATA` (in one write when the relay
    /// pipelines), then the message.
    async fn send(&mut self, envelope: &Envelope, email: &[u8]) -> Result<(), Failed> {
        let mail = Mail::new(
            envelope.from().cloned(),
            self.mail_parameters(envelope, email)?,
        );
        let rcpts: Vec<Rcpt> = envelope
            .to()
            .iter()
            .map(|to| Rcpt::new(to.clone(), vec![]))
            .collect();
        if self.pipelining {
            let mut group = mail.to_string();
            for rcpt in &rcpts {
                group.push_str(&rcpt.to_string());
            }
            group.push_str(&Data.to_string());
            first(self.smtp.command(group).await)?;
            for _ in &rcpts {
                later(self.smtp.read_response().await)?;
            }
            later(self.smtp.read_response().await)?;
        } else {
            first(self.smtp.command(mail).await)?;
            for rcpt in rcpts {
                later(self.smtp.command(rcpt).await)?;
            }
            later(self.smtp.command(Data).await)?;
        }
        later(self.smtp.message(email).await)?;
        Ok(())
    }

    /// `SMTPUTF8` for a non-ASCII address, `BODY=8BITMIME` for a non-ASCII message, as lettre
    /// asks for them; an error when the relay does not offer what the mail needs.
    fn mail_parameters(
        &self,
        envelope: &Envelope,
        email: &[u8],
    ) -> Result<Vec<MailParameter>, Failed> {
        let info = self.smtp.server_info();
        let unsupported = |what| Failed {
            failure: SmtpFailure::Unsupported(what),
            before_any_reply: false,
        };
        let mut parameters = Vec::new();
        let non_ascii_address = envelope
            .from()
            .into_iter()
            .chain(envelope.to())
            .any(|address| !AsRef::<str>::as_ref(address).is_ascii());
        if non_ascii_address {
            if !info.supports_feature(Extension::SmtpUtfEight) {
                return Err(unsupported("SMTPUTF8"));
            }
            parameters.push(MailParameter::SmtpUtfEight);
        }
        if !email.is_ascii() {
            if !info.supports_feature(Extension::EightBitMime) {
                return Err(unsupported("8BITMIME"));
            }
            parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        Ok(parameters)
    }

    /// After a failed exchange: `QUIT` when the relay answered with a refusal (it is still
    /// talking), otherwise just the socket closed. Never reused either way.
    async fn close(mut self, failure: &SmtpFailure) {
        if let SmtpFailure::Smtp(e) = failure {
            if e.status().is_some() {
                self.smtp.abort().await;
            }
        }
    }
}

/// The first reply of a mail: a failure without a reply (a closed socket) is marked as such.
fn first<T>(result: Result<T, lettre::transport::smtp::Error>) -> Result<T, Failed> {
    result.map_err(|e| Failed {
        before_any_reply: e.status().is_none() && !e.is_timeout(),
        failure: SmtpFailure::Smtp(e),
    })
}

fn later<T>(result: Result<T, lettre::transport::smtp::Error>) -> Result<T, Failed> {
    result.map_err(|e| Failed {
        failure: SmtpFailure::Smtp(e),
        before_any_reply: false,
    })
}
