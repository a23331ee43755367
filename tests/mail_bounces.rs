//! Bounces that arrive later (docs/mail.md#bounces), black-box over HTTP: with
//! `mail.bounce_domain` set every mail leaves with its own VERP return path
//! (`MAIL FROM:<bounce+<id>@<bounce domain>>`, as the SMTP sink records it), and
//! `POST /api/v1/bounces` with a platform API key reads a delivery status notification in the
//! shapes Postfix, Exchange Online and Gmail write (tests/fixtures/dsn/): a permanent failure of
//! the recipient marks the address bounced as a refusal at `RCPT TO` does (the next reset sends
//! nothing, `mail_bounced` is audited, the console's guest page says so); a delay, a report that
//! is not one, a tenant's key and a made-up return path change nothing. Each test runs on
//! SQLite, and on PostgreSQL when `LATCHKEY_TEST_PG` is set.

mod admin_support;
mod sec_support;
mod support;

use sec_support::*;
use secrecy::ExposeSecret as _;
use serde_json::Value;
use support::smtp::ReceivedMail;
use support::TestApp;

const BOUNCE_DOMAIN: &str = "bounces.woodgrove.example";

fn with_bounce_domain() -> String {
    format!("[mail]\nbounce_domain = \"{BOUNCE_DOMAIN}\"\n")
}

/// A platform key (`None`) or one scoped to the tenant of `domain`.
fn api_key(app: &TestApp, domain: Option<&str>) -> String {
    let mut conn = app.state.db.get().unwrap();
    let k = latchkey::onboarding::api_keys::create(
        &mut conn,
        &app.state.settings,
        "mta",
        domain,
        "operator",
        app.state.now(),
    )
    .unwrap();
    k.secret.expose_secret().to_string()
}

/// Posts `body` to `/api/v1/bounces` as `message/rfc822`.
async fn post_report(app: &TestApp, key: Option<&str>, body: Vec<u8>) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url("/api/v1/bounces"))
        .header("content-type", "message/rfc822")
        .body(body);
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, json)
}

/// The fixture `name` with the return path, recipient and returned mail filled in, CRLF.
fn report(name: &str, return_path: &str, recipient: &str, original: &ReceivedMail) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/dsn/{name}", env!("CARGO_MANIFEST_DIR"));
    let template = std::fs::read_to_string(&path).unwrap();
    let data = original.data.replace("\r\n", "\n");
    let headers = data.split("\n\n").next().unwrap_or_default().to_string();
    template
        .replace("@RETURN_PATH@", return_path)
        .replace("@RECIPIENT@", recipient)
        .replace("@ORIGINAL_HEADERS@", &headers)
        .replace("@ORIGINAL@", &data)
        .replace("\r\n", "\n")
        .replace('\n', "\r\n")
        .into_bytes()
}

/// Asks for a reset of `email` and returns the `n`-th mail it gets.
async fn reset_mail_for(app: &TestApp, email: &str, n: usize) -> ReceivedMail {
    let (_, page) = ask(app, email).await;
    assert_eq!(page.status, 200);
    app.wait_mail_to(email, n).await
}

fn events_for(app: &TestApp, event: &str, email: &str) -> Vec<latchkey::db::models::AuditEvent> {
    app.audit_events()
        .into_iter()
        .filter(|e| e.event == event && e.email.as_deref() == Some(email))
        .collect()
}

fn is_verp(from: &str) -> bool {
    let Some(rest) = from.strip_prefix("bounce+") else {
        return false;
    };
    let Some((id, domain)) = rest.split_once('@') else {
        return false;
    };
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) && domain == BOUNCE_DOMAIN
}

/// The address is marked as a synchronous bounce marks it: the next reset request sends
/// nothing (policy rule 6, audited `email_undeliverable`).
async fn assert_next_reset_is_refused(app: &TestApp, email: &str, mails_before: usize) {
    let (_, page) = ask(app, email).await;
    assert_eq!(page.status, 200, "the reply stays uniform");
    app.drain_jobs().await;
    assert_eq!(
        app.mails_to(email).len(),
        mails_before,
        "a bounced address got another mail"
    );
    let last = events_for(app, "reset_requested", email)
        .pop()
        .expect("the request is audited");
    assert_eq!(last.outcome, "denied");
    assert!(
        last.reason
            .as_deref()
            .unwrap_or_default()
            .contains("email_undeliverable"),
        "{:?}",
        last.reason
    );
}

