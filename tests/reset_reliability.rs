//! docs/security.md#13 and #41 (SMTP failures), #5 and #43 (races, double submits), with a real
//! SMTP server whose mode changes under the running service.

mod sec_support;
mod support;

use sec_support::*;
use std::time::{Duration, Instant};
use support::smtp::Mode;
use support::TestApp;

const ALICE: &str = "alice@fabrikam.test";

/// Moves the clock past the worker's backoff (2^attempt s, ≤ 15 min) and waits for `n` mails
/// to `addr`, advancing again while they do not come.
async fn deliver_after_recovery(app: &TestApp, addr: &str, n: usize) {
    for _ in 0..40 {
        if app.mails_to(addr).len() >= n {
            return;
        }
        app.clock.advance(chrono::Duration::seconds(30));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("mail {n} to {addr} never came");
}

#[tokio::test]
async fn smtp_down_gives_the_same_page_and_the_mail_comes_once_smtp_is_back() {
    // docs/security.md#13, #41: with the SMTP server down, the reply is the uniform one; after
    // recovery the outbox delivers exactly one mail (bounded backoff); one error log line
    // carries the user id, with no address and no token.
    capture_logs();
    let app = app().await;
    app.user(ALICE, OLD, true, false);
    let (_, baseline) = ask(&app, "nobody@fabrikam.test").await;
    app.sink().set_mode(Mode::Down).await;
    let started = Instant::now();
    let (_, down) = ask(&app, ALICE).await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        shape_of(&down, ALICE),
        shape_of(&baseline, "nobody@fabrikam.test")
    );
    // The first attempt fails and is audited.
    eventually("mail_failed audited", || {
        app.audit_events().iter().any(|e| e.event == "mail_failed")
    })
    .await;
    assert!(app.sink().messages().is_empty());

    app.sink().set_mode(Mode::Accept).await;
    deliver_after_recovery(&app, ALICE, 1).await;
    let m = reset_mail(&app, ALICE, 1).await;
    app.drain_jobs().await;
    // More time passes (within the token's lifetime): no second copy.
    app.clock.advance(chrono::Duration::minutes(5));
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.drain_jobs().await;
    assert_eq!(app.mails_to(ALICE).len(), 1, "the mail came more than once");
    // The delivered link works.
    let mut b = open_link(&app, &m.link, "/reset/new").await;
    assert_done(&choose(&mut b, NEW, NEW).await);

    let uid = user_row(&app, ALICE).id;
    let logs = logs();
    let failures: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("ERROR") && l.contains(uid.as_str()))
        .collect();
    assert!(!failures.is_empty(), "no error line with the user id");
    for l in failures {
        assert!(!l.contains(ALICE), "the address is logged: {l}");
        assert!(!l.contains(&m.token), "the token is logged: {l}");
    }
}

#[tokio::test]
async fn a_hanging_smtp_server_does_not_slow_the_page() {
    // docs/security.md#41: with SMTP stalling, `POST /reset` answers as usual within the latency
    // budget, and the mail is delivered exactly once after recovery.
    let app = app().await;
    app.user(ALICE, OLD, true, false);
    let (_, baseline) = ask(&app, "nobody@fabrikam.test").await;
    app.sink().set_mode(Mode::Hang).await;
    for _ in 0..3 {
        let started = Instant::now();
        let (_, p) = ask(&app, ALICE).await;
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(
            shape_of(&p, ALICE),
            shape_of(&baseline, "nobody@fabrikam.test")
        );
    }
    // Let the stalled attempts time out (smtp_timeout_seconds = 2 in the harness).
    eventually("the stalled sends to fail", || {
        app.audit_events()
            .iter()
            .filter(|e| e.event == "mail_failed")
            .count()
            >= 3
    })
    .await;
    app.sink().set_mode(Mode::Accept).await;
    deliver_after_recovery(&app, ALICE, 1).await;
    // More time passes (within the token's lifetime): the retries are all done.
    app.clock.advance(chrono::Duration::minutes(5));
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.drain_jobs().await;
    // Three requests: each retried job issues a fresh token; every one that arrives is a
    // working mail, and at most one per request arrives.
    let mails = app.mails_to(ALICE);
    assert!(!mails.is_empty() && mails.len() <= 3, "{}", mails.len());
    // Only the newest token works.
    let links: Vec<String> = mails
        .into_iter()
        .map(|m| parse_reset_mail(m).link)
        .collect();
    let mut working = 0;
    for l in &links {
        let p = app.browser().get(l).await;
        if p.status == 303 {
            working += 1;
        }
    }
    assert_eq!(working, 1, "{links:?}");
}

