//! Webhooks, black-box: audit events leave the service as signed POSTs to local receivers
//! (tests/support/http_stub.rs), through the job queue, retried until they are taken, never to a
//! URL that is not configured; the console lists each webhook's deliveries and sends a test
//! event. Retries are driven by the injected clock, never by real waiting. Runs on PostgreSQL
//! too (LATCHKEY_TEST_PG).

mod admin_support;
mod sec_support;
mod support;

use admin_support::{set_up, signed_in};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sec_support::*;
use sha2::Sha256;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::http_stub::{Reply, StubRequest, StubServer};
use support::TestApp;

/// A Standard Webhooks secret, and its key (the base64 part) as a receiver holds it.
const SECRET: &str = "whsec_C2FSd3VlYm9va3MtdGVzdC1zZWNyZXQtMzItYnl0ZXM=";
const KEY_B64: &str = "C2FSd3VlYm9va3MtdGVzdC1zZWNyZXQtMzItYnl0ZXM=";

/// What a receiver does with its n-th request (from 0); `Ok` after the script.
#[derive(Clone, Copy)]
enum Step {
    Fail,
    Hang,
}

/// A receiver that checks signatures and, like a real one, processes each `webhook-id` once.
struct Receiver {
    stub: StubServer,
    /// The ids it accepted (answered 2xx for) and processed, in order.
    processed: Arc<Mutex<Vec<String>>>,
}

impl Receiver {
    async fn start(script: Vec<Step>) -> Receiver {
        let processed = Arc::new(Mutex::new(Vec::<String>::new()));
        let seen = processed.clone();
        let n = AtomicUsize::new(0);
        let stub = StubServer::start(move |req: &StubRequest| {
            let i = n.fetch_add(1, Ordering::SeqCst);
            match script.get(i) {
                Some(Step::Fail) => Reply::text(500, "try later"),
                Some(Step::Hang) => Reply::Hang,
                None => {
                    if verify(req) {
                        let id = req.header("webhook-id").unwrap().to_string();
                        let mut done = seen.lock().unwrap();
                        // Idempotency: an id already processed is acknowledged, not redone.
                        if !done.contains(&id) {
                            done.push(id);
                        }
                        Reply::text(204, "")
                    } else {
                        Reply::text(401, "bad signature")
                    }
                }
            }
        })
        .await;
        Receiver { stub, processed }
    }

    fn url(&self) -> String {
        format!("{}/hooks/in", self.stub.url)
    }

    fn requests(&self) -> Vec<StubRequest> {
        self.stub.requests()
    }

    fn processed(&self) -> Vec<String> {
        self.processed.lock().unwrap().clone()
    }

    /// Waits for the n-th request (from 1).
    async fn wait_request(&self, n: usize) -> StubRequest {
        for _ in 0..600 {
            let got = self.requests();
            if got.len() >= n {
                return got[n - 1].clone();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no request #{n}; got {}", self.requests().len());
    }
}

/// The receiver's check: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` under the key.
fn verify(req: &StubRequest) -> bool {
    let (Some(id), Some(ts), Some(sig)) = (
        req.header("webhook-id"),
        req.header("webhook-timestamp"),
        req.header("webhook-signature"),
    ) else {
        return false;
    };
    let key = base64::engine::general_purpose::STANDARD
        .decode(KEY_B64)
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(&req.body);
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    // The header may list several signatures separated by spaces.
    sig.split(' ').any(|s| s == format!("v1,{expected}"))
}

fn hook(url: &str, events: &[&str], tenant: Option<&str>, timeout: u64) -> String {
    let events: Vec<String> = events.iter().map(|e| format!("\"{e}\"")).collect();
    let tenant = tenant.map_or(String::new(), |t| format!("tenant = \"{t}\"\n"));
    format!(
        "[[webhooks]]\nurl = \"{url}\"\nsecret = \"{SECRET}\"\nevents = [{}]\n{tenant}timeout_seconds = {timeout}\n",
        events.join(", ")
    )
}

/// The app, with `hooks` (TOML `[[webhooks]]` tables, which must come last).
async fn app_with_hooks(hooks: &[String]) -> TestApp {
    let config = format!("[jobs]\npoll_interval_ms = 50\n{}", hooks.concat());
    app_with(&config).await
}

fn deliveries(app: &TestApp, url: &str) -> Vec<latchkey::db::webhooks::Delivery> {
    let mut conn = app.state.db.get().unwrap();
    latchkey::db::webhooks::recent(&mut conn, url, 100).unwrap()
}

/// Waits until the newest delivery to `url` satisfies `done`.
async fn wait_delivery(
    app: &TestApp,
    url: &str,
    done: impl Fn(&latchkey::db::webhooks::Delivery) -> bool,
) -> latchkey::db::webhooks::Delivery {
    for _ in 0..600 {
        if let Some(d) = deliveries(app, url).into_iter().next() {
            if done(&d) {
                return d;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "delivery to {url} never got there: {:?}",
        deliveries(app, url)
    );
}

fn body(req: &StubRequest) -> serde_json::Value {
    serde_json::from_slice(&req.body).unwrap()
}

async fn reset_requested_by(app: &TestApp, email: &str) {
    let (_, p) = ask(app, email).await;
    assert_eq!(p.status, 200, "{}", p.body);
    // The request is evaluated by a job; wait for its audit event (not for an empty queue:
    // a delivery to a failing receiver stays queued).
    for _ in 0..600 {
        let written = app
            .audit_events()
            .iter()
            .any(|e| e.event == "reset_requested" && e.email.as_deref() == Some(email));
        if written {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no reset_requested event for {email}");
}

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
    assert!(page.body.contains(&failed.id), "{}", page.body);
    assert!(page.body.contains("HTTP 500"), "{}", page.body);
    assert!(page.body.contains(&delivered.id), "{}", page.body);
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
    wait_delivery(&app, &url, |d| d.id == test_id && d.status == "delivered").await;
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
    assert!(failure.detail.unwrap().contains(&d.id));
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
