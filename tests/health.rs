//! Liveness, error pages, security headers and the body limit (readiness and metrics:
//! tests/management.rs).

mod support;
use support::TestApp;

#[tokio::test]
async fn healthz_answers_ok() {
    let app = TestApp::spawn().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "ok\n");
}

#[tokio::test]
async fn unknown_page_is_a_friendly_404_without_internals() {
    let app = TestApp::spawn().await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), 404);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let body = res.text().await.unwrap();
    assert!(body.contains("Page not found"));
    assert!(!body.contains("actix") && !body.contains("panicked"));
}

#[tokio::test]
async fn wrong_method_is_405_page() {
    let app = TestApp::spawn().await;
    let res = app.client.post(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 405);
    assert!(res.text().await.unwrap().contains("Not allowed"));
}

// docs/security.md#38, #39, #40: headers on every HTML response.
#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    for path in ["/", "/no/such/page", "/healthz"] {
        let res = app.get(path).await;
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        for part in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["cache-control"], "no-store");
        // public_base_url is https in tests, so HSTS is on.
        let hsts = h["strict-transport-security"].to_str().unwrap();
        assert!(hsts.contains("max-age=63072000") && hsts.contains("includeSubDomains"));
        assert!(h.contains_key("x-request-id"));
    }
}

// docs/security.md#38: no third-party resources: every src/href is same-origin.
#[tokio::test]
async fn landing_page_links_only_to_this_origin() {
    let app = TestApp::spawn().await;
    let body = app.get("/").await.text().await.unwrap();
    assert!(body.contains("Forgot your password?"));
    assert!(body.contains("/admin/login"));
    for attr in ["src=\"", "href=\""] {
        for part in body.split(attr).skip(1) {
            let target = part.split('"').next().unwrap();
            // Same origin: a path, or a fragment of this page (the skip link).
            assert!(
                target.starts_with('/') || target.starts_with('#'),
                "off-origin reference {target}"
            );
        }
    }
    let css = app.get("/static/style.css").await;
    assert_eq!(css.status(), 200);
    assert!(css.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
}

// docs/security.md#43: a body over 16 KiB gets a 413.
#[tokio::test]
async fn oversized_form_body_is_413() {
    let app = TestApp::spawn().await;
    let body = format!("email={}", "a".repeat(17 * 1024));
    let res = app
        .client
        .post(app.url("/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert!(res.text().await.unwrap().contains("Too much data"));
}
