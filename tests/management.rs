//! The management listener (`management_bind`): `/metrics`, `/readyz` and `/healthz` live
//! there, off the public listener, and metric labels come from fixed sets.

mod support;
use support::TestApp;

/// Operations endpoints are off the public listener: queue depth and job outcomes move only
/// for existing accounts, so on the public port they would leak account existence.
#[tokio::test]
async fn item_1_metrics_are_not_on_the_public_listener() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/metrics").await.status(), 404);
    assert_eq!(app.get("/readyz").await.status(), 404);
    // Load balancers keep their liveness probe on the public port.
    assert_eq!(app.get("/healthz").await.status(), 200);

    assert_ne!(app.management_address, app.address);
    for path in ["/healthz", "/readyz", "/metrics"] {
        assert_eq!(app.management_get(path).await.status(), 200, "{path}");
    }
    let text = app.metrics().await;
    assert!(text.contains("latchkey_jobs_queue_depth 0"), "{text}");
    // The public pages are not served on the management port.
    assert_eq!(app.management_get("/reset").await.status(), 404);
}

#[tokio::test]
async fn item_1_readyz_is_ready_with_a_database_and_503_without() {
    let app = TestApp::spawn().await;
    assert_eq!(app.management_get("/readyz").await.status(), 200);
    app.db.break_it(app.dir.path());
    let res = app.management_get("/readyz").await;
    assert_eq!(res.status(), 503);
    let body = res.text().await.unwrap();
    assert!(!body.to_lowercase().contains("diesel"), "{body}");
    // Liveness does not depend on the database.
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.management_get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn item_2_metrics_are_prometheus_text_labelled_by_route_pattern() {
    let app = TestApp::spawn().await;
    app.get("/healthz").await;
    app.get("/no/such/page").await;
    app.get("/reset/link/some-secret-token-value").await;
    let text = app.metrics().await;
    assert!(
        text.contains(
            "latchkey_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"2xx\"}"
        ),
        "{text}"
    );
    assert!(
        text.contains("route=\"unmatched\",status=\"4xx\""),
        "{text}"
    );
    // The route's pattern, never the raw path (which may carry a token).
    assert!(text.contains("route=\"/reset/link/{token}\""), "{text}");
    assert!(!text.contains("some-secret-token-value"), "{text}");
    assert!(
        text.contains("latchkey_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",status=\"2xx\",le=\"+Inf\"}"),
        "{text}"
    );
}

/// Made-up HTTP methods get a cheap 405, are counted in the public per-address limiter, and
/// add no metric series: the method label is one of GET, HEAD, POST, other.
#[tokio::test]
async fn item_2_made_up_methods_do_not_grow_metrics() {
    let app =
        TestApp::spawn_with("[rate_limits]\npublic_forms = { per_minute = 1, burst = 50 }\n").await;
    let mut statuses = std::collections::BTreeMap::new();
    for i in 0..200 {
        let method = reqwest::Method::from_bytes(format!("MADEUP{i}").as_bytes()).unwrap();
        let res = app
            .client
            .request(method, app.url("/reset"))
            .send()
            .await
            .unwrap();
        *statuses.entry(res.status().as_u16()).or_insert(0) += 1;
    }
    // The first ones within the public burst get 405, the rest are rate limited.
    assert_eq!(statuses.get(&405), Some(&50), "{statuses:?}");
    assert_eq!(statuses.get(&429), Some(&150), "{statuses:?}");

    let text = app.metrics().await;
    assert!(!text.contains("MADEUP"), "a made-up method became a label");
    for line in text.lines().filter(|l| l.contains("method=\"")) {
        let method = line
            .split("method=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(["GET", "HEAD", "POST", "other"].contains(&method), "{line}");
    }
    assert!(text.contains("method=\"other\""), "{text}");
}

/// The request id: an incoming `X-Request-Id` is kept and echoed; without one, a fresh id.
#[tokio::test]
async fn request_ids_are_echoed() {
    let app = TestApp::spawn().await;
    let res = app.get("/healthz").await;
    assert!(!res.headers()["x-request-id"].is_empty());
}
