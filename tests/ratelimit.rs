//! In-process rate limits over HTTP (docs/security.md#29, #36; docs/operations.md#rate-limits): each route group
//! under and over its quota, `Retry-After`, recovery, the client IP rule, metrics and the
//! once-per-window audit. The limiter runs before routing, so these tests use the group's paths
//! whether or not their handlers exist yet.

mod support;
use latchkey::db::audit;
use std::time::Duration;
use support::TestApp;

/// Every group 2 at once and 120 a minute (one more every 0.5 s), unless overridden.
fn tiny(extra: &str) -> String {
    let mut toml = String::new();
    for group in [
        "public_forms",
        "token_pages",
        "admin_login",
        "admin",
        "api",
        "api_unauthenticated",
        "reset_global",
    ] {
        let quota = if extra.contains(&format!("[rate_limits.{group}]")) {
            String::new()
        } else {
            format!("[rate_limits.{group}]\nper_minute = 120\nburst = 2\n")
        };
        toml.push_str(&quota);
    }
    format!("{extra}\n{toml}")
}

async fn send(app: &TestApp, method: &str, path: &str) -> reqwest::Response {
    send_with(app, method, path, &[]).await
}

async fn send_with(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = app
        .client
        .request(method.parse().unwrap(), app.url(path))
        .body("");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Two requests pass, the third is 429 with `Retry-After: 1`, and after the period one more
/// passes.
async fn assert_group_limits(app: &TestApp, method: &str, path: &str) {
    for i in 0..2 {
        let res = send(app, method, path).await;
        assert_ne!(res.status(), 429, "{method} {path} request {i} under quota");
    }
    let res = send(app, method, path).await;
    assert_eq!(res.status(), 429, "{method} {path} over quota");
    assert_eq!(retry_after(&res), 1, "{method} {path}");
    tokio::time::sleep(Duration::from_millis(600)).await;
    let res = send(app, method, path).await;
    assert_ne!(res.status(), 429, "{method} {path} recovered");
    assert_eq!(send(app, method, path).await.status(), 429);
}

// docs/security.md#29: a per-IP limit on every POST.
#[tokio::test]
async fn public_forms_are_limited_per_ip_and_recover() {
    let app = TestApp::spawn_with(&tiny("")).await;
    assert_group_limits(&app, "POST", "/signin").await;
    // The group shares one quota across its forms.
    assert_eq!(send(&app, "POST", "/reset/code").await.status(), 429);
    assert_eq!(send(&app, "POST", "/signup").await.status(), 429);
    // GET pages are not in the group.
    assert_eq!(send(&app, "GET", "/").await.status(), 200);
}

// docs/security.md#9: guessing tokens is throttled.
#[tokio::test]
async fn token_pages_are_limited_per_ip_and_recover() {
    let app = TestApp::spawn_with(&tiny("")).await;
    assert_group_limits(&app, "GET", "/reset/link/some-token").await;
    assert_eq!(send(&app, "POST", "/reset/verify").await.status(), 429);
    assert_eq!(send(&app, "GET", "/reset/new").await.status(), 429);
}

#[tokio::test]
async fn admin_login_is_limited_per_ip_and_recovers() {
    let app = TestApp::spawn_with(&tiny("")).await;
    assert_group_limits(&app, "POST", "/admin/login").await;
    assert_eq!(send(&app, "POST", "/admin/login/totp").await.status(), 429);
    // The console pages have their own quota.
    assert_ne!(send(&app, "GET", "/admin/audit").await.status(), 429);
}

#[tokio::test]
async fn admin_pages_are_limited_per_ip_and_recover() {
    let app = TestApp::spawn_with(&tiny("")).await;
    assert_group_limits(&app, "GET", "/admin/audit").await;
}

#[tokio::test]
async fn api_without_a_known_key_is_limited_per_ip_with_a_json_error() {
    let app = TestApp::spawn_with(&tiny("")).await;
    assert_group_limits(&app, "GET", "/api/v1/invitations").await;
    // A made-up bearer value buys no fresh quota: the address is limited, whatever it sends
    // (per-key buckets are for authenticated keys: tests/security_round2_budget.rs).
    for key in ["Bearer key-a", "Bearer key-b"] {
        let res = send_with(
            &app,
            "POST",
            "/api/v1/invitations",
            &[("authorization", key)],
        )
        .await;
        assert_eq!(res.status(), 429, "{key}");
        let n = retry_after(&res);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"], "rate_limited");
        assert_eq!(body["retry_after"], n);
    }
}

#[tokio::test]
async fn post_reset_has_a_global_ceiling_across_addresses() {
    let app = TestApp::spawn_with(&tiny(
        "trusted_proxies = [\"127.0.0.1\"]\n\
         [rate_limits.public_forms]\nper_minute = 600\nburst = 100\n",
    ))
    .await;
    for i in 0..2 {
        let ip = format!("198.51.100.{i}");
        let res = send_with(&app, "POST", "/reset", &[("x-forwarded-for", &ip)]).await;
        assert_ne!(res.status(), 429);
    }
    let res = send_with(
        &app,
        "POST",
        "/reset",
        &[("x-forwarded-for", "198.51.100.77")],
    )
    .await;
    assert_eq!(
        res.status(),
        429,
        "a fresh address meets the global ceiling"
    );
    assert_eq!(retry_after(&res), 1);
    // Other forms are not behind the ceiling.
    let res = send_with(
        &app,
        "POST",
        "/signin",
        &[("x-forwarded-for", "198.51.100.77")],
    )
    .await;
    assert_ne!(res.status(), 429);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let res = send_with(
        &app,
        "POST",
        "/reset",
        &[("x-forwarded-for", "198.51.100.9")],
    )
    .await;
    assert_ne!(res.status(), 429);
}

#[tokio::test]
async fn retry_after_is_the_wait_in_seconds_and_the_page_says_it_in_words() {
    let app = TestApp::spawn_with(&tiny(
        "[rate_limits.public_forms]\nper_minute = 1\nburst = 1\n",
    ))
    .await;
    assert_ne!(send(&app, "POST", "/reset").await.status(), 429);
    let res = send(&app, "POST", "/reset").await;
    assert_eq!(res.status(), 429);
    // One a minute: the next one is due in (just under) 60 seconds, rounded up.
    assert_eq!(retry_after(&res), 60);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let body = res.text().await.unwrap();
    assert!(body.contains("Too many attempts"), "{body}");
    assert!(body.contains("Please wait 60 seconds"), "{body}");
}

// docs/security.md#29: rotating X-Forwarded-For from an untrusted peer does not reset the limit.
#[tokio::test]
async fn spoofed_forwarded_for_from_an_untrusted_peer_does_not_change_the_key() {
    let app = TestApp::spawn_with(&tiny("")).await;
    for i in 0..2 {
        let ip = format!("203.0.113.{i}");
        let res = send_with(&app, "POST", "/signin", &[("x-forwarded-for", &ip)]).await;
        assert_ne!(res.status(), 429);
    }
    for i in 2..6 {
        let ip = format!("203.0.113.{i}");
        let res = send_with(&app, "POST", "/signin", &[("x-forwarded-for", &ip)]).await;
        assert_eq!(res.status(), 429, "spoofed {ip} must not buy a fresh quota");
    }
}

// docs/security.md#29: behind a trusted proxy the right-most untrusted entry is the key.
#[tokio::test]
async fn a_trusted_proxy_forwards_the_right_most_untrusted_address() {
    let app =
        TestApp::spawn_with(&tiny("trusted_proxies = [\"127.0.0.0/8\", \"10.0.0.0/8\"]")).await;
    // The client prepends whatever it likes; the proxies appended 192.0.2.10 then 10.0.0.5.
    for spoof in ["1.1.1.1", "2.2.2.2"] {
        let xff = format!("{spoof}, 192.0.2.10, 10.0.0.5");
        let res = send_with(&app, "POST", "/signin", &[("x-forwarded-for", &xff)]).await;
        assert_ne!(res.status(), 429);
    }
    let res = send_with(
        &app,
        "POST",
        "/signin",
        &[("x-forwarded-for", "3.3.3.3, 192.0.2.10, 10.0.0.5")],
    )
    .await;
    assert_eq!(res.status(), 429, "same client behind the proxy");
    // A different real client behind the same proxy has its own quota.
    let res = send_with(
        &app,
        "POST",
        "/signin",
        &[("x-forwarded-for", "192.0.2.11, 10.0.0.5")],
    )
    .await;
    assert_ne!(res.status(), 429);
}

// docs/security.md#36: a rate-limit hit is audited, once per key and window, and counted.
#[tokio::test]
async fn limit_hits_are_counted_in_metrics_and_audited_once_per_key_and_window() {
    let app = TestApp::spawn_with(&tiny("")).await;
    // The recorder is per process (tests beside this one count too): compare before and after.
    let before = rate_limited(&app.metrics().await);
    for _ in 0..2 {
        send(&app, "POST", "/signin").await;
    }
    for _ in 0..5 {
        assert_eq!(send(&app, "POST", "/signin").await.status(), 429);
    }
    let after = rate_limited(&app.metrics().await);
    assert!(after >= before + 5, "{before} → {after}");

    let rows = wait_for_audit(&app, 1).await;
    assert_eq!(rows.len(), 1, "one row for five hits");
    let row = &rows[0];
    assert_eq!(row.outcome, "denied");
    assert_eq!(row.reason.as_deref(), Some("public_forms"));
    assert_eq!(row.ip.as_deref(), Some("127.0.0.1"));

    // Another limiter is another key: its own row.
    for _ in 0..3 {
        send(&app, "GET", "/admin/audit").await;
    }
    let rows = wait_for_audit(&app, 2).await;
    assert_eq!(rows.len(), 2);
}

/// `latchkey_rate_limited_total{limiter="public_forms"}` in a metrics text.
fn rate_limited(metrics: &str) -> u64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("latchkey_rate_limited_total{limiter=\"public_forms\"} "))
        .map_or(0, |n| n.trim().parse().unwrap())
}

