//! Jobs queued by an earlier release still run after an upgrade: every kind is inserted here as
//! rows of that release stored it (its kind names and JSON payload shapes, written out by hand,
//! not by today's types), and each sends its mail with nothing failed.

mod sec_support;
mod support;

use latchkey::db::invitations::{self, Invitation};
use latchkey::domain::{EmailAddress, InvitationId};
use sec_support::*;
use support::smtp::link_with;
use support::TestApp;

const ANN: &str = "ann@fabrikam.test";
const VIC: &str = "vic@fabrikam.test";
const SAM: &str = "sam@fabrikam.test";
const IVY: &str = "ivy@newco.test";
const CEO: &str = "ceo@newco.test";

fn ts(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.f").to_string()
}

/// Appends a job row the way the earlier release did.
fn queue_as_before(app: &TestApp, kind: &str, payload: serde_json::Value) {
    let now = ts(app.state.now());
    app.sql(&format!(
        "INSERT INTO jobs (id, kind, payload, run_at, attempts, max_attempts, created_at) \
         VALUES ('{}', '{kind}', '{payload}', '{now}', 0, 5, '{now}')",
        uuid::Uuid::new_v4(),
    ));
}

#[tokio::test]
async fn job_rows_queued_by_the_previous_release_still_run() {
    let app = app().await;
    app.user(ANN, OLD, true, false);
    app.user(VIC, OLD, false, false);
    let ann = user_row(&app, ANN);
    let vic = user_row(&app, VIC);
    let now = app.state.now();
    let invitation = Invitation {
        id: InvitationId::generate(),
        email: EmailAddress::parse(IVY).unwrap(),
        display_name: None,
        cc_email: Some(EmailAddress::parse(CEO).unwrap()),
        tenant_id: None,
        token_hash: "0".repeat(64),
        cc_token_hash: Some("1".repeat(64)),
        invited_by: Some("operator".into()),
        api_key_id: None,
        idempotency_key: None,
        created_at: now,
        expires_at: now + chrono::Duration::days(7),
        redeemed_at: None,
        redeemed_via: None,
        user_id: None,
    };
    invitations::insert(&mut app.state.db.get().unwrap(), &invitation).unwrap();

    // The oldest reset-request payload had no `audited` flag.
    queue_as_before(
        &app,
        "reset_request",
        serde_json::json!({ "email": ANN, "flow_id_hash": "2".repeat(64), "ip": "192.0.2.7" }),
    );
    queue_as_before(
        &app,
        "password_changed",
        serde_json::json!({ "user_id": ann.id, "changed_at": "2026-01-02T03:04:05", "ip": null }),
    );
    for copy in ["primary", "cc"] {
        queue_as_before(
            &app,
            "invitation_send",
            serde_json::json!({ "invitation_id": invitation.id, "copy": copy }),
        );
    }
    queue_as_before(
        &app,
        "signup_request",
        serde_json::json!({ "email": SAM, "ip": "192.0.2.8" }),
    );
    queue_as_before(
        &app,
        "verify_email",
        serde_json::json!({ "user_id": vic.id }),
    );
    app.state.jobs_wakeup.notify_one();
    app.drain_jobs().await;

    // Both of Ann's jobs ran at once: their mails may arrive in either order.
    app.wait_mail_to(ANN, 2).await;
    let texts: Vec<String> = app.mails_to(ANN).iter().map(|m| m.text()).collect();
    let link = texts.iter().find_map(|t| link_with(t, "/reset/link/"));
    assert!(
        link.is_some_and(|l| l.starts_with(&format!("{ORIGIN}/reset/link/"))),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("2 January 2026")),
        "{texts:?}"
    );
    for (to, path) in [
        (IVY, "/invite/"),
        (CEO, "/invite/"),
        (SAM, "/signup/complete/"),
        (VIC, "/verify/"),
    ] {
        let mail = app.wait_mail_to(to, 1).await;
        assert!(
            link_with(&mail.text(), path).is_some(),
            "{to}: {}",
            mail.text()
        );
    }
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM jobs WHERE failed_at IS NOT NULL OR done_at IS NULL"
        ),
        0
    );
    assert!(!app.audit_events().iter().any(|e| e.event == "job_failed"));
    // The reset request was counted and audited once, with the address and client it carried.
    let requested: Vec<_> = app
        .audit_events()
        .into_iter()
        .filter(|e| e.event == "reset_requested")
        .collect();
    assert_eq!(requested.len(), 1);
    assert_eq!(requested[0].email.as_deref(), Some(ANN));
    assert_eq!(requested[0].ip.as_deref(), Some("192.0.2.7"));
}

#[tokio::test]
async fn a_stored_payload_that_no_longer_validates_fails_for_good_and_is_audited() {
    let app = app().await;
    queue_as_before(
        &app,
        "signup_request",
        serde_json::json!({ "email": "two@a.test, three@b.test", "ip": null }),
    );
    queue_as_before(&app, "no_such_kind", serde_json::json!({}));
    app.state.jobs_wakeup.notify_one();
    app.drain_jobs().await;
    let failed: Vec<_> = app
        .audit_events()
        .into_iter()
        .filter(|e| e.event == "job_failed")
        .collect();
    assert_eq!(failed.len(), 2, "{failed:?}");
    let reasons: Vec<_> = failed.iter().filter_map(|e| e.reason.clone()).collect();
    assert!(
        reasons.iter().any(|r| r.contains("bad payload")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("unknown job kind")),
        "{reasons:?}"
    );
    assert!(app.sink().messages().is_empty());
}
