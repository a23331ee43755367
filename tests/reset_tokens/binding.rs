//! Tokens bound to their user and flow: tampered cookies, malformed tokens, wrong codes, the URL, races.

use super::*;

#[tokio::test]
async fn a_token_is_bound_to_its_user() {
    // docs/security.md#7: the form names the token's user; there is no user or tenant field to
    // edit, and extra fields naming another account change nothing.
    let app = app().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    app.user("bob@fabrikam.test", OLD, true, false);
    app.user("dave@northwind.test", OLD, true, false);
    let bob_before = app.password_hash("bob@fabrikam.test");
    let dave_before = app.password_hash("dave@northwind.test");
    let m = ask_and_mail(&app, "alice@fabrikam.test", 1).await;
    let mut b = open_link(&app, &m.link, "/reset/new").await;
    let form = b.get("/reset/new").await;
    assert!(
        form.body
            .contains("name=\"username\" value=\"alice@fabrikam.test\""),
        "{}",
        form.body
    );
    let form_html = &form.body[form.body.find("<form").unwrap()..];
    let names: Vec<&str> = form_html
        .split("name=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(
        names,
        ["csrf_token", "username", "password", "password_confirm"],
        "unexpected form fields"
    );
    let bob_id = user_row(&app, "bob@fabrikam.test").id;
    let body = serde_urlencoded::to_string([
        ("csrf_token", form.csrf().unwrap().as_str()),
        ("username", "bob@fabrikam.test"),
        ("email", "bob@fabrikam.test"),
        ("user_id", bob_id.as_str()),
        ("tenant", "Northwind"),
        ("tenant_id", "x"),
        ("password", NEW),
        ("password_confirm", NEW),
    ])
    .unwrap();
    let p = b.post_raw("/reset/new", body, &[]).await;
    assert_done(&p);
    assert!(
        verifies(
            &app,
            &app.password_hash("alice@fabrikam.test").unwrap(),
            NEW
        )
        .await
    );
    assert_eq!(app.password_hash("bob@fabrikam.test"), bob_before);
    assert_eq!(app.password_hash("dave@northwind.test"), dave_before);
}

#[tokio::test]
async fn a_tampered_reset_cookie_gives_the_invalid_page() {
    // docs/security.md#7: the token lives in a sealed cookie; editing it is rejected.
    let app = app().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    let before = app.password_hash("alice@fabrikam.test");
    let m = ask_and_mail(&app, "alice@fabrikam.test", 1).await;
    let b = open_link(&app, &m.link, "/reset/new").await;
    let name = b
        .cookies
        .keys()
        .find(|k| k.ends_with("lk_reset"))
        .expect("sealed reset cookie")
        .clone();
    let value = b.cookies[&name].clone();
    // Flip one character in the middle, swap for another token id, or drop the seal.
    let mid = value.len() / 2;
    let flipped: String = value
        .char_indices()
        .map(|(i, c)| {
            if i == mid {
                if c == 'A' {
                    'B'
                } else {
                    'A'
                }
            } else {
                c
            }
        })
        .collect();
    let token_id = column(&app, "reset_tokens", "id").pop().unwrap();
    for forged in [
        flipped,
        token_id,
        String::from("x"),
        value[..mid].to_string(),
    ] {
        let mut t = b.clone();
        t.cookies.insert(name.clone(), forged.clone());
        assert_invalid(&t.get("/reset/new").await);
        assert_invalid(&choose(&mut t, NEW, NEW).await);
    }
    assert_eq!(app.password_hash("alice@fabrikam.test"), before);
}

#[tokio::test]
async fn malformed_tokens_fail_generically() {
    // docs/security.md#8: `/reset/link/zzzz`, a 10 KB token and `%00` give the same page and status,
    // never a 500 and never a username.
    let app = app().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    let m = ask_and_mail(&app, "alice@fabrikam.test", 1).await;
    let long = "A".repeat(10 * 1024);
    // The real token with its last character changed (to another canonical one).
    let last = if m.token.ends_with('A') { 'E' } else { 'A' };
    let near = format!("{}{last}", &m.token[..m.token.len() - 1]);
    let paths = [
        "/reset/link/zzzz".to_string(),
        format!("/reset/link/{long}"),
        "/reset/link/%00".to_string(),
        format!("/reset/link/{}%00", m.token),
        format!("/reset/link/{near}"),
        "/reset/link/..%2F..%2Fetc%2Fpasswd".to_string(),
        "/reset/link/%F0%9F%98%80".to_string(),
        "/reset?token=zzzz".to_string(),
        format!("/reset?token={long}"),
        "/reset?token=%00".to_string(),
    ];
    let mut reference: Option<(u16, String)> = None;
    for path in &paths {
        let p = app.browser().get(path).await;
        assert_ne!(p.status, 500, "{path}");
        assert!(is_invalid(&p), "{path}: {} {:?}", p.status, p.location());
        assert!(!p.body.contains("alice"), "{path}: a username leaked");
        let got = (p.status, mask_csrf(&p.body));
        match &reference {
            None => reference = Some(got),
            Some(r) => assert_eq!(r, &got, "{path} differs from {}", paths[0]),
        }
    }
    // The real link still works: nothing above burned it.
    open_link(&app, &m.link, "/reset/new").await;
}