#[tokio::test]
async fn a_permanent_failure_reported_later_marks_the_guest_in_every_mta_shape() {
    let app = app_with(&with_bounce_domain()).await;
    let key = api_key(&app, None);
    for (fixture, email, status) in [
        ("postfix_failed.eml", "gone-postfix@fabrikam.test", "5.1.1"),
        (
            "exchange_failed.eml",
            "gone-exchange@northwind.test",
            "5.1.10",
        ),
        ("gmail_failed.eml", "gone-gmail@fabrikam.test", "5.1.1"),
    ] {
        app.user(email, OLD, true, false);
        let mail = reset_mail_for(&app, email, 1).await;
        // The envelope sender is the mail's own return path; the From header is unchanged.
        assert!(is_verp(&mail.from), "{fixture}: MAIL FROM {}", mail.from);
        let from_header = mail.header("From").unwrap_or_default();
        assert!(
            from_header.contains("no-reply@latchkey.localhost") && !from_header.contains("bounce+"),
            "{from_header}"
        );
        // The relay accepted it; hours later its report arrives.
        let (status_code, body) =
            post_report(&app, Some(&key), report(fixture, &mail.from, email, &mail)).await;
        assert_eq!(status_code, 200, "{fixture}: {body}");
        assert_eq!(body["bounced"], 1, "{fixture}: {body}");
        assert_eq!(body["ignored"], 0, "{fixture}: {body}");
        assert_eq!(body["recipients"][0]["status"], status, "{fixture}: {body}");
        assert!(
            !body.to_string().contains(email),
            "the reply names no address: {body}"
        );

        let row = user_row(&app, email);
        assert!(row.bounced_at.is_some(), "{fixture}: not marked");
        assert!(
            row.bounce_reason.unwrap_or_default().contains(status),
            "{fixture}"
        );
        let bounced = events_for(&app, "mail_bounced", email);
        assert_eq!(bounced.len(), 1, "{fixture}");
        assert_eq!(bounced[0].outcome, "failure");
        assert!(bounced[0].actor.starts_with("api_key:"), "{:?}", bounced[0]);
        assert_eq!(
            bounced[0].user_id.as_ref().map(|u| u.as_str()),
            Some(row.id.as_str())
        );
        let detail = bounced[0].detail.clone().unwrap_or_default();
        assert!(
            detail.contains("delivery_status_notification") && detail.contains("reset_link"),
            "{detail}"
        );
        assert_next_reset_is_refused(&app, email, 1).await;

        // The same report again (an MTA retrying its post) marks nothing twice.
        let (again, body) =
            post_report(&app, Some(&key), report(fixture, &mail.from, email, &mail)).await;
        assert_eq!(again, 200);
        assert_eq!(body["bounced"], 0, "{body}");
        assert_eq!(body["recipients"][0]["reason"], "already_recorded");
        assert_eq!(events_for(&app, "mail_bounced", email).len(), 1);
    }
    // Each report is audited as a whole too.
    let reports: Vec<_> = app
        .audit_events()
        .into_iter()
        .filter(|e| e.event == "bounce_report_received")
        .collect();
    assert_eq!(reports.len(), 6);
    assert!(reports.iter().all(|e| e.outcome == "success"));
}

#[tokio::test]
async fn the_console_guest_page_shows_a_late_bounce() {
    let app = app_with(&format!(
        "{}[rate_limits.admin_login]\nper_minute = 6000\nburst = 6000\n",
        with_bounce_domain()
    ))
    .await;
    let email = "gone@northwind.test";
    app.user(email, OLD, true, false);
    let mail = reset_mail_for(&app, email, 1).await;
    let key = api_key(&app, None);
    let (status, body) = post_report(
        &app,
        Some(&key),
        report("exchange_failed.eml", &mail.from, email, &mail),
    )
    .await;
    assert_eq!((status, body["bounced"].clone()), (200, 1.into()), "{body}");

    let admin = admin_support::set_up(&app, "it@northwind.test", Some("northwind.test")).await;
    let mut console = admin_support::signed_in(&app, &admin).await;
    let page = console
        .get(&format!("/admin/guests/{}", user_row(&app, email).id))
        .await;
    assert_eq!(page.status, 200);
    let text = support::browser::visible_text(&page.body);
    assert!(
        text.contains("a delivery status notification reported a permanent failure (550 5.1.10)"),
        "{text}"
    );
}

