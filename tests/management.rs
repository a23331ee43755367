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
    // The registry is process-wide: another test of this file may hold a job at this moment,
    // so the gauge's value is not asserted here, only that it is served.
    let text = app.metrics().await;
    assert!(text.contains("latchkey_jobs_queue_depth "), "{text}");
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

/// The request id: an incoming `X-Request-Id` is kept and echoed, else the trace id of a W3C
/// `traceparent`, else a fresh id.
#[tokio::test]
async fn request_ids_follow_the_caller_or_are_fresh() {
    let app = TestApp::spawn().await;
    let get = |headers: &'static [(&'static str, &'static str)]| {
        let mut req = app.client.get(app.url("/reset"));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        async move {
            let res = req.send().await.unwrap();
            res.headers()["x-request-id"].to_str().unwrap().to_string()
        }
    };
    assert_eq!(get(&[("x-request-id", "lb-7f3a")]).await, "lb-7f3a");
    assert_eq!(
        get(&[(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        )])
        .await,
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    let fresh = get(&[("x-request-id", "not plain <script>")]).await;
    assert!(uuid::Uuid::parse_str(&fresh).is_ok(), "{fresh}");
    assert_ne!(get(&[]).await, get(&[]).await);
}

/// After a reset flow, the business metrics are on the management listener by name.
#[tokio::test]
async fn business_metrics_are_named_after_a_flow() {
    let app = TestApp::spawn_with("[jobs]\npoll_interval_ms = 50\n").await;
    let mut browser = app.browser();
    let form = browser.get("/reset").await;
    let res = browser
        .post_form(
            "/reset",
            &form.csrf().unwrap(),
            &[("email", "nobody@example.com")],
        )
        .await;
    assert!(res.status < 400, "{}", res.status);
    let names = [
        "latchkey_http_requests_total",
        "latchkey_http_request_duration_seconds_bucket",
        "latchkey_jobs_total{outcome=\"done\"}",
        "latchkey_jobs_queue_depth",
        "latchkey_jobs_oldest_age_seconds",
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_open_fds",
    ];
    // The decision is counted when the job decides, the job's outcome once it has finished:
    // wait for every name, not the first.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let text = loop {
        let text = app.metrics().await;
        if text.contains("latchkey_reset_requests_total{decision=\"unknown_account\"}")
            && names.iter().all(|name| text.contains(name))
        {
            break text;
        }
        assert!(std::time::Instant::now() < deadline, "{text}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    for name in names {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
}
