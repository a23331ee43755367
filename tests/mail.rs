//! The mailer against a real SMTP server over TCP (tests/support/smtp/), and the outbox.

mod support;

use chrono::{TimeZone as _, Utc};
use latchkey::config::Settings;
use latchkey::domain::EmailAddress;
use latchkey::mail::{
    render, InvitationMail, MailKind, Mailer, OutgoingMail, PasswordChangedMail, ResetLinkMail,
    SendError, RESET_LINK_PATH,
};
use latchkey::security::tokens::{OneTimeCode, TokenSecret};
use latchkey::services::templates::Templates;
use std::time::{Duration, Instant};
use support::smtp::{code_in, link_with, links_in, Mode, SmtpSink};

const GUEST: &str = "guest@example.org";

fn settings(dir: &std::path::Path, extra: &str) -> Settings {
    let db = format!("sqlite://{}", dir.join("unused.db").display());
    support::test_settings(dir, &db, extra)
}

fn smtp_settings(dir: &std::path::Path, sink: &SmtpSink, timeout_s: u64) -> Settings {
    settings(
        dir,
        &format!(
            "smtp_url = \"{}\"\nsmtp_timeout_seconds = {timeout_s}\nmail_from = \"Latchkey <no-reply@reset.test.example>\"",
            sink.url()
        ),
    )
}

fn guest() -> EmailAddress {
    EmailAddress::parse(GUEST).unwrap()
}

fn reset_mail(s: &Settings) -> (OutgoingMail, TokenSecret, OneTimeCode) {
    let token = TokenSecret::generate();
    let code = OneTimeCode::generate();
    // A fixed clock: with `Utc::now()` the expiry crossed midnight after 23:40 UTC and the mail
    // (rightly) named the next day, which failed the " UTC." check below.
    let now = Utc.with_ymd_and_hms(2026, 11, 4, 14, 15, 0).unwrap();
    let ctx = ResetLinkMail::new(s, &token, &code, now, now + chrono::Duration::minutes(20));
    let mail = render(&Templates::load().unwrap(), &guest(), &ctx).unwrap();
    (mail, token, code)
}

#[tokio::test]
async fn reset_mail_arrives_as_text_and_html_to_one_recipient_with_the_configured_link() {
    let sink = SmtpSink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let s = smtp_settings(dir.path(), &sink, 5);
    let mailer = Mailer::from_settings(&s).unwrap();
    assert_eq!(mailer.transport_name(), "smtp");
    let (mail, token, code) = reset_mail(&s);

    assert_eq!(mail.kind, MailKind::ResetLink);
    mailer.send(&mail).await.unwrap();
    let got = sink.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];

    // docs/security.md#15: exactly one envelope recipient, the stored address; the To header too.
    assert_eq!(m.to, vec![GUEST.to_string()]);
    assert_eq!(m.header("To").as_deref(), Some(GUEST));
    assert_eq!(m.from, "no-reply@reset.test.example");
    assert!(m
        .header("From")
        .unwrap()
        .contains("no-reply@reset.test.example"));
    assert_eq!(m.header("Subject").as_deref(), Some("Reset your password"));
    let message_id = m.header("Message-ID").unwrap();
    assert!(message_id.contains(&mail.id.to_string()), "{message_id}");
    assert!(m
        .header("Content-Type")
        .unwrap()
        .starts_with("multipart/alternative"));

    // docs/security.md#18: parse the MIME; the link is https on the configured host and carries the
    // token exactly once; the code is there; nothing else secret is.
    let text = m.text();
    let html = m.html();
    assert!(!text.is_empty() && !html.is_empty());
    let link = link_with(&text, RESET_LINK_PATH).expect("a reset link in the text part");
    let url = url::Url::parse(&link).unwrap();
    assert_eq!(url.scheme(), "https");
    assert_eq!(url.host_str(), Some("reset.test.example"));
    assert_eq!(url.path(), format!("{RESET_LINK_PATH}{}", token.expose()));
    assert_eq!(link.matches(token.expose()).count(), 1);
    assert_eq!(text.matches(token.expose()).count(), 1);
    assert_eq!(html.matches(token.expose()).count(), 1);
    assert_eq!(
        code_in(&text).as_deref(),
        Some(code.expose_grouped().as_str())
    );
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    for l in links_in(&text).iter().chain(links_in(&html).iter()) {
        assert!(l.starts_with("https://reset.test.example/"), "{l}");
    }
    assert!(
        text.contains("expire in 20 minutes, at 14:35 UTC."),
        "{text}"
    );
    // The raw message never shows the token outside the two parts' encodings of the link.
    assert!(!m.data.contains("password="));
}

