//! The mailer over TLS to a relay whose certificate is signed by a private CA (a corporate CA):
//! trusted through `smtp_ca_file`, refused without it as a retryable TLS failure, and a mail
//! refused that way is not lost: it goes out once the operator sets `smtp_ca_file`.
//!
//! The CA and the relay's certificate are made here with the `openssl` program (installed by
//! `.ci/run`); without it the tests print that they skipped, and fail under `CI=true`.

mod support;

use chrono::Utc;
use latchkey::config::Settings;
use latchkey::domain::EmailAddress;
use latchkey::mail::{render, Mailer, OutgoingMail, ResetLinkMail, SendError};
use latchkey::security::tokens::{OneTimeCode, TokenSecret};
use latchkey::services::templates::Templates;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::smtp::{SinkTls, SmtpSink};
use support::TestApp;

const GUEST: &str = "guest@example.org";

/// A private CA and a certificate for 127.0.0.1 signed by it (`ca.pem`, `server.pem`,
/// `server.key` in a temp dir), or `None` (skipped) without openssl.
fn certificates() -> Option<tempfile::TempDir> {
    if support::slapd::program("openssl").is_none() {
        let why = "openssl is not installed (apt-get install openssl)";
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{why} (CI=true: this test may not be skipped)");
        }
        eprintln!("SKIPPED: {why}");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    support::slapd::make_certificates(dir.path());
    Some(dir)
}

async fn tls_sink(kind: SinkTls, certs: &Path) -> SmtpSink {
    let cert = std::fs::read(certs.join("server.pem")).unwrap();
    let key = std::fs::read(certs.join("server.key")).unwrap();
    SmtpSink::start_tls(kind, &cert, &key).await
}

fn settings(dir: &Path, sink: &SmtpSink, ca_file: Option<&PathBuf>) -> Settings {
    let db = format!("sqlite://{}", dir.join("unused.db").display());
    let mut extra = format!("smtp_url = \"{}\"\nsmtp_timeout_seconds = 5\n", sink.url());
    if let Some(ca) = ca_file {
        extra.push_str(&format!("smtp_ca_file = \"{}\"\n", ca.display()));
    }
    support::test_settings(dir, &db, &extra)
}

fn mail(s: &Settings) -> OutgoingMail {
    let now = Utc::now();
    let ctx = ResetLinkMail::new(
        s,
        &TokenSecret::generate(),
        &OneTimeCode::generate(),
        now,
        now + chrono::Duration::minutes(20),
    );
    render(
        &Templates::load().unwrap(),
        &EmailAddress::parse(GUEST).unwrap(),
        &ctx,
    )
    .unwrap()
}

async fn delivered_with_smtp_ca_file(kind: SinkTls) {
    let Some(certs) = certificates() else { return };
    let sink = tls_sink(kind, certs.path()).await;
    let dir = tempfile::tempdir().unwrap();
    let s = settings(dir.path(), &sink, Some(&certs.path().join("ca.pem")));
    let mailer = Mailer::from_settings(&s).unwrap();
    mailer.send(&mail(&s)).await.unwrap();
    let got = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, vec![GUEST.to_string()]);
    assert!(got[0].text().contains("reset"), "{}", got[0].text());
    assert_eq!(sink.failed_handshakes(), 0);
}

#[tokio::test]
async fn mail_goes_out_over_starttls_to_a_relay_signed_by_the_smtp_ca_file() {
    delivered_with_smtp_ca_file(SinkTls::StartTls).await;
}

#[tokio::test]
async fn mail_goes_out_over_tls_from_the_first_byte_with_the_smtp_ca_file() {
    delivered_with_smtp_ca_file(SinkTls::Wrapper).await;
}