/// The `rate_limited` audit rows once there are at least `n` (they are written off the
/// response path), after a short grace for any extra row to show up.
async fn wait_for_audit(app: &TestApp, n: usize) -> Vec<latchkey::db::models::AuditEvent> {
    let load = || async {
        app.state
            .db
            .run(|c| audit::latest(c, 100))
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.event == "rate_limited")
            .collect::<Vec<_>>()
    };
    for _ in 0..50 {
        if load().await.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    load().await
}

#[tokio::test]
async fn disabled_limits_never_refuse() {
    let app = TestApp::spawn_with(&tiny("[rate_limits]\nenabled = false")).await;
    for _ in 0..20 {
        assert_ne!(send(&app, "POST", "/reset").await.status(), 429);
        assert_ne!(send(&app, "GET", "/reset/link/x").await.status(), 429);
        assert_ne!(send(&app, "POST", "/admin/login").await.status(), 429);
        assert_ne!(send(&app, "GET", "/api/v1/x").await.status(), 429);
    }
    assert_eq!(app.state.rate_limits.local.total_keys(), 0);
}

#[tokio::test]
async fn default_quotas_let_a_real_guest_through() {
    let app = TestApp::spawn().await;
    // A guest who mistypes a few times: well within the defaults.
    for _ in 0..10 {
        assert_ne!(send(&app, "POST", "/reset").await.status(), 429);
        assert_ne!(send(&app, "GET", "/reset/link/x").await.status(), 429);
    }
}

// The timer started with the server prunes idle keys (memory bound in production).
#[tokio::test]
async fn the_server_prunes_idle_keys_on_its_timer() {
    let app = TestApp::spawn_with(
        "trusted_proxies = [\"127.0.0.1\"]\n\
         [rate_limits]\nprune_interval_seconds = 1\n\
         [rate_limits.public_forms]\nper_minute = 6000\nburst = 1\n",
    )
    .await;
    for i in 0..50 {
        let ip = format!("198.51.100.{i}");
        send_with(&app, "POST", "/signin", &[("x-forwarded-for", &ip)]).await;
    }
    assert_eq!(
        app.state
            .rate_limits
            .local
            .len(latchkey::ratelimit::Limiter::PublicForms),
        50
    );
    let mut left = usize::MAX;
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = app.state.rate_limits.local.total_keys();
        if left == 0 {
            break;
        }
    }
    assert_eq!(left, 0, "pruned by the housekeeping timer");
}
