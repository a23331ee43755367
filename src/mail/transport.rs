//! Delivery: SMTP to the relay (the connections in [`super::smtp_pool`]), or `.eml` files in the
//! outbox directory.

use super::dkim::DkimSigner;
use super::message::{one_line, OutgoingMail};
use super::outbox::{outbox_path, write_atomically};
use super::smtp::{relay, TrustRoots};
use super::smtp_pool::{SmtpFailure, SmtpPool};
use crate::config::Settings;
use lettre::address::Envelope;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Why a message was not delivered. The text never holds an address, a body or a token, and
/// never the server's reply text (which often echoes the address): codes and categories only.
/// Which refusal is which: [`super::reply`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Try again later: connection refused, timeout, TLS failure, a 4xx reply, a full disk,
    /// or a 5xx that concerns the session rather than this message (bad credentials).
    #[error("mail not sent, will retry: {0}")]
    Transient(String),
    /// The server refused this recipient for good (enhanced status 5.1.x, or a bare
    /// 550/551/553/556), or the address cannot be written in a mail at all. The caller marks
    /// the address bounced.
    #[error("mail rejected permanently: {0}")]
    Permanent(String),
    /// The relay refused the message for a reason that is not the recipient's: its policy,
    /// relaying, a quota, the size or content, the sender (5.7.x, 5.3.x, 5.4.x, 552, 554 …).
    /// Retried like a transient failure and alerted; never marks the address.
    #[error("mail refused by the relay, will retry: {0}")]
    Refused(String),
}

impl SendError {
    /// Whether the address should be marked bounced.
    pub fn is_permanent(&self) -> bool {
        matches!(self, SendError::Permanent(_))
    }
}

/// An `smtp_url` (or `smtp_ca_file`) the mailer cannot use. The message never repeats the URL
/// (it may hold a password).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct MailerConfigError {
    setting: &'static str,
    message: String,
}

impl MailerConfigError {
    pub(super) fn new(setting: &'static str, message: impl Into<String>) -> Self {
        Self {
            setting,
            message: message.into(),
        }
    }
}

/// SMTP connections [`Mailer::smtp`] keeps open (the service sizes its pool by
/// `smtp_pool_size`).
const DEFAULT_POOL_SIZE: u32 = 16;

/// Sends rendered mail. Built once at start and shared (it holds the SMTP connection pool).
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    timeout: Duration,
    /// `[mail.dkim]`: every message is signed when set, whatever the transport.
    dkim: Option<DkimSigner>,
    /// `mail.bounce_domain`: the domain of each message's VERP return path.
    bounce_domain: Option<String>,
}

#[derive(Clone)]
enum Transport {
    Smtp(SmtpPool),
    Outbox(PathBuf),
}

impl fmt::Debug for Mailer {
    // The transport holds credentials: show only which kind it is.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("transport", &self.transport_name())
            .field("timeout", &self.timeout)
            .field("dkim", &self.dkim)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// SMTP when `smtp_url` is set, otherwise the outbox under `data_dir`.
    ///
    /// `smtp_url` forms: `smtp://[user:pass@]host[:587]` (STARTTLS required),
    /// `smtp://host:port?tls=none` (plain, for local sinks only), `smtps://…[:465]` (TLS from the
    /// first byte). The connect timeout and a deadline on the whole exchange are
    /// `smtp_timeout_seconds`.
    pub fn from_settings(settings: &Settings) -> Result<Self, MailerConfigError> {
        let timeout = Duration::from_secs(settings.smtp_timeout_seconds.max(1));
        let mailer = match settings.smtp_url_exposed() {
            Some(url) => {
                let roots = TrustRoots::load(settings.smtp_ca_file.as_deref())?;
                Self::smtp_with_roots(
                    url,
                    settings.mail_from.clone(),
                    timeout,
                    &roots,
                    settings.smtp_pool_size,
                )?
            }
            None => Self::outbox(settings.outbox_dir(), settings.mail_from.clone()),
        };
        Ok(mailer
            .with_dkim(settings.dkim.clone())
            .with_bounce_domain(settings.bounce_domain.clone()))
    }

    /// Gives every message a return path of its own at `domain` (`None`: the envelope sender
    /// is `mail_from`).
    pub fn with_bounce_domain(mut self, domain: Option<String>) -> Self {
        self.bounce_domain = domain;
        self
    }

    /// `mail.bounce_domain`, when messages carry a VERP return path.
    pub fn bounce_domain(&self) -> Option<&str> {
        self.bounce_domain.as_deref()
    }

    /// Signs every message with `signer` (`None`: unsigned).
    pub fn with_dkim(mut self, signer: Option<DkimSigner>) -> Self {
        self.dkim = signer;
        self
    }

    /// A mailer that writes each message to `<dir>/<hour>/<xx>/<timestamp>-<id>.eml`, where
    /// `<hour>` is `YYYY-MM-DDTHH` (UTC) and `<xx>` the first two hex digits of the message id
    /// (see [`outbox_path`]).
    pub fn outbox(dir: impl Into<PathBuf>, from: Mailbox) -> Self {
        Self {
            transport: Transport::Outbox(dir.into()),
            from,
            timeout: Duration::from_secs(10),
            dkim: None,
            bounce_domain: None,
        }
    }