#[tokio::test]
async fn without_smtp_ca_file_the_relay_is_refused_with_a_retryable_tls_error() {
    let Some(certs) = certificates() else { return };
    for kind in [SinkTls::StartTls, SinkTls::Wrapper] {
        let sink = tls_sink(kind, certs.path()).await;
        let dir = tempfile::tempdir().unwrap();
        let s = settings(dir.path(), &sink, None);
        let mailer = Mailer::from_settings(&s).unwrap();
        let err = mailer.send(&mail(&s)).await.unwrap_err();
        // Transient: the job is retried, the address is not marked bounced.
        let SendError::Transient(why) = &err else {
            panic!("{kind:?}: expected a transient error, got {err:?}")
        };
        assert!(why.contains("TLS with the SMTP server failed"), "{why}");
        assert!(why.contains("smtp_ca_file"), "{why}");
        // rustls's reason: the issuer is not among the trusted roots.
        assert!(why.to_lowercase().contains("unknownissuer"), "{why}");
        assert!(sink.messages().is_empty());
        // The sink notices the aborted handshake a moment after the client gave up.
        for _ in 0..200 {
            if sink.failed_handshakes() >= 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert!(sink.failed_handshakes() >= 1, "{kind:?}");
    }
}

#[tokio::test]
async fn an_smtp_ca_file_that_does_not_exist_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    let raw = latchkey::config::RawSettings {
        smtp_url: Some("smtp://127.0.0.1:2525".into()),
        smtp_ca_file: Some(dir.path().join("missing.pem")),
        public_base_url: Some("https://reset.test.example".into()),
        data_dir: dir.path().to_path_buf(),
        ..Default::default()
    };
    let e = raw.validate().err().unwrap().to_string();
    assert!(e.contains("smtp_ca_file"), "{e}");
    assert!(e.contains("does not exist or is not a file"), "{e}");
}

/// Counts the mail jobs not yet done and not given up on.
fn open_jobs(app: &TestApp) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.state.db.get().unwrap();
    let sql = "SELECT COUNT(*) AS n FROM jobs WHERE done_at IS NULL AND failed_at IS NULL \
               AND attempts >= 1";
    latchkey::dispatch!(&mut *conn, c => diesel::RunQueryDsl::get_result::<N>(diesel::sql_query(sql), c))
        .unwrap()
        .n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_refused_for_an_untrusted_relay_is_sent_once_smtp_ca_file_is_set() {
    let Some(certs) = certificates() else { return };
    // The default backoff: after a failed attempt the job waits seconds, then minutes.
    let jobs = "[jobs]\npoll_interval_ms = 50\n";
    // First start: the relay's CA is not trusted.
    let sink = tls_sink(SinkTls::StartTls, certs.path()).await;
    let first = TestApp::spawn_with_sink_on(sink, None, jobs).await;
    first.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    first.user("ann@fabrikam.test", "old-lantern-orchard-27", true, false);
    let page = first.browser().ask_reset("ann@fabrikam.test").await;
    assert_eq!(page.status, 200, "{}", page.body);
    for _ in 0..400 {
        if first.sink().failed_handshakes() >= 1 && open_jobs(&first) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(first.sink().failed_handshakes() >= 1, "the send was tried");
    assert!(first.sink().messages().is_empty());
    assert_eq!(
        open_jobs(&first),
        1,
        "the mail job waits for its next attempt"
    );

    // The operator adds smtp_ca_file and starts again on the same database, an hour later
    // (the first instance's worker, which cannot be stopped from here, sees the retry far
    // ahead; if it tries again it fails again, and the lease keeps the mail to one copy).
    let mut first = first;
    let sink = first.smtp.take().unwrap();
    let ca = certs.path().join("ca.pem");
    let second = TestApp::spawn_with_sink_on(
        sink,
        Some(first.db.shared()),
        &format!("smtp_ca_file = \"{}\"\n{jobs}", ca.display()),
    )
    .await;
    second.clock.advance(chrono::Duration::hours(1));
    let mail = second.wait_mail_to("ann@fabrikam.test", 1).await;
    assert!(
        mail.text().contains("https://reset.test.example/"),
        "{}",
        mail.text()
    );
    second.drain_jobs().await;
    assert_eq!(
        second.mails_to("ann@fabrikam.test").len(),
        1,
        "exactly once"
    );
    drop(first);
}
