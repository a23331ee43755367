//! Graceful shutdown of the real binary: on SIGTERM the listener closes at
//! once, a request in flight gets its whole response, the mail being sent is finished and
//! sent exactly once, claimed jobs not yet started are handed back, and the process exits 0
//! within `shutdown_grace_seconds` — even when the SMTP server hangs (the job then keeps its
//! lease and is taken again after it expires).

mod support;

use std::time::{Duration, Instant};
use support::browser::Browser;
use support::process::{self, ProcessConfig, ServerProcess};
use support::smtp::{Mode, SmtpSink};
use support::TestDb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const GUEST: &str = "user0@slow.test";

async fn request_reset(server: &ServerProcess, email: &str) {
    let mut b = Browser::new(&server.address);
    let page = b.ask_reset(email).await;
    assert_eq!(page.status, 200, "{}", page.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_request_in_flight_and_the_mail_being_sent() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create(dir.path());
    let sink = SmtpSink::start().await;
    sink.set_mode(Mode::Slow(Duration::from_secs(2))).await;
    let grace = 10;
    let mut config = ProcessConfig::new(dir.path(), &db.url);
    config.smtp_url = Some(sink.url());
    config.smtp_timeout_seconds = 10;
    config.extra = format!("shutdown_grace_seconds = {grace}\n");
    let mut server = ServerProcess::start_ready("a", &config).await;
    process::run_cli(
        &server,
        &["bench-seed", "--users", "1", "--domain", "slow.test"],
    );
    let direct = process::direct_db(&db.url);

    // A reset whose mail is being sent: the SMTP server sits on the DATA for 2 s.
    request_reset(&server, GUEST).await;
    process::wait_until("the mail to be in DATA", Duration::from_secs(20), || {
        process::count(
            &direct,
            "SELECT COUNT(*) AS n FROM audit_events WHERE event = 'reset_requested'",
        ) == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // A request in flight: headers and half the body sent, the rest after the signal.
    let mut b = Browser::new(&server.address);
    let csrf = b.get("/reset").await.csrf().expect("csrf token");
    let body =
        serde_urlencoded::to_string([("csrf_token", csrf.as_str()), ("email", "late@slow.test")])
            .unwrap();
    let (head, tail) = body.split_at(body.len() / 2);
    let mut slow = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    let request = format!(
        "POST /reset HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nCookie: {}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{head}",
        server.port,
        b.cookie_header(),
        body.len()
    );
    slow.write_all(request.as_bytes()).await.unwrap();
    // Its idle keep-alive connection would hold the HTTP shutdown until it times out.
    drop(b);
    tokio::time::sleep(Duration::from_millis(200)).await;

    let signalled = Instant::now();
    server.terminate();
    tokio::time::sleep(Duration::from_millis(500)).await;

    // The listener is closed: a new connection is refused.
    let refused = tokio::net::TcpStream::connect(("127.0.0.1", server.port)).await;
    assert!(
        refused.is_err(),
        "a new connection was accepted after SIGTERM"
    );

    // The request in flight completes with its whole response.
    slow.write_all(tail.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(10), slow.read_to_string(&mut response))
        .await
        .expect("the in-flight response within the grace period")
        .unwrap();
    assert!(
        response.starts_with("HTTP/1.1 303"),
        "in-flight request: {response:.300}"
    );
    // The whole response: the redirect to the check-email page, its cookie, and its end.
    let lower = response.to_ascii_lowercase();
    assert!(lower.contains("location: /reset/code"), "{response:.300}");
    assert!(lower.contains("reset_flow="), "{response:.300}");
    assert!(lower.contains("content-length: 0"), "{response:.300}");
    assert!(
        response.ends_with("\r\n\r\n"),
        "a cut response: {response:?}"
    );

    // Exit 0 within the grace period (plus a margin for a loaded machine).
    let status = server
        .wait_exit(Duration::from_secs(grace + 5))
        .unwrap_or_else(|| panic!("still running after grace + 5 s:\n{}", server.log_text()));
    let took = signalled.elapsed();
    assert_eq!(
        status.code(),
        Some(0),
        "exit status; log:\n{}",
        server.log_text()
    );
    assert!(took < Duration::from_secs(grace + 3), "took {took:?}");

    // The mail that was being sent arrived, once; its job is done.
    let to_guest = sink
        .messages()
        .iter()
        .filter(|m| m.to.iter().any(|t| t == GUEST))
        .count();
    assert_eq!(to_guest, 1, "mails to the guest");
    assert_eq!(
        process::count(
            &direct,
            "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'reset_request' AND done_at IS NOT NULL"
        ),
        1
    );
    // The request that came in during shutdown is queued and not held by anyone: the next
    // instance (or another one) takes it at once.
    assert_eq!(
        process::count(
            &direct,
            "SELECT COUNT(*) AS n FROM jobs WHERE done_at IS NULL AND failed_at IS NULL \
             AND claimed_until IS NULL"
        ),
        1,
        "the late request's job is open and unclaimed"
    );
    let log = server.log_text();
    assert!(log.contains("shutting down"), "{log}");
    assert!(log.contains("stopped cleanly"), "{log}");

    // A restart finishes it.
    sink.set_mode(Mode::Accept).await;
    server.restart().await;
    process::wait_until("the queue to drain", Duration::from_secs(20), || {
        process::count(
            &direct,
            "SELECT COUNT(*) AS n FROM jobs WHERE done_at IS NULL AND failed_at IS NULL",
        ) == 0
    })
    .await;
    assert_eq!(
        process::count(
            &direct,
            "SELECT COUNT(*) AS n FROM audit_events WHERE event = 'reset_requested'"
        ),
        2,
        "each request audited once"
    );
    server.terminate();
    assert_eq!(
        server
            .wait_exit(Duration::from_secs(grace + 5))
            .and_then(|s| s.code()),
        Some(0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_smtp_server_does_not_hold_the_process_past_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create(dir.path());
    let sink = SmtpSink::start().await;
    sink.set_mode(Mode::Hang).await;
    let grace = 2;
    let mut config = ProcessConfig::new(dir.path(), &db.url);
    config.smtp_url = Some(sink.url());
    // The send itself would wait far longer than the grace period.
    config.smtp_timeout_seconds = 60;
    config.extra = format!("shutdown_grace_seconds = {grace}\n");
    config.jobs = "poll_interval_ms = 100\nlease_seconds = 4\n".into();
    let mut server = ServerProcess::start_ready("a", &config).await;
    process::run_cli(
        &server,
        &["bench-seed", "--users", "1", "--domain", "slow.test"],
    );
    let direct = process::direct_db(&db.url);

    request_reset(&server, GUEST).await;
    process::wait_until("the job to be claimed", Duration::from_secs(20), || {
        process::count(
            &direct,
            "SELECT COUNT(*) AS n FROM audit_events WHERE event = 'reset_requested'",
        ) == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let signalled = Instant::now();
    server.terminate();
    let status = server
        .wait_exit(Duration::from_secs(grace + 5))
        .unwrap_or_else(|| panic!("still running after grace + 5 s:\n{}", server.log_text()));
    let took = signalled.elapsed();
    assert_eq!(status.code(), Some(0), "log:\n{}", server.log_text());
    assert!(took < Duration::from_secs(grace + 3), "took {took:?}");
    assert!(server.log_text().contains("grace period over"));

    // The job is still open and leased: no one else sends it while the lease runs.
    assert_eq!(
        process::count(
            &direct,
            "SELECT COUNT(*) AS n FROM jobs WHERE done_at IS NULL AND claimed_until IS NOT NULL"
        ),
        1
    );
    assert!(sink.messages().is_empty());

    // The mail server recovers; a new instance takes the job once the lease expired and the
    // guest gets exactly one mail; the request was audited once (docs/security.md#41).
    sink.set_mode(Mode::Accept).await;
    server.restart().await;
    sink.wait_for(1, Duration::from_secs(30)).await;
    process::wait_until("the queue to drain", Duration::from_secs(20), || {
        process::count(
            &direct,
            "SELECT COUNT(*) AS n FROM jobs WHERE done_at IS NULL AND failed_at IS NULL",
        ) == 0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 1);
    assert_eq!(
        process::count(
            &direct,
            "SELECT COUNT(*) AS n FROM audit_events WHERE event = 'reset_requested'"
        ),
        1
    );
    server.terminate();
    assert_eq!(
        server
            .wait_exit(Duration::from_secs(grace + 5))
            .and_then(|s| s.code()),
        Some(0)
    );
}