    /// A mailer that sends through the SMTP server named by `url` (forms as
    /// [`Mailer::from_settings`]).
    pub fn smtp(url: &str, from: Mailbox, timeout: Duration) -> Result<Self, MailerConfigError> {
        Self::smtp_with_roots(
            url,
            from,
            timeout,
            &TrustRoots::load(None)?,
            DEFAULT_POOL_SIZE,
        )
    }

    /// [`Mailer::smtp`] trusting `roots` beside the bundled Mozilla roots.
    fn smtp_with_roots(
        url: &str,
        from: Mailbox,
        timeout: Duration,
        roots: &TrustRoots,
        pool_size: u32,
    ) -> Result<Self, MailerConfigError> {
        let pool = SmtpPool::new(relay(url, roots)?, timeout, pool_size);
        Ok(Self {
            transport: Transport::Smtp(pool),
            from,
            timeout,
            dkim: None,
            bounce_domain: None,
        })
    }

    /// `"smtp"` or `"outbox"`, for logs and the readiness page.
    pub fn transport_name(&self) -> &'static str {
        match self.transport {
            Transport::Smtp(_) => "smtp",
            Transport::Outbox(_) => "outbox",
        }
    }

    /// Whether mail can go out (`latchkey config check`): SMTP connects to the relay with the
    /// configured TLS and credentials and says NOOP; the outbox creates its directory.
    pub async fn check(&self) -> Result<(), String> {
        match &self.transport {
            Transport::Smtp(pool) => match tokio::time::timeout(self.timeout, pool.check()).await {
                Ok(Ok(true)) => Ok(()),
                Ok(Ok(false)) => Err("the relay did not answer NOOP".into()),
                Ok(Err(SmtpFailure::Smtp(e))) => Err(format!("{e}")),
                Ok(Err(SmtpFailure::Unsupported(what))) => Err(format!("no {what}")),
                Err(_) => Err(format!("no answer within {}s", self.timeout.as_secs())),
            },
            Transport::Outbox(dir) => std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display())),
        }
    }

    /// Sends one message to its one recipient. Logs the message id and kind, nothing else.
    pub async fn send(&self, msg: &OutgoingMail) -> Result<(), SendError> {
        let result = self.deliver(msg).await;
        crate::telemetry::metrics::mail(
            msg.kind.as_str(),
            match &result {
                Ok(()) => "sent",
                Err(SendError::Transient(_)) => "retry",
                Err(SendError::Permanent(_)) => "rejected",
                Err(SendError::Refused(_)) => "refused",
            },
        );
        match &result {
            Ok(()) => tracing::info!(
                message_id = %msg.id, kind = %msg.kind, transport = self.transport_name(),
                "mail sent"
            ),
            Err(e) => tracing::warn!(
                message_id = %msg.id, kind = %msg.kind, transport = self.transport_name(),
                permanent = e.is_permanent(), error = %e, "mail not sent"
            ),
        }
        result
    }

    async fn deliver(&self, msg: &OutgoingMail) -> Result<(), SendError> {
        let message = self.build(msg)?;
        let mut bytes = message.formatted();
        if let Some(dkim) = &self.dkim {
            // Never unsigned once DKIM is configured: receivers with a DMARC policy would refuse
            // it. A key that cannot sign is a fault to retry, not the recipient's.
            bytes = dkim
                .sign(&bytes)
                .ok_or_else(|| SendError::Transient("the DKIM key failed to sign".into()))?;
        }
        match &self.transport {
            Transport::Smtp(pool) => {
                // lettre bounds only the TCP connect; a server that accepts and then never
                // answers would hold the job forever (docs/security.md#41), so the whole exchange
                // gets the same deadline.
                let envelope = self.envelope(msg, &message)?;
                let sent = pool.send(&envelope, &bytes);
                match tokio::time::timeout(self.timeout, sent).await {
                    Err(_) => Err(SendError::Transient(format!(
                        "the SMTP server did not answer within {} s",
                        self.timeout.as_secs()
                    ))),
                    Ok(Err(SmtpFailure::Smtp(e))) => Err(classify(&e)),
                    // The relay's limit, not the recipient's: retried and alerted, never marks.
                    Ok(Err(SmtpFailure::Unsupported(what))) => Err(SendError::Refused(format!(
                        "the relay does not offer {what}, which this mail needs"
                    ))),
                    Ok(Ok(())) => Ok(()),
                }
            }
            Transport::Outbox(root) => {
                let (dir, name) = outbox_path(root, chrono::Utc::now(), &msg.id);
                tokio::task::spawn_blocking(move || write_atomically(&dir, &name, &bytes))
                    .await
                    .map_err(|e| SendError::Transient(format!("outbox writer stopped: {e}")))?
                    .map_err(|e| {
                        SendError::Transient(format!("cannot write to the outbox: {}", e.kind()))
                    })
            }
        }
    }

    /// The SMTP envelope: `MAIL FROM` the message's VERP return path when it has one (the
    /// `From:` header stays `mail_from`), else `mail_from`; `RCPT TO` the one recipient.
    fn envelope(&self, msg: &OutgoingMail, message: &Message) -> Result<Envelope, SendError> {
        let Some(return_path) = &msg.return_path else {
            return Ok(message.envelope().clone());
        };
        let from: Address = return_path.parse().map_err(|_| {
            SendError::Transient("the return path cannot be written in a mail".into())
        })?;
        Envelope::new(Some(from), message.envelope().to().to_vec())
            .map_err(|e| SendError::Transient(format!("cannot build the envelope: {e}")))
    }

    /// The MIME message: `From: mail_from`, `To:` the one stored address (no display name, so
    /// nothing typed by anyone reaches that header), `Reply-To:` the tenant's helpdesk address
    /// when there is one, the headers that stop auto-replies (RFC 3834 `Auto-Submitted`,
    /// Exchange's `X-Auto-Response-Suppress`) and `multipart/alternative` text + HTML. The DKIM
    /// signature is added to the formatted bytes ([`DkimSigner::sign`]).
    fn build(&self, msg: &OutgoingMail) -> Result<Message, SendError> {
        // docs/security.md#15: exactly one recipient, the stored address. An address lettre cannot
        // write (CR/LF, a comma, a second `@`) can never be delivered: permanent.
        let to: Address = msg.to.as_str().parse().map_err(|_| {
            SendError::Permanent("the recipient address cannot be written in a mail".into())
        })?;
        let mut builder = Message::builder()
            .message_id(Some(format!("<{}@{}>", msg.id, self.from.email.domain())))
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            // Subjects are folded to one line at render; again here for hand-built messages.
            .subject(one_line(&msg.subject))
            .raw_header(raw_header("Auto-Submitted", "auto-generated"))
            .raw_header(raw_header("X-Auto-Response-Suppress", "All"));
        // An address that lettre cannot write is left out: the mail still goes.
        if let Some(reply_to) = msg.reply_to.as_ref().and_then(|a| a.as_str().parse().ok()) {
            builder = builder.reply_to(Mailbox::new(None, reply_to));
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                msg.text.clone(),
                msg.html.clone(),
            ))
            // Missing From/To cannot happen above; should it, retrying is safer than "bounced".
            .map_err(|e| SendError::Transient(format!("cannot build the message: {e}")))
    }
}