#[tokio::test]
async fn a_permanent_rejection_marks_the_address_bounced() {
    // docs/architecture.md#mail, docs/security.md#41: a 5xx to RCPT TO marks the user bounced (users.bounced_at),
    // writes a `mail_bounced` audit row, and later requests send nothing (policy rule 6).
    let app = app().await;
    app.user(ALICE, OLD, true, false);
    app.sink().set_mode(Mode::RejectRecipients).await;
    let (_, p) = ask(&app, ALICE).await;
    assert_eq!(p.status, 200);
    eventually("bounced_at set", || {
        user_row(&app, ALICE).bounced_at.is_some()
    })
    .await;
    app.drain_jobs().await;
    let events = app.audit_events();
    let bounced = events
        .iter()
        .find(|e| e.event == "mail_bounced")
        .expect("mail_bounced audited");
    assert_eq!(bounced.outcome, "failure");
    assert_eq!(
        bounced.user_id.as_ref().map(|u| u.as_str()),
        Some(user_row(&app, ALICE).id.as_str())
    );
    assert!(user_row(&app, ALICE).bounce_reason.is_some());
    // No retry storm: the permanent failure is not retried.
    assert_eq!(
        events.iter().filter(|e| e.event == "mail_bounced").count(),
        1
    );
    // The token mailed (and lost) is revoked; the next request is denied as undeliverable and
    // sends nothing, with the same reply.
    app.sink().set_mode(Mode::Accept).await;
    let (_, again) = ask(&app, ALICE).await;
    assert_eq!(mask_csrf(&again.body), mask_csrf(&p.body));
    app.drain_jobs().await;
    assert!(app.sink().messages().is_empty());
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM reset_tokens WHERE used_at IS NULL AND revoked_at IS NULL"
        ),
        0
    );
}

#[tokio::test]
async fn a_double_submit_gives_one_success_and_the_already_used_page() {
    // docs/security.md#43, #4.
    let app = app().await;
    app.user(ALICE, OLD, true, false);
    let m = ask_and_mail(&app, ALICE, 1).await;
    let mut b = open_link(&app, &m.link, "/reset/new").await;
    let token = csrf(&mut b).await;
    let mut again = b.clone();
    let fields = [("password", NEW), ("password_confirm", NEW)];
    let first = b.post_form("/reset/new", &token, &fields).await;
    let second = again.post_form("/reset/new", &token, &fields).await;
    assert_done(&first);
    assert_invalid(&second);
    assert!(second.body.contains(ALREADY_USED), "{}", second.body);
    app.wait_mail_to(ALICE, 2).await;
    app.drain_jobs().await;
    assert_eq!(app.mails_to(ALICE).len(), 2, "more than one notice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_redemptions_have_exactly_one_winner() {
    // docs/security.md#5, #43: 20 parallel POSTs with one token → exactly 1 success (303 to
    // /reset/done), exactly one "password changed" mail, and the stored hash is the winner's.
    const N: usize = 20;
    let app = app().await;
    app.user(ALICE, OLD, true, false);
    let m = ask_and_mail(&app, ALICE, 1).await;
    let mut b = open_link(&app, &m.link, "/reset/new").await;
    let token = csrf(&mut b).await;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(N));
    let mut tasks = Vec::new();
    for i in 0..N {
        let mut b = b.clone();
        let token = token.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let pw = format!("racing-orchid-lantern-{i:02}");
            barrier.wait().await;
            let p = b
                .post_form(
                    "/reset/new",
                    &token,
                    &[("password", &pw), ("password_confirm", &pw)],
                )
                .await;
            (pw, p)
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let winners: Vec<&String> = results
        .iter()
        .filter(|(_, p)| p.status == 303 && p.location() == Some("/reset/done"))
        .map(|(pw, _)| pw)
        .collect();
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    for (_, p) in &results {
        if p.location() != Some("/reset/done") {
            assert_invalid(p);
        }
    }
    let hash = app.password_hash(ALICE).unwrap();
    assert!(verifies(&app, &hash, winners[0]).await);
    app.wait_mail_to(ALICE, 2).await;
    app.drain_jobs().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let notices = app
        .mails_to(ALICE)
        .into_iter()
        .filter(|m| {
            m.header("subject")
                .unwrap_or_default()
                .to_lowercase()
                .contains("changed")
        })
        .count();
    assert_eq!(notices, 1, "\"password changed\" mails");
    assert_eq!(app.mails_to(ALICE).len(), 2);
    assert_eq!(
        app.audit_events()
            .iter()
            .filter(|e| e.event == "reset_completed")
            .count(),
        1
    );
}
