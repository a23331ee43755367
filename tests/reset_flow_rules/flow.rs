//! The order of the steps, no change before redemption, and CSRF on every reset form (docs/security.md#31).

use super::*;

#[tokio::test]
async fn steps_cannot_be_skipped() {
    // docs/security.md#26: posting straight to the TOTP or set-password step without a redeemed
    // token gives the invalid page; with a token but without the TOTP, set-password sends
    // back to the TOTP step and changes nothing.
    let (app, _secret) = totp_app().await;
    app.user(ALICE, OLD, true, false);
    let before = (app.password_hash(ERIN), app.password_hash(ALICE));
    // A browser that asked for a reset (it holds the flow cookie) but redeemed nothing.
    let (mut asker, _) = ask(&app, ALICE).await;
    let mut stranger = app.browser();
    for b in [&mut asker, &mut stranger] {
        assert_invalid(&b.get("/reset/new").await);
        assert_invalid(&b.get("/reset/verify").await);
        assert_invalid(&choose(b, NEW, NEW).await);
        assert_invalid(&post_totp(b, "123456").await);
    }
    let mut b = at_verify(&app, 1).await;
    let p = choose(&mut b, NEW, NEW).await;
    assert_eq!(p.status, 303);
    assert_eq!(p.location(), Some("/reset/verify"));
    assert_eq!((app.password_hash(ERIN), app.password_hash(ALICE)), before);
}

#[tokio::test]
async fn no_auto_login_and_no_change_before_redemption() {
    // docs/security.md#27: the success response sets no auth cookie; after `POST /reset` alone the
    // old password still works and nothing is locked.
    let app = app().await;
    app.user(ALICE, OLD, true, false);
    let before = app.password_hash(ALICE).unwrap();
    for n in 1..=3 {
        let (_, p) = ask(&app, ALICE).await;
        assert_eq!(p.status, 200);
        app.wait_mail_to(ALICE, n).await;
    }
    app.drain_jobs().await;
    let row = user_row(&app, ALICE);
    assert_eq!(row.password_hash.as_deref(), Some(before.as_str()));
    assert!(verifies(&app, &before, OLD).await);
    assert!(row.locked_until.is_none() && !row.disabled && row.bounced_at.is_none());
    assert!(row.verified_at.is_some());

    let m = reset_mail(&app, ALICE, 3).await;
    let mut b = open_link(&app, &m.link, "/reset/new").await;
    let p = choose(&mut b, NEW, NEW).await;
    assert_done(&p);
    for c in p.set_cookies() {
        let name = c.split('=').next().unwrap();
        assert!(
            !name.contains("session") && !name.contains("lk_admin"),
            "auth cookie set: {c}"
        );
        // The only cookies touched are removals of the reset ones.
        assert!(
            c.to_ascii_lowercase().contains("max-age=0") || c.contains("=;"),
            "{c}"
        );
    }
    let done = b.get("/reset/done").await;
    assert!(done.set_cookies().iter().all(|c| !c.contains("session")));
    assert!(done.body.contains("/signin"));
}

#[tokio::test]
async fn every_reset_form_needs_a_valid_csrf_token_and_a_same_site_request() {
    // docs/security.md#31: no token, a wrong token, a token of another browser, `Sec-Fetch-Site:
    // cross-site` or a foreign Origin → 403 and no side effect (no job, no mail, hash unchanged).
    let app = app().await;
    app.user(ALICE, OLD, true, false);
    let before = app.password_hash(ALICE);
    let mut b = app.browser();
    let good = csrf(&mut b).await;
    let mut other = app.browser();
    let foreign = csrf(&mut other).await;
    let email = [("email", ALICE)];
    // (what, csrf_token field, extra headers)
    type Forgery<'a> = (&'a str, Option<&'a str>, Vec<(&'a str, &'a str)>);
    let bad: Vec<Forgery> = vec![
        ("missing", None, vec![]),
        ("empty", Some(""), vec![]),
        ("wrong", Some("AAAA"), vec![]),
        ("another browser's", Some(&foreign), vec![]),
        (
            "cross-site",
            Some(&good),
            vec![("sec-fetch-site", "cross-site")],
        ),
        (
            "foreign origin",
            Some(&good),
            vec![("origin", "https://evil.tld")],
        ),
        // Browsers send `Origin: null` for same-site posts under `Referrer-Policy: no-referrer`
        // (tests/browser_reset.rs sees it), so a null origin alone is not refused: the token
        // decides. Coming from another site, it is.
        (
            "null origin from another site",
            Some(&good),
            vec![("origin", "null"), ("sec-fetch-site", "cross-site")],
        ),
    ];
    for (path, fields) in [
        ("/reset", &email[..]),
        ("/reset/code", &[("code", "ABCD-EFGH")][..]),
        ("/reset/verify", &[("code", "123456")][..]),
        (
            "/reset/new",
            &[("password", NEW), ("password_confirm", NEW)][..],
        ),
    ] {
        for (what, token, headers) in &bad {
            let mut all: Vec<(&str, &str)> = Vec::new();
            if let Some(t) = token {
                all.push(("csrf_token", t));
            }
            all.extend_from_slice(fields);
            let body = serde_urlencoded::to_string(&all).unwrap();
            let p = b.post_raw(path, body, headers).await;
            assert_eq!(p.status, 403, "{path} with a {what} token: {}", p.body);
        }
    }
    // A browser without the CSRF cookie at all.
    let mut fresh = app.browser();
    let body =
        serde_urlencoded::to_string([("csrf_token", good.as_str()), ("email", ALICE)]).unwrap();
    assert_eq!(fresh.post_raw("/reset", body, &[]).await.status, 403);
    app.drain_jobs().await;
    assert_eq!(jobs(&app), 0, "a refused POST queued a job");
    assert!(app.sink().messages().is_empty());

    // With a redeemed token: the forged set-password POST changes nothing and the token lives.
    let m = ask_and_mail(&app, ALICE, 1).await;
    let mut r = open_link(&app, &m.link, "/reset/new").await;
    for (what, token, headers) in &bad {
        let mut all: Vec<(&str, &str)> = Vec::new();
        if let Some(t) = token {
            all.push(("csrf_token", t));
        }
        all.extend_from_slice(&[("password", NEW), ("password_confirm", NEW)]);
        let body = serde_urlencoded::to_string(&all).unwrap();
        let p = r.post_raw("/reset/new", body, headers).await;
        assert_eq!(p.status, 403, "/reset/new with a {what} token");
    }
    assert_eq!(app.password_hash(ALICE), before);
    assert_eq!(r.get("/reset/new").await.status, 200, "the token died");
    // The legitimate same-site submission works (Sec-Fetch-Site: same-origin is fine).
    let token = csrf(&mut r).await;
    let body = serde_urlencoded::to_string([
        ("csrf_token", token.as_str()),
        ("password", NEW),
        ("password_confirm", NEW),
    ])
    .unwrap();
    let p = r
        .post_raw(
            "/reset/new",
            body,
            &[("sec-fetch-site", "same-origin"), ("origin", ORIGIN)],
        )
        .await;
    assert_done(&p);
}
