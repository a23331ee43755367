//! Response headers on every reset page: referrer, CSP, caching, HSTS (docs/security.md#38–#40).

use super::*;

/// Every page of the reset flow, as a guest meets it.
async fn reset_pages(app: &TestApp) -> Vec<(String, Page)> {
    let mut pages = Vec::new();
    let mut b = app.browser();
    pages.push(("GET /reset".to_string(), b.get("/reset").await));
    let token = csrf(&mut b).await;
    pages.push((
        "POST /reset".into(),
        b.post_form("/reset", &token, &[("email", ALICE)]).await,
    ));
    pages.push(("GET /reset/code".into(), b.get("/reset/code").await));
    pages.push((
        "POST /reset (field error)".into(),
        b.post_form("/reset", &token, &[("email", "not an address")])
            .await,
    ));
    pages.push((
        "POST /reset (domain page)".into(),
        b.post_form("/reset", &token, &[("email", "carol@contoso.test")])
            .await,
    ));
    pages.push((
        "POST /reset/code (wrong)".into(),
        b.post_form("/reset/code", &token, &[("code", "AAAA-AAAA")])
            .await,
    ));
    pages.push((
        "GET /reset/link/bad".into(),
        b.get("/reset/link/zzzz").await,
    ));
    let m = reset_mail(app, ALICE, 1).await;
    let mut r = app.browser();
    pages.push(("GET /reset/link/{t}".into(), r.get(&m.link).await));
    pages.push(("GET /reset/new".into(), r.get("/reset/new").await));
    pages.push((
        "POST /reset/new (refused)".into(),
        choose(&mut r, "short", "short").await,
    ));
    pages.push(("POST /reset/new".into(), choose(&mut r, NEW, NEW).await));
    pages.push(("GET /reset/done".into(), r.get("/reset/done").await));
    let mut v = app.browser();
    let em = ask_and_mail(app, ERIN, 1).await;
    v.get(&em.link).await;
    pages.push(("GET /reset/verify".into(), v.get("/reset/verify").await));
    pages.push((
        "POST /reset/verify (wrong)".into(),
        post_totp(&mut v, "000001").await,
    ));
    pages.push((
        "POST /reset (403)".into(),
        b.post_raw("/reset", "email=x".into(), &[]).await,
    ));
    pages.push((
        "POST /reset (413)".into(),
        b.post_raw("/reset", "a".repeat(32 * 1024), &[]).await,
    ));
    pages.push(("GET /reset/nope (404)".into(), b.get("/reset/nope").await));
    pages
}

fn is_html(p: &Page) -> bool {
    p.header("content-type")
        .is_some_and(|c| c.starts_with("text/html"))
}

/// Every `src=` and `href=` value in a page.
fn urls_in(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\"", "action=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            let tail = &rest[i + attr.len()..];
            let end = tail.find('"').unwrap_or(tail.len());
            // The element the attribute belongs to.
            let tag_start = rest[..i].rfind('<').unwrap_or(0);
            let tag_end = i + attr.len() + end + tail[end..].find('>').unwrap_or(0);
            out.push((
                tail[..end].to_string(),
                rest[tag_start..tag_end].to_string(),
            ));
            rest = &tail[end..];
        }
    }
    out
}

fn same_origin(url: &str) -> bool {
    (url.starts_with('/') && !url.starts_with("//"))
        || url.starts_with(&format!("{ORIGIN}/"))
        || url.starts_with('#')
}

#[tokio::test]
async fn reset_pages_send_no_referrer_and_load_nothing_from_elsewhere() {
    // docs/security.md#38: `Referrer-Policy: no-referrer` and every src/href same-origin. The one
    // link out (the helpdesk on the domain page) is a plain link with rel=noreferrer.
    let (app, _) = totp_app().await;
    app.user(ALICE, OLD, true, false);
    for (name, p) in reset_pages(&app).await {
        assert_eq!(p.header("referrer-policy"), Some("no-referrer"), "{name}");
        for (url, tag) in urls_in(&p.body) {
            if same_origin(&url) {
                continue;
            }
            assert!(
                tag.starts_with("<a ") && tag.contains("noreferrer"),
                "{name}: off-origin {url} in {tag}"
            );
        }
        // Scripts only from this origin's /static, never inline (docs/security.md#39).
        for (at, _) in p.body.match_indices("<script") {
            let tag = &p.body[at..];
            let tag = &tag[..tag.find("</script>").expect("a closed script") + 9];
            assert!(
                tag.starts_with("<script src=\"/static/") && tag.ends_with("\" defer></script>"),
                "{name}: script {tag}"
            );
        }
        assert!(!p.body.contains("<iframe"), "{name}: iframe");
    }
}

#[tokio::test]
async fn every_html_response_has_a_strict_csp() {
    // docs/security.md#39: object-src 'none'; base-uri 'none'; frame-ancestors 'none'; no script
    // 'unsafe-inline'; on every HTML response, error pages included.
    let (app, _) = totp_app().await;
    app.user(ALICE, OLD, true, false);
    let mut html_seen = 0;
    for (name, p) in reset_pages(&app).await {
        let csp = p.header("content-security-policy");
        if !is_html(&p) {
            continue;
        }
        html_seen += 1;
        let csp = csp.unwrap_or_else(|| panic!("{name}: no CSP"));
        let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
        for d in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(directives.contains(&d), "{name}: {d} missing in {csp}");
        }
        let script = directives
            .iter()
            .find(|d| d.starts_with("script-src "))
            .or_else(|| directives.iter().find(|d| d.starts_with("default-src ")))
            .unwrap_or_else(|| panic!("{name}: neither script-src nor default-src: {csp}"));
        assert!(!script.contains("unsafe-inline"), "{name}: {script}");
        assert!(!script.contains("unsafe-eval"), "{name}: {script}");
        assert!(!script.contains('*'), "{name}: {script}");
    }
    assert!(html_seen >= 12, "only {html_seen} HTML responses");
}

#[tokio::test]
async fn reset_pages_are_never_cached_and_pin_https() {
    // docs/security.md#40: HSTS (≥ 1 year, includeSubDomains), nosniff and no-store.
    let (app, _) = totp_app().await;
    app.user(ALICE, OLD, true, false);
    for (name, p) in reset_pages(&app).await {
        let hsts = p
            .header("strict-transport-security")
            .unwrap_or_else(|| panic!("{name}: no HSTS"));
        let max_age: u64 = hsts
            .split(';')
            .find_map(|d| d.trim().strip_prefix("max-age="))
            .unwrap_or_else(|| panic!("{name}: {hsts}"))
            .parse()
            .unwrap();
        assert!(max_age >= 31_536_000, "{name}: {hsts}");
        assert!(hsts.contains("includeSubDomains"), "{name}: {hsts}");
        assert_eq!(
            p.header("x-content-type-options"),
            Some("nosniff"),
            "{name}"
        );
        let cache = p
            .header("cache-control")
            .unwrap_or_else(|| panic!("{name}: no Cache-Control"));
        assert!(cache.contains("no-store"), "{name}: {cache}");
    }
}