#[tokio::test]
async fn a_550_to_the_recipient_is_permanent() {
    let sink = SmtpSink::start().await;
    sink.set_mode(Mode::RejectRecipients).await;
    let dir = tempfile::tempdir().unwrap();
    let s = smtp_settings(dir.path(), &sink, 5);
    let (mail, _, _) = reset_mail(&s);
    let err = Mailer::from_settings(&s)
        .unwrap()
        .send(&mail)
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Permanent(_)), "{err:?}");
    assert!(err.is_permanent());
    assert!(err.to_string().contains("550"));
    // docs/security.md#13, #37: the error (which the caller logs) names no address.
    assert!(!err.to_string().contains(GUEST), "{err}");
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn a_451_is_transient() {
    let sink = SmtpSink::start().await;
    sink.set_mode(Mode::TempFail).await;
    let dir = tempfile::tempdir().unwrap();
    let s = smtp_settings(dir.path(), &sink, 5);
    let (mail, _, _) = reset_mail(&s);
    let err = Mailer::from_settings(&s)
        .unwrap()
        .send(&mail)
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Transient(_)), "{err:?}");
    assert!(err.to_string().contains("451"), "{err}");
}

#[tokio::test]
async fn smtp_down_is_transient_and_the_retry_delivers_once_it_is_back() {
    // docs/security.md#41: an outage is a retry, never a bounce; after recovery one mail arrives.
    let sink = SmtpSink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let s = smtp_settings(dir.path(), &sink, 2);
    let mailer = Mailer::from_settings(&s).unwrap();
    let (mail, token, _) = reset_mail(&s);

    // A pooled connection from before the outage must not hide it.
    let (warmup, _, _) = reset_mail(&s);
    mailer.send(&warmup).await.unwrap();
    sink.wait_for(1, Duration::from_secs(5)).await;

    sink.set_mode(Mode::Down).await;
    // Refused at the TCP level, not merely unanswered.
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", sink.port()))
        .await
        .is_err());
    let err = mailer.send(&mail).await.unwrap_err();
    assert!(matches!(err, SendError::Transient(_)), "{err:?}");
    assert_eq!(sink.messages().len(), 1);

    sink.set_mode(Mode::Accept).await;
    mailer.send(&mail).await.unwrap();
    let got = sink.wait_for(2, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 2);
    let delivered: Vec<_> = got
        .iter()
        .filter(|m| m.text().contains(token.expose()))
        .collect();
    assert_eq!(delivered.len(), 1);
    assert_eq!(sink.last_to(GUEST).unwrap().to, vec![GUEST.to_string()]);
}

#[tokio::test]
async fn a_hanging_server_is_transient_within_the_timeout() {
    // docs/security.md#41: a server that accepts and never answers cannot hold a worker.
    let sink = SmtpSink::start().await;
    sink.set_mode(Mode::Hang).await;
    let dir = tempfile::tempdir().unwrap();
    let s = smtp_settings(dir.path(), &sink, 1);
    let (mail, _, _) = reset_mail(&s);
    let started = Instant::now();
    let err = Mailer::from_settings(&s)
        .unwrap()
        .send(&mail)
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, SendError::Transient(_)), "{err:?}");
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert!(took >= Duration::from_millis(900), "took {took:?}");
}

#[tokio::test]
async fn without_smtp_each_message_is_one_eml_file_in_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(dir.path(), "");
    let mailer = Mailer::from_settings(&s).unwrap();
    assert_eq!(mailer.transport_name(), "outbox");
    let (first, token, _) = reset_mail(&s);
    let changed = render(
        &Templates::load().unwrap(),
        &guest(),
        &PasswordChangedMail::new(&s, Utc::now(), "203.0.113.9".parse().unwrap(), None),
    )
    .unwrap();
    mailer.send(&first).await.unwrap();
    mailer.send(&changed).await.unwrap();

    // Sharded: <outbox>/<YYYY-MM-DDTHH>/<first two hex digits of the id>/<stamp>-<id>.eml.
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                files(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut paths = Vec::new();
    files(&s.outbox_dir(), &mut paths);
    paths.sort_by_key(|p| p.file_name().unwrap().to_owned());
    let names: Vec<String> = paths
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    // Atomic write: no temporary file is left behind.
    assert_eq!(names.len(), 2, "{names:?}");
    for ((name, path), mail) in names.iter().zip(&paths).zip([&first, &changed]) {
        assert!(name.ends_with(&format!("-{}.eml", mail.id)), "{name}");
        let stamp = name.split('-').next().unwrap();
        assert_eq!(stamp.len(), "20261103T143500123Z".len(), "{name}");
        let shard = path.parent().unwrap();
        assert_eq!(
            shard.file_name().unwrap().to_string_lossy(),
            mail.id.to_string()[..2]
        );
        let hour = shard.parent().unwrap();
        assert_eq!(hour.file_name().unwrap().len(), "2026-11-03T14".len());
        assert_eq!(hour.parent().unwrap(), s.outbox_dir());
    }
    let raw = std::fs::read_to_string(&paths[0]).unwrap();
    let received = support::smtp::ReceivedMail {
        from: String::new(),
        to: vec![],
        data: raw,
    };
    assert_eq!(received.header("To").as_deref(), Some(GUEST));
    assert!(received.text().contains(token.expose()));
    let notice = std::fs::read_to_string(&paths[1]).unwrap();
    // docs/security.md#18: the "password changed" notice carries no token.
    assert!(!notice.contains(token.expose()));
    assert!(notice.contains("Your password was changed"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&paths[0]).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "outbox files hold tokens: owner only");
    }
}

