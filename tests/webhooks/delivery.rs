//! Deliveries: signed, retried exactly once per event, timed out, never redirected, filtered by event and tenant.

use super::*;

#[tokio::test]
async fn a_subscribed_event_arrives_signed_with_a_body_free_of_secrets() {
    let receiver = Receiver::start(vec![]).await;
    let app = app_with_hooks(&[hook(&receiver.url(), &["reset_requested"], None, 5)]).await;
    app.user("ann@northwind.test", OLD, true, false);

    reset_requested_by(&app, "ann@northwind.test").await;
    let req = receiver.wait_request(1).await;

    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/hooks/in");
    assert_eq!(req.header("content-type"), Some("application/json"));
    let id = req.header("webhook-id").unwrap();
    assert!(id.starts_with("msg_"), "{id}");
    let ts: i64 = req.header("webhook-timestamp").unwrap().parse().unwrap();
    assert!((ts - app.state.now().and_utc().timestamp()).abs() < 300);
    assert!(verify(&req), "{:?}", req.headers);

    let json = body(&req);
    assert_eq!(json["type"], "reset_requested");
    assert_eq!(json["data"]["email"], "ann@northwind.test");
    assert!(json["data"]["audit_event_id"].as_i64().is_some(), "{json}");
    assert!(json["timestamp"].as_str().unwrap().ends_with('Z'), "{json}");
    // No secret, no password, no token, no mail content.
    let raw = req.raw_text();
    for secret in [SECRET, KEY_B64, OLD, "password_hash", "reset/"] {
        assert!(!raw.contains(secret), "{secret} in {raw}");
    }
    assert_eq!(receiver.processed(), vec![id.to_string()]);

    let d = wait_delivery(&app, &receiver.url(), |d| d.status == "delivered").await;
    assert_eq!((d.attempts, d.last_status), (1, Some(204)));
    let metrics = app.management_get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("latchkey_webhook_deliveries_total{outcome=\"delivered\"}"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_receiver_that_fails_three_times_processes_the_event_exactly_once() {
    let receiver = Receiver::start(vec![Step::Fail, Step::Fail, Step::Fail]).await;
    let app = app_with_hooks(&[hook(&receiver.url(), &["reset_requested"], None, 5)]).await;
    app.user("ann@northwind.test", OLD, true, false);
    reset_requested_by(&app, "ann@northwind.test").await;

    let first = receiver.wait_request(1).await;
    for n in 2..=4 {
        // Each retry waits its backoff on the injected clock: move it past.
        app.clock.advance(chrono::Duration::hours(1));
        let again = receiver.wait_request(n).await;
        // The same message every time: same id, same body, a fresh valid signature.
        assert_eq!(again.header("webhook-id"), first.header("webhook-id"));
        assert_eq!(again.body, first.body);
        assert!(verify(&again));
    }
    let d = wait_delivery(&app, &receiver.url(), |d| d.status == "delivered").await;
    assert_eq!(d.attempts, 4);
    assert_eq!(d.last_error, None);

    // Nothing more is sent, however late it gets.
    app.clock.advance(chrono::Duration::days(2));
    app.drain_jobs().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.requests().len(), 4);
    assert_eq!(
        receiver.processed(),
        vec![first.header("webhook-id").unwrap().to_string()]
    );
    let metrics = app.management_get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("latchkey_webhook_deliveries_total{outcome=\"retried\"}"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_receiver_that_hangs_times_out_and_is_retried_while_the_server_answers() {
    let receiver = Receiver::start(vec![Step::Hang; 1000]).await;
    let app = app_with_hooks(&[hook(&receiver.url(), &["reset_requested"], None, 1)]).await;
    app.user("ann@northwind.test", OLD, true, false);
    reset_requested_by(&app, "ann@northwind.test").await;

    receiver.wait_request(1).await;
    // The attempt hangs on the worker; the service answers meanwhile.
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
    let page = app.get("/reset").await;
    assert_eq!(page.status(), 200);

    let d = wait_delivery(&app, &receiver.url(), |d| d.attempts >= 1).await;
    assert_eq!(d.status, "pending");
    assert_eq!(d.last_error.as_deref(), Some("no answer within 1 s"));

    // Retried: the same message again.
    app.clock.advance(chrono::Duration::hours(1));
    let second = receiver.wait_request(2).await;
    assert_eq!(
        second.header("webhook-id"),
        receiver.requests()[0].header("webhook-id")
    );
    assert!(receiver.processed().is_empty());
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let elsewhere = Receiver::start(vec![]).await;
    let target = format!("{}/stolen", elsewhere.stub.url);
    let redirecting = StubServer::start(move |_req: &StubRequest| {
        Reply::Respond(307, vec![("location".into(), target.clone())], vec![])
    })
    .await;
    let url = format!("{}/hooks/in", redirecting.url);
    let app = app_with_hooks(&[hook(&url, &["reset_requested"], None, 5)]).await;
    app.user("ann@northwind.test", OLD, true, false);
    reset_requested_by(&app, "ann@northwind.test").await;

    let d = wait_delivery(&app, &url, |d| d.attempts >= 1).await;
    assert_eq!(d.status, "pending");
    assert_eq!(d.last_status, Some(307));
    assert_eq!(
        d.last_error.as_deref(),
        Some("HTTP 307 (redirects are not followed)")
    );
    assert!(!redirecting.requests().is_empty());
    assert!(elsewhere.requests().is_empty());
}

#[tokio::test]
async fn webhooks_get_only_their_events_and_their_tenant() {
    let northwind_resets = Receiver::start(vec![]).await;
    let admin_sign_ins = Receiver::start(vec![]).await;
    let app = app_with_hooks(&[
        hook(
            &northwind_resets.url(),
            &["reset_requested"],
            Some("northwind.test"),
            5,
        ),
        hook(&admin_sign_ins.url(), &["admin_signed_in"], None, 5),
    ])
    .await;
    app.user("ann@northwind.test", OLD, true, false);
    app.user("bob@contoso.test", OLD, true, false);

    // Contoso's reset first: by the time Northwind's arrives, it has been read past.
    reset_requested_by(&app, "bob@contoso.test").await;
    reset_requested_by(&app, "ann@northwind.test").await;
    let admin = set_up(&app, "root@latchkey.test", None).await;
    let _b = signed_in(&app, &admin).await;

    let req = northwind_resets.wait_request(1).await;
    assert_eq!(body(&req)["data"]["email"], "ann@northwind.test");
    let req = admin_sign_ins.wait_request(1).await;
    assert_eq!(body(&req)["type"], "admin_signed_in");

    // Everything written so far has been read: the admin's sign-in came last.
    app.drain_jobs().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(northwind_resets.requests().len(), 1);
    assert!(admin_sign_ins
        .requests()
        .iter()
        .all(|r| body(r)["type"] == "admin_signed_in"));
}
