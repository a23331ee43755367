//! The mailer's connections to the relay (src/mail/smtp_pool.rs), against a real SMTP server over
//! TCP (tests/support/smtp/): kept open between mails, no `NOOP` before each, `MAIL FROM`,
//! `RCPT TO` and `DATA` in one write when the relay offers `PIPELINING`, one at a time when it
//! does not, and a connection the relay closed while idle replaced without losing the mail.

mod support;

use latchkey::domain::EmailAddress;
use latchkey::mail::{MailKind, Mailer, OutgoingMail, SendError};
use std::time::Duration;
use support::smtp::{Mode, SmtpSink};

fn mailer(sink: &SmtpSink) -> Mailer {
    let from = "Latchkey <no-reply@reset.test.example>".parse().unwrap();
    Mailer::smtp(&sink.url(), from, Duration::from_secs(5)).unwrap()
}

fn mail(n: usize) -> OutgoingMail {
    OutgoingMail {
        id: uuid::Uuid::new_v4(),
        kind: MailKind::PasswordChanged,
        to: EmailAddress::parse(&format!("guest{n}@example.org")).unwrap(),
        subject: format!("Message {n}"),
        text: format!("Text {n}\n.a line that starts with a dot\n"),
        html: format!("<p>HTML {n}</p>"),
        reply_to: None,
        return_path: None,
    }
}

#[tokio::test]
async fn mails_in_a_row_share_one_connection_pipelined_and_without_a_noop() {
    let sink = SmtpSink::start().await;
    let mailer = mailer(&sink);
    for n in 0..3 {
        mailer.send(&mail(n)).await.unwrap();
    }
    let got = sink.wait_for(3, Duration::from_secs(5)).await;
    let to: Vec<_> = got.iter().map(|m| m.to.join(",")).collect();
    assert_eq!(
        to,
        [
            "guest0@example.org",
            "guest1@example.org",
            "guest2@example.org"
        ]
    );
    assert!(got[2].text().contains(".a line that starts with a dot"));
    let stats = sink.stats();
    assert_eq!(stats.connections, 1, "{stats:?}");
    assert_eq!(stats.pipelined, 3, "{stats:?}");
    // A connection that finished a mail a moment ago is not probed before the next.
    assert_eq!(stats.noops, 0, "{stats:?}");
}

#[tokio::test]
async fn a_relay_without_pipelining_gets_one_command_at_a_time() {
    let sink = SmtpSink::start().await;
    sink.set_pipelining(false);
    let mailer = mailer(&sink);
    for n in 0..2 {
        mailer.send(&mail(n)).await.unwrap();
    }
    assert_eq!(sink.wait_for(2, Duration::from_secs(5)).await.len(), 2);
    let stats = sink.stats();
    assert_eq!((stats.connections, stats.pipelined), (1, 0), "{stats:?}");
}

#[tokio::test]
async fn a_refused_recipient_in_a_pipelined_group_is_permanent_and_the_next_mail_goes() {
    let sink = SmtpSink::start().await;
    let mailer = mailer(&sink);
    mailer.send(&mail(0)).await.unwrap();
    sink.set_mode(Mode::RejectRecipients).await;
    let err = mailer.send(&mail(1)).await.unwrap_err();
    assert!(matches!(err, SendError::Permanent(_)), "{err:?}");
    assert!(err.to_string().contains("550"), "{err}");
    sink.set_mode(Mode::Accept).await;
    mailer.send(&mail(2)).await.unwrap();
    let got = sink.wait_for(2, Duration::from_secs(5)).await;
    let to: Vec<_> = got.iter().map(|m| m.to.join(",")).collect();
    assert_eq!(to, ["guest0@example.org", "guest2@example.org"]);
    // The connection that saw the refusal was closed, not reused.
    assert_eq!(sink.stats().connections, 2, "{:?}", sink.stats());
}

#[tokio::test]
async fn a_connection_the_relay_closed_while_idle_is_replaced_and_the_mail_still_goes() {
    let sink = SmtpSink::start().await;
    let mailer = mailer(&sink);
    mailer.send(&mail(0)).await.unwrap();
    // The relay drops every open session and comes back on the same port: the pooled connection
    // is dead, and (used a moment ago) it is handed out without a probe.
    sink.set_mode(Mode::Down).await;
    sink.set_mode(Mode::Accept).await;
    mailer.send(&mail(1)).await.unwrap();
    let got = sink.wait_for(2, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].to, vec!["guest1@example.org".to_string()]);
    assert_eq!(sink.stats().connections, 2, "{:?}", sink.stats());
}

#[tokio::test]
async fn a_relay_that_refuses_in_the_middle_of_a_group_leaves_nothing_half_sent() {
    // MAIL FROM refused: the RCPT TO and DATA written with it get "503", and no message is
    // stored; the next mail goes on a new connection.
    let sink = SmtpSink::start().await;
    let mailer = mailer(&sink);
    sink.set_mode(Mode::Answer(
        support::smtp::Stage::MailFrom,
        "451 4.3.0 busy",
    ))
    .await;
    let err = mailer.send(&mail(0)).await.unwrap_err();
    assert!(matches!(err, SendError::Transient(_)), "{err:?}");
    assert!(sink.messages().is_empty());
    sink.set_mode(Mode::Accept).await;
    mailer.send(&mail(1)).await.unwrap();
    let got = sink.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, vec!["guest1@example.org".to_string()]);
}