#[tokio::test]
async fn five_wrong_codes_end_the_flow() {
    // docs/security.md#9: after 5 wrong codes the right one fails too.
    let app = app().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    let (mut b, _) = ask(&app, "alice@fabrikam.test").await;
    let m = reset_mail(&app, "alice@fabrikam.test", 1).await;
    let token = csrf(&mut b).await;
    let wrong = if m.code.starts_with('A') {
        "BBBB-BBBB"
    } else {
        "AAAA-AAAA"
    };
    for i in 1..=5 {
        let p = b.post_form("/reset/code", &token, &[("code", wrong)]).await;
        assert_eq!(p.status, 200, "attempt {i}");
        assert_ne!(p.status, 303);
    }
    let p = b
        .post_form("/reset/code", &token, &[("code", &m.code)])
        .await;
    assert_ne!(p.status, 303, "the right code worked after 5 wrong ones");
    // The flow is over: the link of that flow is dead as well.
    assert_invalid(&app.browser().get(&m.link).await);
}

#[tokio::test]
async fn the_token_leaves_the_url_before_the_form_renders() {
    // docs/security.md#10: `GET /reset?token=…` and `/reset/link/{t}` answer 303 to a token-less URL
    // and keep the token server-side (a sealed cookie naming it).
    let app = app().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    let m = ask_and_mail(&app, "alice@fabrikam.test", 1).await;
    for path in [format!("/reset?token={}", m.token), m.link.clone()] {
        let mut b = app.browser();
        let p = b.get(&path).await;
        assert_eq!(p.status, 303, "{path}");
        let location = p.location().unwrap();
        assert_eq!(location, "/reset/new");
        assert!(!location.contains(&m.token));
        assert!(
            p.set_cookies().iter().all(|c| !c.contains(&m.token)),
            "the raw token is in a cookie"
        );
        // The next page has no token in its body either.
        let form = b.get(location).await;
        assert_eq!(form.status, 200);
        assert!(!form.body.contains(&m.token));
    }
}

#[tokio::test]
async fn a_policy_flip_kills_the_link_itself() {
    // docs/security.md#6: "issue a token, make the change, then GET the link gives the invalid
    // page" — for a plan drop, a takeover and a disablement, before any form is shown.
    let app = app().await;
    app.user("dave@northwind.test", OLD, true, false);
    app.user("alice@fabrikam.test", OLD, true, false);
    app.user("bob@fabrikam.test", OLD, true, false);
    let dave = ask_and_mail(&app, "dave@northwind.test", 1).await;
    let alice = ask_and_mail(&app, "alice@fabrikam.test", 1).await;
    let (mut bob_browser, _) = ask(&app, "bob@fabrikam.test").await;
    let bob = reset_mail(&app, "bob@fabrikam.test", 1).await;
    app.sql("UPDATE tenants SET plan = 'free' WHERE name = 'Northwind'");
    app.sql("UPDATE users SET disabled = TRUE WHERE email = 'alice@fabrikam.test'");
    app.sql("UPDATE users SET disabled = TRUE WHERE email = 'bob@fabrikam.test'");
    assert_invalid(&app.browser().get(&dave.link).await);
    assert_invalid(&app.browser().get(&alice.link).await);
    // The code, too.
    let token = csrf(&mut bob_browser).await;
    let p = bob_browser
        .post_form("/reset/code", &token, &[("code", &bob.code)])
        .await;
    assert_ne!(p.status, 303, "the code worked for a disabled account");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_leave_exactly_one_live_token() {
    // docs/security.md#6: a newer request supersedes the older ones, also when the worker
    // evaluates them at the same time (on PostgreSQL two issuing transactions must not both
    // miss each other's token).
    const N: usize = 12;
    let app = app().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    let mut b = app.browser();
    let token = csrf(&mut b).await;
    let mut tasks = Vec::new();
    for _ in 0..N {
        let mut b = b.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            b.post_form("/reset", &token, &[("email", "alice@fabrikam.test")])
                .await
                .status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 303);
    }
    app.wait_mail_to("alice@fabrikam.test", N).await;
    app.drain_jobs().await;
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM reset_tokens WHERE used_at IS NULL AND revoked_at IS NULL"
        ),
        1,
        "live tokens for one user"
    );
    let mut working = 0;
    for m in app.mails_to("alice@fabrikam.test") {
        if app.browser().get(&parse_reset_mail(m).link).await.status == 303 {
            working += 1;
        }
    }
    assert_eq!(working, 1, "links that work");
}