#[tokio::test]
async fn a_delayed_report_changes_nothing() {
    let app = app_with(&with_bounce_domain()).await;
    let key = api_key(&app, None);
    let email = "slow@fabrikam.test";
    app.user(email, OLD, true, false);
    let mail = reset_mail_for(&app, email, 1).await;
    let (status, body) = post_report(
        &app,
        Some(&key),
        report("postfix_delayed.eml", &mail.from, email, &mail),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["bounced"], 0);
    assert_eq!(body["ignored"], 1);
    assert_eq!(body["recipients"][0]["action"], "delayed");
    assert_eq!(body["recipients"][0]["reason"], "not_a_failure");
    assert!(user_row(&app, email).bounced_at.is_none());
    assert!(events_for(&app, "mail_bounced", email).is_empty());
    // The guest still gets mail.
    reset_mail_for(&app, email, 2).await;
}

#[tokio::test]
async fn a_failure_that_is_not_the_recipients_marks_nobody() {
    // 5.7.1 (the receiver's policy: spam, DMARC) says nothing about the mailbox, as at send time.
    let app = app_with(&with_bounce_domain()).await;
    let key = api_key(&app, None);
    let email = "policy@fabrikam.test";
    app.user(email, OLD, true, false);
    let mail = reset_mail_for(&app, email, 1).await;
    let dsn = String::from_utf8(report("postfix_failed.eml", &mail.from, email, &mail))
        .unwrap()
        .replace("Status: 5.1.1", "Status: 5.7.1")
        .replace("smtp; 550 5.1.1", "smtp; 550 5.7.1");
    let (status, body) = post_report(&app, Some(&key), dsn.into_bytes()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["bounced"], 0);
    assert_eq!(body["recipients"][0]["reason"], "not_about_the_recipient");
    assert!(user_row(&app, email).bounced_at.is_none());
}

#[tokio::test]
async fn a_message_that_is_not_a_report_is_422_and_changes_nothing() {
    let app = app_with(&with_bounce_domain()).await;
    let key = api_key(&app, None);
    let email = "away@fabrikam.test";
    app.user(email, OLD, true, false);
    let mail = reset_mail_for(&app, email, 1).await;
    let out_of_office = report("out_of_office.eml", &mail.from, email, &mail);
    for body in [
        out_of_office,
        Vec::new(),
        b"{\"email\": \"away@fabrikam.test\"}".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x01],
        mail.data.clone().into_bytes(),
    ] {
        let (status, json) = post_report(&app, Some(&key), body).await;
        assert_eq!(status, 422, "{json}");
        assert_eq!(json["error"], "not_a_dsn");
        assert!(json["message"].as_str().unwrap().contains("RFC 3464"));
    }
    assert!(user_row(&app, email).bounced_at.is_none());
    let refused = app
        .audit_events()
        .into_iter()
        .filter(|e| e.event == "bounce_report_received")
        .filter(|e| e.reason.as_deref() == Some("not_a_dsn"))
        .count();
    assert_eq!(refused, 5);

    // Over the size limit: 413, before any parsing.
    let huge = vec![b'a'; 1024 * 1024 + 1];
    let (status, json) = post_report(&app, Some(&key), huge).await;
    assert_eq!(status, 413, "{json}");
}

