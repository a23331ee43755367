//! One budget for argon2 and an API limiter that counts callers (docs/security.md#29, #43):
//! unauthenticated sign-ins share a global ceiling and a bounded share of the hasher, past
//! which the answer is a fast 503 with `Retry-After` instead of a wait; made-up API keys are
//! limited per address, real keys per key.
//! Each test runs on SQLite, and on PostgreSQL when `LATCHKEY_TEST_PG` is set.

mod support;

use latchkey::onboarding::api_keys;
use secrecy::ExposeSecret as _;
use support::TestApp;

const PASSWORD: &str = "old-lantern-orchard-27";

/// A sign-in post without the browser dance (the CSRF check comes after the limiters, so a
/// refused post never reaches it; an accepted one gets the form's 403 or page).
async fn post(app: &TestApp, path: &str, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=nobody%40fabrikam.test&password=whatever-it-is-1");
    if let Some(ip) = forwarded_for {
        req = req.header("x-forwarded-for", ip);
    }
    req.send().await.unwrap()
}

fn retry_after(res: &reqwest::Response) -> Option<u64> {
    res.headers()
        .get("retry-after")?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

#[tokio::test]
async fn item_6_sign_ins_share_one_ceiling_past_which_they_get_503_with_retry_after() {
    let app = TestApp::spawn_with(
        "trusted_proxies = [\"127.0.0.1\"]\n\
         [rate_limits.sign_in_global]\nper_minute = 1\nburst = 3\n",
    )
    .await;
    // Three sign-ins from three addresses use up the instance's burst …
    for (i, path) in ["/signin", "/admin/login", "/signin"].iter().enumerate() {
        let res = post(&app, path, Some(&format!("198.51.100.{i}"))).await;
        assert_ne!(res.status(), 503, "{path}");
    }
    // … and the next ones, guest or admin, from any address, are refused at once.
    for (i, path) in ["/signin", "/admin/login"].iter().enumerate() {
        let res = post(&app, path, Some(&format!("203.0.113.{i}"))).await;
        assert_eq!(res.status(), 503, "{path}");
        assert!(retry_after(&res).is_some_and(|s| s >= 1), "{path}");
        let body = res.text().await.unwrap();
        assert!(body.contains("Temporarily unavailable"), "{body}");
    }
    // Nothing else is under that ceiling: the reset pages still answer.
    assert_eq!(app.get("/reset").await.status(), 200);
    assert_eq!(app.get("/signin").await.status(), 200);
}

#[tokio::test]
async fn item_6_past_the_hashers_sign_in_queue_a_sign_in_gets_a_fast_503() {
    // One hashing slot, no queue, and a slow hash: sign-ins sent at once cannot all run.
    let app = TestApp::spawn_with(
        "[rate_limits.public_forms]\nper_minute = 60000\nburst = 10000\n\
         [hashing]\nmax_concurrent = 1\nsign_in_queue = 0\nmemory_kib = 65536\niterations = 6\n",
    )
    .await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app.user("alice@fabrikam.test", PASSWORD, true, false);
    let mut b = app.browser();
    let csrf = b.get("/signin").await.csrf().unwrap();
    let mut tasks = Vec::new();
    for _ in 0..24 {
        let mut copy = b.clone();
        let csrf = csrf.clone();
        tasks.push(tokio::spawn(async move {
            let p = copy
                .post_form(
                    "/signin",
                    &csrf,
                    &[
                        ("email", "alice@fabrikam.test"),
                        ("password", "wrong-guess-123"),
                    ],
                )
                .await;
            (p.status, p.header("retry-after").map(str::to_string))
        }));
    }
    let mut busy = 0;
    for t in tasks {
        let (status, retry) = t.await.unwrap();
        match status {
            200 => {}
            503 => {
                busy += 1;
                assert!(retry.is_some_and(|s| s.parse::<u64>().is_ok_and(|s| s >= 1)));
            }
            other => panic!("status {other}"),
        }
    }
    assert!(busy > 0, "no sign-in was refused");
    // A refused sign-in spent nothing: it was answered before the account was looked at.
    let audited = app
        .audit_events()
        .into_iter()
        .filter(|e| e.event == "signin")
        .count();
    assert_eq!(audited, 24 - busy);
    // And once the flood is over the owner signs in.
    let p = b
        .post_form(
            "/signin",
            &csrf,
            &[("email", "alice@fabrikam.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(p.location(), Some("/account"), "{}", p.body);
}

/// Creates a platform API key; returns its secret.
fn api_key(app: &TestApp) -> String {
    let mut conn = app.state.db.get().unwrap();
    let k = api_keys::create(
        &mut conn,
        &app.state.settings,
        "test",
        None,
        "operator",
        app.state.now(),
    )
    .unwrap();
    k.secret.expose_secret().to_string()
}

async fn api_get(app: &TestApp, bearer: &str, from: &str) -> reqwest::Response {
    app.client
        .get(app.url("/api/v1/invitations"))
        .bearer_auth(bearer)
        .header("x-forwarded-for", from)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn item_7_made_up_api_keys_are_limited_per_address_and_real_keys_per_key() {
    let app = TestApp::spawn_with(
        "trusted_proxies = [\"127.0.0.1\"]\n\
         [rate_limits.api_unauthenticated]\nper_minute = 1\nburst = 3\n\
         [rate_limits.api]\nper_minute = 1\nburst = 2\n",
    )
    .await;
    let key = api_key(&app);
    // Made-up bearer values from one address: each is a 401 until the address's budget is
    // spent, then 429 with Retry-After, whatever value comes next.
    for i in 0..3 {
        let res = api_get(&app, &format!("made-up-{i}"), "198.51.100.7").await;
        assert_eq!(res.status(), 401, "made-up key {i}");
    }
    for i in 3..8 {
        let res = api_get(&app, &format!("made-up-{i}"), "198.51.100.7").await;
        assert_eq!(res.status(), 429, "made-up key {i}");
        assert!(retry_after(&res).is_some_and(|s| s >= 1));
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"], "rate_limited");
    }
    // A request without any key from that address is limited too.
    let res = app
        .client
        .get(app.url("/api/v1/invitations"))
        .header("x-forwarded-for", "198.51.100.7")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    // The real key still works from another address, until its own bucket is empty; a
    // third address does not give it a fresh one.
    assert_eq!(api_get(&app, &key, "203.0.113.5").await.status(), 200);
    assert_eq!(api_get(&app, &key, "203.0.113.5").await.status(), 200);
    let res = api_get(&app, &key, "203.0.113.6").await;
    assert_eq!(res.status(), 429);
    assert!(retry_after(&res).is_some());
}

#[tokio::test]
async fn item_7_the_body_is_checked_only_for_an_authenticated_key() {
    let app = TestApp::spawn().await;
    let key = api_key(&app);
    let big = format!("{{\"email\":\"{}@example.org\"}}", "a".repeat(100 * 1024));
    // Without a valid key: a 401, whatever the body.
    let res = app
        .client
        .post(app.url("/api/v1/invitations"))
        .bearer_auth("made-up")
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // With one, the body is read and an oversized one refused.
    let res = app
        .client
        .post(app.url("/api/v1/invitations"))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "payload_too_large");
}