#[tokio::test]
async fn cr_lf_in_display_text_cannot_add_headers_or_recipients() {
    // docs/security.md#15: a name with CR/LF ends up inside the subject line, never as a header.
    let sink = SmtpSink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let s = smtp_settings(dir.path(), &sink, 5);
    let now = Utc::now();
    let ctx = InvitationMail::new(
        &s,
        &TokenSecret::generate(),
        "Acme\r\nBcc: attacker@evil.example\r\nX-Injected: 1",
        Some("Mallory\nCc: attacker@evil.example"),
        now,
        now + InvitationMail::default_lifetime(),
    );
    let mut mail = render(&Templates::load().unwrap(), &guest(), &ctx).unwrap();
    Mailer::from_settings(&s)
        .unwrap()
        .send(&mail)
        .await
        .unwrap();
    // A hand-built subject (not from render) is folded at send time too.
    mail.subject = "Hi\r\nBcc: attacker@evil.example\r\n\r\nbody".into();
    Mailer::from_settings(&s)
        .unwrap()
        .send(&mail)
        .await
        .unwrap();

    let got = sink.wait_for(2, Duration::from_secs(5)).await;
    for m in &got {
        assert_eq!(m.to, vec![GUEST.to_string()]);
        let names: Vec<String> = m
            .header_names()
            .iter()
            .map(|n| n.to_ascii_lowercase())
            .collect();
        for forbidden in ["bcc", "cc", "x-injected"] {
            assert!(!names.contains(&forbidden.to_string()), "{names:?}");
        }
        assert_eq!(names.iter().filter(|n| *n == "to").count(), 1);
        assert_eq!(names.iter().filter(|n| *n == "subject").count(), 1);
    }
    // The hostile text is still there, harmlessly, inside the one Subject line.
    let subject = got[0].header("Subject").unwrap();
    assert!(subject.contains("invited you to Acme Bcc:"), "{subject}");
}

#[tokio::test]
async fn an_address_that_cannot_be_written_in_a_mail_is_permanent_and_sends_nothing() {
    // docs/security.md#15: `email=v%0d%0aBcc:a` must never reach the wire as a second recipient.
    let sink = SmtpSink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let s = smtp_settings(dir.path(), &sink, 5);
    let (mut mail, _, _) = reset_mail(&s);
    for hostile in [
        "victim@example.org\r\nbcc:attacker@evil.example",
        "victim@example.org,attacker",
    ] {
        let Ok(to) = EmailAddress::parse(hostile) else {
            continue; // refused at the edge already: even better
        };
        mail.to = to;
        let err = Mailer::from_settings(&s)
            .unwrap()
            .send(&mail)
            .await
            .unwrap_err();
        assert!(err.is_permanent(), "{err:?}");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn lines_starting_with_a_dot_survive_the_smtp_transfer() {
    let sink = SmtpSink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let s = smtp_settings(dir.path(), &sink, 5);
    let (mut mail, _, _) = reset_mail(&s);
    mail.text = "first\n.\n..two dots\n.end\n".into();
    Mailer::from_settings(&s)
        .unwrap()
        .send(&mail)
        .await
        .unwrap();
    let got = sink.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(got[0].text(), "first\n.\n..two dots\n.end\n");
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_name_the_message_id_and_kind_but_never_the_address_or_the_token() {
    // docs/security.md#13, #37: success and failure lines carry ids, no address, no secret.
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sink = SmtpSink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let s = smtp_settings(dir.path(), &sink, 5);
    let mailer = Mailer::from_settings(&s).unwrap();
    let (mail, token, code) = reset_mail(&s);
    mailer.send(&mail).await.unwrap();
    sink.set_mode(Mode::RejectRecipients).await;
    mailer.send(&mail).await.unwrap_err();
    sink.set_mode(Mode::Down).await;
    mailer.send(&mail).await.unwrap_err();

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains(&mail.id.to_string()), "{text}");
    assert!(text.contains("reset_link"), "{text}");
    for secret in [GUEST, token.expose(), code.expose(), &code.expose_grouped()] {
        assert!(!text.contains(secret), "log leaks {secret}: {text}");
    }
}

#[tokio::test]
async fn the_sink_comes_back_on_the_same_port_right_after_going_down() {
    let sink = SmtpSink::start().await;
    let port = sink.port();
    let dir = tempfile::tempdir().unwrap();
    let s = smtp_settings(dir.path(), &sink, 5);
    let mailer = Mailer::from_settings(&s).unwrap();
    for _ in 0..3 {
        sink.set_mode(Mode::Down).await;
        sink.set_mode(Mode::Accept).await;
    }
    assert_eq!(sink.port(), port);
    let (mail, _, _) = reset_mail(&s);
    mailer.send(&mail).await.unwrap();
    assert_eq!(sink.wait_for(1, Duration::from_secs(5)).await.len(), 1);
    assert_eq!(sink.mode(), Mode::Accept);
}
