//! The console's webhook pages, giving up after a day, and unknown event names at start.

use super::*;

#[tokio::test]
async fn the_console_lists_deliveries_and_sends_a_test_event() {
    let failing = Receiver::start(vec![Step::Fail; 1000]).await;
    let receiver = Receiver::start(vec![]).await;
    let url = format!("{}?token=hidden-from-the-console", receiver.url());
    let app = app_with_hooks(&[
        hook(&failing.url(), &["reset_requested"], None, 5),
        hook(&url, &["reset_requested"], None, 5),
    ])
    .await;
    app.user("ann@northwind.test", OLD, true, false);
    reset_requested_by(&app, "ann@northwind.test").await;
    let failed = wait_delivery(&app, &failing.url(), |d| d.attempts >= 1).await;
    let delivered = wait_delivery(&app, &url, |d| d.status == "delivered").await;

    let admin = set_up(&app, "root@latchkey.test", None).await;
    let mut b = signed_in(&app, &admin).await;
    let page = b.get("/admin/webhooks").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&failing.url()), "{}", page.body);
    assert!(page.body.contains(&receiver.url()), "{}", page.body);
    assert!(
        !page.body.contains("hidden-from-the-console"),
        "{}",
        page.body
    );
    assert!(page.body.contains(failed.id.as_str()), "{}", page.body);
    assert!(page.body.contains("HTTP 500"), "{}", page.body);
    assert!(page.body.contains(delivered.id.as_str()), "{}", page.body);
    assert!(
        page.body.contains("data-status=\"delivered\""),
        "{}",
        page.body
    );

    // The test button: CSRF-protected.
    let refused = b.post_form("/admin/webhooks/1/test", "forged", &[]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let sent = b
        .post_form("/admin/webhooks/1/test", &page.csrf().unwrap(), &[])
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let location = sent.location().unwrap().to_string();
    assert!(
        location.starts_with("/admin/webhooks?sent=msg_"),
        "{location}"
    );
    let test_id = location.split("sent=").nth(1).unwrap().to_string();

    let req = receiver.wait_request(2).await;
    assert_eq!(req.header("webhook-id"), Some(test_id.as_str()));
    assert_eq!(body(&req)["type"], "webhook_test");
    assert!(verify(&req));
    assert!(
        req.path.ends_with("?token=hidden-from-the-console"),
        "{}",
        req.path
    );
    wait_delivery(&app, &url, |d| {
        d.id.as_str() == test_id && d.status == "delivered"
    })
    .await;
    let page = b.get(&location).await;
    assert!(page.body.contains("Test event queued"), "{}", page.body);
    assert!(page.body.contains(&test_id), "{}", page.body);

    let audited = app
        .audit_events()
        .into_iter()
        .find(|e| e.event == "webhook_test_sent")
        .expect("the test event is audited");
    assert_eq!(audited.actor, format!("admin:{}", admin.id));
    assert!(audited.detail.unwrap().contains(&test_id));

    // There is no webhook 7, and tenant admins see no webhook at all.
    let none = b
        .post_form("/admin/webhooks/7/test", &page.csrf().unwrap(), &[])
        .await;
    assert_eq!(none.status, 404);
    let tenant_admin = set_up(&app, "it@northwind.test", Some("northwind.test")).await;
    let mut t = signed_in(&app, &tenant_admin).await;
    let page = t.get("/admin/webhooks").await;
    assert_eq!(page.status, 404);
    let tenants = t.get("/admin/tenants").await;
    let refused = t
        .post_form("/admin/webhooks/1/test", &tenants.csrf().unwrap(), &[])
        .await;
    assert_eq!(refused.status, 404);
    assert_eq!(receiver.requests().len(), 2);
}

#[tokio::test]
async fn a_delivery_that_keeps_failing_is_given_up_after_a_day_and_audited() {
    let receiver = Receiver::start(vec![Step::Fail; 1000]).await;
    let app = app_with_hooks(&[hook(&receiver.url(), &["reset_requested"], None, 5)]).await;
    app.user("ann@northwind.test", OLD, true, false);
    reset_requested_by(&app, "ann@northwind.test").await;
    wait_delivery(&app, &receiver.url(), |d| d.attempts >= 1).await;

    app.clock.advance(chrono::Duration::hours(25));
    let d = wait_delivery(&app, &receiver.url(), |d| d.status == "failed").await;
    assert!(d.attempts >= 2, "{d:?}");
    app.drain_jobs().await;
    let failure = app
        .audit_events()
        .into_iter()
        .find(|e| e.event == "webhook_delivery_failed")
        .expect("the failure is audited");
    assert_eq!(failure.outcome, "failure");
    assert_eq!(failure.reason.as_deref(), Some("HTTP 500"));
    assert!(failure.detail.unwrap().contains(d.id.as_str()));
    // Given up: nothing more is sent.
    let sent = receiver.requests().len();
    assert_eq!(sent as i32, d.attempts);
    app.clock.advance(chrono::Duration::hours(25));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.requests().len(), sent);
}

#[test]
fn an_unknown_event_name_stops_the_start_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let config = hook(
        "https://hooks.example.com/in",
        &["password_changed"],
        None,
        5,
    );
    let figment = figment::Figment::from(figment::providers::Serialized::defaults(
        latchkey::config::RawSettings {
            data_dir: dir.path().to_path_buf(),
            ..Default::default()
        },
    ))
    .merge(<figment::providers::Toml as figment::providers::Format>::string(&config));
    let err = latchkey::config::Settings::from_figment(figment).unwrap_err();
    let text = format!("{err:#}");
    assert!(text.contains("webhooks.events"), "{text}");
    assert!(text.contains("\"password_changed\""), "{text}");
}
