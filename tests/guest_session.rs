//! Guest sign-in, sessions and sign-out, black-box over HTTP (docs/security.md#12, #31–#33, #37).

mod support;
use support::browser::Page;
use support::smtp::link_with;
use support::TestApp;

const PASSWORD: &str = "old-lantern-orchard-27";
const NEW: &str = "brisk-meadow-compass-81";
/// The start of the one failure sentence (the apostrophe after it is HTML-escaped).
const FAILED: &str = "That email and password don";
/// The session cookie's name over https (the harness's public_base_url).
const SESSION: &str = "__Host-lk_session";

async fn app() -> TestApp {
    let app = TestApp::spawn_with_mail("").await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app.tenant("Contoso", "contoso.test", "managed", "free");
    app
}

#[tokio::test]
async fn a_guest_signs_in_and_sees_the_account_page() {
    let app = app().await;
    app.user("alice@fabrikam.test", PASSWORD, true, false);
    let mut b = app.browser();
    let form = b.get("/signin").await;
    assert!(form.body.contains("autocomplete=\"username\""));
    assert!(form.body.contains("autocomplete=\"current-password\""));
    assert!(form.body.contains("<label for=\"password\">"));

    // Without a session, /account sends the browser to sign in.
    b.get("/account").await.assert_see_other("/signin");

    let p = b.sign_in("alice@fabrikam.test", PASSWORD).await;
    p.assert_see_other("/account");
    assert!(b.cookies.contains_key(SESSION));
    let account = b.get("/account").await;
    assert_eq!(account.status, 200, "{}", account.body);
    assert!(account.body.contains("alice@fabrikam.test"));
    assert!(account.body.contains("Fabrikam"));
    assert!(account.body.contains("Email link and code"));
    assert!(account
        .body
        .contains("You can reset your password yourself"));
    // Signed in, /signin goes straight on to the account.
    b.get("/signin").await.assert_see_other("/account");

    // NFKC: the fullwidth form of the password is the same password (docs/policy.md#passwords).
    let fullwidth: String = PASSWORD
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap()
            } else {
                c
            }
        })
        .collect();
    let p = app
        .browser()
        .sign_in("alice@fabrikam.test", &fullwidth)
        .await;
    p.assert_see_other("/account");

    // docs/security.md#37: the audit has the sign-in, and no password anywhere.
    let events = app.audit_events();
    assert!(events
        .iter()
        .any(|e| e.event == "signin" && e.outcome == "success" && e.user_id.is_some()));
    for e in &events {
        let row = format!("{e:?}");
        assert!(!row.contains(PASSWORD), "{row}");
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_account_get_the_same_answer() {
    // docs/security.md#12 (no enumeration at sign-in)
    let app = app().await;
    app.user("bob@fabrikam.test", PASSWORD, true, false);
    let wrong = app
        .browser()
        .sign_in("bob@fabrikam.test", "not-the-password-1")
        .await;
    let unknown = app
        .browser()
        .sign_in("nobody@fabrikam.test", PASSWORD)
        .await;
    let malformed = app.browser().sign_in("not an address", PASSWORD).await;
    for p in [&wrong, &unknown, &malformed] {
        assert_eq!(p.status, 200);
        assert!(p.body.contains(FAILED), "{}", p.body);
        assert!(
            p.set_cookies().iter().all(|c| !c.contains("lk_session")),
            "{:?}",
            p.set_cookies()
        );
    }
    assert_eq!(
        wrong.masked("bob@fabrikam.test"),
        unknown.masked("nobody@fabrikam.test")
    );
    let failures: Vec<_> = app
        .audit_events()
        .into_iter()
        .filter(|e| e.event == "signin" && e.outcome == "failure")
        .collect();
    assert_eq!(failures.len(), 3);
    assert_eq!(failures[0].reason.as_deref(), Some("wrong_password"));
    assert_eq!(failures[1].reason.as_deref(), Some("unknown_account"));
    // A typed address of no account is not recorded (it may be a mistyped password).
    assert!(failures[1].email.is_none() && failures[1].user_id.is_none());
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in_and_its_sessions_end() {
    let app = app().await;
    app.user("carl@fabrikam.test", PASSWORD, true, false);
    let mut b = app.browser();
    b.sign_in("carl@fabrikam.test", PASSWORD)
        .await
        .assert_see_other("/account");
    app.sql("UPDATE users SET disabled = true WHERE email = 'carl@fabrikam.test'");
    b.get("/account").await.assert_see_other("/signin");
    let p = app.browser().sign_in("carl@fabrikam.test", PASSWORD).await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains(FAILED));
    let unknown = app
        .browser()
        .sign_in("nobody@fabrikam.test", PASSWORD)
        .await;
    assert_eq!(
        p.masked("carl@fabrikam.test"),
        unknown.masked("nobody@fabrikam.test")
    );
}

#[tokio::test]
async fn each_sign_in_gets_a_fresh_session_value() {
    // No session fixation: the value after sign-in is new, even over an existing session.
    let app = app().await;
    app.user("dana@fabrikam.test", PASSWORD, true, false);
    let mut b = app.browser();
    b.sign_in("dana@fabrikam.test", PASSWORD).await;
    let first = b.cookies[SESSION].clone();
    b.cookies.remove(SESSION);
    b.sign_in("dana@fabrikam.test", PASSWORD).await;
    assert_ne!(first, b.cookies[SESSION]);
    // A tampered value is no session.
    let mut bad = b.clone();
    let v = bad.cookies[SESSION].clone();
    let flipped = if v.ends_with('A') { "B" } else { "A" };
    bad.cookies
        .insert(SESSION.into(), format!("{}{flipped}", &v[..v.len() - 1]));
    bad.get("/account").await.assert_see_other("/signin");
}

#[tokio::test]
async fn a_session_from_before_a_reset_is_rejected_after_it() {
    // docs/security.md#33
    let app = app().await;
    app.user("erin@fabrikam.test", PASSWORD, true, false);
    let mut signed_in = app.browser();
    signed_in
        .sign_in("erin@fabrikam.test", PASSWORD)
        .await
        .assert_see_other("/account");
    assert_eq!(signed_in.get("/account").await.status, 200);

    // A full reset through the pages, in another browser.
    let mut b = app.browser();
    b.ask_reset("erin@fabrikam.test").await;
    let mail = app.wait_mail_to("erin@fabrikam.test", 1).await;
    let link = link_with(&mail.text(), "/reset/link/").expect("link");
    b.get(&link).await.assert_see_other("/reset/new");
    let p = b.set_new_password(NEW).await;
    p.assert_see_other("/reset/done");

    // The old session is over, and its cookie is removed.
    let p = signed_in.get("/account").await;
    p.assert_see_other("/signin");
    assert!(p
        .set_cookies()
        .iter()
        .any(|c| c.starts_with(&format!("{SESSION}=;")) || c.contains("Max-Age=0")));

    // The new password works at /signin, the old one does not.
    let p = app.browser().sign_in("erin@fabrikam.test", PASSWORD).await;
    assert!(p.body.contains(FAILED));
    let mut fresh = app.browser();
    fresh
        .sign_in("erin@fabrikam.test", NEW)
        .await
        .assert_see_other("/account");
    assert_eq!(fresh.get("/account").await.status, 200);
}

#[tokio::test]
async fn an_idle_session_times_out_and_activity_keeps_it_alive() {
    let app = app().await;
    app.user("finn@fabrikam.test", PASSWORD, true, false);
    let mut b = app.browser();
    b.sign_in("finn@fabrikam.test", PASSWORD).await;
    // Used every 20 minutes: still alive after an hour (last_seen is refreshed).
    for _ in 0..3 {
        app.clock.advance(chrono::Duration::minutes(20));
        assert_eq!(b.get("/account").await.status, 200);
    }
    // 31 idle minutes: over.
    app.clock.advance(chrono::Duration::minutes(31));
    b.get("/account").await.assert_see_other("/signin");
}

#[tokio::test]
async fn a_session_ends_after_twelve_hours_however_active() {
    let app = app().await;
    app.user("gina@fabrikam.test", PASSWORD, true, false);
    let mut b = app.browser();
    b.sign_in("gina@fabrikam.test", PASSWORD).await;
    for _ in 0..(12 * 3 - 1) {
        app.clock.advance(chrono::Duration::minutes(20));
        assert_eq!(b.get("/account").await.status, 200);
    }
    app.clock.advance(chrono::Duration::minutes(21));
    b.get("/account").await.assert_see_other("/signin");
}

#[tokio::test]
async fn signing_out_kills_the_cookie_even_when_replayed() {
    let app = app().await;
    app.user("hana@fabrikam.test", PASSWORD, true, false);
    let mut b = app.browser();
    b.sign_in("hana@fabrikam.test", PASSWORD).await;
    let mut other_device = app.browser();
    other_device.sign_in("hana@fabrikam.test", PASSWORD).await;
    let old = b.cookies[SESSION].clone();

    let p = b.submit("/account", "/signout", &[]).await;
    p.assert_see_other("/signin?signed_out=1");
    assert!(!b.cookies.contains_key(SESSION));
    assert!(b
        .get("/signin?signed_out=1")
        .await
        .body
        .contains("You are signed out"));
    // Replaying the old value does not work, and other devices are signed out too.
    b.cookies.insert(SESSION.into(), old);
    b.get("/account").await.assert_see_other("/signin");
    other_device
        .get("/account")
        .await
        .assert_see_other("/signin");
    assert!(app
        .audit_events()
        .iter()
        .any(|e| e.event == "signout" && e.outcome == "success"));
}

#[tokio::test]
async fn every_guest_post_needs_a_csrf_token() {
    // docs/security.md#31: no token, a wrong token, or Sec-Fetch-Site: cross-site → 403, no effect.
    let app = app().await;
    app.user("ivan@fabrikam.test", PASSWORD, true, false);
    let mut b = app.browser();
    b.get("/signin").await; // the CSRF binding cookie
    let creds = "email=ivan%40fabrikam.test&password=old-lantern-orchard-27";
    for (body, headers) in [
        (creds.to_string(), vec![]),
        (format!("{creds}&csrf_token=forged"), vec![]),
    ] {
        let p = b.post_raw("/signin", body, &headers).await;
        assert_eq!(p.status, 403);
        assert!(!b.cookies.contains_key(SESSION));
    }
    let token = b.get("/signin").await.csrf().unwrap();
    let p = b
        .post_raw(
            "/signin",
            format!("{creds}&csrf_token={token}"),
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(p.status, 403);
    assert!(!b.cookies.contains_key(SESSION));

    // Signed in, a forged sign-out (or TOTP form) changes nothing.
    b.sign_in("ivan@fabrikam.test", PASSWORD).await;
    for path in [
        "/signout",
        "/account/security/totp",
        "/account/security/totp/remove",
        "/account/language",
    ] {
        let p = b.post_raw(path, "code=123456&password=x".into(), &[]).await;
        assert_eq!(p.status, 403, "{path}");
        let p = b
            .post_raw(path, "csrf_token=forged&code=123456".into(), &[])
            .await;
        assert_eq!(p.status, 403, "{path}");
        let token = b.get("/account").await.csrf().unwrap();
        let p = b
            .post_raw(
                path,
                format!("csrf_token={token}&code=123456"),
                &[("sec-fetch-site", "cross-site")],
            )
            .await;
        assert_eq!(p.status, 403, "{path}");
    }
    assert_eq!(b.get("/account").await.status, 200);
}

#[tokio::test]
async fn every_cookie_has_secure_httponly_samesite_and_the_host_prefix() {
    // docs/security.md#32, with the harness's https public_base_url.
    let app = app().await;
    app.user("jo@fabrikam.test", PASSWORD, true, false);
    let mut b = app.browser();
    let mut seen: Vec<String> = Vec::new();
    let mut collect = |p: &Page| {
        seen.extend(p.set_cookies().iter().map(|c| c.to_string()));
    };
    collect(&b.get("/signin").await);
    collect(&b.sign_in("jo@fabrikam.test", "wrong-password-here").await);
    collect(&b.sign_in("jo@fabrikam.test", PASSWORD).await);
    collect(&b.get("/account").await);
    collect(&b.get("/account/security").await);
    collect(
        &b.submit(
            "/account/security",
            "/account/security/totp",
            &[("code", "000000")],
        )
        .await,
    );
    collect(&b.submit("/account", "/signout", &[]).await);
    collect(&b.get("/account").await);
    let names: Vec<&str> = seen
        .iter()
        .map(|c| c.split('=').next().unwrap_or(""))
        .collect();
    for wanted in ["__Host-lk_csrf", SESSION, "__Host-lk_totp_setup"] {
        assert!(names.contains(&wanted), "{wanted} not in {names:?}");
    }
    for c in &seen {
        let lower = c.to_ascii_lowercase();
        assert!(c.starts_with("__Host-"), "{c}");
        assert!(lower.contains("; secure"), "{c}");
        assert!(lower.contains("; httponly"), "{c}");
        assert!(
            lower.contains("samesite=lax") || lower.contains("samesite=strict"),
            "{c}"
        );
        assert!(lower.contains("path=/"), "{c}");
        assert!(!lower.contains("domain="), "{c}");
    }
}