#[tokio::test]
async fn only_a_platform_key_may_report() {
    let app = app_with(&with_bounce_domain()).await;
    let email = "keyed@northwind.test";
    app.user(email, OLD, true, false);
    let mail = reset_mail_for(&app, email, 1).await;
    let dsn = || report("postfix_failed.eml", &mail.from, email, &mail);

    let (status, json) = post_report(&app, None, dsn()).await;
    assert_eq!(status, 401, "{json}");
    let (status, json) = post_report(&app, Some("lk_not-a-real-key"), dsn()).await;
    assert_eq!(status, 401, "{json}");
    // A key of the very tenant the guest belongs to is still not enough.
    let tenant_key = api_key(&app, Some("northwind.test"));
    let (status, json) = post_report(&app, Some(&tenant_key), dsn()).await;
    assert_eq!(status, 403, "{json}");
    assert_eq!(json["error"], "forbidden");
    assert!(user_row(&app, email).bounced_at.is_none());
}

#[tokio::test]
async fn a_made_up_or_missing_return_path_marks_nobody() {
    let app = app_with(&with_bounce_domain()).await;
    let key = api_key(&app, None);
    let victim = "victim@fabrikam.test";
    app.user(victim, OLD, true, false);
    let mail = reset_mail_for(&app, victim, 1).await;

    // A well-formed id nobody issued, naming the victim as the failed recipient.
    let forged = format!("bounce+{}@{BOUNCE_DOMAIN}", "0123456789abcdef".repeat(2));
    let (status, body) = post_report(
        &app,
        Some(&key),
        report("gmail_failed.eml", &forged, victim, &mail),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["bounced"], 0);
    assert_eq!(body["recipients"][0]["reason"], "unknown_return_path");

    // No return path at all (a report sent to another address): Final-Recipient alone is not
    // believed while a bounce domain is set.
    let (status, body) = post_report(
        &app,
        Some(&key),
        report(
            "postfix_failed.eml",
            "postmaster@woodgrove.example",
            victim,
            &mail,
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["recipients"][0]["reason"], "no_return_path");

    assert!(user_row(&app, victim).bounced_at.is_none());
    assert!(events_for(&app, "mail_bounced", victim).is_empty());
    // The victim still gets mail.
    reset_mail_for(&app, victim, 2).await;
}

#[tokio::test]
async fn return_paths_are_forgotten_by_the_retention_sweep() {
    let app = app_with(&with_bounce_domain()).await;
    let key = api_key(&app, None);
    let email = "old@fabrikam.test";
    app.user(email, OLD, true, false);
    let mail = reset_mail_for(&app, email, 1).await;
    app.drain_jobs().await;
    assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM mail_envelopes"), 1);

    // retention.jobs_days (7) later the sweep deletes it; a report after that names nothing.
    let later = app.state.now() + chrono::Duration::days(8);
    let report_of_sweep = latchkey::jobs::retention::sweep(
        &app.state.db,
        &app.state.settings.retention,
        later,
        "test",
        &|| false,
    )
    .unwrap();
    assert_eq!(
        report_of_sweep.get(latchkey::db::retention::Kind::MailEnvelopes),
        1
    );
    let (status, body) = post_report(
        &app,
        Some(&key),
        report("postfix_failed.eml", &mail.from, email, &mail),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["recipients"][0]["reason"], "unknown_return_path");
    assert!(user_row(&app, email).bounced_at.is_none());
}

#[tokio::test]
async fn without_a_bounce_domain_mail_from_is_unchanged_and_the_final_recipient_decides() {
    let app = app().await;
    let key = api_key(&app, None);
    let email = "plain@fabrikam.test";
    app.user(email, OLD, true, false);
    let mail = reset_mail_for(&app, email, 1).await;
    assert_eq!(mail.from, "no-reply@latchkey.localhost");
    app.drain_jobs().await;
    assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM mail_envelopes"), 0);

    // The report goes to mail_from's mailbox; the platform key's holder pipes it in.
    let (status, body) = post_report(
        &app,
        Some(&key),
        report("postfix_failed.eml", &mail.from, email, &mail),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["bounced"], 1, "{body}");
    assert!(user_row(&app, email).bounced_at.is_some());
    let bounced = events_for(&app, "mail_bounced", email);
    assert_eq!(bounced.len(), 1);
    assert_eq!(
        bounced[0].user_id.as_ref().map(|u| u.as_str()),
        Some(user_row(&app, email).id.as_str())
    );
    assert_next_reset_is_refused(&app, email, 1).await;
}