fn raw_header(name: &'static str, value: &str) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value.to_string())
}

pub(super) fn config_error(message: impl Into<String>) -> MailerConfigError {
    MailerConfigError::new("smtp_url", message)
}

/// Maps a lettre error to retry-or-bounce, keeping only codes and categories (docs/security.md#13,
/// #37: the server's text may echo the address).
fn classify(e: &lettre::transport::smtp::Error) -> SendError {
    if let Some(code) = e.status() {
        let n: u16 = code.to_string().parse().unwrap_or(0);
        // The reply's text is read for its enhanced status code only; it is never kept.
        let text = std::error::Error::source(e)
            .map(|s| s.to_string())
            .unwrap_or_default();
        return super::reply::classify_reply(n, &text);
    }
    if e.is_timeout() {
        return SendError::Transient("the SMTP server timed out".into());
    }
    // A failed handshake reaches us as an I/O error ("invalid data") carrying rustls's own
    // reason (an unknown issuer, a name mismatch), which never holds an address.
    let rustls_error = std::iter::successors(std::error::Error::source(e), |s| s.source())
        .find_map(|s| {
            s.downcast_ref::<rustls::Error>().or_else(|| {
                s.downcast_ref::<std::io::Error>()
                    .and_then(|io| io.get_ref())
                    .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            })
        });
    if e.is_tls() || rustls_error.is_some() {
        let why = rustls_error
            .map(|tls| format!(": {tls}"))
            .unwrap_or_default();
        return SendError::Transient(format!(
            "TLS with the SMTP server failed{why} (check the relay's certificate and \
             smtp_ca_file)"
        ));
    }
    if e.is_response() {
        return SendError::Transient("the SMTP server sent an unreadable reply".into());
    }
    let io_kind = std::iter::successors(std::error::Error::source(e), |s| s.source())
        .find_map(|s| s.downcast_ref::<std::io::Error>())
        .map(|io| io.kind().to_string());
    SendError::Transient(match io_kind {
        Some(kind) => format!("cannot reach the SMTP server: {kind}"),
        None => "cannot reach the SMTP server".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn building_outside_a_runtime_works_nothing_is_spawned() {
        let from: Mailbox = "Latchkey <no-reply@example.com>".parse().unwrap();
        let mailer = Mailer::smtp("smtp://127.0.0.1:25?tls=none", from, Duration::from_secs(1));
        assert_eq!(mailer.unwrap().transport_name(), "smtp");
    }
}
