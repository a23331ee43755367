//! Bounces only for the recipient (docs/security.md#41, the bounce classes of
//! docs/operations.md#outages-smtp-and-database): a refusal by the relay — its policy, a quota,
//! the size, the sender — is retried, alerted in the audit (`mail_refused`) and the metrics, and
//! never marks the guest bounced; only a refusal of the recipient (5.1.x, a bare 550/553 at
//! `RCPT TO`) does. The real SMTP sink of tests/support/smtp/ answers the chosen reply at the
//! chosen stage. Each test runs on SQLite, and on PostgreSQL when `LATCHKEY_TEST_PG` is set.

mod sec_support;
mod support;

use sec_support::*;
use support::smtp::{Mode, Stage};
use support::TestApp;

/// A quick first retry, so a test can watch the job come back.
const JOBS: &str = "[jobs]\npoll_interval_ms = 20\nmax_attempts = 20\nmax_backoff_seconds = 2\n";

fn events_for(app: &TestApp, event: &str, email: &str) -> Vec<latchkey::db::models::AuditEvent> {
    app.audit_events()
        .into_iter()
        .filter(|e| e.event == event && e.email.as_deref() == Some(email))
        .collect()
}

/// Asks for a reset of `email` while the sink answers `mode`, and waits for the refusal's
/// audit row.
async fn refused_once(app: &TestApp, email: &str, mode: Mode) {
    app.sink().set_mode(mode).await;
    let (_, page) = ask(app, email).await;
    assert_eq!(page.status, 200);
    let audit_rows = || {
        events_for(app, "mail_refused", email).len() + events_for(app, "mail_bounced", email).len()
    };
    eventually("the send attempt", || audit_rows() > 0).await;
}

fn assert_not_marked(app: &TestApp, email: &str, why: &str) {
    let row = user_row(app, email);
    assert!(row.bounced_at.is_none(), "{why}: {email} marked bounced");
    assert!(row.bounce_reason.is_none(), "{why}");
    assert!(
        events_for(app, "mail_bounced", email).is_empty(),
        "{why}: mail_bounced audited"
    );
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) AS n FROM reset_tokens WHERE revoked_reason = 'bounced'"
        ),
        0,
        "{why}: tokens revoked as bounced"
    );
}

#[tokio::test]
async fn item_9_a_quota_refusal_at_rcpt_retries_alerts_and_never_marks_the_guest() {
    let app = app_with(JOBS).await;
    let email = "quota@fabrikam.test";
    app.user(email, OLD, true, false);
    refused_once(
        &app,
        email,
        Mode::Answer(Stage::RcptTo, "550 5.4.5 quota exceeded"),
    )
    .await;

    assert_not_marked(&app, email, "550 5.4.5");
    // Alerted: one audit row per refused attempt, with the codes and never the address.
    let refused = events_for(&app, "mail_refused", email);
    assert_eq!(refused[0].outcome, "alert");
    let reason = refused[0].reason.clone().unwrap_or_default();
    assert!(reason.contains("550 5.4.5"), "{reason}");
    assert!(!reason.contains(email) && !reason.contains("quota exceeded"));
    // Counted in the metrics on the management listener.
    let metrics = app.metrics().await;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("latchkey_mails_total")
                && l.contains("kind=\"reset_link\"")
                && l.contains("outcome=\"refused\"")),
        "{metrics}"
    );
    // The job is waiting for its retry, not done and not failed.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM jobs WHERE done_at IS NULL AND failed_at IS NULL \
             AND attempts >= 1"
        ),
        1,
        "the job is not waiting for a retry"
    );

    // The relay recovers: the retry delivers, and the guest can reset as ever.
    app.sink().set_mode(Mode::Accept).await;
    app.clock.advance(chrono::Duration::minutes(5));
    let mail = reset_mail(&app, email, 1).await;
    app.drain_jobs().await;
    assert_not_marked(&app, email, "after the retry");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM jobs WHERE done_at IS NOT NULL"
        ),
        1
    );
    let mut b = open_link(&app, &mail.link, "/reset/new").await;
    assert_done(&choose(&mut b, NEW, NEW).await);
}

#[tokio::test]
async fn item_9_a_recipient_refusal_marks_the_address_bounced() {
    let app = app_with(JOBS).await;
    let email = "gone@fabrikam.test";
    app.user(email, OLD, true, false);
    refused_once(
        &app,
        email,
        Mode::Answer(Stage::RcptTo, "550 5.1.1 no such user"),
    )
    .await;
    app.drain_jobs().await;
    let row = user_row(&app, email);
    assert!(
        row.bounced_at.is_some(),
        "550 5.1.1 did not mark the address"
    );
    assert!(row.bounce_reason.unwrap().contains("550 5.1.1"));
    assert_eq!(events_for(&app, "mail_bounced", email).len(), 1);
    assert!(events_for(&app, "mail_refused", email).is_empty());
    // Never retried.
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM jobs WHERE done_at IS NULL"),
        0
    );

    // A bare 553 to RCPT TO (no enhanced code) is the recipient too.
    let other = "bare@fabrikam.test";
    app.user(other, OLD, true, false);
    refused_once(
        &app,
        other,
        Mode::Answer(Stage::RcptTo, "553 mailbox name not allowed"),
    )
    .await;
    assert!(user_row(&app, other).bounced_at.is_some());
}

#[tokio::test]
async fn item_9_relay_policy_size_and_data_refusals_never_mark() {
    // One guest per refusal; a retry of an earlier guest's job under a later mode is also a
    // refusal of this table, so it changes nothing either.
    let app = app_with(JOBS).await;
    let cases: &[(&str, Mode)] = &[
        (
            "data-bare@fabrikam.test",
            Mode::Answer(Stage::Data, "554 Transaction failed"),
        ),
        (
            "data-spam@fabrikam.test",
            Mode::Answer(Stage::Data, "554 5.7.1 message rejected as spam"),
        ),
        (
            "data-size@fabrikam.test",
            Mode::Answer(Stage::Data, "552 5.3.4 message size exceeds fixed limit"),
        ),
        (
            "relay@fabrikam.test",
            Mode::Answer(Stage::RcptTo, "550 5.7.1 relaying denied"),
        ),
        (
            "sender-policy@fabrikam.test",
            Mode::Answer(Stage::MailFrom, "550 5.7.1 sender rejected by policy"),
        ),
        (
            "sender-quota@fabrikam.test",
            Mode::Answer(Stage::MailFrom, "552 sending quota exceeded"),
        ),
        (
            "sender-address@fabrikam.test",
            Mode::Answer(Stage::MailFrom, "553 5.1.8 bad sender domain"),
        ),
    ];
    for (email, mode) in cases {
        app.user(email, OLD, true, false);
        refused_once(&app, email, *mode).await;
        assert_not_marked(&app, email, &format!("{mode:?}"));
        let refused = events_for(&app, "mail_refused", email);
        assert!(!refused.is_empty(), "{mode:?}: no alert");
        assert!(refused.iter().all(|e| e.outcome == "alert"));
    }
    // Every job is still there to be retried; none failed for good.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM jobs WHERE done_at IS NULL AND failed_at IS NULL"
        ),
        cases.len() as i64
    );
    // Once the relay accepts again, every guest gets a mail.
    app.sink().set_mode(Mode::Accept).await;
    app.clock.advance(chrono::Duration::minutes(5));
    for (email, _) in cases {
        reset_mail(&app, email, 1).await;
        assert_not_marked(&app, email, "after the retry");
    }
}
